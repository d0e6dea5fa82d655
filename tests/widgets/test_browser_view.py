"""The browser view's arithmetic (js/view.js, run by Node) against Python's ``compute``.

The page computes every readout itself; these tests run the very functions the page
runs, in Node, on many thresholds (random, edges, every snap), and require the
same counts and the same readout text as :meth:`ThresholdExplorer.compute`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlab.widgets import ThresholdExplorer
from fairlab.widgets.browser import BrowserView, frames_spec, spec_size, threshold_spec

JS = Path(__file__).resolve().parents[2] / "fairlab" / "widgets" / "js" / "view.js"
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def run_js(spec: dict, thresholds: list[list[float]]) -> list[dict]:
    """``thresholdState(spec, t)`` of view.js for each ``t``, computed by Node."""
    script = (f"import {{ thresholdState }} from {json.dumps(JS.as_uri())};\n"
              "let data = ''; process.stdin.on('data', (c) => data += c);\n"
              "process.stdin.on('end', () => { const {spec, ts} = JSON.parse(data);\n"
              "  console.log(JSON.stringify(ts.map((t) => { const s = thresholdState(spec, t);\n"
              "    return {counts: s.counts, readout: s.readout}; }))); });\n")
    done = subprocess.run([NODE, "--input-type=module", "-e", script], check=True,
                          capture_output=True, text=True,
                          input=json.dumps({"spec": spec, "ts": thresholds}))
    return json.loads(done.stdout)


def _data(n=3000, groups=("a", "b", "c"), seed=0, ties=False):
    rng = np.random.default_rng(seed)
    s = rng.choice(groups, n)
    y = rng.integers(0, 2, n)
    score = np.clip(rng.normal(0.35 + 0.25 * y, 0.2), 0, 1)
    if ties:  # many rows share a score, and scores sit exactly on slider stops
        score = np.round(score, 2)
    return y, score, s


@needs_node
@pytest.mark.parametrize("ties", [False, True])
def test_page_agrees_with_compute_on_many_thresholds(ties):
    y, score, s = _data(ties=ties)
    ex = ThresholdExplorer(y, score, sensitive_features=s)
    spec = ex.browser_view().spec
    rng = np.random.default_rng(1)
    cases = [[0.0] * 3, [1.0] * 3, [0.5] * 3, [0.001, 0.999, 0.35]]
    cases += [list(np.round(rng.uniform(0, 1, 3), 3)) for _ in range(200)]
    cases += [snap["thresholds"] for snap in spec["snaps"].values()]  # exact solver values
    got = run_js(spec, cases)
    for t, page in zip(cases, got, strict=True):
        state = ex.compute(**dict(zip(ex.names.values(), t, strict=True)))
        np.testing.assert_array_equal(np.array(page["counts"]), state.counts)
        assert page["readout"] == state.readout


@needs_node
@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=2),
       st.integers(0, 10_000))
def test_page_agrees_with_compute_property(t, seed):
    y, score, s = _data(n=200, groups=("a", "b"), seed=seed, ties=seed % 2 == 0)
    ex = ThresholdExplorer(y, score, sensitive_features=s)
    (page,) = run_js(ex.browser_view().spec, [t])
    assert page["readout"] == ex.compute(**dict(zip(ex.names.values(), t, strict=True))).readout


@needs_node
def test_rounding_matches_python_on_exact_ties():
    script = (f"import {{ fmt }} from {json.dumps(JS.as_uri())};\n"
              "console.log(JSON.stringify([0.0625, 0.1875, 0.3125, 2.5e-3, 0.0005, 1/3, -0.0625, 0]"
              ".map((x) => fmt(x, 3)).concat([fmt(-0, 3)])));")
    out = subprocess.run([NODE, "--input-type=module", "-e", script], check=True,
                         capture_output=True, text=True).stdout
    expected = [f"{x:.3f}" for x in [0.0625, 0.1875, 0.3125, 2.5e-3, 0.0005, 1 / 3, -0.0625, 0,
                                     -0.0]]
    assert json.loads(out) == expected


def test_spec_holds_exact_counts_and_stays_small():
    y, score, s = _data(n=16_000, groups=("F", "M"))
    ex = ThresholdExplorer(y, score, sensitive_features=s)
    spec = ex.browser_view().spec
    for g, cv in zip(spec["groups"], ex.curves.curves, strict=True):
        assert g["tp"][-1] == cv.n_pos and g["fp"][-1] == cv.n_neg
        assert g["scores"] == sorted(g["scores"], reverse=True)
        assert len(g["scores"]) + 1 == len(g["tp"]) == len(g["fp"])
    assert spec_size(spec) < 1_000_000  # the state one explorer sends stays under 1 MB


def test_release_in_the_page_updates_python_state():
    y, score, s = _data()
    ex = ThresholdExplorer(y, score, sensitive_features=s)
    view = ex.browser_view()
    view.values = {**view.values, "t_a": 0.25, "link": False}  # what the page sends on release
    assert ex.controls["t_a"].value == 0.25
    assert ex.state.readout == ex.compute(**ex.values()).readout
    assert ex.state.thresholds["a"] == 0.25


def test_python_moves_reach_the_page():
    y, score, s = _data()
    ex = ThresholdExplorer(y, score, sensitive_features=s)
    view = ex.browser_view()
    ex.snap("demographic_parity")
    pol = ex.policies["demographic_parity"]
    assert view.values["t_b"] == pytest.approx(float(np.clip(pol.thresholds_["b"], 0, 1)))


def test_widget_is_the_browser_view_with_python_panels():
    y, score, s = _data()
    ex = ThresholdExplorer(y, score, sensitive_features=s)
    children = ex.widget().children
    assert isinstance(children[0], BrowserView)
    assert ex.controls["intervals"] in children
    assert ex.python_widget() is not ex.widget()


def test_threshold_spec_example_by_hand():
    from fairlab.thresholds import GroupCurves

    c = GroupCurves([1, 0, 1, 1, 0], [0.9, 0.9, 0.5, 0.2, 0.2], sensitive_features=list("aaaaa"))
    spec = threshold_spec(c, names={"a": "t"}, colors={"a": "#000"}, cost=[[0, 1], [0, -1]])
    g = spec["groups"][0]
    assert g["scores"] == [0.9, 0.5, 0.2]  # distinct, descending
    assert g["tp"] == [0, 1, 2, 3] and g["fp"] == [0, 1, 1, 2]


def test_frames_spec_orders_frames_in_mixed_radix():
    spec = frames_spec([{"name": "a", "label": "a", "values": [0, 1], "labels": ["0", "1"],
                         "index": 0},
                        {"name": "b", "label": "b", "values": [10, 20, 30],
                         "labels": ["10", "20", "30"], "index": 0}],
                       lambda a, b: {"readout": f"{a}-{b}"})
    assert [f["readout"] for f in spec["frames"]] == ["0-10", "0-20", "0-30", "1-10", "1-20",
                                                     "1-30"]


def test_frames_spec_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="one label per value"):
        frames_spec([{"name": "a", "label": "a", "values": [0, 1], "labels": ["0"],
                      "index": 0}], lambda a: {})


def test_view_rejects_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of \\['thresholds', 'frames'"):
        BrowserView(kind="bars", spec={}, values={})


def _sweep():
    from fairlab.training import lambda_sweep

    rng = np.random.default_rng(0)
    n = 600
    s = rng.choice(["a", "b"], n, p=[0.6, 0.4])
    X = rng.normal(size=(n, 3)) + (s == "a")[:, None] * [0.6, 0.0, 0.3]
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.7, n) > 0.4).astype(int)
    h = n // 2
    return lambda_sweep(X[:h], y[:h], s[:h], [0.0, 0.5, 1.0, 2.0], X_test=X[h:], y_test=y[h:],
                        sensitive_features_test=s[h:], epochs=2, progress=False)


def test_lambda_frames_are_compute_for_every_lambda():
    from fairlab.plotting import metrics_table_html
    from fairlab.widgets import LambdaExplorer

    ex = LambdaExplorer(_sweep())
    spec = ex.browser_view().spec
    assert len(spec["frames"]) == len(ex.sweep.lams)
    for i, frame in enumerate(spec["frames"]):
        state = ex.compute(i)
        assert frame["readout"] == ex.readout_text(state)
        assert frame["table"] == metrics_table_html(state.table)
        (point,) = frame["layers"][0]["point"]
        assert point == [float(state.row[ex.gap]), float(state.row["accuracy"])]
        heights = [[bar[2] for bar in frame["layers"][1][f"bars{j}"]] for j in range(2)]
        np.testing.assert_allclose(heights, state.hist)
    ex.browser_view().values = {"lam": 2}  # a release in the page
    assert ex.state.index == 2 and ex.controls["lam"].value == 2


def test_every_kind_file_is_bundled_and_registered(tmp_path):
    """``js/kinds/<kind>.js`` files travel in the one ES module and are valid kinds."""
    from fairlab.widgets import browser

    kinds = sorted((JS.parent / "kinds").glob("*.js"))
    assert browser.KINDS == ("thresholds", "frames", *(f.stem for f in kinds))
    for f in kinds:
        assert f.read_text(encoding="utf-8") in BrowserView._esm
        text = f.read_text(encoding="utf-8")
        assert re.search(r"\b(KINDS|LAYERS)(\[|\.)", text), f"{f.name} registers nothing"
    with pytest.raises(ValueError, match="kind must be one of"):
        BrowserView(kind="nope", spec={}, values={})


@needs_node
def test_bundle_is_one_module_that_exports_the_registries(tmp_path):
    bundle = tmp_path / "bundle.mjs"
    bundle.write_text(BrowserView._esm, encoding="utf-8")
    script = (f"import * as m from {json.dumps(bundle.as_uri())};\n"
              "console.log(JSON.stringify({kinds: Object.keys(m.KINDS), layers: typeof m.LAYERS,"
              " fmt: m.fmt(0.0125, 3), render: typeof m.default.render}));")
    done = subprocess.run([NODE, "--input-type=module", "-e", script], check=True,
                          capture_output=True, text=True)
    got = json.loads(done.stdout)
    assert got["layers"] == "object" and got["render"] == "function"
    assert got["fmt"] == "0.013"  # 0.0125 is just above the tie in binary: rounds up, as Python
    assert sorted(got["kinds"]) == sorted(f.stem for f in (JS.parent / "kinds").glob("*.js"))


def test_in_colab_the_view_turns_on_colabs_widget_manager(monkeypatch):
    """Colab draws third-party widgets only after ``enable_custom_widget_manager()``;
    anywidget calls it when a view is made there (manzt/anywidget#52), so the explorers
    drawn in the browser need no set-up cell of ours. Simulated: no Colab here."""
    import sys
    import types
    from unittest import mock

    from anywidget import _util

    output = types.ModuleType("google.colab.output")
    output.enable_custom_widget_manager = mock.Mock()
    output._widgets = types.SimpleNamespace(_installed_url=None)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    _util.enable_custom_widget_manager_once.cache_clear()
    try:
        BrowserView(kind="frames", spec={"controls": [], "frames": [{}]}, values={})
        BrowserView(kind="frames", spec={"controls": [], "frames": [{}]}, values={})
    finally:
        _util.enable_custom_widget_manager_once.cache_clear()
    output.enable_custom_widget_manager.assert_called_once_with()
