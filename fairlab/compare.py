"""Every intervention of the course on identical cross-validation splits, side by side.

:func:`compare_interventions` runs, fold by fold on the *same* stratified splits:

==============  ==============================================================  ========
intervention    what it changes                                                 lesson
==============  ==============================================================  ========
``none``        nothing: the base model (logistic regression by default)        --
``resampling``  the training rows: every (group, label) cell under- or over-    03
                sampled to one size (:class:`~fairlab.resampling.GroupBalancedSampler`)
``reweighing``  the training weights, ``P(g) P(y) / P(g, y)`` (Kamiran & Calders 2012)   03
``penalty``     the loss: ``log-loss + λ · gap`` for a small MLP, several λ                04
``expgrad``     fairlearn's ``ExponentiatedGradient`` (Agarwal et al. 2018)                --
``thresholds``  the decision: one threshold per group for demographic parity,              06
                equal opportunity or equalized odds (Hardt et al. 2016)
==============  ==============================================================  ========

and returns one tidy row per (intervention, setting, fold) with accuracy,
balanced accuracy, every gap and the training time. :func:`summarize` turns that
into one row per setting with means and intervals across folds, and
:func:`pareto_mask` marks the settings no other setting beats on both accuracy
and the chosen gap.

Only training folds are ever resampled, reweighed or used to choose thresholds;
the sensitive attribute is never a model feature. Per-group thresholds do use
it at decision time, which the law of many places forbids for some decisions.

Results are cached on disk, keyed by a hash of the arguments, the data and the
fairlab version, in ``cache_dir`` or ``$FAIRLAB_CACHE`` or ``~/.cache/fairlab``.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from fairlab._validation import (
    Groups,
    check_binary,
    check_choice,
    check_columns,
    check_groups,
    check_int,
    check_seed,
)
from fairlab.metrics import GAPS, PENALTY_GAPS, gaps_from_counts
from fairlab.recipes import DATASETS, feature_kinds, load_dataset, tabular_preprocessor

__all__ = [
    "INTERVENTIONS",
    "USES_SENSITIVE_AT_DECISION",
    "compare_interventions",
    "summarize",
    "pareto_mask",
    "cache_dir",
]

#: The interventions :func:`compare_interventions` knows, in the order it runs them.
INTERVENTIONS = ("none", "resampling", "reweighing", "penalty", "expgrad", "thresholds")
#: Interventions whose decisions read the sensitive attribute of the person decided on.
USES_SENSITIVE_AT_DECISION = {"none": False, "resampling": False, "reweighing": False,
                              "penalty": False, "expgrad": False, "thresholds": True}
_METRICS = ("accuracy", "balanced_accuracy", *PENALTY_GAPS, "train_seconds")
_CACHE_FORMAT = 2  # 2: the one tabular recipe (rare categories pooled)


# ------------------------------------------------------------------------- data
def _as_bunch(dataset: str | Bunch) -> Bunch:
    """A dataset name (:func:`fairlab.recipes.load_dataset`) or a Bunch, checked."""
    if isinstance(dataset, Bunch):
        missing = [k for k in ("data", "target", "sensitive_features") if k not in dataset]
        if missing:
            raise ValueError(f"the dataset Bunch lacks {missing}; pass a Bunch from "
                             "fairlab.datasets (data, target, sensitive_features) or a name from "
                             f"{list(DATASETS)}.")
        return dataset
    if not isinstance(dataset, str):
        raise TypeError(f"dataset must be a name from {list(DATASETS)} or a Bunch from "
                        f"fairlab.datasets; got {type(dataset).__name__}.")
    check_choice(dataset, "dataset", DATASETS)
    return load_dataset(dataset)


def _prepare(bunch: Bunch, sensitive: list[str], subsample: int | None, seed: int):
    """Features (sensitive columns excluded), 0/1 labels, groups, strata; optional subsample."""
    sens = bunch.sensitive_features if isinstance(bunch.sensitive_features, pd.DataFrame) else \
        pd.DataFrame(bunch.sensitive_features)
    check_columns(sens, sensitive, name="dataset.sensitive_features")
    X = bunch.data.drop(columns=[c for c in sensitive if c in bunch.data.columns])
    X = X.reset_index(drop=True)
    for c in X.columns:
        if isinstance(X[c].dtype, pd.CategoricalDtype) and X[c].isna().any():
            X[c] = X[c].cat.add_categories("missing").fillna("missing")
    y = check_binary(bunch.target, "dataset.target").astype(np.int64)
    S = sens[sensitive].reset_index(drop=True)
    groups = check_groups(S if len(sensitive) > 1 else S.iloc[:, 0], len(y))
    if subsample is not None:
        subsample = check_int(subsample, "subsample", low=100)
        if subsample < len(y):
            from sklearn.model_selection import train_test_split

            strata = _strata(groups.codes, y, 2)
            keep, _ = train_test_split(np.arange(len(y)), train_size=int(subsample),
                                       stratify=strata, random_state=seed)
            keep = np.sort(keep)
            X, y, S = X.iloc[keep].reset_index(drop=True), y[keep], S.iloc[keep].reset_index(
                drop=True)
            groups = check_groups(S if len(sensitive) > 1 else S.iloc[:, 0], len(y))
    return X, y, groups


def _strata(codes: np.ndarray, y: np.ndarray, min_count: int) -> np.ndarray:
    """(group, label) cells; cells rarer than ``min_count`` fall back to the label alone."""
    cell = codes * 2 + y
    counts = np.bincount(cell)
    rare = counts[cell] < min_count
    return np.where(rare, -1 - y, cell)


def _check_cells(y: np.ndarray, groups: Groups, n_splits: int) -> None:
    counts = np.bincount(groups.codes * 2 + y, minlength=2 * groups.n_groups).reshape(-1, 2)
    small = counts.min(1) < n_splits
    if small.any():
        raise ValueError(
            f"groups {groups.index[small].tolist()} have fewer than n_splits={n_splits} rows "
            "of one label, so some training fold would have no positive (or no negative) "
            "example of them and their TPR or FPR is undefined; merge them with another "
            "group, choose another grouping, use fewer splits or a larger subsample."
        )


def _splits(y: np.ndarray, groups: Groups, n_splits: int, seed: int) -> list[tuple]:
    """Train/test indices, stratified by (group, label): the same for every intervention."""
    from sklearn.model_selection import StratifiedKFold

    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    strata = _strata(groups.codes, y, n_splits)
    return list(skf.split(np.zeros(len(y)), strata))


# --------------------------------------------------------------------- metrics
def _fold_metrics(y: np.ndarray, pred: np.ndarray, codes: np.ndarray, n_groups: int) -> dict:
    """Accuracy, balanced accuracy and every gap from one bincount of confusion cells."""
    counts = np.bincount(codes * 4 + 2 * y + pred, minlength=4 * n_groups)
    counts = counts.reshape(n_groups, 4).astype(float)
    counts = counts[counts.sum(1) > 0]  # a group absent from this fold has no rates
    total = counts.sum(0)
    tn, fp, fn, tp = total
    return {
        "accuracy": float((tn + tp) / total.sum()),
        "balanced_accuracy": float((tp / (tp + fn) + tn / (tn + fp)) / 2),
        **{k: float(v) for k, v in gaps_from_counts(counts).items()},
    }


# ----------------------------------------------------------------- interventions
@dataclass
class _Fold:
    """One fold: encoded features, labels and group codes of both sides."""

    k: int
    train: np.ndarray
    test: np.ndarray
    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    g_train: np.ndarray
    g_test: np.ndarray
    random_state: int
    base: Any = None  # the fitted base model, shared by ``none`` and ``thresholds``


def _encoder(X: pd.DataFrame):
    """The course's one tabular recipe (:func:`fairlab.recipes.tabular_preprocessor`)."""
    return tabular_preprocessor(*feature_kinds(X))


def _base_model(model: Any):
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    if isinstance(model, str):
        check_choice(model, "model", ["logistic"])
        return LogisticRegression(C=1.0, solver="liblinear")
    return clone(model)


def _run_none(fold: _Fold, model: Any, options: dict) -> dict[str, np.ndarray]:
    if fold.base is None:
        fold.base = _base_model(model).fit(fold.X_train, fold.y_train)
    return {"logistic" if isinstance(model, str) else "base model":
            fold.base.predict(fold.X_test)}


def _run_resampling(fold: _Fold, model: Any, options: dict) -> dict[str, np.ndarray]:
    from fairlab.resampling import GroupBalancedSampler

    out = {}
    for strategy in options["resampling"]:
        sampler = GroupBalancedSampler(strategy, "group_label", random_state=fold.random_state)
        Xr, yr = sampler.fit_resample(fold.X_train, fold.y_train,
                                      sensitive_features=fold.g_train)
        clf = _base_model(model).fit(Xr, yr)
        out[f"{strategy}sample cells"] = clf.predict(fold.X_test)
    return out


def _run_reweighing(fold: _Fold, model: Any, options: dict) -> dict[str, np.ndarray]:
    from fairlab.resampling import reweighing_weights

    w = reweighing_weights(fold.y_train, fold.g_train)
    clf = _base_model(model).fit(fold.X_train, fold.y_train, sample_weight=w)
    return {"Kamiran-Calders weights": clf.predict(fold.X_test)}


#: Penalty name → its gap's short label without " gap" ("DP", "EO", "EOdds", "error-rate").
_PENALTY_SHORT = {g.penalty: g.label.removesuffix(" gap") for g in GAPS.values() if g.penalty}


def _run_penalty(fold: _Fold, model: Any, options: dict) -> dict[str, np.ndarray]:
    from fairlab.training import lambda_sweep

    out = {}
    lams = [0.0, *[lam for lam in options["lams"] if lam > 0]]
    for i, penalty in enumerate(options["penalties"]):
        sweep = lambda_sweep(fold.X_train, fold.y_train, fold.g_train, lams,
                             penalty=penalty, hidden=(16,), epochs=options["epochs"],
                             lr=0.01, batch_size=256, random_state=fold.random_state,
                             progress=False)
        for lam, clf in zip(lams, sweep.models, strict=True):
            if lam == 0 and i > 0:  # λ = 0 is the same plain MLP for every penalty
                continue
            name = "MLP λ=0" if lam == 0 else f"{_PENALTY_SHORT[penalty]} λ={lam:g}"
            out[name] = clf.predict(fold.X_test)
    return out


def _run_expgrad(fold: _Fold, model: Any, options: dict) -> dict[str, np.ndarray]:
    from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient

    made = {"demographic_parity": ("DP", DemographicParity),
            "equalized_odds": ("EOdds", EqualizedOdds)}
    out = {}
    for constraint in options["expgrad"]:
        label, cls = made[constraint]
        eg = ExponentiatedGradient(_base_model(model), cls(difference_bound=0.01),
                                   max_iter=options["expgrad_iter"])
        with warnings.catch_warnings():  # fairlearn 0.15 trips pandas 3 deprecations
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            eg.fit(fold.X_train, fold.y_train, sensitive_features=fold.g_train)
        out[label] = np.asarray(eg.predict(fold.X_test, random_state=fold.random_state)).astype(int)
    return out


def _run_thresholds(fold: _Fold, model: Any, options: dict) -> dict[str, np.ndarray]:
    from fairlab.thresholds import optimize_thresholds

    if fold.base is None:
        fold.base = _base_model(model).fit(fold.X_train, fold.y_train)
    s_train = fold.base.predict_proba(fold.X_train)[:, 1]
    s_test = fold.base.predict_proba(fold.X_test)[:, 1]
    out = {}
    for constraint in options["thresholds"]:
        pol = optimize_thresholds(fold.y_train, s_train, sensitive_features=fold.g_train,
                                  constraint=constraint)
        out[_PENALTY_SHORT[constraint]] = np.asarray(
            pol.predict(s_test, fold.g_test, random_state=fold.random_state)).astype(int)
    return out


_RUNNERS: dict[str, Callable[[_Fold, Any, dict], dict[str, np.ndarray]]] = {
    "none": _run_none,
    "resampling": _run_resampling,
    "reweighing": _run_reweighing,
    "penalty": _run_penalty,
    "expgrad": _run_expgrad,
    "thresholds": _run_thresholds,
}


# ------------------------------------------------------------------------ cache
def cache_dir(path: str | os.PathLike | None = None) -> Path:
    """Where comparisons are cached: ``path``, else ``$FAIRLAB_CACHE``, else ``~/.cache/fairlab``.

    A directory inside fairlab's own source checkout is refused (results must not
    end up in git).

    Examples
    --------
    >>> cache_dir("/tmp/fl").as_posix()
    '/tmp/fl'

    Lesson: 11-choosing-an-intervention
    """
    if path is None:
        path = os.environ.get("FAIRLAB_CACHE") or "~/.cache/fairlab"
    out = Path(path).expanduser()
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").exists() and out.resolve().is_relative_to(checkout):
        raise ValueError(f"the cache directory {out} is inside the fairlab repository; cached "
                         "results must not end up in git. Use a directory outside it, e.g. "
                         "~/.cache/fairlab or a temporary directory.")
    return out


def _fingerprint(bunch: Bunch, name: str | None) -> str:
    if name is not None:
        return name
    parts = [pd.util.hash_pandas_object(bunch.data, index=False).to_numpy(),
             pd.util.hash_pandas_object(pd.Series(np.asarray(bunch.target)),
                                        index=False).to_numpy(),
             pd.util.hash_pandas_object(pd.DataFrame(bunch.sensitive_features).astype(str),
                                        index=False).to_numpy()]
    return hashlib.sha256(b"".join(p.tobytes() for p in parts)).hexdigest()


# ------------------------------------------------------------------------- main
def compare_interventions(
    dataset: str | Bunch,
    *,
    sensitive_columns: str | Sequence[str],
    interventions: Sequence[str] = INTERVENTIONS,
    model: Any = "logistic",
    n_splits: int = 5,
    random_state: int | np.random.Generator | None = 0,
    subsample: int | None = None,
    lams: Sequence[float] = (1.0, 5.0),
    penalties: Sequence[str] = ("demographic_parity", "equal_opportunity"),
    epochs: int = 20,
    resampling: Sequence[str] = ("under", "over"),
    expgrad: Sequence[str] = ("demographic_parity", "equalized_odds"),
    expgrad_iter: int = 30,
    thresholds: Sequence[str] = ("demographic_parity", "equal_opportunity",
                                 "equalized_odds"),
    cache: bool = True,
    cache_path: str | os.PathLike | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run every intervention on the same cross-validation splits; one row per fold.

    Parameters
    ----------
    dataset : str or Bunch
        ``"adult"``, ``"compas"``, ``"german"``, ``"biased_world"`` or a Bunch
        from :mod:`fairlab.datasets` (see :func:`fairlab.recipes.load_dataset`).
    sensitive_columns : str or list of str
        Column(s) of ``dataset.sensitive_features``; several give intersectional groups.
        Never a model feature; used for resampling, weights, penalties, the
        reductions' constraints, per-group thresholds and the gaps.
    interventions : sequence of str, default=all of ``INTERVENTIONS``
    model : "logistic" or a scikit-learn classifier, default="logistic"
        The base model (cloned per fold) of every intervention but ``penalty``,
        whose model is a one-hidden-layer MLP (16 units) trained with PyTorch. It
        must accept ``sample_weight`` for reweighing and expgrad.
    n_splits : int, default=5
        Stratified folds by (group, label); every intervention sees the same ones.
    random_state : int, numpy Generator or None, default=0
        Seeds the subsample, the splits, the samplers, the MLPs and randomised
        decisions: the same value gives the same table.
    subsample : int or None, default=None
        Keep this many rows (stratified by group and label) before splitting.
    lams, penalties, epochs
        The λ values (> 0; λ = 0 is always added as the plain MLP), the penalties
        and the training epochs of ``penalty``.
    resampling : subset of {"under", "over"}
    expgrad : subset of {"demographic_parity", "equalized_odds"}
    expgrad_iter : int, default=30
        ``max_iter`` of ``ExponentiatedGradient``.
    thresholds : subset of {"demographic_parity", "equal_opportunity", "equalized_odds"}
        Thresholds are chosen on the training fold's scores of the base model.
    cache : bool, default=True
        Read and write the result in :func:`cache_dir` (``cache_path`` overrides).
    progress : bool or None, default=None
        A tqdm bar over every (fold, intervention); None shows it unless cached.

    Returns
    -------
    DataFrame
        Tidy: ``intervention, setting, fold, n_train, n_test, accuracy,
        balanced_accuracy, dp_gap, eo_gap, eodds_gap, error_rate_gap,
        train_seconds``. ``attrs`` hold ``dataset``, ``sensitive``, ``n_rows``,
        ``groups`` and ``cached`` (whether it came from the cache). Summarise it
        with :func:`summarize`. Training times vary from run to run; everything
        else is a function of the arguments.

    Raises
    ------
    ValueError
        An unknown intervention, dataset, sensitive column or option; a group
        with fewer than ``n_splits`` rows of a label.

    Examples
    --------
    >>> res = compare_interventions("german", sensitive_columns="sex", n_splits=3,
    ...                             interventions=["none", "reweighing"], cache=False)
    >>> res[["intervention", "fold"]].value_counts().tolist()
    [1, 1, 1, 1, 1, 1]
    >>> summarize(res)["accuracy"].round(2).tolist()
    [0.74, 0.74]

    Lesson: 11-choosing-an-intervention
    """
    if isinstance(interventions, str):
        interventions = [interventions]
    interventions = list(interventions)
    if not interventions:
        raise ValueError(f"interventions is empty; choose some of {list(INTERVENTIONS)}.")
    for name in interventions:
        check_choice(name, "intervention", INTERVENTIONS)
    n_splits = check_int(n_splits, "n_splits", low=2, high=20)
    sens_cols = ([sensitive_columns] if isinstance(sensitive_columns, str)
                 else list(sensitive_columns))
    if not sens_cols:
        raise ValueError("sensitive_columns is empty; name at least one column of "
                         "dataset.sensitive_features.")
    for opt_name, values, allowed in (
        ("resampling", resampling, ("under", "over")),
        ("expgrad", expgrad, ("demographic_parity", "equalized_odds")),
        ("thresholds", thresholds, ("demographic_parity", "equal_opportunity",
                                    "equalized_odds")),
        ("penalties", penalties, tuple(_PENALTY_SHORT)),
    ):
        for v in values:
            check_choice(v, f"every entry of {opt_name}", allowed)
    lams = [float(lam) for lam in lams]
    if any(not lam >= 0 for lam in lams):
        raise ValueError(f"lams must all be >= 0; got {lams}.")
    options = dict(lams=lams, penalties=list(penalties), epochs=int(epochs),
                   resampling=list(resampling), expgrad=list(expgrad),
                   expgrad_iter=int(expgrad_iter), thresholds=list(thresholds))
    name = dataset if isinstance(dataset, str) else None
    bunch = _as_bunch(dataset)

    from fairlab import __version__

    seed = check_seed(random_state)
    key_args = dict(dataset=_fingerprint(bunch, name), sensitive_columns=sens_cols,
                    interventions=interventions, model=repr(model), n_splits=int(n_splits),
                    random_state=seed, subsample=subsample, options=options,
                    version=__version__, format=_CACHE_FORMAT)
    key = hashlib.sha256(json.dumps(key_args, sort_keys=True, default=str).encode())
    path = cache_dir(cache_path) / f"compare-{key.hexdigest()[:24]}.pkl"
    if cache and path.exists():
        try:
            frame = pd.read_pickle(path)
            frame.attrs["cached"] = True
            return frame
        except Exception:  # a corrupt or foreign file: recompute and overwrite
            pass

    X, y, groups = _prepare(bunch, sens_cols, subsample, seed)
    if groups.n_groups < 2:
        raise ValueError(f"{sens_cols} has a single group {groups.labels}; a comparison of "
                         "fairness needs at least two groups.")
    _check_cells(y, groups, int(n_splits))
    splits = _splits(y, groups, int(n_splits), seed)

    from tqdm.auto import tqdm

    bar = tqdm(total=len(splits) * len(interventions), desc="comparing interventions",
               disable=progress is False, leave=False)
    rows = []
    try:
        for k, (train, test) in enumerate(splits):
            enc = _encoder(X).fit(X.iloc[train])
            fold = _Fold(k, train, test, enc.transform(X.iloc[train]),
                         enc.transform(X.iloc[test]), y[train], y[test],
                         groups.codes[train], groups.codes[test],
                         random_state=seed * 1000 + k)
            for name_i in interventions:
                bar.set_postfix_str(f"fold {k + 1}: {name_i}")
                start = time.perf_counter()
                try:
                    preds = _RUNNERS[name_i](fold, model, options)
                except ValueError as exc:
                    raise ValueError(f"intervention {name_i!r} failed on fold {k}: {exc}"
                                     ) from exc
                seconds = (time.perf_counter() - start) / max(len(preds), 1)
                for setting, pred in preds.items():
                    rows.append({"intervention": name_i, "setting": setting, "fold": k,
                                 "n_train": len(train), "n_test": len(test),
                                 **_fold_metrics(fold.y_test, np.asarray(pred, dtype=np.int64),
                                                 fold.g_test, groups.n_groups),
                                 "train_seconds": seconds})
                bar.update(1)
    finally:
        bar.close()
    frame = pd.DataFrame(rows)
    frame["intervention"] = pd.Categorical(frame["intervention"],
                                           categories=[i for i in INTERVENTIONS
                                                       if i in interventions])
    frame = frame.sort_values(["intervention", "fold"], kind="stable").reset_index(drop=True)
    frame["intervention"] = frame["intervention"].astype(str)
    frame.attrs.update(dataset=name or "custom", sensitive_columns=" × ".join(sens_cols),
                       n_rows=len(y), groups=[str(g) for g in groups.labels], cached=False)
    if cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            frame.to_pickle(tmp)
            tmp.replace(path)
        except OSError:  # a read-only cache is not worth failing the comparison
            pass
    return frame


# ------------------------------------------------------------------------ views
def summarize(results: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """One row per (intervention, setting): means across folds with t intervals.

    For each metric ``m`` the columns are ``m`` (the mean over folds), ``m_low``
    and ``m_high`` (a Student-t interval for the mean, ``n_folds - 1`` degrees of
    freedom, clipped to [0, 1] for rates and gaps), ``m_sd`` (the fold-to-fold
    standard deviation) and ``m_min``, ``m_max`` (the fold-to-fold range). Folds share
    most of their training rows, so they are not independent and these
    intervals are too narrow (Nadeau & Bengio 2003): read them as a lower bound
    on the uncertainty.

    Examples
    --------
    >>> folds = pd.DataFrame({"intervention": ["a"] * 3, "setting": ["x"] * 3,
    ...                       "fold": [0, 1, 2], "accuracy": [0.8, 0.82, 0.84]})
    >>> s = summarize(folds)
    >>> s[["accuracy", "accuracy_low", "accuracy_high"]].round(3).values.tolist()
    [[0.82, 0.77, 0.87]]

    Lesson: 11-choosing-an-intervention
    """
    from scipy.stats import t as student_t

    missing = [c for c in ("intervention", "setting", "fold") if c not in results]
    if missing:
        raise ValueError(f"results lacks columns {missing}; pass the DataFrame that "
                         "compare_interventions returns.")
    metrics = [c for c in _METRICS if c in results]
    grouped = results.groupby(["intervention", "setting"], sort=False)[metrics]
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.size()
    q = student_t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)).reshape(-1, 1)
    half = sd.to_numpy() * q / np.sqrt(n.to_numpy()).reshape(-1, 1)
    out = mean.copy()
    lo, hi = grouped.min(), grouped.max()
    for j, m in enumerate(metrics):
        top = np.inf if m == "train_seconds" else 1.0
        out[f"{m}_low"] = np.clip(mean[m].to_numpy() - half[:, j], 0.0, top)
        out[f"{m}_high"] = np.clip(mean[m].to_numpy() + half[:, j], 0.0, top)
        out[f"{m}_sd"] = sd[m].to_numpy()
        out[f"{m}_min"] = lo[m].to_numpy()
        out[f"{m}_max"] = hi[m].to_numpy()
    out["n_folds"] = n
    return out


def pareto_mask(accuracy: Any, gap: Any) -> np.ndarray:
    """True for points that no other point beats on both: higher accuracy, lower gap.

    A point is dominated when another is at least as good on both and strictly
    better on one.

    Examples
    --------
    >>> pareto_mask([0.85, 0.84, 0.80, 0.83], [0.20, 0.05, 0.01, 0.06]).tolist()
    [True, True, True, False]

    Lesson: 11-choosing-an-intervention
    """
    acc = np.asarray(accuracy, dtype=float).reshape(-1)
    g = np.asarray(gap, dtype=float).reshape(-1)
    if acc.shape != g.shape:
        raise ValueError(f"accuracy has {acc.size} values but gap has {g.size}; pass one of "
                         "each per point.")
    ge = (acc[None, :] >= acc[:, None]) & (g[None, :] <= g[:, None])
    gt = (acc[None, :] > acc[:, None]) | (g[None, :] < g[:, None])
    return ~(ge & gt).any(1)
