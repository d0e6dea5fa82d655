"""LanguageModelExplorer, headless: compute, controls → artists, against direct measurement."""

from __future__ import annotations

import numpy as np
import pytest

from fairlab.lm import bias_report, fit_grid, make_corpus, template_probe
from fairlab.widgets import LanguageModelExplorer


@pytest.fixture(scope="module")
def setup():
    c = make_corpus(n_sentences=400, random_state=0)
    fixed = c.occupations[::2]
    grid = fit_grid(c, lams=[0, 5], shares=[0, 1], fixed=fixed, epochs=2, hidden_size=16)
    return c, fixed, grid


def test_compute_matches_direct_measurement(setup):
    c, fixed, grid = setup
    ex = LanguageModelExplorer(c, grid, fixed=fixed)
    state = ex.compute(lam=5.0, share=1.0)
    model = grid[(1.0, 5.0)]
    direct = template_probe(model, list(c.stats.index), n_boot=10).per_occupation["value"]
    np.testing.assert_allclose(state.shares.to_numpy(), direct.to_numpy())
    np.testing.assert_allclose(state.report.to_numpy(),
                               bias_report(model, c, fixed=fixed).to_numpy())
    assert f"{state.report['neutral perplexity']:.3f}" in state.readout


def test_controls_drive_points_table_and_readout(setup):
    c, fixed, grid = setup
    ex = LanguageModelExplorer(c, grid, fixed=fixed)
    n0 = ex.n_updates
    ex.controls["lam"].value = 5.0
    assert ex.n_updates == n0 + 1
    want = ex.compute(lam=5.0, share=0.0)
    pts = ex._points["fixed (penalised)"].get_offsets()
    np.testing.assert_allclose(pts[:, 1], want.shares[fixed].to_numpy())
    np.testing.assert_allclose(pts[:, 0], c.stats[fixed].to_numpy())
    assert ex.readout.value == want.readout
    assert "this model" in ex.table.value


def test_errors(setup):
    c, fixed, grid = setup
    with pytest.raises(ValueError, match="untouched model"):
        LanguageModelExplorer(c, {k: v for k, v in grid.items() if k != (0.0, 0.0)},
                              fixed=fixed)
    with pytest.raises(TypeError, match="fit_grid"):
        LanguageModelExplorer(c, {}, fixed=fixed)
    ex = LanguageModelExplorer(c, grid, fixed=fixed)
    with pytest.raises(ValueError, match="no precomputed model"):
        ex.compute(lam=3.0, share=0.0)


# ------------------------------------------------------------------ drawn in the browser
def test_every_browser_frame_is_what_python_renders(setup):
    """The page picks frame k = index(λ) · n_shares + index(share); each must show exactly
    the readout, table and points that render(compute(...)) shows for that setting."""
    from fairlab.widgets.browser import spec_size

    c, fixed, grid = setup
    ex = LanguageModelExplorer(c, grid, fixed=fixed)
    view = ex.browser_view()
    assert ex.browser_view() is view and ex.widget().children[0] is view
    spec = view.spec
    assert [ctl["name"] for ctl in spec["controls"]] == ["lam", "share"]
    assert spec_size(spec) < 1_000_000
    lams, shares = spec["controls"][0]["values"], spec["controls"][1]["values"]
    assert len(spec["frames"]) == len(lams) * len(shares) == 4
    for i, lam in enumerate(lams):
        for j, share in enumerate(shares):
            frame = spec["frames"][i * len(shares) + j]
            ex.set_values(lam=lam, share=share)
            assert frame["readout"] == ex.readout.value
            assert frame["table"] == ex.table.value
            for k, (name, occ) in enumerate(ex.groups.items()):
                np.testing.assert_allclose(np.array(frame["layers"][0][f"occ{k}"]),
                                           ex._points[name].get_offsets())
                assert [x for x, _ in frame["layers"][0][f"occ{k}"]] == list(c.stats[occ])


def test_page_release_syncs_python_state_and_python_moves_the_page(setup):
    c, fixed, grid = setup
    ex = LanguageModelExplorer(c, grid, fixed=fixed)
    view = ex.browser_view()
    view.values = {"lam": 5, "share": 1}  # what the page writes on release (JSON numbers)
    assert (ex.state.lam, ex.state.share) == (5.0, 1.0)
    assert ex.values() == {"lam": 5.0, "share": 1.0}
    ex.set_values(lam=0.0)
    assert view.values == {"lam": 0.0, "share": 1.0}


def test_a_pair_the_grid_did_not_train_has_a_frame_that_says_so(setup):
    c, fixed, grid = setup
    partial = {k: v for k, v in grid.items() if k != (1.0, 5.0)}
    ex = LanguageModelExplorer(c, partial, fixed=fixed)
    frames = ex.browser_view().spec["frames"]
    assert "no model was trained" in frames[3]["readout"]  # λ 5, share 1
    assert frames[3]["table"] == "" and frames[3]["layers"][0]["occ0"] == []
    assert frames[2]["readout"] == ex.compute(lam=5.0, share=0.0).readout
