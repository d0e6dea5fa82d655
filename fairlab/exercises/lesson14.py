"""Exercise checks for lesson 14 (shortcuts, causes and explanations).

Each expected value is computed here, from the same seeded simulations the
lesson uses, never typed in.

Lesson: 14-shortcuts-causes-and-explanations
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import NOT_ANSWERED, check_number, feedback

__all__ = ["check_measured_flip_rate", "check_shortcut_accuracy_drop", "check_flip_rate_function"]

#: The lesson's world (section 3) and the extra knob of exercise 1.
WORLD = {"historical_bias": 0.6, "proxy_strength": 0.9}
MEASUREMENT = 1.0
#: Exercise 2: the shortcut strength asked about.
STRENGTH = 0.6


def _fit_flips(measurement_bias: float) -> dict[str, float]:
    from sklearn.linear_model import LogisticRegression

    from fairlab.causal import counterfactual_fairness, world_scm

    scm = world_scm(**WORLD, measurement_bias=measurement_bias)
    train = scm.propagate(scm.sample_noise(4000, random_state=0))
    noise = scm.sample_noise(4000, random_state=1)
    features = ["test_score", "experience"]
    model = LogisticRegression().fit(train[features], train.target)
    table = counterfactual_fairness(model.predict, scm, noise, features=features).table
    return table["flip_rate"].to_dict()


@cache
def _flips() -> dict[str, dict[str, float]]:
    return {"asked": _fit_flips(MEASUREMENT), "clean": _fit_flips(0.0)}


def check_measured_flip_rate(answer: Any) -> bool:
    """Exercise 1: B's flip rate of the test-score-and-experience model under measurement bias.

    World: ``world_scm(historical_bias=0.6, proxy_strength=0.9, measurement_bias=1.0)``;
    training people ``sample_noise(4000, random_state=0)``, people checked
    ``sample_noise(4000, random_state=1)``; a logistic regression on
    ``test_score`` and ``experience`` learns ``target``.

    Examples
    --------
    >>> check_measured_flip_rate(0.9)
    ✗ ...
    False

    Lesson: 14-shortcuts-causes-and-explanations
    """
    flips = _flips()
    tol = 0.005
    return check_number(
        answer, flips["asked"]["B"], tol=tol,
        praise="Correct: with measurement bias the group causes test_score, so a model "
               "that reads test_score is no longer counterfactually fair. Only experience "
               "is left among the non-descendants of group.",
        hint="Build world_scm(historical_bias=0.6, proxy_strength=0.9, measurement_bias=1.0), "
             "train on test_score and experience (recorded target), run "
             "counterfactual_fairness and read B's flip_rate.",
        near_misses={
            "That is the world without measurement bias, where this model never flips. Set "
            "measurement_bias=1.0.": lambda a: abs(a - flips["clean"]["B"]) <= tol,
        },
    )


@cache
def _shift() -> dict[str, float]:
    from fairlab.causal import shortcut_sweep

    t = shortcut_sweep([STRENGTH], n=4000, random_state=0).loc[STRENGTH]
    drop = t.loc["before"] - t.loc["after"]
    return {"B": float(drop.loc["B", "accuracy"]), "A": float(drop.loc["A", "accuracy"]),
            "B_tpr": float(drop.loc["B", "tpr"])}


def check_shortcut_accuracy_drop(answer: Any) -> bool:
    """Exercise 2: B's accuracy before the shift minus after, at shortcut strength 0.6.

    Examples
    --------
    >>> check_shortcut_accuracy_drop("a lot")
    ✗ ...
    False

    Lesson: 14-shortcuts-causes-and-explanations
    """
    drop = _shift()
    tol = 0.005
    return check_number(
        answer, drop["B"], tol=tol,
        praise="Correct. Before the shift qualified people were rare in B's collected data, "
               "so rejecting them cost little accuracy; after it they are not rare.",
        hint="Run shortcut_sweep([0.6], n=4000, random_state=0) and subtract B's accuracy "
             "after the shift from B's accuracy before it.",
        near_misses={
            "Check the sign: before minus after.": lambda a: abs(a + drop["B"]) <= tol,
            "That is group A; the exercise asks for B.":
                lambda a: abs(a - drop["A"]) <= tol,
            "That is the change in the true positive rate; the exercise asks for accuracy.":
                lambda a: abs(a - drop["B_tpr"]) <= tol,
        },
    )


def check_flip_rate_function(answer: Any) -> bool:
    """Exercise 3 (build it): ``flip_rate(predict, scm, noise, features)`` → share that flips.

    The function must flip every person's ``group`` (0 ↔ 1) with
    ``scm.propagate(noise, do=...)``, decide again, and return the share of *all*
    people whose decision changed. It is tested on two hidden rules against
    :func:`fairlab.causal.counterfactual_fairness`.

    Examples
    --------
    >>> check_flip_rate_function(lambda predict, scm, noise, features: 0.0)
    ✗ ...
    False

    Lesson: 14-shortcuts-causes-and-explanations
    """
    if answer is None:
        return feedback(False, NOT_ANSWERED)
    if not callable(answer):
        return feedback(False, f"Your answer is a {type(answer).__name__}; give the function "
                               "itself (answer = flip_rate), not its result.")
    from fairlab.causal import counterfactual_fairness, world_scm

    scm = world_scm(proxy_strength=0.5, measurement_bias=1.0)
    noise = scm.sample_noise(500, random_state=7)
    cases = {"neighbourhood": lambda X: (X["neighbourhood"] < 0.5).astype(int),
             "test_score": lambda X: (X["test_score"] > 0.8).astype(int)}
    for feature, rule in cases.items():
        check = counterfactual_fairness(rule, scm, noise, features=[feature])
        want = float((check.factual != check.counterfactual).mean())
        try:
            got = float(answer(rule, scm, noise, [feature]))
        except Exception as exc:  # the learner's code: report, never raise
            return feedback(False, f"Your function raised {type(exc).__name__}: {exc}. Call "
                                   "it as flip_rate(predict, scm, noise, features).")
        if abs(got - want) > 1e-9:
            if abs(got) < 1e-12:
                return feedback(False, "Nothing flipped: did you propagate with do={'group': "
                                       "1 - factual['group']} and predict on the result?")
            return feedback(False, f"For a rule on {feature!r} your function gives {got:.3f}. "
                                   "Flip group for everyone, propagate with the same noise, "
                                   "predict on both, and average (factual != counterfactual) "
                                   "over all people.")
    return feedback(True, "Correct: keep the noise, change the group, recompute everything "
                          "downstream and decide again. That is a counterfactual.")
