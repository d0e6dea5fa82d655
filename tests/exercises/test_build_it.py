"""Build-it and predict-then-check exercises (lessons 03–09, 11): the reference solution passes on
the hidden cases, and typical wrong functions fail with a hint, never a traceback."""

import numpy as np
import pytest
import torch

from fairlab import exercises


def _reweigh(y, group):
    y, group = np.asarray(y), np.asarray(group)
    weights = np.empty(len(y))
    for g in np.unique(group):
        for label in (0, 1):
            cell = (group == g) & (y == label)
            weights[cell] = (group == g).mean() * (y == label).mean() / cell.mean()
    return weights


def _soft_dp(p, group):
    means = torch.stack([p[group == k].mean() for k in torch.unique(group)])
    return means.max() - means.min()


def _fpr_gap(y_true, y_pred, group):
    y_true, y_pred, group = map(np.asarray, (y_true, y_pred, group))
    fprs = [y_pred[(group == g) & (y_true == 0)].mean() for g in np.unique(group)]
    return max(fprs) - min(fprs)


def _threshold(y, score, target_tpr):
    pos = np.sort(np.asarray(score)[np.asarray(y) == 1])[::-1]
    k = int(np.ceil(target_tpr * len(pos) - 1e-9))
    return float(pos[max(k, 1) - 1])


def _zhang(g_task, g_adv, alpha):
    t, a = np.asarray(g_task, dtype=float), np.asarray(g_adv, dtype=float)
    return t - (t @ a) / (a @ a) * a - alpha * a


def _mixing(tpr_high, tpr_low, target):
    return (tpr_low - target) / (tpr_low - tpr_high)


def _alert_days(gap, limit, consecutive):  # vectorised, unlike the check's reference loop
    over = np.nan_to_num(np.asarray(gap, dtype=float), nan=-np.inf) > limit
    ends = np.flatnonzero(np.diff(np.r_[0, over.astype(int), 0]) == -1)
    starts = np.flatnonzero(np.diff(np.r_[0, over.astype(int), 0]) == 1)
    return [int(a + consecutive - 1) for a, b in zip(starts, ends, strict=True)
            if b - a >= consecutive]


def _every_alert_day(gap, limit, consecutive):  # the "status" days, not the raised days
    over, run, out = np.asarray(gap) > limit, 0, []
    for d, o in enumerate(over):
        run = run + 1 if o else 0
        if run >= consecutive:
            out.append(d)
    return out


def _shares(reward, group, top):
    reward, group = np.asarray(reward), np.asarray(group)
    k = max(1, round(top * len(reward)))
    picked = set(np.argsort(reward)[::-1][:k].tolist())
    return {g: sum(i in picked for i in np.flatnonzero(group == g)) / (group == g).sum()
            for g in np.unique(group).tolist()}


def _composition(reward, group, top):  # share of the selected who are in each group
    reward, group = np.asarray(reward), np.asarray(group)
    k = max(1, round(top * len(reward)))
    chosen = group[np.argsort(reward)[::-1][:k]]
    return {g: float((chosen == g).mean()) for g in np.unique(group).tolist()}


def _t_interval(values, level):
    from scipy import stats

    v = np.asarray(values, dtype=float)
    return stats.t.interval(level, len(v) - 1, loc=v.mean(), scale=stats.sem(v))


def _sd0(values, level):  # numpy's default ddof=0
    from scipy import stats

    v = np.asarray(values, dtype=float)
    return stats.t.interval(level, len(v) - 1, loc=v.mean(), scale=v.std() / np.sqrt(len(v)))


def _z_interval(values, level):
    from scipy import stats

    v = np.asarray(values, dtype=float)
    return stats.norm.interval(level, loc=v.mean(), scale=stats.sem(v))


CASES = [
    ("check_reweigh_function", _reweigh, [
        (lambda y, g: np.ones(len(y)), "P(g)·P(y) / P(g, y)"),
        # the two-group shortcut: only 'g0' vs the rest
        (lambda y, g: _reweigh(y, np.where(np.asarray(g) == "g0", "g0", "x")), "any number"),
    ]),
    ("check_soft_dp_function", _soft_dp, [
        (lambda p, g: torch.tensor(abs(p[g == 0].mean().item() - p[g == 1].mean().item())),
         "stays in autograd's graph"),
        (lambda p, g: p[g == 0].mean() - p[g == 1].mean(), "largest minus"),  # 2 groups only
    ]),
    ("check_fpr_gap_function", _fpr_gap, [
        (lambda y, p, g: 0.0, "FPR"),
        (lambda y, p, g: abs(np.mean(np.asarray(p)[(np.asarray(g) == "g0") & (np.asarray(y) == 0)])
                             - np.mean(np.asarray(p)[(np.asarray(g) == "g1")
                                                     & (np.asarray(y) == 0)])), "more than two"),
    ]),
    ("check_threshold_search", _threshold, [
        (lambda y, s, t: float(np.quantile(np.asarray(s)[np.asarray(y) == 1], 1 - t)), "ties"),
        (lambda y, s, t: 0.5, "Return one of the scores"),
    ]),
    ("check_projection_function", _zhang, [
        (lambda t, a, alpha: np.asarray(t) - alpha * np.asarray(a), "gradient reversal"),
        (lambda t, a, alpha: np.asarray(t) - (np.asarray(t) @ np.asarray(a))
         / (np.asarray(a) @ np.asarray(a)) * np.asarray(a), "α·a"),
    ]),
    ("check_mixing_probability", _mixing, [
        (lambda h, lo, t: (t - h) / (lo - h), "*lower* threshold"),
        (lambda h, lo, t: t, "linear equation"),
    ]),
    ("check_alert_days", _alert_days, [
        (_every_alert_day, "once per run"),
        (lambda g, lim, k: _alert_days(np.where(np.asarray(g) == lim, np.inf, g), lim, k),
         "use '>' rather than '>='"),
        (lambda g, lim, k: [int(np.argmax(np.cumsum(np.asarray(g) > lim) == k))]
         if (np.asarray(g) > lim).sum() >= k else [], "resets the run"),
    ]),
    ("check_selected_shares", _shares, [
        (_composition, "make-up of the selected set"),
        (lambda r, g, t: _shares(-np.asarray(r), g, t), "sort from the highest"),
        (lambda r, g, t: {"A": t, "B": t}, "average the marks within each group"),
        (lambda r, g, t: {"all": t}, "one entry per group"),
    ]),
    ("check_t_interval", _t_interval, [
        (_z_interval, "Student's t"),
        (lambda v, lv: _t_interval(v, lv) if len(v) > 3 else (0, 1), "Centre the interval"),
        (lambda v, lv: _t_interval(v, 2 * lv - 1), "each tail"),  # one-sided quantile
        (_sd0, "ddof=1"),
        (lambda v, lv: (np.mean(v) - np.std(v) * 2, np.mean(v) + np.std(v) * 2), "mean ± t"),
    ]),
]


@pytest.mark.parametrize("name, solution, wrong", CASES, ids=[c[0] for c in CASES])
def test_build_it_checks(name, solution, wrong, capsys):
    check = getattr(exercises, name)
    assert check(solution) is True
    assert "✓" in capsys.readouterr().out
    for fn, hint in wrong:
        assert check(fn) is False
        assert hint in capsys.readouterr().out
    assert check(None) is False
    assert "Not answered yet" in capsys.readouterr().out
    assert check(0.5) is False
    assert "define a function" in capsys.readouterr().out
    assert check(lambda *args: 1 / 0) is False
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_threshold_search_oracle_is_a_brute_force_scan():
    # the check's oracle against an independent computation with sklearn's roc_curve
    from sklearn.metrics import roc_curve

    from fairlab.exercises.lesson06 import _threshold_for_tpr

    rng = np.random.default_rng(0)
    y, s = rng.integers(0, 2, 300), np.round(rng.random(300), 2)
    _, tpr, thr = roc_curve(y, s)
    for target in (0.1, 0.5, 0.93, 1.0):
        assert _threshold_for_tpr(y, s, target) == pytest.approx(thr[np.argmax(tpr >= target)])


def test_recalibration_prediction(capsys):
    assert exercises.check_recalibration_prediction("does not close") is True
    assert exercises.check_recalibration_prediction("Does-not-close") is True
    capsys.readouterr()
    assert exercises.check_recalibration_prediction("closes") is False
    assert "lesson 05" in capsys.readouterr().out
    assert exercises.check_recalibration_prediction(None) is False


def test_alert_rule_matches_the_monitor():
    # the lesson 08 check's reference loop against FairnessMonitor's own raised days
    from fairlab.exercises.lesson08 import _raised_days
    from fairlab.monitoring import FairnessMonitor, simulate_stream

    stream = simulate_stream(n_days=120, per_day=60, mix_shift=0.3, proxy_appears_at=60,
                             random_state=3)
    for k in (1, 3, 5):
        rep = FairnessMonitor(window=7, limit=0.1, consecutive=k, n_boot=0).fit_stream(
            stream).report_
        judged = np.where(np.isin(rep.status, ["warming up", "too few rows"]), np.nan, rep.gap)
        raised = [int(rep.days[d]) for d in _raised_days(judged, 0.1, k)]
        assert raised == rep.raised.tolist() and raised  # the rule, and it fired


def test_selected_shares_match_reward_report():
    from fairlab.exercises.lesson09 import _shares_by_group
    from fairlab.feedback import make_candidates, reward_report

    c = make_candidates(40, random_state=1)
    reward = c.quality - 0.5 * c.codes + np.random.default_rng(0).normal(0, 0.1, c.n_items)
    want = reward_report(c, reward, top=0.2)["selected_learned"]
    got = _shares_by_group(reward, c.group, 0.2)
    assert got == pytest.approx(want.to_dict())


def test_t_interval_matches_summarize():
    import pandas as pd

    from fairlab.compare import summarize
    from fairlab.exercises.lesson11 import _t_interval

    acc = [0.81, 0.84, 0.83]
    folds = pd.DataFrame({"intervention": "none", "setting": "logistic", "fold": [0, 1, 2],
                          "accuracy": acc})
    cols = ["accuracy", "balanced_accuracy", "dp_gap", "eo_gap", "eodds_gap", "error_rate_gap",
            "n_test", "n_train", "train_seconds"]
    for col in cols[1:]:
        folds[col] = 0.5
    row = summarize(folds).iloc[0]
    assert _t_interval(acc, 0.95) == pytest.approx((row["accuracy_low"], row["accuracy_high"]))
