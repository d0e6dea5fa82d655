"""The one place that turns user input into clean arrays, or a clear error.

Every public function of fairlab calls these checks first; nothing deeper checks
again. Each message says what must hold, what we got, and how to fix it.
Wrong type → ``TypeError``; wrong value → ``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Groups",
    "as_1d",
    "check_binary",
    "check_label_pair",
    "check_scores",
    "check_groups",
    "check_in_range",
    "check_number",
    "check_int",
    "check_columns",
    "check_choice",
    "check_random_state",
    "check_seed",
    "check_sample_weight",
]


def as_1d(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D ndarray (list, tuple, Series, Categorical, array)."""
    if values is None:
        raise TypeError(f"{name} is None; pass one value per row (a list, array or Series).")
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise TypeError(
                f"{name} is a DataFrame with {values.shape[1]} columns; pass a single "
                "column (df['col']) or a 1-D array."
            )
        values = values.iloc[:, 0]
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        raise TypeError(
            f"{name} is a single value ({values!r}); pass one value per row "
            "(a list, array or Series)."
        )
    if isinstance(values, pd.Series | pd.Index | pd.Categorical):
        arr = np.asarray(values.astype(object)) if _is_categorical(values) else values.to_numpy()
    else:
        arr = np.asarray(values)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise TypeError(
            f"{name} must be 1-D (one value per row); got an array of shape {arr.shape}."
        )
    return arr


def _is_categorical(values: Any) -> bool:
    return isinstance(values, pd.Categorical) or isinstance(
        getattr(values, "dtype", None), pd.CategoricalDtype
    )


def _isna(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind in "fc":
        return np.isnan(arr)
    if arr.dtype.kind in "biu":
        return np.zeros(arr.shape, dtype=bool)
    return pd.isna(arr)


def check_binary(
    y: Any, name: str = "y_true", *, n_rows: int | None = None, pos_label: Any = None
) -> np.ndarray:
    """Return ``y`` as an int8 array of 0/1 (1 = the positive label).

    Accepts the codings fairlearn and scikit-learn accept: with ``pos_label=None``
    the labels must be a subset of ``{0, 1}`` or ``{-1, 1}`` (booleans count as
    0/1) and 1 (``True``) is positive; any other two labels need ``pos_label=``,
    the one to count as positive. Scores and strings without ``pos_label`` are
    refused with a hint on the fix.

    Parameters
    ----------
    y : array-like
        One label per row.
    name : str, default="y_true"
        Its name in error messages.
    n_rows : int, default=None
        The number of rows ``y`` must have.
    pos_label : scalar, default=None
        The positive label; None means 1 (or ``True``).

    Examples
    --------
    >>> check_binary([True, False, 1.0]).tolist()
    [1, 0, 1]
    >>> check_binary([-1, 1, 1]).tolist()
    [0, 1, 1]
    >>> check_binary(["no", "yes"], pos_label="yes").tolist()
    [0, 1]
    """
    arr = as_1d(y, name)
    if n_rows is not None and len(arr) != n_rows:
        raise ValueError(
            f"{name} has {len(arr)} entries but y_true has {n_rows}; pass one value per row."
        )
    if len(arr) == 0:
        raise ValueError(f"{name} is empty; pass at least one row.")
    missing = _isna(arr)
    if missing.any():
        raise ValueError(
            f"{name} has {int(missing.sum())} missing values (NaN/None); drop those rows "
            "before computing metrics."
        )
    if pos_label is not None:
        labels = pd.unique(arr)
        if len(labels) > 2:
            raise ValueError(
                f"{name} must be binary (two labels); got {len(labels)} labels "
                f"{labels[:5].tolist()}. Choose the positive class first (y == k)."
            )
        if len(labels) == 2 and not (labels == pos_label).any():
            raise ValueError(
                f"pos_label={pos_label!r} is not one of {name}'s labels "
                f"{labels.tolist()}; pass one of them as pos_label=."
            )
        return (arr == pos_label).astype(np.int8)
    if arr.dtype == bool:
        return arr.astype(np.int8)
    if arr.dtype.kind not in "biuf":
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(float)
            except (TypeError, ValueError):
                pass
        if arr.dtype.kind not in "biuf":
            found = pd.unique(arr)[:5].tolist()
            raise ValueError(
                f"{name} must be binary, coded 0/1, -1/1 or True/False; got labels {found}. "
                f"Map them first, e.g. {name} = ({name} == {found[-1]!r}).astype(int), or "
                f"pass pos_label= to say which label is positive (pos_label={found[-1]!r})."
            )
    bad = (arr != 0) & (arr != 1) & (arr != -1)
    if bad.any():
        found = np.unique(arr[bad])[:5].tolist()
        raise ValueError(
            f"{name} must be binary, coded 0/1, -1/1 or True/False; got other values {found}. "
            "For scores, threshold them first (y_pred = scores >= 0.5); for a label with "
            "more than two classes, choose the positive class (y == k); for two other "
            "labels, pass pos_label= (the label to count as positive)."
        )
    if (arr == 0).any() and (arr == -1).any():
        seen = np.unique(arr).tolist()
        fix = ("choose the positive class first (y == k)" if len(seen) == 3 else
               "pass pos_label= (the label to count as positive)")
        raise ValueError(
            f"{name} must be binary, coded 0/1, -1/1 or True/False; got labels {seen}, "
            f"which mix the two codings; {fix}."
        )
    return (arr == 1).astype(np.int8)


def check_label_pair(
    y_true: Any, y_pred: Any, *, pos_label: Any = None,
    names: tuple[str, str] = ("y_true", "y_pred"),
) -> tuple[np.ndarray, np.ndarray]:
    """``y_true`` and ``y_pred`` as int8 0/1 arrays (see :func:`check_binary`).

    With ``pos_label`` given, the two together may hold at most two labels (as
    fairlearn's rate functions require).

    Examples
    --------
    >>> yt, yp = check_label_pair([-1, 1, 1], [1, 1, -1])
    >>> yt.tolist(), yp.tolist()
    ([0, 1, 1], [1, 1, 0])
    """
    yt = check_binary(y_true, names[0], pos_label=pos_label)
    yp = check_binary(y_pred, names[1], n_rows=len(yt), pos_label=pos_label)
    if pos_label is not None:
        seen = pd.unique(np.concatenate([as_1d(y_true, names[0]).astype(object),
                                         as_1d(y_pred, names[1]).astype(object)]))
        if len(seen) > 2:
            raise ValueError(
                f"{names[0]} and {names[1]} together hold {len(seen)} labels "
                f"{seen[:5].tolist()}; they must share the same two labels, one of them "
                f"pos_label={pos_label!r}."
            )
    return yt, yp


def check_scores(
    scores: Any, name: str = "y_score", *, n_rows: int | None = None, probabilities: bool = True
) -> np.ndarray:
    """Return ``scores`` as a finite float array, in [0, 1] when ``probabilities``.

    Examples
    --------
    >>> check_scores([0.2, 0.9]).tolist()
    [0.2, 0.9]
    """
    arr = as_1d(scores, name)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be numeric scores; got dtype {arr.dtype}.")
    arr = arr.astype(float)
    if n_rows is not None and len(arr) != n_rows:
        raise ValueError(
            f"{name} has {len(arr)} entries but y_true has {n_rows}; pass one score per row."
        )
    if len(arr) == 0:
        raise ValueError(f"{name} is empty; pass at least one row.")
    if not np.isfinite(arr).all():
        raise ValueError(
            f"{name} has {int((~np.isfinite(arr)).sum())} NaN or infinite values; drop or "
            "impute those rows first."
        )
    if probabilities and (arr.min() < 0 or arr.max() > 1):
        raise ValueError(
            f"{name} must be probabilities in [0, 1]; got values from {arr.min():.3g} to "
            f"{arr.max():.3g}. Use predict_proba(X)[:, 1], or rescale the scores."
        )
    return arr


@dataclass(frozen=True)
class Groups:
    """Integer codes for the sensitive groups of each row.

    ``codes[i]`` is the position of row ``i``'s group in ``index``; ``counts`` are
    the group sizes in the same order.
    """

    codes: np.ndarray
    index: pd.Index
    counts: np.ndarray

    @property
    def n_groups(self) -> int:
        return len(self.index)

    @property
    def labels(self) -> list:
        return self.index.tolist()


def _codes_of(col: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes and labels of one column; categorical columns keep their category order."""
    if _is_categorical(col):
        cat = col if isinstance(col, pd.Categorical) else col.array
        codes = np.asarray(cat.codes)
        if (codes < 0).any():
            raise ValueError(
                f"{name} has {int((codes < 0).sum())} missing labels; drop those rows "
                "or give them an explicit group such as 'unknown'."
            )
        return codes.astype(np.int64), np.asarray(cat.categories, dtype=object)
    arr = as_1d(col, name)
    missing = _isna(arr)
    if missing.any():
        raise ValueError(
            f"{name} has {int(missing.sum())} missing labels; drop those rows "
            "or give them an explicit group such as 'unknown'."
        )
    try:
        labels, codes = np.unique(arr, return_inverse=True)
    except TypeError:  # mixed types: compare as strings
        labels, codes = np.unique(arr.astype(str), return_inverse=True)
    return codes.astype(np.int64), labels.astype(object)


def check_groups(
    sensitive_features: Any,
    n_rows: int | None = None,
    *,
    name: str = "sensitive_features",
    min_rows: int = 1,
    min_groups: int = 1,
    rows_of: str = "y_true",
) -> Groups:
    """Map group labels to integer codes, once.

    Accepts a list, array, Series (categorical keeps its order) or a DataFrame of
    several columns, whose combinations are the intersectional groups. Groups
    that do not occur are dropped. ``rows_of`` names what ``n_rows`` counts, for
    the length message (``"y_true"``, ``"X"``).

    Examples
    --------
    >>> g = check_groups(["b", "a", "b"])
    >>> g.labels, g.codes.tolist(), g.counts.tolist()
    (['a', 'b'], [1, 0, 1], [1, 2])
    """
    if isinstance(sensitive_features, pd.DataFrame) and sensitive_features.shape[1] > 1:
        cols = [sensitive_features[c] for c in sensitive_features.columns]
        names = [str(c) for c in sensitive_features.columns]
    else:
        if isinstance(sensitive_features, pd.DataFrame):
            sensitive_features = sensitive_features.iloc[:, 0]
        cols = [sensitive_features]
        names = [getattr(sensitive_features, "name", None)]
    parts = [_codes_of(c, name) for c in cols]
    lengths = {len(p[0]) for p in parts}
    length = lengths.pop()
    if length == 0:
        raise ValueError(f"{name} is empty; pass one group label per row.")
    if n_rows is not None and length != n_rows:
        raise ValueError(
            f"{name} has {length} entries but {rows_of} has {n_rows}; pass one group label "
            "per row."
        )
    combined = np.zeros(length, dtype=np.int64)
    for codes, labels in parts:
        combined = combined * len(labels) + codes
    n_combos = int(np.prod([len(lab) for _, lab in parts]))
    if n_combos <= 4 * length + 1024:  # small label space: count, no sort
        full = np.bincount(combined, minlength=n_combos)
        used = np.flatnonzero(full)
        lookup = np.zeros(n_combos, dtype=np.int64)
        lookup[used] = np.arange(len(used))
        codes, counts = lookup[combined], full[used]
    else:
        used, codes, counts = np.unique(combined, return_inverse=True, return_counts=True)
    if len(parts) == 1:
        index = pd.Index(parts[0][1][used], name=names[0], dtype=object)
    else:
        sizes = [len(lab) for _, lab in parts]
        levels = np.unravel_index(used, sizes)
        index = pd.MultiIndex(levels=[pd.Index(lab, dtype=object) for _, lab in parts],
                              codes=list(levels), names=names, verify_integrity=False)
    if len(index) < min_groups:
        raise ValueError(
            f"{name} has only {len(index)} group ({index.tolist()}); fairness compares "
            f"groups, so pass a column with at least {min_groups} distinct values."
        )
    small = counts < min_rows
    if small.any():
        raise ValueError(
            f"groups {index[small].tolist()} have fewer than {min_rows} rows; "
            "merge them or choose another grouping."
        )
    return Groups(codes=codes.astype(np.int64).reshape(-1), index=index, counts=counts)


def check_in_range(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Check a scalar: a real number within [low, high].

    Examples
    --------
    >>> check_in_range(-0.5, "lam", low=0)
    Traceback (most recent call last):
    ...
    ValueError: lam must be >= 0; got -0.5.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number; got {type(value).__name__} {value!r}.")
    value = float(value)
    if np.isnan(value):
        raise ValueError(f"{name} must be a number; got NaN.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        op = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {op} {low:g}; got {value:g}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        op = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {op} {high:g}; got {value:g}.")
    return value


def check_columns(df: Any, columns: str | Iterable[str], *, name: str = "df") -> list[str]:
    """Check that ``df`` is a DataFrame holding ``columns``; return them as a list.

    Examples
    --------
    >>> check_columns(pd.DataFrame({"a": [1]}), "b")
    Traceback (most recent call last):
    ...
    ValueError: column 'b' is not in df; available columns: ['a'].
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame; got {type(df).__name__}.")
    cols = [columns] if isinstance(columns, str) else list(columns)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        what = f"column {missing[0]!r} is" if len(missing) == 1 else f"columns {missing} are"
        raise ValueError(
            f"{what} not in {name}; available columns: {list(map(str, df.columns))}."
        )
    return cols


def check_choice(value: Any, name: str, choices: Sequence[str]) -> str:
    """Check that ``value`` is one of ``choices``.

    Examples
    --------
    >>> check_choice("dp", "penalty", ["demographic_parity", "error_rate"])
    Traceback (most recent call last):
    ...
    ValueError: penalty must be one of ['demographic_parity', 'error_rate']; got 'dp'.
    """
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}; got {value!r}.")
    return value


def check_sample_weight(sample_weight: Any, n_rows: int) -> np.ndarray | None:
    """Return non-negative float weights of length ``n_rows`` (or None)."""
    if sample_weight is None:
        return None
    w = check_scores(sample_weight, "sample_weight", n_rows=n_rows, probabilities=False)
    if (w < 0).any():
        raise ValueError("sample_weight must be >= 0 for every row; got negative weights.")
    return w


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Check a real number within [low, high] (the same check as :func:`check_in_range`).

    Examples
    --------
    >>> check_number(1.5, "lr", low=0, low_inclusive=False)
    1.5
    """
    return check_in_range(value, name, low=low, high=high, low_inclusive=low_inclusive,
                          high_inclusive=high_inclusive)


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None,
              allow_none: bool = False) -> int | None:
    """Check a whole number within [low, high]; one message style with :func:`check_number`.

    Wrong type → ``TypeError``; out of range → ``ValueError``.

    Examples
    --------
    >>> check_int(200, "n_boot", low=10)
    200
    >>> check_int(2.5, "n_boot", low=10)
    Traceback (most recent call last):
    ...
    TypeError: n_boot must be an integer; got float 2.5.
    >>> check_int(3, "n_splits", low=2, high=20)
    3
    >>> check_int(1, "n_splits", low=2, high=20)
    Traceback (most recent call last):
    ...
    ValueError: n_splits must be >= 2; got 1.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        extra = " or None" if allow_none else ""
        raise TypeError(f"{name} must be an integer{extra}; got {type(value).__name__} "
                        f"{value!r}.")
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}; got {value}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}; got {value}.")
    return int(value)


def check_random_state(random_state: Any, name: str = "random_state") -> np.random.Generator:
    """A numpy ``Generator`` from an int seed, a ``Generator``, a ``RandomState`` or None.

    None draws fresh entropy (not reproducible); an int or a Generator is.

    Examples
    --------
    >>> float(check_random_state(0).random()) == float(np.random.default_rng(0).random())
    True
    >>> check_random_state("zero")
    Traceback (most recent call last):
    ...
    TypeError: random_state must be an int seed, a numpy Generator or None; got str 'zero'.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, bool) or not isinstance(random_state, Integral):
        raise TypeError(f"{name} must be an int seed, a numpy Generator or None; got "
                        f"{type(random_state).__name__} {random_state!r}.")
    if random_state < 0:
        raise ValueError(f"{name} must be >= 0; got {random_state}.")
    return np.random.default_rng(int(random_state))


def check_seed(random_state: Any, name: str = "random_state") -> int:
    """An int seed (for torch or a cache key) from anything :func:`check_random_state` takes.

    An int is returned as is, so results match the earlier int-only API; a Generator
    or None gives a seed drawn from it.

    Examples
    --------
    >>> check_seed(7), check_seed(np.random.default_rng(0)) == check_seed(np.random.default_rng(0))
    (7, True)
    """
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"{name} must be >= 0; got {random_state}.")
        return int(random_state)
    return int(check_random_state(random_state, name).integers(0, 2**31 - 1))
