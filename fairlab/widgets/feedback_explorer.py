"""FeedbackExplorer: how biased raters shape a reward model learned from preferences.

Lesson: 09-reward-hacking-and-human-feedback
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fairlab._validation import check_in_range
from fairlab.feedback import FeedbackGrid, feedback_grid, make_candidates
from fairlab.plotting import group_colors
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView, Frame, frames_spec

__all__ = ["FeedbackExplorer", "FeedbackState", "GoodhartExplorer", "GoodhartState"]


def _num(x: float) -> float | None:
    """JSON has no NaN: an undefined number travels as ``None`` (the page skips it)."""
    return float(x) if np.isfinite(x) else None


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
        rater_bias = self._validate(grid, rater_bias, n_comparisons)
        self.groups = self.grid.candidates.groups
        controls = self._build_controls(rater_bias, n_comparisons, corrected)
        fig = self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=fig, panels=panels,
                    title="Feedback explorer: biased raters and a learned reward")

    # ------------------------------------------------------------------ set-up steps
    def _validate(self, grid: FeedbackGrid | None, rater_bias: float,
                  n_comparisons: int) -> float:
        """Check the grid (default: the lesson's) and that the start is on it; keep the grid."""
        if grid is None:
            grid = feedback_grid(make_candidates())
        if not isinstance(grid, FeedbackGrid):
            raise TypeError(f"grid must come from feedback_grid(); got {type(grid).__name__}.")
        self.grid = grid
        rater_bias = check_in_range(rater_bias, "rater_bias")
        grid.index(rater_bias, n_comparisons)  # clear error when off the grid
        return rater_bias

    def _build_controls(self, rater_bias: float, n_comparisons: int,
                        corrected: bool) -> dict[str, W.ValueWidget]:
        """Rater bias (a slider if the grid is even, else its stops), comparisons, audit toggle."""
        grid = self.grid
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
        return {
            "rater_bias": bias_ctl,
            "n_comparisons": W.SelectionSlider(
                options=[int(n) for n in grid.n_comparisons], value=int(n_comparisons),
                description="comparisons", style=style, layout=layout),
            "corrected": W.Checkbox(value=bool(corrected),
                                    description=f"correct with {grid.n_audit} unbiased "
                                                "audit comparisons", style=style,
                                    layout=W.Layout(width="360px")),
        }

    def _build_figure(self) -> Figure:
        """Learned vs true reward per candidate (left), the group gap by comparisons (right)."""
        colors = group_colors(self.groups)
        fig, (self.ax_scatter, self.ax_gap) = new_figure(1, 2, figsize=(8.6, 3.6))
        self._draw_scatter(colors)
        self._draw_gap(colors)
        fig.tight_layout()
        return fig

    def _draw_scatter(self, colors: dict) -> None:
        """One point per candidate; the y-range holds every learned reward on the grid."""
        grid, c, ax = self.grid, self.grid.candidates, self.ax_scatter
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

    def _draw_gap(self, colors: dict) -> None:
        """Empty lines for the learned gap, its band and the corrected gap; fixed axes."""
        grid, bx = self.grid, self.ax_gap
        biases = grid.biases
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

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

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
        self.table.value = self._table_html(state)
        self.readout.value = html.escape(self.readout_text(state))
        self.fig.canvas.draw_idle()

    def _table_html(self, state: FeedbackState) -> str:
        rep = state.report
        top = f"top {self.grid.top:.0%}"
        frame = pd.DataFrame({
            "mean error (learned − true)": rep["mean_error"],
            f"share selected, {top} by learned reward": rep["selected_learned"],
            f"share selected, {top} by true quality": rep["selected_true"],
        }).rename_axis("group")
        return frame.to_html(classes="fairlab-table", border=0,
                             float_format=lambda v: f"{v:.3f}")

    def readout_text(self, state: FeedbackState) -> str:
        """The readout's text for ``state`` (the panel shows it HTML-escaped)."""
        a, b = self.groups
        rep = state.report
        top = f"top {self.grid.top:.0%}"
        what = "audit-corrected gap" if state.corrected else "learned gap"
        return (f"rater bias {state.rater_bias:.2f} · {state.n_comparisons:,} comparisons · "
                f"{what} {b} − {a} {state.gap:+.3f} ± {2 * state.gap_se:.3f} (truth 0) · "
                f"{top} selects {a} {rep['selected_learned'].iloc[0]:.3f} / "
                f"{b} {rep['selected_learned'].iloc[1]:.3f} "
                f"(true quality: {rep['selected_true'].iloc[0]:.3f} / "
                f"{rep['selected_true'].iloc[1]:.3f})")

    # --------------------------------------------------------------- browser view
    def _page_values(self, values):
        """The page's stops are the grid's biases: a slider value snaps to the nearest."""
        b = self.grid.biases
        return {**values, "rater_bias": float(b[np.abs(b - values["rater_bias"]).argmin()])}

    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one frame per grid cell (kind
        ``"feedback"``: frames plus a scatter layer whose x travels once).

        Each (bias, comparisons, correction) frame holds the readout, the table, the
        learned rewards of the candidates (the scatter's y, rounded to 1e-3: x is each
        candidate's true quality, sent once) and the gap panel's curves; a control
        move in the page picks a frame and a release writes the values back.
        """
        if getattr(self, "_view", None) is None:
            grid, c = self.grid, self.grid.candidates
            colors = group_colors(self.groups)
            ns = [int(n) for n in grid.n_comparisons]
            lx = [float(np.log10(n)) for n in ns]
            a, b = self.groups
            xlo, xhi = self.ax_scatter.get_xlim()
            ylo, yhi = self.ax_scatter.get_ylim()
            glo, ghi = self.ax_gap.get_ylim()
            gx = [lx[0] - 0.15, lx[-1] + 0.15]
            scatter = [{"id": f"pts{i}", "type": "feedback-scatter", "color": colors[g],
                        "label": f"group {g}", "x": [round(float(v), 4) for v in
                                                     c.quality[c.codes == i]]}
                       for i, g in enumerate(self.groups)]
            panels = [
                {"title": "Each candidate: learned vs true", "xlabel": "true quality",
                 "ylabel": "learned reward (aligned)", "xlim": [xlo, xhi], "ylim": [ylo, yhi],
                 "width": 360, "height": 300, "legend": "upper left", "legendWidth": 90,
                 "layers": [{"id": "diag", "type": "line", "color": "#808080", "dash": "2 3",
                             "width": 1, "data": [[xlo, xlo], [xhi, xhi]]}, *scatter],
                 "alt": "each candidate's learned reward against its true quality, by "
                        "group; the dotted diagonal is learned = true"},
                {"title": "Gap at equal skills", "xlabel": "number of comparisons",
                 "ylabel": f"reward gap {b} − {a}", "xlim": gx, "ylim": [glo, ghi],
                 "xticks": [[x, f"{n:,}"] for x, n in zip(lx, ns, strict=True)],
                 "width": 420, "height": 300, "legend": "lower right", "legendWidth": 150,
                 "layers": [
                     {"id": "zero", "type": "line", "color": "#000000", "width": 1,
                      "label": "truth (twins are equal)", "data": [[gx[0], 0.0], [gx[1], 0.0]]},
                     {"id": "bias", "type": "line", "color": "#808080", "dash": "2 3",
                      "width": 1, "label": "− rater bias"},
                     {"id": "gap", "type": "line", "color": colors[b], "label": "learned gap"},
                     {"id": "gapdots", "type": "points", "color": colors[b], "size": 3},
                     {"id": "hi", "type": "line", "color": colors[b], "dash": "5 3",
                      "width": 0.8, "label": "± 2 s.e."},
                     {"id": "lo", "type": "line", "color": colors[b], "dash": "5 3",
                      "width": 0.8},
                     {"id": "fixed", "type": "line", "color": "#009E73",
                      "label": "after audit correction"},
                     {"id": "current", "type": "points", "color": "#000000", "size": 6}],
                 "alt": "the learned reward gap between the groups at equal skills against "
                        "the number of comparisons, with ± 2 standard errors; the current "
                        "setting circled"},
            ]

            def frame_at(rater_bias: float, n_comparisons: int, corrected: bool) -> Frame:
                st = self.compute(rater_bias=rater_bias, n_comparisons=n_comparisons,
                                  corrected=corrected)
                pts = {f"pts{i}": [round(float(v), 3) for v in st.reward[st.codes == i]]
                       for i in range(len(self.groups))}
                line = lambda ys: [[x, _num(y)] for x, y in zip(lx, ys, strict=True)]  # noqa: E731
                k = ns.index(st.n_comparisons)
                gap = {"bias": [[gx[0], -st.rater_bias], [gx[1], -st.rater_bias]],
                       "gap": line(st.gap_curve), "gapdots": line(st.gap_curve),
                       "hi": line(st.gap_curve + 2 * st.se_curve),
                       "lo": line(st.gap_curve - 2 * st.se_curve),
                       "fixed": line(st.corrected_curve) if st.corrected else [],
                       "current": [[lx[k], _num(st.gap)]]}
                return Frame(readout=self.readout_text(st), table=self._table_html(st),
                             layers=[pts, gap])

            controls = [
                {"name": "rater_bias", "label": "rater bias (logits)",
                 "values": [float(v) for v in grid.biases],
                 "labels": [f"{v:.2f}" for v in grid.biases]},
                {"name": "n_comparisons", "label": "comparisons", "values": ns,
                 "labels": [f"{n:,}" for n in ns]},
                {"name": "corrected", "label": "audit correction", "widget": "select",
                 "values": [False, True],
                 "labels": ["off", f"on: {grid.n_audit} unbiased audit comparisons"]},
            ]
            values = self._page_values(self.values())
            for ctl in controls:
                ctl["index"] = ctl["values"].index(values[ctl["name"]])
            spec = frames_spec(controls, frame_at, panels=panels, title=self.title)
            self._view = BrowserView(kind="feedback", spec=spec, values=values)
            self._view.observe(self._from_view, names="values")
        return self._view


@dataclass(frozen=True)
class GoodhartState:
    """One optimisation step of one agent: its metrics and where its impressions go."""

    agent: str
    step: int
    metrics: pd.Series  # a row of the agent's history_
    shares: np.ndarray  # impressions by (post kind, creator group), in GoodhartExplorer.cells
    steps: np.ndarray
    proxy: np.ndarray
    true: np.ndarray


class GoodhartExplorer(Explorer):
    """Scrub through an agent's training and watch the feed drift into the loophole.

    Left: the proxy (click rate) and the true objective (satisfaction) across
    steps, with a cursor at the chosen step. Right: the share of impressions
    going to each kind of post (ordinary or clickbait) from each creator group
    under the policy at that step. Policies for every step are computed once,
    in ``__init__``, from the agents' recorded weights.

    Parameters
    ----------
    feed : Feed
    agents : mapping of name → fitted PolicyGradientAgent
    step : int, optional
        Starting step (default: the first agent's best step for the true objective).

    Examples
    --------
    >>> from fairlab.feedback import PolicyGradientAgent, make_feed
    >>> feed = make_feed(100)
    >>> ex = GoodhartExplorer(feed, {"clicks": PolicyGradientAgent(n_steps=5).fit(feed)})
    >>> ex.controls["step"].value = 0
    >>> round(float(ex.state.shares.sum()), 6)  # step 0: the uniform feed
    1.0
    >>> bool(np.isclose(ex.state.metrics["proxy_reward"], feed.click_prob.mean()))
    True

    Lesson: 09-reward-hacking-and-human-feedback
    """

    def __init__(self, feed, agents, *, step: int | None = None):
        last = self._validate(feed, agents)
        step = self._start_step(step, last)
        self._precompute()
        controls = self._build_controls(step, last)
        fig = self._build_figure(step, last)
        panels = self._build_panels()
        self._setup(controls, fig=fig, panels=panels,
                    title="Goodhart explorer: an agent optimising clicks")

    # ------------------------------------------------------------------ set-up steps
    def _validate(self, feed, agents) -> int:
        """Check the feed and the fitted agents; keep their histories; return the last step."""
        from fairlab.feedback import Feed, PolicyGradientAgent

        if not isinstance(feed, Feed):
            raise TypeError(f"feed must be a Feed from make_feed(); got {type(feed).__name__}.")
        if not isinstance(agents, dict) or not agents:
            raise TypeError("agents must be a non-empty dict of name → fitted "
                            "PolicyGradientAgent, e.g. {'clicks': agent}.")
        for name, agent in agents.items():
            if not isinstance(agent, PolicyGradientAgent) or not hasattr(agent, "history_"):
                raise TypeError(f"agents[{name!r}] must be a PolicyGradientAgent fitted on "
                                "the feed; call .fit(feed) first.")
        self.feed = feed
        self.histories = {str(k): a.history_ for k, a in agents.items()}
        n_steps = {len(h) for h in self.histories.values()}
        if len(n_steps) != 1:
            raise ValueError(f"agents were trained for different numbers of steps "
                             f"{sorted(n - 1 for n in n_steps)}; train them for the same "
                             "n_steps.")
        return n_steps.pop() - 1

    def _start_step(self, step: int | None, last: int) -> int:
        """The given step, checked; by default the first agent's best true objective."""
        first = next(iter(self.histories.values()))
        if step is None:
            step = int(first["true_objective"].to_numpy().argmax())
        return int(check_in_range(step, "step", low=0, high=last))

    def _precompute(self) -> None:
        """Impressions by cell: (ordinary, clickbait) × creator groups, every step at once."""
        feed = self.feed
        groups = list(feed.groups)
        gcode = np.searchsorted(np.asarray(groups, dtype=object), feed.group)
        cell = feed.clickbait.astype(int) * len(groups) + gcode
        self.cells = [f"{kind}, {g}" for kind in ("ordinary", "clickbait") for g in groups]
        onehot = np.zeros((feed.n_items, len(self.cells)))
        onehot[np.arange(feed.n_items), cell] = 1.0
        self._shares = {}
        X = feed.features
        for name, h in self.histories.items():
            z = X @ h[["theta_quality", "theta_clickbait"]].to_numpy(float).T  # items × steps
            p = np.exp(z - z.max(axis=0))
            p /= p.sum(axis=0)
            self._shares[name] = p.T @ onehot  # steps × cells

    def _build_controls(self, step: int, last: int) -> dict[str, W.ValueWidget]:
        """Which agent, and the optimisation step."""
        style = {"description_width": "initial"}
        return {
            "agent": W.ToggleButtons(options=list(self.histories), value=next(iter(
                self.histories)), description="agent trained on", style=style),
            "step": W.IntSlider(value=step, min=0, max=last, description="optimisation step",
                                style=style, layout=W.Layout(width="420px")),
        }

    def _build_figure(self, step: int, last: int) -> Figure:
        """Proxy and true objective by step (left), impressions by cell (right)."""
        fig, (self.ax_curve, self.ax_bar) = new_figure(1, 2, figsize=(8.6, 3.4),
                                                       gridspec_kw={"width_ratios": [1.4, 1]})
        self._draw_curves(step, last)
        self._draw_bars()
        fig.tight_layout()
        return fig

    def _draw_curves(self, step: int, last: int) -> None:
        """Empty curves on two y-axes, ranged over every agent's history; the step cursor."""
        ax = self.ax_curve
        self.twin = ax.twinx()
        self.twin.grid(False)
        steps = np.arange(last + 1)
        (self.proxy_line,) = ax.plot(steps, np.zeros(last + 1), color="#E69F00",
                                     label="click rate (proxy)")
        (self.true_line,) = self.twin.plot(steps, np.zeros(last + 1), color="#0072B2",
                                           label="satisfaction (true)")
        self.cursor = ax.axvline(step, color="black", lw=1)
        (self.proxy_mark,) = ax.plot([], [], "o", color="#E69F00")
        (self.true_mark,) = self.twin.plot([], [], "o", color="#0072B2")
        all_h = pd.concat(self.histories.values())
        pad = 0.05
        ax.set(xlim=(0, last), ylim=(all_h["proxy_reward"].min() - pad,
                                     all_h["proxy_reward"].max() + pad),
               xlabel="optimisation step", title="Proxy vs true objective")
        ax.set_ylabel("click rate", color="#E69F00")
        self.twin.set_ylim(all_h["true_objective"].min() - 0.2,
                           all_h["true_objective"].max() + 0.2)
        self.twin.set_ylabel("satisfaction", color="#0072B2")
        self.twin.spines["right"].set_visible(True)

    def _draw_bars(self) -> None:
        """One bar per cell in its group's colour, clickbait hatched."""
        groups = list(self.feed.groups)
        colors = group_colors(groups)
        bar_colors = [colors[g] for g in groups] * 2
        self.bars = self.ax_bar.bar(np.arange(len(self.cells)), np.zeros(len(self.cells)),
                                    color=bar_colors)
        for rect in list(self.bars)[len(groups):]:
            rect.set_hatch("//")
        self.ax_bar.set_xticks(np.arange(len(self.cells)),
                               [c.replace(", ", "\n") for c in self.cells], fontsize=8)
        self.ax_bar.set(ylim=(0, 1), ylabel="share of impressions",
                        title="Where the feed's impressions go")

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    def compute(self, *, agent: str, step: int) -> GoodhartState:
        """Pure: a lookup of the precomputed policy at this step."""
        h = self.histories[agent]
        step = int(step)
        return GoodhartState(agent=agent, step=step, metrics=h.iloc[step],
                             shares=self._shares[agent][step], steps=np.arange(len(h)),
                             proxy=h["proxy_reward"].to_numpy(float),
                             true=h["true_objective"].to_numpy(float))

    def render(self, state: GoodhartState) -> None:
        m = state.metrics
        self.proxy_line.set_ydata(state.proxy)
        self.true_line.set_ydata(state.true)
        self.cursor.set_xdata([state.step, state.step])
        self.proxy_mark.set_data([state.step], [m["proxy_reward"]])
        self.true_mark.set_data([state.step], [m["true_objective"]])
        for rect, h in zip(self.bars, state.shares, strict=True):
            rect.set_height(h)
        self.table.value = self._table_html(state)
        self.readout.value = html.escape(self.readout_text(state))
        self.fig.canvas.draw_idle()

    def _table_html(self, state: GoodhartState) -> str:
        frame = pd.DataFrame({"share of impressions": state.shares}, index=self.cells)
        return frame.to_html(classes="fairlab-table", border=0,
                             float_format=lambda v: f"{v:.3f}")

    @staticmethod
    def readout_text(state: GoodhartState) -> str:
        """The readout's text for ``state`` (the panel shows it HTML-escaped)."""
        m = state.metrics
        return (f"{state.agent} · step {state.step} · click rate {m['proxy_reward']:.3f} · "
                f"satisfaction {m['true_objective']:+.3f} · clickbait share "
                f"{m['clickbait_share']:.3f}")

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): one frame per (agent, step).

        Every agent's proxy and true curves are drawn once (the chosen agent solid,
        the others dashed would need a frame per curve, so all are drawn and labelled);
        a frame holds the readout, the table, the cursor, the chosen agent's marks and
        the impression shares. The proxy and the true objective get a panel each (the
        figure's twin axes).
        """
        if getattr(self, "_view", None) is None:
            agents = list(self.histories)
            last = len(next(iter(self.histories.values()))) - 1
            dashes = ["", "5 3", "2 2", "8 3 2 3"]
            all_h = pd.concat(self.histories.values())

            def curves(col: str, color: str, legend: bool) -> list[dict]:
                # one legend (the first panel's) explains the dashes of both panels
                return [{"id": f"{col}{j}", "type": "line", "color": color,
                         "dash": dashes[j % len(dashes)],
                         **({"label": f"trained on {name}"} if legend else {}),
                         "data": [[float(t), _num(y)] for t, y in
                                  enumerate(self.histories[name][col].to_numpy(float))]}
                        for j, name in enumerate(agents)]

            def curve_panel(col: str, color: str, title: str, ylabel: str, pad: float,
                            legend: bool = True) -> dict:
                return {"title": title, "xlabel": "optimisation step", "ylabel": ylabel,
                        "xlim": [0, last], "ylim": [float(all_h[col].min()) - pad,
                                                    float(all_h[col].max()) + pad],
                        "width": 275, "height": 260, "legend": "lower right",
                        "legendWidth": 150,
                        "layers": [*curves(col, color, legend),
                                   {"id": "cursor", "type": "vline", "color": "#000000",
                                    "dash": "none"},
                                   {"id": "mark", "type": "points", "color": color, "size": 5}],
                        "alt": f"{ylabel} of every agent across optimisation steps; the "
                               "chosen agent's current step marked"}

            colors = group_colors(list(self.feed.groups))
            n_groups = len(colors)
            bars = [{"id": f"bar{k}", "type": "bars", "opacity": 1 if k < n_groups else 0.55,
                     "color": list(colors.values())[k % n_groups]}
                    for k in range(len(self.cells))]
            panels = [
                curve_panel("proxy_reward", "#E69F00", "Proxy: click rate", "click rate", 0.05),
                curve_panel("true_objective", "#0072B2", "True objective: satisfaction",
                            "satisfaction", 0.2, legend=False),
                {"title": "Where the feed's impressions go", "ylabel": "share of impressions",
                 "xlim": [-0.6, len(self.cells) - 0.4], "ylim": [0, 1], "width": 260,
                 "height": 260,
                 "xticks": [[k, c.replace("ordinary", "ord.").replace("clickbait", "bait")]
                            for k, c in enumerate(self.cells)],
                 "layers": bars,
                 "alt": "the share of impressions going to ordinary and clickbait posts of "
                        "each creator group at the chosen step (clickbait bars paler)"},
            ]

            def frame_at(agent: str, step: int) -> Frame:
                st = self.compute(agent=agent, step=step)
                m = st.metrics
                return Frame(readout=self.readout_text(st), table=self._table_html(st), layers=[
                    {"cursor": st.step, "mark": [[st.step, _num(m["proxy_reward"])]]},
                    {"cursor": st.step, "mark": [[st.step, _num(m["true_objective"])]]},
                    {f"bar{k}": [[k - 0.4, k + 0.4, float(v)]]
                     for k, v in enumerate(st.shares)}])

            values = self.values()
            controls = [
                {"name": "agent", "label": "agent trained on", "widget": "select",
                 "values": agents, "labels": agents, "index": agents.index(values["agent"])},
                {"name": "step", "label": "optimisation step", "values": list(range(last + 1)),
                 "labels": [str(t) for t in range(last + 1)], "index": int(values["step"])},
            ]
            spec = frames_spec(controls, frame_at, panels=panels, title=self.title)
            self._view = BrowserView(kind="frames", spec=spec, values=values)
            self._view.observe(self._from_view, names="values")
        return self._view
