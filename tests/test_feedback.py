"""fairlab.feedback: the clickbait feed and its agent, raters, the Bradley–Terry reward model.

Oracles: scipy.optimize on the same likelihood, scikit-learn's LogisticRegression on
feature differences (Bradley–Terry with a linear reward is that model), the closed form
log(k / (n - k)) for two items, and hand counts.
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.linear_model import LogisticRegression

from fairlab.feedback import (
    BradleyTerryRewardModel,
    Feed,
    PolicyGradientAgent,
    feedback_grid,
    make_candidates,
    make_feed,
    reward_report,
    simulate_comparisons,
)


@pytest.fixture(scope="module")
def cands():
    return make_candidates(60, random_state=3)


@pytest.fixture(scope="module")
def small_grid():
    return feedback_grid(make_candidates(40, random_state=1), biases=[0.0, 1.0],
                         n_comparisons=[100, 1000, 4000], n_audit=400, random_state=2)


# ------------------------------------------------------------------------- the feed
def test_feed_uniform_policy_matches_hand_averages():
    feed = make_feed(500, random_state=4)
    ev = feed.evaluate([0.0, 0.0])
    assert ev["proxy_reward"] == pytest.approx(feed.click_prob.mean())
    assert ev["true_objective"] == pytest.approx(feed.true_value.mean())
    assert ev["clickbait_share"] == pytest.approx(feed.clickbait.mean())
    for g in feed.groups:
        assert ev[f"exposure_{g}"] == pytest.approx((feed.group == g).mean())
    # click model and satisfaction, recomputed from the stated formulas
    np.testing.assert_allclose(feed.click_prob,
                               expit(-1.5 + 0.4 * feed.quality + 2.0 * feed.clickbait))
    np.testing.assert_allclose(feed.true_value, feed.quality - 3.0 * feed.clickbait)


def test_feed_clickbait_rates_by_group():
    feed = make_feed(20000, clickbait_rate={"A": 0.2, "B": 0.05}, random_state=0)
    rate = pd.Series(feed.clickbait).groupby(feed.group).mean()
    assert rate["A"] == pytest.approx(0.2, abs=0.015)
    assert rate["B"] == pytest.approx(0.05, abs=0.01)


def test_policy_softmax_and_errors():
    feed = make_feed(50, random_state=1)
    p = feed.policy([1.0, -2.0])
    z = feed.quality - 2.0 * feed.clickbait
    np.testing.assert_allclose(p, np.exp(z) / np.exp(z).sum())
    with pytest.raises(ValueError, match="2 finite weights"):
        feed.policy([1.0])


def test_agent_on_clicks_games_the_proxy():
    """The lesson's claim: proxy up, true objective up then down, clickbait takes over."""
    feed = make_feed()
    h = PolicyGradientAgent(random_state=0).fit(feed).history_
    assert h.proxy_reward.iloc[-1] > 3 * h.proxy_reward.iloc[0]
    peak = h.true_objective.idxmax()
    assert 0 < peak < len(h) - 50
    assert h.true_objective.iloc[-1] < h.true_objective.iloc[0] < h.true_objective.max()
    assert h.clickbait_share.iloc[-1] > 0.9 > 0.1 > h.clickbait_share.iloc[0]
    # the proxy keeps climbing after the true objective peaks
    assert h.proxy_reward.iloc[-1] > h.proxy_reward.iloc[peak] + 0.2


def test_agent_on_true_objective_avoids_clickbait():
    feed = make_feed()
    h = PolicyGradientAgent("true", random_state=0).fit(feed).history_
    assert h.true_objective.iloc[-1] > 2
    assert h.clickbait_share.iloc[-1] < 0.01
    assert (h.theta_clickbait.iloc[-1] < 0) and (h.theta_quality.iloc[-1] > 0)


def test_agent_is_deterministic_and_validates():
    feed = make_feed(300, random_state=2)
    a = PolicyGradientAgent(n_steps=20, random_state=5).fit(feed).history_
    b = PolicyGradientAgent(n_steps=20, random_state=5).fit(feed).history_
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 21
    with pytest.raises(ValueError, match="reward must be one of"):
        PolicyGradientAgent("clicks").fit(feed)
    with pytest.raises(TypeError, match="Feed from make_feed"):
        PolicyGradientAgent().fit(feed.features)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        PolicyGradientAgent(learning_rate=0).fit(feed)
    with pytest.raises(TypeError, match="n_steps must be an integer; got"):
        PolicyGradientAgent(n_steps=2.5).fit(feed)


def test_make_feed_errors():
    with pytest.raises(ValueError, match=r"clickbait_rate\['B'\] must be <= 1"):
        make_feed(clickbait_rate={"A": 0.1, "B": 1.5})
    with pytest.raises(ValueError, match="at least 2 creator groups"):
        make_feed(clickbait_rate={"A": 0.1})
    with pytest.raises(ValueError, match="harm must be >= 0"):
        make_feed(harm=-1)
    with pytest.raises(ValueError, match="n_items must be >= 2"):
        make_feed(1)


# ----------------------------------------------------------------- raters and pairs
def test_candidates_are_matched_twins():
    c = make_candidates(5, n_skills=2, random_state=0)
    np.testing.assert_array_equal(c.skills[:5], c.skills[5:])
    np.testing.assert_allclose(c.quality, c.skills @ [1.0, 0.4])
    assert c.features[:, -1].tolist() == [0] * 5 + [1] * 5
    with pytest.raises(ValueError, match="two different names"):
        make_candidates(groups=("A", "A"))


def test_rater_probabilities_follow_bradley_terry(cands):
    bias = 1.5
    comps = simulate_comparisons(cands, 20000, rater_bias=bias, favoured="B", random_state=1)
    fav = (cands.group == "B").astype(float)
    p = expit(cands.quality[comps.left] - cands.quality[comps.right]
              + bias * (fav[comps.left] - fav[comps.right]))
    se = np.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(comps.left_wins.mean() - p.mean()) < 4 * se
    # pairs are always two different candidates
    assert (comps.left != comps.right).all()


def test_same_seed_same_pairs_for_every_bias(cands):
    a = simulate_comparisons(cands, 500, rater_bias=0.0, random_state=7)
    b = simulate_comparisons(cands, 500, rater_bias=2.0, random_state=7)
    np.testing.assert_array_equal(a.left, b.left)
    np.testing.assert_array_equal(a.right, b.right)
    fav_left = (cands.codes[a.left] == 0) & (cands.codes[a.right] == 1)
    # a bias for A only ever turns B-wins into A-wins
    assert (b.left_wins[fav_left] >= a.left_wins[fav_left]).all()
    c = simulate_comparisons(cands, 500, rater_bias=2.0, random_state=7)
    np.testing.assert_array_equal(b.left_wins, c.left_wins)


def test_simulate_comparisons_errors(cands):
    with pytest.raises(ValueError, match="n_comparisons must be >= 1; got -5"):
        simulate_comparisons(cands, -5)
    with pytest.raises(TypeError, match="n_comparisons must be an integer; got"):
        simulate_comparisons(cands, 10.5)
    with pytest.raises(ValueError, match="rater_bias must be <= 5"):
        simulate_comparisons(cands, 10, rater_bias=7)
    with pytest.raises(ValueError, match=r"favoured must be one of \['A', 'B'\]; got 'C'"):
        simulate_comparisons(cands, 10, favoured="C")
    with pytest.raises(TypeError, match="make_candidates"):
        simulate_comparisons(cands.features, 10)


# --------------------------------------------------------------- the reward model
def _nll(w, D, y, l2):
    z = D @ w
    return -np.mean(np.where(y == 1, log_expit(z), log_expit(-z))) + 0.5 * l2 * w @ w


def test_bt_fit_matches_scipy_and_sklearn(cands):
    comps = simulate_comparisons(cands, 3000, rater_bias=0.8, random_state=2)
    X = cands.features
    l2 = 1e-3
    m = BradleyTerryRewardModel(l2=l2).fit(X, comps.left, comps.right, comps.left_wins)
    D = X[comps.left] - X[comps.right]
    ref = minimize(_nll, np.zeros(X.shape[1]), args=(D, comps.left_wins, l2), method="BFGS",
                   options={"gtol": 1e-10})
    np.testing.assert_allclose(m.coef_, ref.x, atol=1e-5)
    assert m.loss_ == pytest.approx(ref.fun, abs=1e-9)
    # sklearn minimises C * sum(loss) + |w|² / 2, i.e. our objective with C = 1 / (m * l2)
    lr = LogisticRegression(fit_intercept=False, C=1 / (len(D) * l2), tol=1e-10,
                            max_iter=1000).fit(D, comps.left_wins)
    np.testing.assert_allclose(m.coef_, lr.coef_[0], atol=1e-4)


def test_bt_recovers_true_weights_with_fair_raters(cands):
    comps = simulate_comparisons(cands, 20000, random_state=4)
    m = BradleyTerryRewardModel().fit(cands.features, comps.left, comps.right,
                                      comps.left_wins)
    truth = np.r_[cands.weights, 0.0]
    assert (np.abs(m.coef_ - truth) < 4 * m.stderr_).all(), (m.coef_, m.stderr_)


def test_bt_stderr_matches_numerical_hessian(cands):
    comps = simulate_comparisons(cands, 800, rater_bias=0.5, random_state=5)
    X = cands.features
    m = BradleyTerryRewardModel(l2=0).fit(X, comps.left, comps.right, comps.left_wins)
    D, y, n = X[comps.left] - X[comps.right], comps.left_wins, len(comps)
    h, d = 1e-4, X.shape[1]
    hess = np.zeros((d, d))
    for i in range(d):  # central differences of the total NLL (test oracle, not data path)
        for j in range(d):
            ei, ej = np.eye(d)[i] * h, np.eye(d)[j] * h
            hess[i, j] = n * (_nll(m.coef_ + ei + ej, D, y, 0) - _nll(m.coef_ + ei - ej, D, y, 0)
                              - _nll(m.coef_ - ei + ej, D, y, 0)
                              + _nll(m.coef_ - ei - ej, D, y, 0)) / (4 * h * h)
    np.testing.assert_allclose(m.stderr_, np.sqrt(np.diag(np.linalg.inv(hess))), rtol=1e-3)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 60), data=st.data())
def test_two_items_closed_form(n, data):
    k = data.draw(st.integers(1, n - 1))
    wins = np.r_[np.ones(k), np.zeros(n - k)]
    m = BradleyTerryRewardModel(l2=0).fit(np.eye(2), np.zeros(n, int), np.ones(n, int), wins)
    assert m.coef_[0] - m.coef_[1] == pytest.approx(np.log(k / (n - k)), abs=1e-6)
    assert m.preference_proba(np.eye(2), [0], [1])[0] == pytest.approx(k / n, abs=1e-6)


def test_bt_is_deterministic(cands):
    comps = simulate_comparisons(cands, 400, rater_bias=1.0, random_state=6)
    a = BradleyTerryRewardModel().fit(cands.features, comps.left, comps.right, comps.left_wins)
    b = BradleyTerryRewardModel().fit(cands.features, comps.left, comps.right, comps.left_wins)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_base_reward_learns_only_the_correction(cands):
    comps = simulate_comparisons(cands, 5000, rater_bias=1.0, random_state=8)
    codes = cands.codes.astype(float)[:, None]
    fix = BradleyTerryRewardModel(l2=0).fit(codes, comps.left, comps.right, comps.left_wins,
                                            base_reward=cands.quality)
    assert fix.coef_[0] == pytest.approx(-1.0, abs=3 * fix.stderr_[0])


def test_bt_errors(cands):
    X = cands.features
    m = BradleyTerryRewardModel()
    with pytest.raises(ValueError, match="not fitted yet"):
        m.predict(X)
    with pytest.raises(ValueError, match="against itself"):
        m.fit(X, [0, 1], [0, 2], [1, 0])
    with pytest.raises(ValueError, match="outside 0..119"):
        m.fit(X, [0, 1], [500, 2], [1, 0])
    with pytest.raises(TypeError, match="integer item indices"):
        m.fit(X, [0.0, 1.0], [2, 3], [1, 0])
    with pytest.raises(ValueError, match="left_wins must be binary"):
        m.fit(X, [0, 1], [2, 3], [1, 2])
    with pytest.raises(ValueError, match="left has 2 entries but right has 1"):
        m.fit(X, [0, 1], [2], [1, 0])
    with pytest.raises(ValueError, match="X must be 2-D"):
        m.fit(X[:, 0], [0, 1], [2, 3], [1, 0])
    m.fit(X, [0, 1], [2, 3], [1, 0])
    with pytest.raises(ValueError, match="fitted on 4"):
        m.predict(X[:, :2])


# ------------------------------------------------------------- reports and the grid
def test_reward_report_by_hand():
    c = make_candidates(3, n_skills=1, random_state=0)
    # B under-rated by 0.6: aligned errors are +0.3 (A) and -0.3 (B)
    rep = reward_report(c, c.quality - 0.6 * c.codes, top=1 / 3)
    np.testing.assert_allclose(rep["mean_error"], [0.3, -0.3])
    assert rep["n"].tolist() == [3, 3]
    # top 2 of 6, counted with pandas: the learned reward picks A's two best here
    learned = pd.Series(c.quality - 0.6 * c.codes, index=c.group).nlargest(2)
    assert learned.index.tolist() == ["A", "A"]
    assert rep["selected_learned"].tolist() == [2 / 3, 0.0]
    assert rep["selected_true"].tolist() == [1 / 3, 1 / 3]  # twins tie: one pair in the top 2
    with pytest.raises(ValueError, match="reward has 2 entries"):
        reward_report(c, [1.0, 2.0])


def test_grid_gap_and_confidence(small_grid):
    g = small_grid
    gap, se = g.gap(), g.stderr[..., -1]
    assert abs(gap[0, -1]) < 3 * se[0, -1]  # fair raters: no gap
    assert abs(gap[1, -1] + 1.0) < 3 * se[1, -1] + 0.05  # biased: the bias, confidently
    assert (np.diff(se, axis=1) < 0).all()  # more comparisons, narrower intervals
    assert abs(gap[1, -1]) > 5 * se[1, -1]  # ... around the wrong value
    fixed = g.gap(corrected=True)
    assert (np.abs(fixed) < 3 * g.audit_stderr).all()


def test_grid_cells_match_direct_fits(small_grid):
    g = small_grid
    c = g.candidates
    # the grid fits prefixes of one stream of max(n_comparisons) judgements per bias
    comps = simulate_comparisons(c, 4000, rater_bias=1.0, random_state=2).head(1000)
    m = BradleyTerryRewardModel().fit(c.features, comps.left, comps.right, comps.left_wins)
    np.testing.assert_allclose(g.coef[1, 1], m.coef_, atol=1e-6)
    np.testing.assert_allclose(g.reward(1.0, 1000), c.features @ m.coef_, atol=1e-6)
    rep = g.report(corrected=True)
    for b in (0.0, 1.0):
        for n in g.n_comparisons:
            direct = reward_report(c, g.reward(b, n, corrected=True))
            np.testing.assert_allclose(rep.loc[(b, n)].unstack(0)[direct.columns], direct)


def test_grid_errors(small_grid):
    with pytest.raises(ValueError, match="rater_bias 0.5 is not on the grid"):
        small_grid.index(0.5, 100)
    with pytest.raises(ValueError, match="n_comparisons 150 is not on the grid"):
        small_grid.index(0.0, 150)
    c = small_grid.candidates
    with pytest.raises(ValueError, match="must increase"):
        feedback_grid(c, n_comparisons=[100, 50])
    with pytest.raises(ValueError, match="biases must be <= 5"):
        feedback_grid(c, biases=[9.0])
    with pytest.raises(ValueError, match="n_comparisons must be >= 1"):
        feedback_grid(c, n_comparisons=[-10])


def test_plots_run(small_grid):
    from fairlab.plotting import plot_gap_by_comparisons, plot_goodhart

    h = PolicyGradientAgent(n_steps=10).fit(make_feed(100)).history_
    ax = plot_goodhart({"clicks": h, "satisfaction": h})
    assert len(ax.lines) == 2
    assert len(plot_gap_by_comparisons(small_grid, biases=[1.0]).lines) == 2
    with pytest.raises(ValueError, match="true_objective"):
        plot_goodhart(h[["proxy_reward"]])


def test_import_does_not_load_torch_or_plotting():
    code = ("import sys, fairlab.feedback; "
            "print(any(m in sys.modules for m in ('torch', 'matplotlib', 'ipywidgets')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_feed_type():
    assert isinstance(make_feed(10), Feed)
