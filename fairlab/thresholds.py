"""Per-group decision thresholds: exact solvers and the FICO case study.

A score becomes a decision at a threshold: ``y_pred = y_score >= t``. Giving each
group its own threshold ``t_g`` is the post-processing of Hardt, Price & Srebro
(2016). This module searches *every* distinct score of every group, never a
coarse grid:

1. Sort the scores once per group (one ``lexsort`` for all groups) and take
   cumulative sums of positive and negative labels. Every threshold is then a
   point ``k`` of that group's curve: the ``k`` highest distinct scores are
   selected, with ``tp[k]`` positives and ``fp[k]`` negatives.
2. The objective (accuracy, or profit under a cost matrix) is linear in those
   counts, so a constraint that equalises one rate across groups (selection
   rate, TPR) is solved on the upper concave envelope of each group's
   (rate, objective) curve: the total objective is concave and piecewise
   linear in the common rate, so its maximum lies at one of the envelopes'
   vertices, and all of them are tried.
3. Equalized odds equalises TPR *and* FPR: the common operating point must lie
   in every group's convex hull of ROC points; the objective is linear in that
   point, so a two-variable linear programme over the intersection of the hulls
   finds it, and each group reaches it by randomly mixing at most three of its
   thresholds (Hardt et al. 2016, section 4).

Meeting an equality constraint exactly needs randomisation: a group whose target
rate falls between two of its thresholds uses one with probability ``p`` and the
other with ``1 - p``. The fitted :class:`ThresholdPolicy` stores those mixtures,
reports expected rates, and draws decisions with ``predict(..., random_state=)``.

Lesson: 06-decision-thresholds
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairlab._validation import (
    Groups,
    check_binary,
    check_groups,
    check_in_range,
    check_int,
    check_random_state,
    check_sample_weight,
    check_scores,
)
from fairlab.metrics import RATES, percentile_interval, rates_from_counts, spread_between_groups

__all__ = [
    "CONSTRAINTS",
    "FICO_LOSS_RATIO",
    "GroupCurves",
    "BootstrapCurves",
    "ThresholdPolicy",
    "optimize_thresholds",
    "roc_hull",
    "cost_matrix_from",
    "fico_curves",
    "fico_case_study",
]

#: The constraints a :class:`ThresholdPolicy` can meet.
CONSTRAINTS = ("none", "single_threshold", "demographic_parity", "equal_opportunity",
               "equalized_odds")

#: Hardt et al. (2016), section 6: lending pays when at least 82 % of the people given a
#: loan repay, i.e. one default costs as much as the profit of 82/18 ≈ 4.56 repaid loans.
FICO_LOSS_RATIO = 82 / 18

_ACCURACY = np.array([[0.0, 1.0], [1.0, 0.0]])


# --------------------------------------------------------------------------- inputs
def cost_matrix_from(objective: Any) -> np.ndarray:
    """The 2×2 cost matrix ``C[y_true, y_pred]`` of an objective.

    ``"accuracy"`` costs 1 per error. A cost matrix is any 2×2 array-like of
    finite numbers, laid out like sklearn's ``confusion_matrix``: row = true
    label, column = decision. Negative costs are gains, e.g.
    ``[[0, L], [0, -1]]`` for a loan that earns 1 when repaid and loses ``L``
    on default. The solvers minimise the average cost; ``profit = -cost``.

    Examples
    --------
    >>> cost_matrix_from("accuracy").tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    >>> cost_matrix_from([[0, 4], [0, -1]]).tolist()
    [[0.0, 4.0], [0.0, -1.0]]

    Lesson: 06-decision-thresholds
    """
    if isinstance(objective, str):
        if objective != "accuracy":
            raise ValueError(
                f"objective must be 'accuracy' or a 2x2 cost matrix; got {objective!r}. "
                "Pass e.g. objective=[[0, 4], [0, -1]] (rows: true label 0/1, columns: "
                "decision 0/1; negative entries are gains)."
            )
        return _ACCURACY.copy()
    try:
        c = np.asarray(objective, dtype=float)
    except (TypeError, ValueError):
        c = np.zeros(0)
    if c.shape != (2, 2) or not np.isfinite(c).all():
        raise ValueError(
            f"a cost matrix must be 2x2 finite numbers C[y_true][y_pred]; got {objective!r}. "
            "Pass e.g. [[0, 4], [0, -1]] (a false positive costs 4, a true positive earns 1)."
        )
    return c


def _check_thresholds_value(t: Any, name: str) -> float:
    return check_in_range(t, name, low=0, high=1)


# --------------------------------------------------------------------------- curves
@dataclass(frozen=True)
class _Curve:
    """One group's threshold curve: point k selects the k highest distinct scores."""

    thresholds: np.ndarray  # (m+1,) descending; thresholds[0] = inf selects nobody
    tp: np.ndarray  # (m+1,) selected positive weight
    fp: np.ndarray  # (m+1,) selected negative weight
    n_pos: float
    n_neg: float

    def index_at(self, t: float) -> int:
        """Point selected by ``score >= t``: the number of distinct scores >= t."""
        # -thresholds[1:] is ascending; count entries with -s <= -t, i.e. s >= t.
        return int(np.searchsorted(-self.thresholds[1:], -t, side="right"))


class GroupCurves:
    """Every group's sorted scores and cumulative counts, built once.

    A threshold then becomes a ``searchsorted``: microseconds per group,
    whatever the number of rows. Used by the solvers and by
    :class:`fairlab.widgets.ThresholdExplorer`.

    Parameters
    ----------
    y_true : array-like of two labels
    y_score : array-like of float
    sensitive_features : array-like or DataFrame
    sample_weight : array-like, default=None
    probabilities : bool, default=True
        Require scores in [0, 1] (then thresholds must be in [0, 1] too).
    pos_label : scalar, default=None
        The label of ``y_true`` that counts as positive. None: labels coded 0/1,
        -1/1 or False/True, and 1 (True) is positive.

    Examples
    --------
    >>> c = GroupCurves([1, 0, 1, 0], [0.9, 0.4, 0.6, 0.2],
    ...                 sensitive_features=["a", "a", "b", "b"])
    >>> c.counts_at({"a": 0.5, "b": 0.5}).tolist()  # tn, fp, fn, tp per group
    [[1.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]]

    Lesson: 06-decision-thresholds
    """

    def __init__(self, y_true: Any, y_score: Any, *, sensitive_features: Any,
                 sample_weight: Any = None, probabilities: bool = True,
                 pos_label: Any = None) -> None:
        yt = check_binary(y_true, "y_true", pos_label=pos_label)
        score = check_scores(y_score, "y_score", n_rows=len(yt), probabilities=probabilities)
        groups = check_groups(sensitive_features, len(yt))
        w = check_sample_weight(sample_weight, len(yt))
        self.probabilities = probabilities
        self.groups: Groups = groups
        self.curves = _curves_from_rows(yt, score, groups, w)
        self._y, self._score, self._weighted = yt, score, w is not None  # for bootstrap()

    @property
    def labels(self) -> list:
        return self.groups.labels

    @property
    def index(self) -> pd.Index:
        return self.groups.index

    def _position(self, group: Any) -> int:
        pos = self.index.get_indexer([group])[0] if group in self.labels else -1
        if pos < 0:
            raise ValueError(f"unknown group {group!r}; the groups are {self.labels}. "
                             "Use one of those labels as the key.")
        return int(pos)

    def as_array(self, thresholds: Any) -> np.ndarray:
        """Thresholds in group order from a mapping ``{group: t}``, a sequence or a number."""
        if isinstance(thresholds, dict | pd.Series):
            items = dict(thresholds)
            missing = [g for g in self.labels if g not in items]
            unknown = [g for g in items if g not in self.labels]
            if unknown:
                raise ValueError(f"unknown group {unknown[0]!r} in thresholds; the groups "
                                 f"are {self.labels}. Use those labels as keys.")
            if missing:
                raise ValueError(f"no threshold for groups {missing}; give one threshold "
                                 "per group (or a single number for all).")
            values = [items[g] for g in self.labels]
        elif np.ndim(thresholds) == 0:
            values = [thresholds] * len(self.labels)
        else:
            values = list(thresholds)
            if len(values) != len(self.labels):
                raise ValueError(f"got {len(values)} thresholds for {len(self.labels)} groups "
                                 f"{self.labels}; pass one per group, in that order.")
        out = np.empty(len(values))
        for i, (g, v) in enumerate(zip(self.labels, values, strict=True)):
            if self.probabilities:
                out[i] = _check_thresholds_value(v, f"threshold for group {g!r}")
            else:
                out[i] = check_in_range(v, f"threshold for group {g!r}")
        return out

    def counts_at(self, thresholds: Any) -> np.ndarray:
        """Confusion counts ``(n_groups, 4)`` = tn, fp, fn, tp for ``score >= t_g``."""
        t = self.as_array(thresholds)
        out = np.empty((len(self.curves), 4))
        for i, (cv, tg) in enumerate(zip(self.curves, t, strict=True)):
            k = cv.index_at(tg)
            out[i] = (cv.n_neg - cv.fp[k], cv.fp[k], cv.n_pos - cv.tp[k], cv.tp[k])
        return out

    def bootstrap(self, n_boot: int = 200, *,
                  random_state: int | np.random.Generator | None = 0) -> BootstrapCurves:
        """Bootstrap replicates of every group's curve, drawn once (see :class:`BootstrapCurves`).

        Examples
        --------
        >>> c = GroupCurves([1, 0, 1, 0], [0.9, 0.4, 0.6, 0.2],
        ...                 sensitive_features=["a", "a", "b", "b"])
        >>> c.bootstrap(50).counts_at(0.5).shape  # replicate, group, (tn, fp, fn, tp)
        (50, 2, 4)

        Lesson: 06-decision-thresholds
        """
        return BootstrapCurves(self, n_boot, random_state=random_state)

    def roc(self, group: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(fpr, tpr, thresholds)`` of one group at every distinct score (plus none)."""
        cv = self.curves[self._position(group)]
        with np.errstate(invalid="ignore", divide="ignore"):
            return cv.fp / cv.n_neg, cv.tp / cv.n_pos, cv.thresholds


class BootstrapCurves:
    """Bootstrap replicates of every group's cumulative counts: intervals at any threshold.

    Replicate ``b`` of group ``g`` resamples the group's rows with replacement (the
    group keeps its size, as in :func:`fairlab.metrics.bootstrap_ci`). The resample
    counts of every row are drawn once, **in data order**, then follow the score
    order: which rows a replicate holds does not depend on how near-equal scores
    happen to sort, so float noise across machines cannot change the replicates.
    Each replicate's true and false positives above every distinct score are then
    two cumulative sums, and a threshold is the same ``searchsorted`` index as in
    :class:`GroupCurves`: a column lookup gives all replicates at once.

    Build it with :meth:`GroupCurves.bootstrap`.

    Parameters
    ----------
    curves : GroupCurves
        Built without ``sample_weight``.
    n_boot : int, default=200
        Replicates per group.
    random_state : int, numpy Generator or None, default=0
        Seeds the draws: group by group, an ``(n_boot, group size)`` matrix of
        ``integers(0, group size)``.

    Examples
    --------
    >>> c = GroupCurves([1, 0, 1, 0, 1, 1], [0.9, 0.4, 0.6, 0.2, 0.7, 0.3],
    ...                 sensitive_features=["a", "a", "a", "b", "b", "b"])
    >>> boot = c.bootstrap(200, random_state=0)
    >>> ci = boot.intervals({"a": 0.5, "b": 0.5})
    >>> ci["tpr"].round(3).to_numpy().tolist()  # estimate, low, high per group
    [[1.0, 1.0, 1.0], [0.5, 0.0, 1.0]]
    >>> [round(float(v), 3) for v in ci.attrs["gap_tpr"]]  # the TPR gap's interval
    [0.0, 1.0]

    Lesson: 06-decision-thresholds
    """

    def __init__(self, curves: GroupCurves, n_boot: int = 200, *,
                 random_state: int | np.random.Generator | None = 0) -> None:
        if not isinstance(curves, GroupCurves):
            raise TypeError(f"curves must be a GroupCurves; got {type(curves).__name__}. "
                            "Use GroupCurves(...).bootstrap(n_boot).")
        if curves._weighted:
            raise ValueError("the bootstrap resamples rows, so it needs curves built "
                             "without sample_weight; build GroupCurves(..., "
                             "sample_weight=None) for intervals.")
        self.n_boot = check_int(n_boot, "n_boot", low=10)
        self.curves = curves
        rng = check_random_state(random_state)
        y, score = curves._y, curves._score
        codes = curves.groups.codes
        self.tp: list[np.ndarray] = []
        self.fp: list[np.ndarray] = []
        for g in range(curves.groups.n_groups):  # a few groups; rows are vectorised
            rows = np.flatnonzero(codes == g)
            order = np.argsort(-score[rows], kind="stable")
            s, yy = score[rows][order], y[rows][order]
            n = len(rows)
            draws = rng.integers(0, n, size=(self.n_boot, n))  # in data order, drawn once
            flat = (draws + (np.arange(self.n_boot) * n)[:, None]).ravel()
            weight = np.bincount(flat, minlength=self.n_boot * n).reshape(self.n_boot, n)
            weight = weight[:, order].astype(np.int32)  # then follow the score order
            ends = np.flatnonzero(np.append(s[1:] != s[:-1], True))
            zero = np.zeros((self.n_boot, 1), dtype=np.int32)
            pos = np.cumsum(weight * yy.astype(np.int32), axis=1)[:, ends]
            neg = np.cumsum(weight * (1 - yy).astype(np.int32), axis=1)[:, ends]
            self.tp.append(np.hstack([zero, pos]))
            self.fp.append(np.hstack([zero, neg]))

    def counts_at(self, thresholds: Any) -> np.ndarray:
        """Replicate confusion counts ``(n_boot, n_groups, 4)`` (tn, fp, fn, tp) at
        ``score >= t_g``; ``thresholds`` as in :meth:`GroupCurves.counts_at`."""
        t = self.curves.as_array(thresholds)
        out = np.empty((self.n_boot, len(self.tp), 4))
        for g, (tp, fp, cv) in enumerate(zip(self.tp, self.fp, self.curves.curves,
                                             strict=True)):
            k = cv.index_at(t[g])
            out[:, g, 3], out[:, g, 1] = tp[:, k], fp[:, k]
            out[:, g, 2], out[:, g, 0] = tp[:, -1] - tp[:, k], fp[:, -1] - fp[:, k]
        return out

    def intervals(self, thresholds: Any, *, rates: tuple[str, ...] = ("selection_rate",
                  "tpr", "fpr"), level: float = 0.95) -> pd.DataFrame:
        """Percentile intervals per group and rate at these thresholds.

        Returns
        -------
        DataFrame indexed by group, columns ``(rate, estimate | low | high)``. Its
        ``attrs`` hold, per rate, ``gap_<rate>`` = ``(low, high)`` of the largest minus
        smallest group rate (the empty-group rule of
        :func:`fairlab.metrics.spread_between_groups`) and ``undefined`` = the share of
        replicates that left a group's rate undefined (largest over the rates).
        """
        unknown = [r for r in rates if r not in RATES]
        if unknown:
            raise ValueError(f"unknown rate {unknown[0]!r}; choose among {list(RATES)}.")
        est = rates_from_counts(self.curves.counts_at(thresholds), rates)
        counts = self.counts_at(thresholds)
        boot = rates_from_counts(counts, rates)  # each (B, G)
        stack = np.stack([boot[r] for r in rates], axis=1)  # (B, R, G)
        lo, hi = percentile_interval(stack, level=level)  # (R, G)
        n_rows = counts.sum(-1)
        values = np.stack([np.stack([est[r] for r in rates]), lo, hi], axis=-1)  # (R, G, 3)
        frame = pd.DataFrame(values.transpose(1, 0, 2).reshape(len(self.tp), -1),
                             index=self.curves.index,
                             columns=pd.MultiIndex.from_product(
                                 [list(rates), ["estimate", "low", "high"]]))
        for r in rates:
            glo, ghi = percentile_interval(spread_between_groups(boot[r], n_rows), level=level)
            frame.attrs[f"gap_{r}"] = (float(glo), float(ghi))
        frame.attrs["undefined"] = np.isnan(stack).mean(0).max(0)
        return frame


def _curves_from_rows(yt: np.ndarray, score: np.ndarray, groups: Groups,
                      w: np.ndarray | None) -> list[_Curve]:
    """All groups' curves from one lexsort and two cumulative sums."""
    weight = np.ones(len(yt)) if w is None else w
    order = np.lexsort((-score, groups.codes))  # by group, then score descending
    s, c = score[order], groups.codes[order]
    pos = np.cumsum(weight[order] * yt[order])
    neg = np.cumsum(weight[order] * (1 - yt[order]))
    n = len(s)
    last = np.ones(n, dtype=bool)  # the last row of each run of equal (group, score)
    last[:-1] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
    ends = np.flatnonzero(last)
    starts = np.searchsorted(c, np.arange(groups.n_groups))  # first row of each group
    stops = np.append(starts[1:], n)
    split = np.searchsorted(ends, stops, side="left")  # runs of group g: ends[a:b]
    curves = []
    for g in range(groups.n_groups):
        e = ends[(split[g - 1] if g else 0):split[g]]
        p0 = pos[starts[g] - 1] if starts[g] else 0.0
        n0 = neg[starts[g] - 1] if starts[g] else 0.0
        tp = np.concatenate([[0.0], pos[e] - p0])
        fp = np.concatenate([[0.0], neg[e] - n0])
        curves.append(_Curve(np.concatenate([[np.inf], s[e]]), tp, fp, tp[-1], fp[-1]))
    return curves


# ------------------------------------------------------------------------ geometry
def _utility(cv: _Curve, cost: np.ndarray) -> np.ndarray:
    """Total gain (minus cost) of each point of a curve."""
    tn, fn = cv.n_neg - cv.fp, cv.n_pos - cv.tp
    return -(cost[0, 0] * tn + cost[0, 1] * cv.fp + cost[1, 0] * fn + cost[1, 1] * cv.tp)


def _upper_envelope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the vertices of the upper concave envelope of (x, y), by increasing x.

    Two sentinel points far below make the hull full-dimensional, so that Qhull
    returns exactly the upper chain plus the sentinels.
    """
    from scipy.spatial import ConvexHull

    span = float(np.ptp(y)) + 1.0
    low = float(y.min()) - 10 * span
    pts = np.column_stack([np.concatenate([x, [x.min(), x.max()]]),
                           np.concatenate([y, [low, low]])])
    if x.max() == x.min():
        return np.array([int(np.argmax(y))])
    verts = ConvexHull(pts).vertices
    verts = verts[verts < len(x)]
    return verts[np.argsort(x[verts], kind="stable")]


def roc_hull(fpr: np.ndarray, tpr: np.ndarray):
    """Convex hull of a group's ROC points: ``(vertex indices ccw, A, b)`` with A p <= b.

    When every point lies on the diagonal, the hull is that segment: ``A`` and
    ``b`` then say ``tpr == fpr``, and the vertices are its two ends. Used by
    :func:`optimize_thresholds` and :func:`fairlab.plotting.plot_roc_hulls`.

    Examples
    --------
    >>> verts, A, b = roc_hull(np.array([0, 0.2, 0.5, 1]), np.array([0, 0.6, 0.7, 1]))
    >>> sorted(verts.tolist())  # (0.5, 0.7) lies under the hull
    [0, 1, 3]

    Lesson: 06-decision-thresholds
    """
    from scipy.spatial import ConvexHull, QhullError

    pts = np.column_stack([fpr, tpr])
    try:
        hull = ConvexHull(pts)
    except QhullError:  # all points on one line: the diagonal from (0,0) to (1,1)
        a = np.array([[-1.0, 1.0], [1.0, -1.0]])
        return np.array([0, len(fpr) - 1]), a, np.zeros(2)
    return hull.vertices, hull.equations[:, :2], -hull.equations[:, 2]


def _mix_in_polygon(p: np.ndarray, pts: np.ndarray, verts: np.ndarray):
    """Indices and weights (at most 3) of hull vertices whose mixture is ``p``.

    Fan-triangulate the convex polygon from the vertex nearest to ``p`` and take
    the barycentric coordinates of ``p`` in the triangle that holds it, so one
    of the mixed thresholds is as close to ``p`` as the hull allows.
    """
    v = pts[verts]
    if len(verts) == 2:  # a segment
        d = v[1] - v[0]
        lam = float(np.clip(np.dot(p - v[0], d) / np.dot(d, d), 0, 1))
        w, idx = np.array([1 - lam, lam]), verts
    else:
        start = int(np.argmin(np.hypot(*(v - p).T)))
        verts = np.roll(verts, -start)
        v = pts[verts]
        e1, e2, q = v[1:-1] - v[0], v[2:] - v[0], p - v[0]
        det = e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            b1 = (q[0] * e2[:, 1] - q[1] * e2[:, 0]) / det
            b2 = (e1[:, 0] * q[1] - e1[:, 1] * q[0]) / det
        bary = np.column_stack([1 - b1 - b2, b1, b2])
        bary[~np.isfinite(bary).all(1)] = -np.inf
        best = int(np.argmax(bary.min(1)))  # the triangle holding p, up to rounding
        w = np.clip(bary[best], 0, None)
        idx = np.array([verts[0], verts[1 + best], verts[2 + best]])
    keep = w > 1e-12
    return idx[keep], w[keep] / w[keep].sum()


# ------------------------------------------------------------------------- solvers
@dataclass
class _Solution:
    points: list[np.ndarray]  # per group: curve indices used
    weights: list[np.ndarray]  # per group: their probabilities
    common: float | None = None  # the shared threshold of "single_threshold"


def _solve(curves: list[_Curve], cost: np.ndarray, constraint: str) -> _Solution:
    utils = [_utility(cv, cost) for cv in curves]
    one = np.ones(1)
    if constraint == "none":
        return _Solution([np.array([int(np.argmax(u))]) for u in utils], [one] * len(curves))
    if constraint == "single_threshold":
        return _solve_single(curves, utils)
    if constraint == "equalized_odds":
        return _solve_odds(curves, cost)
    rates = []
    for cv in curves:
        with np.errstate(invalid="ignore", divide="ignore"):
            rates.append((cv.tp + cv.fp) / (cv.n_pos + cv.n_neg)
                         if constraint == "demographic_parity" else cv.tp / cv.n_pos)
    envs = [_upper_envelope(r, u) for r, u in zip(rates, utils, strict=True)]
    candidates = np.unique(np.concatenate([r[e] for r, e in zip(rates, envs, strict=True)]))
    total = sum(np.interp(candidates, r[e], u[e]) for r, u, e in zip(rates, utils, envs,
                                                                     strict=True))
    target = candidates[int(np.argmax(total))]
    points, weights = [], []
    for r, u, e in zip(rates, utils, envs, strict=True):
        xs = r[e]
        j = int(np.searchsorted(xs, target, side="left"))
        # a single threshold that reaches the target as well as the envelope does
        exact = np.flatnonzero(np.isclose(r, target, rtol=0, atol=1e-12)
                               & (u >= np.interp(target, xs, u[e]) - 1e-9 * (1 + abs(u).max())))
        if exact.size:
            points.append(exact[:1])
            weights.append(one)
        else:
            lam = (target - xs[j - 1]) / (xs[j] - xs[j - 1])
            points.append(np.array([e[j - 1], e[j]]))
            weights.append(np.array([1 - lam, lam]))
    return _Solution(points, weights)


def _solve_single(curves: list[_Curve], utils: list[np.ndarray]) -> _Solution:
    """One threshold for all: the total objective at every distinct score of any group."""
    all_t = np.unique(np.concatenate([cv.thresholds[1:] for cv in curves]))[::-1]
    total = np.zeros(len(all_t) + 1)
    idx_per_group = []
    for cv, u in zip(curves, utils, strict=True):
        # point of this group for "score >= t", for every t in all_t at once
        k = np.searchsorted(-cv.thresholds[1:], -all_t, side="right")
        k = np.concatenate([[0], k])
        idx_per_group.append(k)
        total += u[k]
    best = int(np.argmax(total))
    common = float(all_t[best - 1]) if best else np.inf
    return _Solution([np.array([k[best]]) for k in idx_per_group], [np.ones(1)] * len(curves),
                     common)


def _solve_odds(curves: list[_Curve], cost: np.ndarray) -> _Solution:
    """Equalized odds: an LP over the intersection of the groups' ROC hulls."""
    from scipy.optimize import linprog

    rocs, hulls, a_ub, b_ub = [], [], [], []
    grad = np.zeros(2)  # d(total gain) / d(fpr, tpr)
    for cv in curves:
        fpr, tpr = cv.fp / cv.n_neg, cv.tp / cv.n_pos
        verts, a, b = roc_hull(fpr, tpr)
        rocs.append(np.column_stack([fpr, tpr]))
        hulls.append(verts)
        a_ub.append(a)
        b_ub.append(b)
        grad += [cv.n_neg * (cost[0, 0] - cost[0, 1]), cv.n_pos * (cost[1, 0] - cost[1, 1])]
    res = linprog(-grad, A_ub=np.vstack(a_ub), b_ub=np.concatenate(b_ub) + 1e-12,
                  bounds=[(0, 1), (0, 1)], method="highs")
    p = res.x if res.status == 0 else np.zeros(2)  # (0, 0), select nobody, is always feasible
    points, weights = [], []
    for pts, verts in zip(rocs, hulls, strict=True):
        idx, w = _mix_in_polygon(p, pts, verts)
        keep = w > 1e-12
        points.append(idx[keep])
        weights.append(w[keep] / w[keep].sum())
    return _Solution(points, weights)


# --------------------------------------------------------------------------- policy
class ThresholdPolicy:
    """Per-group thresholds that maximise an objective under a fairness constraint.

    Parameters
    ----------
    constraint : {"none", "single_threshold", "demographic_parity", \
"equal_opportunity", "equalized_odds"}, default="none"
        What must be equal across groups: nothing (each group gets its own best
        threshold), the threshold itself, the selection rate, the true-positive
        rate, or both TPR and FPR.
    objective : "accuracy" or 2×2 cost matrix, default="accuracy"
        See :func:`cost_matrix_from`.
    probabilities : bool, default=True
        Require scores in [0, 1].

    Attributes
    ----------
    groups_ : list
    thresholds_ : Series
        One threshold per group (the most likely one when the group mixes).
    mixtures_ : dict
        Per group, a list of ``(threshold, probability)``; one entry unless the
        constraint needs randomisation to hold exactly.
    rates_ : DataFrame
        Expected selection rate, TPR, FPR, PPV and accuracy per group on the
        fitting data.
    objective_ : float
        Expected accuracy (``objective="accuracy"``) or profit per person.

    Examples
    --------
    >>> y = [1, 1, 0, 0, 1, 0, 0, 0]
    >>> s = [0.9, 0.6, 0.55, 0.1, 0.7, 0.65, 0.3, 0.2]
    >>> g = ["a"] * 4 + ["b"] * 4
    >>> pol = ThresholdPolicy().fit(y, s, sensitive_features=g)
    >>> pol.thresholds_.to_dict(), pol.objective_
    ({'a': 0.6, 'b': 0.7}, 1.0)
    >>> pol.predict(s, g).tolist()
    [1, 1, 0, 0, 1, 0, 0, 0]

    Lesson: 06-decision-thresholds
    """

    def __init__(self, constraint: str = "none", objective: Any = "accuracy", *,
                 probabilities: bool = True) -> None:
        self.constraint = constraint
        self.objective = objective
        self.probabilities = probabilities

    def fit(self, y_true: Any, y_score: Any, *, sensitive_features: Any,
            sample_weight: Any = None, pos_label: Any = None) -> ThresholdPolicy:
        """Search every distinct score of every group; return ``self``.

        ``y_true`` is coded 0/1, -1/1 or False/True, or any two labels with
        ``pos_label`` naming the positive one (as in :class:`GroupCurves`).
        """
        if self.constraint not in CONSTRAINTS:
            raise ValueError(f"constraint must be one of {list(CONSTRAINTS)}; "
                             f"got {self.constraint!r}.")
        cost = cost_matrix_from(self.objective)
        curves = GroupCurves(y_true, y_score, sensitive_features=sensitive_features,
                             sample_weight=sample_weight, probabilities=self.probabilities,
                             pos_label=pos_label)
        if self.constraint in ("equal_opportunity", "equalized_odds"):
            _require(curves, "n_pos", "positive labels (y_true == 1)", "TPR", self.constraint)
        if self.constraint == "equalized_odds":
            _require(curves, "n_neg", "negative labels (y_true == 0)", "FPR", self.constraint)
        self._fit_curves(curves, cost)
        return self

    def _fit_curves(self, curves: GroupCurves, cost: np.ndarray) -> None:
        sol = _solve(curves.curves, cost, self.constraint)
        self.curves_ = curves
        self.cost_matrix_ = cost
        self.index_ = curves.index
        self.groups_ = curves.labels
        n_comp = max(len(p) for p in sol.points)
        self._t = np.full((len(sol.points), n_comp), np.inf)
        self._p = np.zeros((len(sol.points), n_comp))
        counts = np.zeros((len(sol.points), 4))
        for g, (cv, pts, w) in enumerate(zip(curves.curves, sol.points, sol.weights,
                                             strict=True)):
            self._t[g, :len(pts)] = cv.thresholds[pts] if sol.common is None else sol.common
            self._p[g, :len(pts)] = w
            tp, fp = w @ cv.tp[pts], w @ cv.fp[pts]
            counts[g] = (cv.n_neg - fp, fp, cv.n_pos - tp, tp)
        self.counts_ = counts
        self.mixtures_ = {
            g: [(float(t), float(p)) for t, p in zip(self._t[i], self._p[i], strict=True)
                if p > 0]
            for i, g in enumerate(self.groups_)}
        self.thresholds_ = pd.Series(self._t[np.arange(len(self._t)), self._p.argmax(1)],
                                     index=self.index_, name="threshold")
        from fairlab.metrics import rates_from_counts

        rates = rates_from_counts(counts, ("selection_rate", "tpr", "fpr", "ppv", "accuracy"))
        self.rates_ = pd.DataFrame({"count": counts.sum(1), **rates}, index=self.index_)
        total_cost = float((counts * cost.reshape(-1)[[0, 1, 2, 3]]).sum())
        n = counts.sum()
        self.objective_ = float((1 - total_cost / n) if isinstance(self.objective, str)
                                else -total_cost / n)

    def _check_fitted(self) -> None:
        if not hasattr(self, "thresholds_"):
            raise ValueError("this ThresholdPolicy is not fitted yet; call "
                             "fit(y_true, y_score, sensitive_features=...) first.")

    def _codes(self, sensitive_features: Any, n_rows: int) -> np.ndarray:
        groups = check_groups(sensitive_features, n_rows, name="sensitive_features")
        pos = self.index_.get_indexer(groups.index)
        if (pos < 0).any():
            unknown = groups.index[pos < 0].tolist()
            raise ValueError(f"unknown groups {unknown}: the policy was fitted on "
                             f"{self.groups_}. Refit with those groups in the data, or map "
                             "them to a fitted group.")
        return pos[groups.codes]

    def predict(self, y_score: Any, sensitive_features: Any, *,
                random_state: int | np.random.Generator | None = None) -> np.ndarray:
        """Decisions 0/1: ``score >= t`` with each row's group's (possibly mixed) threshold.

        Rows of a group that mixes draw their threshold at random
        (``random_state`` makes the draw repeatable); the other rows are
        deterministic.
        """
        self._check_fitted()
        score = check_scores(y_score, "y_score", probabilities=self.probabilities)
        codes = self._codes(sensitive_features, len(score))
        t = self._t[codes, 0]
        if self._t.shape[1] > 1:
            rng = np.random.default_rng(random_state)
            cum = np.cumsum(self._p, axis=1)[codes]
            pick = (rng.random(len(score))[:, None] >= cum[:, :-1]).sum(1)
            t = self._t[codes, pick]
        return (score >= t).astype(np.int8)

    def summary(self) -> pd.DataFrame:
        """One row per group: threshold(s), mixing, and expected rates.

        Columns: ``threshold`` (the most likely one), ``mixing`` (e.g.
        ``"0.412 (71%) | 0.398 (29%)"`` or ``"–"``), ``selection_rate, tpr,
        fpr, ppv, accuracy``.
        """
        self._check_fitted()
        mixing = [" | ".join(f"{t:.3f} ({p:.0%})" for t, p in m) if len(m) > 1 else "–"
                  for m in self.mixtures_.values()]
        out = self.rates_.drop(columns="count")
        out.insert(0, "mixing", mixing)
        out.insert(0, "threshold", self.thresholds_.to_numpy())
        return out

    def __repr__(self) -> str:
        return (f"ThresholdPolicy(constraint={self.constraint!r}, "
                f"objective={self.objective!r})")


def _require(curves: GroupCurves, attr: str, what: str, rate: str, constraint: str) -> None:
    bad = [g for g, cv in zip(curves.labels, curves.curves, strict=True)
           if getattr(cv, attr) == 0]
    if bad:
        raise ValueError(f"groups {bad} have no {what}, so their {rate} is undefined and "
                         f"{constraint} cannot hold; merge them with another group or use "
                         "constraint='demographic_parity'.")


def optimize_thresholds(
    y_true: Any,
    y_score: Any,
    *,
    sensitive_features: Any,
    constraint: str = "none",
    objective: Any = "accuracy",
    sample_weight: Any = None,
    probabilities: bool = True,
) -> ThresholdPolicy:
    """Fit a :class:`ThresholdPolicy`: exact per-group thresholds under a constraint.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_score : array-like of float
        Scores of a fitted model (e.g. ``predict_proba(X)[:, 1]``), in [0, 1]
        unless ``probabilities=False``.
    sensitive_features : array-like or DataFrame
        Any number of groups; several columns give intersectional groups.
    constraint : str, default="none"
        One of ``CONSTRAINTS``.
    objective : "accuracy" or 2×2 cost matrix ``C[y_true][y_pred]``
    sample_weight : array-like, default=None
    probabilities : bool, default=True

    Returns
    -------
    ThresholdPolicy (fitted): ``thresholds_``, ``mixtures_``, ``summary()``,
    ``predict(y_score, sensitive_features, random_state=...)``.

    Raises
    ------
    ValueError
        Scores outside [0, 1] with ``probabilities=True``; a group without
        positives for equal opportunity; an unknown constraint or objective.

    Examples
    --------
    >>> y = [1, 1, 0, 0, 1, 0, 0, 0]
    >>> s = [0.9, 0.6, 0.55, 0.1, 0.7, 0.65, 0.3, 0.2]
    >>> g = ["a"] * 4 + ["b"] * 4
    >>> dp = optimize_thresholds(y, s, sensitive_features=g, constraint="demographic_parity")
    >>> dp.rates_["selection_rate"].tolist()
    [0.25, 0.25]
    >>> dp.thresholds_.to_dict()
    {'a': 0.9, 'b': 0.7}

    Lesson: 06-decision-thresholds
    """
    return ThresholdPolicy(constraint, objective, probabilities=probabilities).fit(
        y_true, y_score, sensitive_features=sensitive_features, sample_weight=sample_weight)


# ----------------------------------------------------------------------------- FICO
def _repay_table(fico) -> pd.DataFrame:
    """P(repay | score, group). The shipped ``performance`` table may hold default rates.

    The Federal Reserve's performance table gives, by score, the percentage of
    people who *defaulted*; Hardt et al. use ``100 - performance``. Repayment
    rises with the score, so whichever way the table is oriented, the column
    that rises is the repayment rate.
    """
    perf = fico.performance
    rising = (perf.iloc[-20:].mean() > perf.iloc[:20].mean()).all()
    return perf if rising else 1 - perf


def fico_curves(fico: Any = None, *, loss_ratio: float = FICO_LOSS_RATIO):
    """Each group's threshold curve from the FICO tables, in people (weights).

    Each score cell ``s`` of a group holds ``total * pmf(s)`` people, of whom a
    fraction ``repay(s)`` repay (positives: a loan would be repaid). Returns
    ``(curves, cost_matrix, groups)`` for the solvers.

    Examples
    --------
    >>> curves, cost, groups = fico_curves()
    >>> groups, cost.tolist()
    (['Asian', 'Black', 'Hispanic', 'White'], [[0.0, 4.555555555555555], [0.0, -1.0]])
    >>> round(curves[1].n_pos + curves[1].n_neg)  # Black applicants in the sample
    18274

    Lesson: 06-decision-thresholds
    """
    from fairlab.datasets import load_fico

    fico = load_fico() if fico is None else fico
    check_in_range(loss_ratio, "loss_ratio", low=0, low_inclusive=False)
    repay = _repay_table(fico)
    cdf = fico.cdf.to_numpy()
    pmf = np.diff(np.vstack([np.zeros((1, cdf.shape[1])), cdf]), axis=0)
    pmf = np.clip(pmf, 0, None)
    pmf = pmf / pmf.sum(0)
    people = pmf * fico.totals[fico.groups].to_numpy(float)
    pos, neg = people * repay.to_numpy(), people * (1 - repay.to_numpy())
    scores = fico.cdf.index.to_numpy(float)
    curves = []
    for j, _ in enumerate(fico.groups):
        keep = people[:, j] > 0
        order = np.flatnonzero(keep)[::-1]  # descending score
        tp = np.concatenate([[0.0], np.cumsum(pos[order, j])])
        fp = np.concatenate([[0.0], np.cumsum(neg[order, j])])
        curves.append(_Curve(np.concatenate([[np.inf], scores[order]]), tp, fp, tp[-1], fp[-1]))
    cost = np.array([[0.0, loss_ratio], [0.0, -1.0]])
    return curves, cost, list(fico.groups)


def _effective_threshold(cv: _Curve, pts: np.ndarray, w: np.ndarray) -> float:
    """A mixture of thresholds as one score: the score at which the group's selected
    fraction equals the mixture's, interpolating linearly inside a score cell."""
    if len(pts) == 1:
        return float(cv.thresholds[pts[0]])
    n = cv.n_pos + cv.n_neg
    sel = (cv.tp + cv.fp) / n
    target = float(w @ sel[pts])
    s = cv.thresholds.copy()
    s[0] = s[1] + 0.5  # the 'nobody' point sits half a step above the top score
    return float(np.interp(target, sel, s))


def fico_case_study(*, loss_ratio: float = FICO_LOSS_RATIO) -> pd.DataFrame:
    """FICO score thresholds per race under four lending policies (Hardt et al. 2016).

    A bank lends to everyone at or above a group's threshold. A repaid loan
    earns 1, a default loses ``loss_ratio`` (default ``82/18``: the paper sets
    the cost so that lending pays exactly when 82 % of borrowers at that score
    repay — the industry's prime cut-off of FICO 620, where 18 % default). The
    policies:

    ``max_profit``          each group its own most profitable threshold;
    ``single_threshold``    one threshold for everybody;
    ``demographic_parity``  equal fractions of each group get loans;
    ``equal_opportunity``   equal fractions of each group's *repayers* get loans.

    Thresholds are raw TransRisk scores (0–100). The two parity policies meet
    their constraint exactly by mixing two adjacent score cells; their
    threshold is reported as the score where the group's approved fraction is
    reached, interpolating within the cell.

    Returns
    -------
    DataFrame
        Rows Asian, Black, Hispanic, White; one column per policy; values are
        thresholds. ``attrs`` holds ``granted`` (fraction of each group given a
        loan), ``tpr`` (fraction of repayers given a loan), ``profit`` (each
        policy's profit relative to max profit) and ``loss_ratio``.

    Examples
    --------
    >>> fico = fico_case_study()
    >>> fico.round(1)  # doctest: +NORMALIZE_WHITESPACE
              max_profit  single_threshold  demographic_parity  equal_opportunity
    group
    Asian           38.0              41.0                54.2               45.3
    Black           48.0              41.0                18.6               29.1
    Hispanic        45.5              41.0                32.2               34.4
    White           40.0              41.0                53.0               45.5
    >>> fico.attrs["profit"].round(3).tolist()
    [1.0, 0.994, 0.705, 0.929]

    Lesson: 06-decision-thresholds
    """
    curves, cost, groups = fico_curves(loss_ratio=loss_ratio)
    policies = {"max_profit": "none", "single_threshold": "single_threshold",
                "demographic_parity": "demographic_parity",
                "equal_opportunity": "equal_opportunity"}
    thresholds, granted, tpr, profit = {}, {}, {}, {}
    for name, constraint in policies.items():
        sol = _solve(curves, cost, constraint)
        t, sel, tr, gain = [], [], [], 0.0
        for cv, pts, w in zip(curves, sol.points, sol.weights, strict=True):
            t.append(_effective_threshold(cv, pts, w))
            tp, fp = w @ cv.tp[pts], w @ cv.fp[pts]
            sel.append((tp + fp) / (cv.n_pos + cv.n_neg))
            tr.append(tp / cv.n_pos)
            gain += tp * -cost[1, 1] - fp * cost[0, 1]
        thresholds[name], granted[name], tpr[name], profit[name] = t, sel, tr, gain
    out = pd.DataFrame(thresholds, index=pd.Index(groups, name="group"))
    best = profit["max_profit"]
    out.attrs["granted"] = pd.DataFrame(granted, index=out.index)
    out.attrs["tpr"] = pd.DataFrame(tpr, index=out.index)
    out.attrs["profit"] = pd.Series({k: v / best for k, v in profit.items()}, name="profit")
    out.attrs["loss_ratio"] = float(loss_ratio)
    return out
