"""fairlab.metrics against fairlearn (the oracle), scikit-learn and hand counts."""

import warnings

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix, roc_auc_score

from fairlab import metrics as M

GAPS = [
    (M.demographic_parity_difference, flm.demographic_parity_difference),
    (M.demographic_parity_ratio, flm.demographic_parity_ratio),
    (M.equalized_odds_difference, flm.equalized_odds_difference),
    (M.equalized_odds_ratio, flm.equalized_odds_ratio),
    (M.equal_opportunity_difference, flm.equal_opportunity_difference),
    (M.equal_opportunity_ratio, flm.equal_opportunity_ratio),
]


def _random_case(seed, n_groups, n=400):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, n_groups, n)
    # every group gets both labels, so TPR and FPR are defined everywhere
    y = rng.integers(0, 2, n)
    y[: 2 * n_groups] = np.repeat([0, 1], n_groups)
    g[: 2 * n_groups] = np.tile(np.arange(n_groups), 2)
    p = rng.random(n) < rng.uniform(0.2, 0.8, n_groups)[g]
    return y, p.astype(int), np.array([f"g{k}" for k in g])


@pytest.mark.parametrize("n_groups", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("ours", "theirs"), GAPS, ids=lambda f: getattr(f, "__name__", ""))
def test_gaps_equal_fairlearn(ours, theirs, n_groups, seed):
    y, p, g = _random_case(seed, n_groups)
    assert ours(y, p, sensitive_features=g) == pytest.approx(
        theirs(y, p, sensitive_features=g), abs=1e-12)


def test_accuracy_difference_equals_metricframe():
    from sklearn.metrics import accuracy_score

    y, p, g = _random_case(3, 4)
    mf = flm.MetricFrame(metrics=accuracy_score, y_true=y, y_pred=p, sensitive_features=g)
    assert M.accuracy_difference(y, p, sensitive_features=g) == pytest.approx(
        mf.difference(), abs=1e-12)


def test_group_metrics_equals_metricframe_intersectional():
    rng = np.random.default_rng(7)
    n = 3000
    df = pd.DataFrame({"race": rng.choice(["w", "b", "a"], n), "sex": rng.choice(["f", "m"], n)})
    y, p = rng.integers(0, 2, n), rng.integers(0, 2, n)
    ours = M.group_metrics(y, p, sensitive_features=df)
    mf = flm.MetricFrame(
        metrics={"selection_rate": flm.selection_rate, "tpr": flm.true_positive_rate,
                 "fpr": flm.false_positive_rate, "tnr": flm.true_negative_rate,
                 "fnr": flm.false_negative_rate, "count": flm.count},
        y_true=y, y_pred=p, sensitive_features=df)
    theirs = mf.by_group
    for col in theirs.columns:
        np.testing.assert_allclose(ours[col].to_numpy(float),
                                   theirs.loc[ours.index, col].to_numpy(float), atol=1e-12)
    assert ours.index.names == ["race", "sex"]


def test_group_metrics_hand_counted():
    # group a: tp=2 fp=1 fn=1 tn=1 ; group b: tp=0 fp=0 fn=1 tn=2
    y = [1, 1, 0, 1, 0, 1, 0, 0]
    p = [1, 1, 1, 0, 0, 0, 0, 0]
    g = ["a"] * 5 + ["b"] * 3
    m = M.group_metrics(y, p, sensitive_features=g)
    assert m.loc["a"].to_dict() == pytest.approx({
        "count": 5, "base_rate": 3 / 5, "selection_rate": 3 / 5, "tpr": 2 / 3, "fpr": 1 / 2,
        "fnr": 1 / 3, "tnr": 1 / 2, "ppv": 2 / 3, "npv": 1 / 2, "accuracy": 3 / 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", M.UndefinedRateWarning)
        b = M.group_metrics(y, p, sensitive_features=g).loc["b"]
    assert b["tpr"] == 0 and b["accuracy"] == pytest.approx(2 / 3) and np.isnan(b["ppv"])


def test_confusion_matches_sklearn():
    y, p, g = _random_case(1, 3)
    conf = M.group_confusion(y, p, sensitive_features=g)
    for grp in conf.index:
        tn, fp, fn, tp = confusion_matrix(y[g == grp], p[g == grp]).ravel()
        assert conf.loc[grp].tolist() == [tn, fp, fn, tp]


def test_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(2)
    y, _, g = _random_case(2, 3)
    score = np.round(rng.random(len(y)), 1)  # many ties
    m = M.group_metrics(y, y, sensitive_features=g, y_score=score)
    for grp in m.index:
        assert m.loc[grp, "auc"] == pytest.approx(roc_auc_score(y[g == grp], score[g == grp]),
                                                  abs=1e-12)


def test_sample_weight_equals_repeated_rows():
    y, p, g = _random_case(4, 3, n=60)
    w = np.random.default_rng(0).integers(0, 4, len(y))
    rep = np.repeat(np.arange(len(y)), w)
    a = M.group_metrics(y, p, sensitive_features=g, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", M.UndefinedRateWarning)
        b = M.group_metrics(y[rep], p[rep], sensitive_features=g[rep])
    pd.testing.assert_frame_equal(a, b)


def test_categorical_order_and_labels_of_any_type():
    g = pd.Series(pd.Categorical(["lo", "hi", "lo", "hi"], categories=["lo", "hi"]))
    m = M.group_metrics([1, 0, 0, 1], [1, 0, 1, 1], sensitive_features=g)
    assert m.index.tolist() == ["lo", "hi"]
    m = M.group_metrics([1, 0, 0, 1], [1, 0, 1, 1], sensitive_features=[3, 1, 3, 1])
    assert m.index.tolist() == [1, 3]


def test_undefined_rate_warns_and_gap_raises():
    y, p, g = [0, 0, 1, 1], [0, 1, 1, 0], ["a", "a", "b", "b"]
    with pytest.warns(M.UndefinedRateWarning, match=r"tpr for \['a'\]"):
        m = M.group_metrics(y, p, sensitive_features=g)
    assert np.isnan(m.loc["a", "tpr"])
    with pytest.raises(ValueError, match=r"tpr is undefined for groups \['a'\].*Merge them"):
        M.equal_opportunity_difference(y, p, sensitive_features=g)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"y_true": [1, 0, 1], "y_pred": [1, 0]}, "y_pred has 2 entries but y_true has 3"),
    ({"y_true": [1, 0, np.nan], "y_pred": [1, 0, 1]}, "1 missing values"),
    ({"y_true": [1, 2, 0], "y_pred": [1, 0, 1]}, "must be binary.*other values \\[2\\]"),
    ({"y_true": ["yes", "no", "no"], "y_pred": [1, 0, 1]}, "Map them first"),
    ({"y_true": [], "y_pred": []}, "empty"),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0, 1], "sensitive_features": ["a", None, "b"]},
     "1 missing labels.*'unknown'"),
    ({"y_true": [1, 0, 1], "y_pred": [1, 0, 1], "sensitive_features": ["a", "b"]},
     "sensitive_features has 2 entries but y_true has 3"),
])
def test_bad_input_names_the_fix(kwargs, match):
    kwargs.setdefault("sensitive_features", ["a"] * len(kwargs["y_true"]))
    with pytest.raises(ValueError, match=match):
        M.demographic_parity_difference(**kwargs)


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="single value"):
        M.group_metrics(1, [1], sensitive_features=["a"])
    with pytest.raises(TypeError, match="1-D"):
        M.group_metrics(np.zeros((3, 2)), [1, 0, 1], sensitive_features=["a"] * 3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from("abcd")),
                min_size=1, max_size=80), st.randoms(use_true_random=False))
def test_properties_difference_ratio_permutation(rows, rnd):
    y, p, g = map(list, zip(*rows, strict=True))
    d = M.demographic_parity_difference(y, p, sensitive_features=g)
    r = M.demographic_parity_ratio(y, p, sensitive_features=g)
    assert 0 <= d <= 1
    assert np.isnan(r) or 0 <= r <= 1
    order = list(range(len(y)))
    rnd.shuffle(order)
    d2 = M.demographic_parity_difference([y[i] for i in order], [p[i] for i in order],
                                         sensitive_features=[g[i] for i in order])
    assert d2 == pytest.approx(d, abs=1e-12)
    # parity holds exactly when predictions do not depend on the group
    assert M.demographic_parity_difference(y, [1] * len(y), sensitive_features=g) == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from("xyz")),
                min_size=1, max_size=60))
def test_property_group_counts_sum_to_total(rows):
    y, p, g = map(list, zip(*rows, strict=True))
    conf = M.group_confusion(y, p, sensitive_features=g)
    assert conf.to_numpy().sum() == len(y)
    assert conf["tp"].sum() == sum(a and b for a, b in zip(y, p, strict=True))


def test_bootstrap_matches_row_resampling():
    # The multinomial shortcut is the same distribution as resampling rows within groups:
    # compare the interval with a slow, explicit row bootstrap.
    y, p, g = _random_case(5, 3, n=600)
    fast = M.bootstrap_ci(M.demographic_parity_difference, y, p, sensitive_features=g,
                          n_boot=2000, random_state=1)
    rng = np.random.default_rng(9)
    idx = [np.flatnonzero(g == k) for k in np.unique(g)]
    vals = []
    for _ in range(2000):
        rows = np.concatenate([rng.choice(i, len(i)) for i in idx])
        rates = [p[r].mean() for r in np.split(rows, np.cumsum([len(i) for i in idx])[:-1])]
        vals.append(max(rates) - min(rates))
    lo, hi = np.quantile(vals, [0.025, 0.975])
    assert fast.estimate == pytest.approx(
        flm.demographic_parity_difference(y, p, sensitive_features=g), abs=1e-12)
    assert fast.low == pytest.approx(lo, abs=0.015) and fast.high == pytest.approx(hi, abs=0.015)


def test_bootstrap_per_group_rate_and_reproducible():
    y, p, g = _random_case(6, 2, n=500)
    a = M.bootstrap_ci("tpr", y, p, sensitive_features=g, random_state=3)
    b = M.bootstrap_ci("tpr", y, p, sensitive_features=g, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert (a["low"] <= a["estimate"]).all() and (a["estimate"] <= a["high"]).all()
    with pytest.warns(M.UndefinedRateWarning, match="unreliable"):
        tiny = M.bootstrap_ci("tpr", [1, 1, 1, 0, 0, 0] + [1] * 200, [1, 0] * 103,
                              sensitive_features=["s"] * 6 + ["L"] * 200)
    width = tiny["high"] - tiny["low"]
    assert width["s"] > 3 * width["L"]  # a small group gets a wide interval


def test_bootstrap_errors():
    with pytest.raises(TypeError, match="gap functions or a rate name"):
        M.bootstrap_ci(len, [1, 0], [1, 0], sensitive_features=["a", "b"])
    with pytest.raises(ValueError, match="metric must be one of"):
        M.bootstrap_ci("auc", [1, 0], [1, 0], sensitive_features=["a", "b"])
    with pytest.raises(ValueError, match="level must be < 1"):
        M.bootstrap_ci("tpr", [1, 0], [1, 0], sensitive_features=["a", "b"], level=1.5)


def test_importing_metrics_loads_no_plotting_or_widgets():
    import subprocess
    import sys

    code = ("import sys, fairlab.metrics; "
            "print(any(m in sys.modules for m in ('matplotlib', 'ipywidgets', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------ paired bootstrap of a difference (lesson 03)
def _paired_data(n=400, seed=1):
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    y = rng.integers(0, 2, n)
    pa = (rng.random(n) < 0.3 + 0.2 * (g == "a")).astype(int)
    pb = np.where(rng.random(n) < 0.9, pa, 1 - pa)  # b agrees with a on ~90 % of rows
    return y, pa, pb, g


def test_paired_difference_estimate_is_the_difference_of_the_metrics():
    y, pa, pb, g = _paired_data()
    for metric in (M.demographic_parity_difference, M.equalized_odds_difference,
                   M.equal_opportunity_difference):
        ci = M.paired_bootstrap_difference(metric, y, pa, pb, sensitive_features=g, n_boot=50)
        expected = (metric(y, pb, sensitive_features=g) - metric(y, pa, sensitive_features=g))
        assert ci.estimate == pytest.approx(expected, abs=1e-12)


def test_paired_difference_matches_a_brute_force_row_bootstrap():
    # Oracle: resample row indices within each group in a Python loop, score both predictions
    # on the same resample; percentiles agree up to Monte Carlo error.
    y, pa, pb, g = _paired_data()
    rng = np.random.default_rng(7)
    idx = [np.flatnonzero(g == k) for k in np.unique(g)]
    diffs = []
    for _ in range(3000):
        rows = np.concatenate([rng.choice(i, size=len(i)) for i in idx])
        dp = [M.demographic_parity_difference(y[rows], p[rows], sensitive_features=g[rows])
              for p in (pa, pb)]
        diffs.append(dp[1] - dp[0])
    low, high = np.quantile(diffs, [0.025, 0.975])
    ci = M.paired_bootstrap_difference(M.demographic_parity_difference, y, pa, pb,
                                       sensitive_features=g, n_boot=3000, random_state=3)
    assert ci.low == pytest.approx(low, abs=0.012)
    assert ci.high == pytest.approx(high, abs=0.012)


def test_paired_interval_is_narrower_than_the_unpaired_one_and_zero_for_equal_predictions():
    y, pa, pb, g = _paired_data()
    ci = M.paired_bootstrap_difference(M.demographic_parity_difference, y, pa, pb,
                                       sensitive_features=g, n_boot=2000)
    ca = M.bootstrap_ci(M.demographic_parity_difference, y, pa, sensitive_features=g, n_boot=2000)
    cb = M.bootstrap_ci(M.demographic_parity_difference, y, pb, sensitive_features=g, n_boot=2000)
    # unpaired, the two errors add: width about sqrt(wa² + wb²); pairing cancels the shared part
    assert ci.high - ci.low < 0.7 * np.hypot(ca.high - ca.low, cb.high - cb.low)
    same = M.paired_bootstrap_difference(M.demographic_parity_difference, y, pa, pa,
                                         sensitive_features=g, n_boot=100)
    assert tuple(same) == (0.0, 0.0, 0.0)


def test_paired_difference_is_reproducible_and_validates_input():
    y, pa, pb, g = _paired_data(60)
    run = lambda rs: M.paired_bootstrap_difference(  # noqa: E731
        M.demographic_parity_difference, y, pa, pb, sensitive_features=g, random_state=rs)
    assert run(5) == run(5)
    assert run(np.random.default_rng(5)) == run(5)
    with pytest.raises(TypeError, match="Pass e.g. demographic_parity_difference"):
        M.paired_bootstrap_difference(len, y, pa, pb, sensitive_features=g)
    with pytest.raises(ValueError, match="y_pred_b"):
        M.paired_bootstrap_difference(M.demographic_parity_difference, y, pa, pb[:-1],
                                      sensitive_features=g)
    with pytest.raises(TypeError, match="random_state=0"):
        M.paired_bootstrap_difference(M.demographic_parity_difference, y, pa, pb,
                                      sensitive_features=g, random_state="0")
    with pytest.raises(ValueError, match="n_boot must be an integer >= 10"):
        M.paired_bootstrap_difference(M.demographic_parity_difference, y, pa, pb,
                                      sensitive_features=g, n_boot=5)
