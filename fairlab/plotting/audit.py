"""Plots for dataset audits: shares, base rates with small cells marked, proxies.

Lesson: 02-auditing-a-dataset
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from fairlab.plotting import PALETTE, STYLE, group_colors, new_axes
from fairlab.plotting import subplots as fit_subplots

__all__ = ["plot_representation", "plot_base_rates", "plot_proxies", "plot_audit",
           "plot_power_curve"]


def _labels(index) -> list[str]:
    return [" × ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in index]


def plot_representation(rep: Any, ax: Axes | None = None) -> Axes:
    """Horizontal bars of each group's share; reference shares as black ticks.

    Examples
    --------
    >>> import pandas as pd
    >>> from fairlab.audit import representation
    >>> rep = representation(pd.DataFrame({"g": list("aab")}), "g", reference={"a": .5, "b": .5})
    >>> len(plot_representation(rep).patches)
    2

    Lesson: 02-auditing-a-dataset
    """
    labels = _labels(rep.table.index)
    ax = new_axes(ax, figsize=(5, 1.2 + 0.3 * len(labels)), layout="constrained")
    y = np.arange(len(labels))
    colors = list(group_colors(labels).values())
    ax.barh(y, rep.table["share"], color=colors)
    if "reference_share" in rep.table:
        ax.scatter(rep.table["reference_share"], y, marker="|", s=300, color="black",
                   label="reference", zorder=3)
        ax.legend(loc="lower right")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of rows")
    title = f"Who is in the data ({rep.column})"
    if rep.test is not None:
        title += f"\n{rep.test.effect_name} = {rep.test.effect_size:.2f} ({rep.test.effect})"
    ax.set_title(title)
    return ax


def plot_base_rates(outcome: Any, ax: Axes | None = None) -> Axes:
    """Base rate of the positive label per group; small cells hatched and labelled "n < 30".

    Examples
    --------
    >>> import pandas as pd
    >>> from fairlab.audit import outcome_by_group
    >>> df = pd.DataFrame({"g": list("aabb") * 10, "y": [0, 1, 1, 1] * 10})
    >>> len(plot_base_rates(outcome_by_group(df, "y", "g")).patches)
    2

    Lesson: 02-auditing-a-dataset
    """
    t = outcome.table
    labels = _labels(t.index)
    ax = new_axes(ax, figsize=(6, 1.4 + 0.3 * len(labels)), layout="constrained")
    y = np.arange(len(labels))
    colors = list(group_colors(labels).values())
    bars = ax.barh(y, t["base_rate"], color=colors)
    for bar, small, n in zip(bars, t["small"], t["n"], strict=True):
        if small:
            bar.set_alpha(0.35)
            bar.set_hatch("///")
            # Inside the axes even for a rate of 1, on a light box so it stays legible.
            ax.text(min(bar.get_width() + 0.01, 0.75), bar.get_y() + bar.get_height() / 2,
                    f"n = {n} < 30", va="center", fontsize=8,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"share with {outcome.target} = 1")
    ax.set_title(f"Outcome by group\nCramér's V = {outcome.test.effect_size:.2f} "
                 f"({outcome.test.effect})")
    return ax


def plot_proxies(proxy: Any, top: int = 8, ax: Axes | None = None) -> Axes:
    """The ``top`` features by mutual information with the sensitive attribute.

    Examples
    --------
    >>> import pandas as pd
    >>> from fairlab.audit import proxy_strength
    >>> df = pd.DataFrame({"g": list("ab") * 20, "c": list("xy") * 20, "n": [0, 0, 1, 1] * 10})
    >>> len(plot_proxies(proxy_strength(df, "g")).patches)
    2

    Lesson: 02-auditing-a-dataset
    """
    f = proxy.features.head(top)
    ax = new_axes(ax, figsize=(5, 1.4 + 0.3 * len(f)), layout="constrained")
    y = np.arange(len(f))
    ax.barh(y, f["mi_share"], color=PALETTE[5])
    ax.set_yticks(y, [str(i) for i in f.index])
    ax.invert_yaxis()
    # Weak proxies still get visible bars: the axis follows the largest value.
    ax.set_xlim(0, max(0.05, min(1.0, 1.25 * float(f["mi_share"].max()))))
    ax.set_xlabel("MI / H(group)")
    ax.set_title(f"Proxies for {' × '.join(proxy.sensitive_columns)}\nall features: AUC = "
                 f"{proxy.auc:.2f}")
    return ax


def plot_audit(report: Any, attribute: str | None = None, fig: Figure | None = None) -> Figure:
    """Three panels for one sensitive attribute of an ``audit_report``.

    Examples
    --------
    >>> from fairlab.audit import audit_report
    >>> from fairlab.datasets import load_german
    >>> report = audit_report(load_german().frame, "credit", ["sex"])
    >>> len(plot_audit(report).axes)
    3

    Lesson: 02-auditing-a-dataset
    """
    attribute = attribute or report.sensitive_columns[0]
    if attribute not in report.representation:
        raise ValueError(f"attribute must be one of {report.sensitive_columns}; got {attribute!r}.")
    if fig is None:

        with mpl.rc_context(STYLE):
            fig, axes = fit_subplots(1, 3, figsize=(12, 3.6), layout="constrained")
    else:
        axes = fig.subplots(1, 3)
    plot_representation(report.representation[attribute], ax=axes[0])
    plot_base_rates(report.outcome[attribute], ax=axes[1])
    plot_proxies(report.proxies[attribute], ax=axes[2])
    return fig


def plot_power_curve(curve: Any, ax: Axes | None = None, *, alpha: float = 0.05) -> Axes:
    """Simulated power (dots) and theory (line) against sample size, from ``power_curve``.

    Examples
    --------
    >>> from fairlab.audit import power_curve
    >>> len(plot_power_curve(power_curve([20, 200], n_sims=100)).lines)
    3

    Lesson: 02-auditing-a-dataset
    """
    ax = new_axes(ax, figsize=(6, 3.6), layout="constrained")
    n = curve.index.to_numpy()
    ax.plot(n, curve["theory"], color=PALETTE[0], label="theory (noncentral χ²)")
    ax.plot(n, curve["simulated"], "o", color=PALETTE[1], label="simulated")
    ax.axhline(0.8, color="grey", lw=1, ls=":", label="80 % power")
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("rows in the dataset (n)")
    ax.set_ylabel(f"P(p < {alpha:g}) — the gap is found")
    ax.set_title(f"How often a real gap (w = {curve['w'].iloc[0]:.2f}) is found")
    ax.legend(loc="lower right")
    return ax
