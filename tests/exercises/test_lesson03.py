"""Lesson 03 checks: the reference solution passes, typical mistakes get their own hint."""

import numpy as np
import pandas as pd

from fairlab import exercises
from fairlab.datasets import load_adult
from fairlab.recipes import lesson_split
from fairlab.resampling import GroupBalancedSampler


def _run(check, cases, capsys):
    capsys.readouterr()
    for wrong, hint in cases:
        assert check(wrong) is False, wrong
        assert hint in capsys.readouterr().out, (wrong, hint)


def test_reweighing_weight(capsys):
    adult = load_adult()
    # independent oracle: the formula from pandas frequencies
    sex, y = adult.sensitive_features["sex"].astype(str), adult.target
    p_g, p_y = (sex == "Female").mean(), (y == 1).mean()
    p_gy = ((sex == "Female") & (y == 1)).mean()
    answer = p_g * p_y / p_gy
    assert exercises.check_reweighing_weight(answer) is True
    assert exercises.check_reweighing_weight(np.array([answer])) is True
    assert "✓" in capsys.readouterr().out
    w_f0 = p_g * (1 - p_y) / ((sex == "Female") & (y == 0)).mean()
    w_m1 = (1 - p_g) * p_y / ((sex == "Male") & (y == 1)).mean()
    _run(exercises.check_reweighing_weight, [
        (1 / answer, "You inverted it"),
        (w_f0, "women with label 0"),
        (w_m1, "men with label 1"),
        (p_gy / p_g, "base rate"),
        (1.0, "P(g) · P(y) / P(g, y)"),
        ("2.2", "give a number"),
        (None, "Not answered yet"),
    ], capsys)


def test_cells_undersampled_rows(capsys):
    adult = load_adult()
    tab = pd.crosstab(adult.sensitive_features["race"].astype(str), adult.target)
    answer = int(tab.size * tab.to_numpy().min())
    assert exercises.check_cells_undersampled_rows(answer) is True
    min_group = int(tab.sum(axis=1).min())
    _run(exercises.check_cells_undersampled_rows, [
        (5 * min_group, "balances the race groups"),
        (int(tab.to_numpy().min()), "size of one cell"),
        (5 * int(tab.to_numpy().min()), "Count both labels"),
        (32561, "smallest cell"),
        ([answer], "give a number"),
    ], capsys)


def test_balanced_base_rate(capsys):
    split = lesson_split("adult", sensitive_columns="sex")
    s = GroupBalancedSampler("over", "groups", sensitive_columns="sex", random_state=0)
    X_res, y_res = s.fit_resample(split.X_train, split.y_train)
    answer = y_res[X_res["sex"] == "Female"].mean()
    # oversampling keeps women's base rate, up to one row of rounding
    women = split.y_train[split.X_train["sex"] == "Female"]
    assert abs(answer - women.mean()) < 1 / len(women)
    assert exercises.check_balanced_base_rate(answer) is True
    _run(exercises.check_balanced_base_rate, [
        (0.5, "balance='group_label'"),
        (split.y_train.mean(), "base rate of everyone"),
        (0.3, "groups_resampled_"),
    ], capsys)
