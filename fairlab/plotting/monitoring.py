"""Plots for lesson 08: the monitoring dashboard and the window-size trade-off.

The dashboard is built by :func:`build_dashboard` (artists created once) and
moved by :func:`update_dashboard` (``set_data`` only), so the static plot and
the live :class:`~fairlab.widgets.monitor_explorer.MonitorExplorer` draw the
same picture.

Lesson: 08-monitoring-after-deployment
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from fairlab.metrics import GAPS
from fairlab.plotting import group_colors, new_axes
from fairlab.plotting import subplots as fit_subplots

__all__ = ["build_dashboard", "update_dashboard", "plot_monitor", "plot_detection_tradeoff"]

_RATE_LABEL = {"selection_rate": "selection rate", "tpr": "true-positive rate",
               "ppv": "precision", "accuracy": "accuracy"}
_GAP_LABEL = {g.metric: g.title for g in GAPS.values()}
ALERT_COLOR = "#D55E00"
REVIEW_COLOR = "#CC79A7"


def build_dashboard(axes: Any, report: Any) -> dict:
    """Create the dashboard's artists on two axes (rates above, gap below).

    Parameters
    ----------
    axes : pair of Axes sharing x
    report : fairlab.monitoring.MonitorReport
        Fixes the groups and their colours; the data come from
        :func:`update_dashboard`.

    Returns
    -------
    dict of artists, for :func:`update_dashboard`.

    Lesson: 08-monitoring-after-deployment
    """
    ax_rate, ax_gap = axes
    colors = group_colors(report.groups)
    art: dict = {"axes": (ax_rate, ax_gap), "lines": [], "bands": [], "dots": [],
                 "complaints": [], "colors": colors}
    empty = np.zeros(0)
    for g in report.groups:
        c = colors[g]
        art["bands"].append(ax_rate.fill_between(empty, empty, empty, color=c, alpha=0.2,
                                                 lw=0))
        art["lines"].append(ax_rate.plot([], [], color=c, lw=1.6, label=f"group {g}")[0])
        art["dots"].append(ax_rate.plot([], [], "o", color=c, ms=6, mec="white")[0])
        art["complaints"].append(ax_rate.plot([], [], "|", color=c, ms=8, mew=1.5)[0])
    art["review"] = ax_rate.plot([], [], color=REVIEW_COLOR, lw=5, solid_capstyle="butt",
                                 label="review (complaints)")[0]
    art["gap_band"] = ax_gap.fill_between(empty, empty, empty, color="grey", alpha=0.25, lw=0,
                                          label="bootstrap band")
    art["gap"] = ax_gap.plot([], [], color="black", lw=1.6, label="gap")[0]
    art["limit"] = ax_gap.axhline(0, color=ALERT_COLOR, ls="--", lw=1.2, label="limit")
    art["alert"] = ax_gap.plot([], [], color=ALERT_COLOR, lw=5, solid_capstyle="butt",
                               label="ALERT")[0]
    art["raised"] = ax_gap.plot([], [], "v", color=ALERT_COLOR, ms=8, label="alert raised")[0]
    art["vlines"] = [ax.axvline(0, color="grey", lw=1, ls=":") for ax in (ax_rate, ax_gap)]
    art["gap_dot"] = ax_gap.plot([], [], "o", color="black", ms=6, mec="white")[0]
    art["status"] = ax_rate.set_title("", loc="left", fontsize=10)
    ax_rate.set_ylim(0, 1.1)
    ax_rate.legend(loc="lower left", fontsize=8, ncol=3)
    ax_gap.legend(loc="upper left", bbox_to_anchor=(0, 0.93), fontsize=8, ncol=3)
    ax_gap.set_xlabel("day")
    return art


def update_dashboard(art: dict, report: Any, day: int | None = None) -> None:
    """Move the dashboard's artists to ``report`` and the marker to ``day``.

    Only ``set_data``/``set_xdata``/``set_text`` and axis limits: nothing is
    created or cleared.

    Lesson: 08-monitoring-after-deployment
    """
    ax_rate, ax_gap = art["axes"]
    x = report.days.astype(float)
    day = int(report.days[-1]) if day is None else int(day)
    i = report.at(day)
    shown = report.status != "warming up"
    for j in range(len(report.groups)):
        y = np.where(shown, report.rates[:, j], np.nan)
        art["lines"][j].set_data(x, y)
        art["bands"][j].set_data(x, np.where(shown, report.rate_low[:, j], np.nan),
                                 np.where(shown, report.rate_high[:, j], np.nan))
        art["dots"][j].set_data([day], [report.rates[i, j]])
        hit = report.new_complaints[:, j] > 0
        art["complaints"][j].set_data(x[hit], np.full(hit.sum(), 1.02 - 0.05 * j))
    art["review"].set_data(x, np.where(report.review, 1.08, np.nan))
    gap = np.where(shown, report.gap, np.nan)
    art["gap"].set_data(x, gap)
    art["gap_band"].set_data(x, np.where(shown, report.low, np.nan),
                             np.where(shown, report.high, np.nan))
    art["limit"].set_ydata([report.limit, report.limit])
    top = float(np.nanmax(np.r_[report.limit * 1.6, 0.05, gap * 1.3,
                                np.where(shown, report.high, 0) * 1.2]))
    art["alert"].set_data(x, np.where(report.alert, top * 0.985, np.nan))
    pos = report.raised - report.days[0]
    art["raised"].set_data(report.raised.astype(float), report.gap[pos])
    for v in art["vlines"]:
        v.set_xdata([day, day])
    art["gap_dot"].set_data([day], [report.gap[i]])
    band = "" if np.isnan(report.low[i]) else f" [{report.low[i]:.3f}, {report.high[i]:.3f}]"
    art["status"].set_text(f"day {day}: gap {report.gap[i]:.3f}{band} · {report.status[i]}")
    ax_gap.set_ylim(0, top)
    ax_gap.set_xlim(x[0] - 0.5, x[-1] + 0.5)
    ax_rate.set_ylabel(_RATE_LABEL.get(report.rate, report.rate) + f"\n({report.window}-day "
                       "window)")
    ax_gap.set_ylabel(_GAP_LABEL.get(report.metric, report.metric))


def plot_monitor(monitor: Any, *, day: int | None = None, axes: Any = None,
                 **settings: Any) -> np.ndarray:
    """The monitoring dashboard as a static figure.

    Top: each group's rate over a rolling window, with its bootstrap band,
    complaints as ticks and review periods as a bar. Bottom: the gap, its band,
    the limit, the days in ALERT and the days alerts were raised.

    Parameters
    ----------
    monitor : FairnessMonitor (fitted) or MonitorReport
    day : int, default=None
        Where to put the marker (default: the last day).
    axes : pair of Axes, default=None
    **settings
        Passed to ``monitor.evaluate`` (``window``, ``limit``, ``metric``, ...).

    Returns
    -------
    ndarray of the two Axes.

    Examples
    --------
    >>> from fairlab.monitoring import FairnessMonitor
    >>> df = pd.DataFrame({"day": [0, 0, 1, 1], "group": list("ABAB"),
    ...                    "y_true": [1, 1, 1, 1], "y_pred": [1, 0, 1, 0]})
    >>> mon = FairnessMonitor(window=1, n_boot=0, min_group_size=1).fit_stream(df)
    >>> axes = plot_monitor(mon)
    >>> axes[1].lines[0].get_ydata().tolist()  # the gap, day by day
    [1.0, 1.0]

    Lesson: 08-monitoring-after-deployment
    """
    report = monitor.evaluate(**settings) if hasattr(monitor, "evaluate") else monitor
    if axes is None:
        import matplotlib as mpl

        from fairlab.plotting import STYLE

        with mpl.rc_context(STYLE):
            fig, axes = fit_subplots(2, 1, figsize=(9, 5.2), sharex=True,
                                     layout="constrained")
    art = build_dashboard(axes, report)
    update_dashboard(art, report, day)
    return np.asarray(axes)


def plot_detection_tradeoff(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """False alarms against detection lag, one point per window size.

    Parameters
    ----------
    table : DataFrame
        From :func:`fairlab.monitoring.detection_tradeoff`.
    ax : Axes, default=None

    Examples
    --------
    >>> t = pd.DataFrame({"false_alarm_rate": [0.6, 0.1], "median_lag": [3.0, 12.0]},
    ...                  index=pd.Index([3, 14], name="window"))
    >>> plot_detection_tradeoff(t).lines[0].get_xdata().tolist()
    [3.0, 12.0]

    Lesson: 08-monitoring-after-deployment
    """
    missing = [c for c in ("false_alarm_rate", "median_lag") if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks columns {missing}; pass the output of "
                         "fairlab.monitoring.detection_tradeoff.")
    ax = new_axes(ax, figsize=(5.5, 3.4), layout="constrained")
    lag = table["median_lag"].to_numpy(float)
    fa = table["false_alarm_rate"].to_numpy(float)
    ax.plot(lag, fa, "o-", color="black")
    for w, xi, yi in zip(table.index, lag, fa, strict=True):
        ax.annotate(f"{w}-day window", (xi, yi), textcoords="offset points", xytext=(6, 4),
                    fontsize=8)
    ax.set_xlabel("median detection lag (days after the change)")
    ax.set_ylabel("share of runs with a false alarm\nbefore the change")
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlim(0, max(1.0, float(np.nanmax(np.r_[lag, 1]))) * 1.3)
    return ax
