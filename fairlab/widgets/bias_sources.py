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

__all__ = ["BiasSourcesExplorer", "BiasSourcesState", "BAR_METRICS", "KNOBS"]

#: The four knobs of ``make_biased_world``: (name, max, step).
KNOBS = (("representation", 0.95, 0.05), ("historical_bias", 1.0, 0.05),
         ("measurement_bias", 3.0, 0.1), ("proxy_strength", 1.0, 0.05))

#: Bar clusters of the left panel: column of ``WorldFit.metrics`` → axis label.
BAR_METRICS = {
    "true_base_rate": "truly\nqualified",
    "recorded_base_rate": "recorded as\nqualified",
    "selection_rate": "selected\nby model",
    "error_vs_truth": "error vs\ntruth",
    "error_vs_recorded": "error vs\nrecorded labels",
    "fnr_vs_truth": "qualified\nbut rejected",
}
_COEFS = ("test_score", "experience", "neighbourhood", "group B")
_GROUPS = ("A", "B")


@dataclass(frozen=True)
class BiasSourcesState:
    """One state of the explorer: the knobs, per-group metrics and model weights."""

    knobs: dict[str, float]
    use_group: bool
    metrics: pd.DataFrame
    coef: pd.Series
    readout: str


class BiasSourcesExplorer(Explorer):
    """Sliders for the four sources of bias; a model retrained on every move.

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
    calls): drawing the world takes 1–2 ms, the fit (single-threaded on purpose)
    1.5–3 ms, the counting 0.2 ms. On the shared 2-core build machine at load 7,
    every corner of the knob space stayed between 9 and 27 ms. So a slider can
    retrain live; ``tests/widgets/test_bias_sources.py`` holds the best of five
    calls under 50 ms.

    Parameters
    ----------
    n : int, default=4000
        People in the world (half train, half held out).
    random_state : int, numpy Generator or None, default=0
    threshold : float, default=0.5
        A held-out person is selected when the predicted probability is at least this.
    **initial : float or bool
        Starting values of ``representation``, ``historical_bias``,
        ``measurement_bias``, ``proxy_strength`` and ``use_group``.

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
                 **initial: Any) -> None:
        names = [k for k, _, _ in KNOBS] + ["use_group"]
        unknown = set(initial) - set(names)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; the explorer accepts "
                             f"{names}.")
        self.n, self.threshold = n, threshold
        self.random_state = check_seed(random_state)
        make_biased_world(n, random_state=random_state)  # validates n before any widget is built
        controls: dict[str, W.ValueWidget] = {
            name: W.FloatSlider(value=float(initial.get(name, 0.0)), min=0.0, max=top,
                                step=step, description=name.replace("_", " "),
                                readout_format=".2f", continuous_update=True,
                                style={"description_width": "initial"})
            for name, top, step in KNOBS
        }
        controls["use_group"] = W.Checkbox(value=bool(initial.get("use_group", False)),
                                           description="model sees the group column",
                                           indent=False)
        self._build_figure()
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._setup(controls, fig=self.fig, panels=[self.readout, self.table],
                    title="Where bias comes from: a model trained on recorded labels, "
                          "judged against the truth")

    # ------------------------------------------------------------------ figure
    def _build_figure(self) -> None:
        self.fig, (ax, ax_coef) = new_figure(1, 2, figsize=(10, 3.8),
                                             gridspec_kw={"width_ratios": [2.5, 1]})
        self.ax, self.ax_coef = ax, ax_coef
        colors = group_colors(_GROUPS)
        x = np.arange(len(BAR_METRICS))
        width = 0.38
        self.bars: dict[str, Any] = {}
        self.labels: dict[str, list] = {}
        for i, g in enumerate(_GROUPS):
            xs = x + (i - 0.5) * width
            self.bars[g] = ax.bar(xs, np.zeros(len(x)), width, color=colors[g],
                                  label=f"group {g}")
            self.labels[g] = [ax.text(xi, 0, "", ha="center", va="bottom", fontsize=7)
                              for xi in xs]
        ax.set_xticks(x, list(BAR_METRICS.values()), fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share of held-out people")
        ax.legend(loc="upper right", ncols=2)
        ax.set_title("Per group, held-out half")
        y = np.arange(len(_COEFS))[::-1]
        coef_colors = ["#777777", "#777777", PALETTE[5], PALETTE[5]]
        self.coef_bars = ax_coef.barh(y, np.zeros(len(y)), color=coef_colors, height=0.6)
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
            note.set_text("not used" if unused else f"{v:+.2f}")
            note.set_position((0.05 * top if v <= 0 or unused else -0.05 * top,
                               note.get_position()[1]))
            note.set_horizontalalignment("left" if v <= 0 or unused else "right")
        table = state.metrics.rename(columns=lambda c: c.replace("_", " "))
        self.table.value = metrics_table_html(table)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()
