"""Tests for fairlab.adversarial: the Zhang et al. update, estimator, sweep, audit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fairlearn.metrics import demographic_parity_difference as fl_dp
from fairlearn.metrics import equalized_odds_difference as fl_eodds
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_random_state

from fairlab._nn import init_params
from fairlab.adversarial import (
    AdversarialClassifier,
    adversary_baseline,
    adversary_sweep,
    audit_adversary,
    zhang_update,
)
from fairlab.training import FairPenaltyClassifier, lambda_sweep

FAST = dict(epochs=3, batch_size=80, random_state=0)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def toy(n=240, seed=0, n_groups=2):
    """Labels that depend on the group, so an unconstrained model has a DP gap."""
    rng = np.random.default_rng(seed)
    s = rng.choice(np.array(["a", "b", "c"][:n_groups]), n)
    X = np.column_stack([rng.normal(size=n) + (s == "a"), rng.normal(size=n), s == "a"])
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0.5).astype(int)
    return X, y, s


# ------------------------------------------------------------------ the update
def test_zhang_update_by_hand():
    # gP = (3, 1), gA = (1, 0): proj = (3, 0); gP − proj − 1·gA = (−1, 1)
    np.testing.assert_allclose(zhang_update([3, 1], [1, 0], 1.0), [-1, 1])
    np.testing.assert_allclose(zhang_update([3, 1], [1, 0], 1.0, projection=False), [2, 1])
    np.testing.assert_allclose(zhang_update([3, 1], [1, 0], 0.0), [3, 1])  # adversary off


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=6, max_size=6), st.floats(0.01, 5))
def test_zhang_update_never_helps_the_adversary(values, alpha):
    # after the projection, the step −g has no component that lowers L_A:
    # g · gA = −α |gA|², so −g · ∇L_A = α|gA|² >= 0 (the adversary's loss goes up).
    gp, ga = np.array(values[:3]), np.array(values[3:])
    g = zhang_update(gp, ga, alpha)
    assert g @ ga == pytest.approx(-alpha * (ga @ ga), abs=1e-6 * (1 + gp @ gp + ga @ ga))


def test_zhang_update_errors():
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        zhang_update([1.0], [1.0], -1.0)
    with pytest.raises(ValueError, match="same weights"):
        zhang_update([1.0, 2.0], [1.0], 1.0)


def _first_step_reference(X, y, s, alpha, lr, projection):
    """One full-batch step computed independently: plain torch modules + zhang_update.

    Adam's first step is lr · g / (|g| + eps) per weight, i.e. −lr·sign(g).
    """
    seed = int(check_random_state(0).randint(2**31 - 1))
    W0, b0, W1, b1 = [p.double().requires_grad_(True) for p in init_params(3, (4,), seed)]
    gen = torch.Generator().manual_seed(seed + 2)
    adv = []
    for a, b in ((1, 3), (3, 2)):  # the adversary's initial weights, as the module draws them
        bound = 1.0 / np.sqrt(a)
        adv.append(((torch.rand(a, b, generator=gen) * 2 - 1) * bound).double())
        adv.append(((torch.rand(1, b, generator=gen) * 2 - 1) * bound).double())
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    z = (torch.relu(Xt @ W0 + b0) @ W1 + b1)[:, 0]
    task = torch.nn.functional.binary_cross_entropy_with_logits(z, yt)
    h = torch.relu(z[:, None] @ adv[0] + adv[1]) @ adv[2] + adv[3]
    adv_loss = torch.nn.functional.cross_entropy(h, torch.tensor((s == "b").astype(np.int64)))
    params = [W0, b0, W1, b1]
    gp = torch.cat([g.reshape(-1) for g in torch.autograd.grad(task, params,
                                                                 retain_graph=True)]).numpy()
    ga = torch.cat([g.reshape(-1) for g in torch.autograd.grad(adv_loss, params)]).detach().numpy()
    g = zhang_update(gp, ga, alpha, projection=projection)
    w0 = torch.cat([p.detach().reshape(-1) for p in params]).numpy()
    return w0 - lr * np.sign(g), np.abs(g)


@pytest.mark.parametrize("projection", [True, False])
def test_training_step_is_zhangs_update(projection):
    X, y, s = toy(n=64)
    lr = 1e-3
    clf = AdversarialClassifier(alpha=0.7, hidden=(4,), adversary_hidden=(3,), epochs=1, lr=lr,
                                batch_size=64, projection=projection, random_state=0)
    clf.fit(X, y, sensitive_features=s)
    got = np.concatenate([a.reshape(-1) for pair in zip(clf.coefs_, clf.intercepts_,
                                                        strict=True) for a in pair])
    expected, size = _first_step_reference(X, y, s, 0.7, lr, projection)
    clear = size > 1e-5  # where |g| is tiny, Adam's eps makes the step smaller than lr
    assert clear.mean() > 0.5
    np.testing.assert_allclose(got[clear], expected[clear], atol=1e-6)


# ----------------------------------------------------------------- estimator
def test_alpha_zero_is_lesson_04s_plain_model():
    # α = 0 switches the adversary off: same seed → the same MLP as FairPenaltyClassifier(lam=0)
    X, y, s = toy()
    a = AdversarialClassifier(alpha=0.0, **FAST).fit(X, y, sensitive_features=s)
    b = FairPenaltyClassifier(lam=0.0, **FAST).fit(X, y, sensitive_features=s)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)


def test_adversary_lowers_the_dp_gap_against_fairlearn():
    X, y, s = toy(n=400)
    kw = dict(epochs=60, lr=0.05, batch_size=400, random_state=0)
    plain = AdversarialClassifier(alpha=0.0, **kw).fit(X, y, sensitive_features=s)
    fair = AdversarialClassifier(alpha=1.0, **kw).fit(X, y, sensitive_features=s)
    gap_plain = fl_dp(y, plain.predict(X), sensitive_features=s)
    gap_fair = fl_dp(y, fair.predict(X), sensitive_features=s)
    assert gap_plain > 0.2
    assert gap_fair < gap_plain - 0.1


def test_deterministic_clone_and_params():
    X, y, s = toy()
    a = AdversarialClassifier(alpha=1.0, **FAST).fit(X, y, sensitive_features=s)
    b = clone(a).fit(X, y, sensitive_features=s)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.get_params()["alpha"] == 1.0
    assert a.set_params(alpha=0.5).alpha == 0.5
    c = AdversarialClassifier(alpha=1.0, **{**FAST, "random_state": 1})
    assert not np.allclose(c.fit(X, y, sensitive_features=s).predict_proba(X),
                           b.predict_proba(X))


def test_history_records_the_final_adversary():
    X, y, s = toy()
    clf = AdversarialClassifier(alpha=1.0, **FAST).fit(X, y, sensitive_features=s)
    h = clf.history_
    assert list(h.columns) == ["epoch", "task_loss", "adversary_loss", "adversary_accuracy",
                               "adversary_auc", "dp_gap"]
    assert h["epoch"].tolist() == [1, 2, 3]
    # the last epoch's row is the fitted adversary and predictor, recomputed here
    codes = (s == "b").astype(int)
    p = clf.adversary_proba(X)
    last = h.iloc[-1]
    assert last["adversary_accuracy"] == pytest.approx((p.argmax(1) == codes).mean(), abs=1e-6)
    assert last["adversary_auc"] == pytest.approx(roc_auc_score(codes, p[:, 1]), abs=1e-6)
    ll = -np.log(p[np.arange(len(codes)), codes]).mean()
    assert last["adversary_loss"] == pytest.approx(ll, abs=1e-4)
    assert last["dp_gap"] == pytest.approx(fl_dp(y, clf.predict(X), sensitive_features=s),
                                           abs=1e-9)
    assert clf.baseline_ == pytest.approx(max(codes.mean(), 1 - codes.mean()))


def test_three_groups_and_equalized_odds_target():
    X, y, s = toy(n_groups=3)
    clf = AdversarialClassifier(alpha=1.0, target="equalized_odds", **FAST)
    clf.fit(X, y, sensitive_features=s)
    p = clf.adversary_proba(X, y)
    assert p.shape == (len(y), 3)
    np.testing.assert_allclose(p.sum(1), 1)
    assert clf.history_["adversary_auc"].isna().all()  # AUC needs two groups
    with pytest.raises(ValueError, match="pass y"):
        clf.adversary_proba(X)


def test_string_labels_round_trip():
    X, y, s = toy()
    labels = np.where(y == 1, ">50K", "<=50K")
    clf = AdversarialClassifier(alpha=0.5, **FAST).fit(X, labels, sensitive_features=s)
    assert set(clf.predict(X)) <= {">50K", "<=50K"}


@pytest.mark.parametrize("kwargs, fit_s, match", [
    (dict(alpha=-0.5), "ok", "alpha must be >= 0"),
    (dict(target="fair"), "ok", "target must be one of"),
    (dict(adversary_hidden=(0,)), "ok", "adversary_hidden must hold"),
    (dict(adversary_lr=0.0), "ok", "adversary_lr must be > 0"),
    (dict(), "one", "only one group"),
    (dict(), None, "needs the group of every training row"),
    (dict(), "nan", "missing labels"),
])
def test_fit_errors(kwargs, fit_s, match):
    X, y, s = toy()
    sens = {"ok": s, "one": np.repeat("a", len(y)), None: None,
            "nan": np.where(np.arange(len(y)) == 0, None, s)}[fit_s]
    with pytest.raises(ValueError, match=match):
        AdversarialClassifier(**{**FAST, **kwargs}).fit(X, y, sensitive_features=sens)


# ---------------------------------------------------------------------- sweep
@pytest.fixture(scope="module")
def sweep():
    X, y, s = toy(n=300)
    Xt, yt, st_ = toy(n=200, seed=1)
    return adversary_sweep(X, y, s, [0.0, 0.5, 2.0], X_test=Xt, y_test=yt,
                           sensitive_features_test=st_,
                           epochs=4, batch_size=100, lr=0.05, random_state=0, progress=False)


def test_sweep_frame_against_fairlearn(sweep):
    f = sweep.frame
    assert list(f.columns[:7]) == ["alpha", "split", "accuracy", "dp_gap", "eo_gap",
                                   "eodds_gap", "error_rate_gap"]
    for split in ("train", "test"):
        rows = f[f.split == split].reset_index(drop=True)
        X, y, s = sweep.X[split], sweep.y[split], sweep.sensitive_features[split]
        for i, model in enumerate(sweep.models):
            pred = model.predict(X)
            assert rows.loc[i, "accuracy"] == pytest.approx((pred == y).mean())
            assert rows.loc[i, "dp_gap"] == pytest.approx(fl_dp(y, pred, sensitive_features=s))
            assert rows.loc[i, "eodds_gap"] == pytest.approx(
                fl_eodds(y, pred, sensitive_features=s))
            audit = audit_adversary(sweep.proba["train"][i], sweep.sensitive_features["train"],
                                    scores_test=model.predict_proba(X)[:, 1],
                                    sensitive_features_test=s)
            assert rows.loc[i, "audit_accuracy"] == pytest.approx(audit.accuracy)
            assert rows.loc[i, "audit_auc"] == pytest.approx(audit.auc, abs=1e-6)
    # the baseline guesses the TRAINING majority group, on every split
    labels, counts = np.unique(sweep.sensitive_features["train"], return_counts=True)
    majority = labels[counts.argmax()]
    assert sweep.baseline["train"] == adversary_baseline(sweep.sensitive_features["train"])
    assert sweep.baseline["test"] == pytest.approx(
        (sweep.sensitive_features["test"] == majority).mean())


def test_sweep_models_equal_single_fits(sweep):
    X, y, s = sweep.X["train"], sweep.y["train"], sweep.sensitive_features["train"]
    single = AdversarialClassifier(alpha=0.5, **sweep.params).fit(X, y, sensitive_features=s)
    np.testing.assert_allclose(single.predict_proba(X), sweep.models[1].predict_proba(X),
                               atol=1e-4)
    hist = sweep.curve(0.5).drop(columns="alpha")
    np.testing.assert_allclose(single.history_.to_numpy(float), hist.to_numpy(float),
                               atol=1e-4)


def test_sweep_alpha_zero_matches_lambda_sweep(sweep):
    X, y, s = sweep.X["train"], sweep.y["train"], sweep.sensitive_features["train"]
    lam = lambda_sweep(X, y, s, [0.0], epochs=4, batch_size=100, lr=0.05, random_state=0,
                       progress=False)
    np.testing.assert_allclose(lam.proba["train"][0], sweep.proba["train"][0], atol=1e-6)


def test_sweep_helpers(sweep):
    assert sweep.row(0.6)["alpha"] == 0.5
    assert sweep.gap_column == "dp_gap"
    assert len(sweep.curve(2.0)) == 4
    frame, models = sweep
    assert len(models) == 3 and frame is sweep.frame


def test_sweep_errors():
    X, y, s = toy()
    with pytest.raises(ValueError, match="every alpha must be >= 0"):
        adversary_sweep(X, y, s, [0.0, -1.0], progress=False, **FAST)
    with pytest.raises(ValueError, match="alphas is empty"):
        adversary_sweep(X, y, s, [], progress=False, **FAST)
    with pytest.raises(ValueError, match="or none of them"):
        adversary_sweep(X, y, s, [1.0], X_test=X, progress=False, **FAST)
    with pytest.raises(ValueError, match="groups it was trained on"):
        adversary_sweep(X, y, s, [1.0], X_test=X, y_test=y,
                        sensitive_features_test=np.repeat("z", len(y)), progress=False, **FAST)


# ---------------------------------------------------------------------- audit
def test_audit_by_hand_and_sklearn_auc():
    # bins=2 cuts at the median 0.5: cell 0 = {a, a, b}, cell 1 = {a, b, b}
    scores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9]
    s = ["a", "a", "b", "a", "b", "b"]
    audit = audit_adversary(scores, s, bins=2)
    assert audit.accuracy == pytest.approx(4 / 6)
    assert audit.baseline == 0.5
    share_b = np.array([1 / 3] * 3 + [2 / 3] * 3)
    assert audit.auc == pytest.approx(roc_auc_score(np.array(s) == "b", share_b))


def test_audit_equalized_odds_sees_the_label():
    # within each label, the score tells nothing; but the label itself tells the group
    scores = np.array([0.5] * 8)
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    s = np.array(["a", "a", "a", "b", "b", "b", "b", "a"])
    assert audit_adversary(scores, s).advantage == 0.0
    assert audit_adversary(scores, s, y=y).accuracy == 0.75


def test_audit_held_out():
    rng = np.random.default_rng(0)
    s = rng.choice(["a", "b"], 400, p=[0.7, 0.3])
    scores = rng.normal(size=400) + (s == "b")
    audit = audit_adversary(scores[:200], s[:200], scores_test=scores[200:],
                            sensitive_features_test=s[200:])
    assert audit.baseline == pytest.approx((s[200:] == "a").mean())
    assert 0.65 < audit.auc < 0.85  # a unit shift: the true AUC is Φ(1/√2) ≈ 0.76


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_audit_only_sees_the_order_of_scores(seed):
    rng = np.random.default_rng(seed)
    s = rng.choice(["a", "b", "c"], 60)
    p = rng.uniform(0.01, 0.99, 60)
    assert audit_adversary(p, s) == audit_adversary(np.log(p / (1 - p)), s)


@pytest.mark.parametrize("kwargs, match", [
    (dict(bins=0), "bins must be >= 1; got 0"),
    (dict(scores_test=[0.1]), "or none of them"),
    (dict(scores_test=[0.1, 0.2], sensitive_features_test=["a", "z"]), "same groups"),
    (dict(scores_test=[0.1, 0.2], sensitive_features_test=["a"]), "one group label per row"),
])
def test_audit_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        audit_adversary([0.1, 0.9, 0.4], ["a", "b", "a"], **kwargs)
    with pytest.raises(ValueError, match="NaN"):
        audit_adversary([0.1, np.nan], ["a", "b"])


def test_equalized_odds_adversary_sees_the_label_and_narrows_error_gaps():
    # base rates differ by group and one feature carries group × label, so a plain model
    # has unequal error rates; the adversary that also sees y must push them together
    rng = np.random.default_rng(0)
    n = 600
    s = rng.choice(["a", "b"], n)
    y = (rng.random(n) < np.where(s == "a", 0.6, 0.3)).astype(int)
    X = np.column_stack([y + rng.normal(size=n), s == "a",
                         (s == "a") * y + 0.5 * rng.normal(size=n)])
    kw = dict(target="equalized_odds", epochs=60, lr=0.05, batch_size=600, random_state=0)
    plain = AdversarialClassifier(alpha=0.0, **kw).fit(X, y, sensitive_features=s)
    fair = AdversarialClassifier(alpha=3.0, **kw).fit(X, y, sensitive_features=s)
    # wiring: the adversary's answer depends on the label it is shown
    assert not np.allclose(fair.adversary_proba(X, y), fair.adversary_proba(X, 1 - y))
    gap_plain = fl_eodds(y, plain.predict(X), sensitive_features=s)
    gap_fair = fl_eodds(y, fair.predict(X), sensitive_features=s)
    assert gap_plain > 0.3
    assert gap_fair < gap_plain / 2


def test_importing_adversarial_loads_no_plotting_or_widgets():
    import subprocess
    import sys

    code = ("import sys, fairlab.adversarial; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


@parametrize_with_checks([AdversarialClassifier(alpha=0.0, epochs=12, batch_size=100, lr=0.05,
                                                random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    # alpha=0 needs no sensitive_features, which the generic checks cannot pass
    # (the same set-up as FairPenaltyClassifier's checks in test_training.py)
    check(estimator)
