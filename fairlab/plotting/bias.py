"""Plots for lesson 01: selection rates across bias scenarios, feedback loops over rounds.

Lesson: 01-where-bias-comes-from
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import PALETTE, group_colors, new_axes

__all__ = ["plot_scenarios", "plot_feedback_loop"]


def plot_scenarios(
    table: pd.DataFrame,
    *,
    rate: str = "selection",
    groups: tuple[str, str] = ("A", "B"),
    reference: float | None = None,
    reference_label: str = "truly qualified",
    ax: Axes | None = None,
) -> Axes:
    """Bars of each group's rate, one cluster per scenario (``bias_scenarios`` output).

    A scenario name's ", " becomes a line break under its cluster.

    Parameters
    ----------
    table : DataFrame
        From :func:`fairlab.simulation.bias_scenarios`.
    rate : {"selection", "error_vs_truth"}, default="selection"
    groups : (str, str), default=("A", "B")
    reference : float, default=None
        A dashed line to compare against, e.g. the truly qualified share.
    reference_label : str, default="truly qualified"
    ax : Axes, default=None

    Examples
    --------
    >>> t = pd.DataFrame({"selection_A": [0.4, 0.3], "selection_B": [0.4, 0.1]},
    ...                  index=["fair", "biased"])
    >>> ax = plot_scenarios(t)
    >>> [round(float(p.get_height()), 1) for p in ax.patches]
    [0.4, 0.3, 0.4, 0.1]

    Lesson: 01-where-bias-comes-from
    """
    cols = [f"{rate}_{g}" for g in groups]
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks columns {missing}; pass the output of "
                         "fairlab.simulation.bias_scenarios and a rate it reports.")
    ax = new_axes(ax, figsize=(7, 3.2), layout="constrained")
    colors = group_colors(groups)
    x = np.arange(len(table))
    width = 0.38
    for i, (g, col) in enumerate(zip(groups, cols, strict=True)):
        values = table[col].to_numpy(float)
        xs = x + (i - 0.5) * width
        ax.bar(xs, values, width, color=colors[g], label=f"group {g}")
        for xi, v in zip(xs, values, strict=True):
            ax.text(xi, v + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, [str(i).replace(", ", "\n") for i in table.index], fontsize=8)
    ax.set_ylabel(rate.replace("_", " ") + " rate")
    top = max(0.6, float(table[cols].to_numpy().max()) * 1.2)
    if reference is not None:
        ax.axhline(reference, color="black", linestyle="--", linewidth=1, label=reference_label)
        top = max(top, reference * 1.2)
    ax.set_ylim(0, top)
    ax.legend()
    return ax


def plot_feedback_loop(
    histories: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    group: str = "B",
    fair_share: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """One group's share of visits, round by round (``simulate_feedback_loop`` output).

    The line is the mean over simulated runs; the band holds the middle 90 % of runs.

    Parameters
    ----------
    histories : DataFrame or mapping of label → DataFrame
        One history per policy to compare.
    group : str, default="B"
    fair_share : float, default=None
        Draw the share the truth would justify as a dashed line.
    ax : Axes, default=None

    Examples
    --------
    >>> from fairlab.simulation import simulate_feedback_loop
    >>> h = {p: simulate_feedback_loop(policy=p, n_rounds=5, n_runs=20)
    ...      for p in ("proportional", "greedy")}
    >>> ax = plot_feedback_loop(h, fair_share=0.5)
    >>> len(ax.lines), ax.lines[1].get_ydata().tolist()
    (3, [0.0, 0.0, 0.0, 0.0, 0.0])

    Lesson: 01-where-bias-comes-from
    """
    if isinstance(histories, pd.DataFrame):
        histories = {"": histories}
    ax = new_axes(ax, figsize=(6.5, 3.2), layout="constrained")
    for i, (label, h) in enumerate(histories.items()):
        rows = h[h["group"] == group]
        if rows.empty:
            raise ValueError(f"no rows for group {group!r}; the history has groups "
                             f"{sorted(h['group'].unique())}.")
        color = PALETTE[i % len(PALETTE)]
        ax.plot(rows["round"], rows["visit_share"], color=color, label=label or None,
                marker="o", markersize=3)
        ax.fill_between(rows["round"], rows["low"], rows["high"], color=color, alpha=0.15)
    if fair_share is not None:
        ax.axhline(fair_share, color="black", linestyle="--", linewidth=1)
        ax.text(ax.get_xlim()[1], fair_share, " what the truth justifies", va="bottom",
                ha="right", fontsize=8)
    ax.set_xlabel("round")
    ax.set_ylabel(f"share of visits to {group}")
    ax.set_ylim(-0.02, 1.02)
    if len(histories) > 1 or next(iter(histories)):
        ax.legend(fontsize=8)
    return ax
