"""Building blocks for exercise checks: compare, then print ✓ or a hint."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

__all__ = ["feedback", "check_number", "check_option", "check_function"]

NOT_ANSWERED = "Not answered yet: replace None with your answer and run the cell again."


def feedback(ok: bool, message: str) -> bool:
    """Print ``✓ message`` or ``✗ message`` and return ``ok``."""
    print(("✓ " if ok else "✗ ") + message)
    return ok


def check_number(
    answer: Any,
    expected: float,
    *,
    tol: float,
    hint: str,
    praise: str = "Correct.",
    near_misses: Mapping[str, Callable[[float], bool]] | None = None,
) -> bool:
    """Check a numeric answer within ``tol``.

    ``near_misses`` maps a specific hint to a test of the answer (e.g. "you
    computed the ratio, not the difference" when ``abs(answer - ratio) < tol``);
    the first that matches is shown instead of the general ``hint``.

    Examples
    --------
    >>> check_number(0.31, 0.3, tol=0.02, hint="Look at the TPR column.")
    ✓ Correct.
    True
    >>> check_number("0.3", 0.3, tol=0.02, hint="Look at the TPR column.")
    ✗ Your answer is a str; give a number such as 0.25 (not a string or a list).
    False
    """
    if answer is None:
        return feedback(False, NOT_ANSWERED)
    if isinstance(answer, bool) or not isinstance(answer, Real):
        try:
            import numpy as np

            if isinstance(answer, np.ndarray) and answer.size == 1:
                answer = float(answer.reshape(-1)[0])
            else:
                raise TypeError
        except TypeError:
            return feedback(False, f"Your answer is a {type(answer).__name__}; give a number "
                                   "such as 0.25 (not a string or a list).")
    answer = float(answer)
    if abs(answer - expected) <= tol:
        return feedback(True, praise)
    for message, test in (near_misses or {}).items():
        if test(answer):
            return feedback(False, message)
    return feedback(False, hint)


def check_option(
    answer: Any,
    expected: Any,
    *,
    hints: Mapping[Any, str] | None = None,
    hint: str,
    praise: str = "Correct.",
    normalize: Callable[[Any], Any] | None = None,
) -> bool:
    """Check a choice (a name, a label): specific hints for known wrong choices.

    Examples
    --------
    >>> check_option("Age", "relationship", hint="Rank by AUC.", normalize=str.lower)
    ✗ Rank by AUC.
    False
    """
    if answer is None:
        return feedback(False, NOT_ANSWERED)
    norm = normalize or (lambda v: v)
    try:
        value = norm(answer)
        ok = value == norm(expected)
    except (TypeError, ValueError, AttributeError):
        return feedback(False, f"Your answer is a {type(answer).__name__}; {hint}")
    if ok:
        return feedback(True, praise)
    for wrong, message in (hints or {}).items():
        if value == norm(wrong):
            return feedback(False, message)
    return feedback(False, hint)


def check_function(
    answer: Any,
    cases: list[tuple[tuple, Any]],
    *,
    compare: Callable[[Any, Any], bool],
    hint: str,
    praise: str = "Correct on every hidden case.",
    diagnose: Callable[[tuple, Any], str | None] | None = None,
) -> bool:
    """Check a function the learner wrote on hidden cases, each ``(args, expected)``.

    The cases are not the lesson's data: a function that only reproduces the printed
    numbers fails. A failing case is described by its size, never by its answer; an
    exception inside the learner's function is reported, not raised. ``diagnose(args,
    got)`` may name a typical mistake for a failing case (a specific hint shown instead
    of ``hint``), or return None.

    Examples
    --------
    >>> cases = [((2, 3), 5), ((-1, 1), 0)]
    >>> check_function(lambda a, b: a + b, cases, compare=lambda x, y: x == y, hint="Add.")
    ✓ Correct on every hidden case.
    True
    >>> check_function(lambda a, b: a * b, cases, compare=lambda x, y: x == y, hint="Add.")
    ✗ Hidden case 1 of 2 gives a different result. Add.
    False
    """
    if answer is None:
        return feedback(False, NOT_ANSWERED)
    if not callable(answer):
        return feedback(False, f"Your answer is a {type(answer).__name__}; define a function "
                               "(def answer(...): ...) and pass the function itself.")
    for i, (args, expected) in enumerate(cases, start=1):
        try:
            got = answer(*args)
            ok = bool(compare(got, expected))
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            return feedback(False, f"Your function raised {type(exc).__name__}: {exc} "
                                   f"(hidden case {i} of {len(cases)}). {hint}")
        if not ok:
            specific = None
            if diagnose is not None:
                try:
                    specific = diagnose(args, got)
                except Exception:  # noqa: BLE001 - an odd answer falls back to the hint
                    specific = None
            return feedback(False, f"Hidden case {i} of {len(cases)} gives a different "
                                   f"result. {specific or hint}")
    return feedback(True, praise)
