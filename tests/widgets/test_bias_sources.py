"""BiasSourcesExplorer, headless: slider moves → bars, table and readout an oracle agrees with."""

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from fairlab.datasets import make_biased_world
from fairlab.metrics import group_metrics
from fairlab.widgets import BiasSourcesExplorer
from fairlab.widgets.bias_sources import BAR_METRICS

N = 2000


def _independent(use_group=False, **knobs):
    """Same world, same model, scored by fairlab.metrics.group_metrics."""
    w = make_biased_world(N, random_state=0, **knobs)
    X = w.data.to_numpy(float)
    g = w.sensitive_features["group"].astype(str).to_numpy()
    if use_group:
        X = np.column_stack([X, g == "B"])
    half = N // 2
    model = LogisticRegression().fit(X[:half], w.target.to_numpy()[:half])
    pred = (model.predict_proba(X[half:])[:, 1] >= 0.5).astype(int)
    truth = group_metrics(w.true_target.to_numpy()[half:], pred, sensitive_features=g[half:])
    rec = group_metrics(w.target.to_numpy()[half:], pred, sensitive_features=g[half:])
    return pd.DataFrame({
        "true_base_rate": truth["base_rate"],
        "recorded_base_rate": rec["base_rate"],
        "selection_rate": truth["selection_rate"],
        "error_vs_truth": 1 - truth["accuracy"],
        "error_vs_recorded": 1 - rec["accuracy"],
        "fnr_vs_truth": truth["fnr"],
    })[list(BAR_METRICS)]


def _heights(ex, group):
    return np.array([bar.get_height() for bar in ex.bars[group]])


@pytest.fixture
def ex():
    return BiasSourcesExplorer(n=N, random_state=0)


def test_initial_state_matches_oracle(ex):
    expected = _independent()
    for g in ("A", "B"):
        np.testing.assert_allclose(_heights(ex, g), expected.loc[g].to_numpy(), atol=1e-12)
    assert ex.n_updates == 1
    assert [c.description for c in ex.controls.values()]  # every control is labelled


def test_slider_moves_bars_table_and_readout(ex):
    before_b = _heights(ex, "B")
    before_table, before_readout = ex.table.value, ex.readout.value
    ex.controls["historical_bias"].value = 0.6
    expected = _independent(historical_bias=0.6)
    assert ex.n_updates == 2
    for g in ("A", "B"):
        np.testing.assert_allclose(_heights(ex, g), expected.loc[g].to_numpy(), atol=1e-12)
    assert not np.allclose(_heights(ex, "B"), before_b)
    # Recorded labels now differ from the truth for B only.
    assert expected.loc["B", "recorded_base_rate"] < expected.loc["B", "true_base_rate"] - 0.15
    assert ex.table.value != before_table and ex.readout.value != before_readout
    gap = expected.loc["B", "selection_rate"] - expected.loc["A", "selection_rate"]
    assert f"selected {gap:+.3f}" in ex.readout.value
    # The table shows the same numbers, rounded to 3 places.
    assert f"{expected.loc['B', 'recorded_base_rate']:.3f}" in ex.table.value


def test_group_toggle_and_proxy_against_oracle(ex):
    ex.set_values(historical_bias=0.6, use_group=True)
    aware = _independent(historical_bias=0.6, use_group=True)
    np.testing.assert_allclose(_heights(ex, "B"), aware.loc["B"].to_numpy(), atol=1e-12)
    assert ex.state.coef["group B"] < -0.5  # the model penalises B directly
    ex.set_values(use_group=False, proxy_strength=0.9)
    proxied = _independent(historical_bias=0.6, proxy_strength=0.9)
    np.testing.assert_allclose(_heights(ex, "B"), proxied.loc["B"].to_numpy(), atol=1e-12)
    assert ex.state.coef["group B"] == 0 and ex.state.coef["neighbourhood"] < -0.5
    assert ex.coef_notes[3].get_text() == "not used"
    # Unawareness did not help: B is still selected far less than A.
    assert proxied.loc["B", "selection_rate"] < proxied.loc["A", "selection_rate"] - 0.2


def test_bar_labels_follow_heights(ex):
    ex.controls["measurement_bias"].value = 2.0
    for bar, text in zip(ex.bars["B"], ex.labels["B"], strict=True):
        assert text.get_text() == f"{bar.get_height():.2f}"


def test_compute_is_pure_and_fast():
    ex = BiasSourcesExplorer()  # the lesson's n=4000
    kw = {"historical_bias": 0.6, "proxy_strength": 0.9, "measurement_bias": 1.0,
          "use_group": True}
    first = ex.compute(**kw)
    pd.testing.assert_frame_equal(first.metrics, ex.compute(**kw).metrics)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        ex.compute(**kw)
        times.append(time.perf_counter() - start)
    assert min(times) < 0.050, f"compute took {min(times) * 1000:.1f} ms"


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="the explorer accepts"):
        BiasSourcesExplorer(n=N, histrical_bias=0.5)


def test_png_fallback(ex):
    assert ex.png()[:4] == b"\x89PNG"
    assert "image/png" in ex._repr_mimebundle_()
