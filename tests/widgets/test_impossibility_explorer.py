"""ImpossibilityExplorer, headless: sliders move the artists, the table and the readout;
the page's own arithmetic (js/kinds/impossibility.js, run by Node) equals ``compute``."""

import html
import itertools

import numpy as np
import pytest
from scipy.stats import norm

from fairlab.calibration import binormal_roc, chouldechova_fpr
from fairlab.widgets import ImpossibilityExplorer
from fairlab.widgets.browser import BrowserView, spec_size
from fairlab.widgets.impossibility_explorer import _stops, criteria_html
from tests.widgets.page_js import needs_node, run_in_page


def _ppv(p, tpr, fpr):
    return p * tpr / (p * tpr + (1 - p) * fpr)


def test_compute_is_pure_and_matches_hand_formulas():
    ex = ImpossibilityExplorer()
    n = ex.n_updates
    s = ex.compute(base_rate_a=0.5, base_rate_b=0.2, auc=0.8, tpr=0.6)
    assert ex.n_updates == n  # compute does not render
    r = s.result
    # the shared point lies on the ROC curve of this AUC
    assert binormal_roc(r.fpr, 0.8) == pytest.approx(0.6)
    np.testing.assert_allclose(r.same_error_rates["ppv"],
                               [_ppv(0.5, 0.6, r.fpr), _ppv(0.2, 0.6, r.fpr)])
    need = chouldechova_fpr(0.2, _ppv(0.5, 0.6, r.fpr), 0.4)
    assert r.same_ppv_fnr["fpr"].iloc[1] == pytest.approx(need)
    np.testing.assert_allclose(s.roc_tpr, binormal_roc(s.roc_fpr, 0.8))


def test_sliders_update_artists_table_and_readout():
    ex = ImpossibilityExplorer(groups=("Black", "white"))
    n = ex.n_updates
    ex.controls["base_rate_a"].value = 0.6
    ex.controls["base_rate_b"].value = 0.3
    ex.controls["auc"].value = 0.75
    ex.controls["tpr"].value = 0.65
    assert ex.n_updates == n + 4
    fpr = float(ex.shared_mark.get_xdata()[0])
    assert binormal_roc(fpr, 0.75) == pytest.approx(0.65)
    ppv_a, ppv_b = _ppv(0.6, 0.65, fpr), _ppv(0.3, 0.65, fpr)
    heights = [[r.get_height() for r in ex.bars[g]] for g in ("Black", "white")]
    np.testing.assert_allclose(heights[0][:3], [fpr, 0.35, ppv_a])
    np.testing.assert_allclose(heights[1][:3], [fpr, 0.35, ppv_b])
    need = chouldechova_fpr(0.3, ppv_a, 0.35)
    np.testing.assert_allclose(heights[1][3:], [need, 0.35, ppv_a])
    assert ex.need_mark.get_xdata()[0] == pytest.approx(need)
    # lower base rate with the same TPR and PPV needs a smaller FPR: above the ROC curve
    assert need < fpr and ex.need_note.get_text() == "out of reach"
    assert f"PPV {ppv_a:.3f} vs {ppv_b:.3f}" in ex.readout.value
    assert "not reachable" in ex.readout.value
    assert ex.table.value.count("✗ cannot") == 4
    np.testing.assert_allclose(ex.roc_line.get_ydata(), binormal_roc(ex.roc_line.get_xdata(),
                                                                     0.75))


def test_equal_base_rates_make_every_criterion_hold():
    ex = ImpossibilityExplorer()
    ex.set_values(base_rate_a=0.4, base_rate_b=0.4)
    assert ex.table.value.count("✓ can hold") == 5
    assert ex.need_note.get_text() == "reachable"


def test_perfect_classifier_meets_the_error_and_calibration_criteria():
    ex = ImpossibilityExplorer()
    ex.controls["auc"].value = 1.0
    holds = ex.state.result.criteria["holds"]
    assert holds.iloc[:4].all()
    assert ex.shared_mark.get_xdata()[0] == 0


def test_higher_base_rate_for_b_is_reachable_but_error_rates_differ():
    ex = ImpossibilityExplorer(base_rate_a=0.4, base_rate_b=0.5, auc=0.8, tpr=0.6)
    par = ex.state.result.same_ppv_fnr
    assert bool(par["feasible"].iloc[1])
    assert par["fpr"].iloc[1] > par["fpr"].iloc[0]
    assert "(reachable)" in ex.readout.value


def test_bad_arguments():
    with pytest.raises(ValueError, match="two different names"):
        ImpossibilityExplorer(groups=("A", "A"))
    with pytest.raises(ValueError, match="auc must be >= 0.5"):
        ImpossibilityExplorer(auc=0.2)


def test_starting_values_outside_the_sliders_are_refused():
    with pytest.raises(ValueError, match="base_rate_a must be >= 0.05"):
        ImpossibilityExplorer(base_rate_a=0.01)
    with pytest.raises(ValueError, match="tpr must be <= 0.95"):
        ImpossibilityExplorer(tpr=0.99)
    with pytest.raises(TypeError, match="base_rate_b must be a number"):
        ImpossibilityExplorer(base_rate_b="0.4")


# ----------------------------------------------------------------- drawn in the browser
_NAMES = ("base_rate_a", "base_rate_b", "auc", "tpr")


@needs_node
def test_page_normal_cdf_and_inverse_match_scipy(tmp_path):
    rng = np.random.default_rng(0)
    xs = np.concatenate([rng.normal(0, 2.5, 3000), np.linspace(-8, 8, 321),
                         [0.0, 0.66291, -0.66291, np.sqrt(32), -np.sqrt(32), 1e-20]])
    ps = np.concatenate([rng.random(3000), 10.0 ** -rng.uniform(0, 300, 300),
                         [0.5, 0.075, 0.925, 1e-300, 1 - 1e-16]])
    got = run_in_page("{c: data.xs.map(m.normCdf), q: data.ps.map(m.normPpf)}",
                {"xs": xs.tolist(), "ps": ps.tolist()}, tmp_path)
    # Cody's and Wichura's approximations: a few units in the last place of scipy's (in the
    # far tail exp(-x²/2) itself is only good to about x²·2⁻⁵³ relative)
    np.testing.assert_allclose(got["c"], norm.cdf(xs), rtol=5e-14, atol=0)
    np.testing.assert_allclose(got["q"], norm.ppf(ps), rtol=2e-15, atol=0)


def _boundary_settings(ex, limit=60):
    """Slider settings whose printed numbers sit within 1e-9 of a 3-decimal rounding
    boundary (a tie "…5"), found by brute force over part of the grid: the page must
    round these exactly as Python does."""
    p = np.array(_stops("base_rate_a"))
    tprs = np.array(_stops("tpr"))
    found = []
    for auc in (0.5, 0.63, 0.8, 1.0):
        d = np.inf if auc >= 1 else np.sqrt(2) * norm.ppf(auc)
        fpr = norm.cdf(norm.ppf(tprs) - d)
        pa, pb, t = np.meshgrid(p, p, tprs, indexing="ij")
        f = np.broadcast_to(fpr, t.shape)
        ppv0, ppv1 = (q * t / (q * t + (1 - q) * f) for q in (pa, pb))
        need = [q / (1 - q) * (1 - ppv0) / ppv0 * t for q in (pa, pb)]
        printed = [ppv0, ppv1, *need, np.abs(need[1] - need[0]), np.abs(ppv0 - ppv1)]
        near = np.zeros(t.shape, bool)
        for v in printed:
            frac = np.abs(v * 1000 - np.floor(v * 1000) - 0.5)
            near |= frac < 1e-6  # within 1e-9 of the tie
        for i, j, k in zip(*np.nonzero(near), strict=True):
            found.append({"base_rate_a": float(p[i]), "base_rate_b": float(p[j]),
                          "auc": auc, "tpr": float(tprs[k])})
    rng = np.random.default_rng(2)
    assert len(found) >= 10  # the grid does hold such settings
    return [found[i] for i in rng.choice(len(found), min(limit, len(found)), replace=False)]


def _settings(ex):
    stops = {n: _stops(n) for n in _NAMES}
    rng = np.random.default_rng(1)
    random = [{n: float(rng.choice(stops[n])) for n in _NAMES} for _ in range(220)]
    ends = [{n: stops[n][e[i]] for i, n in enumerate(_NAMES)}
            for e in itertools.product([0, -1], repeat=4)]  # every corner of the grid
    equal = [{"base_rate_a": 0.4, "base_rate_b": 0.4, "auc": u, "tpr": 0.6}
             for u in (0.5, 0.7, 1.0)]  # equal base rates: every criterion can hold
    return random + ends + equal + _boundary_settings(ex)


@needs_node
def test_page_state_is_compute_on_random_edge_and_tie_settings(tmp_path):
    """What the page computes (readout, table, bars, plotted points) for hundreds of
    settings equals what Python's ``compute`` and ``render`` give, exactly in text."""
    ex = ImpossibilityExplorer(groups=("Black", "white"))
    spec = ex.browser_view().spec
    settings = _settings(ex)
    got = run_in_page("data.vs.map((v) => { const s = m.impossibilityState(data.spec, v);"
                " return {readout: s.readout, table: s.table, bars: s.bars, fpr: s.fpr,"
                " need: s.need, feasible: s.feasible, roc: s.roc}; })",
                {"spec": spec, "vs": settings}, tmp_path)
    for v, page in zip(settings, got, strict=True):
        state = ex.compute(**v)
        r = state.result
        assert page["readout"] == ex.readout_text(state), v
        assert page["table"] == criteria_html(r), v
        assert page["fpr"] == r.fpr  # the exact number sent by Python
        np.testing.assert_array_equal(page["bars"], state.bars)
        np.testing.assert_array_equal(page["need"], r.same_ppv_fnr["fpr"])
        assert page["feasible"] == r.same_ppv_fnr["feasible"].tolist()
        roc = np.array(page["roc"], float)
        np.testing.assert_array_equal(roc[:, 0], state.roc_fpr)
        np.testing.assert_allclose(roc[:, 1], state.roc_tpr, rtol=1e-13, atol=1e-15)
    ex.set_values(**settings[0])  # what render shows is that readout and that table
    assert ex.table.value == criteria_html(ex.state.result) == got[0]["table"]
    assert ex.readout.value == html.escape(got[0]["readout"])


def test_spec_is_sent_once_and_small():
    ex = ImpossibilityExplorer()
    view = ex.browser_view()
    assert view is ex.browser_view() and view.kind == "impossibility"
    assert isinstance(ex.widget().children[0], BrowserView)
    spec = view.spec
    assert [c["name"] for c in spec["controls"]] == list(_NAMES)
    assert [len(c["values"]) for c in spec["controls"]] == [91, 91, 51, 91]
    assert spec["dprime"][-1] is None  # AUC 1: d' is infinite
    assert spec_size(spec) < 1_000_000


def test_release_in_the_page_updates_python_state_and_back():
    ex = ImpossibilityExplorer()
    view = ex.browser_view()
    view.values = {**view.values, "auc": 0.85, "tpr": 0.6}  # what the page sends on release
    assert ex.controls["auc"].value == 0.85 and ex.state.result.auc == 0.85
    assert ex.state.result.tpr == 0.6
    ex.set_values(base_rate_b=0.3)  # Python's move reaches the page
    assert view.values["base_rate_b"] == 0.3
