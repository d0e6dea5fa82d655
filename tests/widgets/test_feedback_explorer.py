"""FeedbackExplorer, headless: sliders move the points, the gap curve, the table and readout.

Oracle: the reward model refitted directly (BradleyTerryRewardModel on the same
comparisons), and per-group means and top-k selections counted with pandas.
"""

import numpy as np
import pandas as pd
import pytest

from fairlab.feedback import (
    BradleyTerryRewardModel,
    feedback_grid,
    make_candidates,
    simulate_comparisons,
)
from fairlab.widgets.feedback_explorer import FeedbackExplorer


@pytest.fixture(scope="module")
def grid():
    return feedback_grid(make_candidates(30, random_state=0), biases=[0.0, 0.5, 1.0],
                         n_comparisons=[100, 400, 1600], n_audit=300, random_state=0)


def _by_hand(c, reward, top=0.2):
    """Aligned mean error and top-k selection share per group, with pandas."""
    err = reward - c.quality
    err = err - err.mean()
    k = int(round(top * len(reward)))
    chosen = np.zeros(len(reward), bool)
    chosen[np.argsort(-reward, kind="stable")[:k]] = True
    df = pd.DataFrame({"g": c.group, "err": err, "chosen": chosen})
    return df.groupby("g")[["err", "chosen"]].mean()


def test_compute_matches_a_direct_fit(grid):
    ex = FeedbackExplorer(grid, rater_bias=0.5, n_comparisons=400)
    n = ex.n_updates
    s = ex.compute(rater_bias=1.0, n_comparisons=1600, corrected=False)
    assert ex.n_updates == n  # compute does not render
    c = grid.candidates
    comps = simulate_comparisons(c, 1600, rater_bias=1.0, random_state=0)
    m = BradleyTerryRewardModel().fit(c.features, comps.left, comps.right, comps.left_wins)
    assert s.gap == pytest.approx(m.coef_[-1], abs=1e-6)
    assert s.gap_se == pytest.approx(m.stderr_[-1], rel=1e-6)
    r = m.predict(c.features)
    np.testing.assert_allclose(s.reward, r - (r - c.quality).mean(), atol=1e-6)
    hand = _by_hand(c, r)
    np.testing.assert_allclose(s.report["mean_error"], hand["err"], atol=1e-6)
    np.testing.assert_allclose(s.report["selected_learned"], hand["chosen"])
    assert s.report["selected_true"].tolist() == [0.2, 0.2]  # twins: equal by design


def test_sliders_update_artists_table_and_readout(grid):
    ex = FeedbackExplorer(grid, rater_bias=0.0, n_comparisons=100)
    n = ex.n_updates
    ex.controls["rater_bias"].value = 1.0
    ex.controls["n_comparisons"].value = 1600
    assert ex.n_updates == n + 2
    c = grid.candidates
    r = grid.reward(1.0, 1600)
    aligned = r - (r - c.quality).mean()
    b_points = ex.points["B"].get_offsets()
    np.testing.assert_allclose(b_points[:, 0], c.quality[c.codes == 1])
    np.testing.assert_allclose(b_points[:, 1], aligned[c.codes == 1], atol=1e-9)
    # twins: every B point sits below its A twin by the learned gap
    a_points = ex.points["A"].get_offsets()
    np.testing.assert_allclose(b_points[:, 1] - a_points[:, 1], grid.gap()[2, 2], atol=1e-9)
    np.testing.assert_allclose(ex.gap_line.get_ydata(), grid.gap()[2])
    np.testing.assert_allclose(ex.band_lo.get_ydata(),
                               grid.gap()[2] - 2 * grid.stderr[2, :, -1])
    assert ex.current.get_xdata()[0] == 1600
    assert ex.bias_line.get_ydata()[0] == -1.0
    assert not ex.fixed_line.get_visible()
    gap = grid.gap()[2, 2]
    assert gap < -0.5
    assert f"learned gap B − A {gap:+.3f}" in ex.readout.value
    assert "1,600 comparisons" in ex.readout.value
    hand = _by_hand(c, r)
    assert f"{hand.loc['A', 'err']:.3f}" in ex.table.value
    assert f"{hand.loc['B', 'chosen']:.3f}" in ex.table.value


def test_audit_toggle_moves_the_gap_towards_zero(grid):
    ex = FeedbackExplorer(grid, rater_bias=1.0, n_comparisons=1600)
    before = ex.state.gap
    ex.controls["corrected"].value = True
    after = ex.state.gap
    assert after == pytest.approx(grid.gap()[2, 2] + grid.audit_offset[2, 2])
    assert abs(after) < abs(before)
    assert ex.fixed_line.get_visible()
    assert ex.current.get_ydata()[0] == pytest.approx(after)
    assert "audit-corrected gap" in ex.readout.value
    b_points, a_points = ex.points["B"].get_offsets(), ex.points["A"].get_offsets()
    np.testing.assert_allclose(b_points[:, 1] - a_points[:, 1], after, atol=1e-9)


def test_bad_arguments(grid):
    with pytest.raises(ValueError, match="rater_bias 0.3 is not on the grid"):
        FeedbackExplorer(grid, rater_bias=0.3, n_comparisons=100)
    with pytest.raises(ValueError, match="n_comparisons 50 is not on the grid"):
        FeedbackExplorer(grid, rater_bias=0.0, n_comparisons=50)
    with pytest.raises(TypeError, match="feedback_grid"):
        FeedbackExplorer({"biases": [0]})


# ------------------------------------------------------------------- GoodhartExplorer
@pytest.fixture(scope="module")
def trained():
    from fairlab.feedback import PolicyGradientAgent, make_feed

    feed = make_feed(400, random_state=3)  # clicks agent peaks at step 40
    agents = {"clicks": PolicyGradientAgent(n_steps=60, random_state=1).fit(feed),
              "satisfaction": PolicyGradientAgent("true", n_steps=60, random_state=1).fit(feed)}
    return feed, agents


def test_goodhart_explorer_matches_the_policy_by_hand(trained):
    from fairlab.widgets.feedback_explorer import GoodhartExplorer

    feed, agents = trained
    ex = GoodhartExplorer(feed, agents)
    h = agents["clicks"].history_
    assert ex.controls["step"].value == h["true_objective"].idxmax()  # starts at the peak
    n = ex.n_updates
    assert ex.controls["step"].value != 20
    ex.controls["step"].value = 20
    ex.controls["agent"].value = "satisfaction"
    assert ex.n_updates == n + 2
    hs = agents["satisfaction"].history_
    theta = hs.loc[20, ["theta_quality", "theta_clickbait"]].to_numpy(float)
    p = feed.policy(theta)
    # independent oracle: pandas group-by of the policy's probabilities
    kind = np.where(feed.clickbait, "clickbait", "ordinary")
    by_cell = pd.Series(p).groupby([kind, feed.group]).sum()
    heights = [r.get_height() for r in ex.bars]
    expected = [by_cell.get((k, g), 0.0) for k in ("ordinary", "clickbait") for g in ("A", "B")]
    np.testing.assert_allclose(heights, expected, atol=1e-12)
    assert float(p @ feed.click_prob) == pytest.approx(hs.loc[20, "proxy_reward"])
    np.testing.assert_allclose(ex.true_line.get_ydata(), hs["true_objective"])
    assert ex.cursor.get_xdata()[0] == 20
    assert ex.true_mark.get_ydata()[0] == pytest.approx(hs.loc[20, "true_objective"])
    assert f"click rate {hs.loc[20, 'proxy_reward']:.3f}" in ex.readout.value
    assert ex.readout.value.startswith("satisfaction · step 20")
    assert f"{expected[0]:.3f}" in ex.table.value


def test_goodhart_explorer_errors(trained):
    from fairlab.feedback import PolicyGradientAgent
    from fairlab.widgets.feedback_explorer import GoodhartExplorer

    feed, agents = trained
    with pytest.raises(ValueError, match="step must be <= 60"):
        GoodhartExplorer(feed, agents, step=99)
    with pytest.raises(TypeError, match="call .fit"):
        GoodhartExplorer(feed, {"clicks": PolicyGradientAgent()})
    with pytest.raises(TypeError, match="non-empty dict"):
        GoodhartExplorer(feed, {})
    short = PolicyGradientAgent(n_steps=10).fit(feed)
    with pytest.raises(ValueError, match="same n_steps"):
        GoodhartExplorer(feed, {"a": agents["clicks"], "b": short})


# ------------------------------------------------------------------ drawn in the browser
def test_feedback_browser_frames_are_compute_for_every_grid_cell(grid):
    import itertools
    import json

    from fairlab.widgets.browser import spec_size

    ex = FeedbackExplorer(grid, rater_bias=0.5, n_comparisons=400, corrected=True)
    view = ex.browser_view()
    assert view is ex.browser_view() and view.kind == "feedback"
    spec = view.spec
    assert spec_size(spec) < 1_000_000
    assert [c["index"] for c in spec["controls"]] == [1, 1, 1]  # the starting setting
    c = grid.candidates
    points = {ly["id"]: ly for ly in spec["panels"][0]["layers"]}
    np.testing.assert_array_equal(points["pts1"]["x"], np.round(c.quality[c.codes == 1], 4))
    cells = itertools.product(grid.biases, grid.n_comparisons, [False, True])
    for k, (b, n, corrected) in enumerate(cells):
        frame = spec["frames"][k]  # mixed radix: the last control turns fastest
        ex.set_values(rater_bias=float(b), n_comparisons=int(n), corrected=corrected)
        st = ex.state  # render(compute(...)): what the Python panel shows
        assert frame["readout"] == ex.readout.value.replace("&amp;", "&")
        assert frame["table"] == ex.table.value
        for i in (0, 1):  # the scatter: each candidate's learned reward, to 1e-3
            np.testing.assert_allclose(frame["layers"][0][f"pts{i}"], st.reward[c.codes == i],
                                       atol=5e-4 + 1e-12)
        gap = frame["layers"][1]
        assert gap["current"] == [[pytest.approx(np.log10(n)), pytest.approx(st.gap)]]
        np.testing.assert_allclose([p[1] for p in gap["lo"]], st.gap_curve - 2 * st.se_curve)
        assert (gap["fixed"] != []) == corrected
        assert gap["bias"][0][1] == -float(b)
    json.dumps(spec, allow_nan=False)


def test_feedback_browser_view_syncs_back(grid):
    ex = FeedbackExplorer(grid, rater_bias=0.0, n_comparisons=100)
    view = ex.browser_view()
    view.values = {"rater_bias": 1.0, "n_comparisons": 1600, "corrected": True}
    assert ex.values() == {"rater_bias": 1.0, "n_comparisons": 1600, "corrected": True}
    assert ex.state.gap == pytest.approx(grid.gap(corrected=True)[2, 2])
    ex.set_values(n_comparisons=400)
    assert view.values["n_comparisons"] == 400


def test_goodhart_browser_frames_are_compute_for_every_step(trained):
    from fairlab.widgets.browser import spec_size
    from fairlab.widgets.feedback_explorer import GoodhartExplorer

    feed, agents = trained
    ex = GoodhartExplorer(feed, agents, step=5)
    spec = ex.browser_view().spec
    assert spec_size(spec) < 1_000_000
    assert [c["index"] for c in spec["controls"]] == [0, 5]
    n_steps = len(agents["clicks"].history_)
    assert len(spec["frames"]) == 2 * n_steps
    curves = {ly["id"]: ly for ly in spec["panels"][1]["layers"]}
    np.testing.assert_allclose([p[1] for p in curves["true_objective1"]["data"]],
                               agents["satisfaction"].history_["true_objective"])
    for j, agent in enumerate(agents):
        for step in range(n_steps):
            frame = spec["frames"][j * n_steps + step]
            ex.set_values(agent=agent, step=step)
            st = ex.state
            assert frame["readout"] == ex.readout.value
            assert frame["table"] == ex.table.value
            assert frame["layers"][0]["mark"] == [[step, st.metrics["proxy_reward"]]]
            assert frame["layers"][1]["mark"] == [[step, st.metrics["true_objective"]]]
            np.testing.assert_array_equal(
                [frame["layers"][2][f"bar{k}"][0][2] for k in range(4)],
                [r.get_height() for r in ex.bars])
    ex.browser_view().values = {"agent": "satisfaction", "step": 7}
    assert ex.values() == {"agent": "satisfaction", "step": 7} and ex.state.step == 7
