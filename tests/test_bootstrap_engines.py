"""The bootstrap engines of the explorers, as public functions of the compute modules.

``fairlab.metrics.bootstrap_sweep`` (λ explorer) and ``fairlab.thresholds.BootstrapCurves``
(threshold explorer) against a brute-force loop that resamples rows one replicate at a time
from the same random draws (same ``random_state`` → the same intervals), plus coverage and
shape properties.
"""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlab import metrics as M
from fairlab.thresholds import BootstrapCurves, GroupCurves


def _data(seed, n=120, groups=("a", "b", "c")):
    rng = np.random.default_rng(seed)
    g = rng.choice(groups, n)
    g[: 2 * len(groups)] = np.tile(groups, 2)
    y = rng.integers(0, 2, n)
    y[: 2 * len(groups)] = np.repeat([0, 1], len(groups))
    score = np.round(np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1), 2)  # ties on purpose
    return y, score, g


def _rates(y, p):
    tp, fp = np.sum((y == 1) & (p == 1)), np.sum((y == 0) & (p == 1))
    pos, neg = np.sum(y == 1), np.sum(y == 0)
    return {"selection_rate": p.mean(), "tpr": tp / pos if pos else np.nan,
            "fpr": fp / neg if neg else np.nan, "accuracy": np.mean(y == p)}


def _spread(values):
    v = [x for x in values if not np.isnan(x)]
    return max(v) - min(v) if len(v) >= 2 else np.nan


def test_bootstrap_sweep_equals_a_loop_over_replicates():
    y, score, g = _data(0)
    preds = np.stack([(score >= t).astype(int) for t in (0.3, 0.5, 0.7)])
    n_boot, level = 40, 0.9
    got = M.bootstrap_sweep(y, preds, sensitive_features=g, n_boot=n_boot, level=level,
                            random_state=7)
    # brute force: the same uniform draws, used one replicate and one row at a time
    u = np.random.default_rng(7).random((n_boot, len(y)))
    labels = sorted(set(g))
    members = [np.flatnonzero(g == c) for c in labels]
    start = np.cumsum([0] + [len(m) for m in members])
    per_rate = np.empty((n_boot, 3, 3, 3))  # replicate, model, rate, group
    stats = {k: np.empty((n_boot, 3)) for k in ("accuracy", *M.PENALTY_GAPS)}
    for b in range(n_boot):
        rows = np.concatenate([m[(u[b, start[c]:start[c + 1]] * len(m)).astype(int)]
                               for c, m in enumerate(members)])
        for k, p in enumerate(preds):
            by_group = [_rates(y[rows][g[rows] == c], p[rows][g[rows] == c]) for c in labels]
            for r, name in enumerate(("selection_rate", "tpr", "fpr")):
                per_rate[b, k, r] = [d[name] for d in by_group]
            stats["accuracy"][b, k] = np.mean(y[rows] == p[rows])
            sp = {r: _spread([d[r] for d in by_group]) for r in M.RATES if r in by_group[0]}
            for name in M.PENALTY_GAPS:
                stats[name][b, k] = max(sp[r] for r in M.GAPS[name].rates)
    q = [(1 - level) / 2, (1 + level) / 2]
    lo, hi = np.nanquantile(per_rate, q, axis=0)
    np.testing.assert_allclose(got.rate_low, lo, atol=1e-12)
    np.testing.assert_allclose(got.rate_high, hi, atol=1e-12)
    for name, values in stats.items():
        a, b = np.nanquantile(values, q, axis=0)
        np.testing.assert_allclose(got.low[name], a, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(got.high[name], b, atol=1e-12, err_msg=name)
    assert list(got.groups) == labels and got.undefined.shape == (3, 3)


def test_bootstrap_curves_equal_a_loop_over_replicates():
    y, score, g = _data(1)
    n_boot = 30
    boot = GroupCurves(y, score, sensitive_features=g).bootstrap(n_boot, random_state=3)
    t = {"a": 0.4, "b": 0.55, "c": 0.62}
    rng = np.random.default_rng(3)  # the same draws: group by group, (n_boot, size)
    expect = np.empty((n_boot, 3, 4))
    for c, label in enumerate(["a", "b", "c"]):
        members = np.flatnonzero(g == label)
        draws = rng.integers(0, len(members), size=(n_boot, len(members)))
        for b in range(n_boot):
            rows = members[draws[b]]
            yy, pp = y[rows], (score[rows] >= t[label]).astype(int)
            expect[b, c] = [np.sum((yy == 0) & (pp == 0)), np.sum((yy == 0) & (pp == 1)),
                            np.sum((yy == 1) & (pp == 0)), np.sum((yy == 1) & (pp == 1))]
    np.testing.assert_array_equal(boot.counts_at(t), expect)
    ci = boot.intervals(t, level=0.8)
    rates = M.rates_from_counts(expect, ("tpr",))["tpr"]
    np.testing.assert_allclose(ci["tpr"][["low", "high"]].to_numpy().T,
                               np.quantile(rates, [0.1, 0.9], axis=0), atol=1e-12)
    gaps = [_spread(row) for row in rates]
    assert ci.attrs["gap_tpr"] == pytest.approx(tuple(np.quantile(gaps, [0.1, 0.9])))


def test_same_random_state_same_intervals_and_another_differs():
    y, score, g = _data(2)
    a = M.bootstrap_sweep(y, [score >= 0.5], sensitive_features=g, n_boot=50, random_state=1)
    b = M.bootstrap_sweep(y, [score >= 0.5], sensitive_features=g, n_boot=50,
                          random_state=np.random.default_rng(1))
    c = M.bootstrap_sweep(y, [score >= 0.5], sensitive_features=g, n_boot=50, random_state=2)
    np.testing.assert_array_equal(a.rate_low, b.rate_low)
    assert not np.array_equal(a.rate_low, c.rate_low)
    curves = GroupCurves(y, score, sensitive_features=g)
    np.testing.assert_array_equal(curves.bootstrap(50, random_state=1).counts_at(0.5),
                                  curves.bootstrap(50, random_state=1).counts_at(0.5))


def test_intervals_cover_the_true_rate():
    # 100 simulated data sets with known rates; each 90% interval (two groups, so 200
    # per rate) should cover its group's true rate about 90% of the time.
    rng = np.random.default_rng(0)
    g = np.repeat(["a", "b"], 150)
    sel_true, tpr_true = np.array([0.3, 0.6]), 0.7
    covered_sel = covered_tpr = 0
    for rep in range(100):
        y = rng.integers(0, 2, 300)
        p = (rng.random(300) < np.repeat(sel_true, 150)).astype(int)
        out = M.bootstrap_sweep(y, [p], sensitive_features=g, n_boot=200, level=0.9,
                                random_state=rep)
        sel = out.rates.index("selection_rate")
        covered_sel += np.sum((out.rate_low[0, sel] <= sel_true)
                              & (sel_true <= out.rate_high[0, sel]))
        hit = np.where(y == 1, rng.random(300) < tpr_true, rng.random(300) < 0.2)
        boot = GroupCurves(y, np.where(hit, 0.8, 0.2), sensitive_features=g).bootstrap(
            200, random_state=rep)
        ci = boot.intervals(0.5, level=0.9)["tpr"]
        covered_tpr += np.sum((ci["low"] <= tpr_true) & (tpr_true <= ci["high"]))
    # binomial(200, 0.9): mean 180, sd 4.2; the percentile bootstrap is a little short
    assert 160 <= covered_sel <= 195, covered_sel
    assert 160 <= covered_tpr <= 195, covered_tpr


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 4), st.sampled_from([0.5, 0.8, 0.95]))
def test_shapes_and_order(seed, k, level):
    y, score, g = _data(seed, n=60)
    preds = np.stack([(score >= t).astype(int) for t in np.linspace(0.2, 0.8, k)])
    out = M.bootstrap_sweep(y, preds, sensitive_features=g, n_boot=20, level=level,
                            random_state=seed)
    assert out.rate_low.shape == out.rate_high.shape == (k, 3, 3)
    assert np.all(np.nan_to_num(out.rate_low) <= np.nan_to_num(out.rate_high))
    for name in ("accuracy", *M.PENALTY_GAPS):
        assert out.low[name].shape == (k,)
        assert np.all(out.low[name] <= out.high[name] + 1e-12)
    ci = GroupCurves(y, score, sensitive_features=g).bootstrap(20, random_state=seed) \
        .intervals(0.5, level=level)
    assert ci.shape == (3, 9) and np.all(ci.xs("low", axis=1, level=1).to_numpy()
                                         <= ci.xs("high", axis=1, level=1).to_numpy())
    assert ci.attrs["undefined"].shape == (3,)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda y, s, g: M.bootstrap_sweep(y, s >= 0.5, sensitive_features=g), ValueError,
     r"one row of 120 decisions per model"),
    (lambda y, s, g: M.bootstrap_sweep(y, [s >= 0.5], sensitive_features=g, n_boot=5),
     ValueError, "n_boot must be >= 10; got 5"),
    (lambda y, s, g: M.bootstrap_sweep(y, [s >= 0.5], sensitive_features=g,
                                       rates=("tpr", "recall")),
     ValueError, "unknown rate or gap 'recall'"),
    (lambda y, s, g: M.bootstrap_sweep(y, [s], sensitive_features=g), ValueError,
     "threshold them first"),
    (lambda y, s, g: GroupCurves(y, s, sensitive_features=g,
                                 sample_weight=np.ones(len(y))).bootstrap(), ValueError,
     "without sample_weight"),
    (lambda y, s, g: BootstrapCurves("curves"), TypeError, "must be a GroupCurves"),
    (lambda y, s, g: GroupCurves(y, s, sensitive_features=g).bootstrap(50).intervals(
        0.5, rates=("auc",)), ValueError, "unknown rate 'auc'"),
])
def test_bad_input_names_the_fix(call, error, match):
    y, score, g = _data(0)
    with pytest.raises(error, match=match):
        call(y, score, g)


def test_engines_load_without_widgets():
    code = ("import sys; import fairlab.metrics, fairlab.thresholds; "
            "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]
