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

from fairlab.exercises._core import NOT_ANSWERED, check_number, check_option, feedback

__all__ = ["LESSON_ARGS", "check_pareto_count", "check_budget_choice",
           "check_interval_width"]

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


def check_interval_width(answer: Any) -> bool:
    """Exercise 3: the width of the 95 % t interval of the no-intervention accuracy.

    Examples
    --------
    >>> check_interval_width(None)
    ✗ Not answered yet: replace None with your answer and run the cell again.
    False

    Lesson: 11-choosing-an-intervention
    """
    if answer is None or isinstance(answer, bool) or not isinstance(answer, int | float |
                                                                    np.integer | np.floating):
        return check_number(answer, 0.0, tol=0.0, hint="Give a number such as 0.05.")
    row = _summary().loc["none"].iloc[0]
    expected = float(row["accuracy_high"] - row["accuracy_low"])
    fold_range = float(row["accuracy_max"] - row["accuracy_min"])
    sd = float(row["accuracy_sd"])
    tol = 0.0005
    return check_number(
        answer, expected, tol=tol,
        praise=f"Correct: about {expected:.3f}, wider than the folds' own range "
               f"({fold_range:.3f}): with 3 folds the t quantile is 4.30, and the folds "
               "share training rows, so even this understates the uncertainty.",
        hint="Subtract accuracy_low from accuracy_high in the 'none' row of "
             "summarize(results).",
        near_misses={
            "That is the range of the three folds (max minus min), not the interval for "
            "the mean.": lambda a: abs(a - fold_range) <= tol,
            "That is the standard deviation across folds; the interval is mean ± t·sd/√n.":
                lambda a: abs(a - sd) <= tol,
            "That is half the width; the exercise asks for high minus low.":
                lambda a: abs(a - expected / 2) <= tol,
        },
    )
