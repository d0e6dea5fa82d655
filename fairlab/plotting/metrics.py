"""Plots for lesson 05: reliability diagrams and per-group rates with intervals.

Lesson: 05-fairness-metrics
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import group_colors, new_axes

__all__ = ["plot_reliability", "plot_rate_intervals", "group_label"]


def group_label(key) -> str:
    """A group's display name; intersections are joined with " × ".

    Examples
    --------
    >>> group_label(("Caucasian", "Female")), group_label("Male")
    ('Caucasian × Female', 'Male')

    Lesson: 05-fairness-metrics
    """
    return " × ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def plot_reliability(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    diagonal: bool | None = None,
    min_count: int = 0,
) -> Axes:
    """Reliability diagram: observed positive rate against mean score, one line per group.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`fairlab.calibration.calibration_by_group` (with ``low``
        and ``high`` it draws the intervals as error bars).
    ax : Axes, default=None
    diagonal : bool, default=None
        Draw the line "observed = score" (perfect calibration). By default only
        when the scores are probabilities.
    min_count : int, default=0
        Cells with fewer people are drawn as hollow markers: read them with care.

    Returns
    -------
    Axes

    Examples
    --------
    >>> from fairlab.calibration import calibration_by_group
    >>> t = calibration_by_group([0, 1, 1, 0, 1, 1], [0.2, 0.8, 0.8, 0.2, 0.2, 0.8],
    ...                          sensitive_features=list("aaabbb"), n_bins=2)
    >>> len(plot_reliability(t).lines)
    3

    Lesson: 05-fairness-metrics
    """
    ax = new_axes(ax, figsize=(5, 4))
    groups = table.index.droplevel("bin").unique()
    colors = group_colors([group_label(g) for g in groups])
    for key in groups:
        levels = list(range(table.index.nlevels - 1))
        part = table.xs(key if isinstance(key, tuple) else (key,), level=levels)
        label = group_label(key)
        x, y = part["mean_score"].to_numpy(float), part["observed"].to_numpy(float)
        color = colors[label]
        if {"low", "high"} <= set(part.columns):
            err = np.vstack([y - part["low"].to_numpy(float), part["high"].to_numpy(float) - y])
            ax.errorbar(x, y, yerr=err, fmt="none", ecolor=color, alpha=0.6, capsize=2)
        ax.plot(x, y, "-", color=color, label=label)
        small = part["count"].to_numpy() < min_count
        ax.scatter(x[~small], y[~small], color=color, s=18, zorder=3)
        if small.any():
            ax.scatter(x[small], y[small], facecolors="white", edgecolors=color, s=18,
                       zorder=3)
    scores = table["mean_score"]
    if diagonal is None:
        diagonal = bool(scores.min() >= 0 and scores.max() <= 1)
    if diagonal:
        ax.plot([0, 1], [0, 1], ":", color="grey", label="perfectly calibrated")
        ax.set_xlabel("mean score in bin")
    else:
        ax.set_xlabel("score")
    ax.set_ylim(0, 1)
    ax.set_ylabel("observed positive rate")
    ax.legend(title=table.index.names[0] if table.index.nlevels == 2 else None)
    return ax


def plot_rate_intervals(
    intervals: pd.DataFrame,
    *,
    ax: Axes | None = None,
    reference: dict[str, float] | None = None,
    label: str | None = None,
) -> Axes:
    """Horizontal interval plot of one rate per group: point estimate and bootstrap interval.

    Parameters
    ----------
    intervals : DataFrame
        ``bootstrap_ci(rate, ...)`` output: one row per group with ``estimate,
        low, high`` (and ``count``, shown in the labels).
    ax : Axes, default=None
    reference : dict group → value, default=None
        Published numbers to compare with, drawn as open diamonds.
    label : str, default=None
        The x-axis label (the rate's name).

    Returns
    -------
    Axes

    Examples
    --------
    >>> ci = pd.DataFrame({"count": [50, 60], "estimate": [0.4, 0.2], "low": [0.3, 0.1],
    ...                    "high": [0.5, 0.3]}, index=["a", "b"])
    >>> ax = plot_rate_intervals(ci, reference={"a": 0.45})
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a (n=50)', 'b (n=60)']

    Lesson: 05-fairness-metrics
    """
    ax = new_axes(ax, figsize=(5, 0.5 + 0.4 * len(intervals)))
    labels = [group_label(g) for g in intervals.index]
    colors = group_colors(labels)
    y = np.arange(len(intervals))[::-1]
    est = intervals["estimate"].to_numpy(float)
    err = np.vstack([est - intervals["low"].to_numpy(float),
                     intervals["high"].to_numpy(float) - est])
    for i, lab in enumerate(labels):
        ax.errorbar(est[i], y[i], xerr=err[:, [i]], fmt="o", color=colors[lab], capsize=3)
    if reference:
        shown = [i for i, key in enumerate(intervals.index) if key in reference]
        for j, i in enumerate(shown):
            ax.plot(reference[intervals.index[i]], y[i], "D", mfc="none", color="black",
                    ms=7, label="published" if j == 0 else None)
        ax.legend(loc="best")
    ticks = [f"{lab} (n={n:,.0f})" for lab, n in zip(labels, intervals["count"], strict=True)] \
        if "count" in intervals else labels
    ax.set_yticks(y, ticks)
    ax.set_xlim(0, 1)
    if label:
        ax.set_xlabel(label)
    return ax
