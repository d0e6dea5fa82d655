"""Plots for lesson 12: a language model's P(she) per occupation against the statistics.

Lesson: 12-bias-in-a-language-model
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import PALETTE, new_axes

__all__ = ["plot_occupation_shares"]


def plot_occupation_shares(shares: pd.Series, stats: pd.Series, *,
                           groups: Mapping[str, Sequence[str]] | None = None,
                           low: pd.Series | None = None, high: pd.Series | None = None,
                           label: bool = True, ax: Axes | None = None) -> Axes:
    """Scatter of the model's female share per occupation against the published share.

    Parameters
    ----------
    shares : Series
        occupation → the model's P(she) / (P(she) + P(he)) (e.g.
        ``template_probe(...).per_occupation["value"]``).
    stats : Series
        occupation → published share of women (``corpus.stats``).
    groups : mapping name → occupations, optional
        Colours points by group (e.g. fixed / other trained / held out).
    low, high : Series, optional
        Interval ends per occupation, drawn as vertical bars.
    label : bool, default=True
        Write a few occupation names next to their points.
    ax : Axes, optional

    Examples
    --------
    >>> s = pd.Series({"nurse": 0.8, "carpenter": 0.2})
    >>> ax = plot_occupation_shares(s, pd.Series({"nurse": 0.9, "carpenter": 0.02}))
    >>> len(ax.collections)
    1

    Lesson: 12-bias-in-a-language-model
    """
    if not isinstance(shares, pd.Series) or len(shares) == 0:
        raise ValueError("shares must be a non-empty Series occupation → share, e.g. "
                         "template_probe(model, occupations).per_occupation['value'].")
    missing = [o for o in shares.index if o not in stats.index]
    if missing:
        raise ValueError(f"stats has no share for {missing[:3]}; pass corpus.stats.")
    ax = new_axes(ax, figsize=(5.2, 4.2))
    groups = dict(groups) if groups else {"occupations": list(shares.index)}
    for i, (name, occ) in enumerate(groups.items()):
        occ = [o for o in occ if o in shares.index]
        x, y = stats[occ].to_numpy(), shares[occ].to_numpy()
        if low is not None and high is not None:
            ax.vlines(x, low[occ], high[occ], color=PALETTE[i % len(PALETTE)], lw=1,
                      alpha=0.6)
        ax.scatter(x, y, s=22, color=PALETTE[i % len(PALETTE)], label=name, zorder=3)
    ax.plot([0, 1], [0, 1], color="#888888", lw=1, ls="--", label="same as statistics")
    ax.axhline(0.5, color="#000000", lw=0.8, ls=":", label="she = he")
    if label:
        order = shares.index[np.argsort(stats[shares.index].to_numpy())]
        for o in [order[0], order[len(order) // 2], order[-1]]:
            ax.annotate(o, (stats[o], shares[o]), xytext=(4, 4), textcoords="offset points",
                        fontsize=8)
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="share of women (BLS, via WinoBias)",
           ylabel="model: P(she) / (P(she) + P(he))")
    ax.legend(loc="upper left", fontsize=8)
    return ax
