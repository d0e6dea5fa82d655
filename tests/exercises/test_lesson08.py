"""Lesson 08 checks: the reference solution passes, typical mistakes get their own hint."""

import pytest

from fairlab import exercises
from fairlab.exercises import lesson08
from fairlab.monitoring import (
    FairnessMonitor,
    simulate_complaints,
    simulate_stream,
)


@pytest.fixture(scope="module")
def stream():
    return simulate_stream(180, 300, mix_shift=0.3, proxy_appears_at=120, feedback=0.02,
                           random_state=0)


def _first_alert(stream, window, metric="equal_opportunity_difference"):
    mon = FairnessMonitor(metric, window=window, limit=0.1).fit_stream(stream)
    return int(mon.alerts_["day"].iloc[0])


def test_first_alert_day(stream, capsys):
    answer = _first_alert(stream, 28)  # the notebook's solution
    assert answer > _first_alert(stream, 14)  # the lesson's point: longer is slower
    assert exercises.check_first_alert_day(answer) is True
    assert "✓" in capsys.readouterr().out
    cases = [
        (_first_alert(stream, 14), "14-day window"),
        (_first_alert(stream, 7), "7-day window"),
        (_first_alert(stream, 28, "demographic_parity_difference"), "selection-rate (DP)"),
        (5, "not a lag"),
        (170, "read the first day in .alerts_"),
        ("98", "give a number"),
        (None, "Not answered yet"),
    ]
    for wrong, hint in cases:
        assert exercises.check_first_alert_day(wrong) is False
        assert hint in capsys.readouterr().out


def _b_rate(stream, rate, column="complaints_per_1000_B"):
    c = simulate_complaints(stream, rate=rate, random_state=0)
    mon = FairnessMonitor(window=28, n_boot=0, complaint_limit=10,
                          complaint_ratio=1.5).fit_stream(stream)
    mon.log_feedback(c.day, c.group, c.kind, c.text)
    return mon.history_.loc[150:, column].mean()


def test_silent_complaints(stream, capsys):
    answer = _b_rate(stream, {"A": 0.05, "B": 0.02})
    # the lesson's point: B, harmed more, complains less than A per decision
    assert answer < _b_rate(stream, {"A": 0.05, "B": 0.02}, "complaints_per_1000_A")
    assert exercises.check_silent_complaints(answer) is True
    capsys.readouterr()
    cases = [
        (_b_rate(stream, 0.05), "complains as readily as A"),
        (_b_rate(stream, {"A": 0.05, "B": 0.02}, "complaints_per_1000_A"), "A's rate"),
        (_b_rate(stream, {"A": 0.05, "B": 0.02}, "complaints_B"), "not a rate"),
        (0.0, "average history_"),
        ([answer], "give a number"),
    ]
    for wrong, hint in cases:
        assert exercises.check_silent_complaints(wrong) is False
        assert hint in capsys.readouterr().out


def test_checks_are_registered():
    assert set(lesson08.__all__) <= set(exercises.all_checks())
