"""Plots for lesson 03: training rows per (group, label) cell, and interventions compared.

Lesson: 03-resampling
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import PALETTE, new_axes
from fairlab.plotting import subplots as fit_subplots

__all__ = ["LABEL_COLORS", "plot_cell_counts", "plot_interventions"]

#: Label 0 in a light grey, label 1 in the first palette colour.
LABEL_COLORS = ("#BBBBBB", PALETTE[0])

_METRICS = (("accuracy", "accuracy"), ("dp_gap", "demographic parity gap"),
            ("eodds_gap", "equalized odds gap"))


def _labels(index: pd.Index) -> list[str]:
    return [" × ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in index]


def plot_cell_counts(counts: pd.DataFrame, *, ax: Axes | None = None,
                     title: str | None = None) -> Axes:
    """Stacked bars of rows per group, split by label, with each group's base rate on top.

    ``counts`` is a ``cell_counts`` frame (columns ``label 0``, ``label 1``) or a
    sampler's ``counts_after_`` (columns 0 and 1).

    Examples
    --------
    >>> from fairlab.resampling import cell_counts
    >>> ax = plot_cell_counts(cell_counts([1, 0, 0, 1], ["a", "a", "b", "b"]))
    >>> len(ax.patches)
    4

    Lesson: 03-resampling
    """
    ax = new_axes(ax, figsize=(5, 3))
    c = counts[["label 0", "label 1"]] if "label 0" in counts else counts[[0, 1]]
    c = c.to_numpy(float)
    x = np.arange(len(c))
    ax.bar(x, c[:, 0], color=LABEL_COLORS[0], label="label 0")
    ax.bar(x, c[:, 1], bottom=c[:, 0], color=LABEL_COLORS[1], label="label 1")
    total = c.sum(1)
    for xi, (t, pos) in enumerate(zip(total, c[:, 1], strict=True)):
        ax.text(xi, t, f"{pos / t:.0%}" if t else "–", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, _labels(counts.index), rotation=30 if len(x) > 4 else 0,
                  ha="right" if len(x) > 4 else "center")
    ax.set_ylabel("training rows")
    top = max(total.max(), 1) * 1.15
    ax.set_ylim(0, max(top, ax.get_ylim()[1]))  # never lower a limit shared with other axes
    ax.legend(loc="upper left", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_interventions(results: Mapping[str, Any], *, axes: Any = None,
                       title: str | None = None) -> np.ndarray:
    """Dot-and-whisker panels: accuracy, DP and EOdds gaps (95 % CIs), training rows.

    ``results`` is the dict returned by ``fairlab.recipes.compare_resampling``.
    Returns the array of four Axes.

    Examples
    --------
    >>> from fairlab.recipes import compare_resampling, lesson_split
    >>> runs = compare_resampling(lesson_split("german"), n_boot=20, interventions={
    ...     "none": ("none", None), "reweighing": ("reweigh", None)})
    >>> [ax.get_title() for ax in plot_interventions(runs)][-1]
    'training rows'

    Lesson: 03-resampling
    """
    import matplotlib as mpl

    from fairlab.plotting import STYLE

    names = list(results)
    created = axes is None
    if created:
        with mpl.rc_context(STYLE):
            _, axes = fit_subplots(1, 4, figsize=(11, 0.45 * len(names) + 1.2), sharey=True,
                                   gridspec_kw={"width_ratios": [1, 1, 1, 0.8]})
    y = np.arange(len(names))[::-1]
    for ax, (key, label) in zip(axes[:3], _METRICS, strict=True):
        est = np.array([results[n].metrics[key][0] for n in names])
        lo = np.array([results[n].metrics[key][1] for n in names])
        hi = np.array([results[n].metrics[key][2] for n in names])
        ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", color=PALETTE[0], capsize=3)
        ax.axvline(est[0], color="k", lw=0.8, ls=":")  # the first row is the reference
        ax.set_title(label)
    sizes = np.array([results[n].n_train for n in names])
    axes[3].barh(y, sizes, color=PALETTE[1])
    axes[3].axvline(sizes[0], color="k", lw=0.8, ls=":")
    axes[3].set_title("training rows")
    axes[0].set_yticks(y, names)
    fig = axes[0].figure
    if title:
        fig.suptitle(title)
    if created:
        fig.tight_layout()
    return np.asarray(axes)
