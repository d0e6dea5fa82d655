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
