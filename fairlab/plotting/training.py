"""Plots for lesson 04: penalty landscapes, gaps against λ, accuracy–fairness frontiers.

Lesson: 04-lambda-penalized-training
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.metrics import gap_labels
from fairlab.plotting import PALETTE, new_axes

__all__ = ["plot_penalty_landscape", "plot_gaps_vs_lambda", "plot_frontiers"]

_GAP_NAMES = gap_labels(accuracy="accuracy")


def plot_penalty_landscape(shifts: Sequence[float], curves: Mapping[str, Sequence[float]], *,
                           xlabel: str = "shift t added to one group's logits",
                           ax: Axes | None = None) -> Axes:
    """Penalty value along one direction in weight space: steps (hard) vs slopes (soft).

    Examples
    --------
    >>> ax = plot_penalty_landscape([0, 1, 2], {"hard": [0.5, 0.5, 0.0], "soft": [.4, .3, .2]})
    >>> len(ax.lines)
    2

    Lesson: 04-lambda-penalized-training
    """
    ax = new_axes(ax, figsize=(6, 3), layout="constrained")
    for i, (name, values) in enumerate(curves.items()):
        ax.plot(shifts, values, color=PALETTE[i % len(PALETTE)], lw=2,
                drawstyle="steps-mid" if "hard" in name else "default", label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("penalty")
    ax.legend()
    return ax


def plot_gaps_vs_lambda(frames: Mapping[str, pd.DataFrame], gaps: Sequence[str] = ("dp_gap",
                        "eo_gap"), *, split: str = "test",
                        axes: Sequence[Axes] | None = None) -> np.ndarray:
    """One panel per gap: how each sweep's gap moves with λ (one line per sweep).

    ``frames`` maps a label (e.g. the penalty) to a ``lambda_sweep(...).frame``.

    Examples
    --------
    >>> f = pd.DataFrame({"lam": [0, 1], "split": "test", "dp_gap": [.2, .05],
    ...                   "eo_gap": [.1, .3]})
    >>> axes = plot_gaps_vs_lambda({"DP penalty": f})
    >>> [ax.get_ylabel() for ax in axes]
    ['DP gap', 'EO gap']

    Lesson: 04-lambda-penalized-training
    """
    if axes is None:
        from fairlab.plotting import subplots

        _, axes = subplots(1, len(gaps), figsize=(4.2 * len(gaps), 3), squeeze=False,
                           layout="constrained")
        axes = axes[0]
    for ax, gap in zip(axes, gaps, strict=True):
        for i, (label, frame) in enumerate(frames.items()):
            f = frame[frame["split"] == split]
            ax.plot(f["lam"], f[gap], marker=".", color=PALETTE[i % len(PALETTE)], label=label)
        ax.set_xlabel("λ")
        ax.set_ylabel(_GAP_NAMES.get(gap, gap))
        ax.set_title(f"{_GAP_NAMES.get(gap, gap)} ({split})")
    axes[0].legend(fontsize=8)
    return np.asarray(axes)


def plot_frontiers(frontiers: Mapping[str, pd.DataFrame], *, gap: str = "dp_gap",
                   ax: Axes | None = None) -> Axes:
    """Accuracy against a gap, one line per method or split (columns ``gap, accuracy``).

    Examples
    --------
    >>> f = pd.DataFrame({"dp_gap": [.2, .05], "accuracy": [.85, .83]})
    >>> len(plot_frontiers({"ours": f}).lines)
    1

    Lesson: 04-lambda-penalized-training
    """
    ax = new_axes(ax, figsize=(5, 3.4), layout="constrained")
    for i, (label, f) in enumerate(frontiers.items()):
        ax.plot(f[gap], f["accuracy"], marker="o", ms=4, color=PALETTE[i % len(PALETTE)],
                label=label)
    ax.set_xlabel(_GAP_NAMES.get(gap, gap))
    ax.set_ylabel("accuracy")
    ax.legend(fontsize=8)
    return ax
