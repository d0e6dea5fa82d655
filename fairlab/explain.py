"""Explanations by group, and a model built to fool them.

``permutation_importance_by_group`` asks, for each group separately, how much a
model's score drops when one column is shuffled (scikit-learn's
``permutation_importance``, one scorer per group, the same shuffles for all
groups). ``shapley_by_group`` computes exact Shapley values of the predicted
probability against a reference person with Captum's ``ShapleyValues`` and
averages them per group: additive attributions, so the credit of several
columns can be summed. ``ScaffoldedClassifier`` is the attack of Slack et al.
(2020): a biased model on real rows, an innocuous one on the off-manifold rows
that perturbation-based explanations create.

Lesson: 14-shortcuts-causes-and-explanations
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from fairlab._validation import check_groups

__all__ = ["permutation_importance_by_group", "shapley_by_group", "ScaffoldedClassifier"]

#: Exact Shapley values enumerate every order of the columns; beyond this many it is slow.
MAX_SHAPLEY_FEATURES = 7


def _check_frame(X: Any, name: str = "X") -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame with named columns (explanations name "
                        f"columns); got {type(X).__name__}. Wrap it: pd.DataFrame(X, "
                        "columns=names).")
    if len(X) == 0:
        raise ValueError(f"{name} is empty; pass at least one row.")
    return X


def _groups(sensitive_features: Any, n: int):
    return check_groups(sensitive_features, n, name="sensitive_features", rows_of="X",
                        min_rows=1)


def permutation_importance_by_group(estimator: Any, X: pd.DataFrame, y: Any, *,
                                    sensitive_features: Any, scoring: str = "accuracy",
                                    n_repeats: int = 10, random_state: Any = None) -> Bunch:
    """Permutation importance of each column, scored separately for each group.

    Each column is shuffled across *all* rows (so a member of B may receive a
    member of A's value, as when a proxy is scrambled), then the model's score is
    computed on each group's rows. Importance = score on the real data − score
    after shuffling. Runs :func:`sklearn.inspection.permutation_importance` once
    with one scorer per group, so every group sees the same shuffles.

    Parameters
    ----------
    estimator : fitted classifier
    X : DataFrame
    y : array-like of 0/1
    sensitive_features : array-like, one label per row (not a column of X)
    scoring : str, default="accuracy"
        A scikit-learn scorer name.
    n_repeats : int, default=10
    random_state : int, RandomState instance or None, default=None
        Passed to scikit-learn (which takes a legacy ``RandomState``, not a Generator).

    Returns
    -------
    Bunch with ``importances_mean`` and ``importances_std`` (DataFrames, one row
    per column of X, one column per group) and ``importances`` (dict group →
    array of shape (n_features, n_repeats)).

    Raises
    ------
    ValueError
        ``sensitive_features`` has the wrong length or a missing label.

    Examples
    --------
    A model that reads only column ``a``; group ``q`` has rows where ``a`` decides:

    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = pd.DataFrame({"a": [0, 1, 0, 1, 0, 1], "b": [0, 0, 1, 1, 0, 1]})
    >>> y = [0, 1, 0, 1, 0, 1]
    >>> tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    >>> r = permutation_importance_by_group(tree, X, y, sensitive_features=list("ppqqqq"),
    ...                                     n_repeats=5, random_state=0)
    >>> r.importances_mean.loc["b"].tolist()
    [0.0, 0.0]

    Lesson: 14-shortcuts-causes-and-explanations
    """
    X = _check_frame(X)
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} entries but X has {len(X)} rows; pass one label "
                         "per row.")
    groups = _groups(sensitive_features, len(X))
    base = get_scorer(scoring)
    rows = {g: np.flatnonzero(groups.codes == i) for i, g in enumerate(groups.labels)}

    def restricted(idx: np.ndarray):
        # Shuffling moves values within a column; rows keep their positions.
        return lambda est, X_, y_: base(est, X_.iloc[idx], np.asarray(y_)[idx])

    result = permutation_importance(estimator, X, y, n_repeats=n_repeats,
                                    random_state=random_state,
                                    scoring={str(g): restricted(idx) for g, idx in rows.items()})
    labels = [str(g) for g in groups.labels]
    columns = pd.Index(labels, name=groups.index.name or "group")
    return Bunch(
        importances_mean=pd.DataFrame({g: result[g].importances_mean for g in labels},
                                      index=X.columns).rename_axis(columns=columns.name),
        importances_std=pd.DataFrame({g: result[g].importances_std for g in labels},
                                     index=X.columns).rename_axis(columns=columns.name),
        importances={g: result[g].importances for g in labels},
    )


def shapley_by_group(estimator: Any, X: pd.DataFrame, *, sensitive_features: Any,
                     baseline: pd.Series | None = None) -> Bunch:
    """Exact Shapley values of P(y = 1), per row, averaged per group.

    A row's Shapley value for a column is that column's fair share of the
    difference between the row's predicted probability and the reference
    person's (``baseline``): the average, over every order of adding columns,
    of how much switching that column from the reference value to the row's
    value moves the prediction. Columns not yet switched keep the reference
    value, so the model sees mixed rows that may never occur in real data. The
    values add up: the sum over columns is prediction − reference prediction,
    and the credit of a set of columns is the sum of theirs. Computed with
    Captum's ``ShapleyValues`` (every permutation, no sampling).

    Parameters
    ----------
    estimator : fitted classifier with ``predict_proba``
    X : DataFrame of at most 7 numeric columns
    sensitive_features : array-like, one label per row
    baseline : Series, optional
        The reference person; default the column means of X.

    Returns
    -------
    Bunch with ``shapley`` (DataFrame like X: one Shapley value per row and column),
    ``mean`` and ``mean_abs`` (DataFrames: one row per column, one column per group)
    and ``baseline``.

    Examples
    --------
    For a logistic regression the Shapley values on the log-odds scale are
    ``w · (x − reference)``; on probabilities they still add up to the change:

    >>> X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    >>> model = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> r = shapley_by_group(model, X, sensitive_features=["p", "p", "q", "q"])
    >>> change = model.predict_proba(X)[:, 1] - model.predict_proba(X.mean().to_frame().T)[0, 1]
    >>> bool(np.allclose(r.shapley.to_numpy().sum(axis=1), change))
    True

    Lesson: 14-shortcuts-causes-and-explanations
    """
    import torch
    from captum.attr import ShapleyValues

    X = _check_frame(X)
    if X.shape[1] > MAX_SHAPLEY_FEATURES:
        raise ValueError(f"X has {X.shape[1]} columns; exact Shapley values enumerate every "
                         f"order of them, so pass at most {MAX_SHAPLEY_FEATURES} (sum or drop "
                         "columns first).")
    if not hasattr(estimator, "predict_proba"):
        raise TypeError(f"estimator must have predict_proba; got {type(estimator).__name__}.")
    groups = _groups(sensitive_features, len(X))
    values = np.array(X.to_numpy(dtype=float), order="C")  # a writable copy for torch
    if baseline is None:
        baseline = X.mean()
    if not isinstance(baseline, pd.Series) or list(baseline.index) != list(X.columns):
        raise ValueError("baseline must be a Series with X's columns, e.g. X.median().")
    columns = X.columns

    def forward(inputs: torch.Tensor) -> torch.Tensor:
        frame = pd.DataFrame(inputs.detach().numpy(), columns=columns)
        return torch.tensor(estimator.predict_proba(frame)[:, 1])

    ref = torch.tensor(baseline.to_numpy(dtype=float)).reshape(1, -1)
    attr = ShapleyValues(forward).attribute(torch.from_numpy(values), baselines=ref,
                                            perturbations_per_eval=16)
    phi = pd.DataFrame(attr.numpy(), columns=columns, index=X.index)
    k, codes = groups.n_groups, groups.codes
    count = np.bincount(codes, minlength=k)
    labels = [str(g) for g in groups.labels]

    def per_group(a: np.ndarray) -> pd.DataFrame:
        sums = np.stack([np.bincount(codes, a[:, j], minlength=k) for j in range(a.shape[1])])
        return pd.DataFrame(sums / count, index=columns, columns=pd.Index(labels, name="group"))

    return Bunch(shapley=phi, mean=per_group(phi.to_numpy()),
                 mean_abs=per_group(np.abs(phi.to_numpy())), baseline=baseline)


class ScaffoldedClassifier(ClassifierMixin, BaseEstimator):
    """A biased model on real rows, an innocuous one on the rows an explainer makes up.

    Perturbation-based explanations query a model on rows that mix a person's
    values with reference ones. Slack et al. (2020) showed that a model can learn
    to tell such queries from real rows and behave well on them only. This one
    targets :func:`shapley_by_group` with its default reference (the column
    means of the training data): ``biased`` is trained on every column;
    ``innocuous`` (a logistic regression) only on ``innocuous_features``; a
    detector (a random forest) learns to tell real rows from rows where some
    columns hold the reference value. ``predict_proba`` uses ``biased`` where the
    detector says "real" and ``innocuous`` elsewhere.

    Parameters
    ----------
    biased : classifier, default=LogisticRegression()
    innocuous_features : sequence of str
        The columns the innocuous model may read.
    random_state : int or None, default=0

    Attributes
    ----------
    biased_, innocuous_, detector_ : fitted estimators
    reference_ : Series
        The column means the attack expects explainers to use.
    real_share_ : float
        Share of the training rows the detector calls real.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(600, 3)), columns=["a", "b", "c"])
    >>> y = (X.a + X.c > 0).astype(int)
    >>> clf = ScaffoldedClassifier(innocuous_features=["c"]).fit(X, y)
    >>> query = X.iloc[:50].assign(b=clf.reference_["b"])
    >>> bool(clf.real_share_ > 0.95), bool(clf.is_real(query).mean() < 0.05)
    (True, True)

    Lesson: 14-shortcuts-causes-and-explanations
    """

    def __init__(self, biased: Any = None, *, innocuous_features: Sequence[str] = (),
                 random_state: int | None = 0) -> None:
        self.biased = biased
        self.innocuous_features = innocuous_features
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y: Any) -> ScaffoldedClassifier:
        X = _check_frame(X)
        inn = list(self.innocuous_features)
        unknown = [c for c in inn if c not in X.columns]
        if not inn or unknown or isinstance(self.innocuous_features, str):
            raise ValueError(f"innocuous_features must name columns of X {list(X.columns)}; "
                             f"got {self.innocuous_features!r}.")
        y = np.asarray(y)
        rng = np.random.default_rng(self.random_state)
        self.biased_ = clone(self.biased if self.biased is not None
                             else LogisticRegression()).fit(X, y)
        self.innocuous_ = LogisticRegression().fit(X[inn], y)
        real = X.to_numpy(dtype=float)
        n, p = real.shape
        self.reference_ = X.mean()
        # The explainer's queries: each column set to the reference with probability 1/2,
        # at least one column per row.
        swap = rng.random((n, p)) < 0.5
        swap[np.arange(n), rng.integers(0, p, n)] = True
        fake = np.where(swap, self.reference_.to_numpy(dtype=float), real)
        self.detector_ = RandomForestClassifier(n_estimators=50, random_state=self.random_state,
                                                n_jobs=1).fit(
            np.vstack([real, fake]), np.r_[np.ones(n), np.zeros(n)])
        self.classes_ = self.biased_.classes_
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.real_share_ = float(self.is_real(X).mean())
        return self

    def is_real(self, X: pd.DataFrame) -> np.ndarray:
        """Whether the detector takes each row for a real one (then ``biased`` decides)."""
        check_is_fitted(self, "detector_")
        return self.detector_.predict_proba(_check_frame(X).to_numpy(dtype=float))[:, 1] >= 0.5

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        real = self.is_real(X)
        return np.where(real[:, None], self.biased_.predict_proba(X),
                        self.innocuous_.predict_proba(X[list(self.innocuous_features)]))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(1)]
