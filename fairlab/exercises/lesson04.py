"""Exercise checks for lesson 04 (λ-penalized training).

Both exercises use the tiny example below, small enough to work by hand; each
expected value is computed here with :mod:`fairlab.training`, never typed in.

Lesson: 04-lambda-penalized-training
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fairlab.exercises._core import check_number

__all__ = ["EXAMPLE", "check_surrogate_gradient", "check_soft_eo_gap"]

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
