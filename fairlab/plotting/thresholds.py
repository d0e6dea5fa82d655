"""Plots for lesson 06: the FICO case study and the ROC hulls behind equalized odds.

Lesson: 06-decision-thresholds
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import group_colors, new_axes

__all__ = ["plot_fico_thresholds", "plot_fico_outcomes", "plot_roc_hulls"]

_POLICY_LABELS = {"max_profit": "max profit", "single_threshold": "single threshold",
                  "demographic_parity": "demographic\nparity",
                  "equal_opportunity": "equal\nopportunity"}


def _grouped_bars(frame: pd.DataFrame, ax: Axes, fmt: str) -> None:
    colors = group_colors(list(frame.index))
    x = np.arange(frame.shape[1])
    width = 0.8 / len(frame.index)
    for i, g in enumerate(frame.index):
        xs = x + (i - (len(frame.index) - 1) / 2) * width
        bars = ax.bar(xs, frame.loc[g].to_numpy(float), width, color=colors[g], label=str(g))
        ax.bar_label(bars, fmt=fmt, fontsize=6, padding=1)
    ax.set_xticks(x, [_POLICY_LABELS.get(c, c) for c in frame.columns], fontsize=8)


def plot_fico_thresholds(study: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Bars: each group's FICO score threshold under each policy (``fico_case_study()``).

    Examples
    --------
    >>> from fairlab.thresholds import fico_case_study
    >>> len(plot_fico_thresholds(fico_case_study()).patches)
    16

    Lesson: 06-decision-thresholds
    """
    ax = new_axes(ax, figsize=(6.5, 3.2))
    _grouped_bars(study, ax, "%.1f")
    ax.set_ylabel("TransRisk score threshold")
    ax.set_ylim(0, 100)
    ax.legend(ncols=4, loc="upper left", fontsize=8)
    ax.set_title("Who gets a loan: score thresholds per policy")
    return ax


def plot_fico_outcomes(study: pd.DataFrame, *, what: str = "granted",
                       ax: Axes | None = None) -> Axes:
    """Bars: fraction of each group given loans (``what="granted"``) or of its repayers
    (``what="tpr"``), per policy, with each policy's profit relative to max profit.

    Examples
    --------
    >>> from fairlab.thresholds import fico_case_study
    >>> ax = plot_fico_outcomes(fico_case_study(), what="tpr")
    >>> len(ax.patches), ax.get_ylabel()
    (16, 'fraction of repayers given a loan')

    Lesson: 06-decision-thresholds
    """
    if what not in ("granted", "tpr"):
        raise ValueError(f"what must be 'granted' or 'tpr'; got {what!r}.")
    ax = new_axes(ax, figsize=(6.5, 3.2))
    frame = study.attrs[what]
    _grouped_bars(frame, ax, "%.2f")
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("fraction given a loan" if what == "granted"
                  else "fraction of repayers given a loan")
    for x, p in enumerate(study.attrs["profit"].reindex(frame.columns)):
        ax.text(x, 1.07, f"profit {p:.1%}", ha="center", fontsize=8)
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=8)
    return ax


def plot_roc_hulls(policy: Any, *, ax: Axes | None = None) -> Axes:
    """Each group's ROC curve, its convex hull, and the policy's operating points.

    For equalized odds every group lands on the same point, inside every hull;
    a group whose curve passes above that point reaches it by mixing thresholds.

    Examples
    --------
    >>> from fairlab.thresholds import optimize_thresholds
    >>> pol = optimize_thresholds([1, 0, 1, 0, 1, 0], [.9, .2, .7, .6, .4, .3],
    ...                           sensitive_features=list("aaabbb"),
    ...                           constraint="equalized_odds")
    >>> len(plot_roc_hulls(pol).lines)
    7

    Lesson: 06-decision-thresholds
    """
    from fairlab.thresholds import roc_hull

    ax = new_axes(ax, figsize=(4.2, 4))
    colors = group_colors([str(g) for g in policy.groups_])
    for g, cv, (_, fp, _, tp) in zip(policy.groups_, policy.curves_.curves, policy.counts_,
                                     strict=True):
        fpr, tpr = cv.fp / cv.n_neg, cv.tp / cv.n_pos
        c = colors[str(g)]
        ax.plot(fpr, tpr, color=c, linewidth=1, alpha=0.6, label=f"{g} ROC")
        verts, _, _ = roc_hull(fpr, tpr)
        ring = np.append(verts, verts[0])
        ax.plot(fpr[ring], tpr[ring], color=c, linewidth=1, linestyle="--")
        ax.plot([fp / cv.n_neg], [tp / cv.n_pos], "o", color=c, markersize=9,
                markeredgecolor="white")
    ax.plot([0, 1], [0, 1], color="#999999", linewidth=0.8, linestyle=":")
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="false-positive rate",
           ylabel="true-positive rate", title=f"ROC hulls · {policy.constraint}")
    ax.legend(fontsize=8, loc="lower right")
    return ax
