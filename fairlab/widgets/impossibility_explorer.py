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
from fairlab.widgets.browser import BrowserView

__all__ = ["ImpossibilityExplorer", "ImpossibilityState"]

_FPR_GRID = np.concatenate([[0.0], np.geomspace(1e-4, 1, 300)])
_BARS = ("FPR", "FNR", "PPV")
#: The sliders: (min, max) on a 0.01 step. The page's stops are these values, rounded.
_RANGES = {"base_rate_a": (0.05, 0.95), "base_rate_b": (0.05, 0.95), "auc": (0.5, 1.0),
           "tpr": (0.05, 0.95)}
_STEP = 0.01


def _stops(name: str) -> list[float]:
    lo, hi = _RANGES[name]
    return [round(lo + k * _STEP, 2) for k in range(int(round((hi - lo) / _STEP)) + 1)]


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
        style = {"description_width": "initial"}
        layout = W.Layout(width="340px")
        start = {"base_rate_a": base_rate_a, "base_rate_b": base_rate_b, "auc": auc, "tpr": tpr}
        controls = {name: W.FloatSlider(value=start[name], min=lo, max=hi, step=_STEP,
                                        description=self._label(name), style=style,
                                        layout=layout)
                    for name, (lo, hi) in _RANGES.items()}
        fig = self._build_figure()
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._setup(controls, fig=fig, panels=[self.readout, self.table],
                    title="Impossibility explorer: base rates, classifier quality, criteria")

    def _label(self, name: str) -> str:
        a, b = self.groups
        return {"base_rate_a": f"base rate {a}", "base_rate_b": f"base rate {b}",
                "auc": "classifier AUC", "tpr": f"TPR of {a}"}[name]

    def _build_figure(self):
        """The ipympl figure (the fallback view), built once: ROC curve and bars."""
        a, b = self.groups
        colors = self._colors = group_colors(self.groups)
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
        return fig

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
        self.table.value = criteria_html(r)
        self.readout.value = html.escape(self.readout_text(state))
        self.fig.canvas.draw_idle()

    def readout_text(self, state: ImpossibilityState) -> str:
        """One line of plain text with the key numbers (the page prints the same)."""
        r = state.result
        a, b = self.groups
        same, par = r.same_error_rates, r.same_ppv_fnr
        reach = "reachable" if bool(par["feasible"].iloc[1]) else "not reachable"
        return (f"base rates {a} {same['base_rate'].iloc[0]:.2f} / "
                f"{b} {same['base_rate'].iloc[1]:.2f} · AUC {r.auc:.2f} · "
                f"same error rates → PPV {same['ppv'].iloc[0]:.3f} vs {same['ppv'].iloc[1]:.3f} · "
                f"same PPV & FNR → FPR {par['fpr'].iloc[0]:.3f} vs {par['fpr'].iloc[1]:.3f} "
                f"({reach})")

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once; ``js/kinds/impossibility.js``).

        The page computes every state itself, from closed forms: the binormal ROC
        curve, the rates at the shared operating point, Chouldechova's identity and
        whether the classifier reaches its point. What it is sent, once: the slider
        stops and, as exact numbers from Python, the shared operating point's FPR for
        every (AUC, TPR) stop and Kleinberg et al.'s balance means for every (AUC, base
        rate) stop (an integral over 4001 points). Every printed number is then the
        same IEEE arithmetic as :func:`~fairlab.calibration.impossibility_calculator`,
        so the page's readout and table equal Python's character for character.
        """
        if getattr(self, "_view", None) is None:
            self._view = BrowserView(kind="impossibility", spec=self._spec(),
                                     values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view

    def _spec(self) -> dict:
        from scipy.stats import norm

        rates, aucs, tprs = _stops("base_rate_a"), _stops("auc"), _stops("tpr")
        # the calculator's own expressions, vectorised: d' = √2·Φ⁻¹(AUC), FPR = Φ(Φ⁻¹(TPR) − d')
        dprime = np.array([np.inf if u >= 1 else float(np.sqrt(2) * norm.ppf(u)) for u in aucs])
        fpr = norm.cdf(norm.ppf(np.array(tprs))[None, :] - dprime[:, None])
        balance = []
        for u in aucs:  # one call per AUC gives every base rate's means (rows are independent)
            bal = impossibility_calculator({str(p): p for p in rates}, auc=u, tpr=0.5).balance
            balance.append(bal[["mean_score_positives", "mean_score_negatives"]]
                           .to_numpy(float).tolist())
        controls = [{"name": n, "label": self._label(n), "values": _stops(n)} for n in _RANGES]
        return {"groups": list(self.groups), "colors": [self._colors[g] for g in self.groups],
                "controls": controls, "dprime": [float(d) if np.isfinite(d) else None
                                                 for d in dprime],
                "fpr": fpr.tolist(), "balance": balance, "roc_fpr": _FPR_GRID.tolist(),
                "tol": 1e-3, "title": self.title}


def criteria_html(result: ImpossibilityResult) -> str:
    """The table of criteria combinations: whether each can hold, and why."""
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td style='white-space: nowrap'>"
        f"{'✓ can hold' if ok else '✗ cannot'}</td>"
        f"<td>{html.escape(why)}</td></tr>"
        for name, ok, why in result.criteria.itertuples())
    return ("<table class='fairlab-table'><thead><tr><th>criteria together</th><th></th>"
            "<th>why</th></tr></thead><tbody>" + rows + "</tbody></table>")
