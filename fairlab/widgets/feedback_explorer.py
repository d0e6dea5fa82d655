"""FeedbackExplorer: how biased raters shape a reward model learned from preferences.

Lesson: 09-reward-hacking-and-human-feedback
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab._validation import check_in_range
from fairlab.feedback import FeedbackGrid, feedback_grid, make_candidates
from fairlab.plotting import group_colors
from fairlab.widgets._explorer import Explorer, new_figure

__all__ = ["FeedbackExplorer", "FeedbackState"]


@dataclass(frozen=True)
class FeedbackState:
    """One slider position: the learned reward and how it treats each group."""

    rater_bias: float
    n_comparisons: int
    corrected: bool
    quality: np.ndarray
    reward: np.ndarray  # aligned: mean(reward - quality) = 0
    codes: np.ndarray
    gap: float  # learned reward, second group − first, at equal skills
    gap_se: float
    n_grid: np.ndarray
    gap_curve: np.ndarray  # raw gap for this bias, every n
    se_curve: np.ndarray
    corrected_curve: np.ndarray
    report: pd.DataFrame  # per group: mean_error, selected_learned, selected_true


class FeedbackExplorer(Explorer):
    """Sliders for the raters' bias and the number of comparisons they make.

    Left: each candidate's learned reward against its true quality, coloured by
    group (twins share a true quality, so a vertical gap between the colours
    is bias). Right: the learned reward gap between the groups at equal skills
    as the raters make more comparisons, with ±2 standard errors, and after a
    small audit set of unbiased comparisons corrects the group offset. The
    truth is 0. Every position is a lookup in a grid fitted beforehand
    (:func:`fairlab.feedback.feedback_grid`), so slider moves are instant.

    Parameters
    ----------
    grid : FeedbackGrid, optional
        Precomputed fits; by default ``feedback_grid(make_candidates())`` (a few
        seconds).
    rater_bias : float, default=1.0
        Starting bias; must be on the grid.
    n_comparisons : int, default=1000
        Starting number of comparisons; must be on the grid.
    corrected : bool, default=False
        Start with the audit correction on.

    Examples
    --------
    >>> from fairlab.feedback import feedback_grid, make_candidates
    >>> grid = feedback_grid(make_candidates(30), biases=[0, 1], n_comparisons=[100, 400])
    >>> ex = FeedbackExplorer(grid, rater_bias=1.0, n_comparisons=400)
    >>> ex.controls["rater_bias"].value = 0.0
    >>> bool(ex.state.gap == grid.gap()[0, 1])
    True

    Lesson: 09-reward-hacking-and-human-feedback
    """

    def __init__(self, grid: FeedbackGrid | None = None, *, rater_bias: float = 1.0,
                 n_comparisons: int = 1000, corrected: bool = False):
        if grid is None:
            grid = feedback_grid(make_candidates())
        if not isinstance(grid, FeedbackGrid):
            raise TypeError(f"grid must come from feedback_grid(); got {type(grid).__name__}.")
        self.grid = grid
        rater_bias = check_in_range(rater_bias, "rater_bias")
        grid.index(rater_bias, n_comparisons)  # clear error when off the grid
        c = grid.candidates
        self.groups = c.groups
        biases = grid.biases
        steps = np.diff(biases)
        regular = len(biases) > 1 and np.allclose(steps, steps[0]) and steps[0] > 0
        style = {"description_width": "initial"}
        layout = W.Layout(width="360px")
        if regular:
            bias_ctl = W.FloatSlider(value=rater_bias, min=float(biases[0]),
                                     max=float(biases[-1]), step=float(steps[0]),
                                     description="rater bias (logits)", style=style,
                                     layout=layout, readout_format=".2f")
        else:
            bias_ctl = W.SelectionSlider(options=[float(b) for b in biases],
                                         value=float(biases[np.argmin(np.abs(biases -
                                                                             rater_bias))]),
                                         description="rater bias (logits)", style=style,
                                         layout=layout)
        controls = {
            "rater_bias": bias_ctl,
            "n_comparisons": W.SelectionSlider(
                options=[int(n) for n in grid.n_comparisons], value=int(n_comparisons),
                description="comparisons", style=style, layout=layout),
            "corrected": W.Checkbox(value=bool(corrected),
                                    description=f"correct with {grid.n_audit} unbiased "
                                                "audit comparisons", style=style,
                                    layout=W.Layout(width="360px")),
        }
        colors = group_colors(self.groups)
        fig, (self.ax_scatter, self.ax_gap) = new_figure(1, 2, figsize=(8.6, 3.6))
        ax = self.ax_scatter
        q = c.quality
        lo, hi = float(q.min()) - 0.3, float(q.max()) + 0.3
        ax.plot([lo, hi], [lo, hi], ":", color="grey", lw=1, label="learned = true")
        self.points = {g: ax.scatter(q[c.codes == i], q[c.codes == i], s=10, alpha=0.7,
                                     color=colors[g], label=f"group {g}")
                       for i, g in enumerate(self.groups)}
        all_rewards = self._aligned(np.concatenate(
            [grid.coef.reshape(-1, grid.coef.shape[-1]) @ c.features.T,
             grid.coef.reshape(-1, grid.coef.shape[-1]) @ c.features.T
             + grid.audit_offset.reshape(-1, 1) * c.codes]), q)
        ax.set(xlim=(lo, hi), ylim=(min(lo, float(all_rewards.min())) - 0.2,
                                    max(hi, float(all_rewards.max())) + 0.2),
               xlabel="true quality", ylabel="learned reward (aligned)",
               title="Each candidate: learned vs true")
        ax.legend(loc="upper left", fontsize=8)
        bx = self.ax_gap
        ns = grid.n_comparisons
        bx.axhline(0, color="black", lw=1, label="truth (twins are equal)")
        (self.bias_line,) = bx.plot([], [], ":", color="grey", lw=1, label="− rater bias")
        (self.gap_line,) = bx.plot([], [], "o-", ms=4, color=colors[self.groups[1]],
                                   label="learned gap")
        (self.band_hi,) = bx.plot([], [], "--", lw=0.8, color=colors[self.groups[1]])
        (self.band_lo,) = bx.plot([], [], "--", lw=0.8, color=colors[self.groups[1]],
                                  label="± 2 s.e.")
        (self.fixed_line,) = bx.plot([], [], "s-", ms=3, color="#009E73",
                                     label="after audit correction")
        (self.current,) = bx.plot([], [], "o", ms=11, mfc="none", mew=2, color="black")
        g_all = grid.gap()
        low = float(np.min(g_all - 2 * grid.stderr[..., -1]))
        high = float(np.max(g_all + 2 * grid.stderr[..., -1]))
        bx.set_xscale("log")
        # keep the view on the interesting range; tiny panels at large bias may overflow
        low = max(min(low, -float(biases.max())), -float(biases.max()) - 1.5)
        bx.set(xlim=(ns[0] / 1.4, ns[-1] * 1.4), ylim=(low - 0.1, max(high, 0.3) + 0.1),
               xlabel="number of comparisons", ylabel=f"reward gap {self.groups[1]} − "
                                                        f"{self.groups[0]}",
               title="Gap at equal skills")
        bx.legend(loc="lower right", fontsize=7, ncols=2)
        fig.tight_layout()
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._setup(controls, fig=fig, panels=[self.readout, self.table],
                    title="Feedback explorer: biased raters and a learned reward")

    @staticmethod
    def _aligned(rewards: np.ndarray, quality: np.ndarray) -> np.ndarray:
        return rewards - (rewards - quality).mean(axis=-1, keepdims=True)

    def compute(self, *, rater_bias: float, n_comparisons: int,
                corrected: bool) -> FeedbackState:
        """Pure: a lookup in the grid plus a little arithmetic."""
        grid = self.grid
        b, k = grid.index(float(rater_bias), int(n_comparisons))
        c = grid.candidates
        reward = self._aligned(grid.reward(grid.biases[b], grid.n_comparisons[k],
                                           corrected=corrected), c.quality)
        raw, se = grid.gap()[b], grid.stderr[b, :, -1]
        fixed = grid.gap(corrected=True)[b]
        rep = grid.report(corrected=bool(corrected)).iloc[b * len(grid.n_comparisons) + k]
        report = rep.unstack(0)[["mean_error", "selected_learned", "selected_true"]]
        gap = float(fixed[k] if corrected else raw[k])
        gap_se = float(grid.audit_stderr[b, k] if corrected else se[k])
        return FeedbackState(rater_bias=float(grid.biases[b]),
                             n_comparisons=int(grid.n_comparisons[k]),
                             corrected=bool(corrected), quality=c.quality, reward=reward,
                             codes=c.codes, gap=gap, gap_se=gap_se, n_grid=grid.n_comparisons,
                             gap_curve=raw, se_curve=se, corrected_curve=fixed,
                             report=report)

    def render(self, state: FeedbackState) -> None:
        for i, g in enumerate(self.groups):
            mask = state.codes == i
            self.points[g].set_offsets(np.column_stack([state.quality[mask],
                                                        state.reward[mask]]))
        ns = state.n_grid
        self.bias_line.set_data([ns[0] / 1.4, ns[-1] * 1.4], [-state.rater_bias] * 2)
        self.gap_line.set_data(ns, state.gap_curve)
        self.band_hi.set_data(ns, state.gap_curve + 2 * state.se_curve)
        self.band_lo.set_data(ns, state.gap_curve - 2 * state.se_curve)
        self.fixed_line.set_data(ns, state.corrected_curve)
        self.fixed_line.set_visible(state.corrected)
        self.current.set_data([state.n_comparisons], [state.gap])
        a, b = self.groups
        rep = state.report
        top = f"top {self.grid.top:.0%}"
        frame = pd.DataFrame({
            "mean error (learned − true)": rep["mean_error"],
            f"share selected, {top} by learned reward": rep["selected_learned"],
            f"share selected, {top} by true quality": rep["selected_true"],
        }).rename_axis("group")
        self.table.value = frame.to_html(classes="fairlab-table", border=0,
                                         float_format=lambda v: f"{v:.3f}")
        what = "audit-corrected gap" if state.corrected else "learned gap"
        self.readout.value = html.escape(
            f"rater bias {state.rater_bias:.2f} · {state.n_comparisons:,} comparisons · "
            f"{what} {b} − {a} {state.gap:+.3f} ± {2 * state.gap_se:.3f} (truth 0) · "
            f"{top} selects {a} {rep['selected_learned'].iloc[0]:.3f} / "
            f"{b} {rep['selected_learned'].iloc[1]:.3f} "
            f"(true quality: {rep['selected_true'].iloc[0]:.3f} / "
            f"{rep['selected_true'].iloc[1]:.3f})")
        self.fig.canvas.draw_idle()
