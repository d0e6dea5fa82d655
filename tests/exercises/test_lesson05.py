"""Lesson 05 checks: the reference solution passes, typical mistakes get their own hint."""

import numpy as np
import pytest

from fairlab import exercises
from fairlab.datasets import load_compas
from fairlab.metrics import group_metrics


@pytest.fixture(scope="module")
def compas_two():
    f = load_compas().frame
    return f[f["race"].isin(["African-American", "Caucasian"])]


def _rates(two, threshold):
    # an independent count with pandas, not through fairlab.metrics' gap helpers
    neg = two[two["two_year_recid"] == 0]
    pos = two[two["two_year_recid"] == 1]
    fpr = (neg["decile_score"] >= threshold).groupby(neg["race"], observed=True).mean()
    fnr = (pos["decile_score"] < threshold).groupby(pos["race"], observed=True).mean()
    return fpr, fnr


def test_compas_fpr_gap_reference_solution(compas_two, capsys):
    fpr, _ = _rates(compas_two, 8)
    solution = fpr["African-American"] - fpr["Caucasian"]
    assert exercises.check_compas_high_fpr_gap(solution) is True
    assert capsys.readouterr().out.startswith("✓")
    # the same through the lesson's own route
    m = group_metrics(compas_two["two_year_recid"], compas_two["decile_score"] >= 8,
                      sensitive_features=compas_two["race"])
    assert exercises.check_compas_high_fpr_gap(
        m.loc["African-American", "fpr"] - m.loc["Caucasian", "fpr"]) is True


@pytest.mark.parametrize(
    ("wrong", "hint"),
    [
        ("gap5", "decile >= 5"),
        ("fnr", "false-negative rates"),
        ("neg", "wrong sign"),
        ("percent", "not in percent"),
        (0.5, "Treat decile_score >= 8"),
        ("0.09", "give a number"),
        (None, "Not answered yet"),
    ],
)
def test_compas_fpr_gap_hints(compas_two, capsys, wrong, hint):
    fpr8, fnr8 = _rates(compas_two, 8)
    fpr5, _ = _rates(compas_two, 5)
    gap = fpr8["African-American"] - fpr8["Caucasian"]
    answers = {"gap5": fpr5["African-American"] - fpr5["Caucasian"],
               "fnr": fnr8["African-American"] - fnr8["Caucasian"],
               "neg": -gap, "percent": 100 * gap}
    answer = answers.get(wrong, wrong) if isinstance(wrong, str) else wrong
    assert exercises.check_compas_high_fpr_gap(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and hint in out
    assert f"{gap:.3f}" not in out  # never the answer


def test_compas_accuracy_gap_gets_the_naming_hint(compas_two, capsys):
    m = group_metrics(compas_two["two_year_recid"], compas_two["decile_score"] >= 8,
                      sensitive_features=compas_two["race"])
    acc_gap = m.loc["African-American", "accuracy"] - m.loc["Caucasian", "accuracy"]
    assert exercises.check_compas_high_fpr_gap(acc_gap) is False
    assert "accuracy gap" in capsys.readouterr().out


def test_chouldechova_reference_solution(capsys):
    p, ppv, fnr = 0.6, 0.7, 0.3
    assert exercises.check_chouldechova_fpr(p / (1 - p) * (1 - ppv) / ppv * (1 - fnr)) is True
    # the identity, checked against a confusion matrix that has these rates:
    # 100 people, 60 positive: tp = 42, fn = 18, fp = 18 (PPV 42/60 = 0.7), tn = 22
    assert exercises.check_chouldechova_fpr(18 / 40) is True
    assert capsys.readouterr().out.count("✓") == 2


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (1.5 * 3 / 7, "multiply by (1 - FNR)"),
        (1.5 * 3 / 7 * 0.3, "not the FNR itself"),
        (3 / 7 * 0.7 / 1.5, "not (1-p)/p"),
        (1.5 * 0.7 * 7 / 3, "not PPV/(1-PPV)"),
        (0.9, "Write the identity out"),
        ([0.45], "give a number"),
    ],
)
def test_chouldechova_hints(capsys, answer, hint):
    assert exercises.check_chouldechova_fpr(answer) is False
    out = capsys.readouterr().out
    assert hint in out and "0.45" not in out


@pytest.mark.parametrize("answer", ["fpr", "FPR", " false positive rate ", "predictive equality"])
def test_metric_choice_reference_solution(capsys, answer):
    assert exercises.check_metric_choice(answer) is True


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        ("tpr", "protects the bank"),
        ("equal opportunity", "protects the bank"),
        ("demographic parity", "Equal flag rates"),
        ("ppv", "reviewer's side"),
        ("accuracy", "mixes both kinds of error"),
        ("auc", "Ask who bears the harm"),
        (3, "as a string"),
        (None, "Not answered yet"),
    ],
)
def test_metric_choice_hints(capsys, answer, hint):
    assert exercises.check_metric_choice(answer) is False
    assert hint in capsys.readouterr().out


def test_checks_are_found_by_name():
    names = exercises.all_checks()
    for name in ("check_compas_high_fpr_gap", "check_chouldechova_fpr", "check_metric_choice"):
        assert name in names
    assert np.isclose(exercises.lesson05.compas_gaps(5)["fpr"], 0.2032, atol=1e-4)
