"""LambdaExplorer: slide λ over a precomputed sweep and watch accuracy trade against a gap.

Everything heavy happens in ``__init__``: the sweep is already trained
(:func:`fairlab.training.lambda_sweep`), and the explorer precomputes, for every λ
of the grid, the per-group metrics table and the per-group score histograms. A
slider move then only picks row ``i`` of those arrays and moves artists.

Lesson: 04-lambda-penalized-training
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab._validation import check_choice, check_groups, check_in_range, check_int, check_seed
from fairlab.metrics import (
    GAPS,
    PENALTY_GAPS,
    SweepIntervals,
    bootstrap_sweep,
    group_metrics,
)
from fairlab.plotting import PALETTE, metrics_table_html
from fairlab.training import FairPenaltyClassifier, LambdaSweep
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets._intervals import ci_html
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["LambdaExplorer", "LambdaState"]

#: Short names of the gap columns, for labels and the readout.
GAP_LABELS = {g: GAPS[g].label for g in PENALTY_GAPS}
TABLE_COLUMNS = ["count", "selection_rate", "tpr", "fpr", "accuracy"]


@dataclass(frozen=True)
class LambdaState:
    """What the explorer shows for one λ of the grid."""

    index: int
    lam: float
    row: pd.Series          # the sweep frame's row for this λ on the explorer's split
    table: pd.DataFrame     # per-group metrics (fairlab.metrics.group_metrics)
    hist: np.ndarray        # (n_groups, bins): share of each group's rows per score bin
    #: With intervals on: per group and rate (selection_rate, tpr, fpr) estimate/low/high.
    intervals: pd.DataFrame | None = None
    #: With intervals on: ``{"accuracy" | gap column: (low, high)}``.
    gap_intervals: dict[str, tuple[float, float]] | None = None
    #: Groups too small for their intervals to mean much, in words.
    warnings: tuple[str, ...] = ()


_CI_RATES = ("selection_rate", "tpr", "fpr")


class LambdaExplorer(Explorer):
    """One λ slider over a trained sweep: frontier, score histograms, group table.

    Parameters
    ----------
    sweep : LambdaSweep
        The result of :func:`fairlab.training.lambda_sweep`.
    split : {"test", "train"}, default="test"
        Which split the frontier point, histograms and table describe (the other
        split's frontier is drawn dashed for comparison).
    gap : str, default=None
        Frontier x-axis: a gap column of ``sweep.frame``; default, the gap the
        sweep's penalty targets.
    bins : int, default=20
        Score histogram bins on [0, 1].
    intervals : bool, default=False
        Start with the "intervals" checkbox ticked: bootstrap intervals for each
        group's selection rate, TPR and FPR, for accuracy and the gaps, as bars on
        the frontier point and a panel under the table. All λ are bootstrapped
        together once (when first needed), so a slider move stays a lookup.
    n_boot : int, default=200
    level : float, default=0.95
    min_count : int, default=30
        Groups with fewer positive or negative labels get a warning.
    random_state : int, numpy Generator or None, default=0

    Examples
    --------
    >>> from fairlab.training import lambda_sweep
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); s = np.repeat(["a", "b"], 100)
    >>> y = (X[:, 0] + (s == "a") > 0.5).astype(int)
    >>> sweep = lambda_sweep(X, y, s, [0.0, 1.0], epochs=2, progress=False)
    >>> ex = LambdaExplorer(sweep, split="train")
    >>> ex.controls["lam"].value = 1
    >>> ex.readout.value.startswith("λ = 1.00 · accuracy")
    True

    Lesson: 04-lambda-penalized-training
    """

    def __init__(self, sweep: LambdaSweep, *, split: str = "test", gap: str | None = None,
                 bins: int = 20, intervals: bool = False, n_boot: int = 200,
                 level: float = 0.95, min_count: int = 30,
                 random_state: int | np.random.Generator | None = 0) -> None:
        self._validate(sweep, split, gap, bins, n_boot, level, min_count, random_state)
        self._precompute(intervals)
        controls = self._build_controls(intervals)
        self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=self.fig, panels=panels,
                    title=f"λ-penalized training · penalty: {sweep.penalty}")

    # ------------------------------------------------------------------ set-up steps
    def _validate(self, sweep: LambdaSweep, split: str, gap: str | None, bins: int,
                  n_boot: int, level: float, min_count: int, random_state: Any) -> None:
        """Check the arguments and keep them (the sweep, split, gap and bootstrap settings)."""
        if not isinstance(sweep, LambdaSweep):
            raise TypeError(f"LambdaExplorer needs the result of lambda_sweep(...); got "
                            f"{type(sweep).__name__}.")
        check_choice(split, "split", sorted(sweep.proba))
        gap = sweep.gap_column if gap is None else gap
        check_choice(gap, "gap", list(GAP_LABELS))
        self.sweep, self.split, self.gap, self.bins = sweep, split, gap, int(bins)
        check_int(n_boot, "n_boot", low=10)
        self.level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                                    high_inclusive=False)
        self.n_boot, self.min_count = int(n_boot), int(min_count)
        self.random_state = check_seed(random_state)

    def _precompute(self, intervals: bool) -> None:
        """Every λ's table and score histograms (and its intervals when asked for now)."""
        sweep, split = self.sweep, self.split
        frame = sweep.frame
        self._rows = frame[frame["split"] == split].reset_index(drop=True)
        proba, y = sweep.proba[split], sweep.y[split]
        sens = sweep.sensitive_features[split]
        pred = (proba >= 0.5).astype(np.int64)
        self._tables = [group_metrics(y, p, sensitive_features=sens)[TABLE_COLUMNS]
                        for p in pred]
        groups = check_groups(sens, len(y))
        self.groups = [str(g) for g in groups.labels]
        self._pred, self._y, self._groups = pred, np.asarray(y, dtype=np.int64), groups
        self._sens = sens
        self._boot: SweepIntervals | None = None
        if intervals:  # before the explorer is shown
            self._boot = self._bootstrap()
        k, g = len(proba), groups.n_groups
        bin_of = np.clip((proba * self.bins).astype(np.int64), 0, self.bins - 1)
        cell = (np.arange(k)[:, None] * g + groups.codes[None, :]) * self.bins + bin_of
        counts = np.bincount(cell.ravel(), minlength=k * g * self.bins)
        self._hist = counts.reshape(k, g, self.bins) / groups.counts[None, :, None]

    def _build_controls(self, intervals: bool) -> dict[str, W.ValueWidget]:
        """The λ slider (over the grid's indices) and the intervals checkbox."""
        options = [(f"{lam:.2f}", i) for i, lam in enumerate(self.sweep.lams)]
        slider = W.SelectionSlider(options=options, value=0, description="λ",
                                   continuous_update=True,
                                   layout=W.Layout(width="420px"))
        ci_box = W.Checkbox(value=bool(intervals), indent=False,
                            description=f"{self.level:.0%} bootstrap intervals")
        return {"lam": slider, "intervals": ci_box}

    def _build_figure(self) -> None:
        """The frontier and the score histograms, built once; render() only moves artists."""
        from matplotlib.collections import LineCollection

        sweep, split, gap, frame = self.sweep, self.split, self.gap, self.sweep.frame
        fig, (ax_f, ax_h) = new_figure(1, 2, figsize=(9.5, 3.4))
        other = "train" if split == "test" else "test"
        if other in sweep.proba:
            o = frame[frame["split"] == other]
            ax_f.plot(o[gap], o["accuracy"], "--", color="0.6", lw=1, marker=".",
                      label=f"{other} (λ grid)")
        ax_f.plot(self._rows[gap], self._rows["accuracy"], "-", color=PALETTE[0], lw=1.5,
                  marker=".", label=f"{split} (λ grid)")
        (self._point,) = ax_f.plot([], [], "o", ms=11, mfc="none", mec=PALETTE[5], mew=2.5,
                                   label="current λ")
        self._label = ax_f.annotate("", (0, 0), xytext=(8, 6), textcoords="offset points",
                                    color=PALETTE[5])
        self._ci_bars = LineCollection([], colors=PALETTE[5], linewidths=2, alpha=0.7)
        ax_f.add_collection(self._ci_bars)
        ax_f.set_xlabel(f"{GAP_LABELS[gap]} ({split})")
        ax_f.set_ylabel("accuracy")
        ax_f.set_title("accuracy vs fairness gap")
        ax_f.legend(loc="lower right", fontsize=8)
        ax_f.margins(0.08)

        edges = np.linspace(0, 1, self.bins + 1)
        width = (edges[1] - edges[0]) / max(self._groups.n_groups, 1)
        self._bars = []
        for j, name in enumerate(self.groups):
            bars = ax_h.bar(edges[:-1] + j * width, np.zeros(self.bins), width=width,
                            align="edge", color=PALETTE[j % len(PALETTE)], alpha=0.85,
                            label=name)
            self._bars.append(bars)
        ax_h.axvline(0.5, color="0.3", lw=1, ls=":")
        ax_h.set_xlim(0, 1)
        ax_h.set_ylim(0, max(0.05, float(self._hist.max()) * 1.05))
        ax_h.set_xlabel(f"predicted P(y = 1) ({split})")
        ax_h.set_ylabel("share of group")
        ax_h.set_title("scores by group (threshold 0.5 dotted)")
        ax_h.legend(title=getattr(self._groups.index, "name", None), fontsize=8)
        fig.tight_layout()
        self.fig = fig

    def _build_panels(self) -> list[W.Widget]:
        """Readout, table, intervals panel and the "train this λ now" row."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self.train_button = W.Button(description="train this λ now", icon="play",
                                     tooltip="train one model at the current λ, live")
        self.progress = W.IntProgress(value=0, min=0,
                                      max=int(self.sweep.params.get("epochs", 1)),
                                      description="training")
        self.live = W.HTML()
        self.live.add_class("fairlab-live")
        self.uncertainty = W.HTML()
        self.uncertainty.add_class("fairlab-uncertainty")
        self.live_model: FairPenaltyClassifier | None = None
        self.train_button.on_click(self._train_now)
        live_box = W.HBox([self.train_button, self.progress, self.live])
        return [self.readout, self.table, self.uncertainty, live_box]

    # ------------------------------------------------------------------ pattern
    def compute(self, lam: int, intervals: bool = False) -> LambdaState:
        """The state for grid index ``lam`` (the slider's value); a lookup, with or
        without intervals."""
        i = int(lam)
        ci = gap_ci = None
        notes: tuple[str, ...] = ()
        if intervals:
            if self._boot is None:  # once, on first use
                self._boot = self._bootstrap()
            b, table = self._boot, self._tables[i]
            est = table[list(_CI_RATES)].to_numpy().T  # (R, G)
            values = np.stack([est, b.rate_low[i], b.rate_high[i]], axis=-1).transpose(1, 0, 2)
            ci = pd.DataFrame(values.reshape(len(table), -1), index=table.index,
                              columns=pd.MultiIndex.from_product(
                                  [_CI_RATES, ["estimate", "low", "high"]]))
            gap_ci = {name: (float(b.low[name][i]), float(b.high[name][i]))
                      for name in b.low}
            notes = self._notes(b.undefined[i])
        return LambdaState(index=i, lam=float(self.sweep.lams[i]), row=self._rows.iloc[i],
                           table=self._tables[i], hist=self._hist[i], intervals=ci,
                           gap_intervals=gap_ci, warnings=notes)

    def _bootstrap(self) -> SweepIntervals:
        """Every λ's intervals, from shared resamples (:func:`fairlab.metrics.bootstrap_sweep`)."""
        return bootstrap_sweep(self._y, self._pred, sensitive_features=self._sens,
                               n_boot=self.n_boot, level=self.level,
                               random_state=self.random_state, rates=_CI_RATES)

    def _notes(self, undefined: np.ndarray) -> tuple[str, ...]:
        pos = np.bincount(self._groups.codes, weights=self._y,
                          minlength=self._groups.n_groups)
        neg = self._groups.counts - pos
        out = []
        for name, p, q, u in zip(self.groups, pos, neg, undefined, strict=True):
            small = [f"{v:.0f} {w}" for v, w in ((p, "positive"), (q, "negative"))
                     if v < self.min_count]
            if small or u > 0:
                have = " and ".join(small) + " labels" if small else "few rows of a kind"
                out.append(f"group {name!r} has only {have} (fewer than {self.min_count}): "
                           "its TPR/FPR intervals, and every gap that uses them, are too "
                           "wide or unstable to mean much"
                           + (f"; {u:.0%} of resamples left a rate undefined" if u > 0
                              else "") + ". Merge groups or collect more data.")
        return tuple(out)

    def render(self, state: LambdaState) -> None:
        x, y = float(state.row[self.gap]), float(state.row["accuracy"])
        self._point.set_data([x], [y])
        self._label.xy = (x, y)
        self._label.set_text(f"λ = {state.lam:.2f}")
        for bars, heights in zip(self._bars, state.hist, strict=True):
            for bar, h in zip(bars, heights, strict=True):
                bar.set_height(h)
        self.table.value = metrics_table_html(state.table)
        self.readout.value = html.escape(self.readout_text(state))
        self._render_intervals(state, x, y)
        self.fig.canvas.draw_idle()

    def _render_intervals(self, state: LambdaState, x: float, y: float) -> None:
        if state.intervals is None:
            self._ci_bars.set_segments([])
            self.uncertainty.value = ""
            return
        g_lo, g_hi = state.gap_intervals[self.gap] if self.gap in state.gap_intervals \
            else (x, x)
        a_lo, a_hi = state.gap_intervals["accuracy"]
        self._ci_bars.set_segments([[(g_lo, y), (g_hi, y)], [(x, a_lo), (x, a_hi)]])
        gaps = " · ".join(f"{GAP_LABELS.get(k, k)} [{a:.3f}, {b:.3f}]"
                          for k, (a, b) in state.gap_intervals.items())
        warn = "".join(f"<p>⚠ {html.escape(w)}</p>" for w in state.warnings)
        self.uncertainty.value = (
            f"<p><b>{self.level:.0%} bootstrap intervals</b> ({self.n_boot} resamples of "
            f"each group's rows, {self.split} split): {html.escape(gaps)}</p>"
            + ci_html(state.intervals, list(state.intervals.index)) + warn)

    def readout_text(self, state: LambdaState) -> str:
        """One line of plain text with the key numbers."""
        r = state.row
        parts = [f"λ = {state.lam:.2f}", f"accuracy {r['accuracy']:.3f}",
                 f"{GAP_LABELS[self.gap]} {r[self.gap]:.3f}"]
        parts += [f"{GAP_LABELS[c]} {r[c]:.3f}" for c in ("dp_gap", "eo_gap")
                  if c != self.gap]
        text = " · ".join(parts) + f" ({self.split})"
        if state.gap_intervals is not None and self.gap in state.gap_intervals:
            lo, hi = state.gap_intervals[self.gap]
            text += f" · {self.level:.0%} CI {GAP_LABELS[self.gap]} [{lo:.3f}, {hi:.3f}]"
        return text

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one precomputed frame per λ.

        Each frame holds the readout, the table and the moving marks (frontier point,
        histogram bars) that :meth:`render` would draw for that λ; a slider move in
        the page picks a frame. Intervals and "train this λ now" stay Python's.
        """
        if getattr(self, "_view", None) is None:
            frame, split, gap = self.sweep.frame, self.split, self.gap
            rows = self._rows
            x, y = rows[gap].to_numpy(float), rows["accuracy"].to_numpy(float)
            layers = []
            other = "train" if split == "test" else "test"
            xs, ys = list(x), list(y)
            if other in self.sweep.proba:
                o = frame[frame["split"] == other]
                layers.append({"id": "other", "type": "line", "color": "#999999", "dash": "4 3",
                               "label": f"{other} (λ grid)",
                               "data": [[float(a), float(b)] for a, b in
                                        zip(o[gap], o["accuracy"], strict=True)]})
                xs += list(o[gap])
                ys += list(o["accuracy"])
            layers += [{"id": "grid", "type": "line", "color": PALETTE[0],
                        "label": f"{split} (λ grid)",
                        "data": [[float(a), float(b)] for a, b in zip(x, y, strict=True)]},
                       {"id": "point", "type": "points", "color": PALETTE[5], "size": 7,
                        "label": "current λ"}]
            pad = lambda lo, hi: [lo - 0.08 * (hi - lo or 1), hi + 0.08 * (hi - lo or 1)]  # noqa: E731
            edges = np.linspace(0, 1, self.bins + 1)
            width = (edges[1] - edges[0]) / max(len(self.groups), 1)
            colors = [PALETTE[j % len(PALETTE)] for j in range(len(self.groups))]
            panels = [
                {"title": "accuracy vs fairness gap", "xlabel": f"{GAP_LABELS[gap]} ({split})",
                 "ylabel": "accuracy", "xlim": pad(float(np.min(xs)), float(np.max(xs))),
                 "ylim": pad(float(np.min(ys)), float(np.max(ys))), "layers": layers,
                 "alt": "accuracy against the gap for every λ, with the current λ circled"},
                {"title": "scores by group (threshold 0.5 dotted)",
                 "xlabel": f"predicted P(y = 1) ({split})", "ylabel": "share of group",
                 "xlim": [0, 1], "ylim": [0, max(0.05, float(self._hist.max()) * 1.3)],
                 "legend": "upper right",
                 "alt": "histogram of predicted scores per group at the current λ",
                 "layers": [{"id": f"bars{j}", "type": "bars", "color": c, "label": g}
                            for j, (g, c) in enumerate(zip(self.groups, colors, strict=True))]
                 + [{"id": "cut", "type": "vline", "color": "#4d4d4d", "data": 0.5}]},
            ]

            def frame_at(lam: int) -> Frame:
                st = self.compute(lam)
                bars = {f"bars{j}": [[float(edges[b] + j * width), float(edges[b] + (j + 1)
                                      * width), float(h)] for b, h in enumerate(hist)]
                        for j, hist in enumerate(st.hist)}
                point = [[float(st.row[gap]), float(st.row["accuracy"])]]
                return Frame(readout=self.readout_text(st),
                             table=metrics_table_html(st.table),
                             layers=[{"point": point}, bars])

            lams = list(range(len(self.sweep.lams)))
            controls = [{"name": "lam", "label": "λ", "values": lams,
                         "labels": [f"{v:.2f}" for v in self.sweep.lams],
                         "index": int(self.controls["lam"].value)}]
            spec = frames_spec(controls, frame_at, panels=panels, title=self.title)
            self._view = BrowserView(kind="frames", spec=spec, values={"lam": lams[
                int(self.controls["lam"].value)]})
            self._view.observe(self._from_view, names="values")
        return self._view

    def browser_panels(self) -> list[W.Widget]:
        """Under the page: intervals (computed by Python on release) and live training."""
        return [self.controls["intervals"], self.uncertainty, self.panels[-1]]

    # --------------------------------------------------------------- live training
    def _train_now(self, _button: Any = None) -> FairPenaltyClassifier:
        """Train one model at the current λ with the sweep's settings, showing progress."""
        state = self.state if self.state is not None else self.compute(**self.values())
        sweep = self.sweep
        params = dict(sweep.params)
        model = FairPenaltyClassifier(lam=state.lam, **params)
        self.progress.max = int(params["epochs"])
        self.progress.value = 0
        self.train_button.disabled = True
        self.live.value = f"training at λ = {state.lam:.2f} …"

        def tick(epoch: int, epochs: int) -> None:
            self.progress.value = epoch

        try:
            model.fit(sweep.X["train"], sweep.y["train"],
                      sensitive_features=sweep.sensitive_features["train"], callback=tick)
        finally:
            self.train_button.disabled = False
        pred = model.predict(sweep.X[self.split])
        y = sweep.y[self.split]
        table = group_metrics(y, pred, sensitive_features=sweep.sensitive_features[self.split])
        acc = float((pred == y).mean())
        gap = float(table["selection_rate"].max() - table["selection_rate"].min())
        self.live_model = model
        self.live.value = html.escape(
            f"trained live at λ = {state.lam:.2f}: accuracy {acc:.3f} · DP gap {gap:.3f} "
            f"(sweep: {state.row['accuracy']:.3f} · {state.row['dp_gap']:.3f})")
        return model
