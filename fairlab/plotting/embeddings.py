"""Plots for word embeddings: projections on a direction, and the biased words in 2-D.

Lesson: 10-bias-in-word-embeddings
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import PALETTE, new_axes

__all__ = ["plot_projections", "plot_bias_clusters"]

_FEMALE, _MALE = PALETTE[1], PALETTE[0]


def plot_projections(projections: pd.Series, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of word projections, largest at the top.

    Parameters
    ----------
    projections : Series
        Output of :func:`fairlab.embeddings.project` (index: words).
    ax : Axes, optional

    Examples
    --------
    >>> s = pd.Series({"nurse": 0.3, "carpenter": -0.2})
    >>> len(plot_projections(s).patches)
    2

    Lesson: 10-bias-in-word-embeddings
    """
    if not isinstance(projections, pd.Series) or len(projections) == 0:
        raise ValueError("projections must be a non-empty Series of numbers indexed by word, "
                         "e.g. project(wv, words, direction).")
    s = projections.sort_values()
    ax = new_axes(ax, figsize=(6, 0.28 * len(s) + 1))
    colors = [_FEMALE if v > 0 else _MALE for v in s]
    ax.barh(np.arange(len(s)), s.to_numpy(float), color=colors)
    ax.set_yticks(np.arange(len(s)), [str(w) for w in s.index])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("projection (← male · female →)")
    return ax


def plot_bias_clusters(check: Any, emb: Any, *, ax: Axes | None = None,
                       title: str | None = None) -> Axes:
    """The words of a cluster check in 2-D (first two principal components of ``emb``).

    Colour = the side the word leaned to in the *original* vectors. Drawn with the
    debiased vectors, colours that still separate mean gender is still in the
    geometry, even though every projection on the gender direction is now 0.

    Parameters
    ----------
    check : ClusterCheck
        From :func:`fairlab.embeddings.cluster_recoverability`.
    emb : Bunch
        The vectors to draw (original or debiased).
    ax : Axes, optional
    title : str, optional

    Examples
    --------
    >>> from fairlab.embeddings import (make_word_vectors, hard_debias,
    ...                                 cluster_recoverability)
    >>> wv = make_word_vectors(list("abcd"), [[1, 1, 0], [1, .9, 0], [-1, 0, 1],
    ...                                       [-1, 0, .9]])
    >>> c = cluster_recoverability(wv, wv, [1, 0, 0], n_per_side=2)
    >>> len(plot_bias_clusters(c, wv).collections)
    2

    Lesson: 10-bias-in-word-embeddings
    """
    frame = check.frame
    rows = np.array([emb.index[w] for w in frame.index])
    X = emb.vectors[rows].astype(np.float64)
    X -= X.mean(axis=0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    xy = X @ vt[:2].T
    ax = new_axes(ax, figsize=(5, 4))
    label = frame["label"].to_numpy()
    for side, color, name in ((1, _FEMALE, "leaned female"), (0, _MALE, "leaned male")):
        m = label == side
        ax.scatter(xy[m, 0], xy[m, 1], s=10, color=color, alpha=0.7, label=name)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.legend(loc="best", fontsize=8)
    if title:
        ax.set_title(title)
    return ax
