"""Exercise checks for lesson 06 (decision thresholds).

Each expected value is computed here from :func:`fairlab.thresholds.fico_case_study`,
the same table the lesson builds, never typed in.

Lesson: 06-decision-thresholds
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import check_function, check_number, check_option

__all__ = ["check_black_granted", "check_costliest_policy", "check_eo_repayers",
           "check_threshold_search", "check_recalibration_prediction"]


@cache
def _study():
    from fairlab.thresholds import fico_case_study

    return fico_case_study()


def check_black_granted(answer: Any) -> bool:
    """Exercise 1: the fraction of Black applicants given a loan under max profit.

    Examples
    --------
    >>> check_black_granted(0.5)
    ✗ ...
    False

    Lesson: 06-decision-thresholds
    """
    s = _study()
    granted, tpr = s.attrs["granted"], s.attrs["tpr"]
    tol = 0.005
    return check_number(
        answer, granted.loc["Black", "max_profit"], tol=tol,
        praise="Correct: the most profitable policy lends to only about one Black applicant "
               "in six, while it lends to about two White applicants in three.",
        hint="Read study.attrs['granted'] (study = fico_case_study()): the row 'Black', "
             "the column 'max_profit'. Give a fraction between 0 and 1.",
        near_misses={
            "That is a score threshold (0-100), not a fraction of people. Look in "
            "study.attrs['granted'] instead of the table itself.": lambda a: a > 1,
            "That is White applicants' fraction; the exercise asks about Black applicants.":
                lambda a: abs(a - granted.loc["White", "max_profit"]) <= tol,
            "That is the single-threshold policy; the exercise asks about max profit.":
                lambda a: abs(a - granted.loc["Black", "single_threshold"]) <= tol,
            "That is the fraction of Black *repayers* given a loan (attrs['tpr']); the "
            "exercise asks about all Black applicants (attrs['granted']).":
                lambda a: abs(a - tpr.loc["Black", "max_profit"]) <= tol,
        },
    )


def _normalize_policy(value: Any) -> str:
    return str(value).strip().lower().replace(" ", "_").replace("-", "_")


def check_costliest_policy(answer: Any) -> bool:
    """Exercise 2: of the three constrained policies, which keeps the least profit?

    Examples
    --------
    >>> check_costliest_policy("demographic parity")
    ✓ ...
    True

    Lesson: 06-decision-thresholds
    """
    profit = _study().attrs["profit"].drop("max_profit")
    expected = str(profit.idxmin())

    def keeps(name: str) -> str:
        return f"{profit[name]:.1%}"

    return check_option(
        answer, expected, normalize=_normalize_policy,
        praise=f"Correct: demographic parity keeps only {keeps(expected)} of the maximum "
               "profit, because it must lend to equal fractions of groups whose repayment "
               "rates differ.",
        hint="Answer with a policy name: 'single_threshold', 'demographic_parity' or "
             "'equal_opportunity', the one with the smallest value in study.attrs['profit'].",
        hints={
            "single_threshold": f"One threshold keeps {keeps('single_threshold')} of the "
                                "profit: close to the maximum. Look for the smallest value.",
            "equal_opportunity": f"Equal opportunity keeps {keeps('equal_opportunity')}. "
                                 "Is any policy lower?",
            "max_profit": "Max profit is the yardstick (100%); the question asks which "
                          "constrained policy gives up the most.",
        },
    )


def check_eo_repayers(answer: Any) -> bool:
    """Exercise 3: under equal opportunity, the fraction of repayers given a loan.

    Examples
    --------
    >>> check_eo_repayers(0.9)
    ✗ ...
    False

    Lesson: 06-decision-thresholds
    """
    s = _study()
    tpr, granted = s.attrs["tpr"]["equal_opportunity"], s.attrs["granted"]
    tol = 0.005
    return check_number(
        answer, float(tpr.mean()), tol=tol,
        praise="Correct: the same fraction of repayers gets a loan in every group; that "
               "equality is what the policy promises, and its thresholds differ to keep it.",
        hint="Read study.attrs['tpr']['equal_opportunity']: every group has the same value.",
        near_misses={
            "That is the fraction of a group's applicants given a loan (attrs['granted']); "
            "the exercise asks about repayers (attrs['tpr']).":
                lambda a: bool((abs(granted["equal_opportunity"] - a) <= tol).any()),
            "That is a score threshold (0-100), not a fraction.": lambda a: a > 1,
        },
    )


def _threshold_for_tpr(y, score, target):
    """Brute force: the largest distinct score t with TPR(score >= t) >= target."""
    import numpy as np

    y, score = np.asarray(y), np.asarray(score, dtype=float)
    for t in np.unique(score)[::-1]:
        if (score[y == 1] >= t).mean() >= target:
            return float(t)
    return float(score.min())


def check_threshold_search(answer: Any) -> bool:
    """Exercise (build it): ``answer(y, score, target_tpr)`` → the highest threshold reaching it.

    The highest threshold t (one of the scores) such that selecting ``score >= t``
    recognises at least ``target_tpr`` of the positives: the search
    :func:`fairlab.thresholds.optimize_thresholds` runs for each group. Checked on
    hidden cases, with ties, against a brute-force scan.

    Examples
    --------
    >>> check_threshold_search(lambda y, s, target: 0.5)
    ✗ ...
    False

    Lesson: 06-decision-thresholds
    """
    import numpy as np

    rng = np.random.default_rng(6)
    cases = []
    for n, target in ((10, 0.5), (50, 0.8), (400, 0.3), (30, 1.0)):
        y = np.concatenate([[1, 0], rng.integers(0, 2, n - 2)])
        score = np.round(rng.random(n), 1 if n == 50 else 3)  # n == 50: many ties
        cases.append(((y, score, target), _threshold_for_tpr(y, score, target)))
    return check_function(
        answer, cases,
        compare=lambda got, want: abs(float(got) - want) < 1e-12,
        praise="Correct: sort the positives' scores from the top and stop at the first score "
               "where enough of them are at or above it.",
        hint="Return one of the scores: the highest t with (score[y == 1] >= t).mean() >= "
             "target_tpr. Mind ties (several people with the same score are all selected or "
             "none) and the '>=' in both places.",
    )


def check_recalibration_prediction(answer: Any) -> bool:
    """Exercise (predict, then check): does per-group recalibration close the FNR gap at 0.5?

    Examples
    --------
    >>> check_recalibration_prediction("closes")
    ✗ ...
    False

    Lesson: 06-decision-thresholds
    """
    return check_option(
        answer, "does not close",
        normalize=lambda v: str(v).strip().lower().replace("_", " ").replace("-", " "),
        hints={"closes": "Recalibration makes each group's score mean its observed risk "
                         "(sufficiency). With different base rates, can a calibrated score "
                         "also have equal error rates (lesson 05, section 6)?"},
        praise="Right: calibration within groups and equal error rates cannot both hold when "
               "base rates differ; run the next cell to see by how much the gap moves.",
        hint='Answer "closes" or "does not close".',
    )
