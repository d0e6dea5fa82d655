"""ResamplingExplorer: pick a strategy and a balance target, watch the training counts and
the test metrics change.

Every (strategy, balance) model is trained once, before the explorer is shown
(:func:`fairlab.recipes.compare_resampling`); a change of control only looks
up the stored result. The page draws every choice from frames sent once
(:meth:`ResamplingExplorer.browser_view`), with no kernel round trip.

Lesson: 03-resampling
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab.plotting import PALETTE, metrics_table_html
from fairlab.recipes import InterventionResult, compare_resampling
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["ResamplingExplorer", "ResamplingState"]

_STRATEGY_OPTIONS = [("no intervention", "none"), ("undersample", "under"),
                     ("oversample", "over"), ("SMOTE / SMOTENC", "smote"),
                     ("reweighing", "reweigh")]
_BALANCE_OPTIONS = [("groups", "groups"), ("group × label", "group_label")]
_METRICS = (("accuracy", "accuracy"), ("dp_gap", "DP gap"), ("eodds_gap", "EOdds gap"))
_METRIC_COLORS = (PALETTE[0], PALETTE[1], PALETTE[2])
_LABEL0 = "#BBBBBB"


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined number travels as ``None``."""
    return float(x) if np.isfinite(x) else None


@dataclass(frozen=True)
class ResamplingState:
    """What one (strategy, balance) choice shows."""

    name: str
    strategy: str
    balance: str | None
    counts: np.ndarray  # (n_groups, 2): training rows (or weights) with label 0, 1
    metrics: dict[str, tuple[float, float, float]]
    n_train: int
    table: pd.DataFrame
    readout: str


class ResamplingExplorer(Explorer):
    """Choose a resampling strategy and what to balance; see counts and metrics update.

    Parameters
    ----------
    results : dict name → InterventionResult, or a Bunch from ``lesson_split``
        The output of :func:`fairlab.recipes.compare_resampling` (reused, so
        nothing is trained twice), or a split to run it on.
    **compare_kw
        Passed to ``compare_resampling`` when ``results`` is a split.

    Examples
    --------
    >>> from fairlab.recipes import lesson_split
    >>> ex = ResamplingExplorer(lesson_split("german"), n_boot=20)
    >>> ex.compute(strategy="under", balance="groups").n_train
    434

    Lesson: 03-resampling
    """

    def __init__(self, results: Any, **compare_kw: Any) -> None:
        self._collect(results, compare_kw)
        self._label_groups()
        controls = self._build_controls()
        self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=self.fig, panels=panels,
                    title="Resampling explorer: what is balanced, and what it does")

    # ------------------------------------------------------------------ set-up steps
    def _collect(self, results: Any, compare_kw: dict[str, Any]) -> None:
        """Index the runs by (strategy, balance), training them first if given a split."""
        if not isinstance(results, dict) or not all(
                isinstance(r, InterventionResult) for r in results.values()):
            results = compare_resampling(results, **compare_kw)  # a split: train now
        self._by_key: dict[tuple[str, str | None], InterventionResult] = {}
        for r in results.values():
            self._by_key.setdefault((r.strategy, r.balance), r)
        if ("none", None) not in self._by_key:
            raise ValueError("results must include a 'none' (no intervention) run: it is the "
                             "reference every other choice is compared with.")

    def _label_groups(self) -> None:
        """The groups (from the reference run) and their labels on the axis."""
        base = self._by_key[("none", None)]
        self.groups = list(base.train_counts.index)
        self._labels = [" × ".join(map(str, g)) if isinstance(g, tuple) else str(g)
                        for g in self.groups]

    def _build_controls(self) -> dict[str, W.ValueWidget]:
        """Strategy (only those run) and what to balance."""
        strategies = {s for s, _ in self._by_key}
        return {
            "strategy": W.Dropdown(options=[o for o in _STRATEGY_OPTIONS if o[1] in strategies],
                                   value="none", description="strategy"),
            "balance": W.Dropdown(options=_BALANCE_OPTIONS, value="groups",
                                  description="balance"),
        }

    def _build_figure(self) -> None:
        """Training rows by group and label (left), test metrics (right)."""
        self.fig, (self.ax_counts, self.ax_metrics) = new_figure(
            1, 2, figsize=(7.6, 3.2), gridspec_kw={"width_ratios": [1.25, 1]})
        self._draw_counts()
        self._draw_metrics()
        self.fig.tight_layout()

    def _draw_counts(self) -> None:
        """Stacked bars per group, ranged over every run; a rate label above each."""
        x = np.arange(len(self.groups))
        zeros = np.zeros(len(x))
        self.bars0 = self.ax_counts.bar(x, zeros, color=_LABEL0, label="label 0")
        self.bars1 = self.ax_counts.bar(x, zeros, color=PALETTE[0], label="label 1")
        self.rate_texts = [self.ax_counts.text(xi, 0, "", ha="center", va="bottom",
                                               fontsize=8) for xi in x]
        tilt = len(x) > 4
        self.ax_counts.set_xticks(x, self._labels, rotation=30 if tilt else 0,
                                  ha="right" if tilt else "center")
        top = max(r.train_counts[["label 0", "label 1"]].to_numpy().sum(1).max()
                  for r in self._by_key.values())
        self._top = float(top)
        self.ax_counts.set_ylim(0, top * 1.3)
        self.ax_counts.set_ylabel("training rows")
        self.ax_counts.legend(loc="upper left", fontsize=8, ncols=2)
        self.title_text = self.ax_counts.set_title("")

    def _draw_metrics(self) -> None:
        """One bar per metric with its CI, and the no-intervention reference marks."""
        base = self._by_key[("none", None)]
        mx = np.arange(len(_METRICS))
        self.metric_bars = self.ax_metrics.bar(mx, np.zeros(len(mx)), 0.6,
                                               color=list(_METRIC_COLORS))
        (self.ci_line,) = self.ax_metrics.plot([], [], color="k", lw=1.2, label="95% CI")
        ref = [base.metrics[k][0] for k, _ in _METRICS]
        self.ax_metrics.plot(mx, ref, "_", color=PALETTE[5], ms=30, mew=2.5,
                             label="no intervention")
        self.ax_metrics.set_xticks(mx, [label for _, label in _METRICS])
        self.ax_metrics.set_ylim(0, 1)
        self.ax_metrics.set_title("on the test split")
        self.ax_metrics.legend(loc="upper right", fontsize=8)

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    # ------------------------------------------------------------------ the road
    def result(self, strategy: str, balance: str | None) -> InterventionResult:
        """The stored run for a choice; ``balance`` is ignored for none and reweighing."""
        key = (strategy, None) if strategy in ("none", "reweigh") else (strategy, balance)
        if key not in self._by_key:
            raise ValueError(f"no precomputed run for strategy={strategy!r}, "
                             f"balance={balance!r}; available: {sorted(self._by_key, key=str)}.")
        return self._by_key[key]

    def compute(self, strategy: str, balance: str) -> ResamplingState:
        r = self.result(strategy, balance)
        counts = r.train_counts.reindex(self.groups)[["label 0", "label 1"]].to_numpy(float)
        table = pd.DataFrame({
            "train rows": [f"{v:,.0f}" for v in counts.sum(1)],
            "train base rate": counts[:, 1] / counts.sum(1),
            "test selection rate": r.group_rates["selection_rate"].to_numpy(),
            "test TPR": r.group_rates["tpr"].to_numpy(),
            "test FPR": r.group_rates["fpr"].to_numpy(),
        }, index=r.train_counts.index)
        what = "n/a" if r.balance is None else r.balance.replace("group_label", "group × label")
        readout = (f"{r.name} · balance {what} · train rows {r.n_train:,} · "
                   f"accuracy {r.metrics['accuracy'][0]:.3f} · "
                   f"DP gap {r.metrics['dp_gap'][0]:.3f} · "
                   f"EOdds gap {r.metrics['eodds_gap'][0]:.3f}")
        return ResamplingState(name=r.name, strategy=r.strategy, balance=r.balance,
                               counts=counts, metrics=r.metrics, n_train=r.n_train,
                               table=table, readout=readout)

    def render(self, state: ResamplingState) -> None:
        c = state.counts
        for bar0, bar1, text, (n0, n1) in zip(self.bars0, self.bars1, self.rate_texts, c,
                                              strict=True):
            bar0.set_height(n0)
            bar1.set_y(n0)
            bar1.set_height(n1)
            text.set_position((text.get_position()[0], n0 + n1))
            text.set_text(f"{n1 / (n0 + n1):.0%}")
        self.title_text.set_text(f"{state.name}: {state.n_train:,} training rows")
        xs, ys = [], []
        for i, ((key, _), bar) in enumerate(zip(_METRICS, self.metric_bars, strict=True)):
            est, low, high = state.metrics[key]
            bar.set_height(est)
            xs += [i, i, np.nan]
            ys += [low, high, np.nan]
        self.ci_line.set_data(xs, ys)
        self.controls["balance"].disabled = state.balance is None
        self.table.value = metrics_table_html(state.table)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def _frame(self, strategy: str, balance: str) -> Frame:
        """What the page shows for one choice: :meth:`compute`, formatted as :meth:`render`."""
        st = self.compute(strategy=strategy, balance=balance)
        x = np.arange(len(self.groups))
        n0, n1 = st.counts[:, 0], st.counts[:, 1]
        counts = {"label1": [[xi - 0.4, xi + 0.4, float(a + b)] for xi, a, b in zip(x, n0, n1,
                                                                                   strict=True)],
                  "label0": [[xi - 0.4, xi + 0.4, float(a)] for xi, a in zip(x, n0, strict=True)]}
        metrics = {}
        for i, (key, _) in enumerate(_METRICS):
            est, low, high = st.metrics[key]
            metrics[f"bar-{key}"] = [[i - 0.3, i + 0.3, _num(est)]]
            metrics[f"ci-{key}"] = [[i, _num(low)], [i, _num(high)]]
        return Frame(readout=st.readout, table=metrics_table_html(st.table),
                     layers=[counts, metrics])

    def _panels(self) -> list[dict]:
        k = len(self.groups)
        base = self.result("none", None)
        return [
            {"title": "training rows: label 0 (grey) under label 1", "ylabel": "training rows",
             "xlim": [-0.6, k - 0.4], "ylim": [0, self._top * 1.3], "width": 400, "height": 280,
             "left": 56, "legend": "upper left", "legendWidth": 70,
             "xticks": [[float(i), lab] for i, lab in enumerate(self._labels)],
             "layers": [{"id": "label1", "type": "bars", "color": PALETTE[0], "opacity": 1,
                         "label": "label 1"},
                        {"id": "label0", "type": "bars", "color": _LABEL0, "opacity": 1,
                         "label": "label 0"}],
             "alt": "training rows of each group, split by label, for the chosen strategy"},
            {"title": "on the test split", "xlim": [-0.6, len(_METRICS) - 0.4], "ylim": [0, 1],
             "width": 320, "height": 280, "legend": "upper right", "legendWidth": 120,
             "xticks": [[float(i), lab] for i, (_, lab) in enumerate(_METRICS)],
             "layers": [
                 *({"id": f"bar-{key}", "type": "bars", "color": c, "opacity": 1}
                   for (key, _), c in zip(_METRICS, _METRIC_COLORS, strict=True)),
                 *({"id": f"ci-{key}", "type": "line", "color": "#000000", "width": 1.2,
                    **({"label": "95% CI"} if i == 0 else {})}
                   for i, (key, _) in enumerate(_METRICS)),
                 {"id": "reference", "type": "points", "color": PALETTE[5], "size": 4,
                  "label": "no intervention",
                  "data": [[i, _num(base.metrics[key][0])] for i, (key, _) in
                           enumerate(_METRICS)]}],
             "alt": "accuracy, demographic-parity gap and equalized-odds gap on the test "
                    "split with 95% bootstrap intervals; dots: no intervention"},
        ]

    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one frame per (strategy, balance).

        Each frame holds the readout, the table and the bars :meth:`render` draws for
        that choice (for none and reweighing the balance is not used: both of its
        frames show the same run).
        """
        if getattr(self, "_view", None) is None:
            controls = []
            for name in ("strategy", "balance"):
                c = self.controls[name]
                values = list(c._options_values)
                controls.append({"name": name, "label": name, "widget": "select",
                                 "values": values, "labels": list(c._options_labels),
                                 "index": values.index(c.value)})
            spec = frames_spec(controls, self._frame, panels=self._panels(), title=self.title)
            self._view = BrowserView(kind="frames", spec=spec, values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view
