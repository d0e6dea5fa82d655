"""AlignmentExplorer: β as the knob, and a scrubber through training.

Every (method, β) run is trained beforehand (:func:`fairlab.alignment.align_sweep`)
and summarised once; a move is a lookup. In a notebook the explorer is drawn by the
browser (:meth:`AlignmentExplorer.browser_view`): one precomputed frame per
(method, β, step).

Lesson: 13-aligning-with-human-feedback
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab.plotting import PALETTE
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["AlignmentExplorer", "AlignmentState"]

_MEASURES = ("learned_reward", "true_score", "kl", "length", "confident_rate", "group_rate")
_NAMES = ("learned reward", "true score", "KL (nats)", "length (words)", "share confident",
          "share 'he' among he/she")
_LEARNED, _TRUE, _KL, _CURSOR = PALETTE[1], PALETTE[0], PALETTE[5], "#000000"


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined mean travels as ``None`` (the page skips it)."""
    return float(x) if np.isfinite(x) else None


@dataclass(frozen=True)
class AlignmentState:
    """One (method, beta, step): measurements with intervals, curves and samples."""

    method: str
    beta: float
    step: int
    row: pd.Series  # (measure, mean/low/high) at this step
    curve: pd.DataFrame  # the whole run for this (method, beta), by step
    samples: list
    readout: str  # one line of key numbers (plain text)
    table_html: str  # every measurement with its interval, and the completions


class AlignmentExplorer(Explorer):
    """Pick a method and a KL penalty β, scrub through training.

    Left: the learned reward and the true score along training for this β (mean
    over seeds), with a cursor at the chosen step.
    Right: the KL spent. Below: every measurement (length included) at
    the cursor with its interval, and completions the policy wrote at that step.
    Every position is a lookup in a sweep trained beforehand
    (:func:`fairlab.alignment.align_sweep`), so moves are instant.

    Parameters
    ----------
    sweep : AlignmentSweep
    method : {"rlhf", "dpo"}, default: the sweep's first
    beta : float, default: the sweep's smallest
    step : int, default: the last measured step

    Examples
    --------
    >>> import torch
    >>> from fairlab import alignment as al
    >>> pol = al.Policy(lambda ids: torch.nn.functional.one_hot(ids, 3).double(),
    ...                 torch.zeros(3, 3), torch.zeros(3), ["he", "today", "."])
    >>> sw = al.align_sweep(pol, ["he"], al.Raters(), betas=[0.1, 1], seeds=[0, 1],
    ...                     n_comparisons=50, n_held_out=10, n_steps=4, eval_every=2,
    ...                     max_new_tokens=3)
    >>> ex = AlignmentExplorer(sw)
    >>> ex.controls["beta"].value = 1.0
    >>> bool(ex.state.row[("kl", "mean")] == sw.curve("rlhf", 1.0).loc[4, ("kl", "mean")])
    True

    Lesson: 13-aligning-with-human-feedback
    """

    def __init__(self, sweep, *, method: str | None = None, beta: float | None = None,
                 step: int | None = None):
        from fairlab.alignment import AlignmentSweep

        if not isinstance(sweep, AlignmentSweep):
            raise TypeError(f"sweep must come from align_sweep(); got {type(sweep).__name__}.")
        self.sweep = sweep
        method = sweep.methods[0] if method is None else method
        if method not in sweep.methods:
            raise ValueError(f"method must be one of {list(sweep.methods)}; got {method!r}.")
        beta = float(sweep.betas[0] if beta is None else sweep._beta(beta))
        steps = [int(s) for s in sweep.steps]
        step = steps[-1] if step is None else int(step)
        if step not in steps:
            raise ValueError(f"step {step} was not measured; choose one of {steps}.")
        # every (method, beta) curve summarised once: slider moves are lookups
        self._curves = {(m, float(b)): sweep.curve(m, b) for m in sweep.methods
                        for b in sweep.betas}
        style = {"description_width": "initial"}
        controls = {
            "method": W.ToggleButtons(options=list(sweep.methods), value=method,
                                      description="method", style=style),
            "beta": W.SelectionSlider(options=[float(b) for b in sweep.betas], value=beta,
                                      description="KL penalty β", style=style,
                                      layout=W.Layout(width="360px")),
            "step": W.SelectionSlider(options=steps, value=step, description="training step",
                                      style=style, layout=W.Layout(width="360px")),
        }
        self.steps = steps
        fig = self._build_figure(step)
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self._setup(controls, fig=fig, panels=[self.readout, self.table],
                    title="Alignment explorer: β, training steps, and what the policy writes")

    def _ylim(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """Fixed axes over every run: reward/true score, and KL."""
        all_c = pd.concat(self._curves.values())
        lo = min(all_c[(m, "mean")].min() for m in ("learned_reward", "true_score"))
        hi = max(all_c[(m, "mean")].max() for m in ("learned_reward", "true_score"))
        return (lo - 0.3, hi + 0.3), (0.0, max(1.0, all_c[("kl", "mean")].max()) * 1.05)

    def _build_figure(self, step: int):
        fig, (self.ax_reward, self.ax_kl) = new_figure(1, 2, figsize=(8.0, 3.0))
        x = np.asarray(self.steps)
        reward_lim, kl_lim = self._ylim()
        ax = self.ax_reward
        (self.learned,) = ax.plot(x, np.zeros(len(x)), "--", color=_LEARNED,
                                  label="learned reward")
        (self.true,) = ax.plot(x, np.zeros(len(x)), "-", color=_TRUE, label="true score")
        self.cursor = ax.axvline(step, color=_CURSOR, lw=1)
        ax.set(xlim=(0, x[-1]), ylim=reward_lim, xlabel="training step",
               ylabel="score", title="Reward vs true score")
        ax.legend(fontsize=8, loc="upper left")
        bx = self.ax_kl
        (self.kl_line,) = bx.plot(x, np.zeros(len(x)), color=_KL, label="KL (nats)")
        self.kl_cursor = bx.axvline(step, color=_CURSOR, lw=1)
        bx.set(xlim=(0, x[-1]), ylim=kl_lim, xlabel="training step",
               ylabel="KL to reference (nats)", title="KL spent")
        fig.tight_layout()
        return fig

    def compute(self, *, method: str, beta: float, step: int) -> AlignmentState:
        """Pure: a lookup of the precomputed curve and samples."""
        beta = float(self.sweep._beta(float(beta)))
        curve = self._curves[(method, beta)]
        r = curve.loc[int(step)]
        samples = list(self.sweep.samples[(method, beta, int(step))])

        def fmt(m: str) -> str:
            lo, hi = r[(m, "low")], r[(m, "high")]
            iv = "" if np.isnan(lo) else f" [{lo:.3f}, {hi:.3f}]"
            return f"{r[(m, 'mean')]:.3f}{iv}"

        frame = pd.DataFrame({"value (mean over seeds) [95% interval]":
                              [fmt(m) for m in _MEASURES]}, index=list(_NAMES))
        items = "".join(f"<li>{html.escape(s)}</li>" for s in samples)
        table = (frame.to_html(classes="fairlab-table", border=0)
                 + f"<div><b>completions at this step</b><ol>{items}</ol></div>")
        readout = (f"{method.upper()} · β {beta:g} · step {int(step)} · learned reward "
                   f"{r[('learned_reward', 'mean')]:.3f} · true score "
                   f"{r[('true_score', 'mean')]:.3f} · KL {r[('kl', 'mean')]:.3f} · length "
                   f"{r[('length', 'mean')]:.3f}")
        return AlignmentState(method=method, beta=beta, step=int(step), row=r, curve=curve,
                              samples=samples, readout=readout, table_html=table)

    def render(self, state: AlignmentState) -> None:
        c = state.curve
        self.learned.set_ydata(c[("learned_reward", "mean")].to_numpy())
        self.true.set_ydata(c[("true_score", "mean")].to_numpy())
        self.kl_line.set_ydata(c[("kl", "mean")].to_numpy())
        for cur in (self.cursor, self.kl_cursor):
            cur.set_xdata([state.step, state.step])
        self.table.value = state.table_html
        self.readout.value = html.escape(state.readout)
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one precomputed frame per
        (method, β, step) of the sweep.

        Each frame holds the readout, the table (intervals and completions) and the
        curves and cursors that :meth:`render` draws; a move in the page picks a frame
        and a release writes the values back to :attr:`state`.
        """
        if getattr(self, "_view", None) is None:
            reward_lim, kl_lim = self._ylim()
            xlim = [0, self.steps[-1]]
            cursor = {"id": "cursor", "type": "vline", "color": _CURSOR, "dash": "none"}
            panels = [
                {"title": "Reward vs true score", "xlabel": "training step", "ylabel": "score",
                 "xlim": xlim, "ylim": list(reward_lim), "legend": "upper left",
                 "layers": [{"id": "learned", "type": "line", "color": _LEARNED, "dash": "5 3",
                             "label": "learned reward"},
                            {"id": "true", "type": "line", "color": _TRUE,
                             "label": "true score"}, cursor],
                 "alt": "learned reward and true score along training for the chosen method "
                        "and β, with the chosen step marked"},
                {"title": "KL spent", "xlabel": "training step",
                 "ylabel": "KL to reference (nats)", "xlim": xlim, "ylim": list(kl_lim),
                 "layers": [{"id": "kl", "type": "line", "color": _KL, "label": "KL (nats)"},
                            cursor],
                 "alt": "KL divergence from the reference policy along training, with the "
                        "chosen step marked"},
            ]
            start = self.values()
            betas = [float(b) for b in self.sweep.betas]
            methods = list(self.sweep.methods)
            controls = [
                {"name": "method", "label": "method", "widget": "select", "values": methods,
                 "labels": [m.upper() for m in methods], "index": methods.index(start["method"])},
                {"name": "beta", "label": "KL penalty β", "values": betas,
                 "labels": [f"{b:g}" for b in betas], "index": betas.index(start["beta"])},
                {"name": "step", "label": "training step", "values": self.steps,
                 "labels": [str(s) for s in self.steps], "index": self.steps.index(start["step"])},
            ]
            spec = frames_spec(controls, self._frame, panels=panels, title=self.title)
            self._view = BrowserView(kind="frames", spec=spec, values=start)
            self._view.observe(self._from_view, names="values")
        return self._view

    def _frame(self, method: str, beta: float, step: int) -> Frame:
        """What the page shows at (method, β, step): :meth:`render`'s readout, table,
        curves and cursors."""
        st = self.compute(method=method, beta=beta, step=step)

        def line(measure: str) -> list[list]:
            return [[int(x), _num(v)] for x, v in
                    zip(self.steps, st.curve[(measure, "mean")].to_numpy(float), strict=True)]

        return Frame(readout=st.readout, table=st.table_html,
                     layers=[{"learned": line("learned_reward"), "true": line("true_score"),
                              "cursor": st.step},
                             {"kl": line("kl"), "cursor": st.step}])
