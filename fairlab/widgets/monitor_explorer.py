"""MonitorExplorer: scrub through a monitored stream, and change the window and the limit.

Lesson: 08-monitoring-after-deployment
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab.metrics import GAPS
from fairlab.monitoring import MONITOR_METRICS, FairnessMonitor, MonitorReport
from fairlab.plotting import group_colors, metrics_table_html
from fairlab.plotting.monitoring import (
    ALERT_COLOR,
    REVIEW_COLOR,
    build_dashboard,
    update_dashboard,
)
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView

__all__ = ["MonitorExplorer", "MonitorState"]

_SHORT = {g.metric: g.label for g in GAPS.values()}


@dataclass(frozen=True)
class MonitorState:
    """One position of the controls: the report, the day and that day's numbers.

    ``groups`` has one row per group at ``day``: ``n`` (rows behind the rate),
    the rate, its band and the complaints in the window.
    """

    day: int
    report: MonitorReport
    groups: pd.DataFrame
    gap: float
    status: str
    last_raised: int | None
    readout: str


class MonitorExplorer(Explorer):
    """A live monitoring dashboard: a day slider, the window size and the alert limit.

    The monitor has counted every day once (cumulative sums and bootstrap
    replicates, :class:`fairlab.monitoring.FairnessMonitor`), so moving the
    day slider only moves the marker and reads one row; a new window, limit or
    metric is a subtraction of cumulative sums and a quantile (cached per
    window and metric). The figure is built once.

    Parameters
    ----------
    monitor : FairnessMonitor
        Already fitted (``fit_stream``); feedback logged on it is shown.
    windows : sequence of int, default=(3, 7, 14, 28, 56)
        Choices of the window control (the monitor's own window is added).
    metrics : sequence of str, default=None
        Choices of the metric control (default: the monitor's metric and
        ``"equal_opportunity_difference"``).

    Examples
    --------
    >>> df = pd.DataFrame({"day": [0, 0, 1, 1, 2, 2], "group": list("ABABAB"),
    ...                    "y_true": [1] * 6, "y_pred": [1, 0, 1, 0, 1, 1]})
    >>> mon = FairnessMonitor(window=1, limit=0.5, consecutive=1, n_boot=0,
    ...                       min_group_size=1).fit_stream(df)
    >>> ex = MonitorExplorer(mon, windows=[1, 2])
    >>> ex.controls["day"].value = 1
    >>> ex.state.status, ex.state.gap
    ('ALERT', 1.0)

    Lesson: 08-monitoring-after-deployment
    """

    def __init__(self, monitor: FairnessMonitor, *, windows=(3, 7, 14, 28, 56),
                 metrics=None):
        report, windows, metrics = self._validate(monitor, windows, metrics)
        self.monitor = monitor
        controls = self._controls(report, windows, metrics)
        fig = self._figure(report)
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        self._setup(controls, fig=fig, panels=[self.play, self.readout, self.table],
                    title="Fairness monitor: scrub through time, change the window and limit")

    @staticmethod
    def _validate(monitor, windows, metrics) -> tuple[MonitorReport, list[int], list[str]]:
        if not isinstance(monitor, FairnessMonitor):
            raise TypeError(f"monitor must be a FairnessMonitor; got {type(monitor).__name__}. "
                            "Build one and call fit_stream(df) first.")
        report = monitor.evaluate()  # raises if unfitted
        n_days = len(report.days)
        windows = sorted({int(w) for w in (*windows, monitor.window) if 1 <= int(w) <= n_days})
        metrics = list(dict.fromkeys(metrics or (monitor.metric,
                                                 "equal_opportunity_difference")))
        unknown = [m for m in metrics if m not in MONITOR_METRICS]
        if unknown:
            raise ValueError(f"metrics {unknown} are not monitored metrics; choose from "
                             f"{list(MONITOR_METRICS)}.")
        return report, windows, metrics

    def _controls(self, report: MonitorReport, windows: list[int],
                  metrics: list[str]) -> dict[str, W.ValueWidget]:
        monitor = self.monitor
        style = {"description_width": "initial"}
        wide = W.Layout(width="420px")
        controls = {
            "day": W.IntSlider(value=int(report.days[-1]), min=int(report.days[0]),
                               max=int(report.days[-1]), description="day",
                               continuous_update=True, style=style, layout=wide),
            "window": W.SelectionSlider(options=windows, value=monitor.window,
                                        description="window (days)", style=style),
            "limit": W.FloatSlider(value=float(monitor.limit), min=0.0, max=0.5, step=0.01,
                                   description="alert limit", readout_format=".2f",
                                   style=style),
            "metric": W.Dropdown(options=[(_SHORT[m], m) for m in metrics],
                                 value=metrics[0] if monitor.metric not in metrics
                                 else monitor.metric, description="metric", style=style),
        }
        self.play = W.Play(value=controls["day"].value, min=controls["day"].min,
                           max=controls["day"].max, step=1, interval=80,
                           description="play")
        W.jslink((self.play, "value"), (controls["day"], "value"))
        return controls

    def _figure(self, report: MonitorReport):
        fig, axes = new_figure(2, 1, figsize=(8.2, 5.0), sharex=True)
        fig.subplots_adjust(left=0.12, right=0.98, top=0.94, bottom=0.1, hspace=0.12)
        self.axes = axes
        self.artists = build_dashboard(axes, report)
        return fig

    # -------------------------------------------------------------- the road
    def compute(self, *, day: int, window: int, limit: float, metric: str) -> MonitorState:
        """The report for these settings and the numbers of one day."""
        report = self.monitor.evaluate(window=int(window), limit=float(limit), metric=metric)
        i = report.at(day)
        groups = pd.DataFrame({
            "n": report.n[i],
            report.rate: report.rates[i],
            "low": report.rate_low[i],
            "high": report.rate_high[i],
            "complaints": report.complaints[i].astype(int),
        }, index=pd.Index(report.groups, name="group"))
        earlier = report.raised[report.raised <= day]
        last = int(earlier[-1]) if len(earlier) else None
        gap, status = float(report.gap[i]), str(report.status[i])
        parts = [f"day {int(day)}", f"window {report.window} d",
                 f"{_SHORT[report.metric]} {gap:.3f}"]
        if not np.isnan(report.low[i]):
            parts[-1] += f" [{report.low[i]:.3f}, {report.high[i]:.3f}]"
        parts += [f"limit {report.limit:.2f}", status]
        if last is not None:
            parts.append(f"last alert raised day {last}")
        parts.append(f"alerts so far {len(earlier)}")
        parts.append(f"complaints in window {int(report.complaints[i].sum())}"
                     + (" · REVIEW" if report.review[i] else ""))
        return MonitorState(day=int(day), report=report, groups=groups, gap=gap, status=status,
                            last_raised=last, readout=" · ".join(parts))

    def render(self, state: MonitorState) -> None:
        update_dashboard(self.artists, state.report, state.day)
        fb = self.monitor.feedback_
        recent = fb[(fb["day"] <= state.day) & (fb["day"] > state.day - state.report.window)]
        notes = ""
        if len(recent):
            rows = recent.tail(3)
            notes = "<b>Latest feedback in the window</b><ul>" + "".join(
                f"<li>day {int(r.day)} · group {html.escape(str(r.group))} · "
                f"{html.escape(str(r.kind))}: {html.escape(str(r.text))}</li>"
                for r in rows.itertuples()) + "</ul>"
        self.table.value = (f"<b>Day {state.day}: each group over the last "
                            f"{state.report.window} days</b>"
                            + metrics_table_html(state.groups) + notes)
        self.readout.value = html.escape(state.readout)
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): kind ``"monitor"`` (``js/kinds``).

        Python sends, once, every per-day array the dashboard needs for each
        (metric, window) choice: gap, bands, rates, row counts, complaints and review
        flags (see :meth:`browser_spec`). The page applies the day and the limit
        itself: a day move reads one row, a limit move is a comparison and a run
        length over the days, exactly as :meth:`FairnessMonitor.evaluate` does.
        """
        if getattr(self, "_view", None) is None:
            self._view = BrowserView(kind="monitor", spec=self.browser_spec(),
                                     values=self.values())
            self._view.observe(self._from_view, names="values")
        return self._view

    def browser_spec(self) -> dict:
        """What the page needs for every setting of the controls (JSON-serialisable)."""
        mon, c = self.monitor, self.controls
        metrics = [value for _, value in c["metric"].options]
        windows = [int(w) for w in c["window"].options]
        series = {}
        for m in metrics:
            for w in windows:
                series[f"{m}|{w}"] = _series(mon.evaluate(metric=m, window=w))
        report = mon.evaluate()
        fb = mon.feedback_
        texts = list(dict.fromkeys(str(t) for t in fb["text"]))
        return {
            "title": self.title, "groups": [str(g) for g in report.groups],
            "colors": list(group_colors(report.groups).values()),
            "alert_color": ALERT_COLOR, "review_color": REVIEW_COLOR,
            "first_day": int(report.days[0]), "n_days": len(report.days),
            "consecutive": int(mon.consecutive),
            "signal": "gap" if mon.alert_on == "estimate" else "low",
            "windows": windows,
            "metrics": [{"name": m, "label": _SHORT[m], "title": _GAP_TITLE[m],
                         "rate": MONITOR_METRICS[m][0],
                         "rate_label": _RATE_LABEL.get(MONITOR_METRICS[m][0],
                                                       MONITOR_METRICS[m][0])}
                        for m in metrics],
            "limit": {"min": c["limit"].min, "max": c["limit"].max, "step": c["limit"].step},
            "new_complaints": [np.flatnonzero(col > 0).tolist()
                               for col in report.new_complaints.T],
            "series": series,
            "feedback": {"day": [int(d) for d in fb["day"]],
                         "group": [str(g) for g in fb["group"]],
                         "kind": [str(k) for k in fb["kind"]],
                         "text": [texts.index(str(t)) for t in fb["text"]], "texts": texts},
        }


_GAP_TITLE = {g.metric: g.title for g in GAPS.values()}
_RATE_LABEL = {"selection_rate": "selection rate", "tpr": "true-positive rate",
               "ppv": "precision", "accuracy": "accuracy"}


def _nums(a: np.ndarray) -> list:
    """Floats as JSON: NaN (undefined) travels as ``None``."""
    return [float(x) if np.isfinite(x) else None for x in np.asarray(a, float)]


def _series(report: MonitorReport) -> dict:
    """One (metric, window)'s per-day arrays; the limit is applied in the page.

    ``skip`` is 1 on warming-up days and 2 on days with too few rows (or an
    undefined gap): neither is judged, whatever the limit.
    """
    skip = np.select([report.status == "warming up", report.status == "too few rows"],
                     [1, 2], 0)
    return {"gap": _nums(report.gap), "low": _nums(report.low), "high": _nums(report.high),
            "rates": [_nums(col) for col in report.rates.T],
            "rate_low": [_nums(col) for col in report.rate_low.T],
            "rate_high": [_nums(col) for col in report.rate_high.T],
            "n": [[int(v) for v in col] for col in report.n.T],
            "complaints": [[int(v) for v in col] for col in report.complaints.T],
            "review": [int(v) for v in report.review], "skip": skip.tolist()}
