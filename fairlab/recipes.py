"""The lessons' shared set-up: datasets by name, THE tabular preprocessor, splits, models.

Every lesson that trains a model on a tabular dataset starts the same way, and does it
here, once:

* :func:`load_dataset` — a dataset by name (``"adult"``, ``"compas"``, ``"german"``,
  ``"biased_world"``).
* :func:`tabular_preprocessor` — the one feature recipe: numeric columns standardised,
  categorical ones one-hot encoded with categories rarer than ``min_frequency`` (20)
  training rows pooled into one "infrequent" column, missing values a category of their
  own, unseen test categories all zero. :func:`feature_kinds` tells the two kinds apart.
* The lesson splits: :func:`lesson_split` (train/test frames with the sensitive
  column kept for a sampler; lesson 03), :func:`adult_arrays` (Adult as float32 arrays
  without the sensitive column; lessons 04 and 07) and the half/half split of
  :func:`precompute_cases` (lesson 05).
* The reference model :func:`make_model`: the preprocessor into a logistic regression.
* Lesson-only experiments: :func:`compare_resampling` with :func:`comparison_table`
  (every resampling intervention on one train/test split, lesson 03; not to be confused
  with :func:`fairlab.compare.compare_interventions`, lesson 11's cross-validated
  comparison of every intervention of the course), and :func:`measure_leakage`.

Library modules (``resampling``, ``adversarial``, ``compare``, ...) keep the reusable
tools; this module composes them for the lessons.

Lesson: 03-resampling
Lesson: 04-lambda-penalized-training
Lesson: 05-fairness-metrics
Lesson: 06-decision-thresholds
Lesson: 07-adversarial-debiasing
Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from fairlab._validation import (
    as_1d,
    check_binary,
    check_choice,
    check_columns,
    check_groups,
    check_int,
    check_seed,
)

__all__ = [
    "DATASETS",
    "load_dataset",
    "feature_kinds",
    "tabular_preprocessor",
    "make_model",
    "lesson_split",
    "adult_arrays",
    "Case",
    "precompute_cases",
    "RESAMPLING_INTERVENTIONS",
    "InterventionResult",
    "compare_resampling",
    "comparison_table",
    "measure_leakage",
]

#: Dataset names :func:`load_dataset` accepts.
DATASETS = ("adult", "compas", "german", "biased_world")
#: Categories rarer than this many training rows share one one-hot column.
MIN_FREQUENCY = 20


# ------------------------------------------------------------------------- data
def load_dataset(name: str) -> Bunch:
    """A dataset by name: ``"adult"``, ``"compas"``, ``"german"`` or ``"biased_world"``.

    ``"adult"`` is Adult's training file (32,561 rows); ``"biased_world"`` is
    ``make_biased_world(4000, representation=0.4, historical_bias=0.3,
    proxy_strength=0.5, random_state=0)``. The others are the whole file.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.

    Returns
    -------
    Bunch
        From :mod:`fairlab.datasets`: ``data`` (features, sensitive columns
        excluded), ``target`` (0/1), ``sensitive_features`` (a DataFrame of group columns).

    Raises
    ------
    TypeError
        ``name`` is not a string.
    ValueError
        ``name`` is not one of :data:`DATASETS` (the message lists them).

    Examples
    --------
    >>> b = load_dataset("german")
    >>> b.data.shape, list(b.sensitive_features.columns)
    ((1000, 18), ['sex', 'age_band'])

    Lesson: 11-choosing-an-intervention
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a dataset name from {list(DATASETS)}; got "
                        f"{type(name).__name__}. Pass the name as a string.")
    check_choice(name, "name", DATASETS)
    from fairlab import datasets

    if name == "adult":
        return datasets.load_adult("train")
    if name == "biased_world":
        return datasets.make_biased_world(4000, representation=0.4, historical_bias=0.3,
                                          proxy_strength=0.5, random_state=0)
    return getattr(datasets, f"load_{name}")()


def _group_values(frame: pd.DataFrame) -> Any:
    """One sensitive column stays 1-D for check_groups; several make intersections."""
    return frame.iloc[:, 0] if frame.shape[1] == 1 else frame


# --------------------------------------------------------------------- features
def feature_kinds(X: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Split a frame's columns into numeric and categorical ones, in column order.

    Categorical: a pandas ``category`` column or any non-numeric one (strings,
    objects); numeric: the rest (integers, floats, booleans).

    Examples
    --------
    >>> X = pd.DataFrame({"age": [30, 40], "job": pd.Categorical(["a", "b"]),
    ...                   "city": ["x", "y"], "hours": [1.5, 2.0]})
    >>> feature_kinds(X)
    (['age', 'hours'], ['job', 'city'])

    Lesson: 03-resampling
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame with named columns; got "
                        f"{type(X).__name__}. Wrap it: pd.DataFrame(X, columns=names).")
    categorical = [str(c) for c in X.columns
                   if isinstance(X[c].dtype, pd.CategoricalDtype)
                   or not pd.api.types.is_numeric_dtype(X[c].dtype)]
    numeric = [str(c) for c in X.columns if str(c) not in categorical]
    return numeric, categorical


def _column_list(columns: Any, name: str) -> list[str]:
    if isinstance(columns, str):
        return [columns]
    if not isinstance(columns, Sequence | pd.Index) or not all(
            isinstance(c, str) for c in columns):
        raise TypeError(f"{name} must be a list of column names (strings); got "
                        f"{columns!r}.")
    return list(columns)


def tabular_preprocessor(numeric: Sequence[str], categorical: Sequence[str], *,
                         min_frequency: int = MIN_FREQUENCY):
    """THE tabular feature recipe of the course, as an unfitted ``ColumnTransformer``.

    ``numeric`` columns are standardised (``StandardScaler``); ``categorical`` ones
    one-hot encoded (``OneHotEncoder``): categories seen in fewer than
    ``min_frequency`` training rows share one "infrequent" column, a missing value
    is a category of its own, and a category never seen in training encodes as all
    zeros. Every other column (a sensitive one kept for a sampler) is dropped. The
    output is a dense array: numeric columns first, then the one-hot columns.

    Parameters
    ----------
    numeric, categorical : list of str
        Column names; :func:`feature_kinds` finds them for a DataFrame.
    min_frequency : int, default=20
        Rarer categories are pooled. 1 keeps every category.

    Returns
    -------
    sklearn.compose.ColumnTransformer

    Raises
    ------
    TypeError
        The columns are not lists of names.
    ValueError
        A column is in both lists, or ``min_frequency`` < 1.

    Examples
    --------
    >>> X = pd.DataFrame({"age": [20.0, 40.0, 60.0, 40.0],
    ...                   "job": ["a", "a", "b", "c"]})
    >>> prep = tabular_preprocessor(["age"], ["job"], min_frequency=2)
    >>> prep.fit_transform(X).round(3).tolist()
    [[-1.414, 1.0, 0.0], [0.0, 1.0, 0.0], [1.414, 0.0, 1.0], [0.0, 0.0, 1.0]]
    >>> [n.split("__")[1] for n in prep.get_feature_names_out()]
    ['age', 'job_a', 'job_infrequent_sklearn']

    Lesson: 04-lambda-penalized-training
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = _column_list(numeric, "numeric")
    categorical = _column_list(categorical, "categorical")
    both = sorted(set(numeric) & set(categorical))
    if both:
        raise ValueError(f"columns {both} are in both numeric and categorical; list each "
                         "column once (feature_kinds(X) splits a frame's columns).")
    min_frequency = check_int(min_frequency, "min_frequency", low=1)
    return ColumnTransformer([
        ("num", StandardScaler(), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=min_frequency,
                              sparse_output=False), categorical),
    ], remainder="drop")


def make_model(features: Sequence[str], categorical: Sequence[str], *, C: float = 1.0):
    """The reference model: :func:`tabular_preprocessor` into a logistic regression.

    Only ``features`` reach the model (``categorical`` is the subset to one-hot
    encode), so a sensitive column kept in X for a sampler is dropped. The
    classifier is ``LogisticRegression(C=C, solver="liblinear")``, the base model of
    :func:`fairlab.compare.compare_interventions` too.

    Examples
    --------
    >>> model = make_model(["age", "job"], ["job"])
    >>> [name for name, _ in model.steps]
    ['prep', 'model']
    >>> X = pd.DataFrame({"age": [20, 30, 40, 50], "job": ["a", "b", "a", "b"],
    ...                   "sex": ["f", "m", "f", "m"]})
    >>> model.fit(X, [0, 0, 1, 1]).named_steps["prep"].get_feature_names_out().tolist()
    ['num__age', 'cat__job_infrequent_sklearn']

    Lesson: 03-resampling
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    features = _column_list(features, "features")
    categorical = _column_list(categorical, "categorical")
    unknown = [c for c in categorical if c not in features]
    if unknown:
        raise ValueError(f"categorical columns {unknown} are not in features; categorical "
                         "must be a subset of features.")
    numeric = [c for c in features if c not in categorical]
    return Pipeline([("prep", tabular_preprocessor(numeric, categorical)),
                     ("model", LogisticRegression(C=C, solver="liblinear"))])


# ------------------------------------------------------------------------ splits
def lesson_split(name: str = "adult", *, sensitive_columns: str | list[str] = "sex",
                 test_size: float = 0.3, random_state: int = 0) -> Bunch:
    """Train and test frames for the resampling lesson, sensitive column(s) included.

    Adult uses its original train and test files; COMPAS and German credit a
    split stratified by (group, label), seeded by ``random_state``. Missing
    categories become ``"missing"`` (SMOTENC cannot interpolate a NaN).

    Returns
    -------
    Bunch with ``X_train, X_test, y_train, y_test, features, categorical,
    sensitive_columns`` (the list of sensitive columns), ``name``.

    Examples
    --------
    >>> s = lesson_split("german", sensitive_columns="sex")
    >>> len(s.X_train), len(s.X_test), "sex" in s.X_train, "sex" in s.features
    (700, 300, True, False)

    Lesson: 03-resampling
    """
    from sklearn.model_selection import train_test_split

    from fairlab import datasets

    check_choice(name, "name", ["adult", "compas", "german"])
    cols = [sensitive_columns] if isinstance(sensitive_columns, str) else list(sensitive_columns)

    def frame_of(b: Bunch) -> tuple[pd.DataFrame, pd.Series]:
        check_columns(b.sensitive_features, cols, name=f"{name}.sensitive_features")
        X = pd.concat([b.data, b.sensitive_features[cols]], axis=1)
        for c in X.columns:
            if isinstance(X[c].dtype, pd.CategoricalDtype) and X[c].isna().any():
                X[c] = X[c].cat.add_categories("missing").fillna("missing")
        return X, b.target

    if name == "adult":
        X_train, y_train = frame_of(datasets.load_adult("train"))
        X_test, y_test = frame_of(datasets.load_adult("test"))
    else:
        X, y = frame_of(load_dataset(name))
        strata = check_groups(_group_values(X[cols]), len(X)).codes * 2 + y.to_numpy()
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_size, random_state=random_state, stratify=strata)
    features = [c for c in X_train.columns if c not in cols]
    _, categorical = feature_kinds(X_train[features])
    return Bunch(X_train=X_train.reset_index(drop=True), X_test=X_test.reset_index(drop=True),
                 y_train=y_train.reset_index(drop=True), y_test=y_test.reset_index(drop=True),
                 features=features, categorical=categorical, sensitive_columns=cols, name=name)


def adult_arrays(*, sensitive_columns: str = "sex", n_train: int | None = None,
                 n_test: int | None = None, random_state: int = 0) -> Bunch:
    """Adult's original train and test files as float32 arrays, the sensitive column aside.

    The features go through :func:`tabular_preprocessor` fitted on the training
    rows. The sensitive columns (``sex``, ``race``) are *not* features. With
    ``n_train=None, n_test=None`` (the default) these are exactly lessons 04 and
    07's arrays; an integer draws a fixed random subsample of that file first.

    Returns
    -------
    Bunch with ``X_train, X_test, y_train, y_test, s_train, s_test`` (numpy) and
    ``feature_names``.

    Examples
    --------
    >>> d = adult_arrays(n_train=500, n_test=200)
    >>> d.X_train.shape[0], d.X_test.shape[0], d.X_train.shape[1] == len(d.feature_names)
    (500, 200, True)

    Lesson: 07-adversarial-debiasing
    """
    from fairlab.datasets import load_adult

    parts = []
    for split, n in (("train", n_train), ("test", n_test)):
        b = load_adult(split)
        check_choice(sensitive_columns, "sensitive_columns", list(b.sensitive_features.columns))
        idx = np.arange(len(b.target))
        if n is not None:
            check_int(n, f"n_{split}", low=1)
            rng = np.random.default_rng(random_state + (split == "test"))
            idx = np.sort(rng.choice(idx, size=min(int(n), len(idx)), replace=False))
        parts.append((b.data.iloc[idx].reset_index(drop=True), b.target.to_numpy()[idx],
                      as_1d(b.sensitive_features[sensitive_columns], sensitive_columns)[idx]))
    (Xa, ya, sa), (Xb, yb, sb) = parts
    prep = tabular_preprocessor(*feature_kinds(Xa))
    X_train = prep.fit_transform(Xa).astype(np.float32)
    X_test = prep.transform(Xb).astype(np.float32)
    names = [str(n).split("__", 1)[-1] for n in prep.get_feature_names_out()]
    return Bunch(X_train=X_train, X_test=X_test, y_train=ya.astype(np.int64),
                 y_test=yb.astype(np.int64), s_train=sa, s_test=sb, feature_names=names)


@dataclass(frozen=True)
class Case:
    """One dataset × model of lesson 05: test-set labels, predictions, sensitive columns.

    Examples
    --------
    >>> c = Case(y_true=np.array([0, 1]), y_pred=np.array([1, 1]),
    ...          sensitive_features=pd.DataFrame({"sex": ["f", "m"]}))
    >>> int((c.y_true == c.y_pred).sum())
    1
    """

    y_true: np.ndarray
    y_pred: np.ndarray
    sensitive_features: pd.DataFrame


_CASE_DATASETS = {"COMPAS": "compas", "Adult": "adult", "German": "german"}


def precompute_cases(datasets: tuple[str, ...] = ("COMPAS", "Adult", "German"), *,
                     random_state: int | np.random.Generator | None = 0,
                     ) -> dict[tuple[str, str], Case]:
    """Train each model on half of each dataset; keep the other half's predictions.

    Models: logistic regression and a depth-5 decision tree on the dataset's
    features (sensitive attributes excluded) through :func:`tabular_preprocessor`;
    for COMPAS also the COMPAS score itself, "medium or high" risk (decile ≥ 5) as
    the positive prediction. The halves are stratified by the label. Takes a few
    seconds (Adult's training file has 32,561 rows).

    Parameters
    ----------
    datasets : tuple of {"COMPAS", "Adult", "German"}
    random_state : int, numpy Generator or None, default=0
        Seeds the train/test split and the decision tree.

    Returns
    -------
    dict mapping (dataset, model) to :class:`Case`.

    Raises
    ------
    ValueError
        An unknown dataset name (the message lists the choices).

    Examples
    --------
    >>> cases = precompute_cases(("German",))
    >>> sorted(cases), len(cases[("German", "logistic regression")].y_true)
    ([('German', 'decision tree (depth 5)'), ('German', 'logistic regression')], 500)

    Lesson: 05-fairness-metrics
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.tree import DecisionTreeClassifier

    unknown = [d for d in datasets if d not in _CASE_DATASETS]
    if unknown:
        raise ValueError(f"unknown datasets {unknown}; choose from {list(_CASE_DATASETS)}.")
    seed = check_seed(random_state)
    cases: dict[tuple[str, str], Case] = {}
    for name in datasets:
        bunch = load_dataset(_CASE_DATASETS[name])
        target = bunch.target
        idx_train, idx = train_test_split(np.arange(len(target)), test_size=0.5,
                                          stratify=target, random_state=seed)
        prep = tabular_preprocessor(*feature_kinds(bunch.data))
        models = {"logistic regression": LogisticRegression(max_iter=2000),
                  "decision tree (depth 5)": DecisionTreeClassifier(max_depth=5,
                                                                    random_state=seed)}
        preds = {}
        for model_name, model in models.items():
            pipe = make_pipeline(prep, model).fit(bunch.data.iloc[idx_train],
                                                 target.iloc[idx_train])
            preds[model_name] = pipe.predict(bunch.data.iloc[idx]).astype(np.int8)
        y = target.to_numpy()[idx]
        sens = bunch.sensitive_features.iloc[idx].reset_index(drop=True)
        if name == "COMPAS":
            preds = {"COMPAS score (decile ≥ 5)":
                     (bunch.frame["decile_score"].to_numpy()[idx] >= 5).astype(np.int8),
                     **preds}
        for model_name, yp in preds.items():
            cases[(name, model_name)] = Case(y_true=y, y_pred=yp, sensitive_features=sens)
    return cases


# ------------------------------------------------- lesson 03's resampling experiment
@dataclass
class InterventionResult:
    """One model of :func:`compare_resampling`: its training data and its test scores.

    ``metrics`` maps ``"accuracy"``, ``"dp_gap"``, ``"eodds_gap"`` to (estimate,
    low, high); ``train_counts`` has :func:`fairlab.resampling.cell_counts`' layout.
    """

    name: str
    strategy: str
    balance: str | None
    train_counts: pd.DataFrame
    n_train: int
    y_pred: np.ndarray
    metrics: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    group_rates: pd.DataFrame | None = None
    seconds: float = 0.0


#: The interventions of lesson 03's comparison: name → (strategy, balance).
RESAMPLING_INTERVENTIONS = {
    "no intervention": ("none", None),
    "undersample groups": ("under", "groups"),
    "oversample groups": ("over", "groups"),
    "SMOTE groups": ("smote", "groups"),
    "undersample cells": ("under", "group_label"),
    "oversample cells": ("over", "group_label"),
    "SMOTE cells": ("smote", "group_label"),
    "reweighing": ("reweigh", None),
}


def compare_resampling(
    split: Bunch,
    *,
    interventions: dict[str, tuple[str, str | None]] | None = None,
    smote_subsample: int | None = None,
    n_boot: int = 500,
    random_state: int = 0,
) -> dict[str, InterventionResult]:
    """Train :func:`make_model` under each resampling intervention; score on the test split.

    Lesson 03's experiment on one train/test split (for every intervention of the
    course on shared cross-validation folds, see
    :func:`fairlab.compare.compare_interventions`). Every resampler runs inside an
    imbalanced-learn ``Pipeline`` in front of :func:`make_model`, so only the
    training split is resampled. Metrics on the test split: accuracy, demographic
    parity difference and equalized odds difference, each with a bootstrap interval
    (``fairlab.metrics.bootstrap_ci``).

    Parameters
    ----------
    split : Bunch from :func:`lesson_split`
    interventions : dict, default=None
        Name → (strategy, balance); strategy ``"none"`` or ``"reweigh"`` or one of
        :data:`fairlab.resampling.STRATEGIES`. Default: all of
        :data:`RESAMPLING_INTERVENTIONS`.
    smote_subsample : int, default=None
        Train the SMOTE models on a fixed-seed random subsample of this many
        training rows (stratified by group and label), to keep SMOTENC fast.
    n_boot : int, default=500
    random_state : int, default=0

    Returns
    -------
    dict name → :class:`InterventionResult`

    Examples
    --------
    >>> split = lesson_split("german", sensitive_columns="sex")
    >>> runs = compare_resampling(split, n_boot=20, interventions={
    ...     "none": ("none", None), "under": ("under", "groups")})
    >>> runs["under"].n_train == 2 * int((split.X_train["sex"] == "female").sum())
    True

    Lesson: 03-resampling
    """
    from imblearn.pipeline import Pipeline as ImbPipeline

    from fairlab import metrics as fm
    from fairlab.resampling import GroupBalancedSampler, cell_counts, reweighing_weights

    plan = RESAMPLING_INTERVENTIONS if interventions is None else interventions
    sens_test = _group_values(split.X_test[split.sensitive_columns])
    results = {}
    for name, (strategy, balance) in plan.items():
        start = time.perf_counter()
        X, y = split.X_train, split.y_train
        cols = split.sensitive_columns
        model = make_model(split.features, split.categorical)
        if strategy == "smote" and smote_subsample and smote_subsample < len(X):
            keep = _stratified_subsample(y, _group_values(X[cols]), smote_subsample,
                                         random_state)
            X, y = X.iloc[keep], y.iloc[keep]
        weights = None
        if strategy == "none":
            model.fit(X, y)
            counts = cell_counts(y, _group_values(X[cols]))
        elif strategy == "reweigh":
            weights = reweighing_weights(y, _group_values(X[cols]))
            model.fit(X, y, model__sample_weight=weights)
            counts = cell_counts(y, _group_values(X[cols]), sample_weight=weights)
        else:
            sampler = GroupBalancedSampler(strategy, balance, sensitive_columns=cols,
                                           random_state=random_state)
            model = ImbPipeline([("balance", sampler), *model.steps])
            model.fit(X, y)
            counts = _counts_frame(model.named_steps["balance"].counts_after_)
        y_pred = np.asarray(model.predict(split.X_test))
        yt = split.y_test.to_numpy()
        ci = {
            "accuracy": _accuracy_ci(yt, y_pred, n_boot, random_state),
            "dp_gap": tuple(fm.bootstrap_ci(fm.demographic_parity_difference, yt, y_pred,
                                             sensitive_features=sens_test, n_boot=n_boot,
                                             random_state=random_state)),
            "eodds_gap": tuple(fm.bootstrap_ci(fm.equalized_odds_difference, yt, y_pred,
                                               sensitive_features=sens_test, n_boot=n_boot,
                                               random_state=random_state)),
        }
        rates = fm.group_metrics(yt, y_pred, sensitive_features=sens_test)
        n_train = int(round(counts["rows"].sum())) if weights is None else len(y)
        results[name] = InterventionResult(
            name=name, strategy=strategy, balance=balance, train_counts=counts,
            n_train=n_train, y_pred=y_pred, metrics=ci,
            group_rates=rates[["count", "selection_rate", "tpr", "fpr"]],
            seconds=time.perf_counter() - start)
    return results


def _counts_frame(after: pd.DataFrame) -> pd.DataFrame:
    """``cell_counts``' layout from a sampler's ``counts_after_`` (labels 0 and 1)."""
    c = after.reindex(columns=[0, 1], fill_value=0).to_numpy(float)
    rows = c.sum(1)
    return pd.DataFrame({"label 0": c[:, 0], "label 1": c[:, 1], "rows": rows,
                         "share": rows / rows.sum(), "base rate": c[:, 1] / rows},
                        index=after.index)


def _accuracy_ci(yt: np.ndarray, yp: np.ndarray, n_boot: int, seed: int):
    """Accuracy with a percentile bootstrap interval (binomial draws of correct rows)."""
    n = len(yt)
    correct = int((yt == yp).sum())
    rng = np.random.default_rng(seed)
    boot = rng.binomial(n, correct / n, size=n_boot) / n
    low, high = np.quantile(boot, [0.025, 0.975])
    return (correct / n, float(low), float(high))


def _stratified_subsample(y: Any, groups: Any, size: int, seed: int) -> np.ndarray:
    """Row positions of a fixed-seed subsample that keeps each (group, label) share."""
    from sklearn.model_selection import train_test_split

    strata = check_groups(groups, len(y)).codes * 2 + check_binary(y, "y")
    keep, _ = train_test_split(np.arange(len(strata)), train_size=size, random_state=seed,
                               stratify=strata)
    return np.sort(keep)


def comparison_table(results: dict[str, InterventionResult], digits: int = 3) -> pd.DataFrame:
    """One row per intervention: training rows, accuracy, DP and EOdds gaps with intervals.

    Examples
    --------
    >>> runs = compare_resampling(lesson_split("german"), n_boot=20,
    ...                           interventions={"none": ("none", None)})
    >>> comparison_table(runs).columns.tolist()[:3]
    ['train rows', 'accuracy', 'accuracy 95% CI']

    Lesson: 03-resampling
    """
    rows = {}
    for name, r in results.items():
        row = {"train rows": r.n_train}
        for key, label in (("accuracy", "accuracy"), ("dp_gap", "DP gap"),
                           ("eodds_gap", "EOdds gap")):
            est, low, high = r.metrics[key]
            row[label] = round(est, digits)
            row[f"{label} 95% CI"] = f"[{low:.{digits}f}, {high:.{digits}f}]"
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("intervention")


def measure_leakage(
    X: pd.DataFrame,
    y: pd.Series,
    *,
    sensitive_columns: str | list[str],
    strategy: str = "over",
    balance: str = "group_label",
    model: Any = None,
    test_size: float = 0.3,
    random_state: int = 0,
) -> dict[str, float]:
    """Resample before the split (wrong) and after it (right); score both.

    Returns a dict with ``accuracy_resample_then_split`` (the leaked estimate),
    ``accuracy_split_then_resample`` (the honest one), ``test_rows_seen_in_train``
    (share of the leaked test rows that are exact copies of a training row) and
    ``test_rows_seen_honest`` (the same share with the right order).

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = pd.DataFrame({"x": np.arange(40) % 7, "g": ["a"] * 30 + ["b"] * 10})
    >>> y = pd.Series((np.arange(40) % 3 == 0).astype(int))
    >>> out = measure_leakage(X, y, sensitive_columns="g", strategy="over",
    ...                       model=DecisionTreeClassifier(random_state=0))
    >>> out["test_rows_seen_in_train"] >= out["test_rows_seen_honest"]
    True

    Lesson: 03-resampling
    """
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeClassifier

    from fairlab.resampling import GroupBalancedSampler

    model = DecisionTreeClassifier(random_state=random_state) if model is None else model
    cols = check_columns(X, sensitive_columns, name="X")
    sampler = GroupBalancedSampler(strategy, balance, sensitive_columns=cols,
                                   random_state=random_state)

    def fit_score(X_tr, y_tr, X_te, y_te):
        m = clone(model).fit(_encode(X_tr.drop(columns=cols), X), y_tr)
        return float((m.predict(_encode(X_te.drop(columns=cols), X)) == np.asarray(y_te)).mean())

    # wrong: resample everything, then split
    X_all, y_all = sampler.fit_resample(X, y)
    a_tr, a_te, ya_tr, ya_te = train_test_split(X_all, y_all, test_size=test_size,
                                                random_state=random_state)
    leaked = fit_score(a_tr, ya_tr, a_te, ya_te)
    seen_leaked = _share_seen(a_te, a_tr)
    # right: split, then resample the training part only
    b_tr, b_te, yb_tr, yb_te = train_test_split(X, y, test_size=test_size,
                                                random_state=random_state)
    b_tr_res, yb_tr_res = clone(sampler).fit_resample(b_tr, yb_tr)
    honest = fit_score(b_tr_res, yb_tr_res, b_te, yb_te)
    seen_honest = _share_seen(b_te, b_tr_res)
    return {"accuracy_resample_then_split": leaked, "accuracy_split_then_resample": honest,
            "test_rows_seen_in_train": seen_leaked, "test_rows_seen_honest": seen_honest}


def _encode(X: pd.DataFrame, reference: pd.DataFrame) -> np.ndarray:
    """Categorical columns as their codes in ``reference``'s categories; numbers as is."""
    parts = []
    for c in X.columns:
        col = X[c]
        if pd.api.types.is_numeric_dtype(col.dtype) and not isinstance(
                col.dtype, pd.CategoricalDtype):
            parts.append(col.to_numpy(dtype=float))
        else:  # categories as codes, in the reference column's category order
            ref = reference[c]
            cats = (ref.cat.categories if isinstance(ref.dtype, pd.CategoricalDtype)
                    else pd.unique(ref.astype(str)))
            parts.append(pd.Categorical(col.astype(str) if not isinstance(
                col.dtype, pd.CategoricalDtype) else col, categories=cats).codes.astype(float))
    return np.column_stack(parts)


def _share_seen(test: pd.DataFrame, train: pd.DataFrame) -> float:
    """Share of test rows whose every value equals some training row (exact copies)."""
    h_test = pd.util.hash_pandas_object(test.astype(str), index=False).to_numpy()
    h_train = pd.util.hash_pandas_object(train.astype(str), index=False).to_numpy()
    return float(np.isin(h_test, h_train).mean())
