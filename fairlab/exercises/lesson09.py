"""Exercise checks for lesson 09 (reward hacking and human feedback).

Each expected value is computed here with the lesson's own functions and defaults,
never typed in.

Lesson: 09-reward-hacking-and-human-feedback
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from fairlab.exercises._core import check_number

__all__ = ["check_satisfaction_drop", "check_bt_by_hand", "check_selected_share"]

#: Exercise 2: candidate X beat candidate Y in WINS of N comparisons.
WINS, N = 30, 40
#: Exercise 3: the grid cell asked about.
BIAS, N_COMPARISONS = 0.5, 10000


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


@cache
def _shares() -> dict[str, float]:
    from fairlab.feedback import feedback_grid, make_candidates

    grid = feedback_grid(make_candidates())
    raw = grid.report().loc[(BIAS, N_COMPARISONS)]
    fixed = grid.report(corrected=True).loc[(BIAS, N_COMPARISONS)]
    b = grid.candidates.groups[1]
    a = grid.candidates.groups[0]
    return {"asked": float(raw[("selected_learned", b)]),
            "true": float(raw[("selected_true", b)]),
            "other_group": float(raw[("selected_learned", a)]),
            "corrected": float(fixed[("selected_learned", b)])}


def check_selected_share(answer: Any) -> bool:
    """Exercise 3: share of group B selected (top 20 % by learned reward), rater bias
    0.5, 10,000 comparisons, no audit correction, the lesson's default grid.

    Examples
    --------
    >>> check_selected_share("0.2")
    ✗ Your answer is a str; give a number such as 0.25 (not a string or a list).
    False

    Lesson: 09-reward-hacking-and-human-feedback
    """
    s = _shares()
    tol = 0.002
    return check_number(
        answer, s["asked"], tol=tol,
        praise="Correct: a modest rater bias, learned from 10,000 comparisons, still moves "
               "group B's candidates out of the top 20 %, although B's twins are exactly "
               "as good.",
        hint="Use grid.report().loc[(0.5, 10000)] and read ('selected_learned', 'B'); or set "
             "the explorer to bias 0.5 and 10,000 comparisons with the audit box unticked.",
        near_misses={
            "That is the share by true quality (what a fair model would give); the question "
            "asks about the learned reward.": lambda x: abs(x - s["true"]) <= tol,
            "That is group A's share; read group B's.":
                lambda x: abs(x - s["other_group"]) <= tol,
            "That is after the audit correction; the question asks about the reward learned "
            "from the raters alone.": lambda x: abs(x - s["corrected"]) <= tol,
        },
    )
