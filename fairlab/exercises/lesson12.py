"""Exercise checks for lesson 12 (bias in a language model).

Each expected value is computed here from the lesson's own tools, never typed in.

Lesson: 12-bias-in-a-language-model
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fairlab.exercises._core import check_number, feedback

__all__ = ["check_corpus_she_share", "check_counterfactual_pair", "check_paired_score"]

#: Exercise 2's new word pairs (female, male).
NEW_PAIRS = (("aunt", "uncle"), ("aunts", "uncles"))
_SWAP_CASES = ("My aunt met his uncle.", "Her Uncle thanked her.", "The AUNTS and the uncles.",
               "She saw the aunt, then the uncle's dog.", "Auntie stayed.",
               "Mary told her uncle that she was late.")


@cache
def _she_share() -> tuple[float, float]:
    from fairlab.lm import make_corpus, tokenize

    counts = {"she": 0, "he": 0}
    for s in make_corpus(random_state=0).sentences:
        for t in tokenize(s):
            if t in counts:
                counts[t] += 1
    return counts["she"] / (counts["she"] + counts["he"]), counts["she"] / counts["he"]


def check_corpus_she_share(answer: Any) -> bool:
    """Exercise 1: share of "she" among all "she" and "he" tokens of the skewed corpus.

    Examples
    --------
    >>> check_corpus_she_share(0.1)
    ✗ ...
    False

    Lesson: 12-bias-in-a-language-model
    """
    share, ratio = _she_share()
    return check_number(
        answer, share, tol=0.002,
        hint="Count the tokens 'she' and 'he' over corpus.sentences with tokenize(), then "
             "compute she / (she + he).",
        praise="Correct: close to half. The corpus is nearly balanced overall, yet each "
               "occupation is skewed: a balance in the aggregate says nothing about the "
               "conditional P(she | occupation) the model learns.",
        near_misses={"That is she / he, a ratio; the question asks for she / (she + he).":
                     lambda a: abs(a - ratio) < 0.002})


def _expected_swap(sentence: str) -> str:
    from fairlab.lm import counterfactual_swap

    return counterfactual_swap(sentence, extra_pairs=NEW_PAIRS)


def check_counterfactual_pair(answer: Any) -> bool:
    """Exercise 2 (build it): a swap function that also handles aunt ↔ uncle.

    ``answer`` is a function ``sentence → swapped sentence``.

    Examples
    --------
    >>> from fairlab.lm import counterfactual_swap
    >>> check_counterfactual_pair(counterfactual_swap)
    ✗ ...
    False

    Lesson: 12-bias-in-a-language-model
    """
    if not callable(answer):
        return feedback(False, "Pass a function that takes a sentence and returns it swapped, "
                               "e.g. def my_swap(sentence): ...")
    for s in _SWAP_CASES:
        try:
            got = answer(s)
        except Exception as exc:  # the learner's code: show what went wrong
            return feedback(False, f"Your function raised {type(exc).__name__}: {exc} "
                                   f"on {s!r}.")
        want = _expected_swap(s)
        if got != want:
            return feedback(False, f"On {s!r} your function gives {got!r}. Check whole words "
                                   "only (not 'Auntie'), both directions, the plural, and "
                                   "that capitals are kept. Hint: counterfactual_swap has "
                                   "an extra_pairs parameter, or write the regex yourself.")
    return feedback(True, "Correct: both directions, plurals and capitals, whole words only.")


@cache
def _tiny_model():
    from fairlab.lm import CausalLM, make_corpus

    c = make_corpus(n_sentences=400, random_state=5)
    return c, CausalLM(epochs=2, hidden_size=8, embedding_dim=8, random_state=0).fit(
        c.sentences)


def check_paired_score(answer: Any) -> bool:
    """Exercise 3 (build it): the paired-likelihood score of one occupation.

    ``answer`` is a function ``(model, occupation, stats) → share`` of
    ``PAIR_FRAMES`` where the model gives the stereotypical sentence the higher
    log-probability. It is compared with :func:`fairlab.lm.paired_likelihood` on a
    small model trained here.

    Examples
    --------
    >>> check_paired_score(lambda model, occupation, stats: 0.5)
    ✗ ...
    False

    Lesson: 12-bias-in-a-language-model
    """
    from fairlab.lm import paired_likelihood

    if not callable(answer):
        return feedback(False, "Pass a function (model, occupation, stats) → a share between "
                               "0 and 1.")
    c, model = _tiny_model()
    for occ in ("nurse", "carpenter", "cook", "secretary", "sheriff"):
        want = float(paired_likelihood(model, [occ], stats=c.stats, n_boot=10)
                     .overall["value"])
        try:
            got = float(answer(model, occ, c.stats))
        except Exception as exc:
            return feedback(False, f"Your function raised {type(exc).__name__}: {exc} "
                                   f"for {occ!r}.")
        if abs(got - want) > 1e-9:
            return feedback(False, f"For {occ!r} you get {got:.3f}, expected {want:.3f}. The "
                                   "stereotypical pronoun is she/her when stats[occupation] "
                                   "> 0.5, else he/his; compare model.log_prob of the two "
                                   "sentences of each frame.")
    return feedback(True, "Correct: that is the CrowS-Pairs score, with a causal model's "
                          "exact sentence log-probability.")
