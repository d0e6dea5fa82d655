"""ThresholdExplorer headless: sliders, link, snap buttons and bursts against independent
computations (fairlab.metrics.group_metrics on thresholded scores)."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from fairlab.metrics import group_metrics
from fairlab.thresholds import optimize_thresholds
from fairlab.widgets import ThresholdExplorer

COLS = ["selection_rate", "tpr", "fpr", "ppv", "accuracy"]


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    n = 3000
    g = rng.choice(np.array(["north", "south", "east"]), n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < np.where(g == "north", 0.35, 0.2)).astype(int)
    shift = np.where(g == "east", 0.6, 1.2)
    s = 1 / (1 + np.exp(-(shift * (2 * y - 1) + rng.normal(size=n) - 0.5)))
    return y, s, g


def _independent(y, s, g, thresholds):
    t = np.array([thresholds[v] for v in g])
    return group_metrics(y, (s >= t).astype(int), sensitive_features=g)


def test_moving_one_slider_updates_row_points_and_matrix(data):
    y, s, g = data
    ex = ThresholdExplorer(y, s, sensitive_features=g)
    assert ex.n_updates == 1
    ex.slider("south").value = 0.37
    assert ex.n_updates == 2
    want = _independent(y, s, g, {"north": 0.5, "south": 0.37, "east": 0.5})
    got = ex.state.metrics
    np.testing.assert_allclose(got[COLS].to_numpy(), want.loc[got.index, COLS].to_numpy())
    i = list(ex.groups).index("south")
    assert ex.points["south"].get_xdata()[0] == pytest.approx(want.loc["south", "fpr"])
    assert ex.points["south"].get_ydata()[0] == pytest.approx(want.loc["south", "tpr"])
    tn, fp, fn, tp = ex.state.counts[i]
    m = (s >= 0.37) & (g == "south")
    assert tp == (m & (y == 1)).sum() and fp == (m & (y == 0)).sum()
    img = ex.images["south"].get_array()
    assert img[1, 1] == pytest.approx(tp / (g == "south").sum())
    assert ex.cell_text["south"][1][1].get_text() == f"{tp:,.0f}"
    assert f"{want.loc['south', 'tpr']:.3f}" in ex.table.value
    assert "south 0.370" in ex.readout.value and "accuracy" in ex.readout.value


def test_compute_is_pure_and_checks_thresholds(data):
    y, s, g = data
    ex = ThresholdExplorer(y, s, sensitive_features=g)
    before = ex.n_updates
    values = {ex.names[k]: 0.2 for k in ex.groups}
    state = ex.compute(**values)
    assert ex.n_updates == before  # no render, no update
    want = _independent(y, s, g, dict.fromkeys(ex.groups, 0.2))
    np.testing.assert_allclose(state.metrics[COLS].to_numpy(),
                               want.loc[state.metrics.index, COLS].to_numpy())
    with pytest.raises(ValueError, match=r"threshold for group 'east' must be <= 1"):
        ex.compute(**{**values, ex.names["east"]: 1.5})
    with pytest.raises(ValueError, match="unknown group 'west'"):
        ex.slider("west")
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        ThresholdExplorer(y, s * 2, sensitive_features=g)


@pytest.mark.parametrize("constraint", ["none", "single_threshold", "demographic_parity",
                                        "equal_opportunity", "equalized_odds"])
def test_snap_buttons_land_on_solver_thresholds_in_one_update(data, constraint):
    y, s, g = data
    ex = ThresholdExplorer(y, s, sensitive_features=g)
    pol = optimize_thresholds(y, s, sensitive_features=g, constraint=constraint)
    before = ex.n_updates
    ex.buttons[constraint].click()
    assert ex.n_updates == before + 1
    for grp in ex.groups:
        assert ex.slider(grp).value == pytest.approx(min(pol.thresholds_[grp], 1.0))
    assert ex.controls["link"].value == (constraint == "single_threshold")
    want = _independent(y, s, g, pol.thresholds_.to_dict())
    np.testing.assert_allclose(ex.state.metrics[COLS].to_numpy(),
                               want.loc[ex.state.metrics.index, COLS].to_numpy())
    assert "snapped to" in ex.readout.value
    if constraint in ("none", "single_threshold"):  # deterministic: the solver's own rates
        np.testing.assert_allclose(ex.state.metrics[COLS].to_numpy(),
                                   pol.rates_[COLS].to_numpy())


def test_link_all_moves_every_slider(data):
    y, s, g = data
    ex = ThresholdExplorer(y, s, sensitive_features=g)
    ex.slider("east").value = 0.3
    ex.controls["link"].value = True
    first = ex.slider(ex.groups[0]).value
    assert {ex.slider(k).value for k in ex.groups} == {first}
    before = ex.n_updates
    ex.slider("north").value = 0.61
    assert ex.n_updates == before + 1  # one update for the whole linked move
    assert {ex.slider(k).value for k in ex.groups} == {0.61}
    want = _independent(y, s, g, dict.fromkeys(ex.groups, 0.61))
    np.testing.assert_allclose(ex.state.metrics[COLS].to_numpy(),
                               want.loc[ex.state.metrics.index, COLS].to_numpy())
    ex.controls["link"].value = False
    ex.slider("north").value = 0.2
    assert ex.slider("east").value == 0.61


def test_burst_of_100_events_leaves_displays_consistent(data):
    y, s, g = data
    ex = ThresholdExplorer(y, s, sensitive_features=g)
    rng = np.random.default_rng(0)
    moves = [(ex.groups[rng.integers(3)], float(rng.random())) for _ in range(100)]

    async def burst():
        for grp, v in moves:
            ex.slider(grp).value = v
        await asyncio.sleep(ex.delay * 5)

    asyncio.run(burst())
    assert ex.n_updates < 10  # coalesced
    final = {grp: ex.slider(grp).value for grp in ex.groups}
    assert final == {**dict.fromkeys(ex.groups, 0.5), **dict(moves)}  # newest values landed
    want = _independent(y, s, g, final)
    np.testing.assert_allclose(ex.state.metrics[COLS].to_numpy(),
                               want.loc[ex.state.metrics.index, COLS].to_numpy())
    for grp in ex.groups:
        assert ex.points[grp].get_xdata()[0] == pytest.approx(want.loc[grp, "fpr"])
    # and without an event loop (scripts, tests): 100 immediate updates, same end
    ex.fig.canvas.draw_idle = lambda *a, **k: None  # skip 100 full Agg renders
    for grp, v in moves:
        ex.slider(grp).value = v
    np.testing.assert_allclose(ex.state.metrics[COLS].to_numpy(),
                               want.loc[ex.state.metrics.index, COLS].to_numpy())


def test_median_callback_on_adult_test_split_is_fast():
    from sklearn.linear_model import LogisticRegression

    from fairlab.datasets import load_adult

    tr, te = load_adult("train"), load_adult("test")
    num = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
    model = LogisticRegression(max_iter=500).fit(tr.data[num], tr.target)
    score = model.predict_proba(te.data[num])[:, 1]
    ex = ThresholdExplorer(te.target, score, sensitive_features=te.sensitive_features["race"])
    draws = []
    ex.fig.canvas.draw_idle = lambda *a, **k: draws.append(1)  # as ipympl: draw later
    times = []
    for v in np.linspace(0.05, 0.95, 60):
        t0 = time.perf_counter()
        ex.slider("White").value = float(v)
        times.append(time.perf_counter() - t0)
    assert len(draws) == 60  # one redraw request per update
    # issue target: median <= 15 ms; the 2 cores are shared, so the test allows 2x
    assert np.median(times) < 0.030, np.median(times)
