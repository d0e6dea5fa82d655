"""Plots for lesson 15: the two writing styles, accuracy by representation, by attack
strength and by privacy budget.

Lesson: 15-robustness-and-privacy-who-pays
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import PALETTE, group_colors, new_axes
from fairlab.plotting import subplots as fit_subplots

__all__ = ["plot_digit_styles", "plot_share_sweep", "plot_attack_curves",
           "plot_privacy_cost"]


def plot_digit_styles(standard: np.ndarray, styled: np.ndarray, *, n: int = 6,
                      labels: Sequence[str] = ("standard", "styled")) -> np.ndarray:
    """Two rows of 8×8 digits: the same images in each writing style.

    Examples
    --------
    >>> from fairlab.robustness import stylize
    >>> imgs = np.random.default_rng(0).random((6, 64))
    >>> plot_digit_styles(imgs, stylize(imgs)).shape
    (2, 6)

    Lesson: 15-robustness-and-privacy-who-pays
    """
    a = np.asarray(standard).reshape(-1, 8, 8)
    b = np.asarray(styled).reshape(-1, 8, 8)
    n = min(n, len(a))
    _, axes = fit_subplots(2, n, figsize=(1.1 * n, 2.6))
    axes = np.asarray(axes).reshape(2, n)
    for row, (imgs, label) in enumerate(zip((a, b), labels, strict=True)):
        for k in range(n):
            ax = axes[row, k]
            ax.imshow(imgs[k], cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        axes[row, 0].set_ylabel(label)
    return axes


def plot_share_sweep(frame: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Test accuracy of each style against the styled group's share of training images.

    ``frame``: :func:`fairlab.robustness.representation_sweep`.

    Examples
    --------
    >>> f = pd.DataFrame({"share": [0.5, 0.1], "standard": [.95, .97], "styled": [.94, .8]})
    >>> len(plot_share_sweep(f).lines)
    2

    Lesson: 15-robustness-and-privacy-who-pays
    """
    ax = new_axes(ax, figsize=(5, 3.2), layout="constrained")
    colors = group_colors(["standard", "styled"])
    for g in ("standard", "styled"):
        ax.plot(frame["share"], frame[g], "o-", color=colors[g], label=f"{g} test images")
    ax.set_xscale("symlog", linthresh=0.01)
    ax.set_xlabel("share of styled images in training")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.set_title("accuracy by group as representation shrinks")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_attack_curves(tables: Mapping[str, pd.DataFrame], *, ax: Axes | None = None
                       ) -> Axes:
    """Accuracy against attack strength: a line per (model, group).

    ``tables`` maps a model name to an :func:`fairlab.robustness.accuracy_table`
    (groups × ε); the first model is drawn solid, the next dashed, and so on.

    Examples
    --------
    >>> t = pd.DataFrame({0.0: [.9, .8, .85], 0.1: [.5, .3, .4]},
    ...                  index=["standard", "styled", "all"])
    >>> len(plot_attack_curves({"plain": t, "adv.": t}).lines)
    4

    Lesson: 15-robustness-and-privacy-who-pays
    """
    ax = new_axes(ax, figsize=(5.2, 3.4), layout="constrained")
    styles = ("-", "--", ":", "-.")
    for k, (name, t) in enumerate(tables.items()):
        groups = [g for g in t.index if g != "all"]
        colors = group_colors(groups)
        eps = np.asarray(t.columns, dtype=float)
        for g in groups:
            ax.plot(eps, t.loc[g].to_numpy(float), styles[k % 4], marker="o", ms=4,
                    color=colors[g], label=f"{name}: {g}")
    ax.set_xlabel("attack strength ε (L∞, pixels)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.set_title("accuracy under attack")
    ax.legend(fontsize=8)
    return ax


def plot_privacy_cost(frame: pd.DataFrame, groups: Sequence[str] = ("standard", "styled"),
                      *, ax: Axes | None = None) -> Axes:
    """Test accuracy of each group against the privacy budget ε (∞ at the right).

    ``frame``: the first output of :func:`fairlab.privacy.private_sweep`.

    Examples
    --------
    >>> f = pd.DataFrame({"epsilon": [1.0, float("inf")], "standard": [.6, .9],
    ...                   "styled": [.2, .8]})
    >>> ax = plot_privacy_cost(f)
    >>> len(ax.lines), [t.get_text() for t in ax.get_xticklabels()]
    (2, ['1', '∞'])

    Lesson: 15-robustness-and-privacy-who-pays
    """
    ax = new_axes(ax, figsize=(5, 3.2), layout="constrained")
    colors = group_colors(groups)
    x = np.arange(len(frame))
    for g in groups:
        ax.plot(x, frame[g], "o-", color=colors.get(g, PALETTE[0]), label=g)
    ax.set_xticks(x, ["∞" if math.isinf(e) else f"{e:g}" for e in frame["epsilon"]])
    ax.set_xlabel("privacy budget ε (smaller = more private)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1)
    ax.set_title("DP-SGD: accuracy by group")
    ax.legend(fontsize=8, loc="lower right")
    return ax
