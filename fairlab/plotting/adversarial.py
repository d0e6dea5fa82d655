"""Plots for lesson 07: two frontiers side by side, and training curves that wobble.

Lesson: 07-adversarial-debiasing
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.metrics import gap_labels
from fairlab.plotting import PALETTE, new_axes
from fairlab.plotting import subplots as fit_subplots

__all__ = ["plot_adversarial_frontier", "plot_adversary_history"]

_LABELS = gap_labels(adversary_accuracy="adversary accuracy", adversary_auc="adversary AUC",
                     audit_auc="fresh adversary's AUC", task_loss="task loss",
                     adversary_loss="adversary loss")


def plot_adversarial_frontier(frames: Mapping[str, pd.DataFrame], *, gap: str = "dp_gap",
                              split: str = "test", annotate: str | None = None,
                              ax: Axes | None = None) -> Axes:
    """Accuracy against a gap, one line per sweep (e.g. λ penalty vs adversary).

    ``frames`` maps a label to a sweep frame (``lambda_sweep(...).frame`` or
    ``adversary_sweep(...).frame``); points are joined in grid order, so a line
    that doubles back shows a non-monotone sweep. ``annotate`` names a column
    (``"lam"``, ``"alpha"``) whose value is written beside each point of the
    frames that have it.

    Examples
    --------
    >>> f = pd.DataFrame({"alpha": [0, 1], "split": "test", "accuracy": [.85, .83],
    ...                   "dp_gap": [.2, .05]})
    >>> ax = plot_adversarial_frontier({"adversary": f}, annotate="alpha")
    >>> len(ax.lines), len(ax.texts)
    (1, 2)

    Lesson: 07-adversarial-debiasing
    """
    ax = new_axes(ax, figsize=(5.5, 3.6), layout="constrained")
    markers = ("o", "s", "^", "D")
    for i, (label, frame) in enumerate(frames.items()):
        rows = frame[frame["split"] == split] if "split" in frame else frame
        ax.plot(rows[gap], rows["accuracy"], "-", marker=markers[i % len(markers)], ms=5,
                color=PALETTE[i % len(PALETTE)], label=label, lw=1.3)
        if annotate is not None and annotate in rows:
            for x, y, v in zip(rows[gap], rows["accuracy"], rows[annotate], strict=True):
                ax.annotate(f"{v:g}", (x, y), xytext=(4, 3), textcoords="offset points",
                            fontsize=7, color=PALETTE[i % len(PALETTE)])
    ax.set_xlabel(f"{_LABELS.get(gap, gap)} ({split})")
    ax.set_ylabel(f"accuracy ({split})")
    ax.set_title("accuracy–fairness frontier")
    ax.legend(fontsize=8)
    return ax


def plot_adversary_history(histories: Mapping[str, pd.DataFrame],
                           columns: Sequence[str] = ("adversary_accuracy", "dp_gap"), *,
                           baseline: float | None = None,
                           axes: Sequence[Axes] | None = None) -> np.ndarray:
    """One panel per column, one line per training run, against the epoch.

    ``histories`` maps a label (a seed, a learning rate) to a history frame
    (``AdversarialClassifier.history_`` or ``AdversarialSweep.curve(α)``).
    ``baseline`` draws the majority-class accuracy on accuracy panels and 0.5 on
    AUC panels: an adversary on that line has learnt nothing *it can use*.

    Examples
    --------
    >>> h = pd.DataFrame({"epoch": [1, 2], "adversary_accuracy": [.7, .66],
    ...                   "dp_gap": [.2, .1]})
    >>> axes = plot_adversary_history({"seed 0": h}, baseline=0.66)
    >>> [len(ax.lines) for ax in axes], axes[-1].get_legend().texts[-1].get_text()
    ([2, 1], 'majority baseline')

    Lesson: 07-adversarial-debiasing
    """
    if axes is None:
        import matplotlib as mpl

        from fairlab.plotting import STYLE

        with mpl.rc_context(STYLE):
            _, axes = fit_subplots(1, len(columns), figsize=(3.6 * len(columns) + 1.6, 3.2),
                                   squeeze=False, layout="constrained")
        axes = axes[0]
    axes = np.asarray(axes).reshape(-1)
    for ax, col in zip(axes, columns, strict=True):
        for i, (label, h) in enumerate(histories.items()):
            ax.plot(h["epoch"], h[col], "-", marker=".", color=PALETTE[i % len(PALETTE)],
                    label=str(label), lw=1.3)
        if baseline is not None and col.endswith("accuracy"):
            ax.axhline(baseline, color="0.3", ls="--", lw=1, label="majority baseline")
        if col.endswith("auc"):
            ax.axhline(0.5, color="0.3", ls="--", lw=1, label="chance (0.5)")
        ax.set_xlabel("epoch")
        ax.set_ylabel(_LABELS.get(col, col))
    handles, labels = {}, {}
    for ax in axes:  # one legend for every panel: the runs, then the reference lines
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    labels = list(handles)
    axes[-1].legend([handles[k] for k in labels], labels, fontsize=8, loc="upper left",
                    bbox_to_anchor=(1.02, 1.0))
    return axes
