"""fairlab.explain against brute-force recomputations."""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from fairlab.explain import (
    ScaffoldedClassifier,
    permutation_importance_by_group,
    shapley_by_group,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 300
    group = np.where(rng.random(n) < 0.4, "B", "A")
    X = pd.DataFrame({"x": rng.normal(size=n), "proxy": 2.0 * (group == "B") + rng.normal(size=n),
                      "noise": rng.normal(size=n)})
    y = ((X.x - 0.8 * (group == "B") + 0.5 * rng.normal(size=n)) > 0).astype(int).to_numpy()
    return X, y, group, LogisticRegression().fit(X, y)


def test_permutation_importance_by_group_equals_brute_force(data):
    """Brute force: replay scikit-learn's documented shuffles (one RandomState seeded from
    ``random_state``, the column re-shuffled in place each repeat), score each group's rows
    with a plain loop."""
    X, y, group, model = data
    got = permutation_importance_by_group(model, X, y, sensitive_features=group, n_repeats=4,
                                          random_state=11)
    seed = np.random.RandomState(11).randint(np.iinfo(np.int32).max + 1)
    values = X.to_numpy()
    for j, col in enumerate(X.columns):
        rs = np.random.RandomState(seed)
        idx = np.arange(len(X))
        permuted = values.copy()
        for r in range(4):
            rs.shuffle(idx)
            permuted[:, j] = permuted[idx, j]
            pred = model.predict(pd.DataFrame(permuted, columns=X.columns))
            base = model.predict(X)
            for g in ("A", "B"):
                rows = [i for i in range(len(X)) if group[i] == g]
                acc = sum(pred[i] == y[i] for i in rows) / len(rows)
                acc0 = sum(base[i] == y[i] for i in rows) / len(rows)
                assert got.importances[g][j, r] == pytest.approx(acc0 - acc), (col, r, g)
    means = {g: got.importances[g].mean(1) for g in ("A", "B")}
    np.testing.assert_allclose(got.importances_mean[["A", "B"]].to_numpy(),
                               np.column_stack([means["A"], means["B"]]))


def test_unused_feature_has_zero_importance_in_every_group(data):
    X, y, group, _ = data
    only_x = make_pipeline(ColumnTransformer([("x", "passthrough", ["x"])]),
                           LogisticRegression()).fit(X, y)
    r = permutation_importance_by_group(only_x, X, y, sensitive_features=group, n_repeats=3,
                                        random_state=0)
    assert r.importances_mean.loc["noise"].tolist() == [0.0, 0.0]
    assert r.importances_mean.loc["proxy"].tolist() == [0.0, 0.0]


def _brute_shapley(f, x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Shapley values by the subset formula: Σ |S|!(p−|S|−1)!/p! [f(S ∪ j) − f(S)]."""
    p = len(x)
    phi = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for size in range(p):
            for S in combinations(others, size):
                with_j, without = ref.copy(), ref.copy()
                with_j[list(S) + [j]] = x[list(S) + [j]]
                without[list(S)] = x[list(S)]
                w = factorial(size) * factorial(p - size - 1) / factorial(p)
                phi[j] += w * (f(with_j) - f(without))
    return phi


def test_shapley_by_group_equals_the_subset_formula(data):
    X, y, group, model = data
    rows = X.iloc[:40]
    r = shapley_by_group(model, rows, sensitive_features=group[:40])
    ref = rows.mean().to_numpy()

    def f(v):
        return model.predict_proba(pd.DataFrame([v], columns=X.columns))[0, 1]

    brute = np.array([_brute_shapley(f, x, ref) for x in rows.to_numpy()])
    # Captum accumulates in float32 (differences ~1e-8), hence the tolerance
    np.testing.assert_allclose(r.shapley.to_numpy(), brute, atol=1e-6)
    for g in ("A", "B"):
        mask = group[:40] == g
        np.testing.assert_allclose(r.mean[g].to_numpy(), brute[mask].mean(0), atol=1e-6)
        np.testing.assert_allclose(r.mean_abs[g].to_numpy(), np.abs(brute[mask]).mean(0),
                                   atol=1e-6)
    # the proxy pushes the groups in opposite directions
    assert r.mean.loc["proxy", "A"] > 0 > r.mean.loc["proxy", "B"]


def test_explain_errors(data):
    X, y, group, model = data
    with pytest.raises(TypeError, match="DataFrame with named columns"):
        permutation_importance_by_group(model, X.to_numpy(), y, sensitive_features=group)
    with pytest.raises(ValueError, match="X is empty"):
        shapley_by_group(model, X.iloc[:0], sensitive_features=[])
    with pytest.raises(ValueError, match="sensitive_features has 5 entries but X has 300"):
        permutation_importance_by_group(model, X, y, sensitive_features=group[:5])
    with pytest.raises(ValueError, match="missing labels"):
        shapley_by_group(model, X.iloc[:3], sensitive_features=["A", None, "B"])
    with pytest.raises(ValueError, match="y has 3 entries"):
        permutation_importance_by_group(model, X, y[:3], sensitive_features=group)
    wide = pd.DataFrame(np.zeros((2, 8)), columns=list("abcdefgh"))
    with pytest.raises(ValueError, match="at most 7"):
        shapley_by_group(model, wide, sensitive_features=["A", "B"])
    with pytest.raises(ValueError, match="baseline must be a Series"):
        shapley_by_group(model, X, sensitive_features=group, baseline=X.mean()[::-1])
    with pytest.raises(ValueError, match="innocuous_features must name columns"):
        ScaffoldedClassifier(innocuous_features=["postcode"]).fit(X, y)


def test_scaffold_is_biased_on_real_rows_and_innocuous_on_reference_queries(data):
    X, y, group, _ = data
    clf = ScaffoldedClassifier(innocuous_features=["x", "noise"], random_state=0).fit(X, y)
    real = clf.is_real(X)
    assert real.mean() > 0.95
    np.testing.assert_array_equal(clf.predict_proba(X)[real], clf.biased_.predict_proba(X)[real])
    query = X.assign(proxy=clf.reference_["proxy"])  # what a Shapley explainer asks
    fake = ~clf.is_real(query)
    assert fake.mean() > 0.9
    np.testing.assert_array_equal(clf.predict_proba(query)[fake],
                                  clf.innocuous_.predict_proba(query[["x", "noise"]])[fake])
