"""Exercise checks for lesson 02 (auditing a dataset).

Each expected value is computed here, with the same functions and seeds the
lesson uses, never typed in.

Lesson: 02-auditing-a-dataset
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from fairlab.exercises._core import check_number, check_option

__all__ = ["check_strongest_proxy", "check_compas_race_v", "check_power_n"]

#: Exercise 3: the true base rates of two equal-sized groups.
POWER_RATES = (0.30, 0.40)


@cache
def _proxy_ranking() -> list[str]:
    from fairlab.audit import proxy_strength
    from fairlab.datasets import load_adult

    adult = load_adult()
    return proxy_strength(adult.frame, "sex", features=adult.feature_names).features.index.tolist()


def _normalize_name(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value.strip().strip("'\"").lower().replace(" ", "_").replace("-", "_")


def check_strongest_proxy(answer: Any) -> bool:
    """Exercise 1: the Adult feature with the largest mutual information with sex.

    Examples
    --------
    >>> check_strongest_proxy("age")
    ✗ ...
    False

    Lesson: 02-auditing-a-dataset
    """
    ranking = _proxy_ranking()
    hint = ("Run proxy_strength(adult.frame, 'sex', features=adult.feature_names) and give the "
            "name of the first row of its .features table (the largest mutual information), "
            "as a string.")
    hints = {
        "sex": "A column cannot be its own proxy: the question asks which other feature gives "
               "sex away.",
        "income": "income is the label, not a feature: pass features=adult.feature_names.",
        "race": "race is the other sensitive attribute; it is not among adult.feature_names.",
        ranking[1]: f"Close: {ranking[1]} is a strong proxy, but another column removes more "
                    "of the uncertainty about sex. Look at the top of the mi column.",
    }
    return check_option(
        answer, ranking[0], hints=hints, hint=hint, normalize=_normalize_name,
        praise=f"Correct: {ranking[0]} ('Husband', 'Wife') nearly spells out sex, so a model "
               "given it does not need the sex column to treat men and women differently.",
    )


@cache
def _compas_tests() -> dict[str, float]:
    from fairlab.audit import outcome_by_group
    from fairlab.datasets import load_compas

    frame = load_compas().frame
    race = outcome_by_group(frame, "two_year_recid", "race").test
    return {
        "v": race.effect_size,
        "chi2": race.statistic,
        "p": race.p_value,
        "v2": race.effect_size**2,
        "sex": outcome_by_group(frame, "two_year_recid", "sex").test.effect_size,
        "is_recid": outcome_by_group(frame, "is_recid", "race").test.effect_size,
    }


def check_compas_race_v(answer: Any) -> bool:
    """Exercise 2: Cramér's V of race × two_year_recid on COMPAS.

    Examples
    --------
    >>> check_compas_race_v(0.5)
    ✗ ...
    False

    Lesson: 02-auditing-a-dataset
    """
    t = _compas_tests()
    tol = 0.002
    return check_number(
        answer, t["v"], tol=tol,
        hint="Use outcome_by_group(compas.frame, 'two_year_recid', 'race') and read the effect "
             "size of its .test (a number between 0 and 1).",
        praise="Correct: a small association on Cohen's scale, though the p-value is "
               "astronomically small. Both are true; only the effect size tells you how big.",
        near_misses={
            "That is the χ² statistic. Cramér's V divides it by n × (min(k, 2) − 1) and takes "
            "the square root.": lambda a: abs(a - t["chi2"]) < 0.1,
            "That is V squared (χ² / n): take the square root.":
                lambda a: abs(a - t["v2"]) < tol / 2,
            "That is V for sex. The exercise asks for race.": lambda a: abs(a - t["sex"]) < tol,
            "That uses is_recid as the outcome; the lesson's label is two_year_recid.":
                lambda a: abs(a - t["is_recid"]) < tol,
            "That is the p-value, which says nothing about size. Give the effect size "
            "(Cramér's V).": lambda a: 0 <= a < 1e-6,
        },
    )


@cache
def _power_n() -> dict[str, float]:
    from fairlab.audit import chi_square_power, power_curve

    w = float(power_curve([100], base_rates=POWER_RATES, n_sims=1)["w"].iloc[0])
    ns = np.arange(10, 20_000)
    return {
        "n": float(ns[chi_square_power(ns, w, 1) >= 0.8][0]),
        "w01": float(ns[chi_square_power(ns, 0.1, 1) >= 0.8][0]),
        "w": w,
    }


def check_power_n(answer: Any) -> bool:
    """Exercise 3: total rows for 80 % power to see base rates 0.30 vs 0.40 (equal groups).

    Examples
    --------
    >>> check_power_n(100)
    ✗ ...
    False

    Lesson: 02-auditing-a-dataset
    """
    t = _power_n()
    tol = max(3.0, 0.02 * t["n"])  # simulation or interpolation answers are fine
    return check_number(
        answer, t["n"], tol=tol,
        hint="Compute w for these rates (power_curve(...)['w'] gives it), then find the "
             "smallest n with chi_square_power(n, w, 1) >= 0.8 (try np.arange).",
        praise="Correct: hundreds of rows just to notice a 10-point gap 4 times in 5. A "
               "dataset with fewer rows per group that 'passes' the test has proved nothing.",
        near_misses={
            "That is the size of one group; the question asks for the total number of rows.":
                lambda a: abs(2 * a - t["n"]) <= 2 * tol,
            "That is Cohen's n for w = 0.1 exactly. Compute w for base rates 0.30 and 0.40 "
            "first.": lambda a: abs(a - t["w01"]) <= 3,
        },
    )
