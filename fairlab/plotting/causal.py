"""Plots for lesson 14: a causal graph, a shortcut's cost by group, attributions by group.

Lesson: 14-shortcuts-causes-and-explanations
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.plotting import PALETTE, group_colors, new_axes

__all__ = ["plot_causal_graph", "plot_shortcut_sweep", "plot_attributions"]

#: Where lesson 01's variables sit: causes on the left, labels on the right.
WORLD_LAYOUT = {"group": (0.0, 0.0), "skill": (0.0, 2.0), "experience": (1.3, 2.6),
                "test_score": (1.3, 1.2), "true_target": (2.6, 2.0), "target": (2.6, 0.6),
                "neighbourhood": (1.3, -0.6)}
_ROLE_COLORS = {"group": PALETTE[1], "label": PALETTE[2], "feature": PALETTE[4],
                "hidden": "#BBBBBB"}


def _role(node: str) -> str:
    if node == "group":
        return "group"
    if node in ("true_target", "target"):
        return "label"
    if node == "skill":
        return "hidden"
    return "feature"


def plot_causal_graph(scm, *, ax: Axes | None = None) -> Axes:
    """Draw a model's variables and causal edges; knob edges say whether they are on.

    Noise terms are left out (every variable has its own). An edge with a
    ``knob`` attribute (:func:`fairlab.causal.world_scm`) is labelled with the
    knob and drawn solid red when the knob is on, dashed grey when it is off.
    Lesson 01's variables have a fixed layout; other graphs are laid out by
    causal depth (``networkx.topological_generations``).

    Examples
    --------
    >>> from fairlab.causal import world_scm
    >>> ax = plot_causal_graph(world_scm(historical_bias=0.6))
    >>> sorted(t.get_text() for t in ax.texts)[:3]
    ['experience', 'group', 'historical_bias']

    Lesson: 14-shortcuts-causes-and-explanations
    """
    ax = new_axes(ax, figsize=(7, 3.6))
    g = scm.graph.subgraph(scm.nodes)
    extra = [v for v in g.nodes if v not in WORLD_LAYOUT]
    if set(WORLD_LAYOUT) <= set(g.nodes):  # lesson 01's world, perhaps with more proxies
        pos = {**WORLD_LAYOUT, **{v: (1.3, -1.2 - 0.6 * i) for i, v in enumerate(extra)}}
    else:
        pos = {v: (1.3 * depth, -1.4 * i)
               for depth, layer in enumerate(nx.topological_generations(g))
               for i, v in enumerate(sorted(layer))}
    on = [e for e in g.edges if g.edges[e].get("knob") and g.edges[e].get("active")]
    off = [e for e in g.edges if g.edges[e].get("knob") and not g.edges[e].get("active")]
    plain = [e for e in g.edges if not g.edges[e].get("knob")]
    colors = [_ROLE_COLORS[_role(v)] for v in g.nodes]
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colors, node_size=2200, alpha=0.9)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=7)
    kw = {"ax": ax, "node_size": 2200, "arrowsize": 14}
    nx.draw_networkx_edges(g, pos, edgelist=plain, edge_color="#444444", **kw)
    nx.draw_networkx_edges(g, pos, edgelist=on, edge_color=PALETTE[5], width=2.2, **kw)
    nx.draw_networkx_edges(g, pos, edgelist=off, edge_color="#AAAAAA", style="dashed", **kw)
    labels = {e: g.edges[e]["knob"] for e in on + off}
    nx.draw_networkx_edge_labels(g, pos, edge_labels=labels, ax=ax, font_size=7,
                                 font_color=PALETTE[5])
    knobs = getattr(scm, "knobs", None)
    if knobs is not None:
        share = 0.5 * (1 - knobs["representation"])
        x, y = pos["group"]
        ax.text(x, y - 0.45, f"share of B: {share:.2f}\n(representation)", ha="center",
                va="top", fontsize=7, color=PALETTE[5] if knobs["representation"] else "#777")
    ax.set_axis_off()
    ax.margins(0.12)
    return ax


def plot_shortcut_sweep(sweep: pd.DataFrame, *, metric: str = "accuracy",
                        ax: Axes | None = None) -> Axes:
    """One line per group and split (before / after the shift) across shortcut strengths.

    Parameters
    ----------
    sweep : DataFrame
        From :func:`fairlab.causal.shortcut_sweep`.
    metric : str, default="accuracy"
        A column of ``sweep`` (``accuracy``, ``tpr``, ``fpr``, ``selection_rate``).

    Examples
    --------
    >>> from fairlab.causal import shortcut_sweep
    >>> ax = plot_shortcut_sweep(shortcut_sweep([0.0, 0.5], n=500))
    >>> len(ax.lines)
    4

    Lesson: 14-shortcuts-causes-and-explanations
    """
    if metric not in sweep.columns:
        raise ValueError(f"metric {metric!r} is not a column of sweep; choose from "
                         f"{list(sweep.columns)}.")
    ax = new_axes(ax, figsize=(6, 3.4))
    colors = group_colors(("A", "B"))
    for split, style in (("before", "-"), ("after", "--")):
        for group in ("A", "B"):
            s = sweep.xs((split, group), level=("split", "group"))[metric]
            ax.plot(s.index, s.to_numpy(), style, color=colors[group], marker="o",
                    markersize=3, label=f"{group}, {split} the shift")
    ax.set_xlabel("shortcut strength in the collected training data")
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend(fontsize=8)
    return ax


def plot_attributions(table: pd.DataFrame, *, ax: Axes | None = None,
                      xlabel: str = "mean attribution") -> Axes:
    """Horizontal bars: one row per feature, one bar per group (``*_by_group`` output).

    Examples
    --------
    >>> t = pd.DataFrame({"A": [0.1, -0.2], "B": [0.0, 0.3]}, index=["x", "z"])
    >>> len(plot_attributions(t).patches)
    4

    Lesson: 14-shortcuts-causes-and-explanations
    """
    ax = new_axes(ax, figsize=(5, 0.5 + 0.45 * len(table)))
    colors = group_colors(table.columns)
    height = 0.8 / table.shape[1]
    y = np.arange(len(table))[::-1]
    for i, g in enumerate(table.columns):
        ax.barh(y + (table.shape[1] - 1 - 2 * i) * height / 2, table[g].to_numpy(float),
                height, color=colors[g], label=f"group {g}")
    ax.set_yticks(y, [str(f) for f in table.index])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize=8)
    return ax
