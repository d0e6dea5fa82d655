"""Audit a dataset before training on it: who is in it, what they got, what gives them away.

Five questions, one function each:

``representation``   how many rows each group has, and whether the shares match a
                     reference population (chi-square goodness of fit, Cohen's w);
``outcome_by_group`` the base rate of the positive label per group and intersection
                     (chi-square test of independence, Cramér's V, small cells flagged);
``proxy_strength``   how well the other columns predict the sensitive attribute
                     (cross-validated AUC of a classifier, mutual information per column);
``missingness``      how often values are missing, per group;
``audit_report``     all of the above, as one tidy summary with plots.

Every p-value comes with an effect size and a plain-words reading, because a
p-value alone answers neither "is it big?" nor "is it fair?". Effect sizes are
read on Cohen's (1988) scale for w (0.1 small, 0.3 medium, 0.5 large); with a
binary outcome Cramér's V equals w, so the same scale applies. Each test also
reports its power to detect a small effect: a high p-value from a test that
could not have noticed a small difference is no evidence of anything.

Lesson: 02-auditing-a-dataset
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairlab._validation import Groups, check_binary, check_columns, check_groups, check_in_range

__all__ = [
    "EFFECT_SIZES",
    "ChiSquareResult",
    "Representation",
    "OutcomeByGroup",
    "ProxyStrength",
    "AuditReport",
    "effect_label",
    "chi_square_power",
    "power_curve",
    "representation",
    "outcome_by_group",
    "proxy_strength",
    "missingness",
    "audit_report",
]

#: Cohen's (1988) conventional sizes for w (and for Cramér's V with a binary outcome).
EFFECT_SIZES = {"small": 0.1, "medium": 0.3, "large": 0.5}

#: Cells with fewer rows than this are flagged: their rates are too noisy to compare.
SMALL_CELL = 30


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ChiSquareResult:
    """A chi-square test with its effect size, power and a plain-words reading.

    ``power_small`` is the probability that this test, on this many rows, would
    reach p < ``alpha`` if the true effect were small (w = 0.1).
    """

    test: str
    statistic: float
    dof: int
    p_value: float
    n: int
    effect_name: str
    effect_size: float
    alpha: float
    power_small: float
    reading: str

    @property
    def effect(self) -> str:
        """The effect size in words: negligible, small, medium or large."""
        return effect_label(self.effect_size)

    @property
    def significant(self) -> bool:
        return bool(self.p_value < self.alpha)

    def __str__(self) -> str:
        return (f"χ² = {self.statistic:,.1f} (df = {self.dof}), {_fmt_p(self.p_value)}, "
                f"{self.effect_name} = {self.effect_size:.3f} ({self.effect}), n = {self.n:,}")


@dataclass(frozen=True)
class Representation:
    """Counts and shares of one column's groups; the test against a reference, if given."""

    column: str
    table: pd.DataFrame
    test: ChiSquareResult | None
    reading: str

    def _repr_html_(self) -> str:
        return _html(f"Representation of {self.column}", self.table, self.reading)


@dataclass(frozen=True)
class OutcomeByGroup:
    """Base rates of the positive label per group, the test of independence, small cells."""

    target: str
    sensitive_columns: list[str]
    table: pd.DataFrame
    test: ChiSquareResult
    small_cells: list
    reading: str

    def _repr_html_(self) -> str:
        return _html(f"{self.target} by {' × '.join(self.sensitive_columns)}", self.table,
                     self.reading)


@dataclass(frozen=True)
class ProxyStrength:
    """How well the other columns predict a sensitive attribute.

    ``auc`` is the cross-validated ROC AUC of a gradient-boosted classifier using
    every feature (one-vs-rest, averaged over groups, when there are more than
    two); ``auc_by_group`` the one-vs-rest AUC of each group; ``features`` ranks
    the columns by mutual information with the attribute (``mi`` in nats,
    ``mi_share`` = MI divided by the attribute's entropy, clipped to [0, 1]: the
    share of its uncertainty that the column removes on its own; MI of numeric
    columns is a k-nearest-neighbour estimate, categorical ones are counted).
    """

    sensitive_columns: list[str]
    auc: float
    auc_by_group: pd.Series
    features: pd.DataFrame
    n_rows: int
    n_total: int
    reading: str

    @property
    def strongest(self) -> str:
        """The column with the largest mutual information."""
        return str(self.features.index[0])

    def _repr_html_(self) -> str:
        return _html(f"Proxies for {' × '.join(self.sensitive_columns)}", self.features,
                     self.reading)


@dataclass(frozen=True)
class AuditReport:
    """Every audit of one dataset, with a tidy ``summary`` and a ``plot``."""

    target: str
    sensitive_columns: list[str]
    n: int
    representation: dict[str, Representation]
    outcome: dict[str, OutcomeByGroup]
    proxies: dict[str, ProxyStrength]
    missingness: pd.DataFrame
    summary: pd.DataFrame = field(repr=False)

    def plot(self, attribute: str | None = None, fig: Any = None) -> Any:
        """One figure for ``attribute`` (default the first): shares, base rates, proxies."""
        from fairlab.plotting.audit import plot_audit

        return plot_audit(self, attribute, fig=fig)

    def table(self, digits: int = 3) -> pd.DataFrame:
        """``summary`` for reading: rounded, p-values as text ("< 0.001"), no NaN, no prose."""
        out = self.summary.drop(columns="reading").copy()
        out["p_value"] = [("–" if np.isnan(p) else "< 0.001" if p < 0.001 else f"{p:.3f}")
                          for p in out["p_value"]]
        for col in ("statistic", "effect_size"):
            out[col] = ["–" if np.isnan(v) else f"{v:,.{digits}f}" for v in out[col]]
        return out

    def _repr_html_(self) -> str:
        head = (f"<b>Audit of {self.target} by {', '.join(self.sensitive_columns)}</b> "
                f"({self.n:,} rows)")
        return head + self.table().to_html(border=0, classes="fairlab-table", escape=True,
                                           index=False)


# ----------------------------------------------------------------------------- helpers
def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _html(title: str, table: pd.DataFrame, reading: str) -> str:
    import html

    return (f"<b>{html.escape(title)}</b>"
            + table.round(3).to_html(border=0, classes="fairlab-table", escape=True)
            + f"<p>{html.escape(reading)}</p>")


def effect_label(w: float) -> str:
    """Cohen's (1988) words for an effect size w (or Cramér's V with a binary outcome).

    Examples
    --------
    >>> [effect_label(w) for w in (0.02, 0.1, 0.35, 0.7)]
    ['negligible', 'small', 'medium', 'large']

    Lesson: 02-auditing-a-dataset
    """
    if not np.isfinite(w):
        return "undefined"
    if w < EFFECT_SIZES["small"]:
        return "negligible"
    if w < EFFECT_SIZES["medium"]:
        return "small"
    if w < EFFECT_SIZES["large"]:
        return "medium"
    return "large"


def chi_square_power(n: int | np.ndarray, w: float, dof: int, alpha: float = 0.05) -> Any:
    """Power of a chi-square test: P(p < alpha) when the true effect size is ``w``.

    Uses the noncentral chi-square distribution with noncentrality ``n * w**2``
    (Cohen 1988, ch. 7). Vectorised over ``n``.

    Examples
    --------
    >>> round(float(chi_square_power(88, 0.3, 1)), 2)  # Cohen's table: n = 88 for 80 % power
    0.8

    Lesson: 02-auditing-a-dataset
    """
    from scipy.stats import chi2, ncx2

    check_in_range(alpha, "alpha", low=0, high=1, low_inclusive=False, high_inclusive=False)
    crit = chi2.ppf(1 - alpha, dof)
    out = ncx2.sf(crit, dof, np.asarray(n, dtype=float) * w**2)
    return float(out) if np.ndim(out) == 0 else out


def _chi_square(observed: np.ndarray, expected: np.ndarray, dof: int, n: int, *, test: str,
                effect_name: str, scale: float, alpha: float, what: str) -> ChiSquareResult:
    """Statistic, p-value, effect size (sqrt(chi2 / (n * scale))) and the reading."""
    from scipy.stats import chi2

    stat = float(((observed - expected) ** 2 / expected).sum())
    p = float(chi2.sf(stat, dof))
    effect = float(np.sqrt(stat / (n * scale)))
    power = float(chi_square_power(n, EFFECT_SIZES["small"], dof, alpha))
    label = effect_label(effect)
    numbers = f"χ² = {stat:,.1f}, df = {dof}, {_fmt_p(p)}; {effect_name} = {effect:.3f}"
    if p < alpha:
        reading = (f"{what} differ ({numbers}). The effect is {label} on Cohen's scale "
                   "(0.1 small, 0.3 medium, 0.5 large)")
        if label == "negligible":
            reading += (f": with n = {n:,} rows even a tiny difference becomes 'significant'. "
                        "The p-value says the difference is probably not zero, not that it "
                        "matters: judge by the size.")
        else:
            reading += "."
    else:
        reading = (f"No evidence that {what.lower()} differ ({numbers}). This does not show "
                   f"that they are equal: with n = {n:,} this test detects a small effect "
                   f"(w = 0.1) only {power:.0%} of the time.")
    return ChiSquareResult(test=test, statistic=stat, dof=dof, p_value=p, n=n,
                           effect_name=effect_name, effect_size=effect, alpha=alpha,
                           power_small=power, reading=reading)


def _check_frame_column(df: Any, column: Any, what: str) -> str:
    if not isinstance(column, str):
        raise TypeError(f"{what} must be a column name (a string); got {type(column).__name__} "
                        f"{column!r}.")
    check_columns(df, column)
    return column


def _as_columns(df: Any, sensitive: Any) -> list[str]:
    """``sensitive`` (the ``sensitive_columns`` argument) as a non-empty list of column names."""
    if isinstance(sensitive, str):
        cols = [sensitive]
    elif isinstance(sensitive, Sequence) and not isinstance(sensitive, bytes):
        cols = list(sensitive)
    else:
        raise TypeError(f"sensitive_columns must be a column name or a list of them; got "
                        f"{type(sensitive).__name__} {sensitive!r}.")
    if not cols:
        raise ValueError("sensitive_columns is empty; name at least one column, e.g. 'sex'.")
    if not all(isinstance(c, str) for c in cols):
        raise TypeError(f"sensitive_columns must hold column names (strings); got {cols!r}.")
    if len(set(cols)) != len(cols):
        raise ValueError(f"sensitive_columns names a column twice ({cols}); list each column once.")
    check_columns(df, cols)
    return cols


def _groups(df: pd.DataFrame, cols: list[str], *, min_rows: int = 1) -> Groups:
    """Integer group codes of the (intersection of the) sensitive columns."""
    for c in cols:
        k = int(df[c].isna().sum())
        if k:
            fill = (f"df[{c!r}].cat.add_categories('unknown').fillna('unknown')"
                    if isinstance(df[c].dtype, pd.CategoricalDtype)
                    else f"df[{c!r}].fillna('unknown')")
            raise ValueError(
                f"sensitive column {c!r} has {k} missing values (NaN); drop those rows with "
                f"df.dropna(subset=[{c!r}]), or keep them as their own group with "
                f"df[{c!r}] = {fill}. Who is missing is itself worth auditing."
            )
    label = " × ".join(repr(c) for c in cols)
    return check_groups(df[cols] if len(cols) > 1 else df[cols[0]], len(df),
                        name=f"sensitive column {label}", min_rows=min_rows, min_groups=2)


def _index_labels(index: pd.Index) -> list[str]:
    return [" × ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in index]


# --------------------------------------------------------------------------- functions
def representation(
    df: pd.DataFrame,
    column: str,
    *,
    reference: Mapping[Any, float] | None = None,
    alpha: float = 0.05,
) -> Representation:
    """Counts and shares of each group, and a test against a reference population.

    Parameters
    ----------
    df : DataFrame
    column : str
        The sensitive column (categorical or any labels).
    reference : dict, optional
        Each group's share in the population the data should represent (e.g.
        census shares); they must be positive and sum to 1. With it, a
        chi-square goodness-of-fit test compares the counts to
        ``n * reference``, and Cohen's ``w = sqrt(chi2 / n)`` says how big the
        mismatch is.
    alpha : float, default=0.05
        Significance level used in the reading and the power.

    Returns
    -------
    Representation
        ``table`` (index: group; ``count``, ``share`` and, with a reference,
        ``reference_share``, ``expected_count``, ``difference`` = share minus
        reference share), ``test`` (or None) and ``reading``.

    Raises
    ------
    ValueError
        Unknown column, NaN labels, a single group, or a reference that misses a
        group, names an unknown one, or does not sum to 1.

    See Also
    --------
    outcome_by_group : balanced counts say nothing about balanced labels.

    Examples
    --------
    >>> df = pd.DataFrame({"sex": ["F"] * 40 + ["M"] * 60})
    >>> rep = representation(df, "sex", reference={"F": 0.5, "M": 0.5})
    >>> rep.table["count"].tolist(), rep.table["share"].tolist()
    ([40, 60], [0.4, 0.6])
    >>> round(rep.test.statistic, 2), round(rep.test.effect_size, 2)  # (10² + 10²) / 50
    (4.0, 0.2)

    Lesson: 02-auditing-a-dataset
    """
    column = _check_frame_column(df, column, "column")
    alpha = check_in_range(alpha, "alpha", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    groups = _groups(df, [column])
    n = len(df)
    counts = pd.Series(groups.counts.astype(np.int64), index=groups.index)
    if reference is None:
        table = pd.DataFrame({"count": counts, "share": counts / n})
        table.index.name = column
        top = table["share"].idxmax()
        reading = (f"{groups.n_groups} groups; the largest, {top}, holds "
                   f"{table['share'].max():.1%} of {n:,} rows. Pass reference= (population "
                   "shares) to test whether these shares are representative.")
        return Representation(column=column, table=table, test=None, reading=reading)

    if not isinstance(reference, Mapping):
        raise TypeError("reference must be a dict {group: population share}; got "
                        f"{type(reference).__name__}.")
    labels = {str(g): g for g in groups.index}
    ref_keys = {str(k): k for k in reference}
    unknown = sorted(set(ref_keys) - set(labels))
    # A reference group absent from the data is allowed (count 0): that is a finding.
    if isinstance(df[column].dtype, pd.CategoricalDtype):
        known = {str(c) for c in df[column].cat.categories}
        unknown = [u for u in unknown if u not in known]
    if unknown:
        raise ValueError(f"reference names groups {unknown} that are not categories of "
                         f"{column!r}; its groups are {sorted(labels)}. Fix the spelling, or, "
                         "if a group is truly absent from the data, make the column a "
                         "pandas Categorical that lists it.")
    missing = sorted(set(labels) - set(ref_keys))
    if missing:
        raise ValueError(f"reference has no share for groups {missing} of {column!r}; give "
                         "every group a share (merge rare ones into 'other' first if needed).")
    shares = np.array([check_in_range(v, f"reference[{k!r}]", low=0, high=1,
                                      low_inclusive=False) for k, v in reference.items()])
    if abs(shares.sum() - 1) > 1e-6:
        raise ValueError(f"reference shares must sum to 1; got {shares.sum():.4g}. Divide "
                         "each share by their total.")
    order = list(ref_keys)
    observed = np.array([counts.get(labels[k], 0) if k in labels else 0 for k in order],
                        dtype=np.int64)
    expected = n * shares
    index = pd.Index([ref_keys[k] for k in order], name=column, dtype=object)
    table = pd.DataFrame({
        "count": observed,
        "share": observed / n,
        "reference_share": shares,
        "expected_count": expected,
        "difference": observed / n - shares,
    }, index=index)
    test = _chi_square(observed, expected, len(order) - 1, n, test="goodness of fit",
                       effect_name="Cohen's w", scale=1.0, alpha=alpha,
                       what=f"The shares of {column} and the reference shares")
    worst = table["difference"].abs().idxmax()
    reading = (f"{test.reading} Largest gap: {worst} is {table.loc[worst, 'share']:.1%} of the "
               f"data against {table.loc[worst, 'reference_share']:.1%} of the reference.")
    if (expected < 5).any():
        reading += (" Some expected counts are below 5, so the chi-square p-value is only "
                    "approximate.")
    return Representation(column=column, table=table, test=test, reading=reading)


def outcome_by_group(
    df: pd.DataFrame,
    target: str,
    sensitive_columns: str | Sequence[str],
    *,
    alpha: float = 0.05,
    min_cell: int = SMALL_CELL,
) -> OutcomeByGroup:
    """Base rate of the positive label per group (or intersection), and whether it differs.

    Parameters
    ----------
    df : DataFrame
    target : str
        A binary column (0/1 or True/False); 1 is the positive outcome.
    sensitive_columns : str or list of str
        One column, or several whose combinations (intersections) are the groups.
    alpha : float, default=0.05
    min_cell : int, default=30
        Groups with fewer rows are flagged in ``small_cells`` and the ``small``
        column: their base rates are too noisy to compare, so read them as
        "unknown", not as "equal" or "different".

    Returns
    -------
    OutcomeByGroup
        ``table`` (index: group; ``n``, ``share``, ``positives``, ``base_rate``,
        ``small``), ``test``: the chi-square test of independence of group and
        label (no continuity correction) with Cramér's (1946)
        ``V = sqrt(chi2 / (n * (min(k, 2) - 1)))``, ``small_cells`` and ``reading``.

    Raises
    ------
    ValueError
        Unknown column, non-binary target, NaN labels, fewer than two groups.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 50 + ["b"] * 50,
    ...                    "y": [1] * 30 + [0] * 20 + [1] * 20 + [0] * 30})
    >>> res = outcome_by_group(df, "y", "g")
    >>> res.table["base_rate"].tolist()
    [0.6, 0.4]
    >>> round(res.test.statistic, 2), round(res.test.effect_size, 2)  # 4 × 5² / 25; sqrt(4/100)
    (4.0, 0.2)

    Lesson: 02-auditing-a-dataset
    """
    target = _check_frame_column(df, target, "target")
    cols = _as_columns(df, sensitive_columns)
    if target in cols:
        raise ValueError(f"target {target!r} is also listed in sensitive_columns; pass the "
                         "outcome as target and the group columns as sensitive_columns.")
    alpha = check_in_range(alpha, "alpha", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    min_cell = int(check_in_range(min_cell, "min_cell", low=1))
    y = check_binary(df[target], f"target column {target!r}")
    groups = _groups(df, cols)
    k, n = groups.n_groups, len(y)
    counts = np.bincount(groups.codes * 2 + y, minlength=2 * k).reshape(k, 2)
    sizes = counts.sum(1)
    label_totals = counts.sum(0)
    if (label_totals == 0).any():
        which = "positive (1)" if label_totals[1] == 0 else "negative (0)"
        raise ValueError(f"target column {target!r} has no {which} rows, so no base rate can "
                         "differ; check the label coding.")
    expected = np.outer(sizes, label_totals) / n
    small = sizes < min_cell
    table = pd.DataFrame({
        "n": sizes,
        "share": sizes / n,
        "positives": counts[:, 1],
        "base_rate": counts[:, 1] / sizes,
        "small": small,
    }, index=groups.index)
    what = " × ".join(cols)
    test = _chi_square(counts, expected, (k - 1) * (2 - 1), n, test="independence",
                       effect_name="Cramér's V", scale=min(k, 2) - 1, alpha=alpha,
                       what=f"The base rates of {target} across {what} groups")
    small_cells = groups.index[small].tolist()
    rates = table.loc[~small, "base_rate"]
    if len(rates):
        hi, lo = rates.idxmax(), rates.idxmin()
        reading = (f"Base rate of {target}: from {rates.min():.1%} ({_index_labels([lo])[0]}) "
                   f"to {rates.max():.1%} ({_index_labels([hi])[0]}). {test.reading}")
    else:
        reading = f"Every group is small. {test.reading}"
    if small_cells:
        reading += (f" {len(small_cells)} group(s) have fewer than {min_cell} rows "
                    f"({', '.join(_index_labels(pd.Index(small_cells)))}): their rates are "
                    "too noisy to compare; report them as unknown, or merge groups.")
    if (expected < 5).any():
        reading += (" Some expected counts are below 5, so the chi-square p-value is only "
                    "approximate.")
    return OutcomeByGroup(target=target, sensitive_columns=cols, table=table, test=test,
                          small_cells=small_cells, reading=reading)


def _encode(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numeric matrix (NaN kept), a discrete-column mask and an MI-ready copy (no NaN)."""
    cols, discrete = [], []
    for c in frame.columns:
        s = frame[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy().astype(float)
            codes[codes < 0] = np.nan
            cols.append(codes)
            discrete.append(True)
        elif pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            codes, _ = pd.factorize(s, use_na_sentinel=True)
            codes = codes.astype(float)
            codes[codes < 0] = np.nan
            cols.append(codes)
            discrete.append(True)
        else:
            cols.append(s.to_numpy(dtype=float, na_value=np.nan))
            discrete.append(False)
    X = np.column_stack(cols)
    mask = np.array(discrete)
    X_mi = X.copy()
    nan = np.isnan(X_mi)
    if nan.any():
        # Missing as its own category for discrete columns, the median for numeric ones.
        fill = np.where(mask, -1.0, np.nanmedian(np.where(nan, np.nan, X_mi), axis=0))
        X_mi[nan] = np.broadcast_to(fill, X_mi.shape)[nan]
    return X, mask, X_mi


def _ovr_auc(codes: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """One-vs-rest ROC AUC of each group's probability column (rank-sum formula)."""
    from scipy.stats import rankdata

    k = proba.shape[1]
    ranks = rankdata(proba, axis=0)  # ties averaged, column by column
    pos = np.bincount(codes, minlength=k).astype(float)
    neg = len(codes) - pos
    rank_sum = ranks[np.arange(len(codes)), codes]
    sums = np.bincount(codes, weights=rank_sum, minlength=k)
    return (sums - pos * (pos + 1) / 2) / (pos * neg)


def _stratified_rows(codes: np.ndarray, max_rows: int, min_per_group: int,
                     rng: np.random.Generator) -> np.ndarray:
    """A random subsample of about ``max_rows`` rows keeping every group's share."""
    n = len(codes)
    if n <= max_rows:
        return np.arange(n)
    counts = np.bincount(codes)
    quota = np.minimum(counts, np.maximum(np.round(counts * max_rows / n), min_per_group))
    order = np.lexsort((rng.random(n), codes))  # random order within each group
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(n) - start[codes[order]]
    return np.sort(order[rank < quota[codes[order]]])


def proxy_strength(
    df: pd.DataFrame,
    sensitive_columns: str | Sequence[str],
    *,
    features: Sequence[str] | None = None,
    max_rows: int = 4000,
    cv: int = 3,
    random_state: int = 0,
) -> ProxyStrength:
    """How well the other columns predict the sensitive attribute: its proxies.

    Dropping a sensitive column does not remove it from the data when other
    columns encode it. Two views: a gradient-boosted classifier using every
    feature, scored by cross-validated ROC AUC (0.5 = chance, 1 = the attribute
    is fully recoverable; one-vs-rest and averaged over groups when there are
    more than two), and the mutual information of each feature alone with the
    attribute, ranked.

    Parameters
    ----------
    df : DataFrame
    sensitive_columns : str or list of str
        The attribute to predict (several columns: their intersection).
    features : list of str, optional
        Columns to predict it from; default every other column. Leave the
        target out if you only want to know about the features.
    max_rows : int, default=4000
        To stay fast (about a second on Adult), larger frames are subsampled to
        about this many rows, stratified by group, with ``random_state``; the
        result says so in ``n_rows`` and ``reading``.
    cv : int, default=3
        Folds of the stratified cross-validation.
    random_state : int, default=0
        Seeds the subsample, the folds, the classifier and the MI estimator.

    Returns
    -------
    ProxyStrength
        ``auc``, ``auc_by_group``, ``features`` (``mi``, ``mi_share``, ``rank``;
        sorted), ``n_rows``, ``n_total``, ``reading``.

    Raises
    ------
    ValueError
        Unknown columns, NaN labels, a single group, a group with fewer than
        ``2 * cv`` rows, or ``features`` that include the sensitive column.

    Examples
    --------
    >>> df = pd.DataFrame({"g": list("ab") * 20, "copy": list("xy") * 20,
    ...                    "noise": [0, 0, 1, 1] * 10})
    >>> res = proxy_strength(df, "g")
    >>> round(res.auc, 2), res.strongest  # 'copy' gives g away; 'noise' does not
    (1.0, 'copy')
    >>> res.features["mi_share"].round(2).tolist()
    [1.0, 0.0]

    Lesson: 02-auditing-a-dataset
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_selection import mutual_info_classif
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    cols = _as_columns(df, sensitive_columns)
    if features is None:
        features = [c for c in df.columns if c not in cols]
    else:
        features = check_columns(df, features)
        both = [f for f in features if f in cols]
        if both:
            raise ValueError(f"features include the sensitive column(s) {both}; a column "
                             "trivially predicts itself, so leave it out of features.")
    if not features:
        raise ValueError("no features left to predict the sensitive attribute from; pass "
                         "features=[...] with at least one other column.")
    cv = int(check_in_range(cv, "cv", low=2))
    max_rows = int(check_in_range(max_rows, "max_rows", low=10 * cv))
    groups = _groups(df, cols, min_rows=2 * cv)
    rng = np.random.default_rng(random_state)
    rows = _stratified_rows(groups.codes, max_rows, 2 * cv, rng)
    codes = groups.codes[rows]
    X, discrete, X_mi = _encode(df[list(features)].iloc[rows])
    n_cats = np.nanmax(np.where(discrete, X, -1), axis=0, initial=-1) + 1
    native = discrete & (n_cats <= 255)
    leaf = max(1, min(20, len(rows) // (10 * cv)))  # small data: allow small leaves
    clf = HistGradientBoostingClassifier(max_iter=50, max_leaf_nodes=15, min_samples_leaf=leaf,
                                         early_stopping=False, categorical_features=native,
                                         random_state=random_state)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    # One thread: on a shared machine OpenMP oversubscription makes boosting 10-30x slower.
    with threadpool_limits(1):
        proba = cross_val_predict(clf, X, codes, cv=folds, method="predict_proba")
    by_group = _ovr_auc(codes, proba)
    auc = float(by_group[1]) if groups.n_groups == 2 else float(by_group.mean())
    mi = mutual_info_classif(X_mi, codes, discrete_features=discrete,
                             random_state=random_state)
    p = np.bincount(codes) / len(codes)
    entropy = float(-(p[p > 0] * np.log(p[p > 0])).sum())
    # The kNN estimator for numeric columns can overshoot the entropy slightly: clip at 1.
    table = pd.DataFrame({"mi": mi, "mi_share": np.clip(mi / entropy, 0, 1)},
                         index=pd.Index(features, name="feature"))
    table = table.sort_values("mi", ascending=False, kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    auc_by_group = pd.Series(by_group, index=groups.index, name="auc")
    what = " × ".join(cols)
    sample = (f" (a stratified random sample of {len(rows):,} of {len(df):,} rows, "
              f"seed {random_state})" if len(rows) < len(df) else "")
    if auc >= 0.8:
        strength = "strongly"
    elif auc >= 0.6:
        strength = "partly"
    else:
        strength = "hardly"
    reading = (f"The other columns predict {what} with a cross-validated AUC of {auc:.3f}"
               f"{sample}: they {strength} encode it (0.5 = chance, 1 = fully recoverable), "
               "so dropping the column does not remove the information. Strongest single "
               f"proxy: {table.index[0]} (removes {table['mi_share'].iloc[0]:.0%} of the "
               "uncertainty about the group on its own).")
    return ProxyStrength(sensitive_columns=cols, auc=auc, auc_by_group=auc_by_group, features=table,
                         n_rows=len(rows), n_total=len(df), reading=reading)


def missingness(
    df: pd.DataFrame, sensitive_columns: str | Sequence[str], *,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Share of missing values per group, for every column that has any.

    Rows dropped for missing values are rarely dropped at random: if one group
    misses more, "drop NaN rows" quietly shrinks that group.

    Parameters
    ----------
    df : DataFrame
    sensitive_columns : str or list of str
    columns : list of str, optional
        Columns to inspect; default every non-sensitive column with a missing value.

    Returns
    -------
    DataFrame
        Index: group (plus a final ``all`` row); columns ``n``, ``any_missing``
        (share of rows with at least one missing value) and one missing rate per
        column.

    Examples
    --------
    >>> df = pd.DataFrame({"g": list("aabb"), "x": [1.0, None, 2.0, 3.0]})
    >>> missingness(df, "g")
             n  any_missing    x
    g
    a      2.0          0.5  0.5
    b      2.0          0.0  0.0
    all    4.0          0.25 0.25

    Lesson: 02-auditing-a-dataset
    """
    cols = _as_columns(df, sensitive_columns)
    groups = _groups(df, cols)
    others = [c for c in df.columns if c not in cols]
    if columns is None:
        na = df[others].isna()
        columns = [c for c in others if na[c].any()]
    else:
        columns = check_columns(df, columns)
    isna = df[list(columns)].isna().to_numpy() if columns else np.zeros((len(df), 0), bool)
    k, m = groups.n_groups, isna.shape[1]
    r, c = np.nonzero(isna)
    per_col = np.bincount(groups.codes[r] * m + c, minlength=k * m).reshape(k, m)
    any_row = np.bincount(groups.codes, weights=isna.any(1), minlength=k)
    sizes = groups.counts.astype(float)
    values = np.column_stack([sizes, any_row / sizes, per_col / sizes[:, None]])
    overall = np.concatenate([[len(df), isna.any(1).mean()], isna.mean(0)])
    index = groups.index
    all_key = ("all",) * index.nlevels if index.nlevels > 1 else "all"
    table = pd.DataFrame(np.vstack([values, overall]),
                         index=index.append(pd.Index([all_key], tupleize_cols=True)),
                         columns=["n", "any_missing", *map(str, columns)])
    if index.nlevels > 1:
        table.index = pd.MultiIndex.from_tuples(table.index, names=index.names)
    else:
        table.index.name = index.name
    return table


def power_curve(
    ns: Sequence[int],
    *,
    base_rates: tuple[float, float] = (0.30, 0.40),
    share: float = 0.5,
    alpha: float = 0.05,
    n_sims: int = 2000,
    random_state: int = 0,
) -> pd.DataFrame:
    """Simulated power of the chi-square test of independence, against the theory.

    For each sample size ``n``, draw ``n_sims`` datasets of two groups (group B's
    share ``share``) whose true base rates are ``base_rates``, run the 2×2
    chi-square test (no continuity correction) on each, and count how often
    p < ``alpha``. Fully vectorised: one binomial draw per (n, simulation, group).

    Returns
    -------
    DataFrame
        Index ``n``; ``simulated`` power, ``theory`` (noncentral chi-square with
        the true Cohen's w) and ``w``.

    Examples
    --------
    >>> pc = power_curve([20, 2000], n_sims=500)
    >>> pc["simulated"].round(1).tolist()  # a 10-point gap: rarely seen at n = 20
    [0.1, 1.0]

    Lesson: 02-auditing-a-dataset
    """
    from scipy.stats import chi2

    ns_arr = np.asarray(ns, dtype=np.int64).reshape(-1)
    if ns_arr.size == 0 or (ns_arr < 2).any():
        raise ValueError(f"ns must hold sample sizes >= 2; got {list(ns)}.")
    p_a, p_b = (check_in_range(r, "base_rates", low=0, high=1) for r in base_rates)
    share = check_in_range(share, "share", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    alpha = check_in_range(alpha, "alpha", low=0, high=1, low_inclusive=False,
                           high_inclusive=False)
    rng = np.random.default_rng(random_state)
    n = np.broadcast_to(ns_arr[:, None], (ns_arr.size, n_sims))
    n_b = rng.binomial(n, share)
    n_a = n - n_b
    pos_a, pos_b = rng.binomial(n_a, p_a), rng.binomial(n_b, p_b)
    obs = np.stack([n_a - pos_a, pos_a, n_b - pos_b, pos_b], -1).reshape(*n.shape, 2, 2)
    rows, cols = obs.sum(-1, keepdims=True), obs.sum(-2, keepdims=True)
    expected = rows * cols / n[..., None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(expected > 0, (obs - expected) ** 2 / expected, 0).sum((-1, -2))
    power = (chi2.sf(stat, 1) < alpha).mean(1)
    mean = (1 - share) * p_a + share * p_b
    w = np.sqrt(share * (1 - share)) * abs(p_a - p_b) / np.sqrt(mean * (1 - mean))
    return pd.DataFrame({"simulated": power, "theory": chi_square_power(ns_arr, w, 1, alpha),
                         "w": w}, index=pd.Index(ns_arr, name="n"))


def audit_report(
    df: pd.DataFrame,
    target: str,
    sensitive_columns: str | Sequence[str],
    *,
    reference: Mapping[str, Mapping[Any, float]] | None = None,
    features: Sequence[str] | None = None,
    max_rows: int = 4000,
    random_state: int = 0,
) -> AuditReport:
    """Every audit of one dataset, as one tidy summary (and ``.plot()``).

    Representation and proxies per sensitive column; base rates per column and,
    with several columns, per intersection; missing values per group.

    Parameters
    ----------
    df : DataFrame
        One row per person, with target and sensitive columns (a loader's ``frame``).
    target : str
    sensitive_columns : str or list of str
    reference : dict, optional
        ``{column: {group: population share}}`` for the representation tests.
    features : list of str, optional
        Columns used as possible proxies; default every column except the target
        and the sensitive ones.
    max_rows, random_state
        Passed to :func:`proxy_strength`.

    Returns
    -------
    AuditReport
        ``representation``, ``outcome`` (keyed by column, plus ``'a × b'`` for the
        intersection), ``proxies``, ``missingness`` and ``summary``: one row per
        check with the statistic, p-value, effect size, its size in words, and
        the reading.

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 50 + ["b"] * 50, "x": list(range(100)),
    ...                    "y": [1] * 30 + [0] * 20 + [1] * 20 + [0] * 30})
    >>> rep = audit_report(df, "y", "g")
    >>> rep.summary[["check", "effect_size"]].round(2).values.tolist()
    [['representation', nan], ['outcome', 0.2], ['proxy', 1.0]]
    >>> rep.table()[["check", "p_value", "effect_size", "effect"]].values.tolist()[1]
    ['outcome', '0.046', '0.200', 'small (V)']

    Lesson: 02-auditing-a-dataset
    """
    target = _check_frame_column(df, target, "target")
    cols = _as_columns(df, sensitive_columns)
    reference = dict(reference or {})
    unknown = sorted(set(reference) - set(cols))
    if unknown:
        raise ValueError(f"reference is keyed by sensitive column; {unknown} are not in "
                         f"sensitive_columns={cols}.")
    if features is None:
        features = [c for c in df.columns if c != target and c not in cols]
    reps = {c: representation(df, c, reference=reference.get(c)) for c in cols}
    outcome = {c: outcome_by_group(df, target, c) for c in cols}
    if len(cols) > 1:
        outcome[" × ".join(cols)] = outcome_by_group(df, target, cols)
    proxies = {c: proxy_strength(df, c, features=[f for f in features if f not in cols],
                                 max_rows=max_rows, random_state=random_state) for c in cols}
    miss = missingness(df, cols if len(cols) > 1 else cols[0])
    rows = []
    for c, rep in reps.items():
        t = rep.test
        rows.append({"check": "representation", "groups": c,
                     "statistic": t.statistic if t else np.nan,
                     "p_value": t.p_value if t else np.nan,
                     "effect_size": t.effect_size if t else np.nan,
                     "effect": (f"{t.effect} (w)" if t else
                                f"no reference; smallest group {rep.table['share'].min():.1%}"),
                     "reading": rep.reading})
    for c, out in outcome.items():
        t = out.test
        rows.append({"check": "outcome", "groups": c, "statistic": t.statistic,
                     "p_value": t.p_value, "effect_size": t.effect_size,
                     "effect": f"{t.effect} (V)", "reading": out.reading})
    for c, px in proxies.items():
        rows.append({"check": "proxy", "groups": c, "statistic": np.nan, "p_value": np.nan,
                     "effect_size": px.auc, "effect": f"AUC; top: {px.strongest}",
                     "reading": px.reading})
    if miss.shape[1] > 2:
        worst = miss["any_missing"].iloc[:-1]
        reading = (f"Rows with a missing value: {miss['any_missing'].iloc[-1]:.1%} overall, "
                   f"from {worst.min():.1%} to {worst.max():.1%} across groups; dropping them "
                   "changes group sizes unevenly if these differ.")
        rows.append({"check": "missingness", "groups": " × ".join(cols), "statistic": np.nan,
                     "p_value": np.nan, "effect_size": float(worst.max() - worst.min()),
                     "effect": "gap in missing share", "reading": reading})
    summary = pd.DataFrame(rows)
    return AuditReport(target=target, sensitive_columns=cols, n=len(df), representation=reps,
                       outcome=outcome, proxies=proxies, missingness=miss, summary=summary)
