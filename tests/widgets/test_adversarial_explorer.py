"""Headless tests of AdversarialExplorer (Agg backend, no kernel)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fairlearn.metrics import MetricFrame, selection_rate

from fairlab.adversarial import adversary_sweep, audit_adversary
from fairlab.metrics import group_metrics
from fairlab.plotting import metrics_table_html
from fairlab.training import lambda_sweep
from fairlab.widgets.adversarial_explorer import AdversarialExplorer


def _data(rng, n, n_groups=2):
    s = rng.choice(np.array(["a", "b", "c"][:n_groups]), n)
    X = np.column_stack([rng.normal(size=n) + (s == "a"), rng.normal(size=n), s == "a"])
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0.5).astype(int)
    return X, y, s


@pytest.fixture(scope="module")
def sweeps():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    X, y, s = _data(rng, 300)
    Xt, yt, st = _data(rng, 200)
    kw = dict(X_test=Xt, y_test=yt, sensitive_features_test=st, epochs=4, batch_size=100, lr=0.05,
              random_state=0, progress=False)
    adv = adversary_sweep(X, y, s, [0.0, 0.5, 2.0], **kw)
    lam = lambda_sweep(X, y, s, [0.0, 1.0], **kw)
    yield adv, lam
    torch.set_num_threads(before)


def test_compute_is_the_sweep_row_and_curve(sweeps):
    sweep, _ = sweeps
    ex = AdversarialExplorer(sweep)
    state = ex.compute(alpha=2)
    test = sweep.frame[sweep.frame.split == "test"].reset_index(drop=True)
    assert state.alpha == 2.0
    assert state.row["accuracy"] == test.loc[2, "accuracy"]
    assert state.row["dp_gap"] == test.loc[2, "dp_gap"]
    h = sweep.history
    np.testing.assert_array_equal(state.curve["adversary_auc"],
                                  h.loc[h.alpha == 2.0, "adversary_auc"])


def test_slider_moves_point_bars_curves_and_table(sweeps):
    sweep, lam = sweeps
    ex = AdversarialExplorer(sweep, compare=lam)
    before = ex.n_updates
    ex.controls["alpha"].value = 1
    assert ex.n_updates == before + 1

    # independent: the fitted model for α = 0.5, predicted on the test split
    Xt, yt, st = sweep.X["test"], sweep.y["test"], sweep.sensitive_features["test"]
    model = sweep.models[1]
    pred = model.predict(Xt)
    expected = group_metrics(yt, pred, sensitive_features=st)
    assert ex.table.value == metrics_table_html(expected[ex.state.table.columns])
    mf = MetricFrame(metrics=selection_rate, y_true=yt, y_pred=pred, sensitive_features=st)
    x, y = ex._point.get_data()
    assert y[0] == pytest.approx((pred == yt).mean())
    assert x[0] == pytest.approx(mf.difference())

    # histograms: share of each group's rows per score bin (np.histogram oracle)
    p = model.predict_proba(Xt)[:, 1]
    for g, bars in zip(ex.groups, ex._bars, strict=True):
        counts, _ = np.histogram(p[st == g], bins=20, range=(0, 1))
        np.testing.assert_allclose([b.get_height() for b in bars], counts / (st == g).sum(),
                                   atol=1e-12)

    # training curves: the model's own history
    np.testing.assert_allclose(ex._adv_line.get_ydata(), model.history_["adversary_auc"])
    np.testing.assert_allclose(ex._gap_line.get_ydata(), model.history_["dp_gap"])

    # readout: accuracy, gap, adversary vs baseline, fresh audit (recomputed here)
    audit = audit_adversary(sweep.proba["train"][1], sweep.sensitive_features["train"],
                            scores_test=p, sensitive_features_test=st)
    text = ex.readout.value
    assert text.startswith(f"α = 0.5 · accuracy {(pred == yt).mean():.3f} · "
                           f"DP gap {mf.difference():.3f}")
    base = max((st == "a").mean(), (st == "b").mean())
    assert f"(baseline {base:.3f})" in text
    assert f"fresh adversary AUC {audit.auc:.3f}" in text
    assert text.endswith("(test)")

    # the comparison frontier is lesson 04's sweep
    lines = {ln.get_label(): ln for ln in ex.fig.axes[0].lines}
    comp = lam.frame[lam.frame.split == "test"]
    np.testing.assert_allclose(lines["λ penalty (lesson 04)"].get_xdata(), comp["dp_gap"])


def test_three_groups_fall_back_to_accuracy():
    rng = np.random.default_rng(1)
    X, y, s = _data(rng, 300, n_groups=3)
    sweep = adversary_sweep(X, y, s, [0.0, 1.0], epochs=2, batch_size=100, progress=False)
    ex = AdversarialExplorer(sweep, split="train", gap="eodds_gap")
    ex.controls["alpha"].value = 1
    np.testing.assert_allclose(ex._adv_line.get_ydata(),
                               sweep.models[1].history_["adversary_accuracy"])
    assert "AUC" not in ex.readout.value
    assert "EOdds gap" in ex.readout.value


def test_bad_arguments(sweeps):
    sweep, lam = sweeps
    with pytest.raises(ValueError, match="split must be one of"):
        AdversarialExplorer(sweep, split="valid")
    with pytest.raises(TypeError, match="result of adversary_sweep"):
        AdversarialExplorer(lam)
    with pytest.raises(TypeError, match="compare must be a sweep"):
        AdversarialExplorer(sweep, compare=[1, 2])
    with pytest.raises(ValueError, match="bins must be"):
        AdversarialExplorer(sweep, bins=1)


def test_browser_frames_are_compute_for_every_alpha(sweeps):
    """The page's frames (readout, table, plotted points) are ``compute`` for every α."""
    from fairlab.widgets.browser import BrowserView, spec_size

    sweep, lam = sweeps
    ex = AdversarialExplorer(sweep, compare=lam)
    view = ex.browser_view()
    assert view is ex.browser_view() and isinstance(ex.widget().children[0], BrowserView)
    spec = view.spec
    assert len(spec["frames"]) == len(sweep.alphas)
    assert spec["controls"][0]["labels"] == ["0", "0.5", "2"]
    assert spec_size(spec) < 1_000_000
    edges = np.linspace(0, 1, ex.bins + 1)
    for i, frame in enumerate(spec["frames"]):
        ex.controls["alpha"].value = i  # Python's own render is the oracle
        assert frame["readout"] == ex.readout_text(ex.state) == ex.readout.value
        assert frame["table"] == ex.table.value
        (point,) = frame["layers"][0]["point"]
        assert point == pytest.approx([d[0] for d in ex._point.get_data()])
        for j, bars in enumerate(ex._bars):
            got = frame["layers"][1][f"bars{j}"]
            np.testing.assert_allclose([b[2] for b in got], [b.get_height() for b in bars])
            np.testing.assert_allclose([b[0] for b in got], edges[:-1] + j * (edges[1] / 2))
        adv = np.array(frame["layers"][2]["adv"], float)
        np.testing.assert_allclose(adv[:, 0], ex._adv_line.get_xdata())
        np.testing.assert_allclose(adv[:, 1], ex._adv_line.get_ydata())
        gap = np.array(frame["layers"][2]["gap"], float)
        np.testing.assert_allclose(gap[:, 1], ex._gap_line.get_ydata())
    # the frontier lines are the sweeps' rows; lesson 04's comparison on the same split
    layers = {L["id"]: L for L in spec["panels"][0]["layers"]}
    comp = lam.frame[lam.frame.split == "test"]
    np.testing.assert_allclose(np.array(layers["compare"]["data"])[:, 0], comp["dp_gap"])
    # a release in the page reaches Python's state
    view.values = {"alpha": 1}
    assert ex.controls["alpha"].value == 1 and ex.state.alpha == 0.5
    ex.set_values(alpha=2)  # and Python's moves reach the page
    assert view.values == {"alpha": 2}
