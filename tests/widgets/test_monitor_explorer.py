"""MonitorExplorer, headless: the day slider, window, limit and metric drive the dashboard.

Oracles: fairlearn's gap functions and MetricFrame on the rows of the window, sliced by
hand; a fresh FairnessMonitor built with the slider's settings.
"""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, demographic_parity_difference, true_positive_rate

from fairlab.monitoring import FairnessMonitor, simulate_complaints, simulate_stream
from fairlab.widgets.monitor_explorer import MonitorExplorer


@pytest.fixture(scope="module")
def stream():
    return simulate_stream(100, 200, proxy_appears_at=50, random_state=2)


@pytest.fixture()
def explorer(stream):
    mon = FairnessMonitor(window=14, limit=0.1, n_boot=100).fit_stream(stream)
    c = simulate_complaints(stream, rate=0.05, random_state=0)
    mon.log_feedback(c.day, c.group, c.kind, c.text)
    return MonitorExplorer(mon, windows=(7, 14, 28))


def _rows(df, day, window):
    return df[(df.day <= day) & (df.day > day - window)]


def test_initial_state_is_the_last_day(stream, explorer):
    assert explorer.values() == {"day": 99, "window": 14, "limit": 0.1,
                                 "metric": "demographic_parity_difference"}
    rows = _rows(stream, 99, 14)
    gap = demographic_parity_difference(rows.y_true, rows.y_pred, sensitive_features=rows.group)
    assert explorer.state.gap == pytest.approx(gap)
    gap_line = explorer.artists["gap"]
    assert gap_line.get_ydata()[-1] == pytest.approx(gap)
    assert np.isnan(gap_line.get_ydata()[:13]).all()  # warming up: not drawn
    assert explorer.readout.value.startswith(f"day 99 · window 14 d · DP gap {gap:.3f}")
    assert "ALERT" in explorer.readout.value


def test_day_slider_moves_marker_dots_and_table_only(stream, explorer):
    n = explorer.n_updates
    gap_before = explorer.artists["gap"].get_ydata().copy()
    explorer.controls["day"].value = 40
    assert explorer.n_updates == n + 1
    assert [v.get_xdata()[0] for v in explorer.artists["vlines"]] == [40, 40]
    rows = _rows(stream, 40, 14)
    rates = rows.groupby("group", observed=True).y_pred.mean()
    dots = [d.get_ydata()[0] for d in explorer.artists["dots"]]
    np.testing.assert_allclose(dots, rates.to_numpy())
    np.testing.assert_array_equal(explorer.artists["gap"].get_ydata(), gap_before)
    assert explorer.state.status == "ok"
    assert f"{rates['B']:.3f}" in explorer.table.value
    assert "day 40 · window 14 d" in explorer.readout.value
    assert "alerts so far 0" in explorer.readout.value


def test_window_and_metric_recompute_against_fairlearn(stream, explorer):
    explorer.set_values(day=70, window=7, metric="equal_opportunity_difference")
    rows = _rows(stream, 70, 7)
    mf = MetricFrame(metrics=true_positive_rate, y_true=rows.y_true, y_pred=rows.y_pred,
                     sensitive_features=rows.group)
    assert explorer.state.gap == pytest.approx(mf.difference())
    np.testing.assert_allclose([line.get_ydata()[70] for line in explorer.artists["lines"]],
                               mf.by_group.to_numpy())
    assert explorer.state.groups["n"].tolist() == rows[rows.y_true == 1].groupby(
        "group", observed=True).size().tolist()
    assert "EO gap" in explorer.readout.value
    # same numbers as a monitor built with these settings from scratch
    fresh = FairnessMonitor("equal_opportunity_difference", window=7, limit=0.1,
                            n_boot=100).fit_stream(stream).report_
    np.testing.assert_allclose(explorer.artists["gap"].get_ydata()[6:], fresh.gap[6:])
    np.testing.assert_array_equal(explorer.state.report.raised, fresh.raised)


def test_limit_moves_the_line_and_the_alerts(explorer):
    explorer.controls["limit"].value = 0.3
    assert explorer.artists["limit"].get_ydata()[0] == pytest.approx(0.3)
    assert len(explorer.state.report.raised) == 0
    assert np.isnan(explorer.artists["alert"].get_ydata()).all()
    explorer.controls["limit"].value = 0.05
    raised = explorer.state.report.raised
    assert len(raised) >= 1
    np.testing.assert_array_equal(explorer.artists["raised"].get_xdata(), raised)
    alert_days = ~np.isnan(explorer.artists["alert"].get_ydata())
    np.testing.assert_array_equal(alert_days, explorer.state.report.status == "ALERT")


def test_complaints_show_as_ticks_and_in_the_table(stream, explorer):
    fb = explorer.monitor.feedback_
    b_days = np.unique(fb[fb.group == "B"].day)
    np.testing.assert_array_equal(explorer.artists["complaints"][1].get_xdata(), b_days)
    explorer.controls["day"].value = int(b_days[-1])
    assert "Latest feedback in the window" in explorer.table.value
    in_window = fb[(fb.day <= b_days[-1]) & (fb.day > b_days[-1] - 14)]
    assert explorer.state.groups["complaints"].sum() == len(in_window)


def test_window_change_is_cached_and_cheap(explorer):
    import time

    explorer.controls["window"].value = 28
    t = time.perf_counter()
    state = explorer.compute(**{**explorer.values(), "limit": 0.2})
    assert time.perf_counter() - t < 0.05  # cumulative sums: no new bootstrap
    assert state.report.window == 28


def test_errors(stream):
    with pytest.raises(TypeError, match="must be a FairnessMonitor"):
        MonitorExplorer(stream)
    with pytest.raises(RuntimeError, match="call fit_stream"):
        MonitorExplorer(FairnessMonitor())
    mon = FairnessMonitor(n_boot=0).fit_stream(stream)
    with pytest.raises(ValueError, match="not monitored metrics"):
        MonitorExplorer(mon, metrics=["auc_difference"])
    ex = MonitorExplorer(mon)
    with pytest.raises(ValueError, match="outside the monitored days"):
        ex.compute(**{**ex.values(), "day": 500})
    assert isinstance(ex.state.groups, pd.DataFrame)
