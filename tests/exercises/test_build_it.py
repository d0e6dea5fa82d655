"""Build-it and predict-then-check exercises (lessons 03–07): the reference solution passes on
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
