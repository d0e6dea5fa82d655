"""Lesson 14 checks: the reference solutions (computed here, independently) pass; typical
mistakes get their own hint."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from fairlab import exercises
from fairlab.causal import world_scm


def _flip_rates(measurement_bias):
    """By hand: flip group with the same noise, decide again, average per group."""
    scm = world_scm(historical_bias=0.6, proxy_strength=0.9, measurement_bias=measurement_bias)
    train = scm.propagate(scm.sample_noise(4000, random_state=0))
    noise = scm.sample_noise(4000, random_state=1)
    features = ["test_score", "experience"]
    model = LogisticRegression().fit(train[features], train.target)
    real = scm.propagate(noise)
    flipped = scm.propagate(noise, do={"group": 1 - real["group"]})
    changed = model.predict(real[features]) != model.predict(flipped[features])
    g = real["group"].to_numpy()
    return {"A": changed[g == 0].mean(), "B": changed[g == 1].mean()}


def test_measured_flip_rate(capsys):
    rates = _flip_rates(1.0)
    assert rates["B"] > 0.01  # measurement bias makes test_score a path from group
    assert exercises.check_measured_flip_rate(rates["B"]) is True
    assert "✓" in capsys.readouterr().out
    for wrong, hint in [(_flip_rates(0.0)["B"], "without measurement bias"),
                        (rates["B"] + 0.1, "train on test_score and experience"),
                        (None, "Not answered")]:
        assert exercises.check_measured_flip_rate(wrong) is False
        assert hint in capsys.readouterr().out


def test_shortcut_accuracy_drop(capsys):
    from fairlab.causal import shortcut_data

    d = shortcut_data(4000, shortcut_strength=0.6, random_state=0)
    features = ["test_score", "experience", "neighbourhood"]
    model = LogisticRegression().fit(d.train[features], d.train.true_target)

    def acc(frame, g):
        rows = frame[frame.group == g]
        return (model.predict(rows[features]) == rows.true_target).mean()

    drop = acc(d.test, 1.0) - acc(d.shifted, 1.0)
    assert drop > 0
    assert exercises.check_shortcut_accuracy_drop(drop) is True
    assert exercises.check_shortcut_accuracy_drop(-drop) is False
    assert "sign" in capsys.readouterr().out
    assert exercises.check_shortcut_accuracy_drop(acc(d.test, 0.0) - acc(d.shifted, 0.0)) is False
    assert "group A" in capsys.readouterr().out


def test_flip_rate_function(capsys):
    def flip_rate(predict, scm, noise, features):
        factual = scm.propagate(noise)
        flipped = scm.propagate(noise, do={"group": 1 - factual["group"]})
        return float(np.mean(np.asarray(predict(factual[features]))
                             != np.asarray(predict(flipped[features]))))

    assert exercises.check_flip_rate_function(flip_rate) is True
    assert "✓" in capsys.readouterr().out

    def no_flip(predict, scm, noise, features):
        v = scm.propagate(noise)
        return float(np.mean(np.asarray(predict(v[features])) != np.asarray(predict(v[features]))))

    def group_b_only(predict, scm, noise, features):  # averages over B only
        v = scm.propagate(noise)
        f = scm.propagate(noise, do={"group": 1 - v["group"]})
        changed = np.asarray(predict(v[features])) != np.asarray(predict(f[features]))
        return float(changed[v["group"].to_numpy() == 1].mean())

    for wrong, hint in [(no_flip, "Nothing flipped"), (group_b_only, "over all people"),
                        (0.3, "give the function"), (None, "Not answered"),
                        (lambda *a: 1 / 0, "raised ZeroDivisionError")]:
        assert exercises.check_flip_rate_function(wrong) is False
        assert hint in capsys.readouterr().out


@pytest.mark.parametrize("name", ["check_measured_flip_rate", "check_shortcut_accuracy_drop",
                                  "check_flip_rate_function"])
def test_checks_are_registered(name):
    assert name in exercises.all_checks()
