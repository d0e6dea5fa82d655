"""fairlab.calibration against scikit-learn, hand counts and the identities it rests on."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve

from fairlab.calibration import (
    binormal_roc,
    calibration_by_group,
    calibration_difference,
    chouldechova_fpr,
    impossibility_calculator,
)
from fairlab.metrics import group_confusion, group_metrics


def _data(n=600, seed=0, n_groups=3, ties=False):
    rng = np.random.default_rng(seed)
    score = rng.random(n)
    if ties:
        score = np.round(score * 7) / 7  # many exact ties, some on bin edges
    y = (rng.random(n) < score).astype(int)
    g = rng.choice([f"g{i}" for i in range(n_groups)], n)
    return y, score, g


# ------------------------------------------------------------------------ reliability
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("n_bins", [1, 5, 10])
def test_matches_sklearn_calibration_curve_per_group(strategy, ties, n_bins):
    y, score, g = _data(ties=ties)
    table = calibration_by_group(y, score, sensitive_features=g, n_bins=n_bins,
                                 strategy=strategy)
    for group in np.unique(g):
        prob_true, prob_pred = calibration_curve(y[g == group], score[g == group],
                                                 n_bins=n_bins, strategy=strategy)
        part = table.xs(group, level=0)
        np.testing.assert_allclose(part["observed"], prob_true, rtol=0, atol=1e-12)
        np.testing.assert_allclose(part["mean_score"], prob_pred, rtol=0, atol=1e-12)
        assert part["count"].sum() == (g == group).sum()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 60), st.integers(1, 12),
       st.sampled_from(["uniform", "quantile"]), st.booleans())
def test_property_equals_sklearn(seed, n, n_bins, strategy, ties):
    rng = np.random.default_rng(seed)
    score = rng.random(n)
    if ties:
        score = np.round(score * 4) / 4  # includes exact 0, 1 and edge values
    y = rng.integers(0, 2, n)
    g = np.where(np.arange(n) % 2 == 0, "a", "b")
    table = calibration_by_group(y, score, sensitive_features=g, n_bins=n_bins,
                                 strategy=strategy)
    for group in ("a", "b"):
        prob_true, prob_pred = calibration_curve(y[g == group], score[g == group],
                                                 n_bins=n_bins, strategy=strategy)
        part = table.xs(group, level=0)
        np.testing.assert_allclose(part["observed"], prob_true, atol=1e-12)
        np.testing.assert_allclose(part["mean_score"], prob_pred, atol=1e-12)


def test_distinct_scores_match_a_groupby():
    rng = np.random.default_rng(1)
    decile = rng.integers(1, 11, 500)
    y = (rng.random(500) < decile / 11).astype(int)
    race = rng.choice(["x", "y"], 500)
    table = calibration_by_group(y, decile, sensitive_features=pd.Series(race, name="race"),
                                 strategy="distinct")
    expected = pd.DataFrame({"race": race, "d": decile, "y": y}).groupby(["race", "d"])["y"]
    np.testing.assert_allclose(table["observed"], expected.mean().to_numpy())
    np.testing.assert_allclose(table["count"], expected.size().to_numpy())
    assert table.index.names == ["race", "bin"]
    assert sorted(table["mean_score"].unique()) == list(range(1, 11))


def test_intersectional_groups_keep_both_levels():
    y, score, _ = _data(n=400)
    sens = pd.DataFrame({"race": np.repeat(["r1", "r2"], 200), "sex": ["F", "M"] * 200})
    table = calibration_by_group(y, score, sensitive_features=sens, n_bins=4)
    assert table.index.names == ["race", "sex", "bin"]
    assert table["count"].sum() == 400
    part = table.xs(("r2", "M"), level=("race", "sex"))
    mask = (sens["race"] == "r2") & (sens["sex"] == "M")
    prob_true, _ = calibration_curve(y[mask], score[mask], n_bins=4)
    np.testing.assert_allclose(part["observed"], prob_true)


def test_bootstrap_intervals_are_sound_and_seeded():
    y, score, g = _data(n=3000)
    a = calibration_by_group(y, score, sensitive_features=g, n_boot=400, random_state=3)
    b = calibration_by_group(y, score, sensitive_features=g, n_boot=400, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert (a["low"] <= a["observed"] + 1e-12).all()
    assert (a["observed"] <= a["high"] + 1e-12).all()
    # width close to the normal approximation 2·1.96·sqrt(p(1-p)/n) for a large cell
    big = a.loc[a["count"].idxmax()]
    p, n = big["observed"], big["count"]
    assert abs((big["high"] - big["low"]) - 3.92 * np.sqrt(p * (1 - p) / n)) < 0.03


def test_calibration_difference_by_hand():
    # bin 0: a has 0/1 positive, b has 1/2 → 0.5 (3 people); bin 1: both 1.0 → 0 (3 people)
    y = [0, 1, 1, 0, 1, 1]
    s = [0.2, 0.8, 0.8, 0.2, 0.2, 0.8]
    assert calibration_difference(y, s, sensitive_features=list("aaabbb"), n_bins=2) == 0.25


def test_calibration_difference_is_zero_for_identical_groups():
    y, score, _ = _data(n=200)
    yy, ss = np.tile(y, 2), np.tile(score, 2)
    g = np.repeat(["a", "b"], 200)
    assert calibration_difference(yy, ss, sensitive_features=g) == pytest.approx(0, abs=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"strategy": "kmeans"}, ValueError, "strategy must be one of"),
        ({"n_bins": 0}, ValueError, "n_bins must be >= 1"),
        ({"n_bins": 2.5}, TypeError, "n_bins must be an integer"),
        ({"n_boot": 5}, ValueError, "n_boot must be >= 10; got 5"),
        ({"y_score": [0.1, 1.2, 0.5, 0.5]}, ValueError, "probabilities in"),
        ({"y_score": [0.1, np.nan, 0.5, 0.5]}, ValueError, "NaN"),
        ({"y_true": [0, 2, 1, 0]}, ValueError, "must be binary"),
        ({"sensitive_features": ["a", "b", "a"]}, ValueError, "one group label per row"),
    ],
)
def test_bad_input_names_the_fix(kwargs, error, match):
    args = {"y_true": [0, 1, 1, 0], "y_score": [0.1, 0.9, 0.5, 0.5],
            "sensitive_features": ["a", "b", "a", "b"]}
    args.update(kwargs)
    y_true, y_score = args.pop("y_true"), args.pop("y_score")
    with pytest.raises(error, match=match):
        calibration_by_group(y_true, y_score, **args)


def test_distinct_accepts_any_numbers_but_difference_refuses_quantile():
    t = calibration_by_group([0, 1], [3, 9], sensitive_features=["a", "a"],
                             strategy="distinct")
    assert t["mean_score"].tolist() == [3, 9]
    with pytest.raises(ValueError, match="strategy must be one of"):
        calibration_difference([0, 1], [0.1, 0.9], sensitive_features=["a", "b"],
                               strategy="quantile")
    with pytest.raises(ValueError, match="use fewer bins"):
        calibration_difference([0, 1], [0.1, 0.9], sensitive_features=["a", "b"])


# --------------------------------------------------------------- Chouldechova identity
def test_identity_holds_for_any_confusion_matrix():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, 2000)
    yp = rng.integers(0, 2, 2000)
    g = rng.choice(list("abcd"), 2000)
    m = group_metrics(y, yp, sensitive_features=g)
    implied = chouldechova_fpr(m["base_rate"].to_numpy(), m["ppv"].to_numpy(),
                               m["fnr"].to_numpy())
    np.testing.assert_allclose(implied, m["fpr"].to_numpy(), rtol=1e-12)


def test_identity_by_hand():
    # p = 0.2, PPV = 0.8, FNR = 0.2: 0.25 · 0.25 · 0.8 = 0.05
    assert chouldechova_fpr(0.2, 0.8, 0.2) == pytest.approx(0.05)
    # a confusion matrix with tn=8, fp=2, fn=1, tp=4: p=5/15, PPV=4/6, FNR=1/5, FPR=2/10
    counts = group_confusion([0] * 10 + [1] * 5, [0] * 8 + [1] * 2 + [0] + [1] * 4,
                             sensitive_features=["a"] * 15)
    assert counts.to_numpy().tolist() == [[8, 2, 1, 4]]
    assert chouldechova_fpr(5 / 15, 4 / 6, 1 / 5) == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("args", "match"),
    [((1.0, 0.8, 0.2), r"base_rate must lie in \(0, 1\)"),
     ((0.4, 0.0, 0.2), r"ppv must lie in \(0, 1\]"),
     ((0.4, 0.8, 45), "as a fraction"),
     ((0.4, float("nan"), 0.2), "got NaN")],
)
def test_identity_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        chouldechova_fpr(*args)
    with pytest.raises(TypeError, match="must be a number"):
        chouldechova_fpr("0.4", 0.8, 0.2)


# -------------------------------------------------------------------- binormal ROC
@pytest.mark.parametrize("auc", [0.5, 0.6, 0.75, 0.9, 0.99])
def test_binormal_roc_has_the_requested_auc(auc):
    f = np.linspace(0, 1, 200_001)
    t = binormal_roc(f, auc)
    assert np.trapezoid(t, f) == pytest.approx(auc, abs=2e-4)
    assert np.all(np.diff(t) >= 0)


def test_binormal_roc_bad_auc():
    with pytest.raises(ValueError, match="auc must be >= 0.5"):
        binormal_roc(0.2, 0.3)


# ------------------------------------------------------------ impossibility calculator
def test_calculator_hand_case():
    # AUC chosen so the ROC passes through (FPR 0.2, TPR 0.8): d = 2·Φ⁻¹(0.8)
    from scipy.stats import norm

    auc = float(norm.cdf(2 * norm.ppf(0.8) / np.sqrt(2)))
    r = impossibility_calculator({"A": 0.5, "B": 0.2}, auc=auc, tpr=0.8)
    assert r.fpr == pytest.approx(0.2)
    # shared point: PPV_A = 0.4 / (0.4 + 0.1) = 0.8, PPV_B = 0.16 / (0.16 + 0.16) = 0.5
    np.testing.assert_allclose(r.same_error_rates["ppv"], [0.8, 0.5])
    np.testing.assert_allclose(r.same_error_rates["selection_rate"], [0.5, 0.32])
    # keep PPV 0.8 and FNR 0.2 in B: FPR_B = 0.25 · 0.25 · 0.8 = 0.05, above the ROC
    np.testing.assert_allclose(r.same_ppv_fnr["fpr"], [0.2, 0.05])
    np.testing.assert_allclose(r.same_ppv_fnr["ppv"], [0.8, 0.8])
    assert r.same_ppv_fnr["feasible"].tolist() == [True, False]
    assert r.criteria["holds"].tolist() == [True, False, False, False, False]


def test_calculator_equal_base_rates_or_perfect_classifier_meet_everything():
    assert impossibility_calculator([0.3, 0.3], auc=0.8, tpr=0.6).criteria["holds"].all()
    perfect = impossibility_calculator([0.6, 0.2], auc=1.0, tpr=0.7)
    assert perfect.fpr == 0
    holds = perfect.criteria["holds"]
    assert holds.iloc[:4].all() and not holds.iloc[4]  # selection rates still differ


def test_calculator_lower_base_rate_reference_is_feasible_with_larger_fpr():
    r = impossibility_calculator({"low": 0.4, "high": 0.5}, auc=0.75, tpr=0.7)
    fpr = r.same_ppv_fnr["fpr"]
    assert fpr["high"] > fpr["low"]
    assert r.same_ppv_fnr["feasible"].all()
    # every row satisfies the identity it was built from
    implied = chouldechova_fpr(r.same_ppv_fnr["base_rate"].to_numpy(),
                               r.same_ppv_fnr["ppv"].to_numpy(),
                               r.same_ppv_fnr["fnr"].to_numpy())
    np.testing.assert_allclose(implied, fpr.to_numpy())


def test_balance_is_consistent_with_calibration():
    # calibrated scores average to the base rate: p·E[r|y=1] + (1-p)·E[r|y=0] = p
    r = impossibility_calculator([0.52, 0.39, 0.1], auc=0.72, tpr=0.6)
    b = r.balance
    mean = b["base_rate"] * b["mean_score_positives"] + (1 - b["base_rate"]) * b[
        "mean_score_negatives"]
    np.testing.assert_allclose(mean, b["base_rate"], atol=1e-6)
    # and a Monte-Carlo draw of the same world agrees
    from scipy.stats import norm

    rng = np.random.default_rng(0)
    d = np.sqrt(2) * norm.ppf(0.72)
    s = rng.normal(d, 1, 400_000)
    p = 0.52
    r_pos = p * norm.pdf(s - d) / (p * norm.pdf(s - d) + (1 - p) * norm.pdf(s))
    assert b["mean_score_positives"].iloc[0] == pytest.approx(r_pos.mean(), abs=3e-3)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [(([0.5],), {"auc": 0.7, "tpr": 0.5}, ValueError, "at least two groups"),
     (([0.5, 1.0],), {"auc": 0.7, "tpr": 0.5}, ValueError, "base rate of 'B' must be < 1"),
     (({"x": 0.5, "y": 0},), {"auc": 0.7, "tpr": 0.5}, ValueError, "base rate of 'y'"),
     (("0.5",), {"auc": 0.7, "tpr": 0.5}, TypeError, "base_rates must be a dict"),
     (([0.5, 0.3],), {"auc": 0.4, "tpr": 0.5}, ValueError, "auc must be >= 0.5"),
     (([0.5, 0.3],), {"auc": 0.7, "tpr": 1.0}, ValueError, "tpr must be < 1"),
     (([0.5, 0.3],), {"auc": "high", "tpr": 0.5}, TypeError, "auc must be a number")],
)
def test_calculator_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        impossibility_calculator(*args, **kwargs)


# ----------------------------------------------------------- GroupRecalibrator (lesson 06)
def _miscalibrated(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b"], size=n)
    s = rng.uniform(0.05, 0.95, n)
    truth = np.where(g == "a", s, 0.5 * s)  # in group b the score overstates risk twofold
    y = (rng.random(n) < truth).astype(int)
    return y, s, g


def test_group_recalibrator_isotonic_equals_sklearn_per_group():
    from sklearn.isotonic import IsotonicRegression

    from fairlab.calibration import GroupRecalibrator

    y, s, g = _miscalibrated()
    cal = GroupRecalibrator().fit(y, s, sensitive_features=g)
    out = cal.predict_proba(s, sensitive_features=g)
    for k in ("a", "b"):
        oracle = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
        oracle.fit(s[g == k], y[g == k])
        np.testing.assert_allclose(out[g == k], oracle.predict(s[g == k]), atol=1e-12)


def test_group_recalibrator_sigmoid_equals_platt_per_group_and_fixes_calibration():
    from sklearn.linear_model import LogisticRegression

    from fairlab.calibration import GroupRecalibrator, calibration_difference

    y, s, g = _miscalibrated()
    cal = GroupRecalibrator(method="sigmoid").fit(y, s, sensitive_features=g)
    out = cal.predict_proba(s, sensitive_features=g)
    logit = np.log(s / (1 - s))[:, None]
    platt = LogisticRegression(C=1e6).fit(logit[g == "b"], y[g == "b"])
    np.testing.assert_allclose(out[g == "b"], platt.predict_proba(logit[g == "b"])[:, 1],
                               atol=1e-6)
    # on fresh rows from the same world the per-group calibration gap shrinks
    y2, s2, g2 = _miscalibrated(seed=1)
    before = calibration_difference(y2, s2, sensitive_features=g2)
    after = calibration_difference(y2, cal.predict_proba(s2, sensitive_features=g2),
                                   sensitive_features=g2)
    assert before > 0.1 and after < before / 3
    # ranking within each group is unchanged (monotone map)
    for k in ("a", "b"):
        order = np.argsort(s2[g2 == k])
        assert np.all(np.diff(cal.predict_proba(s2[g2 == k][order],
                                                sensitive_features=g2[g2 == k])) >= 0)


def test_group_recalibrator_errors():
    from fairlab.calibration import GroupRecalibrator

    y, s, g = _miscalibrated(200)
    with pytest.raises(ValueError, match="not fitted yet"):
        GroupRecalibrator().predict_proba(s, sensitive_features=g)
    with pytest.raises(ValueError, match="method"):
        GroupRecalibrator(method="beta").fit(y, s, sensitive_features=g)
    cal = GroupRecalibrator().fit(y, s, sensitive_features=g)
    with pytest.raises(ValueError, match="fit on data that contains every group"):
        cal.predict_proba([0.5], sensitive_features=["c"])
    with pytest.raises(ValueError, match="positives and negatives"):
        GroupRecalibrator().fit([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4],
                                sensitive_features=["a", "a", "b", "b"])
