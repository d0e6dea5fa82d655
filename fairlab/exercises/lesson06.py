"""Exercise checks for lesson 06 (decision thresholds).

Build-it checks run the learner's function on hidden cases against an independent
computation here (a brute-force scan, a closed form), never against typed-in numbers.

Lesson: 06-decision-thresholds
"""

from __future__ import annotations

from typing import Any

from fairlab.exercises._core import check_function, check_option

__all__ = ["check_threshold_search", "check_mixing_probability",
           "check_recalibration_prediction"]


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


def _mixing(tpr_high, tpr_low, target):
    """P(use the higher threshold) so that the mixed TPR equals ``target``."""
    return (tpr_low - target) / (tpr_low - tpr_high)


def check_mixing_probability(answer: Any) -> bool:
    """Exercise (build it): ``answer(tpr_high, tpr_low, target)`` → the mixing probability.

    Two neighbouring thresholds of one group: the higher one reaches ``tpr_high``, the
    lower one ``tpr_low`` (>= ``tpr_high``: a lower bar selects more). A coin sends each
    person to the higher threshold with probability p and to the lower one otherwise, so
    the group's expected TPR is ``p * tpr_high + (1 - p) * tpr_low``; return the p that
    makes it equal ``target``. This is how :func:`fairlab.thresholds.optimize_thresholds`
    meets an equality exactly (the ``mixing`` column of its summary). Checked on hidden
    cases against the closed form.

    Examples
    --------
    >>> check_mixing_probability(lambda tpr_high, tpr_low, target: 0.5)
    ✗ ...
    False

    Lesson: 06-decision-thresholds
    """
    import numpy as np

    rng = np.random.default_rng(16)
    cases = [((0.5, 0.7, 0.55), 0.75), ((0.2, 0.3, 0.3), 0.0), ((0.6, 0.64, 0.6), 1.0)]
    for _ in range(5):
        lo_hi = np.sort(rng.random(2))
        hi, lo = float(lo_hi[0]), float(lo_hi[1])
        target = float(hi + rng.random() * (lo - hi))
        cases.append(((hi, lo, target), _mixing(hi, lo, target)))

    def diagnose(args, got):
        got = float(got)
        if abs(got - (1 - _mixing(*args))) < 1e-9:
            return ("You returned the probability of the *lower* threshold. p belongs to "
                    "the higher threshold, the one that selects fewer people.")
        if not 0 <= got <= 1:
            return "A probability lies between 0 and 1; check which TPR is subtracted."
        return None

    return check_function(
        answer, cases,
        compare=lambda got, want: abs(float(got) - want) < 1e-9,
        diagnose=diagnose,
        praise="Correct: the mixed TPR is linear in p, so one division finds it. Every "
               "point between two thresholds' rates can be reached this way, which is why "
               "the solver can make two groups' TPRs exactly equal.",
        hint="Solve p * tpr_high + (1 - p) * tpr_low = target for p (one linear equation).",
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
