"""Exercise checks for lesson 09 (reward hacking and human feedback).

Each expected value is computed here with the lesson's own functions and defaults,
never typed in.

Lesson: 09-reward-hacking-and-human-feedback
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from fairlab.exercises._core import check_function, check_number

__all__ = ["check_satisfaction_drop", "check_bt_by_hand", "check_selected_shares"]

#: Exercise 2: candidate X beat candidate Y in WINS of N comparisons.
WINS, N = 30, 40


@cache
def _histories() -> dict[str, float]:
    from fairlab.feedback import PolicyGradientAgent, make_feed

    h = PolicyGradientAgent(random_state=0).fit(make_feed()).history_
    t = h["true_objective"]
    return {"drop": float(t.max() - t.iloc[-1]), "start_to_end": float(t.iloc[0] - t.iloc[-1]),
            "proxy_gain": float(h["proxy_reward"].iloc[-1] - h["proxy_reward"].iloc[0]),
            "peak": float(t.max())}


def check_satisfaction_drop(answer: Any) -> bool:
    """Exercise 1: satisfaction lost between the click agent's best step and its last.

    Examples
    --------
    >>> check_satisfaction_drop(0.0)
    ✗ ...
    False

    Lesson: 09-reward-hacking-and-human-feedback
    """
    v = _histories()
    tol = 0.005
    return check_number(
        answer, v["drop"], tol=tol,
        praise="Correct: every step after the peak bought more clicks with readers' "
               "satisfaction. The optimiser did its job; the reward was wrong.",
        hint="Take the click agent's history_['true_objective']: its maximum minus its last "
             "value (a positive number).",
        near_misses={
            "Right size, wrong sign: give the drop as a positive number (best minus last).":
                lambda x: abs(x + v["drop"]) <= tol,
            "That compares the last step with step 0; the question asks from the best step "
            "(the maximum of true_objective).": lambda x: abs(x - v["start_to_end"]) <= tol,
            "That is the gain in the proxy (clicks); the question is about the true "
            "objective.": lambda x: abs(x - v["proxy_gain"]) <= tol,
            "That is the peak itself; subtract the last value.":
                lambda x: abs(x - v["peak"]) <= tol,
        },
    )


def check_bt_by_hand(answer: Any) -> bool:
    """Exercise 2: the maximum-likelihood reward gap when X beats Y 30 times in 40.

    Examples
    --------
    >>> check_bt_by_hand(0.75)
    ✗ ...
    False

    Lesson: 09-reward-hacking-and-human-feedback
    """
    p = WINS / N
    expected = float(np.log(p / (1 - p)))
    tol = 0.01
    return check_number(
        answer, expected, tol=tol,
        praise="Correct: the fitted win probability sigmoid(r_X − r_Y) equals the observed "
               "30/40, so r_X − r_Y = log(30/10).",
        hint="Bradley–Terry says P(X beats Y) = sigmoid(r_X − r_Y). Set that equal to the "
             "observed win rate and solve for r_X − r_Y (take a logarithm).",
        near_misses={
            "That is the win rate; the reward gap is on the log-odds scale: solve "
            "sigmoid(gap) = 0.75.": lambda x: abs(x - p) <= tol,
            "That is the odds (30 to 10); the reward gap is their logarithm.":
                lambda x: abs(x - p / (1 - p)) <= tol,
            "Right size, wrong sign: X won more often, so r_X − r_Y is positive.":
                lambda x: abs(x + expected) <= tol,
            "That is the log of the win rate; use the log of the odds, wins / losses.":
                lambda x: abs(x - np.log(p)) <= tol,
        },
    )


def _shares_by_group(reward, group, top):
    """Reference: each group's share of its members among the top ``top`` fraction."""
    reward, group = np.asarray(reward, dtype=float), np.asarray(group)
    k = max(1, int(round(top * len(reward))))
    chosen = np.zeros(len(reward), dtype=bool)
    chosen[np.argsort(-reward, kind="stable")[:k]] = True
    return {str(g): float(chosen[group == g].mean()) for g in np.unique(group)}


def check_selected_shares(answer: Any) -> bool:
    """Exercise 3 (build it): ``answer(reward, group, top)`` → each group's selected share.

    Rank everyone by ``reward`` (highest first), select the top ``top`` fraction
    (``max(1, round(top * n))`` people), and return a dict ``{group label: share of that
    group's members who are selected}``: the ``selected_learned`` column of
    :func:`fairlab.feedback.reward_report`. Checked on hidden cases (three groups of
    unequal size, no ties) against a reference computation.

    Examples
    --------
    >>> check_selected_shares(lambda reward, group, top: {"A": 0.2, "B": 0.2})
    ✗ ...
    False

    Lesson: 09-reward-hacking-and-human-feedback
    """
    rng = np.random.default_rng(9)
    cases = []
    for n, top, labels in ((10, 0.3, ("A", "B")), (300, 0.2, ("A", "B")),
                           (97, 0.1, ("x", "y", "z")), (400, 0.5, ("A", "B", "C"))):
        group = rng.choice(labels, size=n, p=np.linspace(1, 2, len(labels)) /
                           np.linspace(1, 2, len(labels)).sum())
        reward = rng.normal(size=n) + (group == labels[0])  # the first group scores higher
        cases.append(((reward, group, top), _shares_by_group(reward, group, top)))

    def as_dict(got):
        return {str(k): float(v) for k, v in dict(got).items()}

    def same(got, want):
        got = as_dict(got)
        return got.keys() == want.keys() and all(abs(got[k] - want[k]) < 1e-9 for k in want)

    def diagnose(args, got):
        reward, group, top = args
        got = as_dict(got)
        want = _shares_by_group(reward, group, top)
        if got.keys() != want.keys():
            return "Return one entry per group label, e.g. {'A': 0.3, 'B': 0.1}."
        k = max(1, int(round(top * len(reward))))
        top_rows = np.argsort(-np.asarray(reward))[:k]
        composition = {str(g): float((group[top_rows] == g).mean()) for g in want}
        if all(abs(got[g] - composition[g]) < 1e-9 for g in want):
            return ("That is the make-up of the selected set (what share of the selected "
                    "are A); the exercise asks, for each group, what share of *its* members "
                    "is selected.")
        low = _shares_by_group(-np.asarray(reward), group, top)
        if all(abs(got[g] - low[g]) < 1e-9 for g in want):
            return "You selected the lowest rewards; sort from the highest."
        return None

    return check_function(
        answer, cases, compare=same, diagnose=diagnose,
        praise="Correct. Selection by a learned reward is lesson 05's selection rate with "
               "a top-k rule: a group the reward under-rates loses seats even when its "
               "members are exactly as good.",
        hint="Sort by reward (highest first), mark the first max(1, round(top * n)) people "
             "as selected, then average the marks within each group.",
    )
