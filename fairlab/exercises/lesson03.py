"""Exercise checks for lesson 03 (resampling and reweighing).

Each expected value is computed here from the shipped data with the lesson's own
functions and seeds, never typed in.

Lesson: 03-resampling
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from fairlab.exercises._core import check_function, check_number

__all__ = ["check_reweigh_function", "check_reweighing_weight", "check_cells_undersampled_rows",
           "check_balanced_base_rate"]


@cache
def _adult_reweighing() -> dict[str, float]:
    from fairlab.datasets import load_adult
    from fairlab.resampling import reweighing_table

    adult = load_adult()
    table = reweighing_table(adult.target, adult.sensitive_features["sex"])
    women = adult.target[adult.sensitive_features["sex"] == "Female"]
    return {
        "w_f1": float(table.loc[("Female", 1), "weight"]),
        "w_f0": float(table.loc[("Female", 0), "weight"]),
        "w_m1": float(table.loc[("Male", 1), "weight"]),
        "w_m0": float(table.loc[("Male", 0), "weight"]),
        "base_f": float(women.mean()),
    }


def check_reweighing_weight(answer: Any) -> bool:
    """Exercise 1: the reweighing weight of women with income > 50K in Adult (train).

    Examples
    --------
    >>> check_reweighing_weight(1.0)
    ✗ ...
    False

    Lesson: 03-resampling
    """
    v = _adult_reweighing()
    close = lambda target: lambda a: abs(a - target) < 0.01  # noqa: E731
    return check_number(
        answer, v["w_f1"], tol=0.005,
        hint="Use w(g, y) = P(g) · P(y) / P(g, y) with g = 'Female' and y = 1, or read the "
             "row ('Female', 1) of reweighing_table(adult.target, "
             "adult.sensitive_features['sex']).",
        near_misses={
            "You inverted it: the weight is P(g)·P(y) / P(g, y), not P(g, y) / (P(g)·P(y)).":
                close(1 / v["w_f1"]),
            "That is the weight of women with label 0; the question asks about label 1 "
            "(income > 50K).": close(v["w_f0"]),
            "That is the weight of men with label 1; the question asks about women.":
                close(v["w_m1"]),
            "That is women's base rate P(y=1 | Female), not a weight.": close(v["base_f"]),
        },
        praise=f"Correct: each such row counts {v['w_f1']:.2f} times, because women with a "
               "high income are rarer in the data than independence of sex and label predicts.",
    )


@cache
def _adult_cells() -> dict[str, int]:
    from fairlab.datasets import load_adult
    from fairlab.resampling import cell_counts

    adult = load_adult()
    cc = cell_counts(adult.target, adult.sensitive_features["race"])
    cells = cc[["label 0", "label 1"]].to_numpy()
    return {"min_cell": int(cells.min()), "n_cells": int(cells.size),
            "min_group": int(cc["rows"].min()), "n_groups": len(cc)}


def check_cells_undersampled_rows(answer: Any) -> bool:
    """Exercise 2: rows left after undersampling every (race, label) cell of Adult (train).

    Examples
    --------
    >>> check_cells_undersampled_rows(32561)
    ✗ ...
    False

    Lesson: 03-resampling
    """
    c = _adult_cells()
    expected = c["n_cells"] * c["min_cell"]
    near = lambda target: lambda a: abs(a - target) < 0.5  # noqa: E731
    return check_number(
        answer, expected, tol=0.5,
        hint="Every (race, label) cell shrinks to the size of the smallest cell. Count the "
             "cells (races × labels) and find the smallest with cell_counts(adult.target, "
             "adult.sensitive_features['race']).",
        near_misses={
            "That balances the race groups, not every (race, label) cell: the smallest "
            "cell is smaller than the smallest group.":
                near(c["n_groups"] * c["min_group"]),
            "That is the size of one cell; every (race, label) cell keeps that many rows.":
                near(c["min_cell"]),
            "Count both labels: each race has a label-0 cell and a label-1 cell.":
                near(c["n_groups"] * c["min_cell"]),
        },
        praise=f"Correct: {expected:,} of 32,561 rows ({expected / 32561:.1%}) survive, so "
               "balancing every cell by undersampling throws away almost all of the data.",
    )


@cache
def _balanced_rates() -> dict[str, float]:
    from fairlab.recipes import lesson_split
    from fairlab.resampling import GroupBalancedSampler

    split = lesson_split("adult", sensitive_columns="sex")
    s = GroupBalancedSampler("over", "groups", sensitive_columns="sex", random_state=0)
    _, y_res = s.fit_resample(split.X_train, split.y_train)
    women = s.groups_resampled_ == "Female"
    return {"female": float(np.asarray(y_res)[women].mean()),
            "overall": float(split.y_train.mean()),
            "overall_after": float(np.asarray(y_res).mean())}


def check_balanced_base_rate(answer: Any) -> bool:
    """Exercise 3: women's base rate after oversampling Adult's sex groups to equal size.

    Examples
    --------
    >>> check_balanced_base_rate(0.5)
    ✗ ...
    False

    Lesson: 03-resampling
    """
    r = _balanced_rates()
    near = lambda target: lambda a: abs(a - target) < 0.003  # noqa: E731
    return check_number(
        answer, r["female"], tol=0.002,
        hint="Resample with GroupBalancedSampler('over', 'groups', sensitive_columns='sex', "
             "random_state=0), then take the mean of y_res over the rows whose "
             "groups_resampled_ is 'Female'.",
        near_misses={
            "0.5 is what balance='group_label' gives; balance='groups' equalises group sizes "
            "and keeps each group's own base rate.": near(0.5),
            "That is the base rate of everyone; the question asks about women only.":
                lambda a: near(r["overall"])(a) or near(r["overall_after"])(a),
        },
        praise=f"Correct: {r['female']:.3f}, the same as before resampling. Equal group sizes "
               "do not touch the gap in base rates the model learns from.",
    )


def _cells_case(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels and k string groups with every (group, label) cell non-empty."""
    while True:
        g = rng.choice([f"g{i}" for i in range(k)], size=n)
        y = (rng.random(n) < rng.uniform(0.2, 0.8, k)[np.searchsorted(np.unique(g), g)])
        if len({(a, b) for a, b in zip(g, y, strict=True)}) == 2 * k:
            return y.astype(int), g


def check_reweigh_function(answer: Any) -> bool:
    """Exercise (build it): a function ``answer(y, group)`` returning one reweighing weight per row.

    Checked on hidden cases with two to four groups, against
    :func:`fairlab.resampling.reweighing_weights`.

    Examples
    --------
    >>> check_reweigh_function(lambda y, g: np.ones(len(y)))
    ✗ Hidden case 1 of 4 gives a different result. ...
    False

    Lesson: 03-resampling
    """
    from fairlab.resampling import reweighing_weights

    rng = np.random.default_rng(16)
    cases = []
    for n, k in ((12, 2), (40, 3), (200, 4), (7, 2)):
        y, g = _cells_case(rng, n, k)
        cases.append(((y, g), reweighing_weights(y, g)))
    return check_function(
        answer, cases,
        compare=lambda got, want: np.shape(got) == want.shape
        and np.allclose(np.asarray(got, dtype=float), want),
        praise="Correct: one weight per row, w(g, y) = P(g)·P(y) / P(g, y), for any number "
               "of groups.",
        hint="Return one weight per row, in the rows' order: P(g)·P(y) / P(g, y), with each "
             "P a share of the rows. It must work for any number of groups (use np.unique or "
             "pandas groupby, not the names 'Female' and 'Male').",
    )
