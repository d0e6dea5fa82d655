"""Group fairness metrics from one vectorised pass over the data.

Every group's confusion matrix comes from a single ``np.bincount`` on
``group_code * 4 + 2 * y_true + y_pred``; every rate and every gap is arithmetic
on those counts. The gaps follow fairlearn's definitions (``between_groups``:
largest minus smallest group value, ratio = smallest / largest; equalized odds
takes the worse of the TPR and FPR parts), and the tests hold them to fairlearn's
numbers to 1e-12. Labels are accepted as fairlearn accepts them: 0/1, -1/1 or
False/True (1 is positive), or any two labels with ``pos_label=`` naming the positive
one, in every function here.

Lesson: 05-fairness-metrics
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from fairlab._validation import (
    Groups,
    check_groups,
    check_in_range,
    check_int,
    check_label_pair,
    check_random_state,
    check_sample_weight,
    check_scores,
)

__all__ = [
    "RATES",
    "Gap",
    "GAPS",
    "PENALTY_GAPS",
    "gap_labels",
    "gaps_from_counts",
    "metric_from_counts",
    "UndefinedRateWarning",
    "ConfidenceInterval",
    "group_confusion",
    "group_metrics",
    "rates_from_counts",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equal_opportunity_difference",
    "equal_opportunity_ratio",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "predictive_parity_difference",
    "accuracy_difference",
    "bootstrap_ci",
    "paired_bootstrap_difference",
    "percentile_interval",
    "spread_between_groups",
    "SweepIntervals",
    "bootstrap_sweep",
]

#: Per-group rates that :func:`group_metrics` reports, in column order.
RATES = ("base_rate", "selection_rate", "tpr", "fpr", "fnr", "tnr", "ppv", "npv", "accuracy")

# Which confusion cells (tn, fp, fn, tp) form each rate's numerator and denominator.
_CELLS = {
    "base_rate": ([2, 3], [0, 1, 2, 3]),
    "selection_rate": ([1, 3], [0, 1, 2, 3]),
    "tpr": ([3], [2, 3]),
    "fpr": ([1], [0, 1]),
    "fnr": ([2], [2, 3]),
    "tnr": ([0], [0, 1]),
    "ppv": ([3], [1, 3]),
    "npv": ([0], [0, 2]),
    "accuracy": ([0, 3], [0, 1, 2, 3]),
}
# In words, for the message when a rate is undefined.
_EMPTY = {
    "tpr": "no positive labels (y_true == 1)",
    "fnr": "no positive labels (y_true == 1)",
    "fpr": "no negative labels (y_true == 0)",
    "tnr": "no negative labels (y_true == 0)",
    "ppv": "no positive predictions (y_pred == 1)",
    "npv": "no negative predictions (y_pred == 0)",
}


class UndefinedRateWarning(RuntimeWarning):
    """A group's rate has an empty denominator and is reported as NaN."""


class ConfidenceInterval(NamedTuple):
    """A point estimate with a bootstrap percentile interval."""

    estimate: float
    low: float
    high: float


def _prepare(y_true, y_pred, sensitive_features, sample_weight=None, min_rows=1,
             pos_label=None):
    yt, yp = check_label_pair(y_true, y_pred, pos_label=pos_label)
    groups = check_groups(sensitive_features, len(yt), min_rows=min_rows)
    w = check_sample_weight(sample_weight, len(yt))
    return yt, yp, groups, w


def _counts(yt: np.ndarray, yp: np.ndarray, groups: Groups, w=None) -> np.ndarray:
    """Confusion counts per group, shape (n_groups, 4): tn, fp, fn, tp."""
    cell = groups.codes * 4 + 2 * yt + yp
    out = np.bincount(cell, weights=w, minlength=4 * groups.n_groups)
    return out.reshape(groups.n_groups, 4).astype(float)


def rates_from_counts(counts: np.ndarray, names=RATES) -> dict[str, np.ndarray]:
    """Rates from confusion counts of shape ``(..., n_groups, 4)`` (tn, fp, fn, tp).

    Empty denominators give NaN, silently: callers decide whether to warn.

    Examples
    --------
    >>> r = rates_from_counts(np.array([[3, 1, 1, 5]]))
    >>> float(r["tpr"][0]), float(r["fpr"][0])
    (0.8333333333333334, 0.25)
    """
    counts = np.asarray(counts, dtype=float)
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in names:
            num, den = _CELLS[name]
            out[name] = counts[..., num].sum(-1) / counts[..., den].sum(-1)
    return out


def _warn_undefined(rates: dict[str, np.ndarray], index: pd.Index) -> None:
    """One warning that lists every undefined rate and the groups it is undefined for."""
    parts = [f"{name} for {index[np.isnan(rates[name])].tolist()} ({_EMPTY[name]})"
             for name in _EMPTY if np.isnan(rates[name]).any()]
    if parts:
        warnings.warn("undefined rates reported as NaN: " + "; ".join(parts) + ".",
                      UndefinedRateWarning, stacklevel=3)


def _group_auc(yt: np.ndarray, score: np.ndarray, groups: Groups) -> np.ndarray:
    """ROC AUC per group by the rank-sum (Mann-Whitney) formula, ties averaged."""
    from scipy.stats import rankdata

    n = len(score)
    key = groups.codes * (n + 1) + rankdata(score, method="dense")
    rank = rankdata(key, method="average")
    start = np.concatenate([[0], np.cumsum(groups.counts)[:-1]])
    rank -= start[groups.codes]
    pos = np.bincount(groups.codes, weights=yt, minlength=groups.n_groups)
    neg = groups.counts - pos
    rank_sum = np.bincount(groups.codes, weights=rank * yt, minlength=groups.n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def group_confusion(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> pd.DataFrame:
    """Confusion-matrix counts for every group, in one pass.

    Parameters
    ----------
    y_true, y_pred : array-like of two labels (0/1, -1/1, False/True or with ``pos_label``)
    sensitive_features : array-like or DataFrame
        One label per row; several columns give intersectional groups.
    sample_weight : array-like, default=None
    pos_label : scalar, default=None
        The label that counts as positive. None: labels coded 0/1, -1/1 or
        False/True, and 1 (True) is positive; any other two labels need it.

    Returns
    -------
    DataFrame with one row per group and columns ``tn, fp, fn, tp``.

    Examples
    --------
    >>> group_confusion([1, 0, 1, 1], [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
        tn   fp   fn   tp
    a  0.0  1.0  0.0  1.0
    b  0.0  0.0  1.0  1.0

    Lesson: 05-fairness-metrics
    """
    yt, yp, groups, w = _prepare(y_true, y_pred, sensitive_features, sample_weight,
                                 pos_label=pos_label)
    return pd.DataFrame(_counts(yt, yp, groups, w), index=groups.index,
                        columns=["tn", "fp", "fn", "tp"])


def group_metrics(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    y_score: Any = None,
    sample_weight: Any = None,
    pos_label: Any = None,
) -> pd.DataFrame:
    """Per-group rates: one row per group (intersections when several columns).

    Columns: ``count, base_rate, selection_rate, tpr, fpr, fnr, tnr, ppv, npv,
    accuracy`` and ``auc`` when ``y_score`` is given. A rate whose denominator is
    empty for a group (say, TPR for a group with no positive labels) is NaN and an
    :class:`UndefinedRateWarning` names the group.

    Parameters
    ----------
    y_true, y_pred : array-like of two labels (0/1, -1/1, False/True or with ``pos_label``)
    sensitive_features : array-like or DataFrame
        One label per row: strings, integers or categoricals. A DataFrame with
        several columns gives one row per combination that occurs (MultiIndex).
    y_score : array-like of float, default=None
        Scores for the positive class, for the per-group ROC AUC.
    sample_weight : array-like, default=None
    pos_label : scalar, default=None
        The label that counts as positive. None: labels coded 0/1, -1/1 or
        False/True, and 1 (True) is positive; any other two labels need it.

    Returns
    -------
    DataFrame

    Raises
    ------
    ValueError
        Lengths differ, labels are not 0/1, or a label or group is missing.

    Examples
    --------
    >>> m = group_metrics([1, 0, 1, 1], [1, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])
    >>> m[["count", "selection_rate", "tpr", "accuracy"]]
       count  selection_rate  tpr  accuracy
    a    2.0             1.0  1.0       0.5
    b    2.0             0.5  0.5       0.5

    Lesson: 05-fairness-metrics
    """
    yt, yp, groups, w = _prepare(y_true, y_pred, sensitive_features, sample_weight,
                                 pos_label=pos_label)
    counts = _counts(yt, yp, groups, w)
    rates = rates_from_counts(counts)
    _warn_undefined(rates, groups.index)
    frame = pd.DataFrame({"count": counts.sum(1), **rates}, index=groups.index)
    if y_score is not None:
        score = check_scores(y_score, "y_score", n_rows=len(yt), probabilities=False)
        frame["auc"] = _group_auc(yt, score, groups)
    return frame


# ---------------------------------------------------------------- gaps between groups
def _spread(values: np.ndarray, how: str) -> np.ndarray:
    """Largest minus smallest (``diff``) or smallest over largest (``ratio``), last axis."""
    hi, lo = values.max(-1), values.min(-1)
    if how == "diff":
        return hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(hi > 0, lo / np.where(hi > 0, hi, 1), np.nan)


def _gap_from_counts(counts: np.ndarray, rates: tuple[str, ...], how: str) -> np.ndarray:
    if how == "diff":  # the one empty-group rule of Gap
        gap = next(n for n, g in GAPS.items() if g.rates == tuple(rates))
        return gaps_from_counts(counts, (gap,))[gap]
    r = rates_from_counts(counts, rates)
    parts = np.stack([_spread(r[name], how) for name in rates])
    return parts.max(0) if how == "diff" else parts.min(0)


@dataclass(frozen=True)
class Gap:
    """One gap between groups, defined once for the whole package.

    Attributes
    ----------
    name : str
        Its column name in every frame (``"dp_gap"``).
    label : str
        Its short label in figures, tables and readouts (``"DP gap"``). "EO" is always
        equal opportunity; equalized odds is "EOdds".
    title : str
        Its name in words, with the rate(s) it compares.
    rates : tuple of str
        The per-group rates (keys of :data:`RATES`) it is built from.
    metric : str
        The function of this module that computes it from predictions.
    penalty : str or None
        Its key among training penalties (:data:`fairlab.training.PENALTIES`) and
        adversary targets (:data:`fairlab.adversarial.TARGETS`); None if no penalty
        targets it.

    Every gap combines groups the same way: for each rate, the largest minus the
    smallest group value; with two rates, the larger of the two (fairlearn's
    ``between_groups`` difference and ``worst_case`` equalized odds). **Empty-group
    rule, everywhere:** a group whose rate has an empty denominator (no positive
    labels for a TPR, …) is left out of that rate's comparison; with fewer than two
    groups left the gap is NaN (a single group in the data: nothing to compare, so 0,
    as in fairlearn). The scalar functions (:func:`equal_opportunity_difference`
    …) receive a learner's data directly, so instead of leaving a group out silently
    they raise a ``ValueError`` naming it and the fix.
    """

    name: str
    label: str
    title: str
    rates: tuple[str, ...]
    metric: str
    penalty: str | None


#: The package's vocabulary of gaps, by column name. Penalties, adversary targets,
#: the monitor, :mod:`fairlab.compare` and the explorers all take their lists and
#: labels from here.
GAPS: dict[str, Gap] = {g.name: g for g in (
    Gap("dp_gap", "DP gap", "demographic parity gap (selection rate)", ("selection_rate",),
        "demographic_parity_difference", "demographic_parity"),
    Gap("eo_gap", "EO gap", "equal opportunity gap (TPR)", ("tpr",),
        "equal_opportunity_difference", "equal_opportunity"),
    Gap("eodds_gap", "EOdds gap", "equalized odds gap (max of TPR and FPR gaps)",
        ("tpr", "fpr"), "equalized_odds_difference", "equalized_odds"),
    Gap("ppv_gap", "PPV gap", "predictive parity gap (PPV)", ("ppv",),
        "predictive_parity_difference", None),
    Gap("error_rate_gap", "error-rate gap", "error-rate gap (accuracy)", ("accuracy",),
        "accuracy_difference", "error_rate"),
)}
#: The gaps a training penalty targets, in order: what λ sweeps, adversarial sweeps
#: and :func:`fairlab.compare.compare_interventions` report.
PENALTY_GAPS: tuple[str, ...] = tuple(n for n, g in GAPS.items() if g.penalty)


def gap_labels(**extra: str) -> dict[str, str]:
    """``{column: short label}`` for every gap, plus ``extra`` labels for other columns.

    Examples
    --------
    >>> gap_labels()["eodds_gap"], gap_labels(accuracy="accuracy")["accuracy"]
    ('EOdds gap', 'accuracy')
    """
    return {name: g.label for name, g in GAPS.items()} | extra


def gaps_from_counts(counts: np.ndarray, names=PENALTY_GAPS) -> dict[str, np.ndarray]:
    """Every gap in ``names`` from confusion counts of shape ``(..., n_groups, 4)``.

    Follows the empty-group rule of :class:`Gap`: undefined group rates are left
    out; fewer than two defined groups give NaN (one group in the data: 0).

    Examples
    --------
    >>> counts = np.array([[3, 1, 1, 5], [4, 0, 0, 0], [2, 2, 3, 3]])  # group 1: no positives
    >>> {k: round(float(v), 3) for k, v in gaps_from_counts(counts).items()}
    {'dp_gap': 0.6, 'eo_gap': 0.333, 'eodds_gap': 0.5, 'error_rate_gap': 0.5}
    """
    needed = sorted({r for n in names for r in GAPS[n].rates})
    rates = rates_from_counts(counts, needed)
    n_rows = np.asarray(counts).sum(-1)
    spread = {r: spread_between_groups(v, n_rows) for r, v in rates.items()}
    return {n: np.max([spread[r] for r in GAPS[n].rates], axis=0) for n in names}


def _gap(y_true, y_pred, sensitive_features, sample_weight, gap, how, pos_label) -> float:
    rates = GAPS[gap].rates
    yt, yp, groups, w = _prepare(y_true, y_pred, sensitive_features, sample_weight,
                                 pos_label=pos_label)
    counts = _counts(yt, yp, groups, w)
    r = rates_from_counts(counts, rates)
    for name in rates:
        bad = np.isnan(r[name])
        if bad.any():
            raise ValueError(
                f"{name} is undefined for groups {groups.index[bad].tolist()}: they have "
                f"{_EMPTY[name]}. Merge them with another group or report this metric "
                "without them."
            )
    return float(_gap_from_counts(counts, rates, how))


#: Gap function name → (its gap in GAPS, "diff" or "ratio"); filled by ``_register``.
_GAP_FUNCTIONS: dict[str, tuple[str, str]] = {}


def _register(rates: tuple[str, ...], how: str) -> Callable:
    """Record the gap and the combination a gap function computes (for metric_from_counts)."""

    def deco(func):
        gap = next(n for n, g in GAPS.items() if g.rates == tuple(rates))
        _GAP_FUNCTIONS[func.__name__] = (gap, how)
        return func

    return deco


def metric_from_counts(metric: Callable | str, counts: Any) -> np.ndarray:
    """A gap function's value from confusion counts ``(..., n_groups, 4)`` (tn, fp, fn, tp).

    The counts-level form of every gap function of this module (differences follow
    :func:`gaps_from_counts`, ratios are smallest over largest group rate), so that
    bootstraps and reports can evaluate a gap on many replicates at once.

    Parameters
    ----------
    metric : a gap function of this module, or its name
    counts : array-like of shape (..., n_groups, 4)

    Returns
    -------
    ndarray of shape ``counts.shape[:-2]``

    Raises
    ------
    TypeError
        ``metric`` is not one of this module's gap functions.

    Examples
    --------
    >>> counts = np.array([[3, 1, 1, 5], [2, 2, 3, 3]])
    >>> round(float(metric_from_counts(equal_opportunity_difference, counts)), 3)
    0.333
    >>> round(float(metric_from_counts("demographic_parity_ratio", counts)), 3)
    0.833

    Lesson: 05-fairness-metrics
    """
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", None)
    if name not in _GAP_FUNCTIONS or (not isinstance(metric, str)
                                      and globals().get(name) is not metric):
        raise TypeError(
            f"metric must be one of fairlab.metrics' gap functions {sorted(_GAP_FUNCTIONS)} "
            f"or its name; got {getattr(metric, '__name__', metric)!r}. Pass e.g. "
            "demographic_parity_difference."
        )
    gap, how = _GAP_FUNCTIONS[name]
    return _gap_from_counts(np.asarray(counts, dtype=float), GAPS[gap].rates, how)


@_register(GAPS["dp_gap"].rates, "diff")
def demographic_parity_difference(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """Largest minus smallest group selection rate P(ŷ=1 | group). 0 means parity.

    Examples
    --------
    >>> demographic_parity_difference([0, 0, 0, 0], [1, 1, 1, 0],
    ...                               sensitive_features=["a", "a", "b", "b"])
    0.5

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "dp_gap", "diff", pos_label)


@_register(GAPS["dp_gap"].rates, "ratio")
def demographic_parity_ratio(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """Smallest over largest group selection rate; the "four-fifths rule" asks >= 0.8.

    NaN when no group is selected at all.

    Examples
    --------
    >>> demographic_parity_ratio([0, 0, 0, 0], [1, 1, 1, 0],
    ...                          sensitive_features=["a", "a", "b", "b"])
    0.5

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "dp_gap", "ratio", pos_label)


@_register(GAPS["eo_gap"].rates, "diff")
def equal_opportunity_difference(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """Largest minus smallest true-positive rate P(ŷ=1 | y=1, group) (Hardt et al. 2016).

    Not the accuracy gap: two groups can have equal accuracy and very different TPRs.

    Raises
    ------
    ValueError
        A group has no positive labels, so its TPR is undefined.

    Examples
    --------
    >>> equal_opportunity_difference([1, 1, 1, 1], [1, 1, 1, 0],
    ...                               sensitive_features=["a", "a", "b", "b"])
    0.5

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "eo_gap", "diff", pos_label)


@_register(GAPS["eo_gap"].rates, "ratio")
def equal_opportunity_ratio(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """Smallest over largest true-positive rate.

    Examples
    --------
    >>> equal_opportunity_ratio([1, 1, 1, 1], [1, 1, 1, 0],
    ...                         sensitive_features=["a", "a", "b", "b"])
    0.5

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "eo_gap", "ratio", pos_label)


@_register(GAPS["eodds_gap"].rates, "diff")
def equalized_odds_difference(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """The larger of the TPR gap and the FPR gap between groups.

    Raises
    ------
    ValueError
        A group lacks positive or negative labels.

    Examples
    --------
    >>> equalized_odds_difference([1, 0, 1, 0], [1, 1, 1, 0],
    ...                           sensitive_features=["a", "a", "b", "b"])
    1.0

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "eodds_gap", "diff", pos_label)


@_register(GAPS["eodds_gap"].rates, "ratio")
def equalized_odds_ratio(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """The smaller of the TPR ratio and the FPR ratio between groups.

    Examples
    --------
    >>> equalized_odds_ratio([1, 0, 1, 0], [1, 1, 1, 0],
    ...                      sensitive_features=["a", "a", "b", "b"])
    0.0

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "eodds_gap", "ratio", pos_label)


@_register(GAPS["ppv_gap"].rates, "diff")
def predictive_parity_difference(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """Largest minus smallest precision P(y=1 | ŷ=1, group).

    Examples
    --------
    >>> predictive_parity_difference([1, 0, 1, 1], [1, 1, 1, 1],
    ...                              sensitive_features=["a", "a", "b", "b"])
    0.5

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "ppv_gap", "diff", pos_label)


@_register(GAPS["error_rate_gap"].rates, "diff")
def accuracy_difference(
    y_true: Any, y_pred: Any, *, sensitive_features: Any, sample_weight: Any = None,
    pos_label: Any = None,
) -> float:
    """Largest minus smallest group accuracy: an accuracy gap, not equal opportunity.

    Examples
    --------
    >>> accuracy_difference([1, 0, 1, 1], [1, 1, 1, 1],
    ...                     sensitive_features=["a", "a", "b", "b"])
    0.5

    Lesson: 05-fairness-metrics
    """
    return _gap(y_true, y_pred, sensitive_features, sample_weight, "error_rate_gap", "diff",
                pos_label)


# ------------------------------------------------------------------------ bootstrap
def bootstrap_ci(
    metric: Callable | str,
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    n_boot: int = 1000,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
    pos_label: Any = None,
) -> ConfidenceInterval | pd.DataFrame:
    """Percentile bootstrap intervals, resampling rows within each group.

    Each group keeps its size in every replicate (a stratified bootstrap), so
    every group is present. Because every metric here is a function of the
    groups' confusion counts, resampling the rows of a group is the same as
    drawing its four counts from a multinomial: all ``n_boot`` replicates are
    drawn at once, whatever the number of rows.

    Parameters
    ----------
    metric : one of this module's gap functions, or a rate name from ``RATES``
        A gap gives one interval; a rate name (e.g. ``"tpr"``) gives one per group.
    y_true, y_pred : array-like of two labels (0/1, -1/1, False/True or with ``pos_label``)
    sensitive_features : array-like or DataFrame
    n_boot : int, default=1000
    level : float, default=0.95
    random_state : int, numpy Generator or None, default=0
    pos_label : scalar, default=None
        The label that counts as positive. None: labels coded 0/1, -1/1 or
        False/True, and 1 (True) is positive; any other two labels need it.

    Returns
    -------
    ConfidenceInterval(estimate, low, high) for a gap; for a rate, a DataFrame
    indexed by group with columns ``count, estimate, low, high``.

    Examples
    --------
    >>> y = [1, 0] * 50
    >>> ci = bootstrap_ci(demographic_parity_difference, y, y,
    ...                   sensitive_features=["a", "b"] * 50, n_boot=200)
    >>> round(ci.estimate, 3), ci.low <= ci.estimate <= ci.high
    (1.0, True)

    Lesson: 05-fairness-metrics
    """
    if isinstance(metric, str):
        if metric not in RATES:
            raise ValueError(f"metric must be one of {list(RATES)} or a gap function; "
                             f"got {metric!r}.")
        formula = lambda c: rates_from_counts(c, (metric,))[metric]  # noqa: E731
    else:
        if getattr(metric, "__name__", None) not in _GAP_FUNCTIONS:
            raise TypeError(
                f"bootstrap_ci works with fairlab.metrics gap functions or a rate name; got "
                f"{getattr(metric, '__name__', metric)!r}. Pass e.g. "
                "demographic_parity_difference or 'tpr'."
            )
        formula = lambda c: metric_from_counts(metric, c)  # noqa: E731
    check_int(n_boot, "n_boot", low=10)
    level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    yt, yp, groups, _ = _prepare(y_true, y_pred, sensitive_features, pos_label=pos_label)
    counts = _counts(yt, yp, groups)
    estimate = formula(counts)
    rng = np.random.default_rng(random_state)
    n = counts.sum(1).astype(np.int64)
    boot = rng.multinomial(n, counts / n[:, None], size=(n_boot, groups.n_groups))
    values = formula(boot.astype(float))
    undefined = np.isnan(values).mean(0)
    if np.any(undefined > 0):
        warnings.warn(
            f"{np.max(undefined):.0%} of bootstrap replicates left the metric undefined "
            "(a small group drew no rows of a needed kind); the interval uses the rest and "
            "is unreliable.",
            UndefinedRateWarning,
            stacklevel=2,
        )
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(values, [alpha, 1 - alpha], axis=0)
    if isinstance(metric, str):
        return pd.DataFrame({"count": n, "estimate": estimate, "low": low, "high": high},
                            index=groups.index)
    return ConfidenceInterval(float(estimate), float(low), float(high))


def paired_bootstrap_difference(
    metric: Callable,
    y_true: Any,
    y_pred_a: Any,
    y_pred_b: Any,
    *,
    sensitive_features: Any,
    n_boot: int = 2000,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
    pos_label: Any = None,
) -> ConfidenceInterval:
    """Bootstrap interval for ``metric(b) - metric(a)``: two predictions on the same rows.

    Two interventions scored on the same test rows share those rows' luck: a hard test
    set is hard for both. Their marginal intervals ignore that, so asking whether two
    marginal intervals overlap is the wrong test: overlap does not show that the two are
    alike, and the test misses real differences far too often. This paired bootstrap
    resamples the **rows** once per replicate and scores both predictions on the same
    resample, so the interval is for the *difference*, with the shared noise cancelled. Rows are
    resampled within each group (each group keeps its size). Resampling rows is the
    same as drawing each group's counts of the eight (y, ŷ_a, ŷ_b) cells from a
    multinomial, so all replicates are drawn at once.

    Parameters
    ----------
    metric : one of this module's gap functions, e.g. ``demographic_parity_difference``
    y_true : array-like of 0/1
    y_pred_a, y_pred_b : array-like of 0/1
        The two predictions for the same rows (e.g. no intervention, and an intervention).
    sensitive_features : array-like or DataFrame
    n_boot : int, default=2000
    level : float, default=0.95
    random_state : int, numpy Generator or None, default=0
    pos_label : scalar, default=None
        The label that counts as positive. None: labels coded 0/1, -1/1 or
        False/True, and 1 (True) is positive; any other two labels need it.

    Returns
    -------
    ConfidenceInterval(estimate, low, high) of ``metric(b) - metric(a)``. An interval
    that excludes 0 says the two differ on this metric beyond the test set's noise.

    Raises
    ------
    TypeError
        If ``metric`` is not a fairlab gap function, or ``random_state`` has the wrong type.
    ValueError
        If the labels or predictions are not 0/1, lengths differ, or ``n_boot < 10``.

    See Also
    --------
    bootstrap_ci : the interval of one metric.

    Examples
    --------
    Two predictions that differ on one row of ten per group:

    >>> y = [1, 1, 0, 0, 1, 0, 1, 0, 1, 0] * 2
    >>> g = ["a"] * 10 + ["b"] * 10
    >>> a = y[:10] + [0] * 10
    >>> b = y[:10] + [0] * 9 + [1]
    >>> ci = paired_bootstrap_difference(demographic_parity_difference, y, a, b,
    ...                                  sensitive_features=g, n_boot=500)
    >>> round(ci.estimate, 3), ci.low <= ci.estimate <= ci.high
    (-0.1, True)

    Lesson: 03-resampling
    """
    if getattr(metric, "__name__", None) not in _GAP_FUNCTIONS:
        raise TypeError(
            f"paired_bootstrap_difference works with fairlab.metrics gap functions; got "
            f"{getattr(metric, '__name__', metric)!r}. Pass e.g. demographic_parity_difference."
        )
    formula = lambda c: metric_from_counts(metric, c)  # noqa: E731
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 10:
        raise ValueError(f"n_boot must be an integer >= 10; got {n_boot!r}.")
    if not (random_state is None or isinstance(random_state, np.random.Generator)
            or (isinstance(random_state, int | np.integer) and not isinstance(random_state, bool))):
        raise TypeError(f"random_state must be an int, a numpy Generator or None; got "
                        f"{type(random_state).__name__}. Pass e.g. random_state=0.")
    level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    yt, ya, groups, _ = _prepare(y_true, y_pred_a, sensitive_features, pos_label=pos_label)
    yb = check_label_pair(y_true, y_pred_b, pos_label=pos_label, names=("y_true", "y_pred_b"))[1]
    joint = np.bincount(groups.codes * 8 + 4 * yt + 2 * ya + yb,
                        minlength=8 * groups.n_groups).reshape(groups.n_groups, 8)
    cells = np.arange(8)
    to_a = ((2 * (cells // 4) + (cells // 2) % 2)[:, None] == np.arange(4)).astype(float)
    to_b = ((2 * (cells // 4) + cells % 2)[:, None] == np.arange(4)).astype(float)
    estimate = formula(joint @ to_b) - formula(joint @ to_a)  # (y, ŷ) cells of b and a
    rng = np.random.default_rng(random_state)
    n = joint.sum(1)
    boot = rng.multinomial(n, joint / n[:, None], size=(n_boot, groups.n_groups)).astype(float)
    values = formula(boot @ to_b) - formula(boot @ to_a)
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(values, [alpha, 1 - alpha])
    return ConfidenceInterval(float(estimate), float(low), float(high))


# ------------------------------------------------------------ bootstrap of a sweep
def percentile_interval(values: Any, *, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0 of bootstrap ``values``, ignoring NaN replicates.

    Parameters
    ----------
    values : array-like, shape (n_boot, ...)
        One row per replicate; NaN marks a replicate where the statistic is undefined.
    level : float, default=0.95

    Returns
    -------
    low, high : ndarray of shape ``values.shape[1:]``

    Examples
    --------
    >>> low, high = percentile_interval(np.arange(101.0), level=0.9)
    >>> float(low), float(high)
    (5.0, 95.0)

    Lesson: 05-fairness-metrics
    """
    level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    values = np.asarray(values, dtype=float)
    q = [(1 - level) / 2, (1 + level) / 2]
    if np.isnan(values).any():  # the NaN-aware (slower) path only when needed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN → NaN, as documented
            low, high = np.nanquantile(values, q, axis=0)
    else:
        low, high = np.quantile(values, q, axis=0)
    return low, high


def spread_between_groups(values: Any, n_rows: Any) -> np.ndarray:
    """Largest minus smallest group value over the last axis, by the one empty-group rule.

    ``values`` holds one rate per group (NaN where a group's rate is undefined) and
    ``n_rows`` each group's number of rows. Undefined groups are left out; fewer than
    two defined groups give NaN, except a single group in the data, which gives 0 (as
    fairlearn). :func:`gaps_from_counts` applies this rule to every gap.

    Examples
    --------
    >>> spread_between_groups([[0.2, np.nan, 0.5], [0.2, np.nan, np.nan]], [3, 2, 4])
    array([0.3, nan])
    >>> spread_between_groups([0.4, np.nan], [5, 0])
    array(0.)

    Lesson: 05-fairness-metrics
    """
    v = np.asarray(values, dtype=float)
    present = (np.asarray(n_rows) > 0).sum(-1)  # groups with any rows
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices → NaN
        defined = (~np.isnan(v)).sum(-1)
        diff = np.nanmax(v, -1) - np.nanmin(v, -1)
    return np.where((defined >= 2) | ((present == 1) & (defined == 1)), diff, np.nan)


@dataclass(frozen=True)
class SweepIntervals:
    """Bootstrap intervals for every model of a sweep (see :func:`bootstrap_sweep`).

    Attributes
    ----------
    rates : tuple of str
        The per-group rates with intervals, in the order of axis 1 below.
    groups : pandas.Index
        The groups, in the order of the last axis below.
    rate_low, rate_high : ndarray of shape (n_models, n_rates, n_groups)
    low, high : dict of str to ndarray of shape (n_models,)
        ``"accuracy"`` and every gap column of ``gaps``.
    undefined : ndarray of shape (n_models, n_groups)
        The largest share, over the rates, of replicates that left a group's rate
        undefined (a small group drew no rows of a needed kind).
    """

    rates: tuple[str, ...]
    groups: pd.Index
    rate_low: np.ndarray
    rate_high: np.ndarray
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    undefined: np.ndarray


def bootstrap_sweep(
    y_true: Any,
    y_preds: Any,
    *,
    sensitive_features: Any,
    n_boot: int = 200,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
    rates: tuple[str, ...] = ("selection_rate", "tpr", "fpr"),
    gaps: tuple[str, ...] = PENALTY_GAPS,
    pos_label: Any = None,
) -> SweepIntervals:
    """Percentile bootstrap intervals for many predictions of the same rows, at once.

    A sweep (say, one model per λ) predicts the same rows ``n_models`` times. Each
    replicate resamples every group's rows with replacement (each group keeps its
    size, as in :func:`bootstrap_ci`), and the **same** resamples serve every model,
    so neighbouring models' intervals differ by the models, not by the draws. The
    resample counts ``(n_boot, n_rows)`` are drawn once; one sparse product with a
    one-hot of (model, group, confusion cell) gives every replicate's confusion
    counts for every model, and rates, gaps (by :func:`gaps_from_counts`) and
    percentiles follow — no loop over replicates or models.

    Parameters
    ----------
    y_true : array-like of two labels, shape (n_rows,)
    y_preds : array-like of two labels, shape (n_models, n_rows)
        One row of decisions per model.
    sensitive_features : array-like, shape (n_rows,)
    n_boot : int, default=200
    level : float, default=0.95
    random_state : int, numpy Generator or None, default=0
    rates : tuple of str, default=("selection_rate", "tpr", "fpr")
        Per-group rates (keys of :data:`RATES`) that get intervals.
    gaps : tuple of str, default=PENALTY_GAPS
        Gap columns (keys of :data:`GAPS`) that get intervals.
    pos_label : scalar, default=None
        The label that counts as positive (None: 1 in 0/1, -1/1 or False/True labels).

    Returns
    -------
    SweepIntervals

    Raises
    ------
    ValueError
        Labels are not binary, ``y_preds`` is not one row per model of ``n_rows``
        decisions, a rate or gap is unknown, or ``n_boot < 10``.

    See Also
    --------
    bootstrap_ci : the interval of one metric for one prediction.

    Examples
    --------
    Two models on twenty rows: the first predicts the labels, the second selects all.

    >>> y = np.array([0, 1] * 10)
    >>> g = np.repeat(["a", "b"], 10)
    >>> out = bootstrap_sweep(y, [y, np.ones(20)], sensitive_features=g, n_boot=100)
    >>> out.rate_low.shape, out.low["accuracy"].round(3).tolist()
    ((2, 3, 2), [1.0, 0.3])
    >>> out.high["accuracy"].round(3).tolist()  # the second: accuracy 0.5, resampled
    [1.0, 0.7]

    Lesson: 04-lambda-penalized-training
    """
    from scipy import sparse

    yt = check_label_pair(y_true, y_true, pos_label=pos_label)[0].astype(np.int64)
    preds = np.asarray(y_preds)
    if preds.ndim != 2 or preds.shape[1] != len(yt):
        raise ValueError(f"y_preds must have one row of {len(yt)} decisions per model "
                         f"(shape (n_models, {len(yt)})); got shape {preds.shape}.")
    pred = np.stack([check_label_pair(y_true, p, pos_label=pos_label,
                                      names=("y_true", f"y_preds[{i}]"))[1]
                     for i, p in enumerate(preds)]).astype(np.int64)
    unknown = [r for r in rates if r not in RATES] + [g for g in gaps if g not in GAPS]
    if unknown:
        raise ValueError(f"unknown rate or gap {unknown[0]!r}; rates are {list(RATES)}, "
                         f"gaps are {list(GAPS)}.")
    check_int(n_boot, "n_boot", low=10)
    groups = check_groups(sensitive_features, len(yt))
    rng = check_random_state(random_state)
    k, n = pred.shape
    g = groups.n_groups
    # stratified resample indices, drawn once: position j of group c's rows (in group
    # order) is replaced by a uniform draw among group c's rows
    order = np.argsort(groups.codes, kind="stable")
    start = np.concatenate([[0], np.cumsum(groups.counts)[:-1]])
    size = groups.counts[groups.codes[order]]
    draws = start[groups.codes[order]] + (rng.random((n_boot, n)) * size).astype(np.int64)
    flat = (order[draws] + (np.arange(n_boot) * n)[:, None]).ravel()
    weight = np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)
    col = (np.arange(k)[:, None] * g + groups.codes[None, :]) * 4 + 2 * yt[None, :] + pred
    onehot = sparse.csr_matrix((np.ones(k * n), (np.tile(np.arange(n), k), col.ravel())),
                               shape=(n, k * g * 4))
    counts = (onehot.T @ weight.T).T.reshape(n_boot, k, g, 4)
    r = rates_from_counts(counts, rates)
    stack = np.stack([r[name] for name in rates], axis=2)  # (B, k, R, g)
    rate_low, rate_high = percentile_interval(stack, level=level)
    total = counts.sum(2)
    low, high = {}, {}
    stats = {"accuracy": (total[..., 0] + total[..., 3]) / total.sum(-1),
             **gaps_from_counts(counts, gaps)}  # each (B, k)
    for name, values in stats.items():
        low[name], high[name] = percentile_interval(values, level=level)
    return SweepIntervals(tuple(rates), groups.index, rate_low, rate_high, low, high,
                          np.isnan(stack).mean(0).max(1))
