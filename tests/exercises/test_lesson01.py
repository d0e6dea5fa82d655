"""Lesson 01 checks: the reference solution passes, typical mistakes get their own hint."""

import pytest

from fairlab import exercises
from fairlab.datasets import make_biased_world
from fairlab.exercises import lesson01
from fairlab.simulation import fit_and_score_world, simulate_feedback_loop


def _gap(use_group=False, **knobs):
    world = make_biased_world(4000, random_state=0, **knobs)
    m = fit_and_score_world(world, use_group=use_group).metrics
    return m.loc["B", "selection_rate"] - m.loc["A", "selection_rate"]


def test_unaware_gap(capsys):
    answer = _gap(historical_bias=0.6, proxy_strength=0.9)  # the notebook's solution
    assert answer < -0.2  # the lesson's point: unawareness left a large gap
    assert exercises.check_unaware_gap(answer) is True
    assert "✓" in capsys.readouterr().out
    cases = [
        (-answer, "Check the sign"),
        (_gap(historical_bias=0.6), "without a proxy"),
        (_gap(historical_bias=0.6, proxy_strength=0.9, use_group=True), "saw the group column"),
        (0.9, "subtract A's selection rate"),
        ("-0.25", "give a number"),
        (None, "Not answered yet"),
    ]
    for wrong, hint in cases:
        assert exercises.check_unaware_gap(wrong) is False
        assert hint in capsys.readouterr().out


def test_label_bias_knob(capsys):
    # Reference solution: the knob under which B's error vs truth and vs records part most.
    parted = {}
    for knob, value in {"representation": 0.9, "historical_bias": 0.6,
                        "measurement_bias": 2.0, "proxy_strength": 0.9}.items():
        m = fit_and_score_world(make_biased_world(4000, random_state=0, **{knob: value}),
                                use_group=True).metrics
        parted[knob] = m.loc["B", "error_vs_truth"] - m.loc["B", "error_vs_recorded"]
    answer = max(parted, key=parted.get)
    assert parted[answer] > 0.1
    assert all(parted[k] == 0 for k in parted if k != answer)
    assert exercises.check_label_bias_knob(answer) is True
    assert exercises.check_label_bias_knob("Historical Bias") is True
    capsys.readouterr()
    for wrong, hint in [("measurement_bias", "Noisy scores"), ("representation", "smaller"),
                        ("proxy_strength", "A proxy changes a feature"),
                        ("the labels", "Answer with a knob name"), (3, "Answer with a knob name"),
                        (None, "Not answered yet")]:
        assert exercises.check_label_bias_knob(wrong) is False
        assert hint in capsys.readouterr().out


def test_frozen_share(capsys):
    h = simulate_feedback_loop(initial_records=(70, 30), policy="proportional")
    answer = h[(h.group == "B") & (h["round"] == 30)].visit_share.item()
    assert answer == pytest.approx(0.3, abs=0.02)  # the urn keeps the past's share
    assert exercises.check_frozen_share(answer) is True
    fixed = simulate_feedback_loop(initial_records=(70, 30), policy="rate-corrected")
    fixed_b = fixed[(fixed.group == "B") & (fixed["round"] == 30)].visit_share.item()
    capsys.readouterr()
    for wrong, hint in [(0.5, "what the truth would justify"), (1 - answer, "A's share"),
                        (fixed_b, "rate-corrected"), (0.1, "read B's visit_share"),
                        ([answer], "give a number")]:
        assert exercises.check_frozen_share(wrong) is False
        assert hint in capsys.readouterr().out


def test_checks_are_registered():
    assert set(lesson01.__all__) <= set(exercises.all_checks())
