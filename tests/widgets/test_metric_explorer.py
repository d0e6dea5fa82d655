"""MetricExplorer, headless: controls drive bars, intervals, table and readout.

Oracles: fairlearn's MetricFrame for the per-group rates, fairlab.metrics for the gaps.
"""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, true_positive_rate

from fairlab.metrics import (
    bootstrap_ci,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
)
from fairlab.recipes import Case
from fairlab.widgets.metric_explorer import MAX_BARS, MetricExplorer


def _cases():
    rng = np.random.default_rng(0)
    n = 3000
    race = rng.choice(["r1", "r2", "r3"], n, p=[0.6, 0.38, 0.02])  # r3 is tiny
    sex = rng.choice(["F", "M"], n)
    y = (rng.random(n) < np.where(race == "r1", 0.5, 0.35)).astype(int)
    yp1 = np.where(rng.random(n) < 0.8, y, 1 - y)
    yp2 = np.where(rng.random(n) < 0.6, y, 1 - y)
    sens = pd.DataFrame({"race": race, "sex": sex})
    m = 500
    age = rng.choice(["young", "old"], m)
    y3 = rng.integers(0, 2, m)
    return {("toy", "good"): Case(y, yp1, sens), ("toy", "poor"): Case(y, yp2, sens),
            ("other", "coin"): Case(y3, rng.integers(0, 2, m), pd.DataFrame({"age": age}))}


@pytest.fixture(scope="module")
def cases():
    return _cases()


def _heights(ex):
    return [r.get_height() for r in ex.bar_artists if r.get_visible()]


def test_initial_state_matches_fairlearn(cases):
    ex = MetricExplorer(cases, n_boot=200)
    assert ex.values() == {"dataset": "toy", "model": "good", "group_by": "race",
                           "metric": "tpr"}
    c = cases[("toy", "good")]
    mf = MetricFrame(metrics=true_positive_rate, y_true=c.y_true, y_pred=c.y_pred,
                     sensitive_features=c.sensitive_features["race"])
    np.testing.assert_allclose(_heights(ex), mf.by_group.to_numpy())
    assert sum(r.get_visible() for r in ex.bar_artists) == 3
    assert "3 groups (1 small)" in ex.readout.value
    assert f"EO gap {mf.difference():.3f}" in ex.readout.value
    assert "small or uncertain groups: r3" in ex.table.value


def test_metric_and_attribute_changes_redraw(cases):
    ex = MetricExplorer(cases, n_boot=200)
    n = ex.n_updates
    ex.controls["metric"].value = "fpr"
    ex.controls["group_by"].value = "race × sex"
    assert ex.n_updates == n + 2
    c = cases[("toy", "good")]
    mf = MetricFrame(metrics=false_positive_rate, y_true=c.y_true, y_pred=c.y_pred,
                     sensitive_features=c.sensitive_features[["race", "sex"]])
    np.testing.assert_allclose(_heights(ex), mf.by_group.to_numpy())
    # error bars are the bootstrap intervals of fairlab.metrics.bootstrap_ci
    ci = bootstrap_ci("fpr", c.y_true, c.y_pred,
                      sensitive_features=c.sensitive_features[["race", "sex"]],
                      n_boot=200, random_state=0)
    segs = ex.err.get_segments()[: len(ci)]
    np.testing.assert_allclose([s[0][1] for s in segs], ci["low"])
    np.testing.assert_allclose([s[1][1] for s in segs], ci["high"])
    assert [t.get_text() for t in ex.ax.get_xticklabels()][0].startswith("r1 × F (n=")
    # the summary gaps agree with fairlab.metrics
    sens = c.sensitive_features[["race", "sex"]]
    g = ex.state.gaps["estimate"]
    assert g["equal opportunity difference (TPR gap)"] == pytest.approx(
        equal_opportunity_difference(c.y_true, c.y_pred, sensitive_features=sens))
    assert g["equalized odds difference"] == pytest.approx(
        equalized_odds_difference(c.y_true, c.y_pred, sensitive_features=sens))
    assert g["demographic parity ratio"] == pytest.approx(
        demographic_parity_ratio(c.y_true, c.y_pred, sensitive_features=sens))
    # the overall line is the pooled FPR
    pooled = c.y_pred[c.y_true == 0].mean()
    assert ex.overall_line.get_ydata()[0] == pytest.approx(pooled)


def test_small_groups_are_flagged_pale_and_wide(cases):
    ex = MetricExplorer(cases, n_boot=300)
    frame = ex.state.groups
    assert frame["small"].tolist() == [False, False, True]
    width = frame["high"] - frame["low"]
    assert width["r3"] > 3 * width["r1"]
    tiny = ex.bar_artists[2]
    assert tiny.get_alpha() == pytest.approx(0.35) and tiny.get_hatch() == "//"
    assert ex.value_texts[2].get_text().endswith("⚠")
    assert ex.bar_artists[0].get_alpha() == pytest.approx(0.9)


def test_model_and_dataset_changes(cases):
    ex = MetricExplorer(cases, n_boot=200)
    ex.controls["model"].value = "poor"
    c = cases[("toy", "poor")]
    mf = MetricFrame(metrics=true_positive_rate, y_true=c.y_true, y_pred=c.y_pred,
                     sensitive_features=c.sensitive_features["race"])
    np.testing.assert_allclose(_heights(ex), mf.by_group.to_numpy())
    ex.controls["dataset"].value = "other"
    assert list(ex.controls["model"].options) == ["coin"]
    assert list(ex.controls["group_by"].options) == ["age"]
    assert ex.state.dataset == "other" and ex.state.model == "coin"
    assert ex.state.sensitive_columns == "age"
    assert sum(r.get_visible() for r in ex.bar_artists) == 2
    assert ex.readout.value.startswith("other · coin · age · tpr")


def test_compute_is_pure_and_cached(cases):
    ex = MetricExplorer(cases, n_boot=100)
    n = ex.n_updates
    a = ex.compute(dataset="toy", model="good", group_by="sex", metric="ppv")
    b = ex.compute(dataset="toy", model="good", group_by="sex", metric="ppv")
    assert ex.n_updates == n
    pd.testing.assert_frame_equal(a.groups, b.groups)
    with pytest.raises(ValueError, match="metric must be one of"):
        ex.compute(dataset="toy", model="good", group_by="sex", metric="auc")


def test_bad_cases():
    with pytest.raises(ValueError, match="cases is empty"):
        MetricExplorer({})
    case = _cases()[("other", "coin")]
    with pytest.raises(ValueError, match="n_boot must be >= 10"):
        MetricExplorer({("a", "b"): case}, n_boot=5)
    with pytest.raises(ValueError, match="max_width must be <= 1"):
        MetricExplorer({("a", "b"): case}, max_width=2)
    with pytest.raises(TypeError, match="must be a Case"):
        MetricExplorer({("a", "b"): ([0, 1], [0, 1], ["x", "y"])})
    rng = np.random.default_rng(1)
    many = pd.DataFrame({"g": [f"g{i}" for i in range(MAX_BARS + 1)] * 20})
    y = rng.integers(0, 2, len(many))
    with pytest.raises(ValueError, match="Choose a coarser grouping"):
        MetricExplorer({("d", "m"): Case(y, y, many)}, n_boot=20)


def test_browser_frames_are_compute_for_every_available_choice(cases):
    """One frame per (dataset, its model, its grouping, metric): the readout, table and
    bars that Python's render shows for that choice; nothing for unavailable pairs."""
    import html

    from fairlab.widgets.browser import BrowserView, spec_size
    from fairlab.widgets.metric_explorer import METRICS

    ex = MetricExplorer(cases, n_boot=100)
    view = ex.browser_view()
    assert view is ex.browser_view() and view.kind == "metrics"
    assert isinstance(ex.widget().children[0], BrowserView)
    spec = view.spec
    assert spec["datasets"] == [
        {"name": "toy", "models": ["good", "poor"],
         "group_by": ["race", "sex", "race × sex"]},
        {"name": "other", "models": ["coin"], "group_by": ["age"]}]
    assert len(spec["frames"]) == (2 * 3 + 1) * len(METRICS)
    assert "toy | coin | race | tpr" not in spec["frames"]  # no such model for "toy"
    assert spec_size(spec) < 1_000_000
    for key, frame in spec["frames"].items():
        dataset, model, group_by, metric = key.split(" | ")
        ex.set_values(dataset=dataset, model=model, group_by=group_by, metric=metric)
        assert frame["readout"] == ex.readout_text(ex.state)
        assert html.escape(frame["readout"]) == ex.readout.value
        assert frame["table"] == ex.table.value
        n = len(ex.state.groups)
        assert [b[1] for b in frame["bars"]] == pytest.approx(
            [r.get_height() for r in ex.bar_artists[:n]])
        segs = ex.err.get_segments()[:n]
        np.testing.assert_allclose([[b[2], b[3]] for b in frame["bars"]],
                                   [[s[0][1], s[1][1]] for s in segs])
        assert [b[0] for b in frame["bars"]] == [t.get_text() for t in ex.ax.get_xticklabels()]
        assert [b[6] for b in frame["bars"]] == [t.get_text() for t in ex.value_texts[:n]]
        assert frame["overall"] == pytest.approx(ex.overall_line.get_ydata()[0])


def test_page_choice_syncs_back_with_options_that_follow_the_dataset(cases):
    ex = MetricExplorer(cases, n_boot=100)
    view = ex.browser_view()
    # what the page sends when the dataset changes: the new dataset's first model/grouping
    view.values = {"dataset": "other", "model": "coin", "group_by": "age", "metric": "fpr"}
    assert ex.values() == view.values
    assert ex.state.dataset == "other" and ex.state.metric == "fpr"
    ex.set_values(metric="ppv")  # and Python's moves reach the page
    assert view.values["metric"] == "ppv"
