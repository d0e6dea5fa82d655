"""fairlab.causal against hand computations, lesson 01's simulator and scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, recall_score

from fairlab.causal import (
    StructuralCausalModel,
    counterfactual_fairness,
    shortcut_data,
    shortcut_sweep,
    world_scm,
)
from fairlab.datasets import make_biased_world


def hand_scm() -> StructuralCausalModel:
    """a → b → c and a → c, plus d with no parents but noise (declared out of order)."""
    return StructuralCausalModel(
        {"c": (["a", "b", "u_c"], lambda a, b, u_c: a + 10 * b + u_c),
         "b": (["a", "u_b"], lambda a, u_b: 2 * a + u_b),
         "a": (["u_a"], lambda u_a: (u_a > 0.5).astype(float)),
         "d": (["u_d"], lambda u_d: -u_d)},
        noise={"u_a": "uniform", "u_b": "normal", "u_c": "normal", "u_d": "normal"})


NOISE = pd.DataFrame({"u_a": [0.9, 0.2], "u_b": [0.5, -1.0], "u_c": [0.0, 3.0],
                      "u_d": [1.0, 2.0]})


def test_propagation_on_a_hand_built_graph():
    scm = hand_scm()
    assert scm.nodes.index("a") < scm.nodes.index("b") < scm.nodes.index("c")
    v = scm.propagate(NOISE)
    # by hand: a = [1, 0]; b = 2a + u_b = [2.5, -1]; c = a + 10 b + u_c = [26, -7]; d = -u_d
    np.testing.assert_allclose(v["a"], [1, 0])
    np.testing.assert_allclose(v["b"], [2.5, -1.0])
    np.testing.assert_allclose(v["c"], [26.0, -7.0])
    np.testing.assert_allclose(v["d"], [-1.0, -2.0])


def test_counterfactual_keeps_noise_and_recomputes_only_descendants():
    scm = hand_scm()
    cf = scm.propagate(NOISE, do={"a": [0.0, 1.0]})
    # a flipped; b = 2a + u_b = [0.5, 1]; c = a + 10 b + u_c = [5, 14]; d unchanged
    np.testing.assert_allclose(cf["b"], [0.5, 1.0])
    np.testing.assert_allclose(cf["c"], [5.0, 14.0])
    np.testing.assert_allclose(cf["d"], [-1.0, -2.0])
    # setting a middle node cuts its incoming edge: a keeps its value, c follows b
    mid = scm.propagate(NOISE, do={"b": 0.0})
    np.testing.assert_allclose(mid["a"], [1, 0])
    np.testing.assert_allclose(mid["c"], [1.0, 3.0])
    assert scm.descendants("a") == ["b", "c"]
    assert scm.descendants("d") == []


def test_graph_errors_name_the_problem():
    with pytest.raises(ValueError, match="cycle .*x → y|cycle .*y → x"):
        StructuralCausalModel({"x": (["y"], lambda y: y), "y": (["x"], lambda x: x)}, noise={})
    with pytest.raises(ValueError, match="unknown parent 'z'"):
        StructuralCausalModel({"x": (["z"], lambda z: z)}, noise={})
    with pytest.raises(ValueError, match="use one of"):
        StructuralCausalModel({"x": (["u"], lambda u: u)}, noise={"u": "cauchy"})
    with pytest.raises(TypeError, match="parents, function"):
        StructuralCausalModel({"x": ["u"]}, noise={"u": "normal"})
    scm = hand_scm()
    with pytest.raises(ValueError, match="unknown node 'e'"):
        scm.propagate(NOISE, do={"e": 1.0})
    with pytest.raises(ValueError, match="unknown node 'e'"):
        scm.descendants("e")
    with pytest.raises(ValueError, match=r"lacks columns \['u_d'\]"):
        scm.propagate(NOISE.drop(columns="u_d"))
    with pytest.raises(TypeError, match="DataFrame"):
        scm.propagate(NOISE.to_numpy())
    with pytest.raises(TypeError, match="random_state"):
        scm.sample_noise(5, random_state="seed")


@settings(max_examples=15, deadline=None)
@given(rep=st.floats(0, 0.9), hist=st.floats(0, 1), meas=st.floats(0, 3),
       prox=st.floats(0, 1), seed=st.integers(0, 2**16))
def test_world_scm_draws_lesson_01s_people(rep, hist, meas, prox, seed):
    knobs = dict(representation=rep, historical_bias=hist, measurement_bias=meas,
                 proxy_strength=prox)
    scm = world_scm(**knobs)
    v = scm.propagate(scm.sample_noise(300, random_state=seed))
    w = make_biased_world(300, random_state=seed, **knobs).frame
    for col in ("test_score", "experience", "neighbourhood", "true_target", "target"):
        np.testing.assert_array_equal(v[col].to_numpy(), w[col].to_numpy(dtype=float))
    np.testing.assert_array_equal(v["group"].to_numpy() == 1, (w["group"] == "B").to_numpy())


def test_knob_edges_are_marked_active_only_when_on():
    scm = world_scm(measurement_bias=0.5)
    active = {scm.graph.edges[e]["knob"]: scm.graph.edges[e]["active"]
              for e in scm.graph.edges if "knob" in scm.graph.edges[e]}
    assert active == {"representation": False, "historical_bias": False,
                      "measurement_bias": True, "proxy_strength": False}
    assert "true_target" not in scm.descendants("group")  # the truth is not caused by group
    three = world_scm(proxy_strength=0.5, extra_proxies=["commute"])
    assert three.descendants("group")[-1] == "commute"
    with pytest.raises(ValueError, match="repeat a name"):
        world_scm(extra_proxies=["target"])


def test_counterfactual_fairness_matches_the_hand_flip():
    ps = 0.6
    scm = world_scm(proxy_strength=ps)
    noise = scm.sample_noise(2000, random_state=3)
    v = scm.propagate(noise)
    rule = lambda X: (X["neighbourhood"] < 0.2).astype(int)  # noqa: E731
    check = counterfactual_fairness(rule, scm, noise, features=["neighbourhood"])
    # by hand: neighbourhood = 3 ps (2g − 1) + u, so flipping g moves it by ∓ 6 ps
    g = v["group"].to_numpy()
    hood_cf = v["neighbourhood"].to_numpy() - 6 * ps * (2 * g - 1)
    flips = (v["neighbourhood"].to_numpy() < 0.2) != (hood_cf < 0.2)
    for value, label in ((0, "A"), (1, "B")):
        assert check.table.loc[label, "flip_rate"] == pytest.approx(flips[g == value].mean())
        assert check.table.loc[label, "count"] == (g == value).sum()
    # a rule on a non-descendant of group never flips
    safe = counterfactual_fairness(lambda X: (X["experience"] > 0).astype(int), scm, noise,
                                   features=["experience"])
    assert (safe.factual == safe.counterfactual).all()


def test_counterfactual_fairness_errors():
    scm = world_scm(proxy_strength=0.5)
    noise = scm.sample_noise(50, random_state=0)
    rule = lambda X: np.zeros(len(X), dtype=int)  # noqa: E731
    with pytest.raises(ValueError, match="values 0 and 1"):
        counterfactual_fairness(rule, scm, noise, features=["experience"], sensitive_node="skill")
    with pytest.raises(ValueError, match="unknown node 'postcode'"):
        counterfactual_fairness(rule, scm, noise, features=["postcode"])
    with pytest.raises(TypeError, match="non-empty list"):
        counterfactual_fairness(rule, scm, noise, features=[])
    only_a = noise.assign(U_group=0.9)  # U_group >= 0.5 puts everyone in A
    assert (scm.propagate(only_a)["group"] == 0).all()
    with pytest.raises(ValueError, match="group B has no people"):
        counterfactual_fairness(rule, scm, only_a, features=["experience"])


def test_shortcut_data_base_rates_follow_the_selection():
    s = 0.7
    d = shortcut_data(8000, shortcut_strength=s, random_state=1)
    p = d.shifted.true_target.mean()  # the population's qualified share (same in A and B)
    # collected: qualified B kept with 1 − s, unqualified A kept with 1 − s
    want_a = p / (p + (1 - p) * (1 - s))
    want_b = p * (1 - s) / (p * (1 - s) + (1 - p))
    got = d.train.groupby("group").true_target.mean()
    assert got[0.0] == pytest.approx(want_a, abs=0.03)
    assert got[1.0] == pytest.approx(want_b, abs=0.03)
    with pytest.raises(ValueError, match="shortcut_strength must be < 1"):
        shortcut_data(100, shortcut_strength=1.0)


def test_shortcut_sweep_matches_sklearn_per_group():
    features = ["test_score", "experience", "neighbourhood"]
    t = shortcut_sweep([0.5], n=1500, random_state=4)
    d = shortcut_data(1500, shortcut_strength=0.5, random_state=4)
    model = LogisticRegression().fit(d.train[features], d.train.true_target)
    for split, frame in (("before", d.test), ("after", d.shifted)):
        for value, label in ((0.0, "A"), (1.0, "B")):
            rows = frame[frame.group == value]
            pred = model.predict(rows[features])
            assert t.loc[(0.5, split, label), "accuracy"] == pytest.approx(
                accuracy_score(rows.true_target, pred))
            assert t.loc[(0.5, split, label), "tpr"] == pytest.approx(
                recall_score(rows.true_target, pred))
    with pytest.raises(ValueError, match="unknown features"):
        shortcut_sweep([0.1], n=200, features=["postcode"])
    with pytest.raises(TypeError, match="non-empty list"):
        shortcut_sweep(0.5)
