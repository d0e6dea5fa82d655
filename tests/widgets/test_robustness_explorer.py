"""RobustnessExplorer, headless: compute against independent recounts, controls → artists."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from fairlab.robustness import load_styled_digits, pgd, predict, train_mlp
from fairlab.widgets import RobustnessExplorer


@pytest.fixture(scope="module")
def study():
    d = load_styled_digits(minority_share=0.1)
    keep = np.r_[0:150, 629:779]  # 150 test digits in each style
    X, y, s = d.X_test[keep], d.y_test[keep], d.s_test[keep]
    models = {1.0: train_mlp(d.X_train, d.y_train, epochs=1, random_state=1),
              math.inf: train_mlp(d.X_train, d.y_train, epochs=3, random_state=0)}
    return models, X, y, s


def test_compute_matches_an_independent_recount(study):
    models, X, y, s = study
    ex = RobustnessExplorer(models, X, y, sensitive_features=s, attack_strengths=[0.05, 0.1])
    assert ex.attacks == [0.0, 0.05, 0.1] and ex.epsilons == [1.0, math.inf]
    state = ex.compute(epsilon=1.0, attack=0.1)
    net = models[1.0]
    pred = predict(net, pgd(net, X, y, epsilon=0.1, random_state=0))
    for g in ("standard", "styled"):
        m = s == g
        assert state.attacked[g] == pytest.approx(accuracy_score(y[m], pred[m]), abs=5e-4)
    clean = predict(net, X)
    assert state.clean["all"] == pytest.approx(accuracy_score(y, clean), abs=5e-4)
    t = state.table
    assert t.loc["styled", "lost to the attack"] == pytest.approx(
        state.clean["styled"] - state.attacked["styled"])
    ref = ex.compute(epsilon=math.inf, attack=0.1).attacked
    assert t.loc["standard", "lost to privacy"] == pytest.approx(
        ref["standard"] - state.attacked["standard"])
    gap = state.attacked["standard"] - state.attacked["styled"]
    assert f"gap {gap:.3f}" in state.readout and "PGD attack ε = 0.1" in state.readout


def test_controls_drive_lines_table_and_readout(study):
    models, X, y, s = study
    ex = RobustnessExplorer(models, X, y, sensitive_features=s, attack_strengths=[0.05, 0.1])
    n0 = ex.n_updates
    assert "no privacy (ε = ∞)" in ex.readout.value
    ex.controls["epsilon"].value = 1.0
    ex.controls["attack"].value = 0.05
    assert ex.n_updates == n0 + 2
    state = ex.state
    xs, ys = ex.attack_lines["styled"].get_data()
    np.testing.assert_allclose(xs, [0.0, 0.05, 0.1])
    assert ys[1] == pytest.approx(state.attacked["styled"])
    mx, my = ex.priv_marks["standard"].get_data()
    assert list(mx) == [0] and my[0] == pytest.approx(state.attacked["standard"])
    px, py_ = ex.priv_lines["styled"].get_data()
    assert len(px) == 2 and py_[0] == pytest.approx(state.attacked["styled"])
    assert "lost to privacy" in ex.table.value and "styled" in ex.table.value
    assert state.readout == ex.readout.value


def test_clear_errors(study):
    models, X, y, s = study
    ex = RobustnessExplorer(models, X, y, sensitive_features=s, attack_strengths=[0.1])
    with pytest.raises(ValueError, match="not on the precomputed grid"):
        ex.compute(epsilon=2.0, attack=0.1)
    with pytest.raises(ValueError, match="not on the precomputed grid"):
        ex.compute(epsilon=1.0, attack=0.07)
    with pytest.raises(ValueError, match="non-empty mapping"):
        RobustnessExplorer({}, X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="method must be one of"):
        RobustnessExplorer(models, X, y, sensitive_features=s, method="cw")
    with pytest.raises(ValueError, match="every attack strength must be >= 0"):
        RobustnessExplorer(models, X, y, sensitive_features=s, attack_strengths=[-0.1])


def test_browser_frames_are_compute_for_every_grid_point(study):
    from fairlab.plotting import group_colors, metrics_table_html

    models, X, y, s = study
    ex = RobustnessExplorer(models, X, y, sensitive_features=s, attack_strengths=[0.05, 0.1])
    view = ex.browser_view()
    spec = view.spec
    assert [c["labels"] for c in spec["controls"]] == [["1", "∞"], ["0", "0.05", "0.1"]]
    assert len(spec["frames"]) == 2 * 3
    colors = group_colors(ex.groups)
    assert [L["color"] for L in spec["panels"][0]["layers"]] == [colors[g] for g in ex.groups] * 2
    for k, frame in enumerate(spec["frames"]):
        i, j = divmod(k, 3)  # mixed radix: ε is the slow digit, the attack the fast one
        state = ex.compute(epsilon=ex.epsilons[i], attack=ex.attacks[j])
        ex.render(state)  # what Python's panel shows for this point
        assert frame["readout"] == state.readout == ex.readout.value
        assert frame["table"] == metrics_table_html(state.table) == ex.table.value
        left, right = frame["layers"]
        for g_i, g in enumerate(ex.groups):
            line = ex.attack_lines[g]
            assert left[f"aline{g_i}"] == np.column_stack(line.get_data()).tolist()
            assert left[f"amark{g_i}"] == [[ex.attacks[j], state.attacked[g]]]
            assert right[f"pline{g_i}"] == np.column_stack(
                ex.priv_lines[g].get_data()).tolist()
            assert right[f"pmark{g_i}"] == [[i, state.attacked[g]]]
    assert view.values == {"epsilon": 1, "attack": 0.0}  # ε = ∞ travels as its index
    view.values = {"epsilon": 0, "attack": 0.1}  # a release in the page
    assert ex.state.epsilon == 1.0 and ex.state.attack == 0.1
    assert ex.controls["epsilon"].value == 1.0 and ex.controls["attack"].value == 0.1
    ex.set_values(epsilon=math.inf, attack=0.05)  # Python moves: the page follows
    assert view.values == {"epsilon": 1, "attack": 0.05}
