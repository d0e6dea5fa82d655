"""fairlab.simulation against independent oracles: sklearn, group_metrics, hand counts."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from fairlab.datasets import make_biased_world
from fairlab.metrics import group_metrics
from fairlab.simulation import (
    WORLD_COLUMNS,
    bias_scenarios,
    fit_and_score_world,
    make_two_relations_world,
    simulate_feedback_loop,
)


def _oracle(world, *, use_group=False, threshold=0.5):
    """The same model fitted by hand, scored with fairlab.metrics.group_metrics."""
    X = world.data.to_numpy(float)
    is_b = (world.sensitive_features["group"] == "B").to_numpy()
    if use_group:
        X = np.column_stack([X, is_b])
    half = len(X) // 2
    model = LogisticRegression().fit(X[:half], world.target.to_numpy()[:half])
    pred = (model.predict_proba(X[half:])[:, 1] >= threshold).astype(int)
    g = world.sensitive_features["group"].to_numpy()[half:].astype(str)
    truth = group_metrics(world.true_target.to_numpy()[half:], pred, sensitive_features=g)
    rec = group_metrics(world.target.to_numpy()[half:], pred, sensitive_features=g)
    return pred, truth, rec, model


@pytest.mark.parametrize("knobs, use_group", [
    ({}, False),
    ({"historical_bias": 0.6}, True),
    ({"historical_bias": 0.6, "proxy_strength": 0.9}, False),
    ({"measurement_bias": 1.5, "representation": 0.8}, False),
])
def test_fit_and_score_matches_sklearn_and_group_metrics(knobs, use_group):
    world = make_biased_world(3000, random_state=3, **knobs)
    fit = fit_and_score_world(world, use_group=use_group)
    pred, truth, rec, model = _oracle(world, use_group=use_group)
    np.testing.assert_array_equal(fit.y_pred, pred)
    m = fit.metrics
    assert list(m.columns) == list(WORLD_COLUMNS)
    np.testing.assert_allclose(m["count"], truth["count"])
    np.testing.assert_allclose(m["selection_rate"], truth["selection_rate"])
    np.testing.assert_allclose(m["true_base_rate"], truth["base_rate"])
    np.testing.assert_allclose(m["recorded_base_rate"], rec["base_rate"])
    np.testing.assert_allclose(m["error_vs_truth"], 1 - truth["accuracy"])
    np.testing.assert_allclose(m["error_vs_recorded"], 1 - rec["accuracy"])
    np.testing.assert_allclose(m["fnr_vs_truth"], truth["fnr"])
    np.testing.assert_allclose(m["fpr_vs_truth"], truth["fpr"])
    X = world.data.to_numpy(float)[:1500]
    np.testing.assert_allclose(fit.coef.iloc[:3], model.coef_[0][:3] * X.std(0), rtol=1e-6)


def test_unbiased_world_error_vs_truth_equals_error_vs_recorded():
    fit = fit_and_score_world(make_biased_world(2000, random_state=1))
    np.testing.assert_allclose(fit.metrics["error_vs_truth"], fit.metrics["error_vs_recorded"])


def test_unawareness_fails_with_a_proxy():
    # The lesson's claim: dropping the group column removes the gap only without a proxy.
    t = bias_scenarios({
        "aware, no proxy": {"historical_bias": 0.6, "use_group": True},
        "unaware, no proxy": {"historical_bias": 0.6},
        "unaware, proxy": {"historical_bias": 0.6, "proxy_strength": 0.9},
    })
    gap = t["selection_gap"]
    assert abs(gap["unaware, no proxy"]) < 0.05
    assert gap["aware, no proxy"] < -0.2
    assert gap["unaware, proxy"] < -0.2


def test_bias_scenarios_rows_equal_single_fits():
    t = bias_scenarios({"m": {"measurement_bias": 1.0}}, n=1000, random_state=2)
    m = fit_and_score_world(make_biased_world(1000, measurement_bias=1.0, random_state=2)).metrics
    assert t.loc["m", "selection_B"] == m.loc["B", "selection_rate"]
    assert t.loc["m", "error_gap"] == pytest.approx(
        m.loc["B", "error_vs_truth"] - m.loc["A", "error_vs_truth"])


def test_per_group_model_equals_separate_fits():
    # Interactions in one fit ≈ one model per group (same penalty on fewer weights).
    w = make_two_relations_world(4000, random_state=0)
    fit = fit_and_score_world(w, per_group=True)
    X, y, g = w.data.to_numpy(float), w.target.to_numpy(), w.sensitive_features["group"].to_numpy()
    agree = []
    for grp in ("A", "B"):
        rows = g == grp
        tr, te = rows & (np.arange(len(y)) < 2000), rows[2000:]
        model = LogisticRegression().fit(X[tr], y[tr])
        agree.append(accuracy_score(model.predict(X[2000:][te]), fit.y_pred[te]))
    assert min(agree) > 0.97


def test_two_relations_world_is_unbiased_but_pooled_model_is_not():
    w = make_two_relations_world()
    assert (w.target == w.true_target).all()
    pooled = fit_and_score_world(w).metrics
    split = fit_and_score_world(w, per_group=True).metrics
    assert pooled.loc["B", "fnr_vs_truth"] - pooled.loc["A", "fnr_vs_truth"] > 0.2
    assert split.loc["B", "fnr_vs_truth"] < pooled.loc["B", "fnr_vs_truth"] - 0.1


@pytest.mark.parametrize("kwargs, match", [
    ({"threshold": 1.5}, "threshold must be <= 1"),
    ({"train_fraction": 1.0}, "train_fraction must be < 1"),
])
def test_fit_and_score_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        fit_and_score_world(make_biased_world(200), **kwargs)


def test_fit_and_score_rejects_non_world_and_tiny_groups():
    with pytest.raises(TypeError, match="as returned by make_biased_world"):
        fit_and_score_world(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="draw a larger world"):
        fit_and_score_world(make_biased_world(40, representation=0.95, random_state=0))
    with pytest.raises(ValueError, match="unknown knobs"):
        bias_scenarios({"x": {"histrical_bias": 0.5}})


# --------------------------------------------------------------------- feedback loop
def test_feedback_loop_greedy_by_hand():
    # Greedy sends every visit to A (60 > 40 records): B is never visited again and
    # its found-per-visit stays at the historical 40 / 200.
    h = simulate_feedback_loop(policy="greedy", n_rounds=5, n_runs=20)
    b = h[h.group == "B"]
    assert (b.visit_share == 0).all() and (b.high == 0).all()
    np.testing.assert_allclose(b.found_per_visit, 0.2)
    assert b.record_share.is_monotonic_decreasing


def test_feedback_loop_shares_sum_to_one_and_replicate():
    h = simulate_feedback_loop(n_rounds=8, n_runs=50, random_state=4)
    np.testing.assert_allclose(h.groupby("round").visit_share.sum(), 1.0)
    pd.testing.assert_frame_equal(h, simulate_feedback_loop(n_rounds=8, n_runs=50, random_state=4))


def test_feedback_loop_proportional_freezes_the_past_and_correction_undoes_it():
    prop = simulate_feedback_loop(policy="proportional", n_rounds=30, n_runs=2000)
    fixed = simulate_feedback_loop(policy="rate-corrected", n_rounds=30, n_runs=2000)
    last = {name: h[(h.group == "B") & (h["round"] == 30)].iloc[0]
            for name, h in (("prop", prop), ("fixed", fixed))}
    # A Pólya urn is a martingale: B's expected share stays at its initial 40/100.
    assert last["prop"].visit_share == pytest.approx(0.4, abs=0.01)
    assert last["fixed"].visit_share == pytest.approx(0.5, abs=0.02)


@settings(max_examples=20, deadline=None)
@given(rates=st.tuples(st.floats(0, 1), st.floats(0, 1)),
       policy=st.sampled_from(["proportional", "greedy", "rate-corrected"]))
def test_feedback_loop_properties(rates, policy):
    h = simulate_feedback_loop(true_rates=rates, policy=policy, n_rounds=4, n_runs=30)
    assert ((h.low <= h.visit_share + 1e-12) & (h.visit_share <= h.high + 1e-12)).all()
    assert h.visit_share.between(0, 1).all() and h.record_share.between(0, 1).all()


@pytest.mark.parametrize("kwargs, err, match", [
    ({"policy": "random"}, ValueError, "policy must be one of"),
    ({"true_rates": (0.3,)}, ValueError, "one value per group"),
    ({"initial_records": (0, 40)}, ValueError, "initial_records entries must be > 0"),
    ({"budget": 2.5}, TypeError, "budget must be an integer"),
    ({"n_rounds": 0}, ValueError, "n_rounds must be >= 1"),
])
def test_feedback_loop_bad_arguments(kwargs, err, match):
    with pytest.raises(err, match=match):
        simulate_feedback_loop(**kwargs)


# ------------------------------------------------------------------------ the plots
def test_plots_draw_the_numbers_they_are_given():
    from fairlab.plotting import plot_feedback_loop, plot_scenarios

    table = bias_scenarios({"a, b": {}, "c": {"historical_bias": 0.6, "use_group": True}},
                           n=1000)
    ax = plot_scenarios(table, reference=0.4)
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, [*table.selection_A, *table.selection_B])
    assert ax.get_xticklabels()[0].get_text() == "a\nb"
    h = simulate_feedback_loop(n_rounds=4, n_runs=10)
    ax = plot_feedback_loop({"p": h}, group="A")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), h[h.group == "A"].visit_share)
    with pytest.raises(ValueError, match="no rows for group 'C'"):
        plot_feedback_loop(h, group="C")
    with pytest.raises(ValueError, match="bias_scenarios"):
        plot_scenarios(table, rate="accuracy")
