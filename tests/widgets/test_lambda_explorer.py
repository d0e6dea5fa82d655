"""Headless tests of LambdaExplorer (Agg backend, no kernel)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fairlearn.metrics import MetricFrame, selection_rate

from fairlab.metrics import group_metrics
from fairlab.plotting import metrics_table_html
from fairlab.training import lambda_sweep
from fairlab.widgets import LambdaExplorer


@pytest.fixture(scope="module")
def sweep():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)

    def data(n):
        s = rng.choice(["a", "b", "c"], n)
        X = np.column_stack([rng.normal(size=n) + (s == "a"), rng.normal(size=n), s == "a"])
        y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0.5).astype(int)
        return X, y, s

    X, y, s = data(300)
    Xt, yt, st = data(200)
    out = lambda_sweep(X, y, s, [0.0, 0.5, 2.0], X_test=Xt, y_test=yt, sensitive_features_test=st,
                       epochs=3, batch_size=100, lr=0.05, random_state=0, progress=False)
    yield out
    torch.set_num_threads(before)


def test_compute_is_the_sweep_row(sweep):
    ex = LambdaExplorer(sweep)
    state = ex.compute(lam=2)
    test = sweep.frame[sweep.frame.split == "test"].reset_index(drop=True)
    assert state.lam == 2.0
    assert state.row["accuracy"] == test.loc[2, "accuracy"]
    assert state.row["dp_gap"] == test.loc[2, "dp_gap"]


def test_slider_updates_table_point_and_histograms(sweep):
    ex = LambdaExplorer(sweep)
    before = ex.n_updates
    ex.controls["lam"].value = 1
    assert ex.n_updates == before + 1

    # independent: predictions of the fitted model for λ = 0.5 on the test split
    Xt, yt, st = sweep.X["test"], sweep.y["test"], sweep.sensitive_features["test"]
    pred = sweep.models[1].predict(Xt)
    expected = group_metrics(yt, pred, sensitive_features=st)
    assert ex.table.value == metrics_table_html(expected[ex.state.table.columns])
    mf = MetricFrame(metrics=selection_rate, y_true=yt, y_pred=pred, sensitive_features=st)
    np.testing.assert_allclose(ex.state.table["selection_rate"], mf.by_group.to_numpy())

    # frontier point = (DP gap, accuracy) of that model
    x, y = ex._point.get_data()
    assert y[0] == pytest.approx((pred == yt).mean())
    assert x[0] == pytest.approx(mf.difference())
    assert ex.readout.value.startswith(f"λ = 0.50 · accuracy {(pred == yt).mean():.3f}")

    # bar heights = share of each group's rows per score bin (np.histogram oracle)
    p = sweep.models[1].predict_proba(Xt)[:, 1]
    for g, bars in zip(ex.groups, ex._bars, strict=True):
        counts, _ = np.histogram(p[st == g], bins=20, range=(0, 1))
        heights = [b.get_height() for b in bars]
        np.testing.assert_allclose(heights, counts / (st == g).sum(), atol=1e-12)


def test_train_button_trains_the_same_model_live(sweep):
    ex = LambdaExplorer(sweep)
    ex.controls["lam"].value = 2
    ex.train_button.click()
    assert ex.progress.value == ex.progress.max == 3
    np.testing.assert_allclose(ex.live_model.predict_proba(sweep.X["test"])[:, 1],
                               sweep.proba["test"][2], atol=1e-4)
    assert "trained live at λ = 2.00" in ex.live.value


def test_train_split_and_bad_arguments(sweep):
    ex = LambdaExplorer(sweep, split="train", gap="eo_gap")
    assert "EO gap" in ex.readout.value and ex.readout.value.endswith("(train)")
    with pytest.raises(ValueError, match="split must be one of"):
        LambdaExplorer(sweep, split="valid")
    with pytest.raises(TypeError, match="result of lambda_sweep"):
        LambdaExplorer(sweep.frame)
