"""fairlab.audit against scipy/sklearn oracles and hand-counted tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency, chisquare
from scipy.stats.contingency import association
from sklearn.feature_selection import mutual_info_classif
from sklearn.metrics import roc_auc_score

from fairlab import audit
from fairlab.audit import (
    audit_report,
    chi_square_power,
    effect_label,
    missingness,
    outcome_by_group,
    power_curve,
    proxy_strength,
    representation,
)


def _frame(counts: np.ndarray) -> pd.DataFrame:
    """Rows realising a k×2 table of (group, label) counts."""
    k = counts.shape[0]
    g = np.repeat(np.repeat(np.arange(k), 2), counts.reshape(-1))
    y = np.repeat(np.tile([0, 1], k), counts.reshape(-1))
    return pd.DataFrame({"g": [f"g{i}" for i in g], "y": y})


# ----------------------------------------------------------------------- representation
def test_representation_hand_counted():
    df = pd.DataFrame({"sex": ["F"] * 40 + ["M"] * 60})
    rep = representation(df, "sex", reference={"F": 0.5, "M": 0.5})
    # Expected 50/50: chi2 = (40-50)²/50 + (60-50)²/50 = 4; w = sqrt(4/100) = 0.2.
    assert rep.test.statistic == pytest.approx(4.0)
    assert rep.test.effect_size == pytest.approx(0.2)
    assert rep.table["difference"].tolist() == pytest.approx([-0.1, 0.1])
    assert rep.test.effect == "small"


def test_representation_matches_scipy_chisquare():
    rng = np.random.default_rng(1)
    labels = rng.choice(["a", "b", "c"], size=500, p=[0.5, 0.3, 0.2])
    ref = {"a": 0.45, "b": 0.35, "c": 0.2}
    rep = representation(pd.DataFrame({"r": labels}), "r", reference=ref)
    observed = [np.sum(labels == g) for g in ref]
    oracle = chisquare(observed, f_exp=[500 * s for s in ref.values()])
    assert rep.test.statistic == pytest.approx(oracle.statistic, rel=1e-12)
    assert rep.test.p_value == pytest.approx(oracle.pvalue, rel=1e-10)
    assert rep.test.dof == 2
    assert rep.test.effect_size == pytest.approx(np.sqrt(oracle.statistic / 500))


def test_representation_counts_a_missing_category_as_zero():
    df = pd.DataFrame({"r": pd.Categorical(["a"] * 30 + ["b"] * 20, categories=["a", "b", "c"])})
    rep = representation(df, "r", reference={"a": 0.5, "b": 0.3, "c": 0.2})
    assert rep.table.loc["c", "count"] == 0
    oracle = chisquare([30, 20, 0], f_exp=[25, 15, 10])
    assert rep.test.statistic == pytest.approx(oracle.statistic)


def test_representation_without_reference():
    df = pd.DataFrame({"g": list("aab")})
    rep = representation(df, "g")
    assert rep.test is None
    assert rep.table["share"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert "reference=" in rep.reading


@pytest.mark.parametrize("reference, match", [
    ({"F": 0.5}, "no share for groups"),
    ({"F": 0.5, "M": 0.4, "X": 0.1}, "not categories"),
    ({"F": 0.6, "M": 0.6}, "sum to 1"),
    ({"F": 0.0, "M": 1.0}, r"must be > 0"),
])
def test_representation_bad_reference(reference, match):
    df = pd.DataFrame({"sex": list("FFMM")})
    with pytest.raises(ValueError, match=match):
        representation(df, "sex", reference=reference)


# ----------------------------------------------------------------------- outcome
def test_outcome_hand_counted():
    df = _frame(np.array([[20, 30], [30, 20]]))
    res = outcome_by_group(df, "y", "g")
    # Expected 25 in every cell: chi2 = 4 × 5²/25 = 4; V = sqrt(4 / 100).
    assert res.table["base_rate"].tolist() == [0.6, 0.4]
    assert res.test.statistic == pytest.approx(4.0)
    assert res.test.effect_size == pytest.approx(0.2)
    assert res.small_cells == []


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.integers(1, 60)), min_size=2, max_size=6))
def test_outcome_matches_chi2_contingency(cells):
    counts = np.array(cells)
    res = outcome_by_group(_frame(counts), "y", "g")
    stat, p, dof, expected = chi2_contingency(counts, correction=False)
    assert res.test.statistic == pytest.approx(stat, rel=1e-9, abs=1e-12)
    assert res.test.p_value == pytest.approx(p, rel=1e-9, abs=1e-12)
    assert res.test.dof == dof
    assert res.test.effect_size == pytest.approx(association(counts, method="cramer"),
                                                 rel=1e-9, abs=1e-12)
    assert 0 <= res.test.effect_size <= 1
    assert res.table["n"].tolist() == counts.sum(1).tolist()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_outcome_ignores_row_order(seed):
    df = _frame(np.array([[12, 30], [25, 9], [40, 41]]))
    shuffled = df.sample(frac=1, random_state=seed)
    a, b = outcome_by_group(df, "y", "g"), outcome_by_group(shuffled, "y", "g")
    assert a.test.statistic == pytest.approx(b.test.statistic)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_outcome_intersection_and_small_cells():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.choice(["x", "y"], 400, p=[0.9, 0.1]),
                       "b": rng.choice(["u", "v"], 400, p=[0.8, 0.2]),
                       "y": rng.integers(0, 2, 400)})
    res = outcome_by_group(df, "y", ["a", "b"])
    oracle = df.groupby(["a", "b"])["y"].agg(["size", "mean"])
    np.testing.assert_allclose(res.table["base_rate"].to_numpy(), oracle["mean"].to_numpy())
    assert res.table["n"].tolist() == oracle["size"].tolist()
    small = oracle.index[oracle["size"] < 30].tolist()
    assert small and res.small_cells == small
    assert res.table["small"].sum() == len(small)
    assert "too noisy" in res.reading


# ----------------------------------------------------------------------- proxies
def test_ovr_auc_matches_roc_auc_score():
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 4, 300)
    proba = rng.dirichlet(np.ones(4), 300) + 0.2 * np.eye(4)[codes]
    mine = audit._ovr_auc(codes, proba)
    for k in range(4):
        assert mine[k] == pytest.approx(roc_auc_score(codes == k, proba[:, k]))
    assert mine.mean() == pytest.approx(roc_auc_score(codes, proba / proba.sum(1, keepdims=True),
                                                      multi_class="ovr"))


def test_proxy_mutual_information_matches_sklearn():
    rng = np.random.default_rng(0)
    g = rng.choice(["a", "b", "c"], 600)
    df = pd.DataFrame({"g": g,
                       "copy": pd.Categorical(g),
                       "leaky": np.where(rng.random(600) < 0.7, g, "z"),
                       "noise": rng.choice(["p", "q"], 600)})
    res = proxy_strength(df, "g")
    codes = pd.Categorical(g).codes
    X = np.column_stack([pd.Categorical(df[c]).codes for c in ["copy", "leaky", "noise"]])
    oracle = mutual_info_classif(X, codes, discrete_features=True, random_state=0)
    assert res.features.loc[["copy", "leaky", "noise"], "mi"].tolist() == pytest.approx(oracle)
    assert res.features.index.tolist() == ["copy", "leaky", "noise"]
    assert res.features.loc["copy", "mi_share"] == pytest.approx(1.0)  # MI(G; G) = H(G)
    assert res.auc > 0.99
    assert res.auc_by_group.shape == (3,)


def test_proxy_noise_is_near_chance_and_subsamples():
    rng = np.random.default_rng(1)
    n = 6000
    df = pd.DataFrame({"g": rng.choice(["a", "b", "c"], n, p=[0.7, 0.25, 0.05]),
                       "x": rng.normal(size=n), "c": rng.choice(list("pqr"), n)})
    res = proxy_strength(df, "g", max_rows=1500)
    assert abs(res.auc - 0.5) < 0.08
    assert res.n_total == n and 1400 <= res.n_rows <= 1600
    assert "sample of" in res.reading
    again = proxy_strength(df, "g", max_rows=1500)
    assert again.auc == res.auc  # seeded


def test_proxy_binary_auc_is_recomputable():
    rng = np.random.default_rng(2)
    g = rng.choice(["f", "m"], 500)
    x = (g == "m") + rng.normal(scale=1.0, size=500)
    res = proxy_strength(pd.DataFrame({"g": g, "x": x}), "g")
    # One numeric feature: the AUC is bounded by the feature's own ranking AUC.
    assert 0.6 < res.auc <= roc_auc_score(g == "m", x) + 0.03
    assert res.auc_by_group.iloc[0] == pytest.approx(res.auc_by_group.iloc[1])


def test_proxy_rejects_sensitive_in_features():
    df = pd.DataFrame({"g": list("ab") * 10, "x": range(20)})
    with pytest.raises(ValueError, match="leave it out of features"):
        proxy_strength(df, "g", features=["g", "x"])


def test_adult_strongest_proxy_for_sex_is_relationship():
    from fairlab.datasets import load_adult

    adult = load_adult()
    res = proxy_strength(adult.frame, "sex", features=adult.feature_names)
    assert res.strongest == "relationship"
    assert res.n_rows <= 4100 and res.auc > 0.85


# ----------------------------------------------------------------------- missingness
def test_missingness_matches_groupby():
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"g": rng.choice(["a", "b"], 200),
                       "x": np.where(rng.random(200) < 0.2, np.nan, 1.0),
                       "s": pd.Series(np.where(rng.random(200) < 0.1, None, "v"), dtype="str"),
                       "full": 1})
    res = missingness(df, "g")
    oracle = df[["x", "s"]].isna().groupby(df["g"]).mean()
    np.testing.assert_allclose(res.loc[["a", "b"], ["x", "s"]].to_numpy(), oracle.to_numpy())
    anyna = df[["x", "s"]].isna().any(axis=1).groupby(df["g"]).mean()
    np.testing.assert_allclose(res.loc[["a", "b"], "any_missing"], anyna)
    assert "full" not in res.columns
    assert res.loc["all", "n"] == 200


# ----------------------------------------------------------------------- power
def test_power_matches_cohen_tables():
    # Cohen (1988), Table 7.4.6: df = 1, alpha = .05, power .80 needs n = 785 (w = .1), 88 (.3).
    assert chi_square_power(785, 0.1, 1) == pytest.approx(0.80, abs=0.005)
    assert chi_square_power(88, 0.3, 1) == pytest.approx(0.80, abs=0.01)


def test_power_curve_simulation_agrees_with_theory():
    pc = power_curve([50, 200, 800], n_sims=4000)
    se = np.sqrt(pc["theory"] * (1 - pc["theory"]) / 4000)
    assert (np.abs(pc["simulated"] - pc["theory"]) < 4 * se + 0.02).all()
    assert pc["simulated"].is_monotonic_increasing


def test_power_curve_under_the_null_is_alpha():
    pc = power_curve([400], base_rates=(0.3, 0.3), n_sims=5000)
    assert pc["simulated"].iloc[0] == pytest.approx(0.05, abs=0.015)


def test_effect_labels():
    assert [effect_label(w) for w in (0.05, 0.2, 0.4, 0.9)] == [
        "negligible", "small", "medium", "large"]


def test_high_p_value_reading_mentions_power():
    df = _frame(np.array([[6, 4], [5, 5]]))
    res = outcome_by_group(df, "y", "g")
    assert res.test.p_value > 0.5
    assert "does not show" in res.test.reading and "only" in res.test.reading
    assert res.test.power_small < 0.1


# ----------------------------------------------------------------------- errors
def test_unknown_column_names_the_available_ones():
    df = pd.DataFrame({"sex": list("ab"), "y": [0, 1]})
    with pytest.raises(ValueError, match=r"available columns: \['sex', 'y'\]"):
        outcome_by_group(df, "y", "gender")
    with pytest.raises(ValueError, match="available columns"):
        representation(df, "race")
    with pytest.raises(ValueError, match="available columns"):
        outcome_by_group(df, "income", "sex")


def test_non_binary_target():
    df = pd.DataFrame({"g": list("aabb"), "y": [0, 1, 2, 1]})
    with pytest.raises(ValueError, match="must be binary"):
        outcome_by_group(df, "y", "g")
    df["y"] = ["<=50K", ">50K", "<=50K", ">50K"]
    with pytest.raises(ValueError, match="Map them first"):
        outcome_by_group(df, "y", "g")


def test_single_group():
    df = pd.DataFrame({"g": ["a"] * 4, "y": [0, 1, 0, 1]})
    for call in (lambda: outcome_by_group(df, "y", "g"), lambda: representation(df, "g"),
                 lambda: missingness(df, "g")):
        with pytest.raises(ValueError, match="at least 2 distinct values"):
            call()


def test_nan_in_sensitive_says_how_to_fix():
    df = pd.DataFrame({"g": pd.Categorical(["a", None, "b", "b"]), "y": [0, 1, 0, 1]})
    with pytest.raises(ValueError, match=r"1 missing values.*dropna.*add_categories"):
        outcome_by_group(df, "y", "g")
    df2 = pd.DataFrame({"g": ["a", None, "b", "b"], "y": [0, 1, 0, 1]})
    with pytest.raises(ValueError, match=r"fillna\('unknown'\)"):
        representation(df2, "g")


def test_bad_types():
    df = pd.DataFrame({"g": list("ab"), "y": [0, 1]})
    with pytest.raises(TypeError, match="DataFrame"):
        outcome_by_group(df.to_numpy(), "y", "g")
    with pytest.raises(TypeError, match="column name"):
        outcome_by_group(df, 3, "g")
    with pytest.raises(ValueError, match="also listed in sensitive"):
        outcome_by_group(df, "y", ["g", "y"])


# ----------------------------------------------------------------------- report
def test_audit_report_on_german():
    from fairlab.datasets import load_german

    german = load_german()
    rep = audit_report(german.frame, "credit", ["sex", "age_band"])
    assert set(rep.outcome) == {"sex", "age_band", "sex × age_band"}
    row = rep.summary.set_index(["check", "groups"]).loc[("outcome", "sex")]
    table = pd.crosstab(german.frame["sex"], german.frame["credit"]).to_numpy()
    stat, p, *_ = chi2_contingency(table, correction=False)
    assert row["statistic"] == pytest.approx(stat) and row["p_value"] == pytest.approx(p)
    assert row["effect_size"] == pytest.approx(association(table, method="cramer"))
    # personal_status encodes sex by construction: the audit must find it.
    assert rep.proxies["sex"].strongest == "personal_status"
    assert "credit" not in rep.proxies["sex"].features.index
    assert rep._repr_html_().startswith("<b>Audit")
    fig = rep.plot()
    assert len(fig.axes) == 3


def test_report_table_formats_p_values():
    df = _frame(np.array([[400, 100], [100, 400]])).assign(x=lambda d: np.arange(len(d)))
    rep = audit_report(df, "y", "g")
    table = rep.table()
    assert table.loc[1, "p_value"] == "< 0.001"
    assert table.loc[0, "p_value"] == "–" and "smallest group 50.0%" in table.loc[0, "effect"]
    assert "reading" not in table.columns


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 80), min_size=2, max_size=6).filter(lambda c: sum(c) > 0),
       st.data())
def test_representation_matches_chisquare_property(counts, data):
    k = len(counts)
    raw = data.draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k))
    shares = np.array(raw) / np.sum(raw)
    labels = [f"g{i}" for i in range(k)]
    col = pd.Categorical(np.repeat(labels, counts), categories=labels)
    if (np.array(counts) > 0).sum() < 2:
        return  # a single observed group is refused (tested elsewhere)
    reference = dict(zip(labels, shares, strict=True))
    rep = representation(pd.DataFrame({"g": col}), "g", reference=reference)
    n = sum(counts)
    oracle = chisquare(counts, f_exp=n * shares)
    assert rep.test.statistic == pytest.approx(oracle.statistic, rel=1e-9)
    assert rep.test.p_value == pytest.approx(oracle.pvalue, rel=1e-7, abs=1e-12)
    assert rep.table["share"].sum() == pytest.approx(1.0)


ALL_CALLS = {
    "representation": lambda df, s: representation(df, s),
    "outcome_by_group": lambda df, s: outcome_by_group(df, "y", s),
    "proxy_strength": lambda df, s: proxy_strength(df, s),
    "missingness": lambda df, s: missingness(df, s),
    "audit_report": lambda df, s: audit_report(df, "y", s),
}


@pytest.mark.parametrize("name", ALL_CALLS)
def test_every_function_explains_bad_sensitive_columns(name):
    call = ALL_CALLS[name]
    df = pd.DataFrame({"g": list("ab") * 10, "x": np.arange(20.0), "y": [0, 1] * 10})
    with pytest.raises(ValueError, match=r"'sex' is not in df; available columns: \['g'"):
        call(df, "sex")
    with pytest.raises(ValueError, match="dropna"):
        call(df.assign(g=["a", None] * 10), "g")
    with pytest.raises(ValueError, match="only 1 group"):
        call(df.assign(g="a"), "g")
