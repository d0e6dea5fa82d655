"""The accuracy–gap frontier of a comparison of interventions.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import PALETTE, new_axes

__all__ = ["plot_frontier", "intervention_colors"]


def intervention_colors(names: Any) -> dict[str, str]:
    """One colour per intervention, fixed by the order of ``fairlab.compare.INTERVENTIONS``.

    Examples
    --------
    >>> intervention_colors(["none", "thresholds"])["none"]
    '#000000'

    Lesson: 11-choosing-an-intervention
    """
    from fairlab.compare import INTERVENTIONS

    fixed = dict(zip(INTERVENTIONS, ("#000000", PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3],
                                     PALETTE[5]), strict=True))
    out, spare = {}, iter((PALETTE[4], PALETTE[6]) * 8)
    for n in names:
        out[str(n)] = fixed.get(str(n)) or next(spare)
    return out


def plot_frontier(results: pd.DataFrame, gap: str = "dp_gap", *, ax: Axes | None = None,
                  folds: bool = True, label_pareto: bool = True) -> Axes:
    """Accuracy against a gap: every setting's mean with its fold-to-fold spread.

    Each intervention has one colour; small faint dots are single folds, the
    large dot is the mean over folds and its bars span the folds (lowest to
    highest fold, on both axes): the fold-to-fold spread. Intervals for the mean
    are in :func:`fairlab.compare.summarize`. Settings no other setting beats on both
    accuracy and the gap (Pareto-optimal, judged on the means) are ringed and
    joined by a step line, and named.

    Parameters
    ----------
    results : DataFrame from :func:`fairlab.compare.compare_interventions`
    gap : one of :data:`fairlab.metrics.PENALTY_GAPS`, default="dp_gap"
    ax : Axes, default=None
    folds : bool, default=True
        Draw the single folds too.
    label_pareto : bool, default=True

    Returns
    -------
    Axes

    Examples
    --------
    >>> folds = pd.DataFrame({"intervention": ["none", "none", "reweighing", "reweighing"],
    ...                       "setting": ["a", "a", "b", "b"], "fold": [0, 1, 0, 1],
    ...                       "accuracy": [0.8, 0.82, 0.79, 0.8], "dp_gap": [0.2, 0.22, .05, .07]})
    >>> ax = plot_frontier(folds)
    >>> ax.get_xlabel()
    'demographic parity gap (selection rate)'

    Lesson: 11-choosing-an-intervention
    """
    from fairlab._validation import check_choice
    from fairlab.compare import pareto_mask, summarize
    from fairlab.metrics import GAPS, PENALTY_GAPS

    check_choice(gap, "gap", PENALTY_GAPS)
    summary = summarize(results)
    own = ax is None
    ax = new_axes(ax, figsize=(9.5, 4.8))
    names = list(dict.fromkeys(summary.index.get_level_values(0)))
    colors = intervention_colors(names)
    if folds:
        for name, part in results.groupby("intervention", sort=False):
            ax.scatter(part[gap], part["accuracy"], s=12, color=colors[str(name)], alpha=0.3,
                       linewidths=0, zorder=2)
    for name in names:
        part = summary.loc[name]
        x, y = part[gap].to_numpy(), part["accuracy"].to_numpy()
        ax.errorbar(x, y, xerr=[x - part[f"{gap}_min"], part[f"{gap}_max"] - x],
                    yerr=[y - part["accuracy_min"], part["accuracy_max"] - y], fmt="o",
                    color=colors[name], markersize=6, elinewidth=1, capsize=2, label=name,
                    zorder=3)
    front = pareto_mask(summary["accuracy"], summary[gap])
    fx, fy = summary[gap].to_numpy()[front], summary["accuracy"].to_numpy()[front]
    order = np.argsort(fx)
    ax.step(fx[order], fy[order], where="post", color="#555555", linewidth=1, linestyle="--",
            zorder=1)
    ax.scatter(fx, fy, s=160, facecolors="none", edgecolors="#222222", linewidths=1.3,
               label="Pareto-optimal (means)", zorder=4)
    if label_pareto:
        for i, ((name, setting), x, y) in enumerate(zip(summary.index[front][order],
                                                         fx[order], fy[order], strict=True)):
            ax.annotate(f"{name}: {setting}", (x, y), xytext=(7, 6 if i % 2 else -11),
                        textcoords="offset points", fontsize=7.5, color="#222222", zorder=6,
                        bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none",
                                  alpha=0.8))
    ax.set(xlabel=GAPS[gap].title, ylabel="accuracy (mean; bars: fold range)",
           title="Accuracy against the gap: means, fold spread, Pareto front")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    if own:  # leave room for the legend beside the axes
        ax.figure.subplots_adjust(left=0.08, right=0.76, bottom=0.11, top=0.92)
    return ax
