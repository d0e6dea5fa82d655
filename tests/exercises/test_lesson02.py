"""Lesson 02 checks: the reference solution passes, typical mistakes get their own hint."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from scipy.stats.contingency import association
from sklearn.feature_selection import mutual_info_classif

from fairlab import exercises
from fairlab.audit import chi_square_power, outcome_by_group, power_curve, proxy_strength
from fairlab.datasets import load_adult, load_compas


def _run(check, cases, capsys):
    capsys.readouterr()
    for wrong, hint in cases:
        assert check(wrong) is False, wrong
        assert hint in capsys.readouterr().out, (wrong, hint)


def test_strongest_proxy(capsys):
    adult = load_adult()
    ranking = proxy_strength(adult.frame, "sex", features=adult.feature_names).features
    answer = ranking.index[0]  # the notebook's solution
    # Independent oracle: sklearn's discrete MI on the full data, categorical columns.
    codes = adult.frame["sex"].cat.codes
    cats = ["relationship", "marital_status", "occupation", "workclass"]
    X = np.column_stack([adult.frame[c].cat.codes for c in cats])
    mi = dict(zip(cats, mutual_info_classif(X, codes, discrete_features=True), strict=True))
    assert max(mi, key=mi.get) == answer == "relationship"
    assert exercises.check_strongest_proxy(answer) is True
    assert exercises.check_strongest_proxy(" Relationship ") is True
    assert "✓" in capsys.readouterr().out
    _run(exercises.check_strongest_proxy, [
        ("marital_status", "Close"),
        ("sex", "cannot be its own proxy"),
        ("income", "label, not a feature"),
        ("age", "first row of its .features"),
        (3, "first row of its .features"),
        (None, "Not answered yet"),
    ], capsys)


def test_compas_race_v(capsys):
    frame = load_compas().frame
    answer = outcome_by_group(frame, "two_year_recid", "race").test.effect_size
    table = pd.crosstab(frame["race"], frame["two_year_recid"]).to_numpy()
    assert answer == pytest.approx(association(table, method="cramer"))  # scipy oracle
    chi2, p, *_ = chi2_contingency(table, correction=False)
    assert exercises.check_compas_race_v(answer) is True
    assert exercises.check_compas_race_v(round(answer, 3)) is True
    sex_v = association(pd.crosstab(frame["sex"], frame["two_year_recid"]).to_numpy(),
                        method="cramer")
    recid_v = association(pd.crosstab(frame["race"], frame["is_recid"]).to_numpy(),
                          method="cramer")
    _run(exercises.check_compas_race_v, [
        (chi2, "χ² statistic"),
        (chi2 / len(frame), "V squared"),
        (sex_v, "V for sex"),
        (recid_v, "is_recid"),
        (p, "p-value"),
        (0.5, "read the effect size"),
        ("0.14", "give a number"),
        (None, "Not answered yet"),
    ], capsys)


def test_power_n(capsys):
    # Reference solution, as in the notebook: w from the rates, smallest n with power >= 0.8.
    w = power_curve([100], base_rates=(0.30, 0.40), n_sims=1)["w"].iloc[0]
    ns = np.arange(50, 3000)
    answer = int(ns[chi_square_power(ns, w, 1) >= 0.8][0])
    # Hand formula for w with equal groups: 0.5 × 0.1 / sqrt(0.35 × 0.65).
    assert w == pytest.approx(0.05 / np.sqrt(0.35 * 0.65))
    assert exercises.check_power_n(answer) is True
    assert exercises.check_power_n(answer + 5) is True  # simulation-level precision is fine
    _run(exercises.check_power_n, [
        (answer / 2, "size of one group"),
        (785, "w = 0.1 exactly"),
        (100, "smallest n"),
        ([answer], "give a number"),
        (None, "Not answered yet"),
    ], capsys)
