"""MonitorExplorer, headless: the day slider, window, limit and metric drive the dashboard.

Oracles: fairlearn's gap functions and MetricFrame on the rows of the window, sliced by
hand; a fresh FairnessMonitor built with the slider's settings.
"""

import html
import re

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, demographic_parity_difference, true_positive_rate

from fairlab.monitoring import FairnessMonitor, simulate_complaints, simulate_stream
from fairlab.widgets.browser import spec_size
from fairlab.widgets.monitor_explorer import MonitorExplorer
from tests.widgets.page_js import needs_node, run_in_page


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


# ------------------------------------------------------------------ drawn in the browser


def _text(markup):
    """What a browser shows of some HTML: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def run_page(spec, values, tmp_path):
    """``monitorState(spec, v)`` of the page (js/kinds/monitor.js in the bundle), by Node."""
    return run_in_page(
        "data.vs.map((v) => { const s = m.monitorState(data.spec, v); return {readout: "
        "s.readout, table: s.table, status: s.status, raised: s.raised, top: s.top}; })",
        {"spec": spec, "vs": values}, tmp_path)


@pytest.fixture(scope="module")
def lesson_like(stream):
    """Bands, complaints (so reviews and notes) and a stretch with too few rows."""
    mon = FairnessMonitor("equal_opportunity_difference", window=14, limit=0.1,
                          n_boot=60, complaint_limit=3, complaint_ratio=1.5).fit_stream(stream)
    c = simulate_complaints(stream, rate=0.05, random_state=0)
    mon.log_feedback(c.day, c.group, c.kind, c.text)
    mon.log_feedback([3, 60], ["B", "A"], ["praise", "note"], ["thanks & <ok>", "checked"])
    return MonitorExplorer(mon, windows=(1, 3, 7, 14, 28),
                           metrics=["equal_opportunity_difference",
                                    "demographic_parity_difference"])


@needs_node
def test_page_agrees_with_compute_on_many_settings(lesson_like, tmp_path):
    ex = lesson_like
    spec = ex.browser_view().spec
    assert spec_size(spec) < 1_000_000
    windows = list(ex.controls["window"].options)
    metrics = [m for _, m in ex.controls["metric"].options]
    rng = np.random.default_rng(0)
    edges = [{"day": d, "window": w, "limit": lim, "metric": m}
             for d in (0, 1, 13, 99) for w in (windows[0], windows[-1])
             for lim in (0.0, 0.5) for m in metrics]
    rand = [{"day": int(rng.integers(0, 100)), "window": int(rng.choice(windows)),
             "limit": round(int(rng.integers(0, 51)) * 0.01, 10),
             "metric": str(rng.choice(metrics))} for _ in range(150)]
    cases = edges + rand
    got = run_page(spec, cases, tmp_path)
    seen = set()
    for v, page in zip(cases, got, strict=True):
        state = ex.compute(**v)
        ex.set_values(**v)  # render(compute(v)): what the Python panel shows
        assert page["readout"] == state.readout == ex.readout.value.replace("&amp;", "&")
        assert _text(page["table"]) == _text(ex.table.value)
        assert page["status"] == state.report.status.tolist()
        assert page["raised"] == state.report.raised.tolist()
        assert page["top"] == pytest.approx(ex.axes[1].get_ylim()[1], rel=1e-12)
        seen |= set(state.report.status) | {"notes" if "Latest" in page["table"] else ""}
    assert {"warming up", "ok", "ALERT", "notes"} <= seen  # the cases reach every branch


def test_browser_view_is_built_once_and_syncs_back(lesson_like):
    ex = lesson_like
    view = ex.browser_view()
    assert view is ex.browser_view() and view.kind == "monitor"
    view.values = {"day": 42, "window": 7, "limit": 0.23,
                   "metric": "demographic_parity_difference"}
    assert ex.values() == view.values
    assert ex.state.day == 42 and ex.state.report.limit == 0.23
    assert ex.readout.value.startswith("day 42 · window 7 d · DP gap")
    ex.set_values(day=50)  # Python's moves reach the page
    assert view.values["day"] == 50
