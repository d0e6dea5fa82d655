"""ShortcutExplorer: how strong a shortcut in the training data, and who pays after the shift.

Lesson: 14-shortcuts-causes-and-explanations
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab.plotting import PALETTE, group_colors, metrics_table_html
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["ShortcutExplorer", "ShortcutState"]

_GROUPS = ("A", "B")
_SPLITS = ("before", "after")
_TABLE = ("accuracy", "tpr", "fpr", "selection_rate", "base_rate")
_CURSOR = "#777777"


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined rate travels as ``None`` (the page skips it)."""
    return float(x) if np.isfinite(x) else None


def _coef_color(name: str) -> str:
    """The shortcut's coefficient stands out; the legitimate features are grey."""
    return PALETTE[5] if name == "neighbourhood" else "#777777"


@dataclass(frozen=True)
class ShortcutState:
    """One stop of the sweep: per (split, group) metrics, coefficients and a readout."""

    strength: float
    metrics: pd.DataFrame
    coef: pd.Series
    readout: str
    table_html: str


class ShortcutExplorer(Explorer):
    """A slider over shortcut strength; accuracy by group before and after the shift.

    Everything is precomputed by :func:`fairlab.causal.shortcut_sweep` (one model
    per strength); a slider move looks up the nearest strength of the sweep, drawn
    in the browser (:meth:`browser_view`; the matplotlib panel stays reachable as
    :meth:`python_widget`). The
    left panel draws every group's accuracy (or the chosen ``metric``) before the
    shift (solid) and after it (dashed) across all strengths, with a marker at the
    current one; the right panel shows the model's standardised coefficients.

    Parameters
    ----------
    sweep : DataFrame
        From :func:`~fairlab.causal.shortcut_sweep` on evenly spaced strengths.
    metric : str, default="accuracy"
    strength : float, optional
        Starting strength (default: the first of the sweep).

    Examples
    --------
    >>> from fairlab.causal import shortcut_sweep
    >>> ex = ShortcutExplorer(shortcut_sweep([0.0, 0.4, 0.8], n=1000), strength=0.8)
    >>> m = ex.state.metrics
    >>> bool(m.loc[("after", "B"), "accuracy"] < m.loc[("before", "B"), "accuracy"])
    True

    Lesson: 14-shortcuts-causes-and-explanations
    """

    def __init__(self, sweep: pd.DataFrame, *, metric: str = "tpr",
                 strength: float | None = None) -> None:
        self._validate(sweep, metric)
        self._precompute()
        controls = self._build_controls(strength)
        self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=self.fig, panels=panels,
                    title="A shortcut learned from collected data, and who pays when it breaks")

    # ------------------------------------------------------------------ set-up steps
    def _validate(self, sweep: pd.DataFrame, metric: str) -> None:
        """Check the sweep (evenly spaced strengths) and the metric; keep them."""
        if not isinstance(sweep, pd.DataFrame) or list(sweep.index.names) != [
                "strength", "split", "group"]:
            raise TypeError("sweep must be the DataFrame returned by shortcut_sweep().")
        if metric not in _TABLE:
            raise ValueError(f"metric must be one of {list(_TABLE)}; got {metric!r}.")
        self.sweep, self.metric = sweep, metric
        self.strengths = np.unique(sweep.index.get_level_values("strength").to_numpy(float))
        if len(self.strengths) < 2:
            raise ValueError("sweep has one strength; sweep at least two to slide between.")
        steps = np.diff(self.strengths)
        if not np.allclose(steps, steps[0]):
            raise ValueError("sweep strengths must be evenly spaced (e.g. np.linspace) so "
                             "that every slider stop has a row.")

    def _precompute(self) -> None:
        """One state per stop, built once: a slider move is a dictionary lookup."""
        self._coef_names = [c for c in self.sweep.columns if c.startswith("coef_")]
        self._states = {float(s): self._state(float(s)) for s in self.strengths}

    def _build_controls(self, strength: float | None) -> dict[str, W.ValueWidget]:
        """The shortcut-strength slider, one stop per swept strength."""
        start = float(self.strengths[0] if strength is None else strength)
        return {"strength": W.FloatSlider(
            value=start, min=float(self.strengths[0]), max=float(self.strengths[-1]),
            step=float(self.strengths[1] - self.strengths[0]),
            description="shortcut strength", readout_format=".2f", continuous_update=True)}

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    def _build_figure(self) -> None:
        self.fig, (ax, ax_coef) = new_figure(1, 2, figsize=(10, 3.6),
                                             gridspec_kw={"width_ratios": [2, 1]})
        self.ax, self.ax_coef = ax, ax_coef
        colors = group_colors(_GROUPS)
        self.marks = {}
        for split, style in (("before", "-"), ("after", "--")):
            for g in _GROUPS:
                s = self.sweep.xs((split, g), level=("split", "group"))[self.metric]
                ax.plot(s.index, s.to_numpy(), style, color=colors[g], linewidth=1.4,
                        label=f"{g}, {split} the shift")
                self.marks[split, g] = ax.plot([], [], "o", color=colors[g], markersize=7)[0]
        self.cursor = ax.axvline(self.strengths[0], color="#777777", linewidth=0.8)
        ax.set_xlabel("shortcut strength in the collected training data")
        ax.set_ylabel(self.metric.replace("_", " "))
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8, loc="lower left")
        ax.set_title("Per group: before the shift (solid), after (dashed)")
        names = [c.removeprefix("coef_") for c in self._coef_names]
        y = np.arange(len(names))[::-1]
        self.coef_bars = ax_coef.barh(y, np.zeros(len(y)), height=0.6, color=[
            _coef_color(n) for n in names])
        self.coef_notes = [ax_coef.text(0, yi, "", va="center", fontsize=8) for yi in y]
        ax_coef.set_yticks(y, names)
        ax_coef.axvline(0, color="black", linewidth=0.8)
        top = float(np.abs(self.sweep[self._coef_names].to_numpy()).max()) * 1.15
        self._coef_top = top
        ax_coef.set_xlim(-top, top)
        ax_coef.set_title("What the model leans on")
        ax_coef.set_xlabel("standardised coefficient")
        self.fig.tight_layout()

    def compute(self, *, strength: float) -> ShortcutState:
        """The precomputed state of the stop nearest ``strength`` (pure lookup)."""
        return self._states[float(self.strengths[np.abs(self.strengths - float(strength))
                                                 .argmin()])]

    def _state(self, s: float) -> ShortcutState:
        rows = self.sweep.xs(s, level="strength")
        metrics = rows[list(_TABLE)].reindex(
            pd.MultiIndex.from_product([_SPLITS, _GROUPS], names=["split", "group"]))
        coef = rows[self._coef_names].iloc[0].rename(lambda c: c.removeprefix("coef_"))
        m = metrics[self.metric]
        readout = (f"strength {s:.2f} · {self.metric.replace('_', ' ')} before → after: "
                   f"A {m['before', 'A']:.3f} → {m['after', 'A']:.3f}, "
                   f"B {m['before', 'B']:.3f} → {m['after', 'B']:.3f} · qualified B selected "
                   f"after the shift {metrics.loc[('after', 'B'), 'tpr']:.3f} · "
                   f"neighbourhood weight {coef.get('neighbourhood', np.nan):+.2f}")
        table = metrics.copy()
        table.index = [f"{g}, {split} the shift" for split, g in table.index]
        html = metrics_table_html(table.rename(columns=lambda c: c.replace("_", " ")))
        return ShortcutState(strength=s, metrics=metrics, coef=coef, readout=readout,
                             table_html=html)

    def render(self, state: ShortcutState) -> None:
        """Move the markers, cursor and bars; refresh the table and readout."""
        for (split, g), mark in self.marks.items():
            mark.set_data([state.strength], [state.metrics.loc[(split, g), self.metric]])
        self.cursor.set_xdata([state.strength, state.strength])
        top = self.ax_coef.get_xlim()[1]
        for bar, note, v in zip(self.coef_bars, self.coef_notes, state.coef, strict=True):
            bar.set_width(v)
            note.set_text(f"{v:+.2f}")
            note.set_position((0.05 * top if v <= 0 else -0.05 * top, note.get_position()[1]))
            note.set_horizontalalignment("left" if v <= 0 else "right")
        self.table.value = state.table_html
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one precomputed frame per strength.

        Each frame holds the readout, the table and the moving marks (the markers on
        the per-group curves, the cursor, the coefficient bars) that :meth:`render`
        draws for that strength; a slider move in the page picks a frame.
        """
        if getattr(self, "_view", None) is None:
            colors = group_colors(_GROUPS)
            label = self.metric.replace("_", " ")
            curves = []
            for split, dash in (("before", ""), ("after", "5 3")):
                for g in _GROUPS:
                    s = self.sweep.xs((split, g), level=("split", "group"))[self.metric]
                    curves.append({"id": f"{split}-{g}", "type": "line", "color": colors[g],
                                   "dash": dash, "width": 1.4, "label": f"{g}, {split} the shift",
                                   "data": [[float(a), _num(b)] for a, b in
                                            zip(s.index, s.to_numpy(float), strict=True)]})
            marks = [{"id": f"mark-{g}", "type": "points", "color": colors[g], "size": 5}
                     for g in _GROUPS]
            cursor = {"id": "cursor", "type": "vline", "color": _CURSOR, "dash": "none"}
            names = list(self.compute(strength=self.strengths[0]).coef.index)
            y = np.arange(len(names))[::-1]
            bars = [{"id": f"coef-{n}", "type": "hbars", "color": _coef_color(n)} for n in names]
            lo, hi = float(self.strengths[0]), float(self.strengths[-1])
            pad = 0.03 * (hi - lo)
            top = self._coef_top
            panels = [
                {"title": "Per group: before the shift (solid), after (dashed)",
                 "xlabel": "shortcut strength in the collected training data", "ylabel": label,
                 "xlim": [lo - pad, hi + pad], "ylim": [0, 1.02], "width": 520, "height": 300,
                 "legend": "lower left",
                 "layers": [*curves, cursor, *marks],
                 "alt": f"{label} of each group before and after the shift at every strength, "
                        "with the current strength marked"},
                {"title": "What the model leans on", "xlabel": "standardised coefficient",
                 "xlim": [-top, top], "ylim": [-0.6, len(names) - 0.4],
                 "width": 280, "height": 300, "left": 96,
                 "yticks": [[float(yi), n] for yi, n in zip(y, names, strict=True)],
                 "layers": [*bars, {"id": "zero", "type": "vline", "color": "#000000",
                                    "dash": "none", "data": 0.0}],
                 "alt": "the model's standardised coefficient on each feature at the current "
                        "strength"},
            ]

            def frame_at(strength: float) -> Frame:
                st = self.compute(strength=strength)
                m = st.metrics[self.metric]
                points = {f"mark-{g}": [[st.strength, _num(m[split, g])] for split in _SPLITS]
                          for g in _GROUPS}
                coef = {f"coef-{n}": [[float(yi) - 0.3, float(yi) + 0.3, float(v), f"{v:+.2f}"]]
                        for n, yi, v in zip(names, y, st.coef, strict=True)}
                return Frame(readout=st.readout, table=st.table_html,
                             layers=[{"cursor": st.strength, **points}, coef])

            values = [float(s) for s in self.strengths]
            start = self.compute(**self.values()).strength
            controls = [{"name": "strength", "label": "shortcut strength", "values": values,
                         "labels": [f"{v:.2f}" for v in values],
                         "index": values.index(start)}]
            spec = frames_spec(controls, frame_at, panels=panels, title=self.title)
            self._view = BrowserView(kind="frames", spec=spec, values={"strength": start})
            self._view.observe(self._from_view, names="values")
        return self._view
