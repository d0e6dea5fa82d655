"""Labels coded as fairlearn accepts them: 0/1, -1/1, False/True, or two labels + pos_label.

The cases below follow fairlearn's own rate tests (fairlearn
``test/unit/metrics/test_base_metrics.py``, classes TestTPR/TestTNR/TestFNR/TestFPR, which
pass {-1, 1} and string labels), rewritten for fairlab's per-group functions; fairlearn's
rate functions (and MetricFrame for groups) are the oracle.
"""

from functools import partial

import fairlearn.metrics as flm
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairlab import metrics as M
from fairlab._validation import check_binary
from fairlab.thresholds import GroupCurves, ThresholdPolicy

FAIRLEARN_RATE = {"tpr": flm.true_positive_rate, "tnr": flm.true_negative_rate,
                  "fpr": flm.false_positive_rate, "fnr": flm.false_negative_rate}

# (y_true, y_pred, pos_label, {rate: value stated in fairlearn's test})
CASES = [
    ([-1, -1, -1, -1, 1, 1, 1], [-1, 1, 1, -1, -1, 1, -1], None, {"fpr": 0.5}),
    ([-1, -1, -1, -1, 1, 1, 1], [-1, 1, 1, -1, -1, 1, -1], 1, {"fpr": 0.5}),
    ([-1, -1, -1, -1, 1, 1, 1], [-1, 1, 1, -1, -1, 1, -1], -1, {"fpr": 2 / 3}),
    ([-1, -1, -1, -1, 1], [-1, -1, -1, 1, 1], None, {"tnr": 0.75}),
    ([-1, -1, -1, -1, 1], [-1, -1, -1, 1, 1], -1, {"tnr": 1.0}),
    ([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 0, 0, 0], None, {"tpr": 0.25}),
    ([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 1, 1, 0, 0, 0], 0, {"tpr": 0.75}),
    ([1, 1, 1, 1, 0, 0], [0, 0, 1, 0, 0, 1], 0, {"fnr": 0.5}),
    (["b", "b", "b", "b", "a"], ["b", "b", "b", "a", "a"], "a", {"tnr": 0.75}),
    (["b", "b", "b", "b", "a"], ["b", "b", "b", "a", "a"], "b", {"tnr": 1.0}),
    (["a", "a", "a", "a", "b", "b"], ["b", "b", "a", "b", "b", "a"], "a", {"fnr": 0.75}),
    ([False, False, True, True, True], [False, True, True, False, True], None, {"tpr": 2 / 3}),
]


@pytest.mark.parametrize(("y_true", "y_pred", "pos_label", "stated"), CASES)
def test_rates_equal_fairlearn_rate_functions(y_true, y_pred, pos_label, stated):
    m = M.group_metrics(y_true, y_pred, sensitive_features=["all"] * len(y_true),
                        pos_label=pos_label)
    for rate, func in FAIRLEARN_RATE.items():
        oracle = func(y_true, y_pred, pos_label=pos_label)
        assert m.loc["all", rate] == pytest.approx(oracle, abs=1e-12), rate
    for rate, value in stated.items():  # the number fairlearn's test states
        assert m.loc["all", rate] == pytest.approx(value)


def _random(seed, n=300, labels=(-1, 1)):
    rng = np.random.default_rng(seed)
    g = rng.choice(["x", "y", "z"], n)
    y = rng.integers(0, 2, n)
    y[:6] = [0, 1, 0, 1, 0, 1]
    g[:6] = ["x", "x", "y", "y", "z", "z"]
    p = rng.integers(0, 2, n)
    return np.asarray(labels)[y], np.asarray(labels)[p], g


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("pos_label", [None, 1, -1])
def test_group_fpr_tpr_with_minus_one_labels_equal_metricframe(seed, pos_label):
    y, p, g = _random(seed)
    ours = M.group_metrics(y, p, sensitive_features=g, pos_label=pos_label)
    mf = flm.MetricFrame(
        metrics={"fpr": partial(flm.false_positive_rate, pos_label=pos_label),
                 "tpr": partial(flm.true_positive_rate, pos_label=pos_label)},
        y_true=y, y_pred=p, sensitive_features=g,
    )
    np.testing.assert_allclose(ours[["fpr", "tpr"]].to_numpy(),
                               mf.by_group[["fpr", "tpr"]].to_numpy(), atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("ours", "theirs"), [
    (M.demographic_parity_difference, flm.demographic_parity_difference),
    (M.equalized_odds_difference, flm.equalized_odds_difference),
    (M.equal_opportunity_difference, flm.equal_opportunity_difference),
], ids=lambda f: getattr(f, "__name__", ""))
def test_gaps_with_minus_one_labels_equal_fairlearn(ours, theirs, seed):
    y, p, g = _random(seed)  # fairlearn's gap functions take {-1, 1} with 1 positive
    assert ours(y, p, sensitive_features=g) == pytest.approx(
        theirs(y, p, sensitive_features=g), abs=1e-12)


_rows = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), st.sampled_from("abc")),
                 min_size=4, max_size=60)
_CODINGS = [  # (labels for 0 and 1, pos_label)
    ((-1, 1), None), ((False, True), None), ((-1, 1), 1), ((0, 1), 1),
    (("no", "yes"), "yes"), (("yes", "no"), "no"), ((2, 7), 7), ((7, 2), 2),
]


@settings(max_examples=60, deadline=None)
@given(_rows, st.sampled_from(_CODINGS))
def test_recoding_labels_with_pos_label_keeps_every_gap(rows, coding):
    y, p, g = (np.array(c) for c in zip(*rows, strict=True))
    labels, pos_label = coding
    coded = np.array(labels, dtype=object if isinstance(labels[0], str) else None)
    base = M.group_confusion(y, p, sensitive_features=g).to_numpy()
    recoded = M.group_confusion(coded[y], coded[p], sensitive_features=g,
                                pos_label=pos_label).to_numpy()
    np.testing.assert_array_equal(base, recoded)
    a, b = M.gaps_from_counts(base, tuple(M.GAPS)), M.gaps_from_counts(recoded, tuple(M.GAPS))
    for name in M.GAPS:
        np.testing.assert_array_equal(a[name], b[name])
    # the scalar functions agree too (when every group has both labels)
    if all({0, 1} <= set(y[g == k]) for k in set(g)) and len(set(g)) > 1:
        assert M.equalized_odds_difference(
            coded[y], coded[p], sensitive_features=g, pos_label=pos_label
        ) == M.equalized_odds_difference(y, p, sensitive_features=g)


def test_threshold_curves_and_policy_accept_minus_one_and_pos_label():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    y[:4] = [0, 1, 0, 1]
    s = rng.random(200)
    g = np.array(["a", "b"] * 100)
    base = GroupCurves(y, s, sensitive_features=g).counts_at({"a": 0.4, "b": 0.6})
    for coded, pos in [(np.where(y == 1, 1, -1), None), (y == 1, None),
                       (np.where(y == 1, "hired", "not"), "hired")]:
        got = GroupCurves(coded, s, sensitive_features=g, pos_label=pos)
        np.testing.assert_array_equal(got.counts_at({"a": 0.4, "b": 0.6}), base)
    a = ThresholdPolicy("equal_opportunity").fit(y, s, sensitive_features=g)
    b = ThresholdPolicy("equal_opportunity").fit(np.where(y == 1, "hired", "not"), s,
                                                 sensitive_features=g, pos_label="hired")
    np.testing.assert_array_equal(a.predict(s, sensitive_features=g, random_state=0),
                                  b.predict(s, sensitive_features=g, random_state=0))


def test_bootstrap_ci_same_with_recoded_labels():
    y, p, g = _random(1, labels=(0, 1))
    a = M.bootstrap_ci(M.equalized_odds_difference, y, p, sensitive_features=g, n_boot=200)
    b = M.bootstrap_ci(M.equalized_odds_difference, np.where(y == 1, "y", "n"),
                       np.where(p == 1, "y", "n"), sensitive_features=g, n_boot=200,
                       pos_label="y")
    assert a == b


@pytest.mark.parametrize(("y", "kwargs", "match"), [
    (["no", "yes", "no"], {}, r"got labels \['no', 'yes'\].*pass pos_label="),
    ([0, 2, 2], {}, r"other values \[2\].*pass pos_label="),
    ([-1, 0, 0], {}, r"got labels \[-1, 0\].*mix the two codings; pass pos_label="),
    ([-1, 0, 1], {}, r"mix the two codings; choose the positive class"),
    (["a", "b"], {"pos_label": "c"}, r"pos_label='c' is not one of y_true's labels"),
    (["a", "b", "c"], {"pos_label": "a"}, r"got 3 labels.*positive class"),
])
def test_ambiguous_labels_name_the_labels_and_the_fix(y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_binary(y, **kwargs)


def test_pair_with_pos_label_must_share_two_labels():
    with pytest.raises(ValueError, match=r"together hold 3 labels.*pos_label='a'"):
        M.group_metrics(["a", "b"], ["a", "c"], sensitive_features=["g", "g"], pos_label="a")
    with pytest.raises(ValueError, match="pass pos_label="):
        M.demographic_parity_difference(["no", "yes"], ["yes", "yes"],
                                        sensitive_features=["g", "h"])
