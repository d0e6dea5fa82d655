"""Plots for aligning a language model with human feedback.

Lesson: 13-aligning-with-human-feedback
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter

from fairlab._validation import check_choice
from fairlab.plotting import PALETTE, new_axes

__all__ = ["plot_overoptimisation", "plot_rlhf_vs_dpo", "plot_confidently_wrong"]

_LABELS = {"learned_reward": "learned reward (reward model)",
           "true_score": "true score (what we want)", "kl": "KL to reference (nats)",
           "length": "length (words)", "confident_rate": "share with a confident word",
           "group_rate": "share of he among he/she"}


def _check_sweep(sweep):
    from fairlab.alignment import AlignmentSweep

    if not isinstance(sweep, AlignmentSweep):
        raise TypeError(f"sweep must come from align_sweep(); got {type(sweep).__name__}.")
    return sweep


def plot_overoptimisation(sweep, *, method: str = "rlhf", measure: str = "true_score",
                          ax: Axes | None = None) -> Axes:
    """A measure along training against the KL spent, one line per beta.

    Each point is a measured step (mean over seeds); the band is the interval over
    seeds. With ``measure="learned_reward"`` the lines keep rising; with
    ``"true_score"`` they rise, peak and fall (Gao et al. 2023).

    Examples
    --------
    >>> import torch
    >>> from fairlab import alignment as al
    >>> pol = al.Policy(lambda ids: torch.nn.functional.one_hot(ids, 3).double(),
    ...                 torch.zeros(3, 3), torch.zeros(3), ["he", "today", "."])
    >>> sw = al.align_sweep(pol, ["he"], al.Raters(), betas=[0.1, 1], seeds=[0, 1],
    ...                     n_comparisons=50, n_held_out=10, n_steps=4, eval_every=2,
    ...                     max_new_tokens=3)
    >>> len(plot_overoptimisation(sw).lines)
    2

    Lesson: 13-aligning-with-human-feedback
    """
    sweep = _check_sweep(sweep)
    check_choice(method, "method", list(sweep.methods))
    check_choice(measure, "measure", list(_LABELS))
    ax = new_axes(ax, figsize=(5, 3.4))
    for i, beta in enumerate(sweep.betas):
        c = sweep.curve(method, beta)
        kl = c[("kl", "mean")].to_numpy()
        ax.plot(kl, c[(measure, "mean")], "o-", ms=3, color=PALETTE[i % len(PALETTE)],
                label=f"β = {beta:g}")
        ax.fill_between(kl, c[(measure, "low")], c[(measure, "high")], alpha=0.15,
                        color=PALETTE[i % len(PALETTE)], lw=0)
    ax.set(xlabel=_LABELS["kl"], ylabel=_LABELS[measure],
           title=f"{method.upper()}: {_LABELS[measure].split(' (')[0]} vs KL")
    ax.legend(fontsize=7)
    return ax


def plot_rlhf_vs_dpo(sweep, *, measure: str = "true_score", step: int | None = None,
                     ax: Axes | None = None) -> Axes:
    """Each method's policies at one step (default: the last): ``measure`` against KL.

    One point per beta (mean over seeds, with the interval as error bars), a line
    per method: which method reaches the higher true score for the KL it spends.

    Examples
    --------
    >>> import torch
    >>> from fairlab import alignment as al
    >>> pol = al.Policy(lambda ids: torch.nn.functional.one_hot(ids, 3).double(),
    ...                 torch.zeros(3, 3), torch.zeros(3), ["he", "today", "."])
    >>> sw = al.align_sweep(pol, ["he"], al.Raters(), betas=[0.1, 1], seeds=[0, 1],
    ...                     n_comparisons=50, n_held_out=10, n_steps=4, eval_every=2,
    ...                     max_new_tokens=3)
    >>> ax = plot_rlhf_vs_dpo(sw)
    >>> ax.get_xlabel() != ""
    True

    Lesson: 13-aligning-with-human-feedback
    """
    sweep = _check_sweep(sweep)
    check_choice(measure, "measure", list(_LABELS))
    step = int(sweep.steps[-1] if step is None else step)
    ax = new_axes(ax, figsize=(5, 3.4))
    from fairlab.alignment import summarise

    h = sweep.history.xs(step, level="step")
    s = summarise(h, by=["method", "beta"])
    for i, m in enumerate(sweep.methods):
        f = s.loc[m]
        x, y = f[("kl", "mean")], f[(measure, "mean")]
        yerr = np.vstack([y - f[(measure, "low")], f[(measure, "high")] - y])
        ax.errorbar(x, y, yerr=np.nan_to_num(yerr), fmt="o-" if i == 0 else "s--",
                    color=PALETTE[i], capsize=3, label=m.upper())
        for beta, xv, yv in zip(f.index, x, y, strict=True):
            ax.annotate(f"{beta:g}", (xv, yv), textcoords="offset points", xytext=(4, 4),
                        fontsize=7, color=PALETTE[i])
    ax.set(xlabel=_LABELS["kl"], ylabel=_LABELS[measure],
           title=f"RLHF vs DPO after {step} steps (labels: β)")
    ax.legend(fontsize=8)
    return ax


def plot_confidently_wrong(frame: pd.DataFrame, *, truth: float,
                           ax: Axes | None = None) -> Axes:
    """A learned word weight with ±2 standard errors as comparisons grow, and the truth.

    ``frame`` is indexed by the number of comparisons with columns ``reward`` and
    ``stderr``.

    Examples
    --------
    >>> f = pd.DataFrame({"reward": [1.0, 1.2], "stderr": [0.5, 0.1]}, index=[100, 1000])
    >>> plot_confidently_wrong(f, truth=-1.0).get_xscale()
    'log'

    Lesson: 13-aligning-with-human-feedback
    """
    own = ax is None
    ax = new_axes(ax, figsize=(5, 3.2))
    n = frame.index.to_numpy(float)
    ax.errorbar(n, frame["reward"], yerr=2 * frame["stderr"], fmt="o-", color=PALETTE[5],
                capsize=3, label="learned (± 2 s.e.)")
    ax.axhline(truth, color="black", lw=1, label="true effect")
    ax.axhline(0, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    # one plain label per measured size (log-axis minor labels like "3×10²" overlap)
    ax.set_xticks(n, [f"{v:,.0f}" for v in n])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set(xlabel="number of comparisons", ylabel="reward of a confident word (logits)",
           title="More data, more confidently wrong")
    ax.legend(fontsize=8)
    if own:  # room for the axis label in a figure of its own
        ax.figure.tight_layout()
    return ax
