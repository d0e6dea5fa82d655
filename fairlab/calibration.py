"""Calibration by group, and the arithmetic behind the impossibility results.

Two tools for lesson 05:

* :func:`calibration_by_group` — a reliability table: for every group and score
  bin, how many people, their mean score and the fraction who turned out
  positive, with optional bootstrap intervals. Every (group, bin) cell is counted
  by one ``np.bincount``; with ``strategy="uniform"`` or ``"quantile"`` the
  numbers equal :func:`sklearn.calibration.calibration_curve` run on each group.
  :func:`calibration_difference` condenses it to one number.
* The impossibility calculator — :func:`chouldechova_fpr` (Chouldechova 2017:
  the false-positive rate that a base rate, a PPV and a FNR force),
  :func:`binormal_roc` (a classifier of a given AUC) and
  :func:`impossibility_calculator`, which says which fairness criteria can hold
  together for two groups with given base rates.
* :class:`GroupRecalibrator` (lesson 06) — one isotonic or Platt map per group, fitted
  on held-out scores: per-group recalibration as a post-processing step.

Nothing here imports matplotlib or ipywidgets.

Lesson: 05-fairness-metrics
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairlab._validation import (
    check_binary,
    check_choice,
    check_groups,
    check_in_range,
    check_int,
    check_scores,
)

__all__ = [
    "calibration_by_group",
    "calibration_difference",
    "chouldechova_fpr",
    "binormal_roc",
    "ImpossibilityResult",
    "impossibility_calculator",
    "GroupRecalibrator",
]

_STRATEGIES = ("uniform", "quantile", "distinct")


# ------------------------------------------------------------------ reliability tables
def _check_n_bins(n_bins: Any) -> int:
    return check_int(n_bins, "n_bins", low=1)


def _group_quantile_edges(score: np.ndarray, codes: np.ndarray, counts: np.ndarray,
                          n_bins: int) -> np.ndarray:
    """Each group's ``np.percentile(score_g, linspace(0, 100, n_bins + 1))``, all at once.

    Sorts by (group, score) once; the linear interpolation repeats numpy's own
    formula so that the edges match ``np.percentile`` bit for bit.
    """
    order = np.lexsort((score, codes))
    s = score[order]
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # calibration_curve asks np.percentile for linspace(0, 1) * 100, which divides by
    # 100 again: the round trip moves some quantiles by an ulp, and ties at an edge
    # then fall into another bin. Repeat it so that every edge is bit-identical.
    q = np.linspace(0, 1, n_bins + 1) * 100 / 100
    pos = q[None, :] * (counts[:, None] - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, counts[:, None] - 1)
    t = pos - lo
    a, b = s[start[:, None] + lo], s[start[:, None] + hi]
    d = b - a
    return np.where(t >= 0.5, b - d * (1 - t), a + d * t)


def _bin_ids(score: np.ndarray, codes: np.ndarray, counts: np.ndarray, n_bins: int,
             strategy: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Bin of every row (as ``calibration_curve`` assigns it) and the distinct values."""
    if strategy == "distinct":
        values, ids = np.unique(score, return_inverse=True)
        return ids.reshape(-1), values
    if strategy == "uniform":
        inner = np.linspace(0.0, 1.0, n_bins + 1)[1:-1]
        return np.searchsorted(inner, score), None
    inner = _group_quantile_edges(score, codes, counts, n_bins)[:, 1:-1]
    # searchsorted(edges, x) with side="left" counts the edges strictly below x.
    return (score[:, None] > inner[codes]).sum(1), None


def _prepare(y_true, y_score, sensitive_features, strategy):
    yt = check_binary(y_true, "y_true")
    check_choice(strategy, "strategy", _STRATEGIES)
    score = check_scores(y_score, "y_score", n_rows=len(yt),
                         probabilities=strategy != "distinct")
    groups = check_groups(sensitive_features, len(yt))
    return yt, score, groups


def calibration_by_group(
    y_true: Any,
    y_score: Any,
    *,
    sensitive_features: Any,
    n_bins: int = 10,
    strategy: str = "uniform",
    n_boot: int = 0,
    level: float = 0.95,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Reliability table: observed positive rate per score bin, for every group.

    A score is *calibrated within groups* when, in every group, the people who
    get score ``s`` turn out positive at rate ``s`` (Kleinberg et al. 2016). Plot
    ``observed`` against ``mean_score`` per group: calibrated scores lie on the
    diagonal, and the same score means the same risk whatever the group.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_score : array-like of float
        Probabilities in [0, 1]; any numbers (e.g. COMPAS deciles 1–10) when
        ``strategy="distinct"``.
    sensitive_features : array-like or DataFrame
        One label per row; several columns give intersectional groups.
    n_bins : int, default=10
        Number of bins for ``"uniform"`` and ``"quantile"``.
    strategy : {"uniform", "quantile", "distinct"}, default="uniform"
        ``"uniform"``: equal-width bins on [0, 1]; ``"quantile"``: bins with equal
        counts, edges computed within each group (as ``calibration_curve`` does on
        that group alone); ``"distinct"``: one bin per distinct score value.
    n_boot : int, default=0
        When >= 10, add percentile bootstrap intervals ``low`` and ``high`` for
        ``observed``. Rows are resampled within each (group, bin) cell, so the
        number of positives in a cell is a binomial draw: all replicates at once.
    level : float, default=0.95
    random_state : int, numpy Generator or None, default=0

    Returns
    -------
    DataFrame indexed by (group, bin) — bins that no one falls in are left out,
    as in scikit-learn — with columns ``count, mean_score, observed`` (and
    ``low, high`` with ``n_boot``). The group level keeps the name of the
    sensitive column; ``bin`` counts from 0.

    Raises
    ------
    ValueError
        Labels not 0/1, scores outside [0, 1] (except ``"distinct"``), NaN,
        mismatched lengths, unknown strategy, ``n_bins < 1``.

    See Also
    --------
    sklearn.calibration.calibration_curve : the same curve for one group.

    Examples
    --------
    >>> t = calibration_by_group([0, 1, 1, 0, 1, 1], [0.2, 0.8, 0.8, 0.2, 0.2, 0.8],
    ...                          sensitive_features=list("aaabbb"), n_bins=2)
    >>> t
           count  mean_score  observed
      bin
    a 0      1.0         0.2       0.0
      1      2.0         0.8       1.0
    b 0      2.0         0.2       0.5
      1      1.0         0.8       1.0

    Lesson: 05-fairness-metrics
    """
    yt, score, groups = _prepare(y_true, y_score, sensitive_features, strategy)
    n_bins = _check_n_bins(n_bins)
    bins, values = _bin_ids(score, groups.codes, groups.counts, n_bins, strategy)
    width = len(values) if values is not None else n_bins
    cell = groups.codes * width + bins
    size = groups.n_groups * width
    total = np.bincount(cell, minlength=size)
    positives = np.bincount(cell, weights=yt, minlength=size)
    score_sum = np.bincount(cell, weights=score, minlength=size)
    keep = np.flatnonzero(total)
    n, pos = total[keep].astype(float), positives[keep]
    g_idx, b_idx = np.divmod(keep, width)
    group_index = groups.index[g_idx]
    if isinstance(group_index, pd.MultiIndex):
        arrays = [group_index.get_level_values(i) for i in range(group_index.nlevels)]
        names = list(group_index.names)
    else:
        arrays, names = [group_index], [groups.index.name]
    index = pd.MultiIndex.from_arrays([*arrays, b_idx], names=[*names, "bin"])
    frame = pd.DataFrame({"count": n, "mean_score": score_sum[keep] / n,
                          "observed": pos / n}, index=index)
    if n_boot:
        check_int(n_boot, "n_boot", low=10)  # 0 means no intervals
        level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                               high_inclusive=False)
        rng = np.random.default_rng(random_state)
        draws = rng.binomial(total[keep], pos / n, size=(n_boot, len(keep))) / n
        alpha = (1 - level) / 2
        frame["low"], frame["high"] = np.quantile(draws, [alpha, 1 - alpha], axis=0)
    return frame


def calibration_difference(
    y_true: Any,
    y_score: Any,
    *,
    sensitive_features: Any,
    n_bins: int = 10,
    strategy: str = "uniform",
) -> float:
    """How far apart the groups' reliability curves are: 0 when calibrated alike.

    Bins are shared by all groups. In each bin that at least two groups occupy,
    take the largest minus the smallest group's observed positive rate; return
    the average of these spreads, weighted by the number of people in the bin.
    It answers "does the same score mean the same risk in every group?", not
    "is the score calibrated?" (a score can be equally miscalibrated for all).

    Parameters
    ----------
    y_true, y_score, sensitive_features, n_bins
        As in :func:`calibration_by_group`.
    strategy : {"uniform", "distinct"}, default="uniform"
        Quantile bins differ between groups, so they cannot be compared here.

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    ValueError
        No bin holds two groups, so there is nothing to compare.

    Examples
    --------
    >>> calibration_difference([0, 1, 1, 0, 1, 1], [0.2, 0.8, 0.8, 0.2, 0.2, 0.8],
    ...                        sensitive_features=list("aaabbb"), n_bins=2)
    0.25

    Lesson: 05-fairness-metrics
    """
    check_choice(strategy, "strategy", ("uniform", "distinct"))
    table = calibration_by_group(y_true, y_score, sensitive_features=sensitive_features,
                                 n_bins=n_bins, strategy=strategy)
    by_bin = table.groupby(level="bin")
    spread = by_bin["observed"].max() - by_bin["observed"].min()
    shared = by_bin.size() >= 2
    if not shared.any():
        raise ValueError("no score bin holds people from two groups, so their calibration "
                         "cannot be compared; use fewer bins (n_bins) or check the scores.")
    weight = by_bin["count"].sum()[shared]
    return float((spread[shared] * weight).sum() / weight.sum())


# ------------------------------------------------------------- impossibility calculator
def _rate_array(value: Any, name: str, *, low_open: bool, high_open: bool) -> np.ndarray:
    try:
        is_numeric = np.asarray(value).dtype.kind in "iuf"
    except (TypeError, ValueError):
        is_numeric = False
    if isinstance(value, bool) or not is_numeric:
        raise TypeError(f"{name} must be a number or an array of numbers; got {value!r}.")
    arr = np.asarray(value, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name} must be a number; got NaN.")
    bad = (arr < 0) | (arr > 1) | (low_open & (arr == 0)) | (high_open & (arr == 1))
    if bad.any():
        lo, hi = ("(0" if low_open else "[0"), ("1)" if high_open else "1]")
        raise ValueError(f"{name} must lie in {lo}, {hi}; got {arr[bad].reshape(-1)[0]:g}. "
                         "Give it as a fraction, e.g. 0.45 rather than 45 (%).")
    return arr


def chouldechova_fpr(base_rate: Any, ppv: Any, fnr: Any) -> float | np.ndarray:
    """The false-positive rate forced by a base rate, a PPV and a FNR.

    Chouldechova (2017) showed that for any binary classifier, in any group,

    ``FPR = p / (1 - p) · (1 - PPV) / PPV · (1 - FNR)``

    where ``p`` is the group's base rate. Two groups with different ``p`` and the
    same PPV (predictive parity) and the same FNR must therefore have different
    FPRs: equal error rates and predictive parity cannot all hold.

    Parameters
    ----------
    base_rate : float or array in (0, 1)
    ppv : float or array in (0, 1]
    fnr : float or array in [0, 1]

    Returns
    -------
    float, or an array when any input is one (broadcast). Values above 1 mean
    that no classifier reaches this PPV and FNR at this base rate.

    Examples
    --------
    >>> round(chouldechova_fpr(0.2, 0.8, 0.2), 3)
    0.05
    >>> chouldechova_fpr([0.5, 0.2], 0.8, 0.2).round(3).tolist()
    [0.2, 0.05]

    Lesson: 05-fairness-metrics
    """
    p = _rate_array(base_rate, "base_rate", low_open=True, high_open=True)
    v = _rate_array(ppv, "ppv", low_open=True, high_open=False)
    f = _rate_array(fnr, "fnr", low_open=False, high_open=False)
    out = p / (1 - p) * (1 - v) / v * (1 - f)
    return float(out) if out.ndim == 0 else out


def _dprime(auc: float) -> float:
    from scipy.stats import norm

    return np.inf if auc >= 1 else float(np.sqrt(2) * norm.ppf(auc))


def binormal_roc(fpr: Any, auc: float) -> float | np.ndarray:
    """TPR at ``fpr`` of the equal-variance binormal classifier with this AUC.

    Scores of negatives ~ N(0, 1), of positives ~ N(d, 1) with
    ``d = √2 · Φ⁻¹(AUC)``; its ROC curve is ``TPR = Φ(Φ⁻¹(FPR) + d)``. AUC 0.5
    is a coin (TPR = FPR), AUC 1 a perfect classifier (TPR = 1 for any FPR > 0).

    Examples
    --------
    >>> round(binormal_roc(0.2, 0.5), 3), round(binormal_roc(0.2, 1.0), 3)
    (0.2, 1.0)

    Lesson: 05-fairness-metrics
    """
    from scipy.stats import norm

    auc = check_in_range(auc, "auc", low=0.5, high=1)
    f = _rate_array(fpr, "fpr", low_open=False, high_open=False)
    d = _dprime(auc)
    with np.errstate(invalid="ignore"):
        out = norm.cdf(norm.ppf(f) + d)
    out = np.where(f == 0, 0.0 if np.isfinite(d) else 1.0, np.where(f == 1, 1.0, out))
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class ImpossibilityResult:
    """What :func:`impossibility_calculator` found.

    ``same_error_rates``  each group's rates when all use one operating point
                          (equal FPR and FNR): PPVs and selection rates differ.
    ``same_ppv_fnr``      each group's rates when all match the first group's
                          PPV and FNR: the FPR follows from Chouldechova's
                          identity; ``feasible`` says whether the classifier can
                          reach that point (at or below its ROC curve).
    ``balance``           Kleinberg et al.'s view: with scores calibrated within
                          each group, the mean score of positives and of
                          negatives per group (equal means "balance").
    ``criteria``          one row per combination of criteria: ``holds`` and why.
    """

    auc: float
    fpr: float
    tpr: float
    same_error_rates: pd.DataFrame
    same_ppv_fnr: pd.DataFrame
    balance: pd.DataFrame
    criteria: pd.DataFrame


def _rates_at(p: np.ndarray, fpr: np.ndarray, tpr: np.ndarray) -> dict[str, np.ndarray]:
    sel = p * tpr + (1 - p) * fpr
    with np.errstate(invalid="ignore", divide="ignore"):
        ppv = np.where(sel > 0, p * tpr / np.where(sel > 0, sel, 1), np.nan)
    return {"base_rate": p, "selection_rate": sel, "tpr": tpr, "fpr": fpr, "fnr": 1 - tpr,
            "ppv": ppv}


def _balance(p: np.ndarray, d: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean within-group-calibrated score among positives and among negatives."""
    if not np.isfinite(d):
        return np.ones_like(p), np.zeros_like(p)
    from scipy.stats import norm

    s = np.linspace(-9.0, d + 9.0, 4001)
    f1, f0 = norm.pdf(s - d), norm.pdf(s)
    r = p[:, None] * f1 / (p[:, None] * f1 + (1 - p[:, None]) * f0)  # P(y=1 | s, group)
    return np.trapezoid(r * f1, s, axis=1), np.trapezoid(r * f0, s, axis=1)


def impossibility_calculator(
    base_rates: Mapping[str, float] | Sequence[float],
    *,
    auc: float,
    tpr: float,
    tol: float = 1e-3,
) -> ImpossibilityResult:
    """Which fairness criteria can hold together, for these base rates and this classifier?

    The classifier is :func:`binormal_roc` with the given ``auc``; the first group
    uses the operating point with true-positive rate ``tpr``. Then:

    * **Equal error rates** (equalized odds): every group uses the same point.
      Always possible — but PPVs then differ unless the base rates are equal or
      the point has FPR = 0 (Chouldechova 2017).
    * **Predictive parity and equal FNR**: the other groups keep the first
      group's TPR and PPV, so :func:`chouldechova_fpr` fixes their FPR — which
      differs whenever the base rates do, and may lie above the ROC curve (no
      classifier of this quality reaches it).
    * **Calibration within groups and balance** for the positive and negative
      class (Kleinberg, Mullainathan & Raghavan 2016): only with equal base
      rates or a perfect classifier.
    * **Demographic parity and equal error rates**: selection rates
      ``p·TPR + (1 − p)·FPR`` are equal only with equal base rates or TPR = FPR.

    Parameters
    ----------
    base_rates : mapping group → base rate, or a sequence (groups "A", "B", ...)
        At least two, each in (0, 1).
    auc : float in [0.5, 1]
        The classifier's quality (the same within every group).
    tpr : float in (0, 1)
        The first group's true-positive rate (its operating point).
    tol : float, default=1e-3
        Gaps below ``tol`` count as equal.

    Returns
    -------
    ImpossibilityResult

    Examples
    --------
    >>> r = impossibility_calculator({"A": 0.5, "B": 0.2}, auc=0.5, tpr=0.4)
    >>> r.same_error_rates["ppv"].round(3).tolist()
    [0.5, 0.2]
    >>> r.criteria["holds"].tolist()
    [True, False, False, False, True]
    >>> impossibility_calculator([0.3, 0.3], auc=0.8, tpr=0.6).criteria["holds"].all()
    np.True_

    Lesson: 05-fairness-metrics
    """
    if isinstance(base_rates, Mapping):
        names, values = list(map(str, base_rates)), list(base_rates.values())
    elif isinstance(base_rates, Sequence) and not isinstance(base_rates, str):
        values = list(base_rates)
        names = [chr(ord("A") + i) for i in range(len(values))]
    else:
        raise TypeError("base_rates must be a dict such as {'A': 0.5, 'B': 0.3} or a list "
                        f"such as [0.5, 0.3]; got {type(base_rates).__name__}.")
    if len(values) < 2:
        raise ValueError(f"base_rates needs at least two groups to compare; got {len(values)}.")
    p = np.array([check_in_range(v, f"base rate of {n!r}", low=0, high=1, low_inclusive=False,
                                 high_inclusive=False) for n, v in zip(names, values,
                                                                       strict=True)])
    auc = check_in_range(auc, "auc", low=0.5, high=1)
    tpr = check_in_range(tpr, "tpr", low=0, high=1, low_inclusive=False, high_inclusive=False)
    tol = check_in_range(tol, "tol", low=0)
    from scipy.stats import norm

    d = _dprime(auc)
    fpr = float(norm.cdf(norm.ppf(tpr) - d))  # 0 when the classifier is perfect
    index = pd.Index(names, name="group")
    k = len(p)
    same = pd.DataFrame(_rates_at(p, np.full(k, fpr), np.full(k, tpr)), index=index)
    ppv0 = float(same["ppv"].iloc[0])
    need = p / (1 - p) * (1 - ppv0) / ppv0 * tpr
    reach = np.where(need <= 1, binormal_roc(np.minimum(need, 1.0), auc), np.nan)
    parity = pd.DataFrame(_rates_at(p, need, np.full(k, tpr)), index=index)
    parity["roc_tpr"] = reach
    parity["feasible"] = (need <= 1) & (tpr <= reach + 1e-12)
    pos_mean, neg_mean = _balance(p, d)
    balance = pd.DataFrame({"base_rate": p, "mean_score_positives": pos_mean,
                            "mean_score_negatives": neg_mean}, index=index)

    def spread(col: pd.Series) -> float:
        return float(col.max() - col.min())

    ppv_gap, sel_gap = spread(same["ppv"]), spread(same["selection_rate"])
    fpr_gap = spread(parity["fpr"])
    bal_gap = max(spread(balance["mean_score_positives"]),
                  spread(balance["mean_score_negatives"]))
    feasible = bool(parity["feasible"].all())
    rows = [
        ("equal FPR and FNR (equalized odds)", True,
         f"every group at FPR {fpr:.3f}, TPR {tpr:.3f}"),
        ("equal FPR and FNR + predictive parity", ppv_gap < tol,
         f"PPV gap {ppv_gap:.3f} at a shared operating point"),
        ("predictive parity + equal FNR + equal FPR", fpr_gap < tol and feasible,
         f"equal PPV and FNR force an FPR gap of {fpr_gap:.3f}"
         + ("" if feasible else "; some group would need a better classifier than exists")),
        ("calibration within groups + balance for both classes", bal_gap < tol,
         f"mean calibrated score of positives (or negatives) differs by {bal_gap:.3f}"),
        ("demographic parity + equal FPR and FNR", sel_gap < tol,
         f"selection-rate gap {sel_gap:.3f} at a shared operating point"),
    ]
    criteria = pd.DataFrame(rows, columns=["criteria", "holds", "why"]).set_index("criteria")
    return ImpossibilityResult(auc=auc, fpr=fpr, tpr=tpr, same_error_rates=same,
                               same_ppv_fnr=parity, balance=balance, criteria=criteria)


# ------------------------------------------------------------ per-group recalibration
class GroupRecalibrator:
    """Recalibrate a score separately in each group: post-processing for sufficiency.

    A score is *calibrated within groups* when, in every group, the people with score
    s turn out positive at rate s. A model trained on pooled data can miss that for a
    group whose score means something else. Fitting one monotone map per group (isotonic
    regression, or Platt's logistic ``sigmoid`` on the score's logit) on held-out scores
    makes each group's score mean its observed risk again; the ranking *within* a group
    is unchanged, so each group's ROC curve is too. Pleiss et al. (2017) show what it
    cannot do: with different base rates a calibrated score can at best also equalise
    one error-rate combination, and only by withholding information from one group.

    Parameters
    ----------
    method : {"isotonic", "sigmoid"}, default="isotonic"
        ``isotonic`` uses :class:`sklearn.isotonic.IsotonicRegression` (a step function,
        needs a few hundred rows per group); ``sigmoid`` fits
        :class:`sklearn.linear_model.LogisticRegression` on ``logit(score)`` (two
        parameters per group).

    Attributes
    ----------
    groups_ : pandas.Index
        The groups seen in ``fit``.
    calibrators_ : dict
        One fitted scikit-learn model per group.

    Examples
    --------
    In group "b" the score says 0.2 but half of the people are positive:

    >>> y = [0, 1, 0, 1] * 50 + [0, 0, 0, 1] * 50
    >>> s = [0.2] * 200 + [0.25] * 200
    >>> g = ["b"] * 200 + ["a"] * 200
    >>> cal = GroupRecalibrator(method="sigmoid").fit(y, s, sensitive_features=g)
    >>> cal.predict_proba([0.2, 0.25], sensitive_features=["b", "a"]).round(2).tolist()
    [0.5, 0.25]

    Lesson: 06-decision-thresholds
    """

    def __init__(self, method: str = "isotonic") -> None:
        self.method = method

    def fit(self, y_true: Any, y_score: Any, *, sensitive_features: Any) -> GroupRecalibrator:
        """Fit one calibration map per group on held-out labels and scores."""
        from sklearn.isotonic import IsotonicRegression
        from sklearn.linear_model import LogisticRegression

        check_choice(self.method, "method", ("isotonic", "sigmoid"))
        yt = check_binary(y_true, "y_true")
        score = check_scores(y_score, "y_score", n_rows=len(yt))
        groups = check_groups(sensitive_features, len(yt), min_rows=2)
        self.groups_ = groups.index
        self.calibrators_ = {}
        for k, label in enumerate(groups.index):
            rows = groups.codes == k
            if np.unique(yt[rows]).size < 2:
                raise ValueError(f"group {label!r} has only one label value in y_true; "
                                 "a calibration map needs positives and negatives. Merge the "
                                 "group with another or fit on more rows.")
            if self.method == "isotonic":
                model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
                model.fit(score[rows], yt[rows])
            else:
                model = LogisticRegression(C=1e6).fit(_logit(score[rows])[:, None], yt[rows])
            self.calibrators_[label] = model
        return self

    def predict_proba(self, y_score: Any, *, sensitive_features: Any) -> np.ndarray:
        """The recalibrated score of each row: its group's map applied to its score."""
        if not hasattr(self, "calibrators_"):
            raise ValueError("this GroupRecalibrator is not fitted yet; call "
                             "fit(y_true, y_score, sensitive_features=...) first.")
        score = check_scores(y_score, "y_score")
        groups = check_groups(sensitive_features, len(score), min_rows=1)
        unseen = [label for label in groups.index if label not in self.calibrators_]
        if unseen:
            raise ValueError(f"groups {unseen} were not seen in fit (seen: "
                             f"{list(self.groups_)}); fit on data that contains every group.")
        out = np.empty(len(score))
        for k, label in enumerate(groups.index):
            rows = groups.codes == k
            model = self.calibrators_[label]
            if self.method == "isotonic":
                out[rows] = model.predict(score[rows])
            else:
                out[rows] = model.predict_proba(_logit(score[rows])[:, None])[:, 1]
        return out


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))
