"""ThresholdExplorer: one threshold slider per group, ROC curves, confusion matrices.

Lesson: 06-decision-thresholds
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab._validation import check_in_range, check_int, check_seed
from fairlab.metrics import rates_from_counts
from fairlab.plotting import group_colors, metrics_table_html
from fairlab.thresholds import BootstrapCurves, GroupCurves, ThresholdPolicy, cost_matrix_from
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets._intervals import ci_html
from fairlab.widgets.browser import BrowserView, threshold_spec

__all__ = ["ThresholdExplorer", "ThresholdState", "SOLVERS"]

#: Snap buttons: constraint → button label.
SOLVERS = {
    "none": "best per group",
    "single_threshold": "one threshold",
    "demographic_parity": "demographic parity",
    "equal_opportunity": "equal opportunity",
    "equalized_odds": "equalized odds",
}
_RATES = ("selection_rate", "tpr", "fpr", "ppv", "accuracy")


@dataclass(frozen=True)
class ThresholdState:
    """One state: thresholds, counts (tn, fp, fn, tp) and rates per group."""

    thresholds: pd.Series
    counts: np.ndarray
    metrics: pd.DataFrame
    overall: dict[str, float]
    readout: str
    #: With intervals on: per group and rate, ``estimate, low, high`` (else None).
    intervals: pd.DataFrame | None = None
    #: With intervals on: ``{gap: (low, high)}`` for dp_gap, tpr_gap, fpr_gap.
    gap_intervals: dict[str, tuple[float, float]] | None = None
    #: Groups too small for their intervals to mean much, in words.
    warnings: tuple[str, ...] = ()


#: Rates that get bootstrap intervals, and the gaps built from them.
_CI_RATES = ("selection_rate", "tpr", "fpr")
_CI_GAPS = {"dp_gap": "selection_rate", "tpr_gap": "tpr", "fpr_gap": "fpr"}


def _slug(label: Any) -> str:
    return re.sub(r"\W+", "_", str(label)).strip("_").lower() or "group"


class ThresholdExplorer(Explorer):
    """Drag one decision threshold per group and watch every rate move at once.

    ``__init__`` sorts each group's scores once and keeps cumulative counts
    (:class:`fairlab.thresholds.GroupCurves`), and solves every constraint of
    :func:`fairlab.thresholds.optimize_thresholds` once. A slider move is then one
    ``searchsorted`` per group; the figure (ROC curves with moving operating
    points, one confusion matrix per group) is only updated, never rebuilt.

    Decisions are ``score >= threshold``. The snap buttons move all sliders at
    once (one update) to a solver's thresholds. Solvers that randomise between
    two or three thresholds to meet their constraint exactly are snapped to
    their most likely threshold, and the readout says so.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_score : array-like of float in [0, 1]
    sensitive_features : array-like
    objective : "accuracy" or 2×2 cost matrix, default="accuracy"
        What the snap buttons' solvers maximise.
    cost_matrix : 2×2 array-like, default=((0, 1), (0, -1))
        For the ``profit`` column (profit = minus cost per person): by default a
        true positive earns 1 and a false positive costs 1.
    threshold : float, default=0.5
        Every slider's starting value.
    intervals : bool, default=False
        Start with the "intervals" checkbox ticked: bootstrap intervals for each
        group's selection rate, TPR and FPR and for the three gaps, as crosses on
        the ROC points and a panel under the table. The replicates are drawn once
        (when first needed), so a slider move stays a lookup.
    n_boot : int, default=200
        Bootstrap replicates per group.
    level : float, default=0.95
    min_count : int, default=30
        A group with fewer positive or negative labels than this gets a warning:
        its TPR or FPR interval is too wide or unstable to mean much.
    random_state : int, numpy Generator or None, default=0
        Seeds the bootstrap draws.

    Examples
    --------
    >>> ex = ThresholdExplorer([1, 0, 1, 0], [0.8, 0.3, 0.6, 0.7],
    ...                        sensitive_features=["a", "a", "b", "b"])
    >>> ex.state.metrics["tpr"].tolist()
    [1.0, 1.0]
    >>> _ = ex.set_values(**{ex.names["b"]: 0.65})
    >>> ex.state.metrics.loc["b", ["selection_rate", "fpr"]].tolist()
    [0.5, 1.0]
    >>> ex.controls["intervals"].value = True
    >>> ex.state.warnings[0].split(":")[0]
    "group 'a' has only 1 positive and 1 negative labels (fewer than 30)"

    Lesson: 06-decision-thresholds
    """

    def __init__(self, y_true: Any, y_score: Any, *, sensitive_features: Any,
                 objective: Any = "accuracy", cost_matrix: Any = ((0, 1), (0, -1)),
                 threshold: float = 0.5, intervals: bool = False, n_boot: int = 200,
                 level: float = 0.95, min_count: int = 30,
                 random_state: int | np.random.Generator | None = 0) -> None:
        self.curves = GroupCurves(y_true, y_score, sensitive_features=sensitive_features)
        self._validate(cost_matrix, n_boot, level, min_count, random_state)
        self._precompute(objective, intervals)
        controls = self._build_controls(self.curves.as_array(threshold), intervals)
        self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=self.fig, panels=panels,
                    title="Decision thresholds per group: score ≥ threshold → positive")

    # ------------------------------------------------------------------ set-up steps
    def _validate(self, cost_matrix: Any, n_boot: int, level: float, min_count: int,
                  random_state: Any) -> None:
        """Check and keep the settings (profit costs, bootstrap) and the groups' names."""
        check_int(n_boot, "n_boot", low=10)
        self.level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                                    high_inclusive=False)
        self.n_boot, self.min_count = int(n_boot), int(min_count)
        self.random_state = check_seed(random_state)
        self.groups = self.curves.labels
        self.cost = cost_matrix_from(cost_matrix)
        self.names = {g: f"t_{_slug(g)}" for g in self.groups}
        if len(set(self.names.values())) < len(self.groups):
            self.names = {g: f"t_{i}" for i, g in enumerate(self.groups)}

    def _precompute(self, objective: Any, intervals: bool) -> None:
        """Solve every snap button's constraint once (and draw the replicates if asked)."""
        self.policies: dict[str, ThresholdPolicy] = {}
        solver_cost = cost_matrix_from(objective)
        for constraint in SOLVERS:
            pol = ThresholdPolicy(constraint, objective)
            try:
                pol._fit_curves(self.curves, solver_cost)
            except ValueError:  # e.g. a group without positives: no such button
                continue
            self.policies[constraint] = pol
        self._boot: BootstrapCurves | None = None
        if intervals:  # draw the replicates now, before the explorer is shown
            self._boot = self.curves.bootstrap(self.n_boot, random_state=self.random_state)

    def _build_controls(self, start: np.ndarray, intervals: bool) -> dict[str, W.ValueWidget]:
        """One threshold slider per group, "link all", "intervals"; the snap buttons."""
        controls: dict[str, W.ValueWidget] = {
            self.names[g]: W.FloatSlider(value=float(t), min=0.0, max=1.0, step=0.001,
                                         description=str(g), readout_format=".3f",
                                         continuous_update=True,
                                         style={"description_width": "initial"})
            for g, t in zip(self.groups, start, strict=True)
        }
        controls["link"] = W.Checkbox(value=False, description="link all (one threshold)",
                                      indent=False)
        controls["intervals"] = W.Checkbox(value=bool(intervals), indent=False,
                                           description=f"{self.level:.0%} bootstrap intervals")
        self._syncing = False
        for g in self.groups:  # registered before the update handler: they run first
            controls[self.names[g]].observe(self._follow, names="value")
        controls["link"].observe(self._on_link, names="value")
        self.snapped: str | None = None
        self.buttons = {}
        for constraint, label in SOLVERS.items():
            if constraint in self.policies:
                b = W.Button(description=label, tooltip=f"snap the sliders to {label}")
                b.on_click(lambda _b, c=constraint: self.snap(c))
                b.add_class(f"fairlab-snap-{constraint}")
                self.buttons[constraint] = b
        return controls

    def _build_panels(self) -> list[W.Widget]:
        """The snap row, readout, table and intervals panel."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self.uncertainty = W.HTML()
        self.uncertainty.add_class("fairlab-uncertainty")
        snap_row = W.HBox([W.HTML("snap to:"), *self.buttons.values()],
                          layout=W.Layout(flex_flow="row wrap"))
        return [snap_row, self.readout, self.table, self.uncertainty]

    # ------------------------------------------------------------------ figure
    def _build_figure(self) -> None:
        n = len(self.groups)
        cols = min(n, 3)
        rows = int(np.ceil(n / cols))
        self.fig, axes = new_figure(rows, 1 + cols, figsize=(4.2 + 1.9 * cols, 3.6),
                                    gridspec_kw={"width_ratios": [2.4] + [1] * cols},
                                    squeeze=False)
        gs = axes[0, 0].get_gridspec()
        for ax in axes[:, 0]:
            ax.remove()
        self.ax_roc = self.fig.add_subplot(gs[:, 0])
        colors = group_colors([str(g) for g in self.groups])
        self.points = {}
        for g in self.groups:
            fpr, tpr, _ = self.curves.roc(g)
            if len(fpr) > 600:  # thin the drawn curve; the points still move exactly
                keep = np.unique(np.linspace(0, len(fpr) - 1, 600).astype(int))
                fpr, tpr = fpr[keep], tpr[keep]
            c = colors[str(g)]
            self.ax_roc.plot(fpr, tpr, color=c, linewidth=1.2, label=str(g))
            (self.points[g],) = self.ax_roc.plot([], [], "o", color=c, markersize=8,
                                                 markeredgecolor="white")
        from matplotlib.collections import LineCollection

        self.ci_bars = LineCollection([], linewidths=2.6, zorder=2, alpha=0.75,
                                      colors=[colors[str(g)] for g in self.groups
                                              for _ in range(2)])
        self.ax_roc.add_collection(self.ci_bars)
        self.ax_roc.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, linestyle=":")
        self.ax_roc.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false-positive rate",
                        ylabel="true-positive rate", title="ROC per group")
        self.ax_roc.legend(loc="lower right", fontsize=8)
        self.images, self.cell_text = {}, {}
        flat = [ax for ax in axes[:, 1:].ravel()]
        for ax in flat[n:]:
            ax.set_visible(False)
        for g, ax in zip(self.groups, flat, strict=False):
            self.images[g] = ax.imshow(np.zeros((2, 2)), cmap="Blues", vmin=0, vmax=1)
            self.cell_text[g] = [[ax.text(j, i, "", ha="center", va="center", fontsize=8)
                                  for j in range(2)] for i in range(2)]
            ax.set_xticks([0, 1], ["pred 0", "pred 1"], fontsize=7)
            ax.set_yticks([0, 1], ["true 0", "true 1"], fontsize=7)
            ax.grid(False)
            ax.set_title(str(g), fontsize=9, color=colors[str(g)])
        self.fig.tight_layout()

    # ------------------------------------------------------------------ browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): exact counts, a binary search per move.

        Every slider move is computed and drawn in the page; on release the values
        come back here (:meth:`set_values`), so :attr:`state` is current. Bootstrap
        intervals cannot be tabulated for every combination of thresholds: with the
        box ticked, Python computes them for the released thresholds and the page
        shows them until the next move.
        """
        if getattr(self, "_view", None) is None:
            colors = group_colors([str(g) for g in self.groups])
            snaps = {}
            for constraint, pol in self.policies.items():
                ts = [float(np.clip(pol.thresholds_[g], 0.0, 1.0)) for g in self.groups]
                state = self.compute(**dict(zip(self.names.values(), ts, strict=True)))
                note = self._readout(state, constraint)[len(state.readout) + 3:]
                snaps[constraint] = {"label": SOLVERS[constraint], "thresholds": ts,
                                     "note": note}
            spec = threshold_spec(self.curves, names=self.names, colors=colors, cost=self.cost,
                                  snaps=snaps, title=self.title)
            spec["level"] = self.level
            self._view = BrowserView(kind="thresholds", spec=spec, values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view

    def _from_view(self, change: dict) -> None:
        """The page released a control: make Python's state match it."""
        self._syncing = True  # the page moved every linked slider itself
        try:
            super()._from_view(change)
        finally:
            self._syncing = False

    def browser_panels(self) -> list[W.Widget]:
        """Under the page: the intervals box and panel (computed by Python on release)."""
        return [self.controls["intervals"], self.uncertainty]

    # ------------------------------------------------------------------ controls
    def slider(self, group: Any) -> W.FloatSlider:
        """The slider of ``group``."""
        if group not in self.names:
            raise ValueError(f"unknown group {group!r}; the groups are {self.groups}.")
        return self.controls[self.names[group]]

    def _follow(self, change: dict) -> None:
        """With 'link all' on, one slider's move moves the others (no extra updates)."""
        if self._syncing or not self.controls["link"].value:
            return
        self._move_quietly({k: change["new"] for k in self.names.values()})

    def _on_link(self, change: dict) -> None:
        if change["new"] and not self._syncing:
            first = self.controls[self.names[self.groups[0]]].value
            self._move_quietly({k: first for k in self.names.values()})

    def _move_quietly(self, values: dict[str, float]) -> None:
        self._syncing = True
        try:
            for name, v in values.items():
                c = self.controls[name]
                if c.value != v:
                    c.unobserve(self._on_change, names="value")
                    try:
                        c.value = v
                    finally:
                        c.observe(self._on_change, names="value")
        finally:
            self._syncing = False

    def snap(self, constraint: str) -> ThresholdState:
        """Move every slider to a solver's thresholds, in one update."""
        if constraint not in self.policies:
            raise ValueError(f"no solver {constraint!r} here; choose one of "
                             f"{list(self.policies)}.")
        pol = self.policies[constraint]
        values = {self.names[g]: float(np.clip(t, 0.0, 1.0))
                  for g, t in pol.thresholds_.items()}
        self._syncing = True
        try:
            state = self.set_values(link=constraint == "single_threshold", **values)
        finally:
            self._syncing = False
        self.snapped = constraint
        self.readout.value = self._readout(state, constraint)
        return state

    # ------------------------------------------------------------------ the road
    def compute(self, *, link: bool = False, intervals: bool = False,
                **thresholds: float) -> ThresholdState:
        """Counts and rates per group at these thresholds (pure, microseconds).

        With ``intervals`` the same curve points index every bootstrap replicate's
        cumulative counts (drawn once), giving percentile intervals per group and
        per gap.
        """
        t = self.curves.as_array([thresholds[self.names[g]] for g in self.groups])
        counts = self.curves.counts_at(t)
        rates = rates_from_counts(counts, _RATES)
        n = counts.sum(1)
        profit = -(counts @ self.cost.reshape(-1)) / n
        metrics = pd.DataFrame({"threshold": t, **rates, "profit": profit, "count": n},
                               index=self.curves.index)
        total = counts.sum(0)
        overall = {
            "accuracy": float((total[0] + total[3]) / total.sum()),
            "profit": float(-(total @ self.cost.reshape(-1)) / total.sum()),
            "dp_gap": float(np.ptp(rates["selection_rate"])),
            "tpr_gap": float(np.nanmax(rates["tpr"]) - np.nanmin(rates["tpr"])),
            "fpr_gap": float(np.nanmax(rates["fpr"]) - np.nanmin(rates["fpr"])),
        }
        ts = " · ".join(f"{g} {v:.3f}" for g, v in zip(self.groups, t, strict=True))
        readout = (f"thresholds {ts} · accuracy {overall['accuracy']:.3f} · profit "
                   f"{overall['profit']:.3f} · DP gap {overall['dp_gap']:.3f} · TPR gap "
                   f"{overall['tpr_gap']:.3f} · FPR gap {overall['fpr_gap']:.3f}")
        ci = gap_ci = None
        notes: tuple[str, ...] = ()
        if intervals:
            ci, gap_ci, notes = self._intervals(t)
            readout += (f" · {self.level:.0%} CI: DP gap [{gap_ci['dp_gap'][0]:.3f}, "
                        f"{gap_ci['dp_gap'][1]:.3f}] · TPR gap [{gap_ci['tpr_gap'][0]:.3f}, "
                        f"{gap_ci['tpr_gap'][1]:.3f}]")
        return ThresholdState(pd.Series(t, index=self.curves.index, name="threshold"),
                              counts, metrics, overall, readout, ci, gap_ci, notes)

    def _intervals(self, t: np.ndarray):
        """Percentile intervals per group and per gap at thresholds ``t``
        (:meth:`fairlab.thresholds.BootstrapCurves.intervals`)."""
        if self._boot is None:  # drawn once, on first use (or in __init__ if ticked)
            self._boot = self.curves.bootstrap(self.n_boot, random_state=self.random_state)
        ci = self._boot.intervals(t, rates=_CI_RATES, level=self.level)
        gap_ci = {name: ci.attrs[f"gap_{rate}"] for name, rate in _CI_GAPS.items()}
        notes = []
        undefined = ci.attrs["undefined"]  # share of replicates, per group
        for g, cv, u in zip(self.groups, self.curves.curves, undefined, strict=True):
            small = []
            if cv.n_pos < self.min_count:
                small.append(f"{cv.n_pos:.0f} positive")
            if cv.n_neg < self.min_count:
                small.append(f"{cv.n_neg:.0f} negative")
            if small or u > 0:
                have = " and ".join(small) + " labels" if small else "few rows of a kind"
                notes.append(
                    f"group {g!r} has only {have} (fewer than {self.min_count}): its "
                    f"{'TPR' if cv.n_pos < self.min_count else 'FPR'} interval, and every "
                    "gap that uses it, is too wide or unstable to mean much"
                    + (f"; {u:.0%} of resamples left a rate undefined" if u > 0 else "")
                    + ". Merge groups or collect more data before reading it.")
        return ci, gap_ci, tuple(notes)

    def _readout(self, state: ThresholdState, constraint: str | None) -> str:
        if constraint is None:
            return state.readout
        pol = self.policies[constraint]
        note = f"snapped to {SOLVERS[constraint]}"
        if any(len(m) > 1 for m in pol.mixtures_.values()):
            what = "accuracy" if isinstance(pol.objective, str) else "profit"
            note += (f" (its exact solution randomises between thresholds; expected "
                     f"{what} {pol.objective_:.3f})")
        return f"{state.readout} · {note}"

    def render(self, state: ThresholdState) -> None:
        """Move the operating points, refill the confusion matrices and the table."""
        m = state.metrics
        for i, g in enumerate(self.groups):
            self.points[g].set_data([m["fpr"].iloc[i]], [m["tpr"].iloc[i]])
            tn, fp, fn, tp = state.counts[i]
            cells = np.array([[tn, fp], [fn, tp]])
            if g in self.images:
                self.images[g].set_data(cells / max(cells.sum(), 1))
                dark = cells / max(cells.sum(), 1) > 0.55
                for a in range(2):
                    for b in range(2):
                        text = self.cell_text[g][a][b]
                        text.set_text(f"{cells[a, b]:,.0f}")
                        text.set_color("white" if dark[a, b] else "black")
        self.table.value = metrics_table_html(
            m.rename(columns=lambda c: c.replace("_", " ")))
        self.snapped = None
        self.readout.value = state.readout
        self._render_intervals(state)
        self.fig.canvas.draw_idle()

    def _render_intervals(self, state: ThresholdState) -> None:
        if state.intervals is None:
            self.ci_bars.set_segments([])
            self.uncertainty.value = ""
            return
        v = state.intervals.to_numpy().reshape(len(self.groups), -1, 3)  # (G, R, 3)
        tpr, fpr = v[:, _CI_RATES.index("tpr")], v[:, _CI_RATES.index("fpr")]
        segs = []
        for t, f in zip(tpr, fpr, strict=True):
            segs.append([(f[1], t[0]), (f[2], t[0])])
            segs.append([(f[0], t[1]), (f[0], t[2])])
        self.ci_bars.set_segments(segs)
        gaps = " · ".join(f"{k.replace('_', ' ')} [{a:.3f}, {b:.3f}]"
                          for k, (a, b) in state.gap_intervals.items())
        warn = "".join(f"<p>⚠ {html.escape(w)}</p>" for w in state.warnings)
        self.uncertainty.value = (
            f"<p><b>{self.level:.0%} bootstrap intervals</b> ({self.n_boot} resamples of "
            f"each group's rows): gaps {gaps}</p>"
            + ci_html(state.intervals, self.groups) + warn)
