"""Exercise checks for lesson 04 (λ-penalized training).

Both exercises use the tiny example below, small enough to work by hand; each
expected value is computed here with :mod:`fairlab.training`, never typed in.

Lesson: 04-lambda-penalized-training
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fairlab.exercises._core import check_function, check_number

__all__ = ["check_soft_dp_function", "EXAMPLE", "check_surrogate_gradient", "check_soft_eo_gap"]

#: Ten applicants: predicted probabilities, true labels and groups (4 in A, 6 in B).
EXAMPLE = {
    "proba": np.array([0.9, 0.8, 0.6, 0.3, 0.7, 0.4, 0.2, 0.5, 0.1, 0.3]),
    "y": np.array([1, 1, 0, 1, 1, 1, 0, 1, 0, 0]),
    "group": np.array(["A"] * 4 + ["B"] * 6),
}


def _tensors():
    import torch

    p = torch.tensor(EXAMPLE["proba"], dtype=torch.float64, requires_grad=True)
    codes = torch.tensor((EXAMPLE["group"] == "B").astype(np.int64))
    y = torch.tensor(EXAMPLE["y"])
    return p, codes, y


def check_surrogate_gradient(answer: Any) -> bool:
    """Exercise 1: ∂(soft DP gap)/∂p for one applicant of group B (row 4, p = 0.7).

    Examples
    --------
    >>> check_surrogate_gradient(0.0)
    ✗ ...
    False

    Lesson: 04-lambda-penalized-training
    """
    from fairlab.training import demographic_parity_surrogate

    p, codes, y = _tensors()
    demographic_parity_surrogate(p, codes).backward()
    expected = float(p.grad[4])
    n_b, n = int((EXAMPLE["group"] == "B").sum()), len(p)
    return check_number(
        answer, expected, tol=1e-3,
        praise="Correct: raising any one B applicant's probability by δ raises B's mean by "
               "δ/6 and so narrows the gap by δ/6. Every B row gets the same push.",
        hint="Write the gap as mean(p over A) − mean(p over B) (A's mean is larger) and "
             "differentiate with respect to one p in B.",
        near_misses={
            "Check the sign: B has the lower mean, so raising a B probability NARROWS "
            "the gap (the derivative is negative).": lambda a: abs(a + expected) < 1e-3,
            "Close: divide by the size of the applicant's group (6), not by all "
            "10 rows.": lambda a: abs(abs(a) - 1 / n) < 1e-3,
            "That would be the gradient of the hard (argmax) penalty: zero. The soft gap "
            "is a mean of probabilities, so it moves.": lambda a: a == 0,
            "That is the size of a step for a row of group A (1/4); the row asked for is "
            "in B.": lambda a: abs(abs(a) - 1 / (n - n_b)) < 1e-3,
        },
    )


def check_soft_eo_gap(answer: Any) -> bool:
    """Exercise 2: the soft equal-opportunity gap of :data:`EXAMPLE`.

    Examples
    --------
    >>> check_soft_eo_gap(None)
    ✗ Not answered yet: replace None with your answer and run the cell again.
    False

    Lesson: 04-lambda-penalized-training
    """
    from fairlab.training import demographic_parity_surrogate, equal_opportunity_surrogate

    p, codes, y = _tensors()
    expected = float(equal_opportunity_surrogate(p, codes, y).detach())
    dp = float(demographic_parity_surrogate(p, codes).detach())
    neg = (EXAMPLE["y"] == 0)
    g = EXAMPLE["group"]
    fp_gap = abs(EXAMPLE["proba"][neg & (g == "A")].mean()
                 - EXAMPLE["proba"][neg & (g == "B")].mean())
    return check_number(
        answer, expected, tol=1e-3,
        praise="Correct: among the true positives, A's mean probability is higher than B's "
               "by this much; that is what the equal-opportunity penalty pushes towards 0.",
        hint="Keep only the rows with y = 1, take the mean probability in each group, and "
             "subtract the smaller mean from the larger.",
        near_misses={
            "That is the demographic-parity gap: it uses every row. Equal opportunity looks "
            "only at the true positives (y = 1).": lambda a: abs(a - dp) < 1e-3,
            "That is the gap among the negatives (y = 0), the FPR part of equalized odds. "
            "Use the rows with y = 1.": lambda a: abs(a - fp_gap) < 1e-3,
            "A gap here is the larger group mean minus the smaller one, so it is never "
            "negative.": lambda a: abs(a + expected) < 1e-3,
        },
    )


def check_soft_dp_function(answer: Any) -> bool:
    """Exercise (build it): a differentiable soft demographic-parity gap ``answer(p, group)``.

    ``p`` is a float tensor of probabilities that requires grad, ``group`` a long tensor
    of group codes 0..k-1. The result must be a scalar tensor whose value *and gradient*
    match :func:`fairlab.training.demographic_parity_surrogate` on hidden cases with two
    and three groups.

    Examples
    --------
    >>> import torch
    >>> check_soft_dp_function(lambda p, g: torch.tensor(0.0))
    ✗ ...
    False

    Lesson: 04-lambda-penalized-training
    """
    import torch

    from fairlab.training import demographic_parity_surrogate

    rng = np.random.default_rng(4)
    cases = []
    for n, k in ((10, 2), (30, 3), (200, 2)):
        codes = np.concatenate([np.arange(k), rng.integers(0, k, n - k)])
        values = rng.uniform(0.05, 0.6, n) + 0.35 * (codes == k - 1)  # the last group is highest
        ref = torch.tensor(values, requires_grad=True)
        want = demographic_parity_surrogate(ref, torch.tensor(codes))
        (grad,) = torch.autograd.grad(want, ref)
        p = torch.tensor(values, requires_grad=True)
        cases.append(((p, torch.tensor(codes)), (want.item(), grad.numpy(), p)))

    def compare(got, want):
        value, grad, p = want
        if not (torch.is_tensor(got) and got.numel() == 1 and got.requires_grad):
            return False
        (g,) = torch.autograd.grad(got.reshape(()), p, allow_unused=True)
        return (g is not None and abs(float(got) - value) < 1e-9
                and np.allclose(g.numpy(), grad, atol=1e-9))

    return check_function(
        answer, cases, compare=compare,
        praise="Correct: the value and the gradient match for two and three groups.",
        hint="Return a scalar tensor that stays in autograd's graph (no .item(), no numpy, no "
             "argmax or rounding): each group's mean of p, then the largest minus the "
             "smallest. With k groups, the mean of group j is p[group == j].mean().",
    )
