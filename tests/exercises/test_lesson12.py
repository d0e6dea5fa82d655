"""Lesson 12 checks: the reference solutions pass, typical mistakes get their own hint."""

import numpy as np

from fairlab import exercises
from fairlab.lm import PAIR_FRAMES, counterfactual_swap, make_corpus, tokenize


def _ask(check, answer, capsys):
    ok = check(answer)
    return ok, capsys.readouterr().out


def test_corpus_she_share(capsys):
    toks = [t for s in make_corpus(random_state=0).sentences for t in tokenize(s)]
    she, he = toks.count("she"), toks.count("he")
    ok, out = _ask(exercises.check_corpus_she_share, she / (she + he), capsys)
    assert ok and "✓" in out
    ok, out = _ask(exercises.check_corpus_she_share, she / he, capsys)
    assert not ok and "ratio" in out
    ok, out = _ask(exercises.check_corpus_she_share, None, capsys)
    assert not ok


def test_counterfactual_pair(capsys):
    def good(s):
        return counterfactual_swap(s, extra_pairs=[("aunt", "uncle"), ("aunts", "uncles")])

    ok, out = _ask(exercises.check_counterfactual_pair, good, capsys)
    assert ok and "✓" in out
    naive = lambda s: s.replace("aunt", "uncle")  # noqa: E731 - a typical mistake
    ok, out = _ask(exercises.check_counterfactual_pair, naive, capsys)
    assert not ok and "whole words" in out
    ok, out = _ask(exercises.check_counterfactual_pair, None, capsys)
    assert not ok and "function" in out


def test_paired_score(capsys):
    def paired_score(model, occupation, stats):
        she = [f.format(occupation=occupation, p="she", d="her") for f in PAIR_FRAMES]
        he = [f.format(occupation=occupation, p="he", d="his") for f in PAIR_FRAMES]
        diff = model.log_prob(she) - model.log_prob(he)
        if stats[occupation] <= 0.5:
            diff = -diff
        return float(np.mean(np.where(diff > 0, 1.0, np.where(diff < 0, 0.0, 0.5))))

    ok, out = _ask(exercises.check_paired_score, paired_score, capsys)
    assert ok and "✓" in out

    def always_she(model, occupation, stats):  # forgets to flip for male-majority jobs
        she = [f.format(occupation=occupation, p="she", d="her") for f in PAIR_FRAMES]
        he = [f.format(occupation=occupation, p="he", d="his") for f in PAIR_FRAMES]
        return float(np.mean(model.log_prob(she) > model.log_prob(he)))

    ok, out = _ask(exercises.check_paired_score, always_she, capsys)
    assert not ok and "stereotypical" in out
