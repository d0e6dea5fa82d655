"""Exercise checks for lesson 15 (robustness and privacy: who pays?).

Every expected value is computed here with :mod:`fairlab.robustness` and
:mod:`fairlab.privacy`, never typed in.

Lesson: 15-robustness-and-privacy-who-pays
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fairlab.exercises._core import NOT_ANSWERED, check_number, check_option, feedback

__all__ = ["FGSM_STEP", "DP_RUN", "check_fgsm_step", "check_dp_epsilon", "check_who_pays"]

#: Exercise 1: a two-class linear model with logits (0, w·x + b), an image x of three
#: pixels, its true class y and the attack radius ε.
FGSM_STEP = {"w": np.array([1.0, -2.0, 0.5]), "b": 0.0, "x": np.array([0.05, 0.5, 0.95]),
             "y": 1, "epsilon": 0.1}
#: Exercise 2: a DP-SGD run: noise multiplier σ, sampling rate q, steps and δ.
DP_RUN = {"noise_multiplier": 2.0, "sample_rate": 0.1, "steps": 200, "delta": 1e-5}


def _fgsm_expected() -> np.ndarray:
    import torch

    from fairlab.robustness import fgsm

    s = FGSM_STEP
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(np.vstack([np.zeros(3), s["w"]]), dtype=torch.float32))
        lin.bias.copy_(torch.tensor([0.0, s["b"]]))
    return fgsm(lin, s["x"][None, :], [s["y"]], epsilon=s["epsilon"])[0].astype(float)


def check_fgsm_step(answer: Any) -> bool:
    """Exercise 1: the FGSM image for :data:`FGSM_STEP` (three numbers).

    Examples
    --------
    >>> check_fgsm_step([0.3, 0.4, 1.0])
    ✗ ...
    False

    Lesson: 15-robustness-and-privacy-who-pays
    """
    if answer is None:
        return feedback(False, NOT_ANSWERED)
    try:
        got = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        return feedback(False, "Give the three pixels of the attacked image as a list or "
                               "array of numbers, e.g. [0.1, 0.6, 0.9].")
    if got.shape != (3,):
        return feedback(False, f"Give all three pixels of the attacked image; got {got.size} "
                               "numbers.")
    want = _fgsm_expected()
    s = FGSM_STEP
    uphill_wrong = np.clip(s["x"] + s["epsilon"] * np.sign(s["w"]), 0, 1)
    unclipped = s["x"] - s["epsilon"] * np.sign(s["w"])
    if np.allclose(got, want, atol=1e-3):
        return feedback(True, "Correct: for the true class 1 the loss falls as w·x grows, so "
                              "FGSM moves every pixel by ε against the sign of its weight, and "
                              "the first pixel stops at 0.")
    if np.allclose(got, uphill_wrong, atol=1e-3):
        return feedback(False, "You moved each pixel *with* its weight: that makes class 1 "
                               "more likely. FGSM climbs the loss: for y = 1 the gradient of "
                               "the loss is (σ(z) − 1)·w, which points against w.")
    if np.allclose(got, unclipped, atol=1e-3):
        return feedback(False, "Right direction, but pixels live in [0, 1]: clip the result.")
    return feedback(False, "Compute z = w·x + b and the loss gradient (σ(z) − y)·w; take its "
                           "sign per pixel, add ε times it to x, then clip to [0, 1].")


def check_dp_epsilon(answer: Any) -> bool:
    """Exercise 2: the ε the RDP accountant certifies for :data:`DP_RUN`.

    Examples
    --------
    >>> check_dp_epsilon(None)
    ✗ Not answered yet: replace None with your answer and run the cell again.
    False

    Lesson: 15-robustness-and-privacy-who-pays
    """
    from fairlab.privacy import epsilon_spent

    expected = epsilon_spent(**DP_RUN)
    prv = epsilon_spent(**DP_RUN, accountant="prv")
    double = epsilon_spent(**{**DP_RUN, "steps": 2 * DP_RUN["steps"]})
    return check_number(
        answer, expected, tol=0.01,
        praise="Correct: this run is (ε, δ)-DP with that ε for δ = 1e-5, as far as the "
               "RDP accountant can prove.",
        hint="Call epsilon_spent(**exercises.lesson15.DP_RUN): the accountant needs σ, the "
             "sampling rate, the number of steps and δ.",
        near_misses={
            "That is the PRV accountant's (tighter) ε; the question asks for the default "
            "RDP accountant.": lambda a: abs(a - prv) < 0.01,
            "That is the ε of twice as many steps: use steps = 200.":
                lambda a: abs(a - double) < 0.01,
        },
    )


_GROUPS = {"styled": "styled", "minority": "styled", "standard": "standard",
           "majority": "standard", "both": "both", "neither": "both", "equal": "both"}


def _group(answer: Any) -> str:
    if not isinstance(answer, str):
        raise TypeError
    text = answer.strip().lower()
    return _GROUPS.get(text, text)


def check_who_pays(answer: Any) -> bool:
    """Exercise 3: which group loses more accuracy when privacy gets strict.

    Examples
    --------
    >>> check_who_pays("standard")
    ✗ ...
    False

    Lesson: 15-robustness-and-privacy-who-pays
    """
    return check_option(
        answer, "styled", normalize=_group,
        praise="Correct: clipping caps how far any one image can pull the model and the "
               "noise drowns weak signals, and the rare style's signal is the weakest "
               "(Bagdasaryan et al. 2019).",
        hint="Answer 'standard', 'styled' or 'both' (a string), reading the accuracy drop "
             "from the non-private network to ε = 0.5.",
        hints={
            "standard": "Compare the *drop* of each group from the non-private network, not "
                        "the accuracy itself: which group loses more points?",
            "both": "Both lose accuracy, but not equally: compare the two drops.",
        },
    )
