"""Tests for fairlab.compare: identical splits, reproducibility, errors, cache, metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    demographic_parity_difference,
    equal_opportunity_difference,
    equalized_odds_difference,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import accuracy_score, balanced_accuracy_score

from fairlab import compare
from fairlab.compare import compare_interventions, pareto_mask, summarize
from fairlab.datasets import make_biased_world
from fairlab.metrics import PENALTY_GAPS
from fairlab.recipes import load_dataset

FAST = ["none", "reweighing", "thresholds"]


def _metrics_only(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="train_seconds")


def test_every_intervention_sees_identical_splits(monkeypatch):
    seen: dict[str, list] = {}
    for name, runner in list(compare._RUNNERS.items()):
        def spy(fold, model, options, _name=name, _runner=runner):
            seen.setdefault(_name, []).append((fold.train.copy(), fold.test.copy()))
            return {"x": np.zeros(len(fold.test), dtype=int)}
        monkeypatch.setitem(compare._RUNNERS, name, spy)
    compare_interventions("german", sensitive_columns="sex", n_splits=4, cache=False,
                          progress=False)
    assert set(seen) == set(compare.INTERVENTIONS)
    reference = seen["none"]
    assert len(reference) == 4
    tests = np.concatenate([te for _, te in reference])
    assert np.array_equal(np.sort(tests), np.arange(1000))  # a partition of the rows
    for name, folds in seen.items():
        for (tr, te), (tr0, te0) in zip(folds, reference, strict=True):
            assert np.array_equal(tr, tr0) and np.array_equal(te, te0), name


def test_full_comparison_has_every_intervention_and_column():
    res = compare_interventions("german", sensitive_columns="sex", n_splits=2, lams=[2.0],
                                penalties=["demographic_parity"], epochs=2, expgrad_iter=5,
                                cache=False, progress=False)
    assert list(res["intervention"].unique()) == list(compare.INTERVENTIONS)
    for col in ["setting", "fold", "accuracy", "balanced_accuracy", *PENALTY_GAPS,
                "train_seconds"]:
        assert col in res
    settings_ = set(res["setting"])
    assert {"MLP λ=0", "DP λ=2", "DP", "EOdds", "EO", "logistic"} <= settings_
    assert res.groupby(["intervention", "setting"]).size().eq(2).all()
    assert res[["accuracy", *PENALTY_GAPS]].apply(lambda c: c.between(0, 1)).all().all()


def test_reproducible_with_random_state():
    kw = dict(sensitive_columns="sex", interventions=FAST, n_splits=3, cache=False, progress=False)
    a = compare_interventions("german", random_state=3, **kw)
    b = compare_interventions("german", random_state=3, **kw)
    c = compare_interventions("german", random_state=4, **kw)
    pd.testing.assert_frame_equal(_metrics_only(a), _metrics_only(b))
    assert not np.allclose(a["accuracy"], c["accuracy"])


def test_fold_metrics_match_fairlearn_and_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    pred = rng.integers(0, 2, 300)
    g = rng.integers(0, 3, 300)
    m = compare._fold_metrics(y, pred, g, 3)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, pred))
    assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, pred))
    assert m["dp_gap"] == pytest.approx(demographic_parity_difference(
        y, pred, sensitive_features=g))
    assert m["eo_gap"] == pytest.approx(equal_opportunity_difference(
        y, pred, sensitive_features=g))
    assert m["eodds_gap"] == pytest.approx(equalized_odds_difference(
        y, pred, sensitive_features=g))
    acc = [accuracy_score(y[g == k], pred[g == k]) for k in range(3)]
    assert m["error_rate_gap"] == pytest.approx(max(acc) - min(acc))


def test_reported_metrics_are_those_of_the_predictions(monkeypatch):
    # the runner's predictions, scored independently with fairlearn on the same test rows
    captured = []

    def runner(fold, model, options):
        pred = (fold.X_test[:, -1] > 0).astype(int)
        captured.append((fold.y_test, pred, fold.g_test))
        return {"x": pred}

    monkeypatch.setitem(compare._RUNNERS, "none", runner)
    res = compare_interventions("german", sensitive_columns="age_band", interventions=["none"],
                                n_splits=3, cache=False, progress=False)
    for (y, pred, g), (_, row) in zip(captured, res.iterrows(), strict=True):
        assert row["dp_gap"] == pytest.approx(demographic_parity_difference(
            y, pred, sensitive_features=g))
        assert row["accuracy"] == pytest.approx(accuracy_score(y, pred))


def test_intersections_and_bunch_input():
    res = compare_interventions("german", sensitive_columns=["sex", "age_band"], interventions=FAST,
                                n_splits=3, cache=False, progress=False)
    assert res.attrs["sensitive_columns"] == "sex × age_band" and len(res.attrs["groups"]) >= 4
    world = load_dataset("biased_world")  # a Bunch, passed as one
    res = compare_interventions(world, sensitive_columns="group", interventions=FAST, n_splits=3,
                                cache=False, progress=False)
    assert res.attrs["dataset"] == "custom"
    dp = res.query("intervention == 'thresholds' and setting == 'DP'")["dp_gap"].mean()
    base = res.query("intervention == 'none'")["dp_gap"].mean()
    assert dp < base  # per-group thresholds for parity shrink the parity gap


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(interventions=["magic"]), "intervention must be one of"),
    (dict(dataset="iris"), "dataset must be one of"),
    (dict(dataset=42), "dataset must be a name"),
    (dict(sensitive_columns="colour"), "colour"),
    (dict(n_splits=1), "n_splits must be"),
    (dict(model="forest"), "model must be one of"),
    (dict(lams=[-1.0]), "lams must all be >= 0"),
    (dict(thresholds=["fairness"]), "thresholds must be one of"),
])
def test_clear_errors(kwargs, match):
    args = dict(dataset="german", sensitive_columns="sex", interventions=FAST, n_splits=3,
                cache=False, progress=False)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        compare_interventions(args.pop("dataset"), **args)


def test_bad_bunch_targets_and_groups_are_explained():
    world = make_biased_world(600, random_state=3)
    bad = compare.Bunch(**world)
    bad["target"] = np.where(world.target == 1, ">50K", "<=50K")
    with pytest.raises(ValueError, match="dataset.target"):
        compare_interventions(bad, sensitive_columns="group", interventions=["none"], n_splits=3,
                              cache=False, progress=False)
    with pytest.raises(ValueError, match="lacks"):
        compare_interventions(compare.Bunch(data=world.data), sensitive_columns="group",
                              cache=False, progress=False)
    one = compare.Bunch(**world)
    one["sensitive_features"] = world.sensitive_features.assign(group="A")
    with pytest.raises(ValueError, match="at least two groups"):
        compare_interventions(one, sensitive_columns="group", interventions=["none"], n_splits=3,
                              cache=False, progress=False)


def test_small_groups_get_a_clear_error():
    with pytest.raises(ValueError, match="merge them"):
        compare_interventions("compas", sensitive_columns=["race", "sex"], interventions=["none"],
                              n_splits=5, cache=False, progress=False)


def test_cache_hits_and_invalidates(tmp_path):
    kw = dict(sensitive_columns="sex", interventions=FAST, cache_path=tmp_path, progress=False)
    first = compare_interventions("german", n_splits=3, **kw)
    assert first.attrs["cached"] is False and len(list(tmp_path.glob("*.pkl"))) == 1
    again = compare_interventions("german", n_splits=3, **kw)
    assert again.attrs["cached"] is True
    pd.testing.assert_frame_equal(first, again)  # training times too: it is the same table
    other = compare_interventions("german", n_splits=4, **kw)
    assert other.attrs["cached"] is False and len(list(tmp_path.glob("*.pkl"))) == 2
    seeded = compare_interventions("german", n_splits=3, random_state=1, **kw)
    assert seeded.attrs["cached"] is False and len(list(tmp_path.glob("*.pkl"))) == 3
    # a different dataset Bunch with the same arguments is a different key
    w1 = compare_interventions(make_biased_world(800, random_state=1), n_splits=3,
                               **{**kw, "sensitive_columns": "group"})
    w2 = compare_interventions(make_biased_world(800, random_state=2), n_splits=3,
                               **{**kw, "sensitive_columns": "group"})
    assert not w2.attrs["cached"] and not w1.equals(w2)


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FAIRLAB_CACHE", str(tmp_path / "env"))
    assert compare.cache_dir() == tmp_path / "env"
    assert compare.cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("FAIRLAB_CACHE")
    assert compare.cache_dir().parts[-2:] == (".cache", "fairlab")
    compare_interventions("german", sensitive_columns="sex", interventions=["none"], n_splits=2,
                          progress=False, cache_path=tmp_path / "env2")
    assert list((tmp_path / "env2").glob("compare-*.pkl"))


def test_cache_never_inside_the_repository():
    from pathlib import Path

    repo = Path(compare.__file__).resolve().parent.parent
    with pytest.raises(ValueError, match="inside the fairlab repository"):
        compare.cache_dir(repo / "notebooks" / ".cache")


def test_progress_bar_covers_every_fold_and_intervention(capsys):
    compare_interventions("german", sensitive_columns="sex", interventions=["none", "reweighing"],
                          n_splits=3, cache=False, progress=True)
    err = capsys.readouterr().err
    assert "comparing interventions" in err and "/6 " in err  # 3 folds × 2 interventions


def test_compas_by_sex():
    res = compare_interventions("compas", sensitive_columns="sex", interventions=FAST, n_splits=3,
                                subsample=2000, cache=False, progress=False)
    assert res.attrs["n_rows"] == 2000 and res.attrs["groups"] == ["Female", "Male"]
    assert set(res["intervention"]) == set(FAST)


def test_summarize_matches_scipy_t_interval():
    folds = pd.DataFrame({"intervention": ["a"] * 4 + ["b"] * 4, "setting": "s",
                          "fold": [0, 1, 2, 3] * 2,
                          "accuracy": [0.8, 0.82, 0.79, 0.85, 0.7, 0.71, 0.69, 0.7]})
    s = summarize(folds)
    for name, vals in (("a", folds.accuracy[:4]), ("b", folds.accuracy[4:])):
        lo, hi = stats.t.interval(0.95, 3, loc=vals.mean(), scale=stats.sem(vals))
        row = s.loc[(name, "s")]
        assert row["accuracy_low"] == pytest.approx(lo)
        assert row["accuracy_high"] == pytest.approx(hi)
        assert row["accuracy_sd"] == pytest.approx(vals.std(ddof=1))
    with pytest.raises(ValueError, match="compare_interventions returns"):
        summarize(folds.drop(columns="fold"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=12))
def test_pareto_mask_against_brute_force(points):
    acc = np.array([p[0] for p in points], float)
    gap = np.array([p[1] for p in points], float)
    expected = []
    for i in range(len(points)):
        dominated = any(acc[j] >= acc[i] and gap[j] <= gap[i]
                        and (acc[j] > acc[i] or gap[j] < gap[i]) for j in range(len(points)))
        expected.append(not dominated)
    assert pareto_mask(acc, gap).tolist() == expected


def test_pareto_mask_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one of each per point"):
        pareto_mask([0.8, 0.9], [0.1])


def test_a_custom_base_model_is_cloned_per_fold():
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(max_depth=3, random_state=0)
    res = compare_interventions("german", sensitive_columns="sex", interventions=FAST, model=tree,
                                n_splits=3, cache=False, progress=False)
    assert not hasattr(tree, "tree_")  # the caller's estimator is never fitted
    assert "base model" in set(res["setting"])
    base = compare_interventions("german", sensitive_columns="sex", interventions=["none"],
                                 n_splits=3, cache=False, progress=False)
    assert not np.allclose(res.query("intervention == 'none'")["accuracy"], base["accuracy"])
