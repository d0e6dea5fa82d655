"""Tests for fairlab.training: the zero-gradient trap, surrogates, estimator, sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from fairlearn.metrics import demographic_parity_difference as fl_dp
from fairlearn.metrics import equalized_odds_difference as fl_eodds
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from fairlab.training import (
    PENALTIES,
    FairPenaltyClassifier,
    demographic_parity_surrogate,
    equal_opportunity_surrogate,
    equalized_odds_surrogate,
    error_rate_surrogate,
    hard_error_rate_gap,
    lambda_sweep,
)

FAST = dict(epochs=3, batch_size=80, random_state=0)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # tiny models: one thread avoids OpenMP spin-waits on the shared 2-core machine
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def toy(n=240, seed=0, n_groups=2):
    """Labels that depend on the group, so an unconstrained model has a DP gap."""
    rng = np.random.default_rng(seed)
    s = np.array(list("abcd"[:n_groups]))[rng.integers(0, n_groups, n)]
    shift = (s == "a").astype(float)
    X = np.column_stack([rng.normal(size=n) + shift, rng.normal(size=n), shift])
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0.5).astype(int)
    return X, y, s


# ------------------------------------------------------------------ zero gradient
def test_argmax_penalty_is_detached_and_lambda_changes_no_gradient():
    torch.manual_seed(0)
    w = torch.randn(3, requires_grad=True)
    X = torch.randn(20, 3)
    y = (torch.rand(20) > 0.5).float()
    s = torch.arange(20) % 2
    grads = []
    for lam in (0.0, 1.0, 100.0):
        p = torch.sigmoid(X @ w)
        task = torch.nn.functional.binary_cross_entropy(p, y)
        pen = hard_error_rate_gap(p, s, y)
        assert not pen.requires_grad and pen.grad_fn is None
        (g,) = torch.autograd.grad(task + lam * pen, w)
        grads.append(g)
    assert torch.equal(grads[0], grads[1]) and torch.equal(grads[0], grads[2])
    # the smooth error-rate surrogate does change the gradient
    p = torch.sigmoid(X @ w)
    (g_soft,) = torch.autograd.grad(error_rate_surrogate(p, s, y), w)
    assert g_soft.abs().sum() > 0


def test_rounded_error_rate_has_exactly_zero_gradient():
    # the other face of the trap: round() keeps a graph but its derivative is 0
    w = torch.tensor([0.3, -0.2], requires_grad=True)
    X = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-1.0, 0.3], [2.0, 1.0]])
    y = torch.tensor([1.0, 0.0, 1.0, 0.0])
    wrong = (torch.round(torch.sigmoid(X @ w)) - y).abs()
    gap = wrong[:2].mean() - wrong[2:].mean()
    (g,) = torch.autograd.grad(gap, w)
    assert torch.equal(g, torch.zeros(2))


def test_training_with_hard_penalty_does_not_move_with_lambda():
    X, y, s = toy()
    frame, models = lambda_sweep(X, y, s, [0.0, 1.0, 10.0], penalty="hard_error_rate",
                                 progress=False, **FAST)
    probs = [m.predict_proba(X)[:, 1] for m in models]
    # identical up to float rounding (the stacked matmul may round model columns apart)
    np.testing.assert_allclose(probs[0], probs[1], atol=1e-6)
    np.testing.assert_allclose(probs[0], probs[2], atol=1e-6)
    assert frame["accuracy"].nunique() == 1
    # while the smooth surrogate moves the models a lot
    soft = lambda_sweep(X, y, s, [0.0, 10.0], penalty="error_rate", progress=False, **FAST)
    assert np.abs(soft.proba["train"][0] - soft.proba["train"][1]).max() > 0.05


# ------------------------------------------------------------------- surrogates
GROUPS = torch.tensor([0, 0, 1, 1])


@pytest.mark.parametrize("name", ["demographic_parity", "equal_opportunity", "equalized_odds",
                                  "error_rate"])
def test_surrogate_gradient_narrows_the_gap(name):
    # group 0 scores high and group 1 low, for positives and negatives alike
    logits = torch.tensor([2.0, 1.0, -1.0, -2.0, 1.5, -1.5], requires_grad=True)
    groups = torch.tensor([0, 0, 1, 1, 0, 1])
    y = torch.tensor([1, 0, 1, 0, 1, 1])
    if name == "error_rate":  # group 0's positives are right, group 1's wrong
        y = torch.tensor([1, 1, 1, 1, 1, 1])
    fn = PENALTIES[name]
    gap = fn(torch.sigmoid(logits), groups, y)
    (g,) = torch.autograd.grad(gap, logits)
    assert g.abs().sum() > 0
    # a small gradient step lowers the surrogate
    assert fn(torch.sigmoid(logits - 0.1 * g), groups, y) < gap
    # the right way: for rows that count, group 0 is pushed down, group 1 up
    counted = g != 0
    assert (g[counted & (groups == 0)] >= 0).all() and (g[counted & (groups == 1)] <= 0).all()


def test_surrogates_by_hand():
    p = torch.tensor([0.9, 0.7, 0.2, 0.4])
    y = torch.tensor([1, 0, 1, 0])
    assert float(demographic_parity_surrogate(p, GROUPS)) == pytest.approx(0.8 - 0.3)
    assert float(equal_opportunity_surrogate(p, GROUPS, y)) == pytest.approx(0.9 - 0.2)
    assert float(equalized_odds_surrogate(p, GROUPS, y)) == pytest.approx(max(0.7, 0.3))
    ll = -np.log([0.9, 0.3, 0.2, 0.6])
    assert float(error_rate_surrogate(p, GROUPS, y)) == pytest.approx(
        abs(ll[:2].mean() - ll[2:].mean()), rel=1e-5)


def test_surrogate_on_hard_probabilities_equals_fairlearn():
    # with 0/1 "probabilities" the soft gaps are the hard gaps; three groups → largest gap
    rng = np.random.default_rng(3)
    s = rng.integers(0, 3, 300)
    y = rng.integers(0, 2, 300)
    pred = (rng.random(300) < 0.3 + 0.2 * s).astype(int)
    p, st, yt = (torch.tensor(a) for a in (pred.astype(np.float64), s, y))
    assert float(demographic_parity_surrogate(p, st)) == pytest.approx(
        fl_dp(y, pred, sensitive_features=s))
    assert float(equalized_odds_surrogate(p, st, yt)) == pytest.approx(
        fl_eodds(y, pred, sensitive_features=s))


def test_surrogate_batched_over_models_and_one_hot_input():
    p = torch.tensor([[0.9, 0.7, 0.2, 0.4], [0.5, 0.5, 0.5, 0.5]])
    onehot = torch.nn.functional.one_hot(GROUPS, 2)
    out = demographic_parity_surrogate(p, onehot)
    assert out.shape == (2,)
    assert out.tolist() == pytest.approx([0.5, 0.0])


def test_group_absent_from_batch_is_left_out():
    p = torch.tensor([0.9, 0.7, 0.2], requires_grad=True)
    gap = demographic_parity_surrogate(p, torch.nn.functional.one_hot(
        torch.tensor([0, 0, 2]), 3))  # group 1 has no rows
    assert float(gap.detach()) == pytest.approx(0.6)
    assert float(demographic_parity_surrogate(p, torch.tensor([1, 1, 1])).detach()) == 0.0


# -------------------------------------------------------------------- estimator
@parametrize_with_checks([FairPenaltyClassifier(lam=0.0, epochs=12, batch_size=100, lr=0.05,
                                                random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    # lam=0 needs no sensitive_features, which the generic checks cannot pass
    check(estimator)


def test_deterministic_given_random_state_and_clone():
    X, y, s = toy()
    a = FairPenaltyClassifier(lam=1.0, **FAST).fit(X, y, sensitive_features=s)
    b = clone(a).fit(X, y, sensitive_features=s)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.get_params()["lam"] == 1.0
    assert a.set_params(lam=2.0).lam == 2.0


def test_lambda_narrows_the_train_gap():
    X, y, s = toy(600)
    gaps = [fl_dp(y, FairPenaltyClassifier(lam=lam, epochs=15, batch_size=200, lr=0.05,
                                           random_state=0)
                  .fit(X, y, sensitive_features=s).predict(X), sensitive_features=s)
            for lam in (0.0, 3.0)]
    assert gaps[1] < gaps[0] - 0.2


def test_string_labels_and_predict_returns_them():
    X, y, s = toy()
    labels = np.where(y == 1, ">50K", "<=50K")
    clf = FairPenaltyClassifier(lam=0.5, **FAST).fit(X, labels, sensitive_features=s)
    assert set(clf.predict(X)) <= {">50K", "<=50K"}
    assert clf.classes_.tolist() == ["<=50K", ">50K"]


def test_pipeline_with_fit_params_and_metadata_routing():
    import sklearn

    X, y, s = toy()
    pipe = make_pipeline(StandardScaler(), FairPenaltyClassifier(lam=1.0, **FAST))
    pipe.fit(X, y, fairpenaltyclassifier__sensitive_features=s)
    direct = FairPenaltyClassifier(lam=1.0, **FAST).fit(
        StandardScaler().fit_transform(X), y, sensitive_features=s)
    np.testing.assert_allclose(pipe.predict_proba(X), direct.predict_proba(
        StandardScaler().fit(X).transform(X)), atol=1e-6)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = FairPenaltyClassifier(lam=1.0, **FAST).set_fit_request(sensitive_features=True)
        routed = make_pipeline(StandardScaler(), clf).fit(X, y, sensitive_features=s)
        np.testing.assert_allclose(routed.predict_proba(X), pipe.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize(("kwargs", "fit_kw", "match"), [
    (dict(lam=-0.5), {}, "lam must be >= 0"),
    (dict(penalty="parity"), {}, "penalty must be one of"),
    (dict(lam=1.0), dict(sensitive_features=None), "needs sensitive_features"),
    (dict(lam=1.0), dict(sensitive_features=["a"] * 240), "at least 2 distinct"),
    (dict(hidden=(0,)), {}, "at least one layer size"),
    (dict(epochs=0), {}, "epochs must be >= 1; got 0"),
])
def test_clear_errors(kwargs, fit_kw, match):
    X, y, s = toy()
    fit_kw = {"sensitive_features": s, **fit_kw}
    with pytest.raises(ValueError, match=match):
        FairPenaltyClassifier(**{**FAST, **kwargs}).fit(X, y, **fit_kw)


def test_three_classes_is_a_clear_error():
    X, _, s = toy()
    with pytest.raises(ValueError, match="choose the positive class"):
        FairPenaltyClassifier(**FAST).fit(X, np.arange(240) % 3, sensitive_features=s)


# ------------------------------------------------------------------------ sweep
def test_batched_sweep_equals_sequential_fits():
    X, y, s = toy(400, n_groups=3)
    lams = [0.0, 0.5, 2.0]
    sweep = lambda_sweep(X, y, s, lams, penalty="equalized_odds", progress=False, **FAST)
    for lam, model, proba in zip(lams, sweep.models, sweep.proba["train"], strict=True):
        alone = FairPenaltyClassifier(penalty="equalized_odds", lam=lam, **FAST).fit(
            X, y, sensitive_features=s)
        np.testing.assert_allclose(alone.predict_proba(X)[:, 1], proba, atol=1e-4)
        np.testing.assert_allclose(model.predict_proba(X)[:, 1], proba, atol=1e-5)


def test_sweep_frame_matches_fairlearn_on_test_split():
    X, y, s = toy(400, n_groups=3)
    Xt, yt, st = toy(300, seed=1, n_groups=3)
    sweep = lambda_sweep(X, y, s, [0.0, 1.0], X_test=Xt, y_test=yt, sensitive_features_test=st,
                         progress=False, **FAST)
    frame = sweep.frame
    assert list(frame.columns) == ["lam", "split", "accuracy", "dp_gap", "eo_gap",
                                   "eodds_gap", "error_rate_gap"]
    assert frame["split"].tolist() == ["train", "train", "test", "test"]
    assert sweep.row(0.9)["lam"] == 1.0 and sweep.row(0.9)["split"] == "test"
    assert sweep.gap_column == "dp_gap"
    for i, model in enumerate(sweep.models):
        pred = model.predict(Xt)
        row = frame[frame.split == "test"].iloc[i]
        assert row["accuracy"] == pytest.approx((pred == yt).mean())
        assert row["dp_gap"] == pytest.approx(fl_dp(yt, pred, sensitive_features=st))
        assert row["eodds_gap"] == pytest.approx(fl_eodds(yt, pred, sensitive_features=st))


@pytest.mark.parametrize(("lams", "s", "match"), [
    ([0.0, -1.0], None, "every lam must be >= 0"),
    ([], None, "lams is empty"),
    ([1.0], ["a"] * 240, "at least 2 distinct"),
])
def test_sweep_errors(lams, s, match):
    X, y, s0 = toy()
    with pytest.raises(ValueError, match=match):
        lambda_sweep(X, y, s0 if s is None else s, lams, progress=False, **FAST)


def test_sweep_unknown_penalty_and_partial_test_split():
    X, y, s = toy()
    with pytest.raises(ValueError, match="penalty must be one of"):
        lambda_sweep(X, y, s, [1.0], penalty="fair", **FAST)
    with pytest.raises(ValueError, match="or none of them"):
        lambda_sweep(X, y, s, [1.0], X_test=X, progress=False, **FAST)


def test_sweep_accepts_pandas_inputs():
    X, y, s = toy()
    sweep = lambda_sweep(pd.DataFrame(X, columns=list("abc")), pd.Series(y),
                         pd.Series(pd.Categorical(s)), [0.0], progress=False, **FAST)
    assert sweep.frame.shape[0] == 1
    frame, models = sweep
    assert len(models) == 1


# ------------------------------------------------------------- property test
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1), st.integers(0, 1)),
                min_size=4, max_size=60))
def test_soft_gaps_on_hard_predictions_equal_the_metrics(rows):
    # on 0/1 "probabilities" each soft gap is the hard gap (largest minus smallest group)
    s, y, pred = (np.array(c) for c in zip(*rows, strict=True))
    if len(np.unique(s)) < 2:
        return
    p = torch.tensor(pred, dtype=torch.float64)
    expected = fl_dp(y, pred, sensitive_features=s)
    assert float(demographic_parity_surrogate(p, torch.tensor(s))) == pytest.approx(expected)
    pos = y == 1
    if len(np.unique(s[pos])) >= 2:
        rates = [pred[pos & (s == g)].mean() for g in np.unique(s[pos])]
        assert float(equal_opportunity_surrogate(p, torch.tensor(s), torch.tensor(y))) == \
            pytest.approx(max(rates) - min(rates))
