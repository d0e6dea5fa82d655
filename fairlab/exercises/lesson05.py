"""Exercise checks for lesson 05 · Fairness metrics.

Each check prints ✓ or a specific hint (never the answer) and returns True/False.

Lesson: 05-fairness-metrics
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import check_function, check_number, check_option, feedback

__all__ = ["check_fpr_gap_function", "check_compas_high_fpr_gap", "check_chouldechova_fpr",
           "check_metric_choice", "compas_gaps"]


@cache
def compas_gaps(threshold: int) -> dict[str, float]:
    """FPR, FNR and accuracy gaps (African-American minus Caucasian) at ``decile >= threshold``.

    Examples
    --------
    >>> round(compas_gaps(5)["fpr"], 3)
    0.203

    Lesson: 05-fairness-metrics
    """
    from fairlab.datasets import load_compas
    from fairlab.metrics import group_metrics

    frame = load_compas().frame
    two = frame[frame["race"].isin(["African-American", "Caucasian"])]
    m = group_metrics(two["two_year_recid"], two["decile_score"] >= threshold,
                      sensitive_features=two["race"])
    diff = m.loc["African-American"] - m.loc["Caucasian"]
    return {k: float(diff[k]) for k in ("fpr", "fnr", "accuracy", "selection_rate")}


def check_compas_high_fpr_gap(answer: Any) -> bool:
    """Exercise 1: the FPR gap (African-American minus Caucasian) when only "High" (≥ 8) is
    positive.

    Examples
    --------
    >>> check_compas_high_fpr_gap(None)
    ✗ Not answered yet: replace None with your answer and run the cell again.
    False

    Lesson: 05-fairness-metrics
    """
    g, g5 = compas_gaps(8), compas_gaps(5)
    tol = 0.002
    return check_number(
        answer, g["fpr"], tol=tol,
        praise="Correct: the gap shrinks at the stricter threshold, but Black defendants "
               "who did not reoffend are still flagged 'High' more often.",
        hint="Treat decile_score >= 8 as the positive prediction, keep only the two groups, "
             "take the FPR column of group_metrics and subtract Caucasian from "
             "African-American.",
        near_misses={
            "That is the gap at decile >= 5 ('medium or high'); this exercise counts only "
            "'High' (decile >= 8) as positive.": lambda a: abs(a - g5["fpr"]) <= tol,
            "That is the gap in false-negative rates; the exercise asks for false-positive "
            "rates (among people with two_year_recid == 0).":
                lambda a: abs(abs(a) - abs(g["fnr"])) <= tol,
            "That is the accuracy gap: an accuracy difference is not an error-rate "
            "difference. Use the FPR column.": lambda a: abs(abs(a) - abs(g["accuracy"])) <= tol,
            "That is the gap in selection rates (demographic parity); FPR only counts "
            "people who did not reoffend.":
                lambda a: abs(a - g["selection_rate"]) <= tol,
            "Right size, wrong sign: subtract the Caucasian FPR from the African-American "
            "FPR.": lambda a: abs(a + g["fpr"]) <= tol,
            "Give the gap as a fraction between -1 and 1, not in percent.":
                lambda a: abs(a / 100 - g["fpr"]) <= tol,
        },
    )


def check_chouldechova_fpr(answer: Any) -> bool:
    """Exercise 2: the FPR forced by base rate 0.6, PPV 0.7 and FNR 0.3.

    Examples
    --------
    >>> check_chouldechova_fpr(0.9)
    ✗ Write the identity out: FPR = p/(1-p) · (1-PPV)/PPV · (1-FNR), with p = 0.6.
    False

    Lesson: 05-fairness-metrics
    """
    p, ppv, fnr = 0.6, 0.7, 0.3
    odds, prec = p / (1 - p), (1 - ppv) / ppv
    tol = 0.005
    return check_number(
        answer, odds * prec * (1 - fnr), tol=tol,
        praise="Correct: a group with this base rate, PPV and FNR has no choice about its "
               "FPR.",
        hint="Write the identity out: FPR = p/(1-p) · (1-PPV)/PPV · (1-FNR), with p = 0.6.",
        near_misses={
            "You left out the last factor: multiply by (1 - FNR), the TPR.":
                lambda a: abs(a - odds * prec) <= tol,
            "The last factor is 1 - FNR (the TPR), not the FNR itself.":
                lambda a: abs(a - odds * prec * fnr) <= tol,
            "The first factor is the base-rate odds p/(1-p) = 0.6/0.4, not (1-p)/p.":
                lambda a: abs(a - prec * (1 - fnr) / odds) <= tol,
            "The middle factor is (1-PPV)/PPV = 0.3/0.7, not PPV/(1-PPV).":
                lambda a: abs(a - odds * (1 - fnr) / prec) <= tol,
        },
    )


_ALIASES = {
    "fpr": "fpr", "false positive rate": "fpr", "false_positive_rate": "fpr",
    "false-positive rate": "fpr", "predictive equality": "fpr", "fpr parity": "fpr",
    "tpr": "tpr", "true positive rate": "tpr", "equal opportunity": "tpr",
    "equal_opportunity": "tpr", "recall": "tpr",
    "selection_rate": "selection_rate", "selection rate": "selection_rate",
    "demographic parity": "selection_rate", "demographic_parity": "selection_rate",
    "ppv": "ppv", "precision": "ppv", "predictive parity": "ppv",
    "predictive_parity": "ppv",
    "accuracy": "accuracy",
}


def _normalize(value: Any) -> str:
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text is None:
        raise TypeError
    return _ALIASES.get(text, text)


def check_metric_choice(answer: Any) -> bool:
    """Exercise 3: which rate to equalize when a wrongful flag is the harm.

    Examples
    --------
    >>> check_metric_choice("accuracy")
    ✗ Accuracy mixes both kinds of error and both kinds of people; a group can have the \
same accuracy and many more wrongful flags.
    False

    Lesson: 05-fairness-metrics
    """
    if answer is not None and not isinstance(answer, str):
        return feedback(False, f"Your answer is a {type(answer).__name__}; give one of the "
                               "names 'selection_rate', 'tpr', 'fpr', 'ppv', 'accuracy' as "
                               "a string.")
    return check_option(
        answer, "fpr", normalize=_normalize,
        praise="Correct: the harm falls on honest applicants who get flagged, so compare "
               "the share of honest applicants flagged in each group (predictive equality).",
        hint="Ask who bears the harm: which people are hurt by a wrongful flag, and which "
             "rate counts them? Answer with 'selection_rate', 'tpr', 'fpr', 'ppv' or "
             "'accuracy'.",
        hints={
            "tpr": "The TPR counts fraudsters who get caught: it protects the bank, not the "
                   "honest applicants who are delayed.",
            "selection_rate": "Equal flag rates could still flag many more honest people in "
                              "one group if fraud is rarer there.",
            "ppv": "PPV asks how many flagged people are fraudsters: it looks from the "
                   "reviewer's side, not from the honest applicant's.",
            "accuracy": "Accuracy mixes both kinds of error and both kinds of people; a "
                        "group can have the same accuracy and many more wrongful flags.",
        },
    )


def check_fpr_gap_function(answer: Any) -> bool:
    """Exercise (build it): ``answer(y_true, y_pred, group)`` → largest minus smallest FPR.

    Checked on hidden cases with two to four groups against
    :func:`fairlab.metrics.group_metrics`.

    Examples
    --------
    >>> check_fpr_gap_function(lambda y, p, g: 0.0)
    ✗ ...
    False

    Lesson: 05-fairness-metrics
    """
    import numpy as np

    from fairlab.metrics import group_metrics

    rng = np.random.default_rng(5)
    cases = []
    for n, k in ((20, 2), (60, 3), (300, 4)):
        g = np.array([f"g{i}" for i in range(k)] * 2 + list(rng.choice(
            [f"g{i}" for i in range(k)], size=n - 2 * k)))
        y = np.concatenate([np.zeros(k, int), np.ones(k, int), rng.integers(0, 2, n - 2 * k)])
        yp = (rng.random(n) < np.where(g == f"g{k - 1}", 0.8, 0.3)).astype(int)  # last: highest
        fpr = group_metrics(y, yp, sensitive_features=g)["fpr"]
        cases.append(((y, yp, g), float(fpr.max() - fpr.min())))
    return check_function(
        answer, cases,
        compare=lambda got, want: abs(float(got) - want) < 1e-9,
        praise="Correct: FPR = fp / (fp + tn) among each group's negatives, largest minus "
               "smallest, for any number of groups.",
        hint="In each group, FPR = (y_pred == 1 among y_true == 0) / (number with y_true == 0); "
             "return the largest minus the smallest over all groups (not group 0 minus "
             "group 1: there may be more than two).",
    )
