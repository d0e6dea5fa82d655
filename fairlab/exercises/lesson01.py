"""Exercise checks for lesson 01 (where bias comes from).

Each expected value is computed here, from the same seeded simulations the
lesson uses, never typed in.

Lesson: 01-where-bias-comes-from
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import check_number, check_option

__all__ = ["check_unaware_gap", "check_label_bias_knob", "check_frozen_share"]

#: The settings of exercise 1: history against B, a strong proxy, group column dropped.
UNAWARE_SETTING = {"historical_bias": 0.6, "proxy_strength": 0.9}
#: Exercise 3: the history the proportional loop starts from.
FROZEN_RECORDS = (70, 30)


@cache
def _unaware_gaps() -> dict[str, float]:
    from fairlab.simulation import bias_scenarios

    t = bias_scenarios({
        "asked": dict(UNAWARE_SETTING),
        "no_proxy": {"historical_bias": UNAWARE_SETTING["historical_bias"]},
        "aware": {**UNAWARE_SETTING, "use_group": True},
    }, n=4000, random_state=0)
    return t["selection_gap"].to_dict()


def check_unaware_gap(answer: Any) -> bool:
    """Exercise 1: B's minus A's selection rate of the unaware model, with a proxy.

    World: ``make_biased_world(4000, historical_bias=0.6, proxy_strength=0.9,
    random_state=0)``, model without the group column (``fit_and_score_world``).

    Examples
    --------
    >>> check_unaware_gap(0.5)
    ✗ ...
    False

    Lesson: 01-where-bias-comes-from
    """
    gaps = _unaware_gaps()
    tol = 0.005
    return check_number(
        answer, gaps["asked"], tol=tol,
        praise="Correct: the group column is gone, yet B is still selected far less "
               "often; the neighbourhood column tells the model who is in B.",
        hint="Use make_biased_world(4000, historical_bias=0.6, proxy_strength=0.9, "
             "random_state=0), "
             "fit_and_score_world(world) (use_group=False), then subtract A's selection rate "
             "from B's in .metrics.",
        near_misses={
            "Check the sign: the exercise asks for B's rate minus A's, so a gap against B "
            "is negative.": lambda a: abs(a + gaps["asked"]) <= tol,
            "That is the gap without a proxy (proxy_strength=0). Set proxy_strength=0.9 "
            "too.": lambda a: abs(a - gaps["no_proxy"]) <= tol,
            "That model saw the group column. Leave use_group=False: the point is what "
            "happens without it.": lambda a: abs(a - gaps["aware"]) <= tol,
        },
    )


def _normalize_knob(value: Any) -> str:
    return str(value).strip().lower().replace(" ", "_").replace("-", "_")


def check_label_bias_knob(answer: Any) -> bool:
    """Exercise 2: the only knob under which error vs truth and vs recorded labels part.

    Examples
    --------
    >>> check_label_bias_knob("historical bias")
    ✓ ...
    True

    Lesson: 01-where-bias-comes-from
    """
    return check_option(
        answer, "historical_bias", normalize=_normalize_knob,
        praise="Correct: historical bias changes the labels themselves, so a model can "
               "match the records well and still fail B against the truth. Checking a "
               "model against recorded labels cannot reveal this.",
        hint="Answer with a knob name: 'representation', 'historical_bias', "
             "'measurement_bias' or 'proxy_strength'. Compare the two error bars of "
             "group B for each knob in turn.",
        hints={
            "measurement_bias": "Noisy scores make B's errors larger against the truth and "
                                "against the records alike: the labels are still right. "
                                "Which knob changes the labels?",
            "representation": "A smaller group B changes how many B rows there are, not "
                              "what their labels say. Which knob changes the labels?",
            "proxy_strength": "A proxy changes a feature, not the labels: the two error "
                              "bars of B stay equal. Which knob changes the labels?",
        },
    )


@cache
def _frozen_shares() -> dict[str, float]:
    from fairlab.simulation import simulate_feedback_loop

    out = {}
    for policy in ("proportional", "rate-corrected"):
        h = simulate_feedback_loop(initial_records=FROZEN_RECORDS, policy=policy, random_state=0)
        last = h[(h["group"] == "B") & (h["round"] == h["round"].max())]
        out[policy] = float(last["visit_share"].iloc[0])
    return out


def check_frozen_share(answer: Any) -> bool:
    """Exercise 3: B's mean visit share in round 30, proportional policy, history 70 : 30.

    Examples
    --------
    >>> check_frozen_share(0.5)
    ✗ ...
    False

    Lesson: 01-where-bias-comes-from
    """
    shares = _frozen_shares()
    tol = 0.01
    return check_number(
        answer, shares["proportional"], tol=tol,
        praise="Correct: after 30 rounds B still gets the share the biased history gave "
               "it. The loop does not correct itself; it freezes the past.",
        hint="Run simulate_feedback_loop(initial_records=(70, 30), policy='proportional') "
             "and read B's visit_share in the last round (round 30).",
        near_misses={
            "That is what the truth would justify (equal rates), but the proportional loop "
            "never gets there. Run the simulation and read B's visit_share.":
                lambda a: abs(a - 0.5) <= tol,
            "That is A's share; the exercise asks for B's.":
                lambda a: abs(a - (1 - shares["proportional"])) <= tol,
            "That looks like the rate-corrected policy; the exercise asks for "
            "policy='proportional'.": lambda a: abs(a - shares["rate-corrected"]) <= tol,
        },
    )
