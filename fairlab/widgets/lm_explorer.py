"""LanguageModelExplorer: move λ and the augmentation share, watch P(she) per occupation.

Every (share, λ) model is trained before the explorer is shown
(:func:`fairlab.lm.fit_grid`) and measured once in the constructor; a slider move
only looks up the stored row and moves points. In a notebook the explorer is drawn
by the browser (:meth:`LanguageModelExplorer.browser_view`): one precomputed frame
per (λ, share) of the grid.

Lesson: 12-bias-in-a-language-model
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from fairlab.lm import CausalLM, bias_report, template_probe
from fairlab.plotting import group_colors, metrics_table_html
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["LanguageModelExplorer", "LanguageModelState"]

_DIAGONAL = "#888888"
_XLABEL = "share of women (BLS, via WinoBias)"
_YLABEL = "model: P(she) / (P(she) + P(he))"


@dataclass(frozen=True)
class LanguageModelState:
    """What one (λ, share) setting shows."""

    lam: float
    share: float
    shares: pd.Series       # occupation → P(she) / (P(she) + P(he))
    report: pd.Series       # bias_report of this model
    table: pd.DataFrame     # report of this model next to the untouched one
    readout: str


class LanguageModelExplorer(Explorer):
    """λ and augmentation-share sliders over a precomputed grid of language models.

    Parameters
    ----------
    corpus : Bunch
        From :func:`fairlab.lm.make_corpus`.
    grid : dict (share, λ) → CausalLM
        From :func:`fairlab.lm.fit_grid`; must include (0, 0), the untouched model.
    fixed : sequence of str
        The occupations the penalty targeted (shown in their own colour).

    Examples
    --------
    >>> from fairlab.lm import make_corpus, fit_grid
    >>> c = make_corpus(n_sentences=300, random_state=0)
    >>> grid = fit_grid(c, lams=[0, 1], shares=[0, 1], fixed=c.occupations[:4], epochs=1,
    ...                 hidden_size=8)
    >>> ex = LanguageModelExplorer(c, grid, fixed=c.occupations[:4])
    >>> sorted(ex.controls), ex.compute(lam=1.0, share=1.0).lam
    (['lam', 'share'], 1.0)

    Lesson: 12-bias-in-a-language-model
    """

    def __init__(self, corpus: Bunch, grid: dict[tuple[float, float], CausalLM], *,
                 fixed: Any) -> None:
        if not isinstance(grid, dict) or not grid or not all(
                isinstance(m, CausalLM) for m in grid.values()):
            raise TypeError("grid must be a dict (share, λ) → CausalLM, from fairlab.lm.fit_grid.")
        if (0.0, 0.0) not in grid:
            raise ValueError("grid must include share 0 and λ 0 (the untouched model): "
                             "pass shares=[0, ...] and lams=[0, ...] to fit_grid.")
        self.fixed = list(fixed)
        self.occupations = list(corpus.stats.index)
        self.stats = corpus.stats
        fixed_set, held = set(self.fixed), set(corpus.held_out)
        self.groups = {
            "fixed (penalised)": self.fixed,
            "other trained": [o for o in corpus.occupations if o not in fixed_set],
            "held out": [o for o in self.occupations if o in held],
        }
        self._measure(grid, corpus)
        controls = {
            "lam": W.SelectionSlider(options=[(f"{v:g}", v) for v in self.lams], value=0.0,
                                     description="λ (penalty)"),
            "share": W.SelectionSlider(options=[(f"{v:g}", v) for v in self.shares], value=0.0,
                                       description="augmented share"),
        }
        self._build_figure()
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._setup(controls, fig=self.fig, panels=[self.readout, self.table],
                    title="Language-model explorer: fix the data, the loss, or both")

    def _measure(self, grid: dict[tuple[float, float], CausalLM], corpus: Bunch) -> None:
        """Probe and report every model of the grid once: slider moves are lookups."""
        self._rows = {}
        for key, model in grid.items():
            shares = template_probe(model, self.occupations, n_boot=10).per_occupation["value"]
            self._rows[key] = (shares, bias_report(model, corpus, fixed=self.fixed))
        self.lams = sorted({k[1] for k in grid})
        self.shares = sorted({k[0] for k in grid})

    def _build_figure(self) -> None:
        self.fig, self.ax = new_figure(figsize=(5.6, 4.2))
        ax = self.ax
        self.colors = group_colors(list(self.groups))  # the static figures' palette
        self._points = {}
        for name, occ in self.groups.items():
            x = self.stats[occ].to_numpy()
            self._points[name] = ax.scatter(x, np.full(len(x), 0.5), s=22, zorder=3,
                                            color=self.colors[name], label=name)
        ax.plot([0, 1], [0, 1], color=_DIAGONAL, lw=1, ls="--", label="same as statistics")
        ax.axhline(0.5, color="#000000", lw=0.8, ls=":", label="she = he")
        ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel=_XLABEL, ylabel=_YLABEL)
        ax.legend(loc="upper left", fontsize=8)
        self.title_text = ax.set_title("")
        self.fig.tight_layout()

    def compute(self, lam: float, share: float) -> LanguageModelState:
        key = (float(share), float(lam))
        if key not in self._rows:
            raise ValueError(f"no precomputed model for share={share}, λ={lam}; available "
                             f"shares {self.shares} and λ {self.lams}.")
        shares, report = self._rows[key]
        base = self._rows[(0.0, 0.0)][1]
        table = pd.DataFrame({"this model": report, "untouched": base})
        readout = (f"λ {lam:g} · augmented share {share:g} · probe bias (fixed) "
                   f"{report['probe bias: fixed']:.3f} · (other) "
                   f"{report['probe bias: other trained']:.3f} · (held out) "
                   f"{report['probe bias: held out']:.3f} · perplexity "
                   f"{report['neutral perplexity']:.3f} · grounded accuracy "
                   f"{report['grounded accuracy']:.3f}")
        return LanguageModelState(lam=float(lam), share=float(share), shares=shares,
                                  report=report, table=table, readout=readout)

    def render(self, state: LanguageModelState) -> None:
        for name, occ in self.groups.items():
            self._points[name].set_offsets(np.c_[self.stats[occ].to_numpy(),
                                                 state.shares[occ].to_numpy()])
        self.title_text.set_text(f"λ = {state.lam:g}, augmented share = {state.share:g}")
        self.table.value = metrics_table_html(state.table)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one precomputed frame per (λ, share).

        Each frame holds the readout, the table and every occupation's point that
        :meth:`render` draws for that setting; a slider move in the page picks a
        frame and a release writes the values back to :attr:`state`. A (λ, share)
        pair the grid did not train gets a frame that says so.
        """
        if getattr(self, "_view", None) is None:
            points = [{"id": f"occ{i}", "type": "points", "color": self.colors[name],
                       "size": 4, "label": name} for i, name in enumerate(self.groups)]
            panel = {"title": "P(she) per occupation", "xlabel": _XLABEL, "ylabel": _YLABEL,
                     "xlim": [-0.02, 1.02], "ylim": [-0.02, 1.02], "width": 460,
                     "height": 380, "legend": "upper left",
                     "layers": [{"id": "diag", "type": "line", "color": _DIAGONAL,
                                 "dash": "5 3", "width": 1, "label": "same as statistics",
                                 "data": [[0, 0], [1, 1]]},
                                {"id": "even", "type": "line", "color": "#000000",
                                 "dash": "2 3", "width": 0.8, "label": "she = he",
                                 "data": [[-0.02, 0.5], [1.02, 0.5]]},
                                *points],
                     "alt": "each occupation's share of women in labour statistics against "
                            "the model's P(she), for the chosen λ and augmented share"}
            start = self.values()
            controls = [
                {"name": "lam", "label": "λ (penalty)", "values": [float(v) for v in self.lams],
                 "labels": [f"{v:g}" for v in self.lams], "index": self.lams.index(start["lam"])},
                {"name": "share", "label": "augmented share",
                 "values": [float(v) for v in self.shares],
                 "labels": [f"{v:g}" for v in self.shares],
                 "index": self.shares.index(start["share"])},
            ]
            spec = frames_spec(controls, self._frame, panels=[panel], title=self.title)
            self._view = BrowserView(kind="frames", spec=spec, values=start)
            self._view.observe(self._from_view, names="values")
        return self._view

    def _frame(self, lam: float, share: float) -> Frame:
        """What the page shows at (λ, share): :meth:`render`'s readout, table and points."""
        if (float(share), float(lam)) not in self._rows:
            return Frame(readout=f"λ {lam:g} · augmented share {share:g} · no model was "
                                 "trained for this pair (see fit_grid)", table="",
                         layers=[{f"occ{i}": [] for i in range(len(self.groups))}])
        st = self.compute(lam=lam, share=share)
        layers = {f"occ{i}": [[float(x), float(y)] for x, y in
                              zip(self.stats[occ], st.shares[occ], strict=True)]
                  for i, occ in enumerate(self.groups.values())}
        return Frame(readout=st.readout, table=metrics_table_html(st.table), layers=[layers])
