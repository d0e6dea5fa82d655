"""Lesson 04 checks: the reference answer passes, typical mistakes get their hint."""

from __future__ import annotations

from fairlab.exercises import lesson04
from fairlab.exercises.lesson04 import EXAMPLE, check_soft_eo_gap, check_surrogate_gradient

P, Y, G = EXAMPLE["proba"], EXAMPLE["y"], EXAMPLE["group"]


def test_surrogate_gradient(capsys):
    # by hand: gap = mean_A − mean_B (A's mean 0.65 > B's 0.367), so ∂gap/∂p_B = −1/6
    assert P[G == "A"].mean() > P[G == "B"].mean()
    assert check_surrogate_gradient(-1 / (G == "B").sum()) is True
    assert "✓" in capsys.readouterr().out
    for wrong, phrase in [(1 / 6, "Check the sign"), (-0.1, "not by all"),
                          (0.0, "hard (argmax) penalty"), (-0.25, "in B"),
                          (0.9, "differentiate"), ("-1/6", "give a number")]:
        assert check_surrogate_gradient(wrong) is False
        assert phrase in capsys.readouterr().out


def test_soft_eo_gap(capsys):
    pos = Y == 1
    reference = abs(P[pos & (G == "A")].mean() - P[pos & (G == "B")].mean())
    assert check_soft_eo_gap(reference) is True
    assert "✓" in capsys.readouterr().out
    dp = abs(P[G == "A"].mean() - P[G == "B"].mean())
    neg = ~pos
    fp = abs(P[neg & (G == "A")].mean() - P[neg & (G == "B")].mean())
    for wrong, phrase in [(dp, "demographic-parity gap"), (fp, "negatives"),
                          (-reference, "never negative"), (0.9, "Keep only the rows"),
                          (None, "Not answered"), ([reference], "give a number")]:
        assert check_soft_eo_gap(wrong) is False
        assert phrase in capsys.readouterr().out


def test_found_by_name():
    from fairlab import exercises

    assert set(lesson04.__all__) >= {"check_surrogate_gradient", "check_soft_eo_gap"}
    assert exercises.check_soft_eo_gap is check_soft_eo_gap
