"""BiasSourcesExplorer: turn on one source of bias at a time and watch a model drift from the truth.

Lesson: 01-where-bias-comes-from
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab._validation import check_seed
from fairlab.datasets import make_biased_world
from fairlab.plotting import PALETTE, group_colors, metrics_table_html
from fairlab.simulation import fit_and_score_world
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["BiasSourcesExplorer", "BiasSourcesState", "BAR_METRICS", "STOPS"]

#: The stops of the four knobs of ``make_biased_world``. Every combination (× the
#: checkbox) is one model, trained once when the browser view is built: 3·4·4·3·2 =
#: 288 fits of about 13 ms each (n=4000), so the stops are few but include the
#: settings the lesson asks for (historical bias 0.6, measurement bias 2).
STOPS = {"representation": (0.0, 0.45, 0.9), "historical_bias": (0.0, 0.3, 0.6, 0.9),
         "measurement_bias": (0.0, 1.0, 2.0, 3.0), "proxy_strength": (0.0, 0.45, 0.9)}

#: Bar clusters of the left panel: column of ``WorldFit.metrics`` → axis label.
BAR_METRICS = {
    "true_base_rate": "truly\nqualified",
    "recorded_base_rate": "recorded as\nqualified",
    "selection_rate": "selected\nby model",
    "error_vs_truth": "error vs\ntruth",
    "error_vs_recorded": "error vs\nrecorded labels",
    "fnr_vs_truth": "qualified\nbut rejected",
}
#: The same clusters, named on one line for the page's axis.
_PAGE_LABELS = ("truly qualified", "recorded qual.", "selected", "error vs truth",
                "error vs rec.", "qual. rejected")
_COEFS = ("test_score", "experience", "neighbourhood", "group B")
_COEF_COLORS = ("#777777", "#777777", PALETTE[5], PALETTE[5])
_GROUPS = ("A", "B")
_WIDTH = 0.38  # of one bar; a cluster holds one bar per group


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined share travels as ``None`` (drawn as no bar)."""
    return float(x) if np.isfinite(x) else None


@dataclass(frozen=True)
class BiasSourcesState:
    """One state of the explorer: the knobs, per-group metrics and model weights."""

    knobs: dict[str, float]
    use_group: bool
    metrics: pd.DataFrame
    coef: pd.Series
    readout: str


class BiasSourcesExplorer(Explorer):
    """Sliders for the four sources of bias; one model per setting, trained once.

    Each move draws the same ``n`` people from
    :func:`fairlab.datasets.make_biased_world` (fixed ``random_state``: only the knobs
    change, never the people), trains a logistic regression on the *recorded*
    labels of the first half and shows, for the held-out half and per group: the
    truly qualified share, the recorded share, the selection rate, the error rate
    against the truth and against the recorded labels, and the share of qualified
    people rejected. A second panel shows how strongly the model leans on each
    column (standardised coefficients); the checkbox lets the model see the
    group column.

    ``compute`` retrains in about 4 ms for ``n=4000`` on a quiet core (best of 50
    calls; 9–27 ms on a busy shared machine): drawing the world takes 1–2 ms, the
    fit (single-threaded on purpose) 1.5–3 ms, the counting 0.2 ms.
    ``tests/widgets/test_bias_sources.py`` holds the best of five calls under 50 ms.
    The view drawn in the browser (:meth:`browser_view`) calls ``compute`` once for
    every combination of the knobs' :data:`STOPS` and the checkbox (288 models, a
    few seconds) and sends the frames to the page, which redraws on every move
    with no kernel round trip; the matplotlib panel stays as :meth:`python_widget`.

    Parameters
    ----------
    n : int, default=4000
        People in the world (half train, half held out).
    random_state : int, numpy Generator or None, default=0
    threshold : float, default=0.5
        A held-out person is selected when the predicted probability is at least this.
    stops : dict knob → sequence of float, optional
        The values each slider steps through (default :data:`STOPS`); fewer stops
        make the browser view quicker to build.
    **initial : float or bool
        Starting values of ``representation``, ``historical_bias``,
        ``measurement_bias``, ``proxy_strength`` (each one of its stops; default the
        first) and ``use_group``.

    Examples
    --------
    >>> ex = BiasSourcesExplorer(n=2000, historical_bias=0.6, use_group=True)
    >>> m = ex.state.metrics
    >>> bool(m.loc["B", "selection_rate"] < m.loc["A", "selection_rate"])
    True

    Lesson: 01-where-bias-comes-from
    """

    def __init__(self, n: int = 4000, *,
                 random_state: int | np.random.Generator | None = 0, threshold: float = 0.5,
                 stops: dict[str, Any] | None = None, **initial: Any) -> None:
        self.n, self.threshold = n, threshold
        self.random_state = check_seed(random_state)
        self.stops = self._validate(stops, initial)
        make_biased_world(n, random_state=random_state)  # validates n before any widget is built
        controls = self._controls(initial)
        self._build_figure()
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._setup(controls, fig=self.fig, panels=[self.readout, self.table],
                    title="Where bias comes from: a model trained on recorded labels, "
                          "judged against the truth")

    # ------------------------------------------------------------------ set-up
    @staticmethod
    def _validate(stops: dict[str, Any] | None, initial: dict[str, Any]
                  ) -> dict[str, tuple[float, ...]]:
        names = [*STOPS, "use_group"]
        unknown = set(initial) - set(names)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; the explorer accepts "
                             f"{names}.")
        stops = {**STOPS, **(stops or {})}
        if set(stops) != set(STOPS):
            raise ValueError(f"stops has unknown knobs {sorted(set(stops) - set(STOPS))}; "
                             f"name some of {list(STOPS)}.")
        clean = {k: tuple(float(v) for v in stops[k]) for k in STOPS}
        for knob, values in clean.items():
            if not values or list(values) != sorted(set(values)):
                raise ValueError(f"stops[{knob!r}] must be increasing values with at least "
                                 f"one; got {list(values)}.")
            if knob in initial and float(initial[knob]) not in values:
                raise ValueError(f"{knob}={initial[knob]!r} is not one of its stops "
                                 f"{list(values)}; pick one, or pass stops={{{knob!r}: [...]}}.")
        return clean

    def _controls(self, initial: dict[str, Any]) -> dict[str, W.ValueWidget]:
        controls: dict[str, W.ValueWidget] = {
            knob: W.SelectionSlider(options=[(f"{v:.2f}", v) for v in values],
                                    value=float(initial.get(knob, values[0])),
                                    description=knob.replace("_", " "),
                                    continuous_update=True,
                                    style={"description_width": "initial"})
            for knob, values in self.stops.items()
        }
        controls["use_group"] = W.Checkbox(value=bool(initial.get("use_group", False)),
                                           description="model sees the group column",
                                           indent=False)
        return controls

    # ------------------------------------------------------------------ figure
    def _build_figure(self) -> None:
        self.fig, (ax, ax_coef) = new_figure(1, 2, figsize=(10, 3.8),
                                             gridspec_kw={"width_ratios": [2.5, 1]})
        self.ax, self.ax_coef = ax, ax_coef
        colors = group_colors(_GROUPS)
        x = np.arange(len(BAR_METRICS))
        self.bars: dict[str, Any] = {}
        self.labels: dict[str, list] = {}
        for i, g in enumerate(_GROUPS):
            xs = x + (i - 0.5) * _WIDTH
            self.bars[g] = ax.bar(xs, np.zeros(len(x)), _WIDTH, color=colors[g],
                                  label=f"group {g}")
            self.labels[g] = [ax.text(xi, 0, "", ha="center", va="bottom", fontsize=7)
                              for xi in xs]
        ax.set_xticks(x, list(BAR_METRICS.values()), fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share of held-out people")
        ax.legend(loc="upper right", ncols=2)
        ax.set_title("Per group, held-out half")
        y = np.arange(len(_COEFS))[::-1]
        self.coef_bars = ax_coef.barh(y, np.zeros(len(y)), color=_COEF_COLORS, height=0.6)
        self.coef_notes = [ax_coef.text(0, yi, "", va="center", fontsize=8) for yi in y]
        ax_coef.set_yticks(y, list(_COEFS))
        ax_coef.axvline(0, color="black", linewidth=0.8)
        ax_coef.set_xlim(-3, 3)
        ax_coef.set_title("What the model leans on")
        ax_coef.set_xlabel("standardised coefficient")
        self.fig.tight_layout()

    # ------------------------------------------------------------------ the road
    def compute(self, *, representation: float = 0.0, historical_bias: float = 0.0,
                measurement_bias: float = 0.0, proxy_strength: float = 0.0,
                use_group: bool = False) -> BiasSourcesState:
        """Draw the world with these knobs, train, and score per group (pure)."""
        knobs = {"representation": float(representation),
                 "historical_bias": float(historical_bias),
                 "measurement_bias": float(measurement_bias),
                 "proxy_strength": float(proxy_strength)}
        world = make_biased_world(self.n, random_state=self.random_state, **knobs)
        fit = fit_and_score_world(world, use_group=bool(use_group), threshold=self.threshold)
        m = fit.metrics
        coef = fit.coef.reindex(list(_COEFS)).fillna(0.0)
        gap = m.loc["B"] - m.loc["A"]
        readout = (f"B − A · selected {gap['selection_rate']:+.3f} · error vs truth "
                   f"{gap['error_vs_truth']:+.3f} · error vs recorded "
                   f"{gap['error_vs_recorded']:+.3f} · B qualified but rejected "
                   f"{m.loc['B', 'fnr_vs_truth']:.3f}")
        return BiasSourcesState(knobs=knobs, use_group=bool(use_group), metrics=m,
                                coef=coef, readout=readout)

    @staticmethod
    def table_html(state: BiasSourcesState) -> str:
        """The table under the panel: every metric of both groups, 3 decimals."""
        return metrics_table_html(state.metrics.rename(columns=lambda c: c.replace("_", " ")))

    @staticmethod
    def coef_note(state: BiasSourcesState, name: str) -> str:
        """The label beside a coefficient's bar."""
        unused = name == "group B" and not state.use_group
        return "not used" if unused else f"{float(state.coef[name]):+.2f}"

    def render(self, state: BiasSourcesState) -> None:
        """Move bars and labels, refresh the table and readout (no redraw of the figure)."""
        cols = list(BAR_METRICS)
        for g in _GROUPS:
            values = state.metrics.loc[g, cols].to_numpy(float)
            for bar, text, v in zip(self.bars[g], self.labels[g], values, strict=True):
                height = 0.0 if np.isnan(v) else v
                bar.set_height(height)
                text.set_position((bar.get_x() + bar.get_width() / 2, height + 0.01))
                text.set_text("–" if np.isnan(v) else f"{v:.2f}")
        top = max(2.5, float(np.abs(state.coef).max()) * 1.15)
        self.ax_coef.set_xlim(-top, top)
        for bar, note, name in zip(self.coef_bars, self.coef_notes, _COEFS, strict=True):
            v = float(state.coef[name])
            bar.set_width(v)
            unused = name == "group B" and not state.use_group
            note.set_text(self.coef_note(state, name))
            note.set_position((0.05 * top if v <= 0 or unused else -0.05 * top,
                               note.get_position()[1]))
            note.set_horizontalalignment("left" if v <= 0 or unused else "right")
        self.table.value = self.table_html(state)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def _frame(self, **values: Any) -> Frame:
        """What the page shows for one setting: :meth:`compute`, formatted as :meth:`render`."""
        st = self.compute(**values)
        x = np.arange(len(BAR_METRICS))
        shares = st.metrics.loc[list(_GROUPS), list(BAR_METRICS)].to_numpy(float)
        bars = {f"bars-{g}": [[float(xi + (i - 1) * _WIDTH), float(xi + i * _WIDTH), _num(v)]
                              for xi, v in zip(x, shares[i], strict=True)]
                for i, g in enumerate(_GROUPS)}
        y = np.arange(len(_COEFS))[::-1]
        coef = {f"coef-{k}": [[float(yi) - 0.3, float(yi) + 0.3, float(st.coef[name]),
                               self.coef_note(st, name)]]
                for k, (yi, name) in enumerate(zip(y, _COEFS, strict=True))}
        return Frame(readout=st.readout, table=self.table_html(st), layers=[bars, coef],
                     coef_top=float(np.abs(st.coef).max()))

    def _panels(self, top: float) -> list[dict]:
        colors = group_colors(_GROUPS)
        k = len(BAR_METRICS)
        y = np.arange(len(_COEFS))[::-1]
        return [
            {"title": "Per group, held-out half", "ylabel": "share of held-out people",
             "xlim": [-0.6, k - 0.4], "ylim": [0, 1.05], "width": 570, "height": 300,
             "legend": "upper right", "legendWidth": 70,
             "xticks": [[float(i), lab] for i, lab in enumerate(_PAGE_LABELS)],
             "layers": [{"id": f"bars-{g}", "type": "bars", "color": colors[g], "opacity": 1,
                         "label": f"group {g}"} for g in _GROUPS],
             "alt": "six shares of the held-out people, a bar per group: truly qualified, "
                    "recorded as qualified, selected, error against the truth, error against "
                    "the recorded labels, qualified but rejected"},
            {"title": "What the model leans on", "xlabel": "standardised coefficient",
             "xlim": [-top, top], "ylim": [-0.6, len(_COEFS) - 0.4],
             "width": 260, "height": 300, "left": 96,
             "yticks": [[float(yi), n] for yi, n in zip(y, _COEFS, strict=True)],
             "layers": [*({"id": f"coef-{k}", "type": "hbars", "color": c}
                          for k, c in enumerate(_COEF_COLORS)),
                        {"id": "zero", "type": "vline", "color": "#000000", "dash": "none",
                         "data": 0.0}],
             "alt": "the model's standardised coefficient on each column"},
        ]

    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one frame per setting of the stops.

        Every combination of the knobs' stops and the checkbox is computed here, once
        (:meth:`compute`, one model each); a move in the page picks a frame: the
        readout, the table and the bars :meth:`render` draws for that setting.
        """
        if getattr(self, "_view", None) is None:
            controls = [{"name": knob, "label": knob.replace("_", " "), "values": list(values),
                         "labels": [f"{v:.2f}" for v in values],
                         "index": values.index(self.controls[knob].value)}
                        for knob, values in self.stops.items()]
            use_group = self.controls["use_group"].value
            controls.append({"name": "use_group", "label": "model sees the group column",
                             "widget": "select", "values": [False, True],
                             "labels": ["no", "yes"], "index": int(use_group)})
            spec = frames_spec(controls, self._frame, title=self.title)
            # The coefficient axis fits the largest weight of any setting (render fits each).
            top = max(2.5, 1.15 * max(f.pop("coef_top") for f in spec["frames"]))
            spec["panels"] = self._panels(top)
            self._view = BrowserView(kind="frames", spec=spec, values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view
