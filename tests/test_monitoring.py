"""fairlab.monitoring: the drifting stream, the rolling-window monitor, feedback, trade-off.

Oracles: fairlearn's gap functions and MetricFrame on the rows of each window (sliced
by hand), fairlab.metrics.bootstrap_ci for band widths, a plain Python loop for run
lengths, and the simulation's known change points.
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    equalized_odds_difference,
    true_positive_rate,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlab.metrics import bootstrap_ci
from fairlab.metrics import demographic_parity_difference as dp_fairlab
from fairlab.monitoring import (
    FEEDBACK_KINDS,
    AlertRule,
    ComplaintLog,
    FairnessMonitor,
    RollingCounts,
    bootstrap_counts,
    complaint_review,
    detection_tradeoff,
    percentile_band,
    run_lengths,
    simulate_complaints,
    simulate_stream,
)


@pytest.fixture(scope="module")
def drifting():
    return simulate_stream(120, 300, proxy_appears_at=60, random_state=3)


@pytest.fixture(scope="module")
def fitted(drifting):
    return FairnessMonitor(window=14, limit=0.1, n_boot=200).fit_stream(drifting)


def _window_rows(df, day, window):
    return df[(df.day <= day) & (df.day > day - window)]


# ------------------------------------------------------------------------- stream
def test_stream_shape_types_and_determinism():
    s = simulate_stream(10, 50, random_state=1)
    assert len(s) == 500 and s.day.max() == 9
    assert list(s.columns) == ["day", "group", "newcomer", "test_score", "experience",
                               "neighbourhood", "y_true", "score", "y_pred"]
    assert isinstance(s.group.dtype, pd.CategoricalDtype)
    assert set(s.y_true.unique()) <= {0, 1}
    np.testing.assert_array_equal(s.y_pred, (s.score >= 0.5).astype(int))
    pd.testing.assert_frame_equal(s, simulate_stream(10, 50, random_state=1))
    assert not s.equals(simulate_stream(10, 50, random_state=2))


def test_stream_without_knobs_is_fair():
    s = simulate_stream(60, 400, random_state=0)
    gap = demographic_parity_difference(s.y_true, s.y_pred, sensitive_features=s.group)
    assert gap < 0.03
    assert s.newcomer.sum() == 0


def test_proxy_opens_a_gap_on_its_day_and_changes_nothing_before():
    base = simulate_stream(80, 300, random_state=4)
    proxy = simulate_stream(80, 300, proxy_appears_at=40, random_state=4)
    before = proxy.day < 40
    # The same people, the same decisions before the change point.
    pd.testing.assert_frame_equal(base[before], proxy[before])
    after = proxy[~before]
    rate = after.groupby("group", observed=True).y_pred.mean()
    assert rate["A"] - rate["B"] > 0.15
    # ... and the labels did not change: the model got worse, not the people.
    np.testing.assert_array_equal(base.y_true, proxy.y_true)


def test_mix_shift_grows_group_b_with_newcomers_the_model_underrates():
    s = simulate_stream(100, 400, mix_shift=0.4, random_state=0)
    share = s.assign(b=s.group == "B").groupby(s.day // 20).b.mean()
    assert share.iloc[0] == pytest.approx(0.34, abs=0.03)  # 0.3 + 0.4 * (mean day 9.5)/99
    assert share.iloc[-1] == pytest.approx(0.66, abs=0.03)
    assert not (s.newcomer & (s.group == "A")).any()
    qualified = s[s.y_true == 1]
    tpr = qualified.groupby("newcomer").y_pred.mean()
    assert tpr[False] - tpr[True] > 0.2
    # newcomers are as qualified as the rest of B
    b = s[s.group == "B"]
    base = b.groupby("newcomer").y_true.mean()
    assert abs(base[True] - base[False]) < 0.04


def test_feedback_lets_decisions_change_future_labels():
    kw = dict(n_days=150, per_day=300, proxy_appears_at=30, random_state=0)
    still = simulate_stream(**kw)
    loop = simulate_stream(**kw, feedback=0.05)
    late = lambda s: s[s.day >= 120].groupby("group", observed=True).y_true.mean()  # noqa: E731
    assert late(still)["B"] - late(loop)["B"] > 0.05  # B's qualification eroded
    assert late(loop)["A"] > late(still)["A"]  # while A, selected more, gained
    # before the proxy the loop has nothing to amplify but noise
    early = lambda s: s[s.day < 30].y_true.mean()  # noqa: E731
    assert abs(early(still) - early(loop)) < 0.02


@pytest.mark.parametrize("kwargs, match", [
    ({"n_days": 0}, "n_days must be >= 1"),
    ({"per_day": 2.5}, "per_day must be an integer"),
    ({"minority_share": 1.0}, "minority_share must be < 1"),
    ({"mix_shift": 0.8}, "Use a smaller mix_shift"),
    ({"proxy_appears_at": -1}, "proxy_appears_at must be >= 0"),
    ({"feedback": -0.1}, "feedback must be >= 0"),
    ({"threshold": 2}, "threshold must be <= 1"),
])
def test_stream_errors(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        simulate_stream(**kwargs)


def test_complaints_come_from_wrongful_rejections_only():
    s = simulate_stream(30, 300, random_state=0)
    c = simulate_complaints(s, rate=1.0)
    wrong = s[(s.y_true == 1) & (s.y_pred == 0)]
    assert len(c) == len(wrong)
    np.testing.assert_array_equal(c.day, wrong.day)
    # independent of who is in which group (the draws are not the stream's own)
    some = simulate_complaints(s, rate=0.1, random_state=0)
    assert (some.group == "A").mean() == pytest.approx((wrong.group == "A").mean(), abs=0.08)
    silent_b = simulate_complaints(s, rate={"A": 1.0, "B": 0.0})
    assert set(silent_b.group) == {"A"}
    with pytest.raises(ValueError, match="give every group a complaint rate"):
        simulate_complaints(s, rate={"A": 0.1})
    with pytest.raises(ValueError, match="rate must be <= 1"):
        simulate_complaints(s, rate=2)


# ------------------------------------------------------------------------ monitor
@pytest.mark.parametrize("day", [13, 40, 59, 60, 75, 119])
def test_window_gaps_match_fairlearn_on_the_sliced_rows(drifting, fitted, day):
    rows = _window_rows(drifting, day, 14)
    h = fitted.history_.loc[day]
    assert h["gap"] == pytest.approx(demographic_parity_difference(
        rows.y_true, rows.y_pred, sensitive_features=rows.group), abs=1e-12)
    assert h["selection_rate_B"] == pytest.approx(rows[rows.group == "B"].y_pred.mean())
    assert h["n_A"] == (rows.group == "A").sum()
    eo = fitted.evaluate(metric="equal_opportunity_difference", window=7)
    rows7 = _window_rows(drifting, day, 7)
    mf = MetricFrame(metrics=true_positive_rate, y_true=rows7.y_true, y_pred=rows7.y_pred,
                     sensitive_features=rows7.group)
    assert eo.gap[day] == pytest.approx(mf.difference(), abs=1e-12)
    np.testing.assert_allclose(eo.rates[day], mf.by_group.to_numpy())
    assert eo.n[day].tolist() == rows7[rows7.y_true == 1].groupby(
        "group", observed=True).size().tolist()
    odds = fitted.evaluate(metric="equalized_odds_difference", window=21)
    rows21 = _window_rows(drifting, day, 21)
    assert odds.gap[day] == pytest.approx(equalized_odds_difference(
        rows21.y_true, rows21.y_pred, sensitive_features=rows21.group), abs=1e-12)


def test_first_days_use_the_days_so_far_and_are_warming_up(drifting, fitted):
    rows = drifting[drifting.day <= 4]
    assert fitted.report_.gap[4] == pytest.approx(
        dp_fairlab(rows.y_true, rows.y_pred, sensitive_features=rows.group))
    assert (fitted.report_.status[:13] == "warming up").all()
    assert fitted.report_.status[13] != "warming up"


def test_bands_are_as_wide_as_a_plain_bootstrap_and_shrink_with_the_window(drifting, fitted):
    day = 50
    rows = _window_rows(drifting, day, 14)
    ci = bootstrap_ci(dp_fairlab, rows.y_true, rows.y_pred, sensitive_features=rows.group,
                      n_boot=2000, level=0.9, random_state=1)
    h = fitted.history_.loc[day]
    assert h["high"] - h["low"] == pytest.approx(ci.high - ci.low, rel=0.25)
    assert h["low"] <= h["gap"] <= h["high"] or h["gap"] < 0.02  # |gap| is biased near 0
    widths = {w: np.nanmedian((r := fitted.evaluate(window=w)).high[50:60] - r.low[50:60])
              for w in (7, 28)}
    assert widths[28] < 0.7 * widths[7]  # about 1/sqrt(4) = 0.5
    # per-group bands contain the per-group rates
    r = fitted.report_
    inside = (r.rate_low[20:] <= r.rates[20:] + 1e-12) & (r.rates[20:] <= r.rate_high[20:] + 1e-12)
    assert inside.mean() > 0.99


def test_alert_is_raised_after_consecutive_breaches(drifting):
    mon = FairnessMonitor(window=7, limit=0.1, consecutive=3, n_boot=0).fit_stream(drifting)
    r = mon.report_
    breach = (r.gap > 0.1) & (r.status != "warming up") & (r.status != "too few rows")
    runs = run_lengths(breach)
    np.testing.assert_array_equal(r.status == "ALERT", runs >= 3)
    np.testing.assert_array_equal(r.raised, r.days[runs == 3])
    assert mon.alerts_["day"].tolist() == r.raised.tolist()
    # the proxy on day 60 is caught within a week, and there is no alert before it
    after = r.raised[r.raised >= 60]
    assert len(after) and after[0] - 60 <= 7
    assert (r.raised < 55).sum() == 0


def test_lower_band_alerts_later_than_estimate(drifting):
    kw = dict(window=7, limit=0.12, consecutive=1, n_boot=200)
    est = FairnessMonitor(**kw).fit_stream(drifting).report_
    low = FairnessMonitor(**kw, alert_on="lower").fit_stream(drifting).report_
    assert low.alert.sum() < est.alert.sum()
    assert set(low.days[low.alert]) <= set(est.days[est.alert])


def test_too_few_rows_are_not_judged():
    df = pd.DataFrame({"day": np.repeat([0, 1, 2], 10), "group": ["A"] * 28 + ["B"] * 2,
                       "y_true": 1, "y_pred": np.r_[np.ones(28), 0, 0].astype(int)})
    mon = FairnessMonitor(window=1, limit=0.1, consecutive=1, n_boot=0,
                          min_group_size=5).fit_stream(df)
    assert mon.report_.status.tolist() == ["too few rows"] * 3
    assert len(mon.alerts_) == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_run_lengths_match_a_loop(flags):
    expected, run = [], 0
    for f in flags:
        run = run + 1 if f else 0
        expected.append(run)
    assert run_lengths(np.array(flags, bool)).tolist() == expected


def test_update_equals_fit_on_everything(drifting):
    full = FairnessMonitor(window=10, n_boot=50).fit_stream(drifting)
    inc = FairnessMonitor(window=10, n_boot=50).fit_stream(drifting[drifting.day < 50])
    for start in range(50, 120, 7):
        inc.update(drifting[(drifting.day >= start) & (drifting.day < start + 7)])
    a, b = full.report_, inc.report_
    np.testing.assert_array_equal(a.days, b.days)
    np.testing.assert_allclose(a.gap, b.gap)
    np.testing.assert_allclose(a.rates, b.rates)
    np.testing.assert_array_equal(a.status, b.status)
    assert np.isfinite(b.low[20:]).all()
    with pytest.raises(ValueError, match="send only later days"):
        inc.update(drifting[drifting.day == 100])


def test_days_without_data_count_as_empty():
    df = pd.DataFrame({"day": [0, 0, 3, 3], "group": list("ABAB"), "y_true": [1] * 4,
                       "y_pred": [1, 0, 1, 1]})
    mon = FairnessMonitor(window=2, n_boot=0, min_group_size=1).fit_stream(df)
    assert mon.report_.days.tolist() == [0, 1, 2, 3]
    assert mon.report_.n[:, 0].tolist() == [1, 1, 0, 1]
    assert mon.report_.status[2] == "too few rows"


def test_evaluate_equals_a_fresh_monitor_with_those_settings(drifting, fitted):
    a = fitted.evaluate(window=28, limit=0.05, consecutive=2)
    b = FairnessMonitor(window=28, limit=0.05, consecutive=2, n_boot=200).fit_stream(
        drifting).report_
    np.testing.assert_allclose(a.gap, b.gap)
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_allclose(a.low, b.low)  # same seed, same replicates
    assert fitted.report_.window == 14  # evaluate does not change the monitor


# ----------------------------------------------------------------------- feedback
def test_feedback_log_counts_in_windows_and_triggers_reviews(drifting):
    mon = FairnessMonitor(window=5, complaint_limit=3, n_boot=0).fit_stream(drifting)
    mon.log_feedback(10, "B", "complaint", "turned down")
    mon.log_feedback([11, 12], ["B", "B"], ["appeal", "complaint"], "")
    mon.log_feedback(12, "A", "praise", "quick answer")
    mon.log_feedback(500, "A")  # a future day: kept, not counted yet
    assert len(mon.feedback_) == 5
    r = mon.report_
    assert r.complaints[12].tolist() == [0, 3]  # praise does not count
    assert r.complaints[15].tolist() == [0, 2]  # days 11 and 12 still inside, day 10 not
    assert r.review[12:15].all() and not r.review[11] and not r.review[15]
    rev = mon.reviews_.iloc[0]
    assert (rev.day, rev.group, rev.complaints) == (12, "B", 3) and len(mon.reviews_) == 1
    rows = _window_rows(drifting, 12, 5)
    assert rev.per_1000 == pytest.approx(3000 / (rows.group == "B").sum())
    assert mon.history_.loc[12, "complaints_B"] == 3


def test_reviews_compare_complaint_rates_not_counts():
    # A makes 1,000 decisions a day and B 100: 5 complaints each is 10x more often for B.
    df = pd.DataFrame({"day": 0, "group": ["A"] * 1000 + ["B"] * 100, "y_true": 1,
                       "y_pred": 1})
    mon = FairnessMonitor(window=1, n_boot=0, complaint_limit=5,
                          complaint_ratio=2).fit_stream(df)
    mon.log_feedback([0] * 10, ["A"] * 5 + ["B"] * 5)
    assert mon.report_.complaint_rate[0].tolist() == [5.0, 50.0]
    assert mon.reviews_.group.tolist() == ["B"]
    assert not mon.evaluate(complaint_ratio=20).review[0]
    assert not mon.evaluate(complaint_limit=6).review[0]


@pytest.mark.parametrize("args, match", [
    ((1, "C"), "pass every group in groups"),
    ((1, "A", "angry"), "kind must be one of"),
    (([1, 2], ["A"]), "pass one group per feedback entry"),
    ((-1, "A"), "must be >= 0"),
    ((1.5, "A"), "whole day numbers"),
])
def test_feedback_errors(fitted, args, match):
    with pytest.raises(ValueError, match=match):
        fitted.log_feedback(*args)


# ------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, match", [
    ({"metric": "dp"}, "metric must be one of"),
    ({"window": 0}, "window must be >= 1"),
    ({"limit": 1.5}, "limit must be <= 1"),
    ({"alert_on": "upper"}, "alert_on must be one of"),
    ({"n_boot": 5}, "n_boot must be >= 10; got 5"),
    ({"n_boot": 0, "alert_on": "lower"}, "needs bootstrap bands"),
    ({"level": 1.0}, "level must be < 1"),
    ({"consecutive": 0}, "consecutive must be >= 1"),
])
def test_monitor_parameter_errors(drifting, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        FairnessMonitor(**kwargs).fit_stream(drifting)


def test_monitor_data_errors(drifting):
    small = drifting.head(600)
    with pytest.raises(ValueError, match="column 'decision' is not in df"):
        FairnessMonitor(pred_col="decision").fit_stream(small)
    with pytest.raises(ValueError, match="threshold them first"):
        FairnessMonitor(pred_col="score").fit_stream(small)
    with pytest.raises(ValueError, match="at least two"):
        FairnessMonitor().fit_stream(small[small.group == "A"])
    with pytest.raises(ValueError, match="whole day numbers"):
        FairnessMonitor().fit_stream(small.assign(day=small.day + 0.5))
    with pytest.raises(TypeError, match="Convert dates first"):
        FairnessMonitor().fit_stream(small.assign(day="monday"))
    with pytest.raises(ValueError, match="missing groups"):
        FairnessMonitor(groups=["A", "B"]).fit_stream(
            small.assign(group=small.group.astype(object).where(small.day > 0)))
    mon = FairnessMonitor(groups=["A", "B"]).fit_stream(small)
    with pytest.raises(ValueError, match=r"groups \['C'\] the monitor does not know"):
        mon.update(small.assign(day=small.day + 10, group="C"))
    with pytest.raises(RuntimeError, match="call fit_stream"):
        FairnessMonitor().evaluate()
    with pytest.raises(ValueError, match="outside the monitored days"):
        mon.report_.at(99)


# ---------------------------------------------------------------------- trade-off
def test_detection_tradeoff_short_windows_alarm_more_and_detect_sooner():
    t = detection_tradeoff((3, 21), n_runs=8, n_days=100, change_day=60, per_day=300,
                           limit=0.08, consecutive=1)
    assert t.loc[3, "false_alarm_rate"] > t.loc[21, "false_alarm_rate"]
    assert t.loc[3, "median_lag"] < t.loc[21, "median_lag"]
    assert (t["detected"] == 1).all()
    with pytest.raises(ValueError, match="full window before the change"):
        detection_tradeoff((30,), change_day=20)


def test_importing_monitoring_loads_no_plotting_or_widgets():
    code = ("import sys, fairlab.monitoring; "
            "print(any(m in sys.modules for m in ('matplotlib', 'ipywidgets', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.integers(0, 10_000))
def test_every_window_matches_pandas_on_the_sliced_rows(n_days, window, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 80))
    df = pd.DataFrame({"day": rng.integers(0, n_days, n), "group": rng.choice(list("abc"), n),
                       "y_true": rng.integers(0, 2, n), "y_pred": rng.integers(0, 2, n)})
    df.loc[0, "day"] = 0  # the stream starts on day 0
    mon = FairnessMonitor("equal_opportunity_difference", window=window, n_boot=0,
                          min_group_size=1, groups=list("abc")).fit_stream(df)
    r = mon.report_
    assert r.days.tolist() == list(range(df.day.max() + 1))
    for day in r.days:
        rows = _window_rows(df, day, window)
        pos = rows[rows.y_true == 1]
        tpr = pos.groupby("group").y_pred.mean().reindex(list("abc"))
        np.testing.assert_allclose(r.rates[day], tpr.to_numpy(), equal_nan=True)
        assert r.n[day].tolist() == pos.group.value_counts().reindex(list("abc"),
                                                                     fill_value=0).tolist()
        if tpr.notna().all():
            assert r.gap[day] == pytest.approx(tpr.max() - tpr.min())
        else:
            assert r.status[day] in ("too few rows", "warming up")


# ------------------------------------------------------------------------- plots
def test_plot_monitor_draws_the_report(fitted):
    from fairlab.plotting import plot_detection_tradeoff, plot_monitor

    report = fitted.evaluate(window=7, limit=0.05)
    ax_rate, ax_gap = plot_monitor(fitted, day=70, window=7, limit=0.05)
    gap_line = next(line for line in ax_gap.lines if line.get_label() == "gap")
    shown = report.status != "warming up"
    np.testing.assert_allclose(gap_line.get_ydata()[shown], report.gap[shown])
    assert np.isnan(gap_line.get_ydata()[~shown]).all()
    limit = next(line for line in ax_gap.lines if line.get_label() == "limit")
    assert limit.get_ydata()[0] == 0.05
    b = next(line for line in ax_rate.lines if line.get_label() == "group B")
    np.testing.assert_allclose(b.get_ydata()[shown], report.rates[shown, 1])
    assert ax_rate.get_title(loc="left").startswith("day 70: gap")
    with pytest.raises(ValueError, match="detection_tradeoff"):
        plot_detection_tradeoff(pd.DataFrame({"lag": [1.0]}))


# ------------------------------------------------------------ the monitor's parts
@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=1, max_size=25), st.integers(1, 8),
       st.integers(0, 24))
def test_rolling_counts_match_a_loop_and_extend_in_pieces(values, window, cut):
    # oracle: the plain sum over the last `window` days, day by day
    expected = [sum(values[max(t + 1 - window, 0):t + 1]) for t in range(len(values))]
    whole = RollingCounts().extend(values)
    assert whole.window(window).tolist() == expected
    cut = min(cut, len(values))
    pieces = RollingCounts().extend(values[:cut]).extend(values[cut:])
    assert pieces.n_days == len(values) and pieces.window(window).tolist() == expected


def test_rolling_counts_keep_the_shape_of_a_day():
    per_day = np.arange(24).reshape(3, 2, 4)
    rc = RollingCounts((2, 4), np.int32).extend(per_day)
    np.testing.assert_array_equal(rc.window(2)[2], per_day[1] + per_day[2])
    assert rc.window(5).dtype == np.int32
    with pytest.raises(ValueError, match=r"must have shape \(2, 4\)"):
        rc.extend(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="window must be >= 1"):
        rc.window(0)


def test_bootstrap_counts_are_row_resamples():
    from scipy.stats import multinomial

    counts = np.array([[5, 3, 0, 2], [0, 0, 0, 0]])
    draws = bootstrap_counts(counts, 20_000, random_state=0)
    assert draws.shape == (20_000, 2, 4)
    assert (draws[:, 0].sum(-1) == 10).all() and (draws[:, 1] == 0).all()
    assert (draws[:, 0, 2] == 0).all()  # a cell with no rows is never drawn
    # oracle: resampling 10 rows with replacement is Multinomial(10, counts / 10)
    oracle = multinomial(10, counts[0] / 10)
    np.testing.assert_allclose(draws[:, 0].mean(0), oracle.mean(), atol=0.05)
    np.testing.assert_allclose(np.cov(draws[:, 0].T), oracle.cov(), atol=0.06)
    np.testing.assert_array_equal(bootstrap_counts(counts, 5, random_state=3),
                                  bootstrap_counts(counts, 5, random_state=3))
    with pytest.raises(ValueError, match="non-negative whole counts"):
        bootstrap_counts([[1.5, 2]], 10)
    with pytest.raises(ValueError, match="n_boot must be >= 1"):
        bootstrap_counts([[1, 2]], 0)


def _quantile_by_hand(xs, q):
    # linear interpolation between order statistics (Hyndman & Fan type 7)
    xs = sorted(xs)
    h = (len(xs) - 1) * q
    lo = int(np.floor(h))
    return xs[lo] + (h - lo) * (xs[min(lo + 1, len(xs) - 1)] - xs[lo])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.one_of(st.floats(-5, 5), st.just(np.nan)), min_size=3,
                         max_size=3), min_size=1, max_size=12),
       st.floats(0.05, 0.95))
def test_percentile_band_matches_order_statistics_without_nan(rows, level):
    reps = np.array(rows)
    low, high = percentile_band(reps, level=level)
    a = (1 - level) / 2
    for j in range(3):
        col = [x for x in reps[:, j] if not np.isnan(x)]
        if not col:
            assert np.isnan(low[j]) and np.isnan(high[j])
            continue
        assert low[j] == pytest.approx(_quantile_by_hand(col, a), abs=1e-9)
        assert high[j] == pytest.approx(_quantile_by_hand(col, 1 - a), abs=1e-9)
    with pytest.raises(ValueError, match="level must be < 1"):
        percentile_band(reps, level=1)


def _alert_states_by_loop(gap, n, low, warming, rule):
    status, raised, run = [], [], 0
    for t in range(len(gap)):
        small = min(n[t]) < rule.min_group_size or np.isnan(gap[t])
        signal = gap[t] if rule.alert_on == "estimate" else low[t]
        breach = not warming[t] and not small and signal > rule.limit
        run = run + 1 if breach else 0
        raised.append(run == rule.consecutive)
        status.append("warming up" if warming[t] else "too few rows" if small else
                      "ALERT" if run >= rule.consecutive else
                      "over limit" if breach else "ok")
    return status, raised


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 0.3), st.floats(-0.1, 0.3), st.integers(0, 9),
                          st.integers(0, 9)), min_size=1, max_size=30),
       st.integers(0, 5), st.integers(1, 4), st.sampled_from(["estimate", "lower"]))
def test_alert_rule_matches_a_day_by_day_loop(days, n_warm, consecutive, alert_on):
    gap, low, n_a, n_b = np.array(days, dtype=float).T
    n = np.c_[n_a, n_b]
    warming = np.arange(len(gap)) < n_warm
    rule = AlertRule(limit=0.1, consecutive=consecutive, alert_on=alert_on, min_group_size=3)
    status, raised = rule.judge(gap, n, low=low, warming=warming)
    expected_status, expected_raised = _alert_states_by_loop(gap, n, low, warming, rule)
    assert status.tolist() == expected_status
    assert raised.tolist() == expected_raised


@pytest.mark.parametrize("kwargs, match", [
    ({"limit": -0.1}, "limit must be >= 0"),
    ({"consecutive": 0}, "consecutive must be >= 1"),
    ({"alert_on": "upper"}, "alert_on must be one of"),
    ({"min_group_size": 1.5}, "min_group_size must be an integer"),
])
def test_alert_rule_errors(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        AlertRule(**kwargs)
    with pytest.raises(ValueError, match="pass low="):
        AlertRule(alert_on="lower").judge([0.2], [[50, 50]])


def test_complaint_log_counts_match_pandas():
    rng = np.random.default_rng(0)
    days = rng.integers(0, 12, 60)
    groups = rng.choice(["A", "B", "C"], 60)
    kinds = rng.choice(list(FEEDBACK_KINDS), 60)
    log = ComplaintLog(["A", "B", "C"]).add(days, groups, kinds, "")
    log.add(3, "C", "appeal", "please look again")
    frame = log.frame
    assert len(frame) == 61 and frame.iloc[-1].tolist() == [3, "C", "appeal",
                                                             "please look again"]
    # oracle: a pandas cross-table of complaints and appeals on days 2..9
    counted = frame[frame.kind.isin(["complaint", "appeal"]) & frame.day.between(2, 9)]
    expected = pd.crosstab(counted.day, counted.group).reindex(
        index=range(2, 10), columns=["A", "B", "C"], fill_value=0)
    np.testing.assert_array_equal(log.per_day(first_day=2, n_days=8), expected.to_numpy())
    with pytest.raises(ValueError, match="pass every group in groups"):
        log.add(1, "D")
    with pytest.raises(ValueError, match="kind must be one of"):
        log.add(1, "A", "angry")
    assert len(log.frame) == 61  # a rejected entry leaves the log as it was


def test_complaint_review_matches_its_definition():
    complaints = np.array([[5, 5, 0], [4, 1, 0], [6, 3, 9]])
    decisions = np.array([[1000, 100, 50], [100, 100, 0], [600, 600, 0]])
    rate, review = complaint_review(complaints, decisions, complaint_limit=5,
                                    complaint_ratio=2)
    np.testing.assert_allclose(rate[:2, :2], [[5, 50], [40, 10]])
    assert np.isinf(rate[2, 2])  # complaints without decisions: no rate to compare with
    # row 0: B has 5 complaints at 10x A's rate (C's rate is 0: everyone is >= 2 x 0)
    # row 1: A complains 4x as often but has only 4 complaints
    # row 2: A has 6 complaints, twice B's rate; C has no decisions and is not the lowest
    assert review.tolist() == [True, False, True]
    with pytest.raises(ValueError, match="complaint_ratio must be >= 1"):
        complaint_review(complaints, decisions, complaint_ratio=0.5)
