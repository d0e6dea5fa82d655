"""ResamplingExplorer, headless: compute, controls → artists, against independent numbers."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.metrics import accuracy_score

from fairlab.recipes import compare_resampling, lesson_split
from fairlab.widgets import ResamplingExplorer


@pytest.fixture(scope="module")
def study():
    split = lesson_split("german", sensitive_columns="sex")
    return split, compare_resampling(split, n_boot=50)


def test_compute_matches_an_independent_recount(study):
    split, results = study
    ex = ResamplingExplorer(results)
    state = ex.compute(strategy="under", balance="groups")
    # undersampling groups: both groups shrink to the smaller group's size
    n_small = split.X_train["sex"].value_counts().min()
    np.testing.assert_array_equal(state.counts.sum(1), [n_small, n_small])
    assert state.n_train == 2 * n_small
    # base rates are kept within a row of rounding
    rates = split.y_train.groupby(split.X_train["sex"], observed=True).mean()
    np.testing.assert_allclose(state.counts[:, 1] / state.counts.sum(1),
                               rates.loc[ex.groups].to_numpy(), atol=1 / n_small)
    cells = ex.compute(strategy="over", balance="group_label")
    assert np.ptp(cells.counts) == 0  # every (group, label) cell the same size


def test_controls_drive_artists_table_and_readout(study):
    split, results = study
    ex = ResamplingExplorer(results)
    n0 = ex.n_updates
    ex.controls["strategy"].value = "smote"
    ex.controls["balance"].value = "group_label"
    assert ex.n_updates == n0 + 2
    r = results["SMOTE cells"]
    y_true, y_pred = split.y_test.to_numpy(), r.y_pred
    sens = split.X_test["sex"]
    # bars: counts per (group, label) from the sampler; metrics against fairlearn and sklearn
    heights0 = [b.get_height() for b in ex.bars0]
    heights1 = [b.get_height() for b in ex.bars1]
    assert len(set(heights0 + heights1)) == 1
    metric_heights = [b.get_height() for b in ex.metric_bars]
    np.testing.assert_allclose(metric_heights, [
        accuracy_score(y_true, y_pred),
        demographic_parity_difference(y_true, y_pred, sensitive_features=sens),
        equalized_odds_difference(y_true, y_pred, sensitive_features=sens)], atol=1e-12)
    xs, ys = ex.ci_line.get_data()
    assert np.nanmin(np.asarray(ys, float)) <= min(metric_heights)
    assert f"DP gap {metric_heights[1]:.3f}" in ex.readout.value
    assert f"train rows {r.n_train:,}" in ex.readout.value
    assert "test TPR" in ex.table.value and "female" in ex.table.value
    # reweighing: balance is not used, the control is disabled, weights keep n rows
    ex.controls["strategy"].value = "reweigh"
    assert ex.controls["balance"].disabled
    assert ex.state.n_train == len(split.X_train)
    np.testing.assert_allclose(ex.state.counts[:, 1] / ex.state.counts.sum(1),
                               split.y_train.mean())


def test_unknown_choice_is_a_clear_error(study):
    _, results = study
    small = {k: results[k] for k in ("no intervention", "undersample groups")}
    ex = ResamplingExplorer(small)
    assert [v for _, v in ex.controls["strategy"].options] == ["none", "under"]
    with pytest.raises(ValueError, match="no precomputed run"):
        ex.compute(strategy="under", balance="group_label")
    with pytest.raises(ValueError, match="must include a 'none'"):
        ResamplingExplorer({"u": results["undersample groups"]})


def test_every_browser_frame_is_compute_of_its_choice(study):
    from fairlab.widgets.browser import spec_size

    _, results = study
    ex = ResamplingExplorer(results)
    view = ex.browser_view()
    spec = view.spec
    assert ex.browser_view() is view and view.values == {"strategy": "none", "balance": "groups"}
    strategy, balance = spec["controls"]
    assert strategy["widget"] == balance["widget"] == "select"
    # the page lists the same choices, in the same order, as the Python drop-downs
    assert strategy["values"] == list(ex.controls["strategy"]._options_values)
    assert balance["values"] == ["groups", "group_label"]
    assert len(spec["frames"]) == len(strategy["values"]) * 2 and spec_size(spec) < 1_000_000
    k = 0
    for s in strategy["values"]:
        for b in balance["values"]:
            frame = spec["frames"][k]
            k += 1
            ex.set_values(strategy=s, balance=b)
            assert frame["readout"] == ex.readout.value
            assert frame["table"] == ex.table.value
            counts, metrics = frame["layers"]
            np.testing.assert_allclose([v for *_, v in counts["label0"]],
                                       [bar.get_height() for bar in ex.bars0])
            np.testing.assert_allclose([v for *_, v in counts["label1"]],
                                       [b0.get_height() + b1.get_height()
                                        for b0, b1 in zip(ex.bars0, ex.bars1, strict=True)])
            np.testing.assert_allclose([metrics[f"bar-{m}"][0][2] for m in
                                        ("accuracy", "dp_gap", "eodds_gap")],
                                       [bar.get_height() for bar in ex.metric_bars])
            _, ys = ex.ci_line.get_data()
            lows_highs = [p[1] for m in ("accuracy", "dp_gap", "eodds_gap")
                          for p in metrics[f"ci-{m}"]]
            np.testing.assert_allclose(lows_highs, np.asarray(ys, float)[~np.isnan(ys)])
    # a release in the page reaches Python's controls and state
    view.values = {"strategy": "under", "balance": "group_label"}
    assert ex.state.name == "undersample cells"
    ex.set_values(strategy="reweigh")
    assert view.values["strategy"] == "reweigh"
