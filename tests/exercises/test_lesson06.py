"""Lesson 06 checks: the reference solution passes, typical mistakes get their own hint."""

from fairlab import exercises
from fairlab.thresholds import fico_case_study


def test_black_granted(capsys):
    study = fico_case_study()
    answer = study.attrs["granted"].loc["Black", "max_profit"]  # the notebook's solution
    assert 0.1 < answer < 0.25
    assert exercises.check_black_granted(answer) is True
    assert "✓" in capsys.readouterr().out
    for wrong, hint in [
        (study.loc["Black", "max_profit"], "score threshold"),
        (study.attrs["granted"].loc["White", "max_profit"], "White applicants"),
        (study.attrs["granted"].loc["Black", "single_threshold"], "single-threshold"),
        (study.attrs["tpr"].loc["Black", "max_profit"], "repayers"),
        (0.9, "Read study.attrs['granted']"),
        ("0.16", "give a number"),
        (None, "Not answered yet"),
    ]:
        assert exercises.check_black_granted(wrong) is False
        assert hint in capsys.readouterr().out


def test_costliest_policy(capsys):
    profit = fico_case_study().attrs["profit"].drop("max_profit")
    answer = profit.idxmin()
    assert answer == "demographic_parity"
    assert exercises.check_costliest_policy(answer) is True
    assert exercises.check_costliest_policy("Demographic Parity") is True
    capsys.readouterr()
    for wrong, hint in [("single_threshold", "close to the maximum"),
                        ("equal-opportunity", "Is any policy lower?"),
                        ("max_profit", "yardstick"), ("fairness", "Answer with a policy name"),
                        (None, "Not answered yet")]:
        assert exercises.check_costliest_policy(wrong) is False
        assert hint in capsys.readouterr().out


def test_eo_repayers(capsys):
    study = fico_case_study()
    tpr = study.attrs["tpr"]["equal_opportunity"]
    assert tpr.max() - tpr.min() < 1e-9
    assert exercises.check_eo_repayers(float(tpr.iloc[0])) is True
    capsys.readouterr()
    for wrong, hint in [(study.attrs["granted"].loc["White", "equal_opportunity"], "applicants"),
                        (study.loc["Black", "equal_opportunity"], "score threshold"),
                        (0.2, "every group has the same value"), ([0.7], "give a number")]:
        assert exercises.check_eo_repayers(wrong) is False
        assert hint in capsys.readouterr().out
