"""Plots for reward hacking and learning from human feedback.

Lesson: 09-reward-hacking-and-human-feedback
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab._validation import check_columns
from fairlab.plotting import PALETTE, new_axes

__all__ = ["plot_goodhart", "plot_gap_by_comparisons"]


def plot_goodhart(histories: pd.DataFrame | dict[str, pd.DataFrame], *,
                  ax: Axes | None = None) -> Axes:
    """Proxy reward and true objective across optimisation steps.

    ``histories`` is one ``PolicyGradientAgent.history_`` or a dict of them by
    label (e.g. ``{"trained on clicks": ..., "trained on satisfaction": ...}``).
    The proxy (click rate) is drawn on the left axis, the true objective (reader
    satisfaction) on a twin right axis; solid lines for the first history,
    dashed for the next. A dot marks where the first history's true objective
    peaks.

    Examples
    --------
    >>> h = pd.DataFrame({"proxy_reward": [0.2, 0.5, 0.8], "true_objective": [0.0, 1.0, -1.0]})
    >>> ax = plot_goodhart(h)
    >>> [len(a.lines) for a in ax.figure.axes]
    [1, 2]

    Lesson: 09-reward-hacking-and-human-feedback
    """
    if isinstance(histories, pd.DataFrame):
        histories = {"": histories}
    if not histories:
        raise ValueError("histories is empty; pass agent.history_ or a dict of them.")
    for label, h in histories.items():
        check_columns(h, ["proxy_reward", "true_objective"], name=f"histories[{label!r}]")
    ax = new_axes(ax, figsize=(7, 3.4))
    twin = ax.twinx()
    twin.grid(False)
    for i, (label, h) in enumerate(histories.items()):
        style = "-" if i == 0 else "--"
        suffix = f" ({label})" if label else ""
        ax.plot(np.arange(len(h)), h["proxy_reward"].to_numpy(float), style, color=PALETTE[1],
                label=f"proxy: click rate{suffix}")
        twin.plot(np.arange(len(h)), h["true_objective"].to_numpy(float), style,
                  color=PALETTE[0], label=f"true: satisfaction{suffix}")
    first = next(iter(histories.values()))
    peak = int(np.argmax(first["true_objective"].to_numpy(float)))
    twin.plot([peak], [first["true_objective"].iloc[peak]], "o", color=PALETTE[0], ms=7)
    twin.annotate(f"true objective peaks\nat step {peak}", (peak, first["true_objective"]
                                                           .iloc[peak]),
                  textcoords="offset points", xytext=(10, 6), fontsize=8)
    ax.set_xlabel("optimisation step")
    ax.set_ylabel("click rate (proxy)", color=PALETTE[1])
    twin.set_ylabel("reader satisfaction (true)", color=PALETTE[0])
    twin.spines["right"].set_visible(True)
    lines = ax.get_lines() + twin.get_lines()[:-1]
    ax.legend(lines, [ln.get_label() for ln in lines], fontsize=8, loc="upper center",
              bbox_to_anchor=(0.5, -0.2), ncols=2)
    return ax


def plot_gap_by_comparisons(grid, *, biases: Sequence[float] | None = None,
                            corrected: bool = False, ax: Axes | None = None) -> Axes:
    """Learned reward gap (second group − first, equal skills) against the number
    of comparisons, one line per rater bias, with ±2 standard-error bands.

    ``grid`` is a :class:`fairlab.feedback.FeedbackGrid`. The truth is 0 for every
    line: the bands narrow around the raters' bias, not around the truth.

    Examples
    --------
    >>> from fairlab.feedback import feedback_grid, make_candidates
    >>> g = feedback_grid(make_candidates(20), biases=[0, 1], n_comparisons=[50, 200])
    >>> len(plot_gap_by_comparisons(g).lines)
    3

    Lesson: 09-reward-hacking-and-human-feedback
    """
    from fairlab.feedback import FeedbackGrid

    if not isinstance(grid, FeedbackGrid):
        raise TypeError(f"grid must come from feedback_grid(); got {type(grid).__name__}.")
    chosen = grid.biases if biases is None else biases
    rows = [grid.index(float(b), int(grid.n_comparisons[0]))[0] for b in chosen]
    ax = new_axes(ax, figsize=(6, 3.4))
    ns = grid.n_comparisons
    gap = grid.gap(corrected=corrected)
    se = grid.audit_stderr if corrected else grid.stderr[..., -1]
    ax.axhline(0, color="black", lw=1, label="truth")
    for i, b in enumerate(rows):
        color = PALETTE[i % len(PALETTE)]
        ax.plot(ns, gap[b], "o-", ms=3, color=color,
                label=f"rater bias {grid.biases[b]:.2f}")
        ax.fill_between(ns, gap[b] - 2 * se[b], gap[b] + 2 * se[b], color=color, alpha=0.15,
                        lw=0)
    a, bname = grid.candidates.groups
    ax.set_xscale("log")
    ax.set(xlabel="number of comparisons", ylabel=f"learned gap {bname} − {a}",
           title="after audit correction" if corrected else "learned from raters")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return ax
