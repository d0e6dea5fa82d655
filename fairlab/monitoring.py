"""Fairness after deployment: a drifting stream, and a monitor that watches it.

:func:`simulate_stream` produces the decisions of a deployed model, day by day,
in a world that changes under it: the group mix shifts, a retrain picks up a
new proxy, and decisions feed back into who applies next. Only a simulation
knows when each change happened, which lets us measure how fast a monitor
notices (detection lag) and how often it cries wolf (false alarms).

:class:`FairnessMonitor` keeps every group's confusion counts per day (one
``np.bincount``), and their cumulative sums over days. A rolling window of any
length is then a difference of two cumulative sums, for every day at once.
Bootstrap bands come the same way: each day's counts are resampled once
(multinomial draws, stratified by day and group) and cumulated, so a new window
length or limit costs a subtraction and a quantile, not a new bootstrap.

Lesson: 08-monitoring-after-deployment
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairlab import metrics as _metrics
from fairlab._validation import (
    as_1d,
    check_binary,
    check_choice,
    check_columns,
    check_in_range,
    check_int,
    check_random_state,
    check_seed,
)

__all__ = [
    "MONITOR_METRICS",
    "FEEDBACK_KINDS",
    "simulate_stream",
    "simulate_complaints",
    "FairnessMonitor",
    "MonitorReport",
    "RollingCounts",
    "bootstrap_counts",
    "percentile_band",
    "run_lengths",
    "AlertRule",
    "ComplaintLog",
    "complaint_review",
    "detection_tradeoff",
]

#: Gaps the monitor can watch, and the per-group rates each one compares.
MONITOR_METRICS = {g.metric: g.rates for g in _metrics.GAPS.values()}
#: Kinds of user feedback :meth:`FairnessMonitor.log_feedback` accepts.
FEEDBACK_KINDS = ("complaint", "appeal", "praise", "note")
#: Kinds that count towards a review.
_REVIEW_KINDS = ("complaint", "appeal")
# Which confusion cells (tn, fp, fn, tp) form each rate's denominator.
_DENOMINATOR = {"selection_rate": [0, 1, 2, 3], "accuracy": [0, 1, 2, 3], "tpr": [2, 3],
                "fpr": [0, 1], "ppv": [1, 3]}
_STATUS = ("warming up", "too few rows", "ok", "over limit", "ALERT")



# ------------------------------------------------------------------------ the stream
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def simulate_stream(
    n_days: int = 180,
    per_day: int = 300,
    *,
    minority_share: float = 0.3,
    mix_shift: float = 0.0,
    proxy_appears_at: int | None = None,
    proxy_weight: float = 1.5,
    feedback: float = 0.0,
    threshold: float = 0.5,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Decisions of a deployed model, day by day, in a world that drifts.

    At launch (day 0) groups A and B have the same distribution of skill, and
    the model, a fixed logistic score of ``test_score`` and ``experience``,
    treats them alike. Three mechanisms, each off by default, change that:

    * **mix_shift** (population drift): B's share grows linearly from
      ``minority_share`` on day 0 to ``minority_share + mix_shift`` on the last
      day. The extra members of B are newcomers (say, career changers) whose
      ``experience`` is lower and unrelated to their skill, so the unchanged
      model under-rates them. Their labels are as good as anyone's.
    * **proxy_appears_at** (a change point): from this day on, a retrained model
      also uses ``neighbourhood``, a vendor feature that is one standard
      deviation higher in B and says nothing about skill; it lowers the score
      by ``proxy_weight`` logits per unit. A gap opens on this day, at once.
    * **feedback** (decisions change future data): each day, a group's mean
      skill moves by ``feedback × (its selection rate − everyone's)`` of the day
      before, as when approved loans build credit and denied ones do not. The
      labels drift with the skill, and any gap feeds itself.

    Rows are drawn for all days at once; only with ``feedback > 0`` is there a
    loop, over days (each day vectorised), since today's decisions set
    tomorrow's skill.

    Parameters
    ----------
    n_days : int >= 1, default=180
    per_day : int >= 2, default=300
        Decisions a day.
    minority_share : float in (0, 1), default=0.3
        B's share of applicants on day 0.
    mix_shift : float, default=0.0
        Change of B's share by the last day; the share must stay inside (0, 1).
    proxy_appears_at : int or None, default=None
        First day on which the model uses the proxy (None: never).
    proxy_weight : float >= 0, default=1.5
    feedback : float >= 0, default=0.0
    threshold : float in [0, 1], default=0.5
        A person is selected when ``score >= threshold``.
    random_state : int, numpy Generator or None, default=0

    Returns
    -------
    DataFrame with one row per decision: ``day``, ``group`` (categorical A/B),
    ``newcomer``, ``test_score``, ``experience``, ``neighbourhood``, ``y_true``,
    ``score``, ``y_pred``.

    Raises
    ------
    ValueError
        A knob is out of range, or the group mix leaves (0, 1).

    Examples
    --------
    >>> s = simulate_stream(3, 4, random_state=1)
    >>> s.shape, s["day"].tolist()
    ((12, 9), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    >>> bool(((s.score >= 0.5) == s.y_pred.astype(bool)).all())
    True

    Lesson: 08-monitoring-after-deployment
    """
    n_days = check_int(n_days, "n_days", low=1)
    per_day = check_int(per_day, "per_day", low=2)
    minority_share = check_in_range(minority_share, "minority_share", low=0, high=1,
                                    low_inclusive=False, high_inclusive=False)
    mix_shift = check_in_range(mix_shift, "mix_shift")
    end_share = minority_share + mix_shift
    if not 0 < end_share < 1:
        raise ValueError(f"minority_share + mix_shift must stay inside (0, 1); got "
                         f"{minority_share:g} + {mix_shift:g} = {end_share:g}. Use a smaller "
                         "mix_shift.")
    if proxy_appears_at is not None:
        proxy_appears_at = check_int(proxy_appears_at, "proxy_appears_at", low=0)
    proxy_weight = check_in_range(proxy_weight, "proxy_weight", low=0)
    feedback = check_in_range(feedback, "feedback", low=0)
    threshold = check_in_range(threshold, "threshold", low=0, high=1)

    # Salted: other simulations draw other numbers.
    rng = np.random.default_rng([check_seed(random_state), 80])
    n = n_days * per_day
    day = np.repeat(np.arange(n_days), per_day)
    # Every random quantity is drawn up front: the knobs never shift the draws.
    u_group = rng.random(n)
    z_skill, z_label, z_score, z_exp, z_hood = rng.standard_normal((5, n))
    frac = day / max(n_days - 1, 1)
    share_b = minority_share + mix_shift * frac
    is_b = u_group < share_b
    # Newcomers: the part of B beyond its launch share (when the share grows).
    newcomer = is_b & (u_group >= minority_share)
    neighbourhood = is_b + z_hood
    uses_proxy = (np.zeros(n, bool) if proxy_appears_at is None
                  else day >= proxy_appears_at)

    def decide(rows: slice, mu: np.ndarray):
        skill = mu + z_skill[rows]
        y = (skill + 0.5 * z_label[rows] > 0.3).astype(np.int8)
        test_score = skill + 0.6 * z_score[rows]
        experience = np.where(newcomer[rows], -1.0 + z_exp[rows],
                              0.6 * skill + 0.8 * z_exp[rows])
        logit = (1.6 * test_score + 0.8 * experience - 0.8
                 - proxy_weight * uses_proxy[rows] * neighbourhood[rows])
        score = _sigmoid(logit)
        return y, test_score, experience, score

    if feedback == 0:
        y_true, test_score, experience, score = decide(slice(None), np.zeros(n))
    else:
        y_true = np.empty(n, np.int8)
        test_score, experience, score = np.empty((3, n))
        mu = np.zeros(2)  # mean skill of A and B
        for t in range(n_days):
            rows = slice(t * per_day, (t + 1) * per_day)
            b = is_b[rows].astype(np.int64)
            out = decide(rows, mu[b])
            y_true[rows], test_score[rows], experience[rows], score[rows] = out
            chosen = out[3] >= threshold
            picked = np.bincount(b, weights=chosen, minlength=2)
            seen = np.bincount(b, minlength=2)
            with np.errstate(invalid="ignore"):
                rel = np.where(seen > 0, picked / np.maximum(seen, 1) - chosen.mean(), 0.0)
            mu = mu + feedback * rel
    return pd.DataFrame({
        "day": day,
        "group": pd.Categorical.from_codes(is_b.astype(np.int8), categories=["A", "B"]),
        "newcomer": newcomer,
        "test_score": test_score,
        "experience": experience,
        "neighbourhood": neighbourhood,
        "y_true": y_true,
        "score": score,
        "y_pred": (score >= threshold).astype(np.int8),
    })


def simulate_complaints(
    stream: pd.DataFrame,
    *,
    rate: float | dict = 0.02,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Complaints from people the model wrongly rejected (``y_true=1, y_pred=0``).

    Each wrongly rejected person complains with probability ``rate``; a dict
    gives each group its own rate, because people do not complain equally
    easily (language, time, trust). Everyone else stays silent: complaints
    signal a harm, they do not measure it.

    Parameters
    ----------
    stream : DataFrame
        With ``day``, ``group``, ``y_true`` and ``y_pred`` (e.g. from
        :func:`simulate_stream`).
    rate : float in [0, 1] or dict group → float, default=0.02
    random_state : int, numpy Generator or None, default=0

    Returns
    -------
    DataFrame with ``day``, ``group``, ``kind`` (``"complaint"``) and ``text``,
    ready for ``FairnessMonitor.log_feedback(c.day, c.group, c.kind, c.text)``.

    Examples
    --------
    >>> s = pd.DataFrame({"day": [0, 0, 1], "group": ["A", "B", "B"],
    ...                   "y_true": [1, 1, 0], "y_pred": [0, 0, 0]})
    >>> simulate_complaints(s, rate=1.0)[["day", "group", "kind"]].values.tolist()
    [[0, 'A', 'complaint'], [0, 'B', 'complaint']]

    Lesson: 08-monitoring-after-deployment
    """
    check_columns(stream, ["day", "group", "y_true", "y_pred"], name="stream")
    y = check_binary(stream["y_true"], "stream['y_true']")
    yp = check_binary(stream["y_pred"], "stream['y_pred']", n_rows=len(y))
    group = stream["group"].astype(object).to_numpy()
    if isinstance(rate, dict):
        unknown = sorted(set(map(str, pd.unique(group))) - set(map(str, rate)))
        if unknown:
            raise ValueError(f"rate has no entry for groups {unknown}; give every group a "
                             "complaint rate, e.g. {'A': 0.02, 'B': 0.01}.")
        p = np.array([check_in_range(rate[g] if g in rate else rate[str(g)],
                                     f"rate[{g!r}]", low=0, high=1) for g in group])
    else:
        p = np.full(len(y), check_in_range(rate, "rate", low=0, high=1))
    # Not the stream's numbers, whatever the seeds.
    rng = np.random.default_rng([check_seed(random_state), 81])
    hit = (y == 1) & (yp == 0) & (rng.random(len(y)) < p)
    return pd.DataFrame({
        "day": stream["day"].to_numpy()[hit],
        "group": group[hit],
        "kind": "complaint",
        "text": "I was turned down and I believe I qualified.",
    })


# ------------------------------------------------------------------ the monitor's parts
class RollingCounts:
    """Counts per day, summed over a trailing window that ends on every day at once.

    Keeps the cumulative sums over days of per-day count arrays (one day's
    counts may have any shape, e.g. groups × confusion cells). The sum over the
    ``window`` days ending on day ``t`` is ``cum[t + 1] - cum[max(t + 1 - window, 0)]``,
    so any window length costs one subtraction for all days. Days before the
    first count as empty: early windows hold the days so far.

    Parameters
    ----------
    shape : tuple of int, default=()
        Shape of one day's counts.
    dtype : numpy dtype, default=np.int64
        Storage type of the cumulative sums (``np.int32`` halves the memory of
        many bootstrap replicates).

    Attributes
    ----------
    n_days : int
        Days added so far.

    Examples
    --------
    >>> counts = RollingCounts().extend([1, 2, 3, 4])
    >>> counts.window(2).tolist()
    [1, 3, 5, 7]
    >>> counts.extend([10]).window(3).tolist()
    [1, 3, 6, 9, 17]

    Lesson: 08-monitoring-after-deployment
    """

    def __init__(self, shape: tuple[int, ...] = (), dtype: Any = np.int64) -> None:
        self._cum = np.zeros((1, *shape), dtype)

    @property
    def n_days(self) -> int:
        return len(self._cum) - 1

    def extend(self, per_day: Any) -> RollingCounts:
        """Append the counts of the next days (first axis: days, in order).

        Returns
        -------
        self
        """
        per_day = np.asarray(per_day)
        if per_day.shape[1:] != self._cum.shape[1:]:
            raise ValueError(f"per_day has shape {per_day.shape}; each day's counts must "
                             f"have shape {self._cum.shape[1:]}, days along the first axis.")
        new = self._cum[-1] + per_day.cumsum(0)
        self._cum = np.concatenate([self._cum, new.astype(self._cum.dtype)])
        return self

    def window(self, window: int) -> np.ndarray:
        """Sums over the ``window`` days ending on each day, shape ``(n_days, *shape)``."""
        window = check_int(window, "window", low=1)
        end = np.arange(1, self.n_days + 1)
        return self._cum[end] - self._cum[np.maximum(end - window, 0)]


def bootstrap_counts(counts: Any, n_boot: int, *,
                     random_state: int | np.random.Generator | None = None) -> np.ndarray:
    """Bootstrap replicates of count vectors, one multinomial draw per vector.

    Drawing the rows behind a vector of counts (one group's confusion cells on
    one day, say) with replacement gives the same distribution as one
    multinomial draw with the vector's total and its shares. Each vector along
    the last axis is resampled on its own: a bootstrap stratified by everything
    the other axes index (day, group), so no replicate loses a group or a day.

    Parameters
    ----------
    counts : array-like of int, shape (..., n_cells)
    n_boot : int >= 1
    random_state : int, numpy Generator or None, default=None

    Returns
    -------
    ndarray of int, shape ``(n_boot, *counts.shape)``
        Each replicate keeps every vector's total; a cell with no rows stays 0.

    Examples
    --------
    >>> draws = bootstrap_counts([[3, 0, 1, 0], [0, 0, 0, 0]], 1000, random_state=0)
    >>> draws.shape, draws.sum(-1).min(0).tolist(), int(draws[..., 1].max())
    ((1000, 2, 4), [4, 0], 0)
    >>> np.round(draws.mean(0)[0], 1).tolist()
    [3.0, 0.0, 1.0, 0.0]

    Lesson: 08-monitoring-after-deployment
    """
    counts = np.asarray(counts)
    if counts.ndim == 0 or (counts < 0).any() or counts.dtype.kind not in "biu":
        raise ValueError("counts must be an array of non-negative whole counts, cells along "
                         f"the last axis; got {counts.dtype} values of shape {counts.shape}.")
    n_boot = check_int(n_boot, "n_boot", low=1)
    rng = check_random_state(random_state)
    size = counts.sum(-1)
    n_cells = counts.shape[-1]
    p = np.where(size[..., None] > 0, counts / np.maximum(size, 1)[..., None], 1 / n_cells)
    return rng.multinomial(size, p, size=(n_boot, *counts.shape[:-1]))


def percentile_band(replicates: Any, *, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap band: the ``(1 ± level) / 2`` quantiles over replicates (axis 0).

    Replicates that are NaN (a statistic undefined in that draw, e.g. a rate of
    an empty group) are left out; a position with no defined replicate gets
    NaN. Quantiles interpolate linearly (numpy's default).

    Parameters
    ----------
    replicates : array-like, shape (n_boot, ...)
    level : float in (0, 1), default=0.9
        Coverage of the band.

    Returns
    -------
    low, high : ndarray, shape ``replicates.shape[1:]``

    Examples
    --------
    >>> low, high = percentile_band([[0.0, 1.0], [1.0, np.nan], [2.0, 3.0]], level=0.5)
    >>> low.tolist(), high.tolist()
    ([0.5, 1.5], [1.5, 2.5])

    Lesson: 08-monitoring-after-deployment
    """
    values = np.asarray(replicates, dtype=float)
    level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN positions give NaN
        if not np.isnan(values).any():
            low, high = np.quantile(values, [alpha, 1 - alpha], axis=0)
        else:
            low, high = np.nanquantile(values, [alpha, 1 - alpha], axis=0)
    return low, high


def run_lengths(flags: Any) -> np.ndarray:
    """How many days in a row, up to and including each day, ``flags`` has been True.

    Examples
    --------
    >>> run_lengths([1, 1, 0, 1, 1, 1]).tolist()
    [1, 2, 0, 1, 2, 3]

    Lesson: 08-monitoring-after-deployment
    """
    flags = np.asarray(flags, dtype=bool)
    idx = np.arange(len(flags))
    last_off = np.maximum.accumulate(np.where(flags, -1, idx))
    return np.where(flags, idx - last_off, 0)


@dataclass(frozen=True)
class AlertRule:
    """When a windowed gap is an alert: above ``limit`` on ``consecutive`` judged days in a row.

    A day is judged only when its window is full and every group has at least
    ``min_group_size`` rows behind its rate (and the gap is defined). A judged
    day *breaches* when the signal, the gap itself (``alert_on="estimate"``) or
    the lower edge of its band (``"lower"``: fewer false alarms, later
    detection), is above ``limit``. A run of ``consecutive`` breaches raises
    an alert on its last day; the state stays ALERT while the run lasts.

    Parameters
    ----------
    limit : float in [0, 1], default=0.1
    consecutive : int >= 1, default=3
    alert_on : {"estimate", "lower"}, default="estimate"
    min_group_size : int >= 1, default=30

    Raises
    ------
    ValueError, TypeError
        A parameter is out of range or of the wrong type.

    Examples
    --------
    >>> rule = AlertRule(limit=0.1, consecutive=2, min_group_size=5)
    >>> status, raised = rule.judge([0.2, 0.2, 0.2, 0.05, 0.3], n=[[9, 9]] * 4 + [[9, 2]],
    ...                             warming=[True, False, False, False, False])
    >>> status.tolist()
    ['warming up', 'over limit', 'ALERT', 'ok', 'too few rows']
    >>> raised.tolist()
    [False, False, True, False, False]

    Lesson: 08-monitoring-after-deployment
    """

    limit: float = 0.1
    consecutive: int = 3
    alert_on: str = "estimate"
    min_group_size: int = 30

    def __post_init__(self) -> None:
        checked = {
            "limit": check_in_range(self.limit, "limit", low=0, high=1),
            "alert_on": check_choice(self.alert_on, "alert_on", ["estimate", "lower"]),
            "consecutive": check_int(self.consecutive, "consecutive", low=1),
            "min_group_size": check_int(self.min_group_size, "min_group_size", low=1),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def judge(self, gap: Any, n: Any, *, low: Any = None,
              warming: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Each day's state and the days an alert is raised.

        Parameters
        ----------
        gap : array-like of float, shape (n_days,)
        n : array-like of int, shape (n_days, n_groups)
            Rows behind each group's rate on each day.
        low : array-like of float, shape (n_days,), default=None
            Lower band edge; needed with ``alert_on="lower"``.
        warming : array-like of bool, shape (n_days,), default=None
            Days whose window is not full yet (default: none).

        Returns
        -------
        status : ndarray of str
            ``warming up``, ``too few rows``, ``ok``, ``over limit`` or ``ALERT``.
        raised : ndarray of bool
            True on the day a run reaches ``consecutive`` breaches.
        """
        gap = np.asarray(gap, dtype=float)
        days = len(gap)
        warming = np.zeros(days, bool) if warming is None else np.asarray(warming, bool)
        small = (np.asarray(n).reshape(days, -1) < self.min_group_size).any(1) | np.isnan(gap)
        if self.alert_on == "lower" and low is None:
            raise ValueError("alert_on='lower' judges the lower band edge; pass low=... "
                             "(bootstrap bands), or use alert_on='estimate'.")
        signal = gap if self.alert_on == "estimate" else np.asarray(low, dtype=float)
        with np.errstate(invalid="ignore"):
            breach = (signal > self.limit) & ~warming & ~small
        run = run_lengths(breach)
        status = np.full(days, "ok", dtype=object)
        status[breach] = "over limit"
        status[run >= self.consecutive] = "ALERT"
        status[small] = "too few rows"
        status[warming] = "warming up"
        return status.astype(str), run == self.consecutive


def _group_codes(known: pd.Index, values: Any, name: str) -> np.ndarray:
    """Positions of ``values`` in the groups a monitor knows, or a clear error."""
    arr = as_1d(values, name).astype(object)
    if pd.isna(arr).any():
        raise ValueError(f"{name} has {int(pd.isna(arr).sum())} missing groups; drop those "
                         "rows or give them an explicit group such as 'unknown'.")
    codes = known.get_indexer(arr)
    if (codes < 0).any():
        unknown = sorted(map(str, pd.unique(arr[codes < 0])))
        raise ValueError(f"{name} has groups {unknown} the monitor does not know "
                         f"(it watches {known.tolist()}); pass every group "
                         "in groups=[...] when creating the monitor.")
    return codes.astype(np.int64)


class ComplaintLog:
    """User feedback (day, group, kind, text), and complaints per group and day.

    Complaints and appeals count towards a review; praise and notes are only
    kept. Entries may name days not monitored yet; they count once those days
    arrive.

    Parameters
    ----------
    groups : sequence
        The groups entries may name.

    Attributes
    ----------
    frame : DataFrame
        A copy of the log: ``day``, ``group``, ``kind``, ``text``.

    Examples
    --------
    >>> log = ComplaintLog(["A", "B"]).add([0, 1, 1], ["B", "B", "A"],
    ...                                    ["complaint", "appeal", "praise"])
    >>> log.per_day(first_day=0, n_days=3).tolist()
    [[0, 1], [0, 1], [0, 0]]

    Lesson: 08-monitoring-after-deployment
    """

    def __init__(self, groups: Sequence) -> None:
        self.groups = pd.Index(list(groups), dtype=object)
        self._frame = pd.DataFrame({"day": pd.Series(dtype=np.int64),
                                    "group": pd.Series(dtype=object),
                                    "kind": pd.Series(dtype=object),
                                    "text": pd.Series(dtype=object)})

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame.copy()

    def add(self, day: Any, group: Any, kind: Any = "complaint", text: Any = "") -> ComplaintLog:
        """Log one entry, or equal-length arrays of entries.

        Parameters
        ----------
        day : int or array-like of int
        group : label or array-like of labels (one of :attr:`groups`)
        kind : str or array-like, default="complaint"
            One of :data:`FEEDBACK_KINDS`.
        text : str or array-like, default=""

        Returns
        -------
        self
        """
        days = _days(np.atleast_1d(np.asarray(day, dtype=object)), "day")
        n = len(days)
        groups = np.atleast_1d(np.asarray(group, dtype=object))
        if len(groups) != n:
            raise ValueError(f"group has {len(groups)} entries but day has {n}; pass one "
                             "group per feedback entry.")
        _group_codes(self.groups, groups, "group")
        kinds = np.broadcast_to(np.asarray(kind, dtype=object), (n,))
        bad = sorted({str(k) for k in kinds if k not in FEEDBACK_KINDS})
        if bad:
            raise ValueError(f"kind must be one of {list(FEEDBACK_KINDS)}; got {bad}.")
        texts = np.broadcast_to(np.asarray(text, dtype=object), (n,))
        new = pd.DataFrame({"day": days, "group": groups, "kind": kinds, "text": texts})
        self._frame = pd.concat([self._frame, new], ignore_index=True) \
            if len(self._frame) else new
        return self

    def per_day(self, *, first_day: int, n_days: int) -> np.ndarray:
        """Complaints and appeals per day and group, shape ``(n_days, n_groups)``."""
        k = len(self.groups)
        fb = self._frame
        keep = fb["kind"].isin(_REVIEW_KINDS).to_numpy()
        d = fb["day"].to_numpy(np.int64)[keep] - first_day
        inside = (d >= 0) & (d < n_days)
        codes = self.groups.get_indexer(fb["group"].to_numpy(object)[keep][inside])
        return np.bincount(d[inside] * k + codes, minlength=n_days * k).reshape(n_days, k)


def complaint_review(complaints: Any, decisions: Any, *, complaint_limit: int = 5,
                     complaint_ratio: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Complaints per 1,000 decisions, and whether they call for a review.

    A review is due when some group has at least ``complaint_limit`` complaints
    and complains (per decision) at least ``complaint_ratio`` times as often as
    the group that complains least. Raw counts would not do: every model wrongly
    rejects someone, so every busy group complains. A group without decisions
    has no rate and is not the "least".

    Parameters
    ----------
    complaints, decisions : array-like, shape (..., n_groups)
        Complaints (and appeals) and decisions per group, e.g. per window.
    complaint_limit : int >= 1, default=5
    complaint_ratio : float >= 1, default=2.0

    Returns
    -------
    per_1000 : ndarray of float, shape ``complaints.shape``
    review : ndarray of bool, shape ``complaints.shape[:-1]``

    Examples
    --------
    A makes 1,000 decisions and B 100; 5 complaints each is 10 times as often for B:

    >>> rate, review = complaint_review([5, 5], [1000, 100])
    >>> rate.tolist(), bool(review)
    ([5.0, 50.0], True)

    Lesson: 08-monitoring-after-deployment
    """
    complaint_limit = check_int(complaint_limit, "complaint_limit", low=1)
    complaint_ratio = check_in_range(complaint_ratio, "complaint_ratio", low=1)
    complaints = np.asarray(complaints)
    decisions = np.asarray(decisions)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = 1000 * complaints / decisions
        lowest = np.nanmin(np.where(decisions > 0, rate, np.inf), axis=-1, keepdims=True)
        review = ((complaints >= complaint_limit)
                  & (rate >= complaint_ratio * lowest)).any(-1)
    return rate, review
# ------------------------------------------------------------------------ the monitor
@dataclass(frozen=True)
class MonitorReport:
    """The monitor's view of every day, for one metric, window and limit.

    Arrays run over ``days``; per-group arrays have one column per group.

    Attributes
    ----------
    days : ndarray (n_days,)
    groups : list
    metric, rate : str
        The gap watched and the per-group rate it compares (the first one for
        equalized odds).
    window : int
    limit : float
    gap, low, high : ndarray (n_days,)
        Gap over the window ending on each day, and its bootstrap band
        (NaN without bootstrap).
    rates, rate_low, rate_high : ndarray (n_days, n_groups)
    n : ndarray (n_days, n_groups)
        Rows behind each group's rate (its denominator) in the window.
    status : ndarray of str (n_days,)
        ``warming up`` (window not full yet), ``too few rows`` (a group below
        ``min_group_size``), ``ok``, ``over limit`` (not yet ``consecutive``
        days in a row) or ``ALERT``.
    raised : ndarray of int
        Days on which an alert was raised.
    complaints : ndarray (n_days, n_groups)
        Complaints and appeals logged in the window.
    new_complaints : ndarray (n_days, n_groups)
        Complaints and appeals logged on each day.
    complaint_rate : ndarray (n_days, n_groups)
        Complaints and appeals per 1,000 decisions in the window.
    review : ndarray of bool (n_days,)
        Some group has at least ``complaint_limit`` complaints in the window
        and a complaint rate at least ``complaint_ratio`` times the lowest
        group's (judged once the window is full).
    """

    days: np.ndarray
    groups: list
    metric: str
    rate: str
    window: int
    limit: float
    gap: np.ndarray
    low: np.ndarray
    high: np.ndarray
    rates: np.ndarray
    rate_low: np.ndarray
    rate_high: np.ndarray
    n: np.ndarray
    status: np.ndarray
    raised: np.ndarray
    complaints: np.ndarray
    new_complaints: np.ndarray
    complaint_rate: np.ndarray
    review: np.ndarray

    @property
    def alert(self) -> np.ndarray:
        """True on days in the ALERT state."""
        return self.status == "ALERT"

    def at(self, day: int) -> int:
        """Position of ``day`` in :attr:`days`."""
        pos = int(day) - int(self.days[0])
        if not 0 <= pos < len(self.days):
            raise ValueError(f"day {day} is outside the monitored days "
                             f"{int(self.days[0])}..{int(self.days[-1])}; pick one inside.")
        return pos

    @property
    def history(self) -> pd.DataFrame:
        """One row per day: gap, band, status, review and each group's rate and n."""
        frame = pd.DataFrame({"gap": self.gap, "low": self.low, "high": self.high,
                              "status": self.status, "review": self.review},
                             index=pd.Index(self.days, name="day"))
        for j, g in enumerate(self.groups):
            frame[f"{self.rate}_{g}"] = self.rates[:, j]
            frame[f"n_{g}"] = self.n[:, j]
            frame[f"complaints_{g}"] = self.complaints[:, j]
            frame[f"complaints_per_1000_{g}"] = self.complaint_rate[:, j]
        return frame


class FairnessMonitor:
    """Rolling-window group metrics with bootstrap bands, alerts and a complaints log.

    Every day the monitor looks back over the last ``window`` days, computes each
    group's rate and the gap between groups (a :mod:`fairlab.metrics` gap), and
    a percentile bootstrap band for both. An alert is raised when the gap (or
    its lower band edge, ``alert_on="lower"``) is above ``limit`` on
    ``consecutive`` days in a row. Days whose window is not yet full, or where
    a group has fewer than ``min_group_size`` rows behind its rate, are never
    judged. Logged complaints and appeals are counted over the same window; a
    group with at least ``complaint_limit`` of them, complaining (per decision)
    at least ``complaint_ratio`` times as often as the group that complains
    least, triggers a review, whatever the metric says. Raw counts would not
    do: every model wrongly rejects someone, so every busy group complains.

    The monitor composes parts that each do one job, usable on their own:
    :class:`RollingCounts` (per-day confusion counts and any window over
    them), :func:`bootstrap_counts` and :func:`percentile_band` (the bands),
    :class:`AlertRule` (the alert states), :class:`ComplaintLog` and
    :func:`complaint_review` (feedback and reviews).

    Parameters
    ----------
    metric : str, default="demographic_parity_difference"
        One of :data:`MONITOR_METRICS`.
    window : int >= 1, default=14
        Days per rolling window.
    limit : float in [0, 1], default=0.1
    n_boot : int, default=200
        Bootstrap replicates (0 turns the bands off; then ``alert_on`` must be
        ``"estimate"``).
    level : float in (0, 1), default=0.9
        Coverage of the bands.
    alert_on : {"estimate", "lower"}, default="estimate"
        ``"lower"`` alerts only when the whole band is above the limit: fewer
        false alarms, later detection.
    consecutive : int >= 1, default=3
    min_group_size : int >= 1, default=30
    complaint_limit : int >= 1, default=5
    complaint_ratio : float >= 1, default=2.0
    groups : sequence, default=None
        All groups to expect; by default those in the data given to
        :meth:`fit_stream`.
    day_col, group_col, label_col, pred_col : str
        Column names in the stream.
    random_state : int, default=0

    Attributes
    ----------
    report_ : MonitorReport
    history_ : DataFrame
        ``report_.history``.
    alerts_ : DataFrame
        One row per raised alert: day, gap and band.
    feedback_ : DataFrame
        The feedback log: day, group, kind, text.
    reviews_ : DataFrame
        Days on which a review was triggered, the group complaining most (per
        decision), its complaints and complaints per 1,000 decisions.

    Examples
    --------
    Four days, two groups, one row per group and day; B is never selected:

    >>> df = pd.DataFrame({"day": [0, 0, 1, 1, 2, 2, 3, 3], "group": list("ABABABAB"),
    ...                    "y_true": [1] * 8, "y_pred": [1, 0] * 4})
    >>> mon = FairnessMonitor(window=2, limit=0.5, consecutive=2, n_boot=0,
    ...                       min_group_size=1).fit_stream(df)
    >>> mon.history_[["gap", "status"]]
         gap      status
    day
    0    1.0  warming up
    1    1.0  over limit
    2    1.0       ALERT
    3    1.0       ALERT
    >>> mon.alerts_["day"].tolist()
    [2]

    Lesson: 08-monitoring-after-deployment
    """

    def __init__(
        self,
        metric: str = "demographic_parity_difference",
        *,
        window: int = 14,
        limit: float = 0.1,
        n_boot: int = 200,
        level: float = 0.9,
        alert_on: str = "estimate",
        consecutive: int = 3,
        min_group_size: int = 30,
        complaint_limit: int = 5,
        complaint_ratio: float = 2.0,
        groups: Sequence | None = None,
        day_col: str = "day",
        group_col: str = "group",
        label_col: str = "y_true",
        pred_col: str = "y_pred",
        random_state: int = 0,
    ):
        self.metric = metric
        self.window = window
        self.limit = limit
        self.n_boot = n_boot
        self.level = level
        self.alert_on = alert_on
        self.consecutive = consecutive
        self.min_group_size = min_group_size
        self.complaint_limit = complaint_limit
        self.complaint_ratio = complaint_ratio
        self.groups = groups
        self.day_col = day_col
        self.group_col = group_col
        self.label_col = label_col
        self.pred_col = pred_col
        self.random_state = random_state

    # ----------------------------------------------------------------- checks
    def _check_params(self, **over: Any) -> dict:
        p = {k: getattr(self, k) for k in ("metric", "window", "limit", "alert_on",
                                            "consecutive", "min_group_size",
                                            "complaint_limit", "complaint_ratio")}
        p.update({k: v for k, v in over.items() if v is not None})
        check_choice(p["metric"], "metric", list(MONITOR_METRICS))
        p["window"] = check_int(p["window"], "window", low=1)
        p["rule"] = AlertRule(limit=p["limit"], consecutive=p["consecutive"],
                              alert_on=p["alert_on"], min_group_size=p["min_group_size"])
        p["complaint_limit"] = check_int(p["complaint_limit"], "complaint_limit", low=1)
        p["complaint_ratio"] = check_in_range(p["complaint_ratio"], "complaint_ratio", low=1)
        if p["alert_on"] == "lower" and self.n_boot == 0:
            raise ValueError("alert_on='lower' needs bootstrap bands, but n_boot=0; set "
                             "n_boot (e.g. 200) or use alert_on='estimate'.")
        return p

    def _check_fitted(self) -> None:
        if not hasattr(self, "_counts"):
            raise RuntimeError("this FairnessMonitor has seen no data yet; call "
                               "fit_stream(df) first.")

    def _read(self, df: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                 np.ndarray]:
        """Validated (day, group code, y_true, y_pred) arrays of a stream frame."""
        check_columns(df, [self.day_col, self.group_col, self.label_col, self.pred_col],
                      name=name)
        y = check_binary(df[self.label_col], f"{name}[{self.label_col!r}]")
        yp = check_binary(df[self.pred_col], f"{name}[{self.pred_col!r}]", n_rows=len(y))
        day = _days(df[self.day_col], f"{name}[{self.day_col!r}]")
        codes = _group_codes(self._group_index, df[self.group_col],
                             f"{name}[{self.group_col!r}]")
        return day, codes, y, yp

    # ------------------------------------------------------------------ data in
    def fit_stream(self, df: pd.DataFrame) -> FairnessMonitor:
        """Start monitoring from a stream of decisions (one row per decision).

        Parameters
        ----------
        df : DataFrame
            Columns ``day_col`` (integers), ``group_col``, ``label_col`` and
            ``pred_col`` (0/1).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A column is missing, labels are not 0/1, days are not whole
            numbers, or fewer than two groups are present.
        """
        self._check_params()
        if check_int(self.n_boot, "n_boot", low=0) != 0:  # 0 means no bands
            check_int(self.n_boot, "n_boot", low=10)
        self._level = check_in_range(self.level, "level", low=0, high=1,
                                     low_inclusive=False, high_inclusive=False)
        check_columns(df, [self.group_col], name="df")
        if self.groups is not None:
            labels = list(self.groups)
        else:
            col = df[self.group_col]
            if isinstance(col.dtype, pd.CategoricalDtype):
                labels = [c for c in col.cat.categories if (col == c).any()]
            else:
                labels = sorted(pd.unique(col.dropna().astype(object)), key=str)
        if len(labels) < 2:
            raise ValueError(f"df[{self.group_col!r}] has only {len(labels)} group "
                             f"({labels}); fairness compares groups, so pass a stream with "
                             "at least two.")
        self._group_index = pd.Index(labels, dtype=object)
        day, codes, y, yp = self._read(df, "df")
        self._first_day = int(day.min())
        self._rng = np.random.default_rng(self.random_state)
        n_groups = len(labels)
        # confusion cells (tn, fp, fn, tp) per day and group; replicates on axis 1
        self._counts = RollingCounts((n_groups, 4))
        self._boot = RollingCounts((self.n_boot, n_groups, 4), np.int32)
        self._log = ComplaintLog(labels)
        self._append(day, codes, y, yp)
        return self

    def update(self, batch: pd.DataFrame) -> FairnessMonitor:
        """Add the decisions of one or more new days (after the last day seen).

        Returns
        -------
        self
        """
        self._check_fitted()
        day, codes, y, yp = self._read(batch, "batch")
        last = self._first_day + self._counts.n_days - 1
        if day.min() <= last:
            raise ValueError(f"batch has days from {int(day.min())}, but the monitor has "
                             f"already seen up to day {last}; send only later days, or "
                             "start again with fit_stream.")
        self._append(day, codes, y, yp)
        return self

    def _append(self, day, codes, y, yp) -> None:
        start = self._first_day + self._counts.n_days  # first new day
        n_new = int(day.max()) - start + 1
        k = len(self._group_index)
        cell = ((day - start) * k + codes) * 4 + 2 * y + yp
        counts = np.bincount(cell, minlength=n_new * k * 4).reshape(n_new, k, 4)
        self._counts.extend(counts)
        if self.n_boot:
            # Resample each (day, group)'s rows: a multinomial draw of its four counts.
            draws = bootstrap_counts(counts, self.n_boot, random_state=self._rng)
            self._boot.extend(np.moveaxis(draws, 0, 1))
        self._cache: dict = {}
        self._refresh()

    def log_feedback(self, day: Any, group: Any, kind: Any = "complaint",
                     text: Any = "") -> FairnessMonitor:
        """Log user feedback: one entry, or equal-length arrays of entries.

        Complaints and appeals count towards a review (see the class
        description); praise and notes are only kept. Feedback for days the stream
        has not reached yet is kept and counted once those days arrive.

        Parameters
        ----------
        day : int or array-like of int
        group : label or array-like of labels (groups the monitor watches)
        kind : str or array-like, default="complaint"
            One of :data:`FEEDBACK_KINDS`.
        text : str or array-like, default=""

        Returns
        -------
        self
        """
        self._check_fitted()
        self._log.add(day, group, kind, text)
        self._refresh()
        return self

    # ---------------------------------------------------------------- views
    def _windowed(self, metric: str, window: int) -> dict:
        """Gap, rates, bands and sizes for every day: cached per (metric, window)."""
        key = (metric, window)
        if key in self._cache:
            return self._cache[key]
        rates = MONITOR_METRICS[metric]
        gap_name = next(n for n, g in _metrics.GAPS.items() if g.metric == metric)

        def formula(c: np.ndarray) -> np.ndarray:
            return _metrics.gaps_from_counts(c, (gap_name,))[gap_name]
        n_days = self._counts.n_days
        counts = self._counts.window(window).astype(float)
        first = rates[0]
        out = {"gap": formula(counts),
               "rates": _metrics.rates_from_counts(counts, (first,))[first],
               "n": np.min([counts[..., _DENOMINATOR[r]].sum(-1) for r in rates], axis=0)}
        nan = np.full(n_days, np.nan)
        out["low"], out["high"] = nan, nan.copy()
        out["rate_low"] = out["rate_high"] = np.full_like(out["rates"], np.nan)
        if self.n_boot:
            boot = np.moveaxis(self._boot.window(window), 1, 0).astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                gaps = formula(boot)
                rb = _metrics.rates_from_counts(boot, (first,))[first]
            out["low"], out["high"] = percentile_band(gaps, level=self._level)
            out["rate_low"], out["rate_high"] = percentile_band(rb, level=self._level)
        self._cache[key] = out
        return out

    def evaluate(
        self,
        *,
        metric: str | None = None,
        window: int | None = None,
        limit: float | None = None,
        alert_on: str | None = None,
        consecutive: int | None = None,
        min_group_size: int | None = None,
        complaint_limit: int | None = None,
        complaint_ratio: float | None = None,
    ) -> MonitorReport:
        """The monitor's report with some settings changed (the rest as constructed).

        Cheap: windows are differences of cumulative sums computed once, so an
        explorer can call this on every slider move.

        Returns
        -------
        MonitorReport
        """
        self._check_fitted()
        p = self._check_params(metric=metric, window=window, limit=limit, alert_on=alert_on,
                               consecutive=consecutive, min_group_size=min_group_size,
                               complaint_limit=complaint_limit,
                               complaint_ratio=complaint_ratio)
        w = self._windowed(p["metric"], p["window"])
        n_days = self._counts.n_days
        days = np.arange(self._first_day, self._first_day + n_days)
        warming = np.arange(n_days) < p["window"] - 1
        status, raised = p["rule"].judge(w["gap"], w["n"], low=w["low"], warming=warming)
        new_complaints = self._log.per_day(first_day=self._first_day, n_days=n_days)
        complaints = RollingCounts(new_complaints.shape[1:]).extend(new_complaints) \
            .window(p["window"])
        decisions = self._counts.window(p["window"]).sum(-1)
        rate, review = complaint_review(complaints, decisions,
                                        complaint_limit=p["complaint_limit"],
                                        complaint_ratio=p["complaint_ratio"])
        return MonitorReport(
            days=days, groups=self._group_index.tolist(), metric=p["metric"],
            rate=MONITOR_METRICS[p["metric"]][0], window=p["window"], limit=p["rule"].limit,
            gap=w["gap"], low=w["low"], high=w["high"], rates=w["rates"],
            rate_low=w["rate_low"], rate_high=w["rate_high"], n=w["n"],
            status=status, raised=days[raised],
            complaints=complaints, new_complaints=new_complaints, complaint_rate=rate,
            review=review & ~warming)

    def _refresh(self) -> None:
        report = self.evaluate()
        self.report_ = report
        self.history_ = report.history
        pos = report.raised - report.days[0]
        self.alerts_ = pd.DataFrame({"day": report.raised, "gap": report.gap[pos],
                                     "low": report.low[pos], "high": report.high[pos]})
        rev = report.review
        starts = np.flatnonzero(rev & ~np.concatenate([[False], rev[:-1]]))
        rates = np.nan_to_num(report.complaint_rate[starts], nan=-1.0)
        worst = rates.argmax(1) if len(starts) else np.zeros(0, int)
        self.reviews_ = pd.DataFrame({
            "day": report.days[starts],
            "group": [report.groups[j] for j in worst],
            "complaints": report.complaints[starts, worst] if len(starts) else [],
            "per_1000": report.complaint_rate[starts, worst] if len(starts) else [],
        })
        self.feedback_ = self._log.frame


def _days(values: Any, name: str) -> np.ndarray:
    """Whole, non-negative day numbers as int64."""
    arr = as_1d(values, name)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold whole day numbers (0, 1, 2, ...); got values "
                            f"like {arr[:3].tolist()}. Convert dates first, e.g. "
                            "(date - start).dt.days.") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold whole day numbers (0, 1, 2, ...); got dtype "
                        f"{arr.dtype}. Convert dates first, e.g. (date - start).dt.days.")
    if len(arr) == 0:
        raise ValueError(f"{name} is empty; pass at least one row.")
    if arr.dtype.kind == "f" and (np.isnan(arr).any() or (arr != np.round(arr)).any()):
        raise ValueError(f"{name} must hold whole day numbers without NaN; got values like "
                         f"{arr[np.isnan(arr) | (arr != np.round(arr))][:3].tolist()}.")
    if arr.min() < 0:
        raise ValueError(f"{name} must be >= 0 (days since launch); got {arr.min():g}.")
    return arr.astype(np.int64)


# -------------------------------------------------------------- lag vs false alarms
def detection_tradeoff(
    windows: Sequence[int] = (3, 7, 14, 28),
    *,
    change_day: int = 90,
    n_days: int = 150,
    per_day: int = 300,
    proxy_weight: float = 1.5,
    metric: str = "demographic_parity_difference",
    limit: float = 0.1,
    alert_on: str = "estimate",
    consecutive: int = 3,
    n_boot: int = 0,
    n_runs: int = 30,
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Detection lag and false alarms of each window size, from simulations.

    Each run is a :func:`simulate_stream` whose proxy appears on ``change_day``
    (a known change point). An alert raised before ``change_day`` is a false
    alarm; the first day on or after it in the ALERT state detects the change,
    ``lag`` days late (0 when a false alarm happens to be still on). To
    compare windows fairly, false alarms are counted over the same days for
    every window: from day ``max(windows) - 1`` (the first day every window is
    full) up to ``change_day - 1``.

    Parameters
    ----------
    windows : sequence of int
    change_day, n_days, per_day : int
    proxy_weight : float, default=1.5
    metric, limit, alert_on, consecutive, n_boot
        As in :class:`FairnessMonitor` (``min_group_size`` is 1).
    n_runs : int, default=30
    random_state : int, numpy Generator or None, default=0
        Run ``r`` uses ``random_state + r``.

    Returns
    -------
    DataFrame indexed by window: ``false_alarm_rate`` (share of runs with at
    least one false alarm), ``false_alarms_per_100_days``, ``median_lag``
    (days, among runs that detected), ``detected`` (share of runs detecting by
    the last day).

    Examples
    --------
    >>> t = detection_tradeoff((3, 14), n_runs=3, n_days=60, change_day=30)
    >>> t.columns.tolist()
    ['false_alarm_rate', 'false_alarms_per_100_days', 'median_lag', 'detected']

    Lesson: 08-monitoring-after-deployment
    """
    windows = [check_int(w, "windows entries", low=1) for w in windows]
    if not windows:
        raise ValueError("windows is empty; pass window sizes such as (7, 14, 28).")
    change_day = check_int(change_day, "change_day", low=1)
    n_days = check_int(n_days, "n_days", low=2)
    n_runs = check_int(n_runs, "n_runs", low=1)
    if not max(windows) <= change_day < n_days:
        raise ValueError(f"need max(windows) <= change_day < n_days; got windows up to "
                         f"{max(windows)}, change_day={change_day}, n_days={n_days}. Give "
                         "the monitor a full window before the change and days after it.")
    lo = max(windows) - 1
    fa = np.zeros((n_runs, len(windows)), bool)
    fa_count = np.zeros((n_runs, len(windows)))
    lag = np.full((n_runs, len(windows)), np.nan)
    seed = check_seed(random_state)
    for r in range(n_runs):
        stream = simulate_stream(n_days, per_day, proxy_appears_at=change_day,
                                 proxy_weight=proxy_weight, random_state=seed + r)
        mon = FairnessMonitor(metric, window=windows[0], limit=limit, n_boot=n_boot,
                              alert_on=alert_on, consecutive=consecutive, min_group_size=1,
                              random_state=seed + r).fit_stream(stream)
        for j, w in enumerate(windows):
            report = mon.evaluate(window=w)
            raised = report.raised
            before = raised[(raised >= lo) & (raised < change_day)]
            fa[r, j], fa_count[r, j] = len(before) > 0, len(before)
            alert = report.days[report.alert]
            after = alert[alert >= change_day]
            if len(after):
                lag[r, j] = after[0] - change_day
    with np.errstate(invalid="ignore"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            median_lag = np.nanmedian(lag, axis=0)
    return pd.DataFrame({
        "false_alarm_rate": fa.mean(0),
        "false_alarms_per_100_days": fa_count.mean(0) / (change_day - lo) * 100,
        "median_lag": median_lag,
        "detected": (~np.isnan(lag)).mean(0),
    }, index=pd.Index(windows, name="window"))
