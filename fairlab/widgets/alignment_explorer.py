"""AlignmentExplorer: β as the knob, and a scrubber through training.

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

__all__ = ["AlignmentExplorer", "AlignmentState"]

_MEASURES = ("learned_reward", "true_score", "kl", "length", "confident_rate", "group_rate")


@dataclass(frozen=True)
class AlignmentState:
    """One (method, beta, step): measurements with intervals, curves and samples."""

    method: str
    beta: float
    step: int
    row: pd.Series  # (measure, mean/low/high) at this step
    curve: pd.DataFrame  # the whole run for this (method, beta), by step
    samples: list


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
        fig, (self.ax_reward, self.ax_kl) = new_figure(1, 2, figsize=(8.0, 3.0))
        all_c = pd.concat(self._curves.values())
        x = np.asarray(steps)
        ax = self.ax_reward
        (self.learned,) = ax.plot(x, np.zeros(len(x)), "--", color=PALETTE[1],
                                  label="learned reward")
        (self.true,) = ax.plot(x, np.zeros(len(x)), "-", color=PALETTE[0], label="true score")
        lo = min(all_c[(m, "mean")].min() for m in ("learned_reward", "true_score"))
        hi = max(all_c[(m, "mean")].max() for m in ("learned_reward", "true_score"))
        self.cursor = ax.axvline(step, color="black", lw=1)
        ax.set(xlim=(0, x[-1]), ylim=(lo - 0.3, hi + 0.3), xlabel="training step",
               ylabel="score", title="Reward vs true score")
        ax.legend(fontsize=8, loc="upper left")
        bx = self.ax_kl
        (self.kl_line,) = bx.plot(x, np.zeros(len(x)), color=PALETTE[5], label="KL (nats)")
        self.kl_cursor = bx.axvline(step, color="black", lw=1)
        bx.set(xlim=(0, x[-1]), ylim=(0, max(1.0, all_c[("kl", "mean")].max()) * 1.05),
               xlabel="training step", ylabel="KL to reference (nats)", title="KL spent")
        fig.tight_layout()
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self._setup(controls, fig=fig, panels=[self.readout, self.table],
                    title="Alignment explorer: β, training steps, and what the policy writes")

    def compute(self, *, method: str, beta: float, step: int) -> AlignmentState:
        """Pure: a lookup of the precomputed curve and samples."""
        beta = float(self.sweep._beta(float(beta)))
        curve = self._curves[(method, beta)]
        return AlignmentState(method=method, beta=beta, step=int(step),
                              row=curve.loc[int(step)], curve=curve,
                              samples=list(self.sweep.samples[(method, beta, int(step))]))

    def render(self, state: AlignmentState) -> None:
        c = state.curve
        self.learned.set_ydata(c[("learned_reward", "mean")].to_numpy())
        self.true.set_ydata(c[("true_score", "mean")].to_numpy())
        self.kl_line.set_ydata(c[("kl", "mean")].to_numpy())
        for cur in (self.cursor, self.kl_cursor):
            cur.set_xdata([state.step, state.step])
        r = state.row

        def fmt(m: str) -> str:
            lo, hi = r[(m, "low")], r[(m, "high")]
            iv = "" if np.isnan(lo) else f" [{lo:.3f}, {hi:.3f}]"
            return f"{r[(m, 'mean')]:.3f}{iv}"

        frame = pd.DataFrame({"value (mean over seeds) [95% interval]":
                              [fmt(m) for m in _MEASURES]},
                             index=["learned reward", "true score", "KL (nats)",
                                    "length (words)", "share confident",
                                    "share 'he' among he/she"])
        samples = "".join(f"<li>{html.escape(s)}</li>" for s in state.samples)
        self.table.value = (frame.to_html(classes="fairlab-table", border=0)
                            + f"<div><b>completions at this step</b><ol>{samples}</ol></div>")
        self.readout.value = html.escape(
            f"{state.method.upper()} · β {state.beta:g} · step {state.step} · learned reward "
            f"{r[('learned_reward', 'mean')]:.3f} · true score {r[('true_score', 'mean')]:.3f}"
            f" · KL {r[('kl', 'mean')]:.3f} · length {r[('length', 'mean')]:.3f}")
        self.fig.canvas.draw_idle()
