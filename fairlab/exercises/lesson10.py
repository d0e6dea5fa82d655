"""Exercise checks for lesson 10 (bias in word embeddings).

Each expected value is computed here from the shipped word vectors, never typed in.

Lesson: 10-bias-in-word-embeddings
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import check_number, check_option

__all__ = ["check_analogy_without_exclusion", "check_direction_agreement",
           "check_recoverability_after"]

#: Exercise 1's analogy: he : doctor :: she : ?
ANALOGY = ("he", "doctor", "she")
#: Exercise 3: words per side for the cluster check.
N_PER_SIDE = 100


@cache
def _analogies() -> dict[bool, list[str]]:
    from fairlab.embeddings import analogy, load_word_vectors

    wv = load_word_vectors()
    return {excl: analogy(wv, *ANALOGY, exclude_inputs=excl, n=3).index.tolist()
            for excl in (True, False)}


def _normalize_word(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value.strip().strip("'\"").lower().replace(" ", "_")


def check_analogy_without_exclusion(answer: Any) -> bool:
    """Exercise 1: the top answer to "he : doctor :: she : ?" when no word is excluded.

    Examples
    --------
    >>> check_analogy_without_exclusion("nurse")
    ✗ ...
    False

    Lesson: 10-bias-in-word-embeddings
    """
    found = _analogies()
    return check_option(
        answer, found[False][0], normalize=_normalize_word,
        praise="Correct: with nothing excluded, the closest word to doctor − he + she is "
               "the input itself. The famous answer only appears because the tool is not "
               "allowed to give it.",
        hints={
            found[True][0]: "That is the answer when the three input words are excluded "
                            "(the default). Run analogy again with exclude_inputs=False.",
            ANALOGY[0]: "That is one of the inputs, but not the closest word. Look at the "
                        "first entry of analogy(..., exclude_inputs=False).",
            ANALOGY[2]: "That is one of the inputs, but not the closest word. Look at the "
                        "first entry of analogy(..., exclude_inputs=False).",
        },
        hint="Give the word (a string) at the top of analogy(wv, 'he', 'doctor', 'she', "
             "exclude_inputs=False).",
    )


@cache
def _agreements() -> dict[str, float]:
    from fairlab.embeddings import gender_direction, load_word_vectors

    wv = load_word_vectors()
    pca = gender_direction(wv, wv.definitional_pairs, method="pca")
    diff = gender_direction(wv, wv.definitional_pairs, method="difference")
    she_he = gender_direction(wv, [("she", "he")])
    return {"asked": float(pca @ she_he), "difference": float(diff @ she_he),
            "pca_vs_difference": float(pca @ diff)}


def check_direction_agreement(answer: Any) -> bool:
    """Exercise 2: cosine between the PCA direction of all 10 pairs and the she − he one.

    Examples
    --------
    >>> check_direction_agreement(1.0)
    ✗ ...
    False

    Lesson: 10-bias-in-word-embeddings
    """
    a = _agreements()
    tol = 0.005
    return check_number(
        answer, a["asked"], tol=tol,
        praise="Correct: the two directions are close but not identical; one pair alone "
               "mixes gender with whatever else separates 'she' from 'he'.",
        hint="Build both unit vectors with gender_direction (all of wv.definitional_pairs "
             "with method='pca', and [('she', 'he')]), then take their dot product.",
        near_misses={
            "Check the pair order: write ('she', 'he'), female first like "
            "wv.definitional_pairs, so both directions point the same way.":
                lambda x: abs(x + a["asked"]) <= tol,
            "That uses method='difference' for the 10 pairs; the exercise asks for the "
            "PCA direction (the default).": lambda x: abs(x - a["difference"]) <= tol,
            "That compares PCA with the difference method on the same 10 pairs; compare "
            "the PCA direction with the single pair ('she', 'he').":
                lambda x: abs(x - a["pca_vs_difference"]) <= tol,
        },
    )


@cache
def _recoverability() -> dict[str, float]:
    from fairlab.embeddings import (
        cluster_recoverability,
        gender_direction,
        hard_debias,
        load_word_vectors,
        neutral_words,
    )

    wv = load_word_vectors()
    g = gender_direction(wv, wv.definitional_pairs)
    db = hard_debias(wv, g, neutral_words=neutral_words(wv), equalize_pairs=wv.equalize_pairs)
    she_he = gender_direction(wv, [("she", "he")])
    asked = cluster_recoverability(wv, db, she_he, n_per_side=N_PER_SIDE)
    default = cluster_recoverability(wv, db, she_he)
    by_pca = cluster_recoverability(wv, db, g, n_per_side=N_PER_SIDE)
    return {"after": asked.accuracy_after, "before": asked.accuracy_before,
            "default_after": default.accuracy_after, "pca_after": by_pca.accuracy_after}


def check_recoverability_after(answer: Any) -> bool:
    """Exercise 3: k-means accuracy on the debiased vectors, 100 words per side.

    Words chosen by the she − he direction, as in the lesson (Gonen & Goldberg 2019).

    Examples
    --------
    >>> check_recoverability_after(0.5)
    ✗ ...
    False

    Lesson: 10-bias-in-word-embeddings
    """
    r = _recoverability()
    tol = 0.002
    return check_number(
        answer, r["after"], tol=tol,
        praise="Correct: with the 100 most gendered words per side, k-means still sorts "
               "them by their old gender far better than chance (0.5), after debiasing.",
        hint="Call cluster_recoverability(wv, debiased, she_he, n_per_side=100) and give "
             "its accuracy_after (a number between 0.5 and 1).",
        near_misses={
            "That is the accuracy before debiasing (accuracy_before); the question is "
            "about the debiased vectors.": lambda x: abs(x - r["before"]) <= tol,
            "That is the result for the default 200 words per side; pass "
            "n_per_side=100.": lambda x: abs(x - r["default_after"]) <= tol,
            "Those words were chosen by the PCA direction; choose them by she − he "
            "(gender_direction(wv, [('she', 'he')])), as Gonen & Goldberg did.":
                lambda x: abs(x - r["pca_after"]) <= tol,
        },
    )
