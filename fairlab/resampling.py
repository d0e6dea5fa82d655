"""Balance sensitive groups by resampling, or by reweighing, on the training split only.

:class:`GroupBalancedSampler` is an imbalanced-learn sampler. It turns every row's
(group, label) pair into one integer *cell*, decides how many rows each cell
should have, and hands the actual sampling to imbalanced-learn
(``RandomUnderSampler``, ``RandomOverSampler``, ``SMOTE`` / ``SMOTENC`` /
``SMOTEN``) with the cells as the classes. Nothing is sampled by hand.

How the groups reach the sampler
--------------------------------
Two ways, and exactly one at a time:

* ``GroupBalancedSampler(sensitive_columns="sex")`` reads the groups from a column of
  ``X`` (a DataFrame). This is the way to use it inside an imbalanced-learn
  ``Pipeline``: the column travels with the rows, so a duplicated or synthetic
  row keeps its group, and no metadata routing is needed. Put the sampler first
  and let the next step (a ``ColumnTransformer``) choose the model's columns,
  leaving the sensitive one out if the model should not see it. Keep
  ``drop_sensitive_columns=False`` there: a Pipeline skips samplers at predict time, so a
  column dropped by the sampler would still reach the model when predicting.
* ``fit_resample(X, y, sensitive_features=groups)`` takes the groups directly,
  one label per row. Inside a Pipeline that needs scikit-learn's metadata
  routing (``sklearn.set_config(enable_metadata_routing=True)`` and
  ``sampler.set_fit_resample_request(sensitive_features=True)``).

:func:`reweighing_weights` (Kamiran & Calders 2012) keeps every row and gives it
the weight ``P(g) P(y) / P(g, y)`` instead.

Lesson: 03-resampling
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from imblearn.base import BaseSampler
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from sklearn.utils._param_validation import Interval, StrOptions

from fairlab._validation import (
    Groups,
    as_1d,
    check_binary,
    check_choice,
    check_columns,
    check_groups,
    check_int,
)

__all__ = [
    "STRATEGIES",
    "BALANCES",
    "GroupBalancedSampler",
    "resolve_groups",
    "target_counts",
    "cell_sampler",
    "reweighing_weights",
    "reweighing_table",
    "naive_undersample",
    "cell_counts",
]

#: How a cell reaches its target size.
STRATEGIES = ("under", "over", "smote")
#: What is made equal: group sizes, or every (group, label) cell.
BALANCES = ("groups", "group_label")


def _group_frame(values: Any) -> Any:
    """A DataFrame of one column stays 1-D for check_groups; several make intersections."""
    if isinstance(values, pd.DataFrame) and values.shape[1] == 1:
        return values.iloc[:, 0]
    return values


def _label(g: Any) -> str:
    return " × ".join(map(str, g)) if isinstance(g, tuple) else str(g)


def _column_list(columns: str | list[str] | tuple) -> list:
    return [columns] if isinstance(columns, str) else list(columns)


def _apportion(total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Split each row's ``total`` over its cells in proportion to ``counts``.

    Largest remainders, so each row sums exactly to its total. ``counts`` has shape
    (n_groups, n_classes); ``total`` one entry per group.
    """
    n_g = counts.sum(1, keepdims=True)
    exact = counts * (total[:, None] / n_g)
    out = np.floor(exact).astype(np.int64)
    short = (total - out.sum(1)).astype(np.int64)
    remainder = exact - out
    # rank cells within each group by remainder, largest first; top `short` get +1
    order = np.argsort(-remainder, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(counts.shape[1])[None, :], axis=1)
    out += rank < short[:, None]
    return out


def _categorical_columns(X: pd.DataFrame) -> list[int]:
    return [i for i, dt in enumerate(X.dtypes)
            if isinstance(dt, pd.CategoricalDtype) or dt.kind in "OSUb"
            or pd.api.types.is_string_dtype(dt)]


def _cell_frame(counts: np.ndarray, groups: Groups, classes: np.ndarray) -> pd.DataFrame:
    """Rows per (group, label) cell: groups as rows, labels as columns."""
    index = groups.index.copy()
    if index.nlevels == 1:
        index.name = index.name if index.name is not None else "group"
    return pd.DataFrame(counts, index=index, columns=pd.Index(classes.tolist(), name="label"))


# ------------------------------------------------------------ the sampler's parts
def resolve_groups(
    X: Any,
    *,
    sensitive_columns: str | list[str] | None = None,
    sensitive_features: Any = None,
    groups: Sequence | None = None,
) -> Groups:
    """Each row's group, from columns of ``X`` or from ``sensitive_features`` (exactly one).

    Several columns (or a DataFrame of several columns) give intersectional
    groups. Every group needs at least 2 rows, and there must be at least two
    groups. With ``groups``, the groups found must be exactly those expected:
    a new label (a typo, a new category) or a listed group without rows (a fold
    that lost a small group) is an error, not a silently different balance.

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, n_features)
    sensitive_columns : str or list of str, default=None
        Column(s) of the DataFrame ``X`` that hold the groups.
    sensitive_features : array-like or DataFrame, default=None
        One group label per row of ``X``.
    groups : sequence, default=None
        The groups expected (tuples, or lists, for intersections).

    Returns
    -------
    Groups
        ``labels``, integer ``codes`` per row, ``counts`` and ``index`` (a pandas
        Index, or a MultiIndex for intersections), in sorted order.

    Raises
    ------
    ValueError, TypeError
        Groups given twice or not at all, columns named on a non-DataFrame, a
        length that differs from X, a group with fewer than 2 rows, unknown or
        absent groups.

    Examples
    --------
    >>> X = pd.DataFrame({"sex": ["F", "M", "M", "F", "M"], "race": list("xxyyx")})
    >>> g = resolve_groups(X, sensitive_columns="sex")
    >>> g.labels, g.codes.tolist()
    (['F', 'M'], [0, 1, 1, 0, 1])
    >>> resolve_groups(X, sensitive_features=["a", "b", "a", "b", "c"])
    Traceback (most recent call last):
    ...
    ValueError: groups ['c'] have fewer than 2 rows; merge them or choose another grouping.

    Lesson: 03-resampling
    """
    n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
    if sensitive_columns is not None and sensitive_features is not None:
        raise ValueError(
            "the groups were given twice: as sensitive_columns of X and as "
            "sensitive_features=. Pass only one of them."
        )
    if sensitive_columns is not None:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"sensitive_columns={sensitive_columns!r} names a column, so X must "
                f"be a pandas DataFrame; got {type(X).__name__}. Pass a DataFrame, or pass the "
                "groups as fit_resample(X, y, sensitive_features=...)."
            )
        cols = check_columns(X, _column_list(sensitive_columns), name="X")
        values = _group_frame(X[cols])
    elif sensitive_features is not None:
        values = _group_frame(sensitive_features)
    else:
        raise ValueError(
            "GroupBalancedSampler needs the groups: pass "
            "fit_resample(X, y, sensitive_features=...), or sensitive_columns='column' to "
            "read them from a column of X (the way to use it inside a Pipeline)."
        )
    n_given = len(values) if hasattr(values, "__len__") else -1
    if n_given != n_rows:
        raise ValueError(
            f"sensitive_features has {n_given} entries but X has {n_rows} rows; "
            "pass one group label per row."
        )
    found = check_groups(values, n_rows, min_rows=2, min_groups=2)
    if groups is not None:
        expected = [tuple(g) if isinstance(g, list) else g for g in groups]
        unknown = [g for g in found.labels if g not in expected]
        absent = [g for g in expected if g not in found.labels]
        if unknown:
            raise ValueError(
                f"unknown groups {unknown} in the data; expected only {expected}. "
                "Add them to groups=, or fix the labels (a typo or a new category?)."
            )
        if absent:
            raise ValueError(
                f"groups {absent} have no rows in this data (expected {expected}); a "
                "split or fold may have lost them. Stratify the split by group, or "
                "merge small groups."
            )
    return found


def _check_counts(counts: Any) -> pd.DataFrame:
    if not isinstance(counts, pd.DataFrame):
        raise TypeError(f"counts must be a DataFrame (groups as rows, labels as columns, "
                        f"like GroupBalancedSampler.counts_before_); got {type(counts).__name__}.")
    values = counts.to_numpy()
    if values.dtype.kind not in "iu" or (values < 0).any():
        raise ValueError("counts must hold whole, non-negative numbers of rows per cell; got "
                         f"dtype {values.dtype} with values like {values.ravel()[:3].tolist()}. "
                         "Count rows with np.bincount or pd.crosstab.")
    return counts


def target_counts(counts: pd.DataFrame, *, strategy: str = "under",
                  balance: str = "groups") -> pd.DataFrame:
    """How many rows each (group, label) cell should have after resampling.

    ``strategy="under"`` shrinks to the smallest size, ``"over"`` and ``"smote"``
    grow to the largest. ``balance="groups"`` makes every group's size equal and
    keeps each group's label proportions (its base rate): a group's new size is
    split over its labels by largest remainders, so the cells add up exactly.
    ``balance="group_label"`` makes every cell the same size (equal sizes and
    equal base rates); it needs every cell to have rows.

    Parameters
    ----------
    counts : DataFrame of int
        Rows per cell, groups as rows and labels as columns (the layout of
        ``GroupBalancedSampler.counts_before_``).
    strategy : {"under", "over", "smote"}, default="under"
    balance : {"groups", "group_label"}, default="groups"

    Returns
    -------
    DataFrame of int, laid out like ``counts``.

    Raises
    ------
    ValueError
        An empty cell with ``balance="group_label"``; an unknown strategy or balance.

    Examples
    --------
    Group a has 6 rows (2 positive), group b 3 rows (1 positive):

    >>> counts = pd.DataFrame([[4, 2], [2, 1]], index=["a", "b"], columns=[0, 1])
    >>> target_counts(counts, strategy="under").to_numpy().tolist()
    [[2, 1], [2, 1]]
    >>> target_counts(counts, strategy="over", balance="group_label").to_numpy().tolist()
    [[4, 4], [4, 4]]

    Lesson: 03-resampling
    """
    check_choice(strategy, "strategy", STRATEGIES)
    check_choice(balance, "balance", BALANCES)
    values = _check_counts(counts).to_numpy()
    shrink = strategy == "under"
    if balance == "group_label":
        empty = np.argwhere(values == 0)
        if len(empty):
            cells = [(counts.index[i], counts.columns.tolist()[k]) for i, k in empty]
            raise ValueError(
                f"(group, label) cells {cells} have no rows, so balancing every cell "
                "is impossible. Use balance='groups', merge small groups, or use "
                "reweighing_weights."
            )
        size = values.min() if shrink else values.max()
        targets = np.full_like(values, size)
    else:
        sizes = values.sum(1)
        total = np.full(len(sizes), sizes.min() if shrink else sizes.max())
        targets = _apportion(total, values)
    return pd.DataFrame(targets, index=counts.index, columns=counts.columns)


def cell_sampler(
    X: Any,
    counts: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    strategy: str = "under",
    k_neighbors: int = 5,
    random_state: Any = None,
) -> BaseSampler:
    """The imbalanced-learn sampler that brings every (group, label) cell to its target.

    The cells are the sampler's classes: cell ``i * n_labels + j`` is group row
    ``i`` and label column ``j`` of ``counts``, and ``sampling_strategy`` maps each
    non-empty cell to its target. Call ``fit_resample(X, cell)`` on the result.
    ``"under"`` → ``RandomUnderSampler``; ``"over"`` → ``RandomOverSampler``;
    ``"smote"`` → ``SMOTE`` (numeric X), ``SMOTENC`` (a DataFrame mixing
    categorical and numeric columns) or ``SMOTEN`` (all categorical), with
    ``k_neighbors`` lowered to fit the smallest cell that grows.

    Parameters
    ----------
    X : DataFrame or array of shape (n_samples, n_features)
        The rows to resample (SMOTE reads its column types and checks for NaN).
    counts, targets : DataFrame of int
        Rows per cell now and wanted (see :func:`target_counts`).
    strategy : {"under", "over", "smote"}, default="under"
    k_neighbors : int >= 1, default=5
    random_state : int, RandomState or None, default=None

    Returns
    -------
    imbalanced-learn sampler, not fitted.

    Raises
    ------
    ValueError, TypeError
        With ``"smote"``: a cell to grow that has one row, missing values, or a
        non-numeric array.

    Examples
    --------
    >>> counts = pd.DataFrame([[4, 2], [2, 1]], index=["a", "b"], columns=[0, 1])
    >>> targets = target_counts(counts, strategy="under")
    >>> sampler = cell_sampler(np.zeros((9, 1)), counts, targets, random_state=0)
    >>> type(sampler).__name__, sampler.sampling_strategy
    ('RandomUnderSampler', {0: 2, 1: 1, 2: 2, 3: 1})

    Lesson: 03-resampling
    """
    check_choice(strategy, "strategy", STRATEGIES)
    k_neighbors = check_int(k_neighbors, "k_neighbors", low=1)
    n = _check_counts(counts).to_numpy()
    t = _check_counts(targets).to_numpy()
    if t.shape != n.shape:
        raise ValueError(f"targets has shape {t.shape} but counts has {n.shape}; pass one "
                         "target per (group, label) cell, e.g. from target_counts(counts).")
    plan = {int(c): int(t.reshape(-1)[c]) for c in np.flatnonzero(n.reshape(-1))}
    rs = random_state
    if strategy == "under":
        return RandomUnderSampler(sampling_strategy=plan, random_state=rs)
    if strategy == "over":
        return RandomOverSampler(sampling_strategy=plan, random_state=rs)
    grow = (t > n) & (n > 0)
    tiny = np.argwhere(grow & (n < 2))
    if len(tiny):
        cells = [(counts.index[i], counts.columns.tolist()[k]) for i, k in tiny]
        raise ValueError(
            f"(group, label) cells {cells} have one row; SMOTE needs at least two "
            "rows of a cell to interpolate between. Use strategy='over', or merge "
            "small groups."
        )
    k = int(min(k_neighbors, n[grow].min() - 1)) if grow.any() else 1
    k = max(k, 1)
    if isinstance(X, pd.DataFrame):
        missing = X.columns[X.isna().any().to_numpy()].tolist()
        categorical = _categorical_columns(X)
    else:
        values = X.data if hasattr(X, "tocsr") else np.asarray(X)
        if not np.issubdtype(values.dtype, np.number):
            raise TypeError(
                f"SMOTE on an array needs numbers; got dtype {values.dtype}. Pass a "
                "DataFrame with categorical columns (SMOTENC is used), or encode them."
            )
        missing = ["X"] if np.isnan(values.astype(float)).any() else []
        categorical = []
    if missing:
        raise ValueError(
            f"X has missing values in {missing}; SMOTE interpolates between rows and "
            "needs complete data. Impute them first (e.g. a 'missing' category), or "
            "use strategy='over'."
        )
    if categorical and len(categorical) == X.shape[1]:
        return SMOTEN(sampling_strategy=plan, k_neighbors=k, random_state=rs)
    if categorical:
        return SMOTENC(categorical_features=categorical, sampling_strategy=plan,
                       k_neighbors=k, random_state=rs)
    return SMOTE(sampling_strategy=plan, k_neighbors=k, random_state=rs)


class GroupBalancedSampler(BaseSampler):
    """Balance sensitive groups, or every (group, label) cell, with imbalanced-learn.

    Parameters
    ----------
    strategy : {"under", "over", "smote"}, default="under"
        ``"under"`` drops random rows (``RandomUnderSampler``); ``"over"`` repeats
        random rows (``RandomOverSampler``); ``"smote"`` adds synthetic rows between
        neighbours of the same cell (``SMOTE`` for numeric X; ``SMOTENC`` when a
        DataFrame mixes categorical and numeric columns; ``SMOTEN`` when all are
        categorical).
    balance : {"groups", "group_label"}, default="groups"
        ``"groups"``: every group gets the size of the smallest (under) or largest
        (over, smote) group, and keeps its own label proportions, so each group's
        base rate is unchanged. ``"group_label"``: every (group, label) cell gets
        the size of the smallest or largest cell, so every group ends with the same
        size and the same base rate.
    sensitive_columns : str or list of str, default=None
        Column(s) of the DataFrame ``X`` that hold the groups; several columns give
        intersectional groups. Use this inside a Pipeline. Leave None to pass
        ``sensitive_features`` to ``fit_resample`` instead.
    drop_sensitive_columns : bool, default=False
        Remove the ``sensitive_columns`` from the resampled X. Not for Pipelines
        (see the module notes).
    groups : list, default=None
        The groups you expect. When given, a row of any other group, or a listed
        group with no rows (say, a cross-validation fold that lost a small group),
        is an error instead of a silently different balance.
    k_neighbors : int, default=5
        Neighbours for SMOTE; lowered automatically for cells smaller than k + 1.
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    sample_indices_ : ndarray of int
        For each output row, the input row it copies; ``-1`` marks a synthetic
        SMOTE row (see ``is_synthetic_``).
    is_synthetic_ : ndarray of bool
    groups_resampled_ : ndarray
        The group of each output row.
    counts_before_, counts_after_ : DataFrame
        Rows per (group, label) cell, groups as rows and labels as columns.
    groups_ : Index
        The groups found; ``classes_`` the labels.
    sampler_ : the fitted imbalanced-learn sampler that did the work.

    Raises
    ------
    ValueError
        A group with fewer than 2 rows, a missing group label, a group outside
        ``groups``, an empty (group, label) cell with ``balance="group_label"``,
        a one-row cell or NaN features with ``strategy="smote"``.

    Notes
    -----
    The sampler composes three parts, each usable on its own:
    :func:`resolve_groups` (each row's group, from a column or an argument),
    :func:`target_counts` (rows each (group, label) cell should have) and
    :func:`cell_sampler` (the imbalanced-learn sampler that gets them there).

    Examples
    --------
    >>> X = np.arange(10).reshape(-1, 1)
    >>> y = [0, 1, 0, 1, 0, 1, 0, 0, 1, 1]
    >>> g = ["a", "a", "a", "a", "a", "a", "b", "b", "b", "b"]
    >>> s = GroupBalancedSampler("under", "groups", random_state=0)
    >>> X_res, y_res = s.fit_resample(X, y, sensitive_features=g)
    >>> s.counts_after_
    label  0  1
    group
    a      2  2
    b      2  2
    >>> bool((X_res[:, 0] == X[s.sample_indices_, 0]).all())
    True

    Lesson: 03-resampling
    """

    _sampling_type = "bypass"
    sampling_strategy = "auto"  # imbalanced-learn's base class reads it; not used here

    _parameter_constraints: dict = {
        "strategy": [StrOptions(set(STRATEGIES))],
        "balance": [StrOptions(set(BALANCES))],
        "sensitive_columns": [str, list, tuple, None],
        "drop_sensitive_columns": ["boolean"],
        "groups": [list, tuple, np.ndarray, None],
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        strategy: str = "under",
        balance: str = "groups",
        *,
        sensitive_columns: str | list[str] | None = None,
        drop_sensitive_columns: bool = False,
        groups: list | None = None,
        k_neighbors: int = 5,
        random_state: Any = None,
    ) -> None:
        self.strategy = strategy
        self.balance = balance
        self.sensitive_columns = sensitive_columns
        self.drop_sensitive_columns = drop_sensitive_columns
        self.groups = groups
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.sampler_tags.sample_indices = True
        return tags

    # -------------------------------------------------------------- imblearn hooks
    def _check_X_y(self, X, y, accept_sparse=None):
        """Keep DataFrames as they are: SMOTENC needs the column types."""
        from imblearn.utils import check_target_type
        from sklearn_compat.utils.validation import validate_data

        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if not hasattr(X, "iloc"):
            X = np.asarray(X) if not hasattr(X, "tocsr") else X
        X, y = validate_data(self, X=X, y=y, reset=True, skip_check_array=True)
        return X, y, binarize_y

    def fit_resample(self, X: Any, y: Any, *, sensitive_features: Any = None):
        """Resample ``X, y`` so the groups (or cells) are balanced.

        Parameters
        ----------
        X : DataFrame or array of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sensitive_features : array-like or DataFrame, default=None
            One group label per row; required unless ``sensitive_columns`` names columns.

        Returns
        -------
        X_resampled, y_resampled
        """
        X_res, y_res = super().fit_resample(X, y, sensitive_features=sensitive_features)
        if self.drop_sensitive_columns and self.sensitive_columns is not None:
            X_res = X_res.drop(columns=_column_list(self.sensitive_columns))
        return X_res, y_res

    def _column_list(self) -> list:
        return _column_list(self.sensitive_columns)

    def _fit_resample(self, X, y, sensitive_features=None):
        check_choice(self.strategy, "strategy", STRATEGIES)
        check_choice(self.balance, "balance", BALANCES)
        y = as_1d(y, "y")
        n = len(y)
        groups = resolve_groups(X, sensitive_columns=self.sensitive_columns,
                                sensitive_features=sensitive_features, groups=self.groups)
        classes, y_codes = np.unique(y, return_inverse=True)
        n_classes = len(classes)
        if n_classes < 2:
            raise ValueError(
                f"y has a single class ({classes.tolist()}); there is no label balance "
                "to keep or to fix. Check the split: every class needs rows."
            )
        cell = groups.codes * n_classes + y_codes.reshape(-1)
        n_cells = groups.n_groups * n_classes
        counts = _cell_frame(np.bincount(cell, minlength=n_cells)
                             .reshape(groups.n_groups, n_classes), groups, classes)
        targets = target_counts(counts, strategy=self.strategy, balance=self.balance)
        self.sampler_ = cell_sampler(X, counts, targets, strategy=self.strategy,
                                     k_neighbors=self.k_neighbors,
                                     random_state=self.random_state)
        whole = []
        if self.strategy == "smote" and isinstance(X, pd.DataFrame):
            # SMOTE and SMOTENC work in the dtype of the numeric columns: with only integer
            # columns SMOTENC's category encoding is truncated to 0 and the synthetic rows
            # get random categories. Interpolate in float, round back to whole numbers.
            whole = [c for c in X.columns if pd.api.types.is_integer_dtype(X[c].dtype)
                     and not isinstance(X[c].dtype, pd.CategoricalDtype)]
            X = X.astype(dict.fromkeys(whole, np.float64))
        X_res, cell_res = self.sampler_.fit_resample(X, cell)
        cell_res = np.asarray(cell_res)
        n_new = len(cell_res) - n
        if whole:
            X_res[whole] = X_res[whole].round()
        if self.strategy == "smote":
            self.sample_indices_ = np.concatenate([np.arange(n), np.full(n_new, -1)])
        else:
            self.sample_indices_ = np.asarray(self.sampler_.sample_indices_)
        self.is_synthetic_ = self.sample_indices_ < 0
        if isinstance(X_res, pd.DataFrame):
            X_res = X_res.reset_index(drop=True)
            if self.sensitive_columns is not None and n_new > 0:
                # a synthetic row belongs to the cell it was made in: write its group
                # into the sensitive column(s) rather than trust a vote of neighbours
                new_groups = groups.index[cell_res[n:] // n_classes]
                for level, col in enumerate(_column_list(self.sensitive_columns)):
                    values = (new_groups.get_level_values(level) if new_groups.nlevels > 1
                              else new_groups)
                    X_res.loc[n:, col] = np.asarray(values, dtype=object)
        self.groups_ = groups.index
        self.classes_ = classes
        self.groups_resampled_ = np.asarray(groups.index, dtype=object)[cell_res // n_classes]
        self.counts_before_ = counts
        after = np.bincount(cell_res, minlength=n_cells).reshape(groups.n_groups, n_classes)
        self.counts_after_ = _cell_frame(after, groups, classes)
        return X_res, classes[cell_res % n_classes]


# ------------------------------------------------------------------------ reweighing
def _reweigh_counts(y: Any, sensitive_features: Any):
    yb = check_binary(y, "y")
    groups = check_groups(_group_frame(sensitive_features), len(yb), min_rows=1)
    counts = np.bincount(groups.codes * 2 + yb, minlength=2 * groups.n_groups)
    return yb, groups, counts.reshape(groups.n_groups, 2).astype(float)


def reweighing_weights(y: Any, sensitive_features: Any) -> np.ndarray:
    """Kamiran & Calders (2012) weights ``w(g, y) = P(g) P(y) / P(g, y)``, one per row.

    When every (group, label) cell has rows, every group has the overall base
    rate in the weighted data (label and group are independent) and the weights
    sum to the number of rows. A group with only one label cannot be fixed by
    weights: its rows all keep that label. A cell that is rarer than
    independence predicts (say, women with a positive label) gets a weight
    above 1.

    Parameters
    ----------
    y : array-like of 0/1
    sensitive_features : array-like or DataFrame (several columns: intersections)

    Returns
    -------
    ndarray of float, one weight per row.

    Raises
    ------
    ValueError
        Labels not 0/1, a missing group label, or lengths that differ.

    See Also
    --------
    reweighing_table : the same weights, one row per (group, label) cell.

    Examples
    --------
    Group a: 3 rows, 2 positive; group b: 1 row, 0 positive. P(a) = 3/4,
    P(y=1) = 2/4, P(a, 1) = 2/4, so w(a, 1) = (3/4)(2/4)/(2/4) = 0.75.

    >>> reweighing_weights([1, 1, 0, 0], ["a", "a", "a", "b"]).tolist()
    [0.75, 0.75, 1.5, 0.5]

    Lesson: 03-resampling
    """
    yb, groups, counts = _reweigh_counts(y, sensitive_features)
    n = counts.sum()
    with np.errstate(divide="ignore"):  # empty cells have no rows to weigh
        weight = counts.sum(1, keepdims=True) * counts.sum(0, keepdims=True) / (n * counts)
    return weight.reshape(-1)[groups.codes * 2 + yb]


def reweighing_table(y: Any, sensitive_features: Any) -> pd.DataFrame:
    """One row per (group, label): observed count, count expected under independence, weight.

    ``expected = n_g n_y / n`` and ``weight = expected / count``; cells without rows
    are left out.

    Examples
    --------
    >>> reweighing_table([1, 1, 0, 0], ["a", "a", "a", "b"])
                 count  expected  weight
    group label
    a     0        1.0      1.50    1.50
          1        2.0      1.50    0.75
    b     0        1.0      0.50    0.50

    Lesson: 03-resampling
    """
    _, groups, counts = _reweigh_counts(y, sensitive_features)
    expected = counts.sum(1, keepdims=True) * counts.sum(0, keepdims=True) / counts.sum()
    names = list(groups.index.names) if groups.index.nlevels > 1 else [
        groups.index.name if groups.index.name is not None else "group"]
    index = pd.MultiIndex.from_tuples(
        [(*(g if isinstance(g, tuple) else (g,)), k) for g in groups.index for k in (0, 1)],
        names=[*names, "label"])
    with np.errstate(divide="ignore"):
        frame = pd.DataFrame({"count": counts.reshape(-1), "expected": expected.reshape(-1),
                              "weight": (expected / counts).reshape(-1)}, index=index)
    return frame[frame["count"] > 0]


# ----------------------------------------------------------------- naive and counts
def cell_counts(y: Any, sensitive_features: Any, sample_weight: Any = None) -> pd.DataFrame:
    """Rows (or summed weights) per (group, label) cell, plus size, share and base rate.

    Examples
    --------
    >>> cell_counts([1, 0, 0, 1, 0], ["a", "a", "a", "b", "b"])
           label 0  label 1  rows  share  base rate
    group
    a          2.0      1.0   3.0    0.6   0.333333
    b          1.0      1.0   2.0    0.4   0.500000

    Lesson: 03-resampling
    """
    yb = check_binary(y, "y")
    groups = check_groups(_group_frame(sensitive_features), len(yb), min_rows=1)
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    c = np.bincount(groups.codes * 2 + yb, weights=w, minlength=2 * groups.n_groups)
    c = c.reshape(groups.n_groups, 2).astype(float)
    rows = c.sum(1)
    index = groups.index.copy()
    if index.nlevels == 1 and index.name is None:
        index.name = "group"
    return pd.DataFrame({"label 0": c[:, 0], "label 1": c[:, 1], "rows": rows,
                         "share": rows / rows.sum(), "base rate": c[:, 1] / rows}, index=index)


def naive_undersample(
    frame: pd.DataFrame, column: str, *, majority: Any = None, random_state: int = 0
) -> pd.DataFrame:
    """The recipe this lesson starts from, kept to show where it breaks.

    Shrinks one group, the "majority" (the largest group unless named), to the
    size of the smallest group, and leaves every other group as it was. With two
    groups that balances them; with three or more it does not.

    Parameters
    ----------
    frame : DataFrame
    column : str
        The sensitive column.
    majority : label, default=None
        The group to shrink; the largest one when None.
    random_state : int, default=0

    Raises
    ------
    ValueError
        ``column`` is not in ``frame``, or ``majority`` is not one of its groups.

    Examples
    --------
    >>> df = pd.DataFrame({"g": list("aaaabbc")})
    >>> naive_undersample(df, "g")["g"].value_counts().sort_index().tolist()
    [1, 2, 1]

    Lesson: 03-resampling
    """
    check_columns(frame, column, name="frame")
    groups = check_groups(frame[column], len(frame), name=column)
    if majority is None:
        majority = groups.index[np.argmax(groups.counts)]
    elif majority not in groups.labels:
        raise ValueError(f"majority={majority!r} is not a group of {column!r}; its groups "
                         f"are {groups.labels}. Pick one of them, or leave it None.")
    is_major = groups.codes == groups.labels.index(majority)
    rng = np.random.default_rng(random_state)
    keep_major = rng.choice(np.flatnonzero(is_major), size=groups.counts.min(), replace=False)
    keep = np.sort(np.concatenate([np.flatnonzero(~is_major), keep_major]))
    return frame.iloc[keep]
