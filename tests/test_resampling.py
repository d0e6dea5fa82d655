"""GroupBalancedSampler and reweighing against hand counts, pandas recounts and imblearn checks."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imblearn.pipeline import Pipeline
from imblearn.utils import estimator_checks as ec
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import _num_samples

from fairlab.recipes import make_model
from fairlab.resampling import (
    STRATEGIES,
    GroupBalancedSampler,
    cell_counts,
    cell_sampler,
    naive_undersample,
    resolve_groups,
    reweighing_table,
    reweighing_weights,
    target_counts,
)

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _crosstab(y, g) -> pd.DataFrame:
    """Independent recount of (group, label) cells with pandas."""
    return pd.crosstab(pd.Series(np.asarray(g, dtype=object), name="group"),
                       pd.Series(np.asarray(y), name="label"))


# ---------------------------------------------------------------- reweighing, by hand
def test_reweighing_hand_computed_table():
    # group m: 6 rows (4 positive, 2 negative); group f: 4 rows (1 positive, 3 negative).
    # n = 10, P(y=1) = 5/10.  w(m,1) = (6/10)(5/10)/(4/10) = 0.75,
    # w(m,0) = (6/10)(5/10)/(2/10) = 1.5, w(f,1) = (4/10)(5/10)/(1/10) = 2.0,
    # w(f,0) = (4/10)(5/10)/(3/10) = 2/3.
    y = [1, 1, 1, 1, 0, 0, 1, 0, 0, 0]
    g = ["m"] * 6 + ["f"] * 4
    w = reweighing_weights(y, g)
    np.testing.assert_allclose(w, [0.75] * 4 + [1.5] * 2 + [2.0] + [2 / 3] * 3)
    table = reweighing_table(y, g)
    assert table.loc[("f", 1), "expected"] == pytest.approx(2.0)  # 4 * 5 / 10
    assert table.loc[("m", 0), "weight"] == pytest.approx(1.5)
    # weighted base rate is 0.5 in both groups, the overall rate
    frame = pd.DataFrame({"y": y, "g": g, "w": w})
    rates = (frame.y * frame.w).groupby(frame.g).sum() / frame.w.groupby(frame.g).sum()
    np.testing.assert_allclose(rates.to_numpy(), 0.5)


@st.composite
def labelled_groups(draw, min_groups=2, max_groups=5, min_rows=2, need_both_labels=False,
                    cell_min=1):
    n_groups = draw(st.integers(min_groups, max_groups))
    names = [f"g{i}" for i in range(n_groups)]
    sizes = draw(st.lists(st.integers(min_rows, 25), min_size=n_groups, max_size=n_groups))
    g = np.repeat(np.array(names, dtype=object), sizes)
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=len(g), max_size=len(g))))
    if need_both_labels:  # cell_min positives and negatives per group at least
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for k in range(cell_min):
            y[starts + 2 * k], y[starts + 2 * k + 1] = 1, 0
    if len(np.unique(y)) < 2:
        y[0] = 1 - y[0]
    perm = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(len(g))
    return y[perm], g[perm]


@FAST
@given(labelled_groups(min_rows=1))
def test_reweighing_makes_group_and_label_independent(data):
    y, g = data
    w = reweighing_weights(y, g)
    # oracle: the formula from pandas crosstab, row by row
    tab = _crosstab(y, g)
    n = len(y)
    expected = np.array([tab.loc[gi].sum() * tab[yi].sum() / (n * tab.loc[gi, yi])
                         for gi, yi in zip(g, y, strict=True)])
    np.testing.assert_allclose(w, expected)
    if (tab.to_numpy() > 0).all():  # every cell present: sum n, and independence
        assert w.sum() == pytest.approx(n)
        wpos = pd.Series(w * y).groupby(g).sum() / pd.Series(w).groupby(g).sum()
        np.testing.assert_allclose(wpos.to_numpy(), np.mean(y))
        # weighted joint = product of weighted marginals, cell by cell
        joint = pd.Series(w).groupby([g, y]).sum().unstack().to_numpy() / w.sum()
        outer = np.outer(joint.sum(axis=1), joint.sum(axis=0))
        np.testing.assert_allclose(joint, outer, atol=1e-12)


@FAST
@given(labelled_groups(need_both_labels=True))
def test_reweighing_independence_when_every_cell_has_rows(data):
    test_reweighing_makes_group_and_label_independent.hypothesis.inner_test(data)


def test_reweighing_errors_name_the_fix():
    with pytest.raises(ValueError, match="missing labels"):
        reweighing_weights([0, 1, 1], ["a", None, "b"])
    with pytest.raises(ValueError, match="binary"):
        reweighing_weights([0, 2, 1], ["a", "a", "b"])
    with pytest.raises(ValueError, match="one group label per row"):
        reweighing_weights([0, 1, 1], ["a", "b"])


# --------------------------------------------------------------- sampler properties
@FAST
@given(labelled_groups(), st.sampled_from(["under", "over"]), st.integers(0, 10))
def test_groups_balance_equal_sizes_and_kept_base_rates(data, strategy, seed):
    y, g = data
    X = np.column_stack([np.arange(len(y)), y])
    s = GroupBalancedSampler(strategy, "groups", random_state=seed)
    X_res, y_res = s.fit_resample(X, y, sensitive_features=g)
    idx = s.sample_indices_
    assert ((idx >= 0) & (idx < len(y))).all()
    np.testing.assert_array_equal(X_res, X[idx])
    np.testing.assert_array_equal(y_res, y[idx])
    np.testing.assert_array_equal(s.groups_resampled_, g[idx])
    sizes = pd.Series(g[idx]).value_counts()
    target = pd.Series(g).value_counts().agg("min" if strategy == "under" else "max")
    assert (sizes == target).all()
    if strategy == "under":  # undersampling never repeats a row
        assert len(np.unique(idx)) == len(idx)
    # each group keeps its base rate, up to rounding to whole rows
    before = _crosstab(y, g)
    after = _crosstab(y_res, g[idx]).reindex(index=before.index, columns=before.columns,
                                              fill_value=0)
    share = before.div(before.sum(axis=1), axis=0)
    assert (np.abs(after.to_numpy() - share.to_numpy() * target) < 1).all()
    assert s.counts_after_.index.tolist() == after.index.tolist()
    np.testing.assert_array_equal(s.counts_after_.to_numpy(), after.to_numpy())


@FAST
@given(labelled_groups(min_rows=4, need_both_labels=True, cell_min=2),
       st.sampled_from(["under", "over", "smote"]), st.integers(0, 10))
def test_group_label_balance_equal_cells(data, strategy, seed):
    y, g = data
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(len(y), 2))
    s = GroupBalancedSampler(strategy, "group_label", random_state=seed)
    X_res, y_res = s.fit_resample(X, y, sensitive_features=g)
    tab = _crosstab(y_res, s.groups_resampled_)  # oracle recount
    size = _crosstab(y, g).to_numpy().min() if strategy == "under" else \
        _crosstab(y, g).to_numpy().max()
    assert (tab.to_numpy() == size).all()
    real = ~s.is_synthetic_
    np.testing.assert_array_equal(X_res[real], X[s.sample_indices_[real]])
    if strategy == "smote":
        # every synthetic row lies between rows of its own (group, label) cell
        for (grp, lab), rows in pd.DataFrame({"g": s.groups_resampled_, "y": y_res}
                                             ).groupby(["g", "y"]).groups.items():
            rows = np.asarray(rows)
            orig = X[(g == grp) & (y == lab)]
            syn = X_res[rows][s.is_synthetic_[rows]]
            assert (syn >= orig.min(0) - 1e-9).all() and (syn <= orig.max(0) + 1e-9).all()


def test_reproducible_with_random_state():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (rng.random(200) < 0.3).astype(int)
    g = rng.choice(["a", "b", "c"], 200, p=[0.6, 0.3, 0.1])
    for strategy in ("under", "over", "smote"):
        a = GroupBalancedSampler(strategy, "group_label", random_state=7)
        b = GroupBalancedSampler(strategy, "group_label", random_state=7)
        Xa, ya = a.fit_resample(X, y, sensitive_features=g)
        Xb, yb = b.fit_resample(X, y, sensitive_features=g)
        np.testing.assert_array_equal(Xa, Xb)
        np.testing.assert_array_equal(ya, yb)
        Xc, _ = GroupBalancedSampler(strategy, "group_label", random_state=8).fit_resample(
            X, y, sensitive_features=g)
        assert not np.array_equal(Xa, Xc)


def test_categorical_and_string_groups_and_intersections():
    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({
        "x": rng.normal(size=n),
        "sex": pd.Categorical(rng.choice(["female", "male"], n, p=[0.3, 0.7]),
                              categories=["male", "female", "other"]),  # 'other' unused
        "race": pd.Series(rng.choice(["A", "B", "C"], n, p=[0.6, 0.3, 0.1]), dtype="str"),
    })
    y = pd.Series((rng.random(n) < 0.4).astype(int), name="label")
    s = GroupBalancedSampler("under", "groups", sensitive_columns="sex", random_state=0)
    X_res, y_res = s.fit_resample(df, y)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert X_res["sex"].dtype == df["sex"].dtype  # categorical survives
    assert s.groups_.tolist() == ["male", "female"]  # category order, unused dropped
    counts = X_res["sex"].value_counts()
    assert counts["male"] == counts["female"] == (df["sex"] == "female").sum()
    # intersectional groups: sex × race, six cells of groups
    s2 = GroupBalancedSampler("over", "groups", sensitive_columns=["sex", "race"], random_state=0)
    X2, _ = s2.fit_resample(df, y)
    sizes = X2.groupby(["sex", "race"], observed=True).size()
    assert len(sizes) == 6 and sizes.nunique() == 1
    assert sizes.iloc[0] == df.groupby(["sex", "race"], observed=True).size().max()
    assert s2.counts_after_.index.names == ["sex", "race"]


def test_smotenc_on_mixed_dataframe_keeps_group_column():
    rng = np.random.default_rng(2)
    n = 120
    df = pd.DataFrame({
        "x": rng.normal(size=n),
        "job": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "grp": pd.Categorical(rng.choice(["p", "q", "r"], n, p=[0.6, 0.25, 0.15])),
    })
    y = pd.Series((rng.random(n) < 0.5).astype(int))
    s = GroupBalancedSampler("smote", "group_label", sensitive_columns="grp", random_state=0)
    X_res, y_res = s.fit_resample(df, y)
    assert type(s.sampler_).__name__ == "SMOTENC"
    syn = X_res[s.is_synthetic_]
    assert len(syn) > 0
    # a synthetic row keeps its cell's group in the sensitive column
    np.testing.assert_array_equal(syn["grp"].astype(str).to_numpy(),
                                  s.groups_resampled_[s.is_synthetic_].astype(str))
    assert set(syn["job"].astype(str)) <= {"a", "b", "c"}
    assert _crosstab(y_res, X_res["grp"].astype(str)).to_numpy().std() == 0
    # all-categorical X → SMOTEN
    s2 = GroupBalancedSampler("smote", "groups", sensitive_columns="grp", random_state=0)
    s2.fit_resample(df[["job", "grp"]], y)
    assert type(s2.sampler_).__name__ == "SMOTEN"


def test_drop_sensitive():
    df = pd.DataFrame({"x": range(8), "g": list("aaaaaabb")})
    X_res, _ = GroupBalancedSampler("under", sensitive_columns="g", drop_sensitive_columns=True,
                                    random_state=0).fit_resample(df, [0, 1] * 4)
    assert list(X_res.columns) == ["x"] and len(X_res) == 4


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "fit_kwargs", "error", "match"),
    [
        ({}, {"sensitive_features": list("aaaab")}, ValueError, "fewer than 2 rows"),
        ({}, {"sensitive_features": ["a", "a", None, "b", "b"]}, ValueError, "missing labels"),
        ({}, {"sensitive_features": [1.0, 1.0, np.nan, 2.0, 2.0]}, ValueError,
         "give them an explicit group"),
        ({"groups": ["a", "c"]}, {"sensitive_features": list("aaabb")}, ValueError,
         "unknown groups \\['b'\\]"),
        ({"groups": ["a", "b", "z"]}, {"sensitive_features": list("aaabb")}, ValueError,
         "Stratify the split"),
        ({}, {}, ValueError, "needs the groups"),
        ({"sensitive_columns": "g"}, {}, TypeError, "must be a pandas DataFrame"),
        ({}, {"sensitive_features": list("aaab")}, ValueError, "one group label per row"),
        ({"balance": "group_label"}, {"sensitive_features": list("abaab")}, ValueError,
         "cells \\[\\('b', 0\\)\\] have no rows"),
        ({"strategy": "smote", "balance": "group_label"},
         {"sensitive_features": list("abaab")}, ValueError, "use reweighing_weights"),
        ({"strategy": "middle"}, {"sensitive_features": list("aaabb")}, ValueError,
         "strategy"),
        ({}, {"sensitive_features": list("aaaaa")}, ValueError, "at least 2 distinct"),
    ],
)
def test_errors_name_problem_and_fix(kwargs, fit_kwargs, error, match):
    X = np.arange(5.0).reshape(-1, 1)
    y = [0, 1, 1, 0, 1]
    with pytest.raises(error, match=match):
        GroupBalancedSampler(**kwargs).fit_resample(X, y, **fit_kwargs)


def test_smote_errors_one_row_cell_and_nan():
    X = np.arange(8.0).reshape(-1, 1)
    y = [0, 0, 0, 1, 0, 0, 1, 1]
    g = list("aaaabbbb")  # cell (a, 1) has one row and must grow
    with pytest.raises(ValueError, match="SMOTE needs at least two"):
        GroupBalancedSampler("smote", "group_label").fit_resample(X, y, sensitive_features=g)
    df = pd.DataFrame({"x": [0.0, np.nan, 2, 3, 4, 5, 6, 7], "g": g})
    with pytest.raises(ValueError, match="Impute them first"):
        GroupBalancedSampler("smote", "groups", sensitive_columns="g").fit_resample(df, [0, 1] * 4)
    with pytest.raises(ValueError, match="available columns"):
        GroupBalancedSampler(sensitive_columns="sex").fit_resample(df, [0, 1] * 4)
    with pytest.raises(ValueError, match="Pass only one"):
        GroupBalancedSampler(sensitive_columns="g").fit_resample(df, [0, 1] * 4,
                                                                 sensitive_features=g)


# ------------------------------------------------------------------------ pipelines
def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n),
                       "job": pd.Categorical(rng.choice(["a", "b"], n)),
                       "g": pd.Categorical(rng.choice(["p", "q", "r"], n, p=[.6, .3, .1]))})
    y = pd.Series(((df.x + rng.normal(size=n)) > 0.5).astype(int))
    return df, y


@pytest.mark.parametrize("strategy", ["under", "over", "smote"])
def test_inside_pipeline_with_sensitive_column(strategy):
    df, y = _frame()
    base = make_model(["x", "job"], ["job"])
    pipe = Pipeline([("balance", GroupBalancedSampler(strategy, "group_label",
                                                      sensitive_columns="g",
                                                      random_state=0)), *base.steps])
    pipe.fit(df, y)
    counts = pipe.named_steps["balance"].counts_after_.to_numpy()
    assert (counts == counts.flat[0]).all()
    pred = pipe.predict(df)  # samplers are skipped at predict time: one prediction per row
    assert pred.shape == (len(df),)


def test_inside_pipeline_with_metadata_routing():
    df, y = _frame()
    X = df[["x"]].to_numpy()
    sampler = GroupBalancedSampler("over", "groups", random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        sampler.set_fit_resample_request(sensitive_features=True)
        pipe = Pipeline([("balance", sampler), ("model", LogisticRegression())])
        pipe.fit(X, y, sensitive_features=df["g"])
    sizes = pipe.named_steps["balance"].counts_after_.sum(axis=1)
    assert (sizes == df["g"].value_counts().max()).all()


# ------------------------------------------------- imbalanced-learn's common checks
class _ParityGroups(GroupBalancedSampler):
    """The common checks call fit_resample(X, y) alone: give every row a group by parity."""

    def fit_resample(self, X, y, *, sensitive_features=None):
        groups = np.arange(_num_samples(X)) % 2
        return super().fit_resample(X, y, sensitive_features=groups)


CHECKS = ["check_target_type", "check_samplers_one_label", "check_samplers_fit",
          "check_samplers_pandas", "check_samplers_list", "check_samplers_multiclass_ova",
          "check_samplers_2d_target", "check_samplers_preserve_dtype",
          "check_samplers_sample_indices", "check_samplers_sparse"]


@pytest.mark.parametrize("check", CHECKS)
@pytest.mark.parametrize("strategy", ["under", "over", "smote"])
def test_imblearn_common_checks(check, strategy):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        getattr(ec, check)("GroupBalancedSampler",
                           _ParityGroups(strategy, "group_label", random_state=0))


@pytest.mark.parametrize("check", ["check_samplers_string", "check_samplers_nan"])
@pytest.mark.parametrize("strategy", ["under", "over"])
def test_imblearn_checks_for_object_and_nan_features(check, strategy):
    getattr(ec, check)("GroupBalancedSampler", _ParityGroups(strategy, random_state=0))


# ----------------------------------------------------------- lesson helpers
def test_naive_undersample_breaks_with_three_groups():
    df = pd.DataFrame({"g": ["a"] * 50 + ["b"] * 20 + ["c"] * 5})
    out = naive_undersample(df, "g", random_state=0)
    counts = out["g"].value_counts()
    assert counts["a"] == 5 and counts["b"] == 20  # b is untouched: still unbalanced
    with pytest.raises(ValueError, match="is not a group of 'g'"):
        naive_undersample(df, "g", majority="A")
    with pytest.raises(ValueError, match="not in frame"):
        naive_undersample(df, "group")


def test_cell_counts_matches_crosstab():
    y = [1, 0, 0, 1, 0, 1, 1]
    g = list("aabbbcc")
    cc = cell_counts(y, g)
    tab = _crosstab(y, g)
    np.testing.assert_array_equal(cc[["label 0", "label 1"]].to_numpy(), tab.to_numpy())
    np.testing.assert_allclose(cc["base rate"], tab[1] / tab.sum(axis=1))


def test_smotenc_with_integer_columns_keeps_categories_of_the_cell():
    # Regression: with only integer numeric columns imbalanced-learn's SMOTENC encodes the
    # categories in the integer dtype, truncating them to 0, and picks categories at random.
    rng = np.random.default_rng(3)
    n = 400
    grp = rng.choice(["young", "mid", "old"], n, p=[0.2, 0.6, 0.2])
    age = np.select([grp == "young", grp == "mid"], [rng.integers(18, 25, n),
                                                     rng.integers(25, 45, n)],
                    rng.integers(45, 80, n))
    rare = (rng.random((3, n)) < 0.05).astype(np.int64)  # median std < 1: truncates to 0
    df = pd.DataFrame({"age": age, "priors": rng.integers(0, 4, n),
                       "j1": rare[0], "j2": rare[1], "j3": rare[2],
                       "band": pd.Categorical(np.char.upper(grp.astype(str))),  # a copy of grp
                       "grp": pd.Categorical(grp)})
    y = pd.Series((rng.random(n) < 0.4).astype(int))
    s = GroupBalancedSampler("smote", "group_label", sensitive_columns="grp", random_state=0)
    X_res, _ = s.fit_resample(df, y)
    syn = X_res[s.is_synthetic_]
    # the non-sensitive copy is voted by neighbours of the same cell: it must match too
    np.testing.assert_array_equal(syn["band"].astype(str).str.lower().to_numpy(),
                                  s.groups_resampled_[s.is_synthetic_].astype(str))
    assert X_res["age"].dtype == np.int64
    for g, lo, hi in (("young", 18, 24), ("mid", 25, 44), ("old", 45, 79)):
        ages = syn.loc[syn["grp"] == g, "age"]
        assert ages.between(lo, hi).all()


# --------------------------------------------------------------- the sampler's parts
def test_resolve_groups_from_a_column_or_an_argument_agree_with_pandas():
    X = pd.DataFrame({"sex": list("FMMFMMFF"), "race": list("xxyyxyxy"), "v": range(8)})
    by_column = resolve_groups(X, sensitive_columns="sex")
    by_argument = resolve_groups(X.to_numpy(), sensitive_features=X["sex"].to_numpy())
    assert by_column.labels == by_argument.labels == ["F", "M"]
    np.testing.assert_array_equal(by_column.codes, by_argument.codes)
    # oracle: pandas numbers the sorted (sex, race) pairs the same way
    inter = resolve_groups(X, sensitive_columns=["sex", "race"])
    np.testing.assert_array_equal(inter.codes, X.groupby(["sex", "race"]).ngroup())
    assert inter.index.nlevels == 2
    assert inter.counts.tolist() == X.groupby(["sex", "race"]).size().tolist()
    assert resolve_groups(X, sensitive_columns="sex", groups=["M", "F"]).labels == ["F", "M"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"sensitive_columns": "sex", "sensitive_features": list("FMFM")}, ValueError,
     "Pass only one of them"),
    ({}, ValueError, "sensitive_features=...\\), or sensitive_columns="),
    ({"sensitive_features": list("FMF")}, ValueError, "one group label per row"),
    ({"sensitive_columns": "age"}, ValueError, "age"),
    ({"sensitive_columns": "sex", "groups": ["F"]}, ValueError, "unknown groups \\['M'\\]"),
    ({"sensitive_columns": "sex", "groups": ["F", "M", "X"]}, ValueError,
     "Stratify the split by group"),
])
def test_resolve_groups_errors_name_the_fix(kwargs, error, match):
    X = pd.DataFrame({"sex": list("FMFM"), "v": range(4)})
    with pytest.raises(error, match=match):
        resolve_groups(X, **kwargs)
    with pytest.raises(TypeError, match="X must be a pandas DataFrame"):
        resolve_groups(np.zeros((4, 2)), sensitive_columns="sex")


def _is_largest_remainders(total, counts, got):
    """Hamilton's method in exact fractions (the oracle): every cell gets the floor of its
    exact share, and the cells with the largest remainders one more, up to the total."""
    exact = [Fraction(c * total, sum(counts)) for c in counts]
    floors = [e.numerator // e.denominator for e in exact]
    bumped = [g - f for g, f in zip(got, floors, strict=True)]
    if sum(got) != total or not set(bumped) <= {0, 1}:
        return False
    up = [e - f for e, f, b in zip(exact, floors, bumped, strict=True) if b]
    down = [e - f for e, f, b in zip(exact, floors, bumped, strict=True) if not b]
    return not up or not down or min(up) >= max(down)


@FAST
@given(st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=3), min_size=2,
                max_size=5).filter(lambda rows: all(sum(r) > 0 for r in rows)
                                   and len({len(r) for r in rows}) == 1),
       st.sampled_from(["under", "over", "smote"]))
def test_target_counts_groups_match_largest_remainders(rows, strategy):
    counts = pd.DataFrame(rows, index=[f"g{i}" for i in range(len(rows))])
    targets = target_counts(counts, strategy=strategy, balance="groups")
    sizes = [sum(r) for r in rows]
    size = min(sizes) if strategy == "under" else max(sizes)
    for row, got in zip(rows, targets.to_numpy().tolist(), strict=True):
        assert _is_largest_remainders(size, row, got), (row, got)
    assert (targets.sum(axis=1) == size).all()
    pd.testing.assert_index_equal(targets.index, counts.index)


def test_target_counts_group_label_and_errors():
    counts = pd.DataFrame([[4, 2], [2, 1]], index=pd.Index(["a", "b"], name="group"),
                          columns=pd.Index([0, 1], name="label"))
    assert target_counts(counts, balance="group_label").to_numpy().tolist() == [[1, 1]] * 2
    assert target_counts(counts, strategy="smote",
                         balance="group_label").to_numpy().tolist() == [[4, 4]] * 2
    with pytest.raises(ValueError, match=r"cells \[\('b', 1\)\] have no rows"):
        target_counts(pd.DataFrame([[4, 2], [2, 0]], index=["a", "b"], columns=[0, 1]),
                      balance="group_label")
    with pytest.raises(ValueError, match="strategy must be one of"):
        target_counts(counts, strategy="middle")
    with pytest.raises(ValueError, match="whole, non-negative numbers"):
        target_counts(counts * 0.5)
    with pytest.raises(TypeError, match="counts must be a DataFrame"):
        target_counts(counts.to_numpy())


def test_sampler_counts_after_are_the_targets_of_its_counts_before():
    rng = np.random.default_rng(1)
    g = rng.choice(["a", "b", "c"], 200, p=[0.6, 0.3, 0.1])
    y = (rng.random(200) < 0.3).astype(int)
    for strategy in STRATEGIES:
        s = GroupBalancedSampler(strategy, random_state=0)
        s.fit_resample(rng.normal(size=(200, 2)), y, sensitive_features=g)
        pd.testing.assert_frame_equal(s.counts_after_,
                                      target_counts(s.counts_before_, strategy=strategy))


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_cell_sampler_reaches_every_target(strategy):
    rng = np.random.default_rng(2)
    g = rng.choice(["a", "b"], 120, p=[0.75, 0.25])
    y = (rng.random(120) < 0.4).astype(int)
    cell = (g == "b") * 2 + y
    counts = pd.DataFrame(np.bincount(cell, minlength=4).reshape(2, 2), index=["a", "b"])
    targets = target_counts(counts, strategy=strategy, balance="group_label")
    sampler = cell_sampler(rng.normal(size=(120, 3)), counts, targets, strategy=strategy,
                           random_state=0)
    _, cell_res = sampler.fit_resample(rng.normal(size=(120, 3)), cell)
    # oracle: recount the resampled cells
    np.testing.assert_array_equal(np.bincount(cell_res, minlength=4),
                                  targets.to_numpy().ravel())


def test_cell_sampler_picks_smote_for_the_column_types_and_fits_k():
    counts = pd.DataFrame([[6, 3], [4, 3]], index=["a", "b"])
    targets = target_counts(counts, strategy="smote")
    num = pd.DataFrame({"x": np.arange(16.0), "z": np.arange(16.0)})
    mixed = num.assign(c=pd.Categorical(list("pq") * 8))
    cats = mixed[["c"]].assign(d=list("rs") * 8)
    kinds = [type(cell_sampler(X, counts, targets, strategy="smote")).__name__
             for X in (num, num.to_numpy(), mixed, cats)]
    assert kinds == ["SMOTE", "SMOTE", "SMOTENC", "SMOTEN"]
    assert cell_sampler(mixed, counts, targets, strategy="smote").categorical_features == [2]
    # the smallest growing cell has 3 rows, so at most 2 neighbours
    assert cell_sampler(num, counts, targets, strategy="smote").k_neighbors == 2
    tiny = pd.DataFrame([[6, 1], [2, 1]], index=["a", "b"])  # b grows from 3 rows to 7
    with pytest.raises(ValueError, match=r"cells \[\('b', 1\)\] have one row"):
        cell_sampler(num, tiny, target_counts(tiny, strategy="smote"), strategy="smote")
    with pytest.raises(ValueError, match="Impute them first"):
        cell_sampler(num.assign(x=np.nan), counts, targets, strategy="smote")
    with pytest.raises(TypeError, match="SMOTE on an array needs numbers"):
        cell_sampler(cats.to_numpy(), counts, targets, strategy="smote")
    with pytest.raises(ValueError, match="one target per \\(group, label\\) cell"):
        cell_sampler(num, counts, targets.iloc[:1], strategy="smote")
