"""Lesson 07 checks: the reference answer passes, typical mistakes get their hint."""

from __future__ import annotations

from fairlab.datasets import load_adult
from fairlab.exercises.lesson07 import (
    LESSON_DATA,
    STEP,
    check_adversary_baseline,
    check_leak_detector,
    check_projected_step,
)


def test_projected_step(capsys):
    # by hand: gP·gA = 3, |gA|² = 2 → proj = 1.5·(1, 1); (2, 1) − (1.5, 1.5) − 0.5·(1, 1)
    gp, ga, alpha = STEP["grad_task"], STEP["grad_adv"], STEP["alpha"]
    assert (gp @ ga, ga @ ga, alpha) == (3.0, 2.0, 0.5)
    assert check_projected_step(1.0 - 1.5 - 0.5) is True
    assert "✓" in capsys.readouterr().out
    for wrong, phrase in [(0.5, "gradient reversal alone"), (-0.5, "forgot the −α"),
                          (0.0, "Check the sign"), (3.0, "Compute the projection"),
                          ([0, -1], "give a number"), (None, "Not answered")]:
        assert check_projected_step(wrong) is False
        assert phrase in capsys.readouterr().out


def test_adversary_baseline(capsys):
    # independent: count the men in the whole test file (the lesson uses every row)
    assert LESSON_DATA["n_test"] is None
    sex = load_adult("test").sensitive_features["sex"].to_numpy(object)
    share_male = float((sex == "Male").mean())
    assert share_male > 0.5
    assert check_adversary_baseline(share_male) is True
    assert "✓" in capsys.readouterr().out
    for wrong, phrase in [(0.5, "coin flip"), (1 - share_male, "smaller group"),
                          (66.2, "not a percentage"), (0.9, "Count each group"),
                          ("0.66", "give a number")]:
        assert check_adversary_baseline(wrong) is False
        assert phrase in capsys.readouterr().out


def test_leak_detector(capsys):
    for right in ("auc", "AUC", "adversary_auc", " Adversary AUC "):
        assert check_leak_detector(right) is True
        assert "✓" in capsys.readouterr().out
    for wrong, phrase in [("accuracy", "majority baseline"), ("task loss", "not whether"),
                          ("f1", "one of 'accuracy'"), (3, "a string"),
                          (None, "Not answered")]:
        assert check_leak_detector(wrong) is False
        assert phrase in capsys.readouterr().out


def test_found_by_name():
    from fairlab import exercises

    assert exercises.check_projected_step is check_projected_step
    assert exercises.check_leak_detector is check_leak_detector
