"""Exercise checks for lesson 11 (choosing an intervention).

Every expected value is computed here from the lesson's own comparison
(:data:`LESSON_ARGS` passed to :func:`fairlab.compare.compare_interventions`,
read from the same on-disk cache the lesson filled), never typed in.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from fairlab.exercises._core import (
    NOT_ANSWERED,
    check_function,
    check_number,
    check_option,
    feedback,
)

__all__ = ["LESSON_ARGS", "check_pareto_count", "check_budget_choice",
           "check_t_interval"]

#: The comparison the lesson runs (and these checks read back from the cache).
LESSON_ARGS: dict[str, Any] = dict(dataset="adult", sensitive_columns="sex", n_splits=3,
                                   subsample=3000, random_state=0)


@cache
def _summary() -> pd.DataFrame:
    from fairlab.compare import compare_interventions, summarize

    args = dict(LESSON_ARGS)
    return summarize(compare_interventions(args.pop("dataset"), progress=False, **args))


def _pareto_count(gap: str) -> int:
    from fairlab.compare import pareto_mask

    s = _summary()
    return int(pareto_mask(s["accuracy"], s[gap]).sum())


def check_pareto_count(answer: Any) -> bool:
    """Exercise 1: how many settings are Pareto-optimal for the equal-opportunity gap?

    Examples
    --------
    >>> check_pareto_count("three")
    ✗ Your answer is a str; give a number such as 0.25 (not a string or a list).
    False

    Lesson: 11-choosing-an-intervention
    """
    if isinstance(answer, float | np.floating) and float(answer).is_integer():
        answer = int(answer)
    if answer is None or isinstance(answer, bool) or not isinstance(answer, int | np.integer):
        return check_number(answer, 0.0, tol=0.0, hint="Give a whole number: how many "
                            "settings are Pareto-optimal.")  # type hints before any work
    s = _summary()
    expected = _pareto_count("eo_gap")
    dp = _pareto_count("dp_gap")
    near = {
        "That is the number for the demographic parity gap; the exercise asks about the "
        "equal-opportunity gap (column 'eo_gap').": lambda a: a == dp and dp != expected,
        "That counts every setting; a Pareto-optimal one is beaten by no other setting on "
        "both accuracy and the gap.": lambda a: a == len(s) and len(s) != expected,
        "Count settings, not interventions: a single intervention can have several "
        "Pareto-optimal settings (e.g. two values of λ).": lambda a: a < expected,
    }
    return check_number(
        answer, expected, tol=0.1,
        praise=f"Correct: {expected} of the {len(s)} settings are on the equal-opportunity "
               "front. Every other setting is beaten on both accuracy and the gap by one of "
               "them.",
        hint="Use pareto_mask(summary['accuracy'], summary['eo_gap']) and count the True "
             "values (summary = summarize(results)).",
        near_misses=near,
    )


def _best_under_budget(gap: str, max_loss: float) -> str:
    s = _summary()
    floor = s.loc["none", "accuracy"].iloc[0] - max_loss
    ok = s[s["accuracy"] >= floor - 1e-12]
    return str(ok[gap].idxmin()[0])


_EX2_GAP, _EX2_LOSS = "eo_gap", 0.04


def check_budget_choice(answer: Any) -> bool:
    """Exercise 2: the intervention with the smallest mean equal-opportunity gap that loses
    at most 0.04 accuracy against no intervention.

    Examples
    --------
    >>> check_budget_choice(3)  # doctest: +ELLIPSIS
    ✗ Your answer is a int; give one intervention name as a string, one of ['none', ...].
    False

    Lesson: 11-choosing-an-intervention
    """
    from fairlab.compare import INTERVENTIONS

    if answer is None:
        return feedback(False, NOT_ANSWERED)
    if not isinstance(answer, str):
        return feedback(False, f"Your answer is a {type(answer).__name__}; give one "
                               f"intervention name as a string, one of {list(INTERVENTIONS)}.")
    s = _summary()
    expected = _best_under_budget(_EX2_GAP, _EX2_LOSS)
    hints: dict[str, str] = {}
    no_budget = str(s[_EX2_GAP].idxmin()[0])
    if no_budget != expected:
        hints[no_budget] = ("That intervention has the smallest equal-opportunity gap of all, "
                            f"but that setting loses more than {_EX2_LOSS} accuracy: drop the "
                            "settings below the floor first.")
    dp_choice = _best_under_budget("dp_gap", _EX2_LOSS)
    if dp_choice not in hints and dp_choice != expected:
        hints[dp_choice] = ("That is the winner for the demographic parity gap; this decision "
                            "cares about equal opportunity (column 'eo_gap').")
    if expected != "none" and "none" not in hints:
        hints["none"] = ("Some intervention lowers the equal-opportunity gap within the "
                         "budget: compare every setting whose accuracy is at least the "
                         f"baseline's minus {_EX2_LOSS}.")

    def normalize(v: Any) -> str:
        if not isinstance(v, str):
            raise TypeError
        return v.strip().lower().split(":")[0].strip()

    return check_option(
        answer, expected, hints=hints, normalize=normalize,
        hint=f"Give one intervention name from {list(INTERVENTIONS)}. Keep the settings whose "
             f"mean accuracy is at least the no-intervention accuracy minus {_EX2_LOSS}, then "
             "take the smallest mean 'eo_gap'.",
        praise=f"Correct: {expected} has the smallest mean equal-opportunity gap within the "
               "budget. Now check its interval and whether it needs the group at decision "
               "time.",
    )


def _t_interval(values, level):
    """Reference: the Student-t interval of the mean (scipy's quantile, ddof=1)."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean() - half), float(v.mean() + half)


def check_t_interval(answer: Any) -> bool:
    """Exercise 3 (build it): ``answer(values, level)`` → ``(low, high)``, the t interval.

    The Student-t confidence interval for the mean of a few fold values, as
    :func:`fairlab.compare.summarize` reports it (before clipping to [0, 1]):
    mean ± t(level, n − 1) · s / √n with the sample standard deviation s (ddof=1).
    Checked on hidden cases (2 to 10 values; levels 0.9, 0.95, 0.99) against scipy.

    Examples
    --------
    >>> check_t_interval(lambda values, level: (0.0, 1.0))
    ✗ ...
    False

    Lesson: 11-choosing-an-intervention
    """
    from scipy import stats

    rng = np.random.default_rng(11)
    cases = []
    for n, level in ((3, 0.95), (2, 0.95), (5, 0.9), (10, 0.99), (4, 0.95)):
        values = np.round(0.8 + 0.05 * rng.standard_normal(n), 4)
        cases.append(((values, level), _t_interval(values, level)))

    def pair(got):
        low, high = (float(x) for x in got)
        return low, high

    def same(got, want):
        low, high = pair(got)
        return abs(low - want[0]) < 1e-9 and abs(high - want[1]) < 1e-9

    def diagnose(args, got):
        values, level = args
        v = np.asarray(values, dtype=float)
        low, high = pair(got)
        half, mean = (high - low) / 2, v.mean()
        n, z = len(v), stats.norm.ppf(0.5 + level / 2)
        t = stats.t.ppf(0.5 + level / 2, n - 1)
        s1, s0 = v.std(ddof=1), v.std(ddof=0)
        if abs((low + high) / 2 - mean) > 1e-9:
            return "Centre the interval on the mean of the values."
        if abs(half - z * s1 / np.sqrt(n)) < 1e-9:
            return ("That uses the normal quantile (1.96 at 95 %). With a handful of folds "
                    "the standard deviation is itself uncertain: use Student's t with n − 1 "
                    "degrees of freedom (scipy.stats.t.ppf).")
        if abs(half - t * s0 / np.sqrt(n)) < 1e-9:
            return "Use the sample standard deviation, ddof=1 (numpy's default is ddof=0)."
        if abs(half - t * s1) < 1e-9:
            return ("That interval is for one new value; the mean's standard error is "
                    "s / √n.")
        if abs(half - stats.t.ppf(level, n - 1) * s1 / np.sqrt(n)) < 1e-9:
            return ("A two-sided interval leaves (1 − level) / 2 in each tail: use the "
                    "quantile at 0.5 + level / 2.")
        return None

    return check_function(
        answer, cases, compare=same, diagnose=diagnose,
        praise="Correct. With 3 folds the t quantile is 4.30 rather than 1.96, so the "
               "interval is more than twice as wide as a normal one would be, and the "
               "folds share training rows, so even this understates the uncertainty "
               "(Nadeau & Bengio 2003).",
        hint="mean ± t · s / √n, with t = scipy.stats.t.ppf(0.5 + level / 2, n − 1) and s the "
             "sample standard deviation (ddof=1). Return (low, high).",
    )
