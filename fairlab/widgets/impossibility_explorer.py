"""ImpossibilityExplorer: two base rates, one classifier, and the criteria that survive.

Lesson: 05-fairness-metrics
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as W
import numpy as np

from fairlab._validation import check_in_range
from fairlab.calibration import ImpossibilityResult, binormal_roc, impossibility_calculator
from fairlab.plotting import group_colors
from fairlab.widgets._explorer import Explorer, new_figure

__all__ = ["ImpossibilityExplorer", "ImpossibilityState"]

_FPR_GRID = np.concatenate([[0.0], np.geomspace(1e-4, 1, 300)])
_BARS = ("FPR", "FNR", "PPV")


@dataclass(frozen=True)
class ImpossibilityState:
    """What one slider position gives: the calculator's result and the ROC curve."""

    result: ImpossibilityResult
    roc_fpr: np.ndarray
    roc_tpr: np.ndarray

    @property
    def bars(self) -> np.ndarray:
        """Heights, shape (2 groups, 6): FPR, FNR, PPV at one shared point, then with
        equal PPV and FNR (FPR capped at 1 when the identity asks for more)."""
        same = self.result.same_error_rates
        par = self.result.same_ppv_fnr
        cols = ["fpr", "fnr", "ppv"]
        out = np.hstack([same[cols].to_numpy(float), par[cols].to_numpy(float)])
        return np.clip(np.nan_to_num(out), 0, 1)


class ImpossibilityExplorer(Explorer):
    """Sliders for two groups' base rates, the classifier's AUC and its operating point.

    Left: the classifier's ROC curve (equal-variance binormal with this AUC). The
    filled dot is the operating point both groups share when their error rates
    are equal. The ring is where group B would have to operate to match group
    A's PPV and FNR (Chouldechova's identity): red when it lies above the curve —
    no classifier of this quality reaches it. Right: FPR, FNR and PPV of both
    groups under each choice. The table lists which combinations of criteria
    can hold together; with unequal base rates and an imperfect classifier,
    they cannot all hold.

    Parameters
    ----------
    base_rate_a, base_rate_b : float, default=0.52, 0.39
        Starting base rates (near COMPAS's Black and white defendants).
    auc : float, default=0.7
    tpr : float, default=0.7
        Group A's true-positive rate.
    groups : tuple of str, default=("A", "B")

    Examples
    --------
    >>> ex = ImpossibilityExplorer()
    >>> ex.controls["base_rate_b"].value = 0.52
    >>> bool(ex.state.result.criteria["holds"].iloc[1])  # equal base rates: PPVs agree
    True

    Lesson: 05-fairness-metrics
    """

    def __init__(self, base_rate_a: float = 0.52, base_rate_b: float = 0.39, *,
                 auc: float = 0.7, tpr: float = 0.7, groups: tuple[str, str] = ("A", "B")):
        self.groups = tuple(map(str, groups))
        if len(self.groups) != 2 or self.groups[0] == self.groups[1]:
            raise ValueError(f"groups must be two different names; got {groups!r}.")
        # The sliders' ranges: starting values outside them would be clamped silently.
        base_rate_a = check_in_range(base_rate_a, "base_rate_a", low=0.05, high=0.95)
        base_rate_b = check_in_range(base_rate_b, "base_rate_b", low=0.05, high=0.95)
        auc = check_in_range(auc, "auc", low=0.5, high=1)
        tpr = check_in_range(tpr, "tpr", low=0.05, high=0.95)
        a, b = self.groups
        style = {"description_width": "initial"}
        layout = W.Layout(width="340px")
        controls = {
            "base_rate_a": W.FloatSlider(value=base_rate_a, min=0.05, max=0.95, step=0.01,
                                         description=f"base rate {a}", style=style,
                                         layout=layout),
            "base_rate_b": W.FloatSlider(value=base_rate_b, min=0.05, max=0.95, step=0.01,
                                         description=f"base rate {b}", style=style,
                                         layout=layout),
            "auc": W.FloatSlider(value=auc, min=0.5, max=1.0, step=0.01,
                                 description="classifier AUC", style=style, layout=layout),
            "tpr": W.FloatSlider(value=tpr, min=0.05, max=0.95, step=0.01,
                                 description=f"TPR of {a}", style=style, layout=layout),
        }
        colors = group_colors(self.groups)
        fig, (self.ax_roc, self.ax_bar) = new_figure(1, 2, figsize=(8.2, 3.5),
                                                     gridspec_kw={"width_ratios": [1, 1.5]})
        ax = self.ax_roc
        ax.plot([0, 1], [0, 1], ":", color="grey", lw=1)
        (self.roc_line,) = ax.plot([], [], color="black", lw=1.5, label="ROC curve")
        (self.shared_mark,) = ax.plot([], [], "o", color=colors[a], ms=8,
                                      label="same error rates (both)")
        (self.link,) = ax.plot([], [], "--", color="grey", lw=1)
        (self.need_mark,) = ax.plot([], [], "o", mfc="white", mew=2, ms=9,
                                    color=colors[b], label=f"{b}: same PPV & FNR as {a}")
        self.need_note = ax.text(0, 0, "", fontsize=8, ha="center", va="bottom")
        ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="false-positive rate",
               ylabel="true-positive rate", title="What the classifier can reach")
        ax.legend(loc="lower right", fontsize=8)
        bx = self.ax_bar
        x = np.arange(6) + np.repeat([0, 0.6], 3)
        self.bars = {
            g: bx.bar(x + (i - 0.5) * 0.38, np.zeros(6), 0.38, color=colors[g], label=g)
            for i, g in enumerate(self.groups)
        }
        bx.set_xticks(x, list(_BARS) * 2)
        bx.set_ylim(0, 1.3)
        bx.set_yticks(np.linspace(0, 1, 6))
        bx.text(1.0, 1.03, "same error rates", ha="center", fontsize=9)
        bx.text(4.6, 1.03, f"same PPV and FNR as {a}", ha="center", fontsize=9)
        bx.axvline(2.8, color="grey", lw=0.8)
        bx.legend(loc="upper center", fontsize=8, ncols=2)
        bx.set_ylabel("rate")
        fig.tight_layout()
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._colors = colors
        self._setup(controls, fig=fig, panels=[self.readout, self.table],
                    title="Impossibility explorer: base rates, classifier quality, criteria")

    def compute(self, *, base_rate_a: float, base_rate_b: float, auc: float,
                tpr: float) -> ImpossibilityState:
        """Pure: the calculator's answer and the ROC curve for these slider values."""
        result = impossibility_calculator(dict(zip(self.groups, (base_rate_a, base_rate_b),
                                                   strict=True)), auc=auc, tpr=tpr)
        return ImpossibilityState(result=result, roc_fpr=_FPR_GRID,
                                  roc_tpr=binormal_roc(_FPR_GRID, auc))

    def render(self, state: ImpossibilityState) -> None:
        r = state.result
        a, b = self.groups
        self.roc_line.set_data(state.roc_fpr, state.roc_tpr)
        self.shared_mark.set_data([r.fpr], [r.tpr])
        need = float(r.same_ppv_fnr["fpr"].iloc[1])
        feasible = bool(r.same_ppv_fnr["feasible"].iloc[1])
        shown = min(need, 1.0)
        self.need_mark.set_data([shown], [r.tpr])
        self.need_mark.set_color(self._colors[b] if feasible else "black")
        self.need_mark.set_marker("o" if feasible else "X")
        self.need_note.set_position((shown, r.tpr + 0.04))
        self.need_note.set_text("reachable" if feasible else "out of reach")
        self.link.set_data([r.fpr, shown], [r.tpr, r.tpr])
        heights = state.bars
        for i, g in enumerate(self.groups):
            for rect, h in zip(self.bars[g], heights[i], strict=True):
                rect.set_height(h)
        self.bars[b][3].set_hatch("" if feasible else "//")
        same = r.same_error_rates
        rows = "".join(
            f"<tr><td>{html.escape(name)}</td><td style='white-space: nowrap'>"
            f"{'✓ can hold' if ok else '✗ cannot'}</td>"
            f"<td>{html.escape(why)}</td></tr>"
            for name, ok, why in r.criteria.itertuples())
        self.table.value = ("<table class='fairlab-table'><thead><tr><th>criteria together"
                            "</th><th></th><th>why</th></tr></thead><tbody>" + rows +
                            "</tbody></table>")
        reach = "reachable" if feasible else "not reachable"
        self.readout.value = html.escape(
            f"base rates {a} {r.same_error_rates['base_rate'].iloc[0]:.2f} / "
            f"{b} {same['base_rate'].iloc[1]:.2f} · AUC {r.auc:.2f} · "
            f"same error rates → PPV {same['ppv'].iloc[0]:.3f} vs {same['ppv'].iloc[1]:.3f} · "
            f"same PPV & FNR → FPR {r.same_ppv_fnr['fpr'].iloc[0]:.3f} vs {need:.3f} "
            f"({reach})")
        self.fig.canvas.draw_idle()
