"""ImpossibilityExplorer, headless: sliders move the artists, the table and the readout."""

import numpy as np
import pytest

from fairlab.calibration import binormal_roc, chouldechova_fpr
from fairlab.widgets import ImpossibilityExplorer


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
