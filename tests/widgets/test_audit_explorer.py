"""AuditExplorer, headless: compute against scipy/pandas, controls move the artists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from scipy.stats.contingency import association

from fairlab.audit import proxy_strength
from fairlab.datasets import load_compas, load_german
from fairlab.widgets import AuditExplorer
from fairlab.widgets.audit_explorer import NONE


@pytest.fixture(scope="module")
def data():
    return {"German credit": load_german(), "COMPAS": load_compas()}


@pytest.fixture(scope="module")
def _built(data):
    return AuditExplorer(data, max_rows=1500)  # proxies fitted once for the module


@pytest.fixture
def explorer(_built):
    _built.set_values(dataset="German credit", group_by="sex", intersect=NONE)
    assert _built.controls["intersect"].options == (NONE, "age_band")
    return _built


def _widths(bars):
    return np.array([b.get_width() for b in bars if b.get_visible()])


def test_compute_matches_scipy(explorer, data):
    frame = data["German credit"].frame
    state = explorer.compute(dataset="German credit", group_by="age_band", intersect=NONE)
    table = pd.crosstab(frame["age_band"], frame["credit"])
    stat, p, dof, _ = chi2_contingency(table.to_numpy(), correction=False)
    assert state.outcome.test.statistic == pytest.approx(stat)
    assert state.outcome.test.p_value == pytest.approx(p)
    assert state.outcome.test.effect_size == pytest.approx(
        association(table.to_numpy(), method="cramer"))
    rates = frame.groupby("age_band", observed=True)["credit"].mean()
    np.testing.assert_allclose(state.outcome.table["base_rate"], rates)


def test_controls_move_artists(explorer, data):
    frame = data["German credit"].frame
    calls = []
    explorer.fig.canvas.draw_idle = lambda: calls.append(1)
    before = explorer.n_updates
    explorer.controls["group_by"].value = "age_band"
    assert explorer.n_updates == before + 1 and calls == [1]
    shares = frame["age_band"].value_counts(normalize=True).reindex(["25 and over", "under 25"])
    np.testing.assert_allclose(_widths(explorer._share_bars), shares)
    rates = frame.groupby("age_band", observed=True)["credit"].mean()
    np.testing.assert_allclose(_widths(explorer._rate_bars), rates)
    v = association(pd.crosstab(frame["age_band"], frame["credit"]).to_numpy(), method="cramer")
    assert f"Cramér's V = {v:.3f}" in explorer.readout.value
    assert explorer.readout.value.startswith("German credit · age_band · n = 1,000")
    assert "under 25" in explorer.table.value
    # The overall rate line sits at the mean label.
    assert explorer._overall.get_xdata()[0] == pytest.approx(frame["credit"].mean())


def test_proxy_panel_matches_an_independent_run(explorer, data):
    b = data["German credit"]
    explorer.controls["group_by"].value = "sex"
    features = [c for c in b.frame.columns if c not in ("credit", "sex", "age_band")]
    own = proxy_strength(b.frame, "sex", features=features, max_rows=1500)
    np.testing.assert_allclose(_widths(explorer._proxy_bars),
                               own.features["mi_share"].head(explorer.top))
    labels = [t.get_text() for t in explorer.axes[2].get_yticklabels()]
    assert labels == own.features.index[: explorer.top].tolist()
    assert f"AUC = {own.auc:.3f}" in explorer.axes[2].get_title()


def test_dataset_switch_updates_options_once(explorer, data):
    before = explorer.n_updates
    explorer.controls["dataset"].value = "COMPAS"
    assert explorer.n_updates == before + 1  # options synced without extra updates
    assert explorer.controls["group_by"].options == ("race", "sex", "age_cat")
    assert explorer.controls["group_by"].value == "race"
    assert explorer.controls["intersect"].options == (NONE, "sex", "age_cat")
    assert len(_widths(explorer._rate_bars)) == 6
    rates = data["COMPAS"].frame.groupby("race", observed=True)["two_year_recid"].mean()
    np.testing.assert_allclose(_widths(explorer._rate_bars), rates)


def test_intersection_flags_small_cells(explorer, data):
    explorer.controls["dataset"].value = "COMPAS"
    explorer.controls["intersect"].value = "age_cat"
    frame = data["COMPAS"].frame
    sizes = frame.groupby(["race", "age_cat"], observed=True).size()
    visible = [b for b in explorer._rate_bars if b.get_visible()]
    assert len(visible) == len(sizes)
    hatched = [b.get_hatch() == "///" for b in visible]
    assert hatched == (sizes < 30).tolist()
    texts = [t.get_text() for t in explorer._small_text if t.get_text()]
    assert len(texts) == int((sizes < 30).sum()) and texts[0].endswith("< 30")
    assert "(groups with n ≥ 30)" in explorer.readout.value
    assert "too few to compare" in explorer.table.value
    # Back to a single attribute: hatching and labels are cleared.
    explorer.controls["intersect"].value = NONE
    race_sizes = frame["race"].value_counts().reindex(frame["race"].cat.categories)
    visible = [b for b in explorer._rate_bars if b.get_visible()]
    assert [b.get_hatch() == "///" for b in visible] == (race_sizes < 30).tolist()
    texts = [t.get_text() for t in explorer._small_text if t.get_text()]
    assert len(texts) == int((race_sizes < 30).sum())


def test_compute_rejects_unknown_choices(explorer):
    with pytest.raises(ValueError, match="dataset must be one of"):
        explorer.compute(dataset="Titanic", group_by="sex")
    with pytest.raises(ValueError, match="group_by must be one of"):
        explorer.compute(dataset="German credit", group_by="race")


def test_bad_datasets_argument():
    with pytest.raises(ValueError, match="datasets is empty"):
        AuditExplorer({})
    with pytest.raises(TypeError, match="fairlab Bunch"):
        AuditExplorer({"x": object()})


def test_widget_and_png(explorer):
    bundle = explorer._repr_mimebundle_()
    assert "image/png" in bundle
    assert explorer.widget() is explorer.widget()


def test_reports_are_reused(data):
    from fairlab.audit import audit_report

    b = data["German credit"]
    report = audit_report(b.frame, "credit", b.sensitive_names, max_rows=1500)
    ex = AuditExplorer({"German credit": b}, max_rows=1500, reports={"German credit": report})
    assert ex._proxies[("German credit", ("sex",))] is report.proxies["sex"]
    assert f"AUC = {report.proxies['sex'].auc:.3f}" in ex.axes[2].get_title()
    with pytest.raises(ValueError, match="key reports by dataset name"):
        AuditExplorer({"German credit": b}, reports={"german": report})


# ------------------------------------------------------------------ browser view
def test_every_browser_frame_is_compute_of_its_setting(explorer):
    from fairlab.widgets.browser import spec_size

    view = explorer.browser_view()
    spec = view.spec
    assert explorer.browser_view() is view and view.kind == "audit"
    assert spec["datasets"] == {"German credit": ["sex", "age_band"],
                                "COMPAS": ["race", "sex", "age_cat"]}
    # German: 2 attributes × (none + 1 other); COMPAS: 3 × (none + 2 others)
    assert len(spec["frames"]) == 2 * 2 + 3 * 3 and spec_size(spec) < 1_000_000
    for values in explorer.choices():
        frame = spec["frames"][explorer.frame_key(values)]
        explorer.set_values(**values)
        assert explorer.values() == values  # a valid setting for the Python dropdowns too
        assert frame["readout"] == explorer.readout.value
        assert frame["table"] == explorer.table.value
        share, rate, proxies = (p["layers"][0]["data"] for p in frame["panels"])
        np.testing.assert_allclose([d[2] for d in share], _widths(explorer._share_bars))
        np.testing.assert_allclose([d[2] for d in rate], _widths(explorer._rate_bars))
        assert [d[3] for d in rate] == [t.get_text() for t in explorer._small_text[:len(rate)]]
        np.testing.assert_allclose([d[2] for d in proxies], _widths(explorer._proxy_bars))
        assert [lab for _, lab in frame["panels"][0]["yticks"]] == [
            t.get_text() for t in explorer.axes[0].get_yticklabels()]
        assert frame["panels"][1]["layers"][1]["data"] == pytest.approx(
            explorer._overall.get_xdata()[0])


def test_page_release_syncs_python_state(explorer):
    view = explorer.browser_view()
    view.values = {"dataset": "COMPAS", "group_by": "sex", "intersect": "age_cat"}
    assert explorer.values() == view.values
    assert explorer.state.sensitive_columns == ["sex", "age_cat"]
    explorer.set_values(dataset="German credit", group_by="sex", intersect=NONE)
    assert view.values == explorer.values()


def _settle_in_node(spec, moves):
    """``auditSettle`` of the page (js/kinds/audit.js in the bundle), run by Node."""
    import json
    import shutil
    import subprocess

    from fairlab.widgets.browser import BrowserView

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = ("let data = ''; process.stdin.on('data', (c) => data += c);\n"
              "process.stdin.on('end', async () => {\n"
              "  const m = await import(process.argv[1]);\n"
              "  const {spec, moves} = JSON.parse(data);\n"
              "  console.log(JSON.stringify(moves.map(([v, shown]) =>\n"
              "    m.auditSettle(spec, v, shown)))); });\n")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        bundle = Path(tmp) / "view.mjs"
        bundle.write_text(BrowserView._esm, encoding="utf-8")
        done = subprocess.run([node, "--input-type=module", "-e", script, bundle.as_uri()],
                              check=True, capture_output=True, text=True,
                              input=json.dumps({"spec": spec, "moves": moves}))
    return json.loads(done.stdout)


def test_page_keeps_the_choices_valid_as_python_does(explorer):
    spec = {k: v for k, v in explorer.browser_view().spec.items() if k != "frames"}
    cases = []  # (from setting, the control moved, its new value)
    for start in explorer.choices():
        for name, options in (("dataset", list(spec["datasets"])),
                              ("group_by", spec["datasets"][start["dataset"]]),
                              ("intersect", [NONE, *spec["datasets"][start["dataset"]]])):
            cases += [(start, name, o) for o in options
                      if not (name == "intersect" and o == start["group_by"])]
    moves = [[{**start, name: value}, spec["datasets"][start["dataset"]]]
             for start, name, value in cases]
    for (start, name, value), page in zip(cases, _settle_in_node(spec, moves), strict=True):
        explorer.set_values(**start)
        explorer.controls[name].value = value  # a learner's change in the Python panel
        assert page["values"] == explorer.values(), (start, name, value)
        assert page["group_by"] == list(explorer.controls["group_by"].options)
        assert page["intersect"] == list(explorer.controls["intersect"].options)
        assert explorer.frame_key(page["values"]) in explorer.browser_view().spec["frames"]
