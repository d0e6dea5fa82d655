"""InterventionExplorer: choose the dataset, the groups, the gap and an accuracy budget.

Every comparison is computed (or read from the cache) before the explorer is
shown, and summarised once; a control change is a dictionary lookup, a Pareto
mask over a dozen points and a sort. In a notebook the explorer is drawn by the
browser (:meth:`InterventionExplorer.browser_view`, page code ``js/kinds/intervention.js``):
the summaries go to the page once and the page ranks, tabulates and plots every move.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from fairlab._validation import check_choice
from fairlab.compare import (
    USES_SENSITIVE_AT_DECISION,
    compare_interventions,
    pareto_mask,
    summarize,
)
from fairlab.metrics import GAPS, PENALTY_GAPS
from fairlab.plotting.compare import intervention_colors
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView

__all__ = ["InterventionExplorer", "InterventionState"]

#: Short gap names for the readout and the table.
GAP_SHORT = {g: GAPS[g].label for g in PENALTY_GAPS}


@dataclass(frozen=True)
class InterventionState:
    """What the explorer shows for one choice of dataset, groups, gap and budget."""

    key: tuple[str, str]
    gap: str
    max_loss: float
    table: pd.DataFrame       # ranked: one row per (intervention, setting)
    points: pd.DataFrame      # summary rows in plot order, with pareto / eligible flags
    baseline: pd.Series       # the no-intervention row
    best: tuple[str, str] | None
    recommendation: str
    readout: str


def _fmt(v: float, lo: float, hi: float) -> str:
    """``0.840 [0.818, 0.862]`` with no-break spaces, so a table cell never wraps inside."""
    return f"{v:.3f}\u00a0[{lo:.3f},\u00a0{hi:.3f}]"


class InterventionExplorer(Explorer):
    """Rank interventions for one decision: which gap matters, how much accuracy may go.

    Parameters
    ----------
    comparisons : mapping ``(dataset, group_by) → DataFrame``
        Results of :func:`fairlab.compare.compare_interventions`, already
        computed; ``group_by`` is a label such as ``"sex"`` or ``"sex × race"``.
        Use :meth:`from_specs` to compute (or load from the cache) several at once.
    gap : str, default="dp_gap"
        The starting gap, one of :data:`fairlab.metrics.PENALTY_GAPS`.
    max_loss : float, default=0.02
        The starting accuracy budget: how much mean accuracy below the
        no-intervention model is acceptable.

    Notes
    -----
    The ranking uses fold means; a setting "qualifies" when its mean accuracy is
    at least the baseline's minus the budget. Among those, the smallest mean gap
    wins, and the recommendation says when its interval overlaps the runner-up's
    (the folds cannot tell them apart) and when it reads the sensitive attribute
    at decision time.

    Examples
    --------
    >>> res = compare_interventions("german", sensitive_columns="sex", n_splits=3, cache=False,
    ...                             interventions=["none", "reweighing", "thresholds"],
    ...                             progress=False)
    >>> ex = InterventionExplorer({("german", "sex"): res}, gap="dp_gap", max_loss=0.05)
    >>> ex.state.best
    ('thresholds', 'EOdds')
    >>> _ = ex.set_values(max_loss=0.0)
    >>> ex.state.best, int(ex.state.table["within budget"].sum())
    (('none', 'logistic'), 2)

    Lesson: 11-choosing-an-intervention
    """

    def __init__(self, comparisons: Mapping[tuple[str, str], pd.DataFrame], *,
                 gap: str = "dp_gap", max_loss: float = 0.02) -> None:
        self._summarize(comparisons, gap)
        names = self._index()
        controls = self._build_controls(gap, max_loss)
        self._build_figure(names)
        panels = self._build_panels()
        self._setup(controls, fig=self.fig, panels=panels,
                    title="Choosing an intervention: accuracy against the gap that matters")

    @classmethod
    def from_specs(cls, specs: Sequence[tuple[str, str | Sequence[str]]], *,
                   gap: str = "dp_gap", max_loss: float = 0.02,
                   **compare_kwargs: Any) -> InterventionExplorer:
        """Compute (or load from the cache) one comparison per ``(dataset, group_by)``.

        ``compare_kwargs`` go to :func:`fairlab.compare.compare_interventions`
        (``n_splits``, ``subsample``, ``cache_path``...).
        """
        comparisons = {}
        for dataset, group_by in specs:
            cols = [group_by] if isinstance(group_by, str) else list(group_by)
            comparisons[(str(dataset), " × ".join(cols))] = compare_interventions(
                dataset, sensitive_columns=cols if len(cols) > 1 else cols[0], **compare_kwargs)
        return cls(comparisons, gap=gap, max_loss=max_loss)

    # ------------------------------------------------------------------ set-up steps
    def _summarize(self, comparisons: Mapping[tuple[str, str], pd.DataFrame],
                   gap: str) -> None:
        """Check the comparisons and the gap; summarise each comparison once."""
        if not isinstance(comparisons, Mapping) or not comparisons:
            raise ValueError("comparisons must be a non-empty dict {(dataset, group_by): "
                             "results of compare_interventions}; or use "
                             "InterventionExplorer.from_specs([...]).")
        check_choice(gap, "gap", PENALTY_GAPS)
        self.summaries: dict[tuple[str, str], pd.DataFrame] = {}
        for key, frame in comparisons.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ValueError(f"comparison keys must be (dataset, group_by) pairs; got "
                                 f"{key!r}.")
            self.summaries[(str(key[0]), str(key[1]))] = summarize(frame)

    def _index(self) -> list[str]:
        """Groupings by dataset, and one colour per intervention; returns their names."""
        self.options: dict[str, list[str]] = {}
        for d, s in self.summaries:
            self.options.setdefault(d, []).append(s)
        names = list(dict.fromkeys(n for s in self.summaries.values()
                                   for n in s.index.get_level_values(0)))
        self.colors = intervention_colors(names)
        return names

    def _build_controls(self, gap: str, max_loss: float) -> dict[str, W.ValueWidget]:
        """Dataset and grouping (which follows the dataset), the gap, the accuracy budget."""
        first = next(iter(self.summaries))
        controls = {
            "dataset": W.Dropdown(options=list(self.options), value=first[0],
                                  description="dataset"),
            "group_by": W.Dropdown(options=self.options[first[0]], value=first[1],
                                    description="groups"),
            "gap": W.Dropdown(options=[(GAPS[g].title, g) for g in PENALTY_GAPS], value=gap,
                              description="gap that matters",
                              style={"description_width": "initial"},
                              layout=W.Layout(width="460px")),
            "max_loss": W.FloatSlider(value=float(max_loss), min=0.0, max=0.10, step=0.005,
                                      description="accuracy we may lose",
                                      readout_format=".3f", continuous_update=True,
                                      style={"description_width": "initial"}),
        }
        controls["dataset"].observe(self._follow_dataset, names="value")  # runs first
        return controls

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    # ------------------------------------------------------------------ figure
    def _build_figure(self, names: list[str]) -> None:
        self.fig, self.ax = new_figure(figsize=(8.6, 4.4))
        ax = self.ax
        self.xbars = LineCollection([], linewidths=1.0, zorder=2)
        self.ybars = LineCollection([], linewidths=1.0, zorder=2)
        ax.add_collection(self.xbars)
        ax.add_collection(self.ybars)
        self.dots = ax.scatter([], [], s=42, zorder=3, edgecolors="white", linewidths=0.6)
        self.rings = ax.scatter([], [], s=170, facecolors="none", edgecolors="#222222",
                                linewidths=1.3, zorder=4)
        (self.front,) = ax.step([], [], where="post", color="#555555", linewidth=1,
                                linestyle="--", zorder=1)
        self.star = ax.scatter([], [], s=280, marker="*", color="#F0E442", zorder=5,
                               edgecolors="#000000", linewidths=0.9)
        self.budget = ax.axhline(0.0, color="#666666", linewidth=1, linestyle=":")
        self.budget_text = ax.text(1.0, 0.0, "", transform=ax.get_yaxis_transform(),
                                   ha="right", va="top", fontsize=8, color="#666666")
        self.best_text = ax.annotate("", (0, 0), xytext=(8, 8), textcoords="offset points",
                                     fontsize=8, color="#222222",
                                     bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none",
                                               alpha=0.85))
        handles = [Line2D([], [], marker="o", linestyle="", color=self.colors[n], label=n)
                   for n in names]
        handles += [Line2D([], [], marker="o", linestyle="", markerfacecolor="none",
                           markeredgecolor="#222222", markersize=10, label="Pareto-optimal"),
                    Line2D([], [], marker="*", linestyle="", markerfacecolor="#F0E442",
                           markeredgecolor="#000000", markersize=13, label="recommended"),
                    Line2D([], [], linestyle=":", color="#666666", label="accuracy floor"),
                    Line2D([], [], marker="o", linestyle="", color="#999999", alpha=0.35,
                           label="below the floor")]
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
        ax.set_ylabel("accuracy (mean; bars: fold range)")
        ax.set_xlabel(max((GAPS[g].title for g in PENALTY_GAPS), key=len)
                      + " (mean; bars: fold range)")
        ax.set_title("dataset · groups", fontsize=10)
        self.fig.tight_layout()  # with the longest labels, so that none is ever cut

    def _follow_dataset(self, change: dict) -> None:
        """Offer the sensitive columns compared for the new dataset (no extra update)."""
        sens = self.controls["group_by"]
        sens.unobserve(self._on_change, names="value")
        try:
            sens.options = self.options[change["new"]]
            sens.value = self.options[change["new"]][0]
        finally:
            sens.observe(self._on_change, names="value")

    # ------------------------------------------------------------------ the road
    def compute(self, *, dataset: str, group_by: str, gap: str,
                max_loss: float) -> InterventionState:
        """Rank the settings of one comparison for one gap and budget (a lookup)."""
        key = (dataset, group_by)
        if key not in self.summaries:
            raise ValueError(f"no comparison for {key}; the explorer has "
                             f"{list(self.summaries)}. Add it to the specs.")
        check_choice(gap, "gap", PENALTY_GAPS)
        s = self.summaries[key]
        names = s.index.get_level_values(0)
        base = s.loc["none"].iloc[0] if "none" in names else s.loc[s["accuracy"].idxmax()]
        floor = float(base["accuracy"]) - float(max_loss)
        pts = s.copy()
        pts["pareto"] = pareto_mask(s["accuracy"], s[gap])
        pts["eligible"] = s["accuracy"].to_numpy() >= floor - 1e-12
        ranked = pts.sort_values(["eligible", gap, "accuracy"],
                                 ascending=[False, True, False], kind="stable")
        best = ranked.index[0] if ranked["eligible"].iloc[0] else None
        table = pd.DataFrame({
            "intervention": ranked.index.get_level_values(0),
            "setting": ranked.index.get_level_values(1),
            "accuracy [95% CI]": [_fmt(r["accuracy"], r["accuracy_low"], r["accuracy_high"])
                                  for _, r in ranked.iterrows()],
            f"{GAP_SHORT[gap]} [95% CI]": [_fmt(r[gap], r[f"{gap}_low"], r[f"{gap}_high"])
                                           for _, r in ranked.iterrows()],
            "Pareto": np.where(ranked["pareto"], "✓", ""),
            "within budget": ranked["eligible"].to_numpy(),
            "uses group at decision": [USES_SENSITIVE_AT_DECISION.get(n, False)
                                       for n in ranked.index.get_level_values(0)],
        }, index=pd.RangeIndex(1, len(ranked) + 1, name="rank"))
        text = self._recommend(key, gap, float(max_loss), ranked, base)
        if best is None:
            readout = (f"{dataset} · {group_by} · {GAP_SHORT[gap]} · budget "
                       f"{max_loss:.3f} · no setting qualifies")
        else:
            r = ranked.loc[best]
            readout = (f"{dataset} · {group_by} · {GAP_SHORT[gap]} · budget {max_loss:.3f} · "
                       f"best {best[0]}: {best[1]} · accuracy {r['accuracy']:.3f} · "
                       f"{GAP_SHORT[gap]} {r[gap]:.3f}")
        return InterventionState(key, gap, float(max_loss), table, pts, base, best, text,
                                 readout)

    @staticmethod
    def _recommend(key, gap, max_loss, ranked, base) -> str:
        what = GAPS[gap].title.split(" (")[0]
        head = (f"On {key[0]} with groups by {key[1]}, if the {what} is what matters and "
                f"you accept losing at most {max_loss:.3f} of accuracy")
        eligible = ranked[ranked["eligible"]]
        if eligible.empty:  # pragma: no cover - the baseline always qualifies when present
            return head + ", no setting qualifies: widen the budget."
        (name, setting), r = eligible.index[0], eligible.iloc[0]
        if name == "none":
            return (head + f", no intervention lowers the mean gap below the untouched "
                    f"model's {r[gap]:.3f}: keep it, or widen the budget.")
        out = (head + f", the smallest mean gap is <b>{html.escape(name)} "
               f"({html.escape(setting)})</b>: {r[gap]:.3f} [{r[f'{gap}_low']:.3f}, "
               f"{r[f'{gap}_high']:.3f}] at accuracy {r['accuracy']:.3f}, against "
               f"{base[gap]:.3f} at {base['accuracy']:.3f} with no intervention.")
        if len(eligible) > 1:
            (n2, s2), r2 = eligible.index[1], eligible.iloc[1]
            if r2[f"{gap}_low"] <= r[f"{gap}_high"]:
                out += (f" Its interval overlaps the runner-up's, {html.escape(n2)} "
                        f"({html.escape(s2)}) at {r2[gap]:.3f}: these folds cannot tell "
                        "them apart.")
        if USES_SENSITIVE_AT_DECISION.get(name, False):
            out += (" It reads each person's group at decision time: check that this is "
                    "lawful for this decision before you use it.")
        return out

    def render(self, state: InterventionState) -> None:
        """Move the points, bars, rings, star and floor; refill the table and text."""
        p, gap = state.points, state.gap
        x, y = p[gap].to_numpy(), p["accuracy"].to_numpy()
        colors = [self.colors.get(n, "#777777") for n in p.index.get_level_values(0)]
        alpha = np.where(p["eligible"], 1.0, 0.35)
        rgba = [(*_rgb(c), a) for c, a in zip(colors, alpha, strict=True)]
        self.dots.set_offsets(np.column_stack([x, y]))
        self.dots.set_facecolors(rgba)
        self.xbars.set_segments([[(lo, yy), (hi, yy)] for lo, hi, yy in
                                 zip(p[f"{gap}_min"], p[f"{gap}_max"], y, strict=True)])
        self.ybars.set_segments([[(xx, lo), (xx, hi)] for xx, lo, hi in
                                 zip(x, p["accuracy_min"], p["accuracy_max"], strict=True)])
        self.xbars.set_color(rgba)
        self.ybars.set_color(rgba)
        front = p["pareto"].to_numpy()
        order = np.argsort(x[front])
        self.rings.set_offsets(np.column_stack([x[front], y[front]]))
        self.front.set_data(x[front][order], y[front][order])
        floor = float(state.baseline["accuracy"]) - state.max_loss
        self.budget.set_ydata([floor, floor])
        self.budget_text.set_y(floor)
        self.budget_text.set_text(f"accuracy floor {floor:.3f}")
        if state.best is not None:
            r = p.loc[state.best]
            self.star.set_offsets([[r[gap], r["accuracy"]]])
            self.best_text.xy = (r[gap], r["accuracy"])
            self.best_text.set_text(f"{state.best[0]}: {state.best[1]}")
        else:  # pragma: no cover
            self.star.set_offsets(np.empty((0, 2)))
            self.best_text.set_text("")
        lo_x = float(np.nanmin(p[f"{gap}_min"]))
        hi_x = float(np.nanmax(p[f"{gap}_max"]))
        lo_y = min(float(np.nanmin(p["accuracy_min"])), floor)
        hi_y = float(np.nanmax(p["accuracy_max"]))
        pad_x, pad_y = 0.06 * (hi_x - lo_x) + 1e-3, 0.08 * (hi_y - lo_y) + 1e-3
        self.ax.set_xlim(min(lo_x - pad_x, 0.0 - pad_x), hi_x + pad_x)
        self.ax.set_ylim(lo_y - pad_y, hi_y + pad_y)
        self.ax.set_xlabel(GAPS[gap].title + " (mean; bars: fold range)")
        self.ax.set_title(f"{state.key[0]} · groups: {state.key[1]}", fontsize=10)
        self.table.value = self._table_html(state)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()


    @staticmethod
    def _table_html(state: InterventionState) -> str:
        """The recommendation in plain words above the ranked table with its intervals."""
        shown = state.table.assign(**{
            "within budget": np.where(state.table["within budget"], "✓", ""),
            "uses group at decision": np.where(state.table["uses group at decision"],
                                               "yes", "")})
        return (f'<p class="fairlab-recommendation">{state.recommendation}</p>'
                + shown.to_html(classes="fairlab-table", border=0, escape=True))

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once, kind ``"intervention"``).

        The page gets every comparison's summary once (:meth:`browser_spec`) and
        computes, for each move of a control, what :meth:`compute` and :meth:`render`
        give: the accuracy floor, who qualifies, the ranked table with its 95%
        intervals, the recommendation, the readout and the plot. The groups offered
        follow the dataset, as in Python; a release writes the values back.
        """
        if getattr(self, "_view", None) is None:
            self._view = BrowserView(kind="intervention", spec=self.browser_spec(),
                                     values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view

    def browser_spec(self) -> dict:
        """What the page needs, sent once: per comparison the fold means, their 95%
        intervals and fold ranges of accuracy and of each gap, the Pareto flags per
        gap, the no-intervention row; the gap names and the budget's stops."""
        def col(s: pd.DataFrame, name: str) -> list:
            return [float(v) if np.isfinite(v) else None for v in s[name].to_numpy(float)]

        comparisons = []
        for (dataset, group_by), s in self.summaries.items():
            names = s.index.get_level_values(0)
            base = (list(names).index("none") if "none" in names
                    else int(np.argmax(s["accuracy"].to_numpy(float))))
            c = {"dataset": dataset, "group_by": group_by, "base": base,
                 "name": [str(n) for n in names],
                 "setting": [str(v) for v in s.index.get_level_values(1)],
                 "uses": [bool(USES_SENSITIVE_AT_DECISION.get(n, False)) for n in names],
                 "pareto": {g: [bool(v) for v in pareto_mask(s["accuracy"], s[g])]
                            for g in PENALTY_GAPS}}
            for m in ("accuracy", *PENALTY_GAPS):
                c[m] = {q: col(s, m if q == "mean" else f"{m}_{q}")
                        for q in ("mean", "low", "high", "min", "max")}
            comparisons.append(c)
        slider = self.controls["max_loss"]
        n = int(round((slider.max - slider.min) / slider.step))
        return {"title": self.title, "options": self.options, "comparisons": comparisons,
                "colors": dict(self.colors), "gap_order": list(PENALTY_GAPS),
                "gaps": {g: {"short": GAP_SHORT[g], "title": GAPS[g].title,
                             "what": GAPS[g].title.split(" (")[0]} for g in PENALTY_GAPS},
                "max_loss": {"values": [round(slider.min + i * slider.step, 10)
                                        for i in range(n + 1)]}}


def _rgb(color: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(color)
