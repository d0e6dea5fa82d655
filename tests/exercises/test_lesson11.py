"""Lesson 11 checks: the reference solution (computed here, independently) passes, typical
wrong answers get their specific hint. The lesson's comparison is swapped for a cheaper one
(same dataset and subsample, no neural or reductions training) to keep the test fast."""

from __future__ import annotations

import pytest

from fairlab.compare import compare_interventions
from fairlab.exercises import lesson11

CHEAP = dict(dataset="adult", sensitive_columns="sex", n_splits=3, subsample=3000, random_state=0,
             interventions=["none", "resampling", "reweighing", "thresholds"])


@pytest.fixture(scope="module")
def means(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(lesson11, "LESSON_ARGS", CHEAP)
    mp.setenv("FAIRLAB_CACHE", str(tmp_path_factory.mktemp("cache")))
    lesson11._summary.cache_clear()
    args = dict(CHEAP)
    folds = compare_interventions(args.pop("dataset"), progress=False, **args)
    yield folds, folds.groupby(["intervention", "setting"], sort=False)
    lesson11._summary.cache_clear()
    mp.undo()


def _pareto(acc, gap):
    return [not any(acc[j] >= acc[i] and gap[j] <= gap[i] and (acc[j] > acc[i] or
                                                              gap[j] < gap[i])
                    for j in range(len(acc))) for i in range(len(acc))]


def test_pareto_count(means, capsys):
    folds, grouped = means
    acc, eo = grouped["accuracy"].mean().to_numpy(), grouped["eo_gap"].mean().to_numpy()
    dp = grouped["dp_gap"].mean().to_numpy()
    answer = sum(_pareto(acc, eo))
    assert lesson11.check_pareto_count(answer) is True
    assert lesson11.check_pareto_count(float(answer)) is True
    assert lesson11.check_pareto_count(len(acc) + 5) is False
    assert "pareto_mask" in capsys.readouterr().out
    n_dp = sum(_pareto(acc, dp))
    if n_dp != answer:
        assert lesson11.check_pareto_count(n_dp) is False
        assert "demographic parity" in capsys.readouterr().out
    assert lesson11.check_pareto_count(None) is False
    assert "Not answered" in capsys.readouterr().out
    assert lesson11.check_pareto_count("3") is False
    assert "str" in capsys.readouterr().out


def test_budget_choice(means, capsys):
    folds, grouped = means
    acc, eo = grouped["accuracy"].mean(), grouped["eo_gap"].mean()
    floor = acc.loc[("none", "logistic")] - 0.04
    answer = eo[acc >= floor].idxmin()[0]
    assert lesson11.check_budget_choice(answer) is True
    assert lesson11.check_budget_choice(f"  {answer.upper()}: some setting ") is True
    overall = eo.idxmin()[0]
    if overall != answer:
        assert lesson11.check_budget_choice(overall) is False
        assert "loses more than 0.04" in capsys.readouterr().out
    if answer != "none":
        assert lesson11.check_budget_choice("none") is False
        assert "lowers the equal-opportunity gap" in capsys.readouterr().out
    assert lesson11.check_budget_choice("magic") is False
    assert "Give one intervention name" in capsys.readouterr().out
    assert lesson11.check_budget_choice(["resampling"]) is False
    assert "list" in capsys.readouterr().out
