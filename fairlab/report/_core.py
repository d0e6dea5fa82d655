"""The numbers of a fairness audit report: group tables, impact ratios, gaps, conflicts.

Everything is arithmetic on counts. Each row falls in one cell
(intersectional group × confusion cell × score bin); one ``np.bincount`` counts
the cells, and the bootstrap draws the cell counts from a multinomial, so the
cost of ``n_boot`` replicates does not grow with the number of rows. Every table
(each attribute, their intersection, every gap and impact ratio) is computed
from the same replicates.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairlab import metrics
from fairlab._validation import (
    as_1d,
    check_binary,
    check_groups,
    check_in_range,
    check_scores,
)
from fairlab.calibration import chouldechova_fpr

__all__ = ["GAP_FUNCTIONS", "RATE_COLUMNS", "UNKNOWN", "FairnessReport", "audit"]

#: The gaps a report lists: every gap function of :mod:`fairlab.metrics`.
GAP_FUNCTIONS: dict[str, Callable] = {
    name: getattr(metrics, name)
    for name in ("demographic_parity_difference", "demographic_parity_ratio",
                 "equal_opportunity_difference", "equal_opportunity_ratio",
                 "equalized_odds_difference", "equalized_odds_ratio",
                 "predictive_parity_difference", "accuracy_difference")
}
#: Per-group rates in ``by_group`` (``calibration_error`` is added when scores are given).
RATE_COLUMNS = ("base_rate", "selection_rate", "tpr", "fpr", "ppv", "accuracy")
#: The group label given to rows whose sensitive value is missing or listed as unknown.
UNKNOWN = "(unknown)"
#: Label of the intersection of several attributes: "race × sex".
_TIMES = " × "
#: LL144 bias-audit rule: a category under 2 % of the data may be left out of impact ratios.
_EXCLUDABLE_SHARE = 0.02
_CHUNK = 50  # bootstrap replicates drawn per step (memory bound, progress granularity)

# The criteria of the impossibility results and the gaps that measure them.
_CRITERIA_GAPS = {
    "demographic parity": ["demographic_parity_difference", "demographic_parity_ratio"],
    "equalized odds": ["equalized_odds_difference", "equalized_odds_ratio"],
    "predictive parity": ["predictive_parity_difference"],
    "calibration within groups": [],
}


@dataclass
class FairnessReport:
    """A fairness audit of one model's predictions: tables, caveats and provenance.

    Attributes
    ----------
    model_name, intended_use : str
    by_group : DataFrame
        Index ``(attribute, group)``; one row per category of each attribute and of
        their intersection: ``n, share`` and the rates of :data:`RATE_COLUMNS`
        (plus ``calibration_error`` with scores), each with ``_low``/``_high``
        bootstrap bounds; ``small`` (fewer than ``min_group_size`` rows),
        ``unknown`` and a ``note`` in words.
    impact_ratios : DataFrame
        Index ``(attribute, group)``: ``n, share, selected, selection_rate,
        impact_ratio`` (with bounds), ``excludable`` (under 2 % of the rows),
        ``impact_ratio_without_excludable`` and ``unknown``.
    gaps : DataFrame
        Index ``(attribute, gap)``: ``estimate, low, high`` over the readable
        groups, ``undefined_share`` of replicates, ``groups_left_out`` and
        ``conflicts_with``.
    conflicts : DataFrame
        Pairs of criteria that cannot hold together at the observed base rates,
        with the numbers that show why.
    unknown_counts : dict
        Attribute → number of rows whose category is missing or unknown.
    provenance : dict
        Date, versions, sha256 of the inputs, ``random_state`` and settings.
    """

    model_name: str
    intended_use: str | None
    by_group: pd.DataFrame
    impact_ratios: pd.DataFrame
    gaps: pd.DataFrame
    conflicts: pd.DataFrame
    unknown_counts: dict[str, int]
    provenance: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)

    def to_markdown(self) -> str:
        """The report as Markdown, in the sections of a model card (Mitchell et al. 2019)."""
        from fairlab.report._render import to_markdown

        return to_markdown(self)

    def to_html(self, path: Any = None) -> str:
        """One self-contained HTML page (inline CSS and SVG figures, no external request).

        Writes it to ``path`` when given; returns the HTML text.
        """
        from fairlab.report._render import to_html

        text = to_html(self)
        if path is not None:
            _write_text(path, text)
        return text

    def to_json(self, path: Any = None) -> str:
        """Every table and the provenance as JSON (``NaN`` written as ``null``)."""
        from fairlab.report._render import to_json

        text = to_json(self)
        if path is not None:
            _write_text(path, text)
        return text

    def to_csv(self, directory: Any) -> list[str]:
        """Write ``by_group.csv``, ``impact_ratios.csv``, ``gaps.csv`` and ``conflicts.csv``.

        Returns the paths written.
        """
        from pathlib import Path

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in ("by_group", "impact_ratios", "gaps", "conflicts"):
            path = out / f"{name}.csv"
            getattr(self, name).to_csv(path)
            paths.append(str(path))
        return paths


def _write_text(path: Any, text: str) -> None:
    from pathlib import Path

    Path(path).write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------ inputs
def _sensitive_frame(sensitive_features: Any, n_rows: int, unknown_labels: Any
                     ) -> tuple[pd.DataFrame, dict[str, int]]:
    """Categorical columns, missing and unknown values relabelled ``UNKNOWN``."""
    if isinstance(sensitive_features, pd.DataFrame):
        if sensitive_features.shape[1] == 0:
            raise ValueError("sensitive_features has no columns; pass at least one group "
                             "column, e.g. df[['race', 'sex']].")
        columns = {str(c): sensitive_features[c] for c in sensitive_features.columns}
    elif isinstance(sensitive_features, Mapping):
        columns = {str(k): v for k, v in sensitive_features.items()}
    else:
        name = getattr(sensitive_features, "name", None)
        columns = {str(name) if name is not None else "group": sensitive_features}
    if len(columns) != len({*columns}):
        raise ValueError("sensitive_features has repeated column names; rename them.")
    unknown = [] if unknown_labels is None else list(
        [unknown_labels] if isinstance(unknown_labels, str) else unknown_labels)
    frame, counts = {}, {}
    for name, values in columns.items():
        if isinstance(values, pd.Series):  # keeps a categorical column's category order
            series = values.reset_index(drop=True)
        elif isinstance(values, pd.Categorical):
            series = pd.Series(values)
        else:
            series = pd.Series(as_1d(values, f"sensitive_features[{name!r}]"), copy=False)
        if len(series) != n_rows:
            raise ValueError(f"sensitive_features[{name!r}] has {len(series)} entries but "
                             f"y_true has {n_rows}; pass one group label per row.")
        cat = pd.Categorical(series) if not isinstance(series.dtype, pd.CategoricalDtype) \
            else series.array
        missing = np.asarray(cat.codes) < 0
        if unknown:
            missing |= np.asarray(pd.Series(cat).isin(unknown))
        counts[name] = int(missing.sum())
        if missing.any():
            cat = cat.add_categories([UNKNOWN]) if UNKNOWN not in cat.categories else cat
            cat = cat.copy()
            cat[missing] = UNKNOWN
        cat = cat.remove_unused_categories()
        known = [c for c in cat.categories if c != UNKNOWN]
        if not known:
            raise ValueError(f"sensitive_features[{name!r}] has no known category: all "
                             f"{n_rows} rows are missing or unknown. Pass a column with "
                             "group labels.")
        if len(known) < 2:
            raise ValueError(f"sensitive_features[{name!r}] has only one known group "
                             f"({known[0]!r}); fairness compares groups, so pass a column "
                             "with at least two categories.")
        frame[name] = cat
    return pd.DataFrame(frame), counts


def _predictions(y_pred: Any, score: np.ndarray | None, thresholds: Any,
                 first: pd.Categorical, n_rows: int) -> tuple[np.ndarray, Any]:
    if y_pred is not None:
        if thresholds is not None:
            raise ValueError("pass either y_pred or thresholds (to threshold y_score), "
                             "not both.")
        return check_binary(y_pred, "y_pred", n_rows=n_rows), None
    if score is None:
        raise ValueError("pass y_pred (0/1 decisions), or y_score with thresholds to make "
                         "them.")
    if thresholds is None:
        thresholds = 0.5
    if isinstance(thresholds, Mapping):
        labels = list(first.categories)
        missing = [c for c in labels if c not in thresholds]
        if missing:
            raise ValueError(f"thresholds has no entry for groups {missing}; give one "
                             f"threshold per group of the first sensitive column {labels}.")
        table = np.array([check_in_range(thresholds[c], f"thresholds[{c!r}]", low=0, high=1)
                          for c in labels])
        return ((score >= table[np.asarray(first.codes)]).astype(np.int8),
                {str(k): float(v) for k, v in thresholds.items()})
    t = check_in_range(thresholds, "thresholds", low=0, high=1)
    return (score >= t).astype(np.int8), t


def _sha256(*parts: Any) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
    return h.hexdigest()


def _provenance(yt, yp, score, frame, random_state, settings) -> dict[str, Any]:
    import scipy

    import fairlab

    sensitive = {name: _sha256("\n".join(map(str, frame[name].cat.categories)),
                               np.asarray(frame[name].cat.codes, dtype=np.int64).tobytes())
                 for name in frame.columns}
    if isinstance(random_state, np.random.Generator):
        seed = "a numpy Generator (its state is not recorded; pass an int to reproduce)"
    elif random_state is None:
        seed = "None (fresh entropy: the intervals will differ on a re-run)"
    else:
        seed = int(random_state)
    return {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "fairlab": fairlab.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "platform": platform.platform(),
        "random_state": seed,
        "sha256": {
            "y_true": _sha256(yt.astype(np.int8).tobytes()),
            "y_pred": _sha256(yp.astype(np.int8).tobytes()),
            "y_score": None if score is None else _sha256(score.astype(np.float64).tobytes()),
            "sensitive_features": sensitive,
        },
        "hashing": "sha256 of the arrays as read: labels as int8 bytes, scores as float64 "
                   "bytes, each sensitive column as its category list and int64 codes",
        **settings,
    }


# --------------------------------------------------------------------------- counting
@dataclass
class _Grouping:
    name: str
    labels: list[str]
    member: np.ndarray  # (n_labels, n_cells) 0/1: which intersection cells form each group
    unknown: np.ndarray  # bool per label


def _groupings(inter_index: pd.Index, columns: list[str]) -> list[_Grouping]:
    """Each attribute and (with several) their intersection, as sums of intersection cells."""
    n_cells = len(inter_index)
    if len(columns) == 1:
        labels = [str(v) for v in inter_index]
        return [_Grouping(columns[0], labels, np.eye(n_cells),
                          np.array([v == UNKNOWN for v in inter_index]))]
    out = []
    for j, name in enumerate(columns):
        level = inter_index.levels[j]
        codes = np.asarray(inter_index.codes[j])
        member = (codes[None, :] == np.arange(len(level))[:, None]).astype(float)
        out.append(_Grouping(name, [str(v) for v in level], member,
                             np.array([v == UNKNOWN for v in level])))
    labels = [_TIMES.join(map(str, t)) for t in inter_index]
    unknown = np.array([UNKNOWN in t for t in inter_index])
    out.append(_Grouping(_TIMES.join(columns), labels, np.eye(n_cells), unknown))
    return out


def _reduce(cells: np.ndarray, mean_score: np.ndarray | None, grouping: _Grouping
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """Cell counts ``(..., n_cells, 4, n_bins)`` → group confusion and calibration error."""
    counts = np.einsum("gc,...cki->...gki", grouping.member, cells)
    confusion = counts.sum(-1)
    if mean_score is None:
        return confusion, None
    score_sum = np.einsum("gc,...cki,cki->...gi", grouping.member, cells, mean_score)
    positives = counts[..., 2, :] + counts[..., 3, :]
    n = confusion.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ece = np.abs(score_sum - positives).sum(-1) / n
    return confusion, ece


def _interval(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(values, [alpha, 1 - alpha], axis=0)
    return low, high


def _check_n_boot(n_boot: Any) -> int:
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer):
        raise TypeError(f"n_boot must be an integer such as 1000; got {type(n_boot).__name__} "
                        f"{n_boot!r}.")
    if n_boot < 100:
        raise ValueError(f"n_boot must be >= 100 for 95 % percentile intervals; got {n_boot}.")
    return int(n_boot)


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value}.")
    return int(value)


# ------------------------------------------------------------------------------ audit
def audit(
    y_true: Any,
    y_pred: Any = None,
    *,
    y_score: Any = None,
    sensitive_features: Any,
    model_name: str = "model",
    intended_use: str | None = None,
    reference_group: Any = None,
    thresholds: Any = None,
    n_boot: int = 1000,
    random_state: int | np.random.Generator | None = 0,
    level: float = 0.95,
    min_group_size: int = 30,
    unknown_labels: Any = None,
    n_bins: int = 10,
    progress: Callable[[int, int], None] | None = None,
) -> FairnessReport:
    """Audit a model's decisions by group: rates, impact ratios and gaps, with intervals.

    One call from predictions to a report a reviewer can read: per group and per
    intersection of the sensitive attributes, the rates of the course (base rate,
    selection rate, TPR, FPR, PPV, accuracy, and the expected calibration error
    when scores are given); the impact ratios of a New York City Local Law 144
    bias audit; every gap of :mod:`fairlab.metrics`; and which of those criteria
    cannot hold together at the observed base rates (Chouldechova 2017;
    Kleinberg, Mullainathan & Raghavan 2016).

    Intervals are percentile bootstrap intervals from resampling the rows
    (``n_boot`` replicates). Rows fall in cells (intersectional group × confusion
    cell × score bin), and resampling rows is drawing the cell counts from one
    multinomial: fast for any number of rows. Group sizes vary between replicates,
    as in fairlearn's ``MetricFrame(n_boot=...)``, so shares get intervals too.

    Parameters
    ----------
    y_true : array-like of 0/1
    y_pred : array-like of 0/1, default=None
        The decisions. Leave out to threshold ``y_score`` with ``thresholds``.
    y_score : array-like of float in [0, 1], default=None
        Scores for the positive class: adds the expected calibration error
        (``n_bins`` equal-width bins; Naeini et al. 2015).
    sensitive_features : array-like, Series, DataFrame or dict of columns
        One or more group columns. Missing values (and ``unknown_labels``) form
        the category ``"(unknown)"``: reported, counted, kept out of impact ratios
        and gaps.
    model_name : str, default="model"
    intended_use : str, default=None
        The model card's intended use, in the owner's words; the report says
        it is missing when None.
    reference_group : label or dict, default=None
        Impact ratios divide by the highest selection rate (LL144); give a label
        (one attribute) or ``{attribute: label}`` to divide by that group's instead.
    thresholds : float or dict, default=None
        With ``y_score`` and no ``y_pred``: ``y_pred = y_score >= threshold``; a dict
        gives one threshold per group of the first sensitive column. Default 0.5.
    n_boot : int, default=1000
    random_state : int, numpy Generator or None, default=0
    level : float, default=0.95
    min_group_size : int, default=30
        Groups with fewer rows are flagged ``small`` and left out of the gaps.
    unknown_labels : label or list, default=None
        Values that mean "unknown" (e.g. ``"Unknown"``), besides missing values.
    n_bins : int, default=10
    progress : callable(done, total), default=None
        Called as bootstrap replicates are drawn (the CLI's progress bar).

    Returns
    -------
    FairnessReport

    Raises
    ------
    ValueError
        Labels not 0/1, lengths that differ, an attribute with fewer than two known
        groups, a threshold or reference group that does not exist.

    See Also
    --------
    fairlab.metrics.group_metrics, fairlab.metrics.bootstrap_ci
    fairlearn.metrics.MetricFrame

    Examples
    --------
    >>> y = [1, 0, 1, 0] * 50
    >>> r = audit(y, [1, 0, 0, 0] * 50, sensitive_features=["a", "a", "b", "b"] * 50,
    ...           n_boot=200, random_state=0)
    >>> r.by_group.loc[("group", "a"), ["n", "selection_rate", "tpr"]].tolist()
    [100.0, 0.5, 1.0]
    >>> r.impact_ratios["impact_ratio"].round(3).tolist()
    [1.0, 0.0]

    Lesson: 11-choosing-an-intervention
    """
    yt = check_binary(y_true, "y_true")
    n = len(yt)
    score = None if y_score is None else check_scores(y_score, "y_score", n_rows=n)
    frame, unknown_counts = _sensitive_frame(sensitive_features, n, unknown_labels)
    yp, used_thresholds = _predictions(y_pred, score, thresholds, frame.iloc[:, 0].array, n)
    n_boot = _check_n_boot(n_boot)
    level = check_in_range(level, "level", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    min_group_size = _check_int(min_group_size, "min_group_size", 1)
    n_bins = _check_int(n_bins, "n_bins", 1)
    if not isinstance(random_state, np.random.Generator) and random_state is not None:
        random_state = _check_int(random_state, "random_state", 0)
    if progress is not None and not callable(progress):
        raise TypeError("progress must be a function progress(done, total) or None.")
    columns = list(frame.columns)
    inter = check_groups(frame if len(columns) > 1 else frame.iloc[:, 0], n)
    groupings = _groupings(inter.index, columns)

    # One pass: cell = intersection × (2·y + ŷ) × score bin.
    n_b = n_bins if score is not None else 1
    n_cells = inter.n_groups
    confusion_cell = 2 * yt.astype(np.int64) + yp
    bins = (np.searchsorted(np.linspace(0, 1, n_b + 1)[1:-1], score) if score is not None
            else np.zeros(n, dtype=np.int64))
    flat = (inter.codes * 4 + confusion_cell) * n_b + bins
    size = n_cells * 4 * n_b
    cells = np.bincount(flat, minlength=size).astype(float)
    mean_score = None
    if score is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_score = np.nan_to_num(np.bincount(flat, weights=score, minlength=size) / cells)
        mean_score = mean_score.reshape(n_cells, 4, n_b)

    # The bootstrap: multinomial draws of the non-empty cells, in chunks.
    rng = np.random.default_rng(random_state)
    nonzero = np.flatnonzero(cells)
    p = cells[nonzero] / n
    p /= p.sum()
    boot = {g.name: ([], []) for g in groupings}
    done = 0
    while done < n_boot:
        k = min(_CHUNK, n_boot - done)
        draw = np.zeros((k, size))
        draw[:, nonzero] = rng.multinomial(n, p, size=k)
        draw = draw.reshape(k, n_cells, 4, n_b)
        for g in groupings:
            conf, ece = _reduce(draw, mean_score, g)
            boot[g.name][0].append(conf)
            boot[g.name][1].append(ece)
        done += k
        if progress is not None:
            progress(done, n_boot)
    cells = cells.reshape(n_cells, 4, n_b)

    by_group, impact, gaps, conflicts = [], [], [], []
    for g in groupings:
        conf, ece = _reduce(cells, mean_score, g)
        b_conf = np.concatenate(boot[g.name][0])
        b_ece = None if ece is None else np.concatenate(boot[g.name][1])
        by_group.append(_by_group_table(g, conf, ece, b_conf, b_ece, n, level,
                                        min_group_size))
        impact.append(_impact_table(g, conf, b_conf, n, level, reference_group, columns))
        readable = (conf.sum(1) >= min_group_size) & ~g.unknown
        gaps.append(_gap_table(g, conf, b_conf, readable, level))
        conflicts.append(_conflict_table(g, conf, b_conf, readable, level,
                                         scores=score is not None))
    conflicts_frame = pd.concat(conflicts, ignore_index=True)
    gaps_frame = pd.concat(gaps)
    gaps_frame["conflicts_with"] = _conflicts_with(gaps_frame, conflicts_frame)
    settings = {
        "n_boot": n_boot, "level": level, "min_group_size": min_group_size,
        "n_bins": n_bins if score is not None else None,
        "thresholds": used_thresholds, "unknown_labels": unknown_labels,
        "reference_group": reference_group, "n_rows": n,
        "sensitive_features": columns, "scores": score is not None,
        "bootstrap": "percentile bootstrap over rows, drawn as multinomial cell counts "
                     "(intersection × confusion cell × score bin); the calibration error "
                     "holds each cell's mean score fixed",
    }
    provenance = _provenance(yt, yp, score, frame, random_state,
                             {k: v for k, v in settings.items() if k != "bootstrap"})
    provenance["bootstrap"] = settings["bootstrap"]
    return FairnessReport(
        model_name=str(model_name), intended_use=intended_use,
        by_group=pd.concat(by_group), impact_ratios=pd.concat(impact), gaps=gaps_frame,
        conflicts=conflicts_frame, unknown_counts=unknown_counts, provenance=provenance,
        settings=settings)


def _index(attribute: str, labels: list[str], name: str = "group") -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([[attribute] * len(labels), labels],
                                     names=["attribute", name])


def _by_group_table(g, conf, ece, b_conf, b_ece, n, level, min_group_size) -> pd.DataFrame:
    rates = metrics.rates_from_counts(conf, RATE_COLUMNS)
    b_rates = metrics.rates_from_counts(b_conf, RATE_COLUMNS)
    size = conf.sum(1)
    table = {"n": size}
    values = {"share": (size / n, b_conf.sum(-1) / n)}
    values.update({r: (rates[r], b_rates[r]) for r in RATE_COLUMNS})
    if ece is not None:
        values["calibration_error"] = (ece, b_ece)
    for name, (point, reps) in values.items():
        low, high = _interval(reps, level)
        table[name], table[f"{name}_low"], table[f"{name}_high"] = point, low, high
    frame = pd.DataFrame(table, index=_index(g.name, g.labels))
    frame["small"] = size < min_group_size
    frame["unknown"] = g.unknown
    notes = []
    for i in range(len(g.labels)):
        note = []
        if g.unknown[i]:
            note.append("unknown category, left out of impact ratios and gaps")
        if size[i] < min_group_size:
            note.append(f"small: {int(size[i])} rows < {min_group_size}, left out of the gaps")
        for rate, why in (("tpr", "no positive labels"), ("fpr", "no negative labels"),
                          ("ppv", "no positive decisions")):
            if np.isnan(rates[rate][i]):
                note.append(f"{rate.upper()} undefined ({why})")
        notes.append("; ".join(note))
    frame["note"] = notes
    return frame


def _impact_table(g, conf, b_conf, n, level, reference_group, columns) -> pd.DataFrame:
    known = ~g.unknown
    size = conf.sum(1)
    selected = conf[:, 1] + conf[:, 3]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = selected / size
        b_rate = (b_conf[..., 1] + b_conf[..., 3]) / b_conf.sum(-1)
    share = size / n
    excludable = known & (share < _EXCLUDABLE_SHARE)
    ref = _reference(g, reference_group, columns)

    def ratio(r: np.ndarray, keep: np.ndarray) -> np.ndarray:
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            base = r[..., ref] if ref is not None else np.nanmax(
                np.where(keep, r, np.nan), axis=-1)
            out = r / base[..., None] if np.ndim(base) else r / base
        return np.where(keep, out, np.nan)

    impact = ratio(rate, known)
    low, high = _interval(ratio(b_rate, known), level)
    frame = pd.DataFrame({
        "n": size, "share": share, "selected": selected, "selection_rate": rate,
        "impact_ratio": impact, "impact_ratio_low": low, "impact_ratio_high": high,
        "excludable": excludable,
        "impact_ratio_without_excludable": ratio(rate, known & ~excludable),
        "unknown": g.unknown,
    }, index=_index(g.name, g.labels))
    return frame


def _reference(g: _Grouping, reference_group: Any, columns: list[str]) -> int | None:
    if reference_group is None:
        return None
    if isinstance(reference_group, Mapping):
        unknown_keys = [k for k in reference_group if k not in columns
                        and k != _TIMES.join(columns)]
        if unknown_keys:
            raise ValueError(f"reference_group has keys {unknown_keys} that are not sensitive "
                             f"attributes; use some of {columns}.")
        if g.name not in reference_group:
            return None
        label = reference_group[g.name]
    elif len(columns) == 1:
        label = reference_group
    else:
        raise ValueError("with several sensitive attributes, give reference_group as a dict "
                         f"{{attribute: label}}, e.g. {{{columns[0]!r}: ...}}.")
    label = str(label)
    if label not in g.labels or label == UNKNOWN:
        raise ValueError(f"reference_group {label!r} is not a category of {g.name!r}; "
                         f"choose one of {[x for x in g.labels if x != UNKNOWN]}.")
    return g.labels.index(label)


def _gap_table(g, conf, b_conf, readable, level) -> pd.DataFrame:
    left_out = ", ".join(lab for lab, ok in zip(g.labels, readable, strict=True) if not ok)
    rows = []
    for func in GAP_FUNCTIONS.values():
        formula = lambda c, f=func: metrics.metric_from_counts(f, c)  # noqa: E731
        if readable.sum() >= 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                estimate = float(formula(conf[readable]))
                reps = formula(b_conf[:, readable])
            low, high = _interval(reps, level)
            undefined = float(np.isnan(reps).mean())
        else:
            estimate = low = high = np.nan
            undefined = 1.0
        rows.append({"estimate": estimate, "low": float(low), "high": float(high),
                     "undefined_share": undefined, "groups": int(readable.sum()),
                     "groups_left_out": left_out})
    return pd.DataFrame(rows, index=_index(g.name, list(GAP_FUNCTIONS), "gap"))


def _conflict_table(g, conf, b_conf, readable, level, *, scores: bool) -> pd.DataFrame:
    columns = ["attribute", "criteria", "gaps", "can_hold_together", "why", "source"]
    if readable.sum() < 2:
        return pd.DataFrame(columns=columns)
    idx = np.flatnonzero(readable)
    rates = metrics.rates_from_counts(conf[idx])
    base = rates["base_rate"]
    hi, lo = idx[np.argmax(base)], idx[np.argmin(base)]
    b_base = metrics.rates_from_counts(b_conf[:, [hi, lo]], ("base_rate",))["base_rate"]
    d_low, d_high = _interval(b_base[:, 0] - b_base[:, 1], level)
    p_hi, p_lo = base.max(), base.min()
    pooled = metrics.rates_from_counts(conf[idx].sum(0), ("tpr", "fpr", "ppv", "fnr"))
    tpr, fpr, ppv, fnr = (float(pooled[k]) for k in ("tpr", "fpr", "ppv", "fnr"))
    differ = bool(d_low > 0)
    names = g.labels[hi], g.labels[lo]
    base_text = (f"base rates {p_hi:.3f} ({names[0]}) and {p_lo:.3f} ({names[1]}); "
                 f"{level:.0%} interval of the difference {d_low:.3f} to {d_high:.3f}")
    if not differ:
        base_text += " includes 0, so the data do not show that the base rates differ"
    rows = []
    # Chouldechova (2017): FPR = p/(1-p) · (1-PPV)/PPV · (1-FNR) within every group.
    if 0 < p_lo and p_hi < 1 and 0 < ppv:
        f_hi, f_lo = chouldechova_fpr([p_hi, p_lo], ppv, fnr)
        ok = not differ or ppv == 1 or fnr == 1
        why = (f"{base_text}. At the pooled PPV {ppv:.3f} and FNR {fnr:.3f}, the identity "
               f"FPR = p/(1-p)·(1-PPV)/PPV·(1-FNR) forces FPRs {f_hi:.3f} and {f_lo:.3f}: "
               "equal PPV, FNR and FPR cannot all hold.")
        rows.append(("equalized odds + predictive parity", ok, why, "Chouldechova (2017)"))
    else:
        rows.append(("equalized odds + predictive parity", True,
                     f"{base_text}; a base rate of 0 or 1 (or no positive decision) leaves "
                     "the identity undefined, so no conflict is shown.", "Chouldechova (2017)"))
    sel_hi, sel_lo = p_hi * tpr + (1 - p_hi) * fpr, p_lo * tpr + (1 - p_lo) * fpr
    rows.append(("demographic parity + equalized odds", not differ or tpr == fpr,
                 f"{base_text}. With a shared TPR {tpr:.3f} and FPR {fpr:.3f}, selection "
                 f"rates p·TPR + (1-p)·FPR are {sel_hi:.3f} and {sel_lo:.3f}: equal only "
                 "when TPR = FPR (a useless classifier).",
                 "Barocas, Hardt & Narayanan, Fairness and Machine Learning, ch. Classification"))
    if scores:
        rows.append(("calibration within groups + balance for both classes", not differ,
                     f"{base_text}. Calibrated scores that are also balanced for the positive "
                     "and the negative class need equal base rates or perfect prediction.",
                     "Kleinberg, Mullainathan & Raghavan (2016)"))
    gap_names = {
        "equalized odds + predictive parity": ["equalized odds", "predictive parity"],
        "demographic parity + equalized odds": ["demographic parity", "equalized odds"],
        "calibration within groups + balance for both classes": ["calibration within groups"],
    }
    out = []
    for criteria, ok, why, source in rows:
        gaps = [x for c in gap_names[criteria] for x in _CRITERIA_GAPS[c]]
        out.append((g.name, criteria, ", ".join(gaps), bool(ok), why, source))
    return pd.DataFrame(out, columns=columns)


def _conflicts_with(gaps: pd.DataFrame, conflicts: pd.DataFrame) -> list[str]:
    """For each gap, the gaps that cannot also be zero (same attribute)."""
    out = []
    for attribute, gap in gaps.index:
        rows = conflicts[(conflicts["attribute"] == attribute) & ~conflicts["can_hold_together"]]
        other = []
        for text in rows["gaps"]:
            names = text.split(", ")
            if gap in names:
                other += [x for x in names if x != gap and x not in other
                          and not x.startswith(gap.rsplit("_", 1)[0])]
        out.append(", ".join(other))
    return out
