"""Lesson 10 checks: the reference solution passes, typical mistakes get their own hint."""

import numpy as np
import pytest

from fairlab import exercises
from fairlab.embeddings import (
    analogy,
    cluster_recoverability,
    gender_direction,
    hard_debias,
    load_word_vectors,
    neutral_words,
)


@pytest.fixture(scope="module")
def wv():
    return load_word_vectors()


def _ask(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


def test_analogy_without_exclusion(wv, capsys):
    answer = analogy(wv, "he", "doctor", "she", exclude_inputs=False).index[0]  # solution
    ok, out = _ask(exercises.check_analogy_without_exclusion, answer, capsys)
    assert ok is True and "✓" in out
    assert _ask(exercises.check_analogy_without_exclusion, " Doctor ", capsys)[0] is True
    default = analogy(wv, "he", "doctor", "she").index[0]
    cases = [(default, "exclude_inputs=False"), ("she", "one of the inputs"),
             ("pediatrician", "Give the word"), (3, "Your answer is a int"),
             (None, "Not answered yet")]
    for wrong, hint in cases:
        ok, out = _ask(exercises.check_analogy_without_exclusion, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)


def test_direction_agreement(wv, capsys):
    pca = gender_direction(wv, wv.definitional_pairs)
    she_he = gender_direction(wv, [("she", "he")])
    answer = float(pca @ she_he)  # the solution
    # independent oracle: plain normalised she − he difference
    raw = wv.vectors[wv.index["she"]] - wv.vectors[wv.index["he"]]
    assert answer == pytest.approx(float(pca @ raw / np.linalg.norm(raw)), abs=1e-6)
    assert 0.8 < answer < 0.99
    ok, out = _ask(exercises.check_direction_agreement, answer, capsys)
    assert ok is True and "✓" in out
    diff = gender_direction(wv, wv.definitional_pairs, method="difference")
    cases = [(-answer, "pair order"), (float(diff @ she_he), "method='difference'"),
             (float(pca @ diff), "single pair"), (0.5, "dot product"),
             ("0.9", "give a number"), (None, "Not answered yet")]
    for wrong, hint in cases:
        ok, out = _ask(exercises.check_direction_agreement, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)


def test_recoverability_after(wv, capsys):
    g = gender_direction(wv, wv.definitional_pairs)
    db = hard_debias(wv, g, neutral_words=neutral_words(wv), equalize_pairs=wv.equalize_pairs)
    she_he = gender_direction(wv, [("she", "he")])
    check = cluster_recoverability(wv, db, she_he, n_per_side=100)  # the solution
    assert check.accuracy_after > 0.75  # the lesson's point: far from chance
    ok, out = _ask(exercises.check_recoverability_after, check.accuracy_after, capsys)
    assert ok is True and "✓" in out
    cases = [
        (check.accuracy_before, "before debiasing"),
        (cluster_recoverability(wv, db, she_he).accuracy_after, "n_per_side=100"),
        (cluster_recoverability(wv, db, g, n_per_side=100).accuracy_after, "PCA direction"),
        (0.5, "accuracy_after"),
        ([0.9], "give a number"),
    ]
    for wrong, hint in cases:
        ok, out = _ask(exercises.check_recoverability_after, wrong, capsys)
        assert ok is False and hint in out, (wrong, out)
