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
    times = []  # CPU time of this process: other work on a shared machine does not count
    for _ in range(5):
        start = time.process_time()
        ex.compute(**kw)
        times.append(time.process_time() - start)
    assert min(times) < 0.050, f"compute took {min(times) * 1000:.1f} ms"


def test_unknown_setting_is_refused():
    with pytest.raises(ValueError, match="the explorer accepts"):
        BiasSourcesExplorer(n=N, histrical_bias=0.5)


def test_png_fallback(ex):
    assert ex.png()[:4] == b"\x89PNG"
    assert "image/png" in ex._repr_mimebundle_()


# ------------------------------------------------------------------ browser view
SMALL_STOPS = {"representation": (0.0, 0.9), "historical_bias": (0.0, 0.6),
               "measurement_bias": (0.0, 2.0), "proxy_strength": (0.0, 0.9)}


def _setting(spec, k):
    """The control values of frame ``k`` (mixed radix over the controls, last fastest)."""
    values = {}
    for c in reversed(spec["controls"]):
        k, i = divmod(k, len(c["values"]))
        values[c["name"]] = c["values"][i]
    return values


def _assert_frame_is_python(ex, frame, values):
    """The frame shows what the Python panel shows after the same move."""
    ex.set_values(**values)
    assert frame["readout"] == ex.readout.value == ex.state.readout
    assert frame["table"] == ex.table.value
    bars, coef = frame["layers"]
    for g in ("A", "B"):
        got = [np.nan if v is None else v for _, _, v in bars[f"bars-{g}"]]
        np.testing.assert_allclose(got, _heights(ex, g), atol=1e-12)
    for k, (bar, note) in enumerate(zip(ex.coef_bars, ex.coef_notes, strict=True)):
        ((_, _, width, text),) = coef[f"coef-{k}"]
        assert width == pytest.approx(bar.get_width()) and text == note.get_text()


def test_every_browser_frame_is_compute_of_its_setting():
    ex = BiasSourcesExplorer(n=N, stops=SMALL_STOPS, historical_bias=0.6, use_group=True)
    view = ex.browser_view()
    spec = view.spec
    assert ex.browser_view() is view  # built once
    assert [c["name"] for c in spec["controls"]] == [*SMALL_STOPS, "use_group"]
    assert spec["controls"][-1]["widget"] == "select"
    assert [c["index"] for c in spec["controls"]] == [0, 1, 0, 0, 1]
    assert view.values == ex.values()
    assert len(spec["frames"]) == 2 ** 5
    for k, frame in enumerate(spec["frames"]):
        _assert_frame_is_python(ex, frame, _setting(spec, k))
    # an independent oracle for one frame: historical bias 0.6, the model sees the group
    k = next(k for k in range(32) if _setting(spec, k) == {
        "representation": 0.0, "historical_bias": 0.6, "measurement_bias": 0.0,
        "proxy_strength": 0.0, "use_group": True})
    want = _independent(historical_bias=0.6, use_group=True)
    got = [v for _, _, v in spec["frames"][k]["layers"][0]["bars-B"]]
    np.testing.assert_allclose(got, want.loc["B"].to_numpy(), atol=1e-12)


def test_lesson_stops_frames_sample_and_size():
    from fairlab.widgets.browser import spec_size

    ex = BiasSourcesExplorer(n=1000)
    spec = ex.browser_view().spec
    assert len(spec["frames"]) == 3 * 4 * 4 * 3 * 2
    assert spec_size(spec) < 1_000_000
    # every control matches the Python slider's stops exactly
    for c in spec["controls"][:-1]:
        assert c["values"] == list(ex.controls[c["name"]]._options_values)
    rng = np.random.default_rng(0)
    edges = [0, len(spec["frames"]) - 1]
    for k in [*edges, *rng.choice(len(spec["frames"]), 6, replace=False)]:
        _assert_frame_is_python(ex, spec["frames"][int(k)], _setting(spec, int(k)))


def test_page_release_syncs_python_state():
    ex = BiasSourcesExplorer(n=N, stops=SMALL_STOPS)
    view = ex.browser_view()
    view.values = {**view.values, "measurement_bias": 2.0, "use_group": True}
    assert ex.values()["measurement_bias"] == 2.0 and ex.state.use_group is True
    assert ex.state.knobs["measurement_bias"] == 2.0
    ex.set_values(historical_bias=0.6)  # a Python move reaches the page
    assert view.values["historical_bias"] == 0.6


def test_settings_off_the_stops_are_refused():
    with pytest.raises(ValueError, match="is not one of its stops"):
        BiasSourcesExplorer(n=N, historical_bias=0.5)
    with pytest.raises(ValueError, match="increasing values"):
        BiasSourcesExplorer(n=N, stops={"proxy_strength": [0.5, 0.0]})
    with pytest.raises(ValueError, match="unknown knobs"):
        BiasSourcesExplorer(n=N, stops={"proxy": [0.0]})
