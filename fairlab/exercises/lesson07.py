"""Exercise checks for lesson 07 (adversarial debiasing).

Every expected value is computed here with :mod:`fairlab.adversarial`, never
typed in.

Lesson: 07-adversarial-debiasing
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fairlab.exercises._core import check_function, check_number, check_option

__all__ = ["check_projection_function", "STEP", "LESSON_DATA", "check_projected_step",
           "check_adversary_baseline", "check_leak_detector"]

#: Exercise 1: two gradients of the same two weights, and the adversary's weight α.
STEP = {"grad_task": np.array([2.0, 1.0]), "grad_adv": np.array([1.0, 1.0]), "alpha": 0.5}
#: The Adult data of the lesson (``fairlab.recipes.adult_arrays`` with these settings).
LESSON_DATA = {"sensitive": "sex", "n_train": None, "n_test": None}


def check_projected_step(answer: Any) -> bool:
    """Exercise 1: the second coordinate of Zhang et al.'s combined gradient for :data:`STEP`.

    Examples
    --------
    >>> check_projected_step(0.5)
    ✗ ...
    False

    Lesson: 07-adversarial-debiasing
    """
    from fairlab.adversarial import zhang_update

    gp, ga, alpha = STEP["grad_task"], STEP["grad_adv"], STEP["alpha"]
    expected = float(zhang_update(gp, ga, alpha)[1])
    reversal = float(zhang_update(gp, ga, alpha, projection=False)[1])
    proj_only = float(gp[1] - (gp @ ga) / (ga @ ga) * ga[1])
    plus_alpha = float(proj_only + alpha * ga[1])
    return check_number(
        answer, expected, tol=1e-3,
        praise="Correct: the projection removed everything in the task step that points "
               "along the adversary's gradient, and −α·∇L_A then pushes against it.",
        hint="Compute the projection of ∇L_P on ∇L_A, (∇L_P·∇L_A / ∇L_A·∇L_A)·∇L_A, "
             "subtract it from ∇L_P, then subtract α·∇L_A; read off the second entry.",
        near_misses={
            "That is gradient reversal alone (∇L_P − α∇L_A): you left out the projection "
            "term.": lambda a: abs(a - reversal) < 1e-3,
            "You removed the projection but forgot the −α·∇L_A term.":
                lambda a: abs(a - proj_only) < 1e-3,
            "Check the sign of the α term: the predictor climbs the adversary's loss, so "
            "the combined gradient has −α·∇L_A.": lambda a: abs(a - plus_alpha) < 1e-3,
        },
    )


def check_adversary_baseline(answer: Any) -> bool:
    """Exercise 2: the accuracy an adversary must beat on the lesson's Adult test rows.

    Examples
    --------
    >>> check_adversary_baseline(None)
    ✗ Not answered yet: replace None with your answer and run the cell again.
    False

    Lesson: 07-adversarial-debiasing
    """
    from fairlab.adversarial import adversary_baseline
    from fairlab.datasets import load_adult

    expected = adversary_baseline(load_adult("test").sensitive_features[LESSON_DATA["sensitive"]])
    return check_number(
        answer, expected, tol=2e-3,
        praise="Correct: always guessing the larger group is right this often without "
               "looking at the model at all. An adversary at this accuracy has shown nothing.",
        hint="Count each group among the test rows (d.s_test) and divide the larger count "
             "by the number of rows.",
        near_misses={
            "0.5 is a coin flip, but the groups are not the same size: guessing the larger "
            "group every time does better.": lambda a: abs(a - 0.5) < 1e-3,
            "That is the share of the smaller group; the baseline always guesses the larger "
            "one.": lambda a: abs(a - (1 - expected)) < 2e-3,
            "Give a share between 0 and 1, not a percentage or a count.": lambda a: a > 1,
        },
    )


_DETECTORS = {"auc": "auc", "adversary auc": "auc", "roc auc": "auc",
              "accuracy": "accuracy", "adversary accuracy": "accuracy",
              "task loss": "task loss", "loss": "task loss"}


def _detector(answer: Any) -> str:
    text = str(answer).strip().lower().replace("_", " ")
    if not isinstance(answer, str):
        raise TypeError
    return _DETECTORS.get(text, text)


def check_leak_detector(answer: Any) -> bool:
    """Exercise 3: which number revealed the group leak of the α = 0 model.

    Examples
    --------
    >>> check_leak_detector("accuracy")
    ✗ ...
    False

    Lesson: 07-adversarial-debiasing
    """
    return check_option(
        answer, "auc", normalize=_detector,
        praise="Correct: the AUC compares how the adversary *ranks* the two groups, so it "
               "sees a leak even when the majority group wins in every score range.",
        hint="Answer with one of 'accuracy', 'auc' or 'task loss' (a string).",
        hints={
            "accuracy": "The adversary's accuracy stayed at the majority baseline although "
                        "the model had a DP gap: look for the number that moved.",
            "task loss": "The task loss says how well y is predicted, not whether the scores "
                         "carry the group.",
        },
    )


def check_projection_function(answer: Any) -> bool:
    """Exercise (build it): Zhang et al.'s combined gradient ``answer(g_task, g_adv, alpha)``.

    Checked on hidden random vectors of two to six dimensions against
    :func:`fairlab.adversarial.zhang_update`.

    Examples
    --------
    >>> check_projection_function(lambda t, a, alpha: np.asarray(t) - alpha * np.asarray(a))
    ✗ ...
    False

    Lesson: 07-adversarial-debiasing
    """
    from fairlab.adversarial import zhang_update

    rng = np.random.default_rng(7)
    cases = []
    for dim, alpha in ((2, 1.0), (3, 0.5), (6, 2.0), (4, 0.1)):  # α > 0: α = 0 is no adversary
        t, a = rng.normal(size=dim), rng.normal(size=dim)
        cases.append(((t.copy(), a.copy(), alpha), zhang_update(t, a, alpha=alpha)))
    return check_function(
        answer, cases,
        compare=lambda got, want: np.shape(got) == want.shape and np.allclose(got, want),
        praise="Correct: task step, minus its projection on the adversary's gradient, minus "
               "α times the adversary's gradient.",
        hint="Compute proj = (t·a)/(a·a)·a and return t − proj − α·a. Without the "
             "projection it is gradient reversal, which this exercise is not.",
    )
