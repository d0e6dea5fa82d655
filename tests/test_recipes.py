"""fairlab.recipes: the one preprocessor, datasets by name, lesson splits, reference models.

Oracles: scikit-learn's own ColumnTransformer / OneHotEncoder / StandardScaler built by hand,
numpy and pandas recounts, and the datasets module's loaders.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import fairlab
from fairlab import datasets
from fairlab.recipes import (
    DATASETS,
    adult_arrays,
    compare_resampling,
    comparison_table,
    feature_kinds,
    lesson_split,
    load_dataset,
    make_model,
    measure_leakage,
    precompute_cases,
    tabular_preprocessor,
)


# ------------------------------------------------------------------ the preprocessor
def test_preprocessor_equals_a_hand_built_column_transformer_on_german():
    b = load_dataset("german")
    numeric, categorical = feature_kinds(b.data)
    assert numeric == list(b.data.select_dtypes("number").columns)
    assert categorical == list(b.data.select_dtypes("category").columns)
    train, test = b.data.iloc[:600], b.data.iloc[600:]
    hand = ColumnTransformer([
        ("num", StandardScaler(), numeric),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20, sparse_output=False),
         categorical),
    ])
    prep = tabular_preprocessor(numeric, categorical)
    np.testing.assert_array_equal(prep.fit_transform(train), hand.fit_transform(train))
    np.testing.assert_array_equal(prep.transform(test), hand.transform(test))
    assert list(prep.get_feature_names_out()) == list(hand.get_feature_names_out())


def test_preprocessor_by_hand_standardises_and_pools_rare_categories():
    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame({"x": rng.normal(3, 2, n),
                      "c": rng.choice(["a", "b", "r1", "r2"], n, p=[.6, .3, .05, .05]),
                      "sex": rng.choice(["f", "m"], n)})  # not listed: dropped
    counts = X["c"].value_counts()
    rare = sorted(counts[counts < 20].index)
    assert rare  # the draw has rare categories to pool
    out = tabular_preprocessor(["x"], ["c"]).fit_transform(X)
    np.testing.assert_allclose(out[:, 0], (X.x - X.x.mean()) / X.x.std(ddof=0))
    frequent = sorted(counts[counts >= 20].index)
    dummies = pd.get_dummies(X["c"]).astype(float)
    expected = np.column_stack([dummies[c] for c in frequent] + [dummies[rare].sum(axis=1)])
    np.testing.assert_array_equal(out[:, 1:], expected)
    # min_frequency=1 keeps every category; an unseen category encodes as zeros
    prep = tabular_preprocessor(["x"], ["c"], min_frequency=1).fit(X)
    new = prep.transform(pd.DataFrame({"x": [3.0], "c": ["unseen"], "sex": ["f"]}))
    assert new.shape == (1, 1 + X["c"].nunique()) and (new[0, 1:] == 0).all()


def test_missing_values_are_a_category_of_their_own():
    X = pd.DataFrame({"c": pd.Categorical(["a"] * 30 + [None] * 25 + ["b"] * 3)})
    out = tabular_preprocessor([], ["c"]).fit_transform(X)
    # columns: a, NaN, infrequent (b); hand counts 30, 25, 3
    assert out.sum(axis=0).tolist() == [30.0, 25.0, 3.0]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(list("abcde")), min_size=5, max_size=60),
       st.integers(1, 15))
def test_pooled_columns_match_value_counts(values, min_frequency):
    X = pd.DataFrame({"c": values})
    prep = tabular_preprocessor([], ["c"], min_frequency=min_frequency)
    out = prep.fit_transform(X)
    counts = pd.Series(values).value_counts()
    n_frequent = int((counts >= min_frequency).sum())
    n_pooled = int((counts < min_frequency).sum() > 0)
    assert out.shape == (len(values), n_frequent + n_pooled)
    np.testing.assert_array_equal(out.sum(axis=1), 1.0)  # every row is in exactly one column
    assert sorted(out.sum(axis=0)[:n_frequent].tolist()) == sorted(
        counts[counts >= min_frequency].astype(float).tolist())


def test_preprocessor_rejects_bad_columns_and_min_frequency():
    with pytest.raises(ValueError, match=r"columns \['x'\] are in both numeric and categorical"):
        tabular_preprocessor(["x"], ["x", "c"])
    with pytest.raises(ValueError, match="min_frequency must be >= 1"):
        tabular_preprocessor(["x"], ["c"], min_frequency=0)
    with pytest.raises(TypeError, match="numeric must be a list of column names"):
        tabular_preprocessor([1, 2], ["c"])
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        feature_kinds(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="categorical must be a subset of features"):
        make_model(["x"], ["c"])


# ------------------------------------------------------------------ datasets by name
@pytest.mark.parametrize("name", DATASETS)
def test_load_dataset_by_name_equals_the_loader(name):
    b = load_dataset(name)
    if name == "biased_world":
        ref = datasets.make_biased_world(4000, representation=0.4, historical_bias=0.3,
                                         proxy_strength=0.5, random_state=0)
    else:
        ref = getattr(datasets, f"load_{name}")(*(["train"] if name == "adult" else []))
    pd.testing.assert_frame_equal(b.data, ref.data)
    np.testing.assert_array_equal(np.asarray(b.target), np.asarray(ref.target))
    assert set(np.unique(b.target)) == {0, 1}


def test_load_dataset_rejects_unknown_names_naming_the_choices():
    with pytest.raises(ValueError, match="'adult', 'compas', 'german', 'biased_world'"):
        load_dataset("mnist")
    with pytest.raises(TypeError, match="Pass the name as a string"):
        load_dataset(3)


# --------------------------------------------------------------------- lesson splits
@pytest.mark.parametrize("name,column", [("german", "sex"), ("compas", "race")])
def test_lesson_split_is_stratified_deterministic_and_complete(name, column):
    a = lesson_split(name, sensitive_columns=column, random_state=1)
    b = lesson_split(name, sensitive_columns=column, random_state=1)
    c = lesson_split(name, sensitive_columns=column, random_state=2)
    pd.testing.assert_frame_equal(a.X_train, b.X_train)
    assert not a.X_train.equals(c.X_train)
    full = load_dataset(name)
    assert len(a.X_train) + len(a.X_test) == len(full.target)
    assert len(a.X_test) == int(np.ceil(0.3 * len(full.target)))
    # every (group, label) cell keeps its share on both sides, to one row (hand count)
    for X, y in ((a.X_train, a.y_train), (a.X_test, a.y_test)):
        cell = pd.crosstab(X[column].astype(str), y)
        total = pd.crosstab(full.sensitive_features[column].astype(str), full.target)
        np.testing.assert_allclose(cell.to_numpy(), total.to_numpy() * len(y) / len(full.target),
                                   atol=1.0)
    assert column in a.X_train and column not in a.features
    assert a.categorical == [c for c in a.features
                             if isinstance(a.X_train[c].dtype, pd.CategoricalDtype)]


def test_lesson_split_adult_uses_the_original_files():
    s = lesson_split("adult", sensitive_columns=["sex", "race"])
    assert (len(s.X_train), len(s.X_test)) == (32561, 16281)
    assert s.sensitive_columns == ["sex", "race"]
    assert not any(s.X_train[c].isna().any() for c in s.X_train.columns)  # "missing" filled
    with pytest.raises(ValueError, match="name must be one of"):
        lesson_split("biased_world")


# ------------------------------------------------------------------ reference model
def test_make_model_is_the_preprocessor_into_liblinear_and_ignores_the_sensitive_column():
    s = lesson_split("german", sensitive_columns="sex")
    model = make_model(s.features, s.categorical).fit(s.X_train, s.y_train)
    numeric = [c for c in s.features if c not in s.categorical]
    Z = tabular_preprocessor(numeric, s.categorical).fit(s.X_train)
    hand = LogisticRegression(C=1.0, solver="liblinear").fit(Z.transform(s.X_train), s.y_train)
    np.testing.assert_array_equal(model.predict(s.X_test), hand.predict(Z.transform(s.X_test)))
    flipped = s.X_test.assign(sex=s.X_test["sex"].map({"male": "female", "female": "male"}))
    np.testing.assert_array_equal(model.predict(s.X_test), model.predict(flipped))


# ------------------------------------------------------------- one name, one contract
def test_public_names_of_topic_modules_are_unique():
    """No two modules define a public name (with different contracts)."""
    owners: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(fairlab.__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"fairlab.{info.name}")
        for name in module.__all__:
            owners.setdefault(name, []).append(info.name)
    twice = {n: m for n, m in owners.items() if len(m) > 1}
    assert not twice, twice
    assert owners["compare_interventions"] == ["compare"]
    assert owners["compare_resampling"] == ["recipes"]
    assert owners["load_dataset"] == ["recipes"]


# ------------------------------------------------------------- moved from other tests
def test_compare_resampling_and_leakage_on_german():
    split = lesson_split("german", sensitive_columns="sex")
    assert split.X_train["sex"].notna().all() and "sex" not in split.features
    res = compare_resampling(split, interventions={
        "none": ("none", None), "under": ("under", "groups"), "rw": ("reweigh", None)},
        n_boot=50)
    table = comparison_table(res)
    assert list(table.index) == ["none", "under", "rw"]
    n_female = (split.X_train["sex"] == "female").sum()
    assert table.loc["under", "train rows"] == 2 * n_female
    assert table.loc["rw", "train rows"] == len(split.X_train)
    # reweighted training counts: every group has the overall base rate
    rw = res["rw"].train_counts
    np.testing.assert_allclose(rw["base rate"], split.y_train.mean())
    # accuracy matches sklearn on the same predictions
    acc = (res["none"].y_pred == split.y_test.to_numpy()).mean()
    assert table.loc["none", "accuracy"] == pytest.approx(acc, abs=5e-4)
    leak = measure_leakage(split.X_train, split.y_train, sensitive_columns="sex", strategy="over")
    assert leak["test_rows_seen_in_train"] > leak["test_rows_seen_honest"]
    assert leak["accuracy_resample_then_split"] > leak["accuracy_split_then_resample"]


def test_adult_arrays_are_lesson_04s_recipe():
    # oracle: lesson 04's preparation cell, applied here to the same rows
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from fairlab.datasets import load_adult

    d = adult_arrays(n_train=600, n_test=300, random_state=3)
    train, test = load_adult("train"), load_adult("test")
    rows_tr = np.sort(np.random.default_rng(3).choice(len(train.target), 600, replace=False))
    rows_te = np.sort(np.random.default_rng(4).choice(len(test.target), 300, replace=False))
    prep = ColumnTransformer([
        ("num", StandardScaler(), make_column_selector(dtype_include="number")),
        ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20, sparse_output=False),
         make_column_selector(dtype_include="category")),
    ])
    X_train = prep.fit_transform(train.data.iloc[rows_tr]).astype(np.float32)
    np.testing.assert_array_equal(d.X_train, X_train)
    np.testing.assert_array_equal(d.X_test,
                                  prep.transform(test.data.iloc[rows_te]).astype(np.float32))
    np.testing.assert_array_equal(d.y_test, test.target.to_numpy()[rows_te])
    np.testing.assert_array_equal(
        d.s_train, train.sensitive_features["sex"].to_numpy(object)[rows_tr])
    assert not any(n.startswith(("sex", "race")) for n in d.feature_names)
    assert d.X_train.shape[1] == len(d.feature_names)
    with pytest.raises(ValueError, match="sensitive_columns must be one of"):
        adult_arrays(sensitive_columns="age")
    with pytest.raises(ValueError, match="n_train must be >= 1"):
        adult_arrays(n_train=0)


def test_precompute_cases_on_german():
    cases = precompute_cases(("German",))
    assert set(cases) == {("German", "logistic regression"),
                          ("German", "decision tree (depth 5)")}
    c = cases[("German", "logistic regression")]
    assert len(c.y_true) == len(c.y_pred) == len(c.sensitive_features) == 500
    assert list(c.sensitive_features.columns) == ["sex", "age_band"]
    assert 0.6 < (c.y_true == c.y_pred).mean() < 0.9  # a real model, not a copy
    with pytest.raises(ValueError, match="unknown datasets"):
        precompute_cases(("MNIST",))
