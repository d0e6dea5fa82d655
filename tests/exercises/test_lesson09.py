"""Lesson 09 checks: the reference solution passes, typical mistakes get their own hint."""

import numpy as np
import pytest

from fairlab import exercises
from fairlab.feedback import (
    BradleyTerryRewardModel,
    PolicyGradientAgent,
    make_feed,
)


def _ask(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


def test_satisfaction_drop(capsys):
    h = PolicyGradientAgent(random_state=0).fit(make_feed()).history_  # the solution
    t = h["true_objective"]
    answer = t.max() - t.iloc[-1]
    assert answer > 1  # the lesson's point: a large loss after the peak
    ok, out = _ask(exercises.check_satisfaction_drop, answer, capsys)
    assert ok is True and "✓" in out
    cases = [(-answer, "wrong sign"), (t.iloc[0] - t.iloc[-1], "step 0"),
             (h["proxy_reward"].iloc[-1] - h["proxy_reward"].iloc[0], "proxy"),
             (t.max(), "the peak itself"), (0.0, "maximum minus its last"),
             ("1.7", "give a number"), (None, "Not answered yet")]
    for wrong, hint in cases:
        ok, out = _ask(exercises.check_satisfaction_drop, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)


def test_bt_by_hand(capsys):
    # the solution, by fitting the model on the 40 comparisons (oracle: log(30/10))
    wins = np.r_[np.ones(30), np.zeros(10)]
    m = BradleyTerryRewardModel(l2=0).fit(np.eye(2), np.zeros(40, int), np.ones(40, int), wins)
    answer = m.coef_[0] - m.coef_[1]
    assert answer == pytest.approx(np.log(3), abs=1e-6)
    ok, out = _ask(exercises.check_bt_by_hand, answer, capsys)
    assert ok is True and "✓" in out
    cases = [(0.75, "win rate"), (3.0, "odds"), (-np.log(3), "wrong sign"),
             (np.log(0.75), "log of the win rate"), (2.0, "take a logarithm"),
             ([1.1], "give a number")]
    for wrong, hint in cases:
        ok, out = _ask(exercises.check_bt_by_hand, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)
