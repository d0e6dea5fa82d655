"""AdversarialExplorer: slide the adversary's weight α over a trained sweep.

Everything heavy happens before the explorer exists (:func:`fairlab.adversarial.
adversary_sweep` trained every α of the grid). ``__init__`` precomputes, for every
α, the per-group metrics table and the per-group score histograms; a slider move
only picks row ``i`` of those arrays and moves artists.

Lesson: 07-adversarial-debiasing
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab._validation import check_choice, check_groups, check_int
from fairlab.adversarial import AdversarialSweep
from fairlab.metrics import group_metrics
from fairlab.plotting import PALETTE, metrics_table_html
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

# the same gap names and table columns as lesson 04's explorer, so the two lessons read alike
from fairlab.widgets.lambda_explorer import GAP_LABELS, TABLE_COLUMNS

__all__ = ["AdversarialExplorer", "AdversarialState"]



@dataclass(frozen=True)
class AdversarialState:
    """What the explorer shows for one α of the grid."""

    index: int
    alpha: float
    row: pd.Series          # the sweep frame's row for this α on the explorer's split
    table: pd.DataFrame     # per-group metrics (fairlab.metrics.group_metrics)
    hist: np.ndarray        # (n_groups, bins): share of each group's rows per score bin
    curve: pd.DataFrame     # training history of this α (one row per epoch)


class AdversarialExplorer(Explorer):
    """One α slider over a trained adversarial sweep.

    Panels: the accuracy–gap frontier (optionally beside another sweep's, e.g.
    lesson 04's λ penalty), per-group score histograms, and the training curves
    of the chosen α: the adversary's AUC (accuracy with more than two groups)
    and the training DP gap per epoch, which show whether training settled.

    Parameters
    ----------
    sweep : AdversarialSweep
        The result of :func:`fairlab.adversarial.adversary_sweep`.
    split : {"test", "train"}, default="test"
    gap : str, default=None
        Frontier x-axis; default, the gap the sweep's target aims at.
    compare : DataFrame or object with ``.frame``, default=None
        Another sweep to draw on the frontier (``lambda_sweep(...)``).
    compare_label : str, default="λ penalty (lesson 04)"
    bins : int, default=20

    Examples
    --------
    >>> from fairlab.adversarial import adversary_sweep
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2)); s = np.repeat(["a", "b"], 100)
    >>> y = (X[:, 0] + (s == "a") > 0.5).astype(int)
    >>> sweep = adversary_sweep(X, y, s, [0.0, 1.0], epochs=2, progress=False)
    >>> ex = AdversarialExplorer(sweep, split="train")
    >>> ex.controls["alpha"].value = 1
    >>> ex.readout.value.startswith("α = 1 · accuracy")
    True

    Lesson: 07-adversarial-debiasing
    """

    def __init__(self, sweep: AdversarialSweep, *, split: str = "test", gap: str | None = None,
                 compare: Any = None, compare_label: str = "λ penalty (lesson 04)",
                 bins: int = 20) -> None:
        if not isinstance(sweep, AdversarialSweep):
            raise TypeError(f"AdversarialExplorer needs the result of adversary_sweep(...); "
                            f"got {type(sweep).__name__}.")
        check_choice(split, "split", sorted(sweep.proba))
        gap = sweep.gap_column if gap is None else gap
        check_choice(gap, "gap", list(GAP_LABELS))
        check_int(bins, "bins", low=2)
        compare_frame = getattr(compare, "frame", compare)
        if compare_frame is not None and not (isinstance(compare_frame, pd.DataFrame)
                                              and {gap, "accuracy"} <= set(compare_frame)):
            raise TypeError(f"compare must be a sweep (lambda_sweep(...)) or its frame, with "
                            f"columns 'accuracy' and {gap!r}; got {type(compare).__name__}.")
        self.sweep, self.split, self.gap, self.bins = sweep, split, gap, bins
        frame = sweep.frame
        self._rows = frame[frame["split"] == split].reset_index(drop=True)
        self._compare = None
        if compare_frame is not None:
            self._compare = (compare_frame[compare_frame["split"] == split]
                             if "split" in compare_frame else compare_frame)
        self.compare_label = compare_label
        self._precompute(sweep.proba[split], sweep.y[split], sweep.sensitive_features[split])
        options = [(f"{a:g}", i) for i, a in enumerate(sweep.alphas)]
        slider = W.SelectionSlider(options=options, value=0, description="α (adversary)",
                                   continuous_update=True, style={"description_width": "initial"},
                                   layout=W.Layout(width="460px"))
        fig = self._build_figure()
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._setup({"alpha": slider}, fig=fig, panels=[self.readout, self.table],
                    title=f"Adversarial debiasing · target: {sweep.target}")

    def _precompute(self, proba: np.ndarray, y: np.ndarray, sens: Any) -> None:
        """For every α, once: the group table, the score histograms, the training curve."""
        sweep, bins = self.sweep, self.bins
        pred = (proba >= 0.5).astype(np.int64)
        self._tables = [group_metrics(y, p, sensitive_features=sens)[TABLE_COLUMNS]
                        for p in pred]
        groups = check_groups(sens, len(y))
        self.groups = [str(g) for g in groups.labels]
        self._group_title = getattr(groups.index, "name", None)
        k, g = len(proba), groups.n_groups
        bin_of = np.clip((proba * bins).astype(np.int64), 0, bins - 1)
        cell = (np.arange(k)[:, None] * g + groups.codes[None, :]) * bins + bin_of
        counts = np.bincount(cell.ravel(), minlength=k * g * bins)
        self._hist = counts.reshape(k, g, bins) / groups.counts[None, :, None]
        self._curves = [sweep.curve(a) for a in sweep.alphas]
        self._two = len(sweep.models[0].groups_) == 2
        self._adv_col = "adversary_auc" if self._two else "adversary_accuracy"
        # the training-curve panel's reference line and height, shared by both views
        self._chance = 0.5 if self._two else float(sweep.baseline["train"])
        top = float(np.nanmax(sweep.history[[self._adv_col, "dp_gap"]].to_numpy(float)))
        self._curve_top = max(1.0, top * 1.05)

    def _build_figure(self):
        """The ipympl figure (the fallback view), built once: frontier, histograms, curves."""
        sweep, split, gap, bins = self.sweep, self.split, self.gap, self.bins
        frame = sweep.frame
        fig, (ax_f, ax_h, ax_c) = new_figure(1, 3, figsize=(13, 3.6))
        if self._compare is not None:
            c = self._compare
            ax_f.plot(c[gap], c["accuracy"], "-", color=PALETTE[1], lw=1.2, marker="s", ms=4,
                      label=self.compare_label)
        other = "train" if split == "test" else "test"
        if other in sweep.proba:
            o = frame[frame["split"] == other]
            ax_f.plot(o[gap], o["accuracy"], "--", color="0.6", lw=1, marker=".",
                      label=f"adversary, {other}")
        ax_f.plot(self._rows[gap], self._rows["accuracy"], "-", color=PALETTE[0], lw=1.5,
                  marker="o", ms=4, label=f"adversary, {split}")
        (self._point,) = ax_f.plot([], [], "o", ms=12, mfc="none", mec=PALETTE[5], mew=2.5,
                                   label="current α")
        self._label = ax_f.annotate("", (0, 0), xytext=(8, 6), textcoords="offset points",
                                    color=PALETTE[5])
        ax_f.set_xlabel(f"{GAP_LABELS[gap]} ({split})")
        ax_f.set_ylabel("accuracy")
        ax_f.set_title("accuracy vs fairness gap")
        ax_f.legend(loc="lower right", fontsize=7)
        ax_f.margins(0.08)

        edges = np.linspace(0, 1, bins + 1)
        width = (edges[1] - edges[0]) / len(self.groups)
        self._bars = [ax_h.bar(edges[:-1] + j * width, np.zeros(bins), width=width,
                               align="edge", color=PALETTE[j % len(PALETTE)], alpha=0.85,
                               label=name) for j, name in enumerate(self.groups)]
        ax_h.axvline(0.5, color="0.3", lw=1, ls=":")
        ax_h.set_xlim(0, 1)
        ax_h.set_ylim(0, max(0.05, float(self._hist.max()) * 1.05))
        ax_h.set_xlabel(f"predicted P(y = 1) ({split})")
        ax_h.set_ylabel("share of group")
        ax_h.set_title("scores by group (threshold 0.5 dotted)")
        ax_h.legend(title=self._group_title, fontsize=8)

        epochs = int(sweep.params["epochs"])
        (self._adv_line,) = ax_c.plot([], [], "-", marker=".", color=PALETTE[0],
                                      label=self._adv_label())
        (self._gap_line,) = ax_c.plot([], [], "-", marker=".", color=PALETTE[5],
                                      label="DP gap (train)")
        ax_c.axhline(self._chance, color="0.3", ls="--", lw=1, label=self._chance_label())
        ax_c.set_xlim(0.5, epochs + 0.5)
        ax_c.set_ylim(0, self._curve_top)
        ax_c.set_xlabel("epoch")
        ax_c.set_title("training curves for this α")
        ax_c.legend(fontsize=7, loc="upper right")
        fig.tight_layout()
        return fig

    def _adv_label(self) -> str:
        return "adversary AUC" if self._two else "adversary accuracy"

    def _chance_label(self) -> str:
        return "chance AUC 0.5" if self._two else "majority baseline"

    # ------------------------------------------------------------------ pattern
    def compute(self, alpha: int) -> AdversarialState:
        """The state for grid index ``alpha`` (the slider's value)."""
        i = int(alpha)
        return AdversarialState(index=i, alpha=float(self.sweep.alphas[i]),
                                row=self._rows.iloc[i], table=self._tables[i],
                                hist=self._hist[i], curve=self._curves[i])

    def render(self, state: AdversarialState) -> None:
        x, y = float(state.row[self.gap]), float(state.row["accuracy"])
        self._point.set_data([x], [y])
        self._label.xy = (x, y)
        self._label.set_text(f"α = {state.alpha:g}")
        for bars, heights in zip(self._bars, state.hist, strict=True):
            for bar, h in zip(bars, heights, strict=True):
                bar.set_height(h)
        c = state.curve
        self._adv_line.set_data(c["epoch"].to_numpy(), c[self._adv_col].to_numpy())
        self._gap_line.set_data(c["epoch"].to_numpy(), c["dp_gap"].to_numpy())
        self.table.value = metrics_table_html(state.table)
        self.readout.value = html.escape(self.readout_text(state))
        self.fig.canvas.draw_idle()

    def readout_text(self, state: AdversarialState) -> str:
        """One line of plain text with the key numbers."""
        r = state.row
        parts = [f"α = {state.alpha:g}", f"accuracy {r['accuracy']:.3f}",
                 f"{GAP_LABELS[self.gap]} {r[self.gap]:.3f}"]
        parts += [f"{GAP_LABELS[c]} {r[c]:.3f}" for c in ("dp_gap", "eo_gap") if c != self.gap]
        parts.append(f"adversary accuracy {r['adversary_accuracy']:.3f} "
                     f"(baseline {self.sweep.baseline[self.split]:.3f})")
        if not np.isnan(r["audit_auc"]):
            parts.append(f"fresh adversary AUC {r['audit_auc']:.3f}")
        return " · ".join(parts) + f" ({self.split})"

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one precomputed frame per α.

        Each frame holds the readout, the table and the moving marks that
        :meth:`render` draws for that α (the frontier point, the score histograms,
        the training curves); a slider move in the page picks a frame.
        """
        if getattr(self, "_view", None) is None:
            controls = [{"name": "alpha", "label": "α (adversary)",
                         "values": list(range(len(self.sweep.alphas))),
                         "labels": [f"{a:g}" for a in self.sweep.alphas],
                         "index": int(self.controls["alpha"].value)}]
            spec = frames_spec(controls, self._frame, panels=self._panels(), title=self.title)
            self._view = BrowserView(kind="frames", spec=spec,
                                     values={"alpha": int(self.controls["alpha"].value)})
            self._view.observe(self._from_view, names="values")
        return self._view

    def _panels(self) -> list[dict]:
        """The page's three charts: their axes and the lines that never move."""
        gap, split, sweep = self.gap, self.split, self.sweep
        xy = lambda f: [[float(a), float(b)] for a, b in zip(f[gap], f["accuracy"],  # noqa: E731
                                                             strict=True)]
        lines = []
        if self._compare is not None:
            lines.append({"id": "compare", "type": "line", "color": PALETTE[1],
                          "label": self.compare_label, "data": xy(self._compare)})
        other = "train" if split == "test" else "test"
        if other in sweep.proba:
            lines.append({"id": "other", "type": "line", "color": "#999999", "dash": "4 3",
                          "label": f"adversary, {other}",
                          "data": xy(sweep.frame[sweep.frame["split"] == other])})
        lines.append({"id": "grid", "type": "line", "color": PALETTE[0],
                      "label": f"adversary, {split}", "data": xy(self._rows)})
        pts = np.array([p for line in lines for p in line["data"]], float)
        lo, hi = np.nanmin(pts, 0), np.nanmax(pts, 0)
        span = np.where(hi > lo, hi - lo, 1.0)
        colors = [PALETTE[j % len(PALETTE)] for j in range(len(self.groups))]
        epochs = int(sweep.params["epochs"])
        return [
            {"title": "accuracy vs fairness gap", "xlabel": f"{GAP_LABELS[gap]} ({split})",
             "ylabel": "accuracy", "width": 340, "legendWidth": 150,
             "xlim": [float(lo[0] - 0.08 * span[0]), float(hi[0] + 0.08 * span[0])],
             "ylim": [float(lo[1] - 0.08 * span[1]), float(hi[1] + 0.08 * span[1])],
             "layers": [*lines, {"id": "point", "type": "points", "color": PALETTE[5],
                                 "size": 7, "label": "current α"}],
             "alt": "accuracy against the gap for every α, with the current α marked"},
            {"title": "scores by group (threshold 0.5 dotted)", "width": 340,
             "xlabel": f"predicted P(y = 1) ({split})", "ylabel": "share of group",
             "xlim": [0, 1], "ylim": [0, max(0.05, float(self._hist.max()) * 1.3)],
             "legend": "upper right", "legendWidth": 60,
             "layers": [{"id": f"bars{j}", "type": "bars", "color": c, "label": g,
                         "opacity": 0.85}
                        for j, (g, c) in enumerate(zip(self.groups, colors, strict=True))]
             + [{"id": "cut", "type": "vline", "color": "#4d4d4d", "dash": "2 3", "data": 0.5}],
             "alt": "histogram of predicted scores per group at the current α"},
            {"title": "training curves for this α", "xlabel": "epoch", "width": 340,
             "xlim": [0.5, epochs + 0.5], "ylim": [0, self._curve_top],
             "legend": "upper right", "legendWidth": 130,
             "xticks": [[e, str(e)] for e in range(1, epochs + 1)] if epochs <= 12 else None,
             "layers": [{"id": "chance", "type": "line", "color": "#4d4d4d", "dash": "5 3",
                         "width": 1, "label": self._chance_label(),
                         "data": [[0.5, self._chance], [epochs + 0.5, self._chance]]},
                        {"id": "adv", "type": "line", "color": PALETTE[0],
                         "label": self._adv_label()},
                        {"id": "gap", "type": "line", "color": PALETTE[5],
                         "label": "DP gap (train)"}],
             "alt": "the adversary's score and the training DP gap per epoch for this α"},
        ]

    def _frame(self, alpha: int) -> Frame:
        """What the page shows for grid index ``alpha``: :meth:`render`'s numbers."""
        st = self.compute(alpha)
        edges = np.linspace(0, 1, self.bins + 1)
        width = (edges[1] - edges[0]) / len(self.groups)
        bars = {f"bars{j}": [[float(edges[b] + j * width), float(edges[b] + (j + 1) * width),
                              float(h)] for b, h in enumerate(hist)]
                for j, hist in enumerate(st.hist)}
        c = st.curve
        curve = lambda col: [[float(e), _num(v)] for e, v in zip(  # noqa: E731
            c["epoch"], c[col], strict=True)]
        point = [[float(st.row[self.gap]), float(st.row["accuracy"])]]
        return Frame(readout=self.readout_text(st), table=metrics_table_html(st.table),
                     layers=[{"point": point}, bars,
                             {"adv": curve(self._adv_col), "gap": curve("dp_gap")}])


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined number travels as ``None`` (a gap in the line)."""
    return float(x) if np.isfinite(x) else None
