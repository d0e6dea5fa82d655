"""One palette and one style per group, shared by every figure.

Lesson-specific plots live in submodules (``fairlab.plotting.<topic>``) and are
re-exported here by name, so ``from fairlab.plotting import plot_x`` always works.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["PALETTE", "STYLE", "MAX_WIDTH_PX", "group_colors", "apply_style", "fit_dpi", "subplots",
           "new_axes", "plot_group_rates", "metrics_table_html"]

#: Widest figure, in screen pixels, that fits a JupyterLab notebook at 1280 px with the
#: file browser open. Wider figures are drawn at a lower dpi instead of being cut off.
MAX_WIDTH_PX = 800

#: Okabe & Ito (2008) colour-blind-safe palette, in the order groups receive it.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
           "#F0E442", "#000000")

#: fairlab's matplotlib rcParams (``apply_style`` sets them; figures use ``rc_context``).
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
}


def apply_style() -> None:
    """Set fairlab's matplotlib style (call once at the top of a lesson).

    Under ``%matplotlib widget`` it also hides ipympl's "Figure N" header and
    footer on new figures: the lessons' figures speak through their titles.
    """
    mpl.rcParams.update(STYLE)
    try:
        from ipympl.backend_nbagg import Canvas
    except ImportError:  # pragma: no cover - ipympl is a dependency, but be gentle
        return
    traits = Canvas.class_traits()
    initial = getattr(Canvas, "_static_immutable_initial_values", {})
    for name in ("header_visible", "footer_visible"):
        if name in traits:
            traits[name].default_value = False
            if name in initial:  # traitlets caches immutable defaults per class
                initial[name] = False


def group_colors(groups: Iterable) -> dict:
    """A stable colour for each group, in the order given.

    Examples
    --------
    >>> group_colors(["A", "B"])
    {'A': '#0072B2', 'B': '#E69F00'}
    """
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}


def fit_dpi(subplots_kw: dict) -> dict:
    """Add a ``dpi`` so that the figure is at most :data:`MAX_WIDTH_PX` wide on screen.

    Examples
    --------
    >>> fit_dpi({"figsize": (4, 3)})["dpi"], fit_dpi({"figsize": (10, 3)})["dpi"]
    (100, 80.0)
    """
    kw = dict(subplots_kw)
    width = kw.get("figsize", STYLE.get("figure.figsize", mpl.rcParams["figure.figsize"]))[0]
    kw.setdefault("dpi", min(100, MAX_WIDTH_PX / width))
    return kw


def subplots(*args, **subplots_kw):
    """``plt.subplots`` in fairlab's style, scaled to fit the notebook's width."""
    import matplotlib.pyplot as plt

    with mpl.rc_context(STYLE):
        return plt.subplots(*args, **fit_dpi(subplots_kw))


def new_axes(ax: Axes | None = None, **subplots_kw) -> Axes:
    """``ax`` itself, or the axes of a new figure in fairlab's style."""
    if ax is not None:
        return ax
    return subplots(**subplots_kw)[1]


def plot_group_rates(
    frame: pd.DataFrame,
    rates: Sequence[str] = ("selection_rate", "tpr", "fpr"),
    *,
    intervals: dict[str, pd.DataFrame] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars: one cluster per rate, one bar per group (``group_metrics`` output).

    ``intervals`` maps a rate to a ``bootstrap_ci(rate, ...)`` frame for error bars.

    Examples
    --------
    >>> from fairlab.metrics import group_metrics
    >>> m = group_metrics([1, 0, 1, 1], [1, 1, 0, 1], sensitive_features=list("aabb"))
    >>> len(plot_group_rates(m).patches)
    6
    """
    ax = new_axes(ax, figsize=(6, 3.2))
    labels = [" × ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in frame.index]
    colors = group_colors(labels)
    width = 0.8 / len(labels)
    x = np.arange(len(rates))
    for i, (key, label) in enumerate(zip(frame.index, labels, strict=True)):
        values = frame.loc[key, list(rates)].to_numpy(float)
        err = None
        if intervals:
            lo = np.array([intervals[r].loc[key, "low"] if r in intervals else v
                           for r, v in zip(rates, values, strict=True)])
            hi = np.array([intervals[r].loc[key, "high"] if r in intervals else v
                           for r, v in zip(rates, values, strict=True)])
            err = np.vstack([values - lo, hi - values])
        ax.bar(x + (i - (len(labels) - 1) / 2) * width, values, width, yerr=err,
               color=colors[label], label=label, capsize=3)
    ax.set_xticks(x, [r.replace("_", " ") for r in rates])
    ax.set_ylim(0, 1)
    ax.legend(title=frame.index.name if frame.index.nlevels == 1 else None)
    return ax


def metrics_table_html(frame: pd.DataFrame, digits: int = 3) -> str:
    """A compact HTML table for widgets: rounded numbers, counts as integers."""
    out = frame.copy()
    for col in out.columns:
        if col in ("count", "n") or col.endswith("_count"):
            out[col] = out[col].map(lambda v: f"{v:,.0f}")
        elif pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: "–" if pd.isna(v) else f"{v:.{digits}f}")
    return out.to_html(classes="fairlab-table", border=0, escape=True)


#: Every public name of the topic submodules → its submodule (one line each; append yours).
#: ``from fairlab.plotting import plot_x`` imports only that submodule, on first use.
_WHERE = {
    "plot_adversarial_frontier": "adversarial",
    "plot_adversary_history": "adversarial",
    "plot_representation": "audit",
    "plot_base_rates": "audit",
    "plot_proxies": "audit",
    "plot_audit": "audit",
    "plot_power_curve": "audit",
    "plot_scenarios": "bias",
    "plot_feedback_loop": "bias",
    "plot_causal_graph": "causal",
    "plot_shortcut_sweep": "causal",
    "plot_attributions": "causal",
    "plot_frontier": "compare",
    "intervention_colors": "compare",
    "plot_projections": "embeddings",
    "plot_bias_clusters": "embeddings",
    "plot_goodhart": "feedback",
    "plot_gap_by_comparisons": "feedback",
    "plot_reliability": "metrics",
    "plot_rate_intervals": "metrics",
    "group_label": "metrics",
    "build_dashboard": "monitoring",
    "update_dashboard": "monitoring",
    "plot_monitor": "monitoring",
    "plot_detection_tradeoff": "monitoring",
    "LABEL_COLORS": "resampling",
    "plot_cell_counts": "resampling",
    "plot_interventions": "resampling",
    "plot_digit_styles": "robustness",
    "plot_share_sweep": "robustness",
    "plot_attack_curves": "robustness",
    "plot_privacy_cost": "robustness",
    "plot_fico_thresholds": "thresholds",
    "plot_fico_outcomes": "thresholds",
    "plot_roc_hulls": "thresholds",
    "plot_penalty_landscape": "training",
    "plot_gaps_vs_lambda": "training",
    "plot_frontiers": "training",
    "plot_occupation_shares": "lm",
    "plot_overoptimisation": "alignment",
    "plot_rlhf_vs_dpo": "alignment",
    "plot_confidently_wrong": "alignment",
}

__all__ += list(_WHERE)


def __getattr__(name: str):
    """Load a ``plot_*`` helper from its topic submodule on first use (see ``_WHERE``)."""
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
