"""Lesson 15 checks: the reference answer passes, typical mistakes get their hint."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import expit

from fairlab.exercises.lesson15 import (
    DP_RUN,
    FGSM_STEP,
    check_dp_epsilon,
    check_fgsm_step,
    check_who_pays,
)


def test_fgsm_step(capsys):
    # by hand: z = 0.05 − 1 + 0.475 = −0.475; ∂CE/∂x = (σ(z) − 1)·w points against w,
    # so x' = clip((0.05, 0.5, 0.95) + 0.1·(−1, +1, −1)) = (0, 0.6, 0.85)
    s = FGSM_STEP
    z = float(s["w"] @ s["x"] + s["b"])
    assert math.isclose(z, -0.475)
    grad = (expit(z) - s["y"]) * s["w"]
    want = np.clip(s["x"] + s["epsilon"] * np.sign(grad), 0, 1)
    np.testing.assert_allclose(want, [0.0, 0.6, 0.85])
    assert check_fgsm_step([0.0, 0.6, 0.85]) is True
    assert "✓" in capsys.readouterr().out
    for wrong, phrase in [([0.15, 0.4, 1.0], "*with* its weight"),
                          ([-0.05, 0.6, 0.85], "clip the result"),
                          ([0.1, 0.1, 0.1], "Compute z"), ([0.0, 0.6], "all three pixels"),
                          ("abc", "list or array"), (None, "Not answered")]:
        assert check_fgsm_step(wrong) is False
        assert phrase in capsys.readouterr().out


def test_dp_epsilon(capsys):
    from opacus.accountants import RDPAccountant

    # independent: Opacus's RDP accountant stepped one step at a time
    acc = RDPAccountant()
    for _ in range(DP_RUN["steps"]):
        acc.step(noise_multiplier=DP_RUN["noise_multiplier"], sample_rate=DP_RUN["sample_rate"])
    eps = acc.get_epsilon(delta=DP_RUN["delta"])
    assert 0.5 < eps < 5
    assert check_dp_epsilon(eps) is True
    assert "✓" in capsys.readouterr().out
    for wrong, phrase in [(eps + 1, "the accountant needs"), ("1.0", "give a number"),
                          (None, "Not answered")]:
        assert check_dp_epsilon(wrong) is False
        assert phrase in capsys.readouterr().out


def test_who_pays(capsys):
    for right in ("styled", " Styled ", "minority"):
        assert check_who_pays(right) is True
        assert "✓" in capsys.readouterr().out
    for wrong, phrase in [("standard", "*drop*"), ("both", "not equally"),
                          ("men", "Answer 'standard'"), (1, "a string"),
                          (None, "Not answered")]:
        assert check_who_pays(wrong) is False
        assert phrase in capsys.readouterr().out


def test_found_by_name():
    from fairlab import exercises

    assert exercises.check_fgsm_step is check_fgsm_step
    assert exercises.check_who_pays is check_who_pays
