"""Exercise checks for lesson 13 (aligning a language model with human feedback).

Each expected value is computed here with the lesson's own functions, never typed in.

Lesson: 13-aligning-with-human-feedback
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fairlab.exercises._core import check_number, check_option, feedback

__all__ = ["check_penalised_reward", "check_dpo_loss", "check_higher_reward"]

#: Exercise 1: one completion's learned reward and log-probabilities, and beta.
REWARD, LOGP_POLICY, LOGP_REFERENCE, BETA = 2.0, -3.0, -5.0, 0.3


def check_penalised_reward(answer: Any) -> bool:
    """Exercise 1: the KL-penalised reward of one completion.

    Examples
    --------
    >>> check_penalised_reward(2.0)
    ✗ ...
    False

    Lesson: 13-aligning-with-human-feedback
    """
    from fairlab.alignment import kl_penalised_reward

    want = float(kl_penalised_reward(REWARD, LOGP_POLICY, LOGP_REFERENCE, beta=BETA))
    ratio = LOGP_POLICY - LOGP_REFERENCE
    return check_number(
        answer, want, tol=1e-6,
        praise="Correct: the policy made this completion e² ≈ 7 times likelier than the "
               "reference did, and pays β × 2 for it.",
        hint=f"reward − β × (log π − log π_ref) with reward {REWARD}, log π {LOGP_POLICY}, "
             f"log π_ref {LOGP_REFERENCE}, β {BETA}.",
        near_misses={
            "Sign slip: log π − log π_ref is +2 here (the policy likes this completion more "
            "than the reference), so the penalty is subtracted.":
                lambda x: abs(x - (REWARD + BETA * ratio)) < 1e-6,
            "That is the reward alone: the penalty β × (log π − log π_ref) is missing.":
                lambda x: abs(x - REWARD) < 1e-6,
        })


def check_dpo_loss(answer: Any) -> bool:
    """Exercise 2 (build it): a function ``f(lp_c, lp_r, ref_c, ref_r, beta)`` → DPO loss.

    It is called on torch tensors of completion log-probabilities and must return
    the mean loss (a 0-d tensor or a float), equal to :func:`fairlab.alignment.dpo_loss`.

    Examples
    --------
    >>> check_dpo_loss(lambda a, b, c, d, beta: 0.0)
    ✗ ...
    False

    Lesson: 13-aligning-with-human-feedback
    """
    import torch

    from fairlab.alignment import dpo_loss

    if answer is None:
        return check_number(None, 0.0, tol=0, hint="")
    if not callable(answer):
        return feedback(False, f"Your answer is a {type(answer).__name__}; give a function "
                               "f(lp_chosen, lp_rejected, ref_chosen, ref_rejected, beta).")
    g = torch.Generator().manual_seed(13)
    args = [-torch.rand(64, generator=g, dtype=torch.float64) * 10 for _ in range(4)]
    for beta in (0.1, 1.0, 3.0):
        want = float(dpo_loss(*args, beta=beta))
        try:
            got = float(answer(*args, beta))
        except Exception as exc:  # the learner's code: show what went wrong
            return feedback(False, f"Your function raised {type(exc).__name__}: {exc}.")
        if not np.isclose(got, want, atol=1e-6):
            z = (args[0] - args[2]) - (args[1] - args[3])
            if np.isclose(got, float(torch.nn.functional.softplus(beta * z).mean()),
                          atol=1e-6):
                return feedback(False, "Sign slip: the loss is -log σ(β z) with z = "
                                       "(lp_c − ref_c) − (lp_r − ref_r); yours rewards the "
                                       "rejected completion.")
            if np.isclose(got, float(torch.nn.functional.softplus(-beta * z).sum()),
                          atol=1e-6):
                return feedback(False, "That is the sum over pairs; take the mean.")
            return feedback(False, f"At β = {beta} your loss is {got:.4f}, expected "
                                   f"{want:.4f}. Compute z = (lp_c − ref_c) − (lp_r − ref_r),"
                                   " then the mean of −log σ(β z) (torch.nn.functional."
                                   "logsigmoid).")
    return feedback(True, "Correct: the Bradley–Terry likelihood of the preferences, with "
                          "β log(π/π_ref) as the reward. No reward model, no sampling.")


def check_higher_reward(answer: Any) -> bool:
    """Exercise 3: which policy is better, the one the reward model scores higher?

    Examples
    --------
    >>> check_higher_reward("a")
    ✗ ...
    False

    Lesson: 13-aligning-with-human-feedback
    """
    return check_option(
        answer, "cannot tell", normalize=lambda s: str(s).strip().lower(),
        praise="Right: a learned reward is a proxy. Past the peak, higher learned reward "
               "goes with a lower true score; only a check against the true preference (or "
               "fresh, audited human judgements) tells you which is better.",
        hints={"a": "A scores higher with the reward model, but the reward model rewards "
                    "length and confidence the raters liked; look at the true score along "
                    "training.",
               "b": "B may well be better, but the reward scores alone cannot tell you "
                    "that."},
        hint="Answer 'a', 'b' or 'cannot tell'.")
