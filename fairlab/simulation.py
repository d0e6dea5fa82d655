"""Small simulations for lesson 01: a model trained on a biased world, and feedback loops.

``fit_and_score_world`` trains a logistic regression on the *recorded* labels of
a synthetic world (``fairlab.datasets.make_biased_world``) and scores it per group
against both the recorded labels and the *true* ones, which only a simulation
knows. ``bias_scenarios`` does that for several knob settings at once.
``make_two_relations_world`` is a world with correct labels and correct
measurements where one model for everyone still treats a group worse.
``simulate_feedback_loop`` lets decisions decide what gets recorded next.

Lesson: 01-where-bias-comes-from
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch
from threadpoolctl import ThreadpoolController

from fairlab._validation import check_choice, check_groups, check_in_range, check_int
from fairlab.datasets import make_biased_world
from fairlab.metrics import rates_from_counts

__all__ = [
    "WORLD_COLUMNS",
    "WorldFit",
    "fit_and_score_world",
    "bias_scenarios",
    "make_two_relations_world",
    "FEEDBACK_POLICIES",
    "simulate_feedback_loop",
]

#: Columns of :attr:`WorldFit.metrics`, in order.
WORLD_COLUMNS = ("count", "true_base_rate", "recorded_base_rate", "selection_rate",
                 "error_vs_truth", "error_vs_recorded", "fnr_vs_truth", "fpr_vs_truth")



@cache
def _threads() -> ThreadpoolController:
    """Handle on the BLAS/OpenMP pools, found once (scanning costs ~10 ms)."""
    return ThreadpoolController()


@dataclass(frozen=True)
class WorldFit:
    """What a model trained on a world's recorded labels does, group by group.

    Attributes
    ----------
    metrics : DataFrame
        One row per group (held-out half), columns :data:`WORLD_COLUMNS`.
        ``*_vs_truth`` compare decisions with ``true_target``; ``error_vs_recorded``
        with the labels the model was trained on.
    coef : Series
        Standardised coefficients (coefficient × feature standard deviation):
        how strongly the model leans on each column.
    y_pred : ndarray
        Decisions (0/1) for the held-out rows.
    test_rows : ndarray
        Positions of the held-out rows in the world.
    """

    metrics: pd.DataFrame
    coef: pd.Series
    y_pred: np.ndarray
    test_rows: np.ndarray


def _design(X: np.ndarray, codes: np.ndarray, n_groups: int, names: list[str],
            labels: list[str], use_group: bool, per_group: bool):
    """Feature matrix: plain, plus group indicators, or one set of weights per group."""
    if per_group:
        onehot = np.eye(n_groups)[codes]
        cols = (X[:, None, :] * onehot[:, :, None]).reshape(len(X), -1)
        extra = onehot[:, 1:]
        return (np.column_stack([cols, extra]),
                [f"{c} [{g}]" for g in labels for c in names]
                + [f"group {g}" for g in labels[1:]])
    if use_group:
        return (np.column_stack([X, np.eye(n_groups)[codes][:, 1:]]),
                names + [f"group {g}" for g in labels[1:]])
    return X, list(names)


def fit_and_score_world(
    world: Bunch,
    *,
    use_group: bool = False,
    per_group: bool = False,
    threshold: float = 0.5,
    train_fraction: float = 0.5,
) -> WorldFit:
    """Train on the recorded labels, then compare decisions with the truth, per group.

    A logistic regression (scikit-learn defaults) learns ``world.target`` from
    ``world.data`` on the first ``train_fraction`` of the rows; the rest are held
    out. A held-out person is selected when the predicted probability is
    ``>= threshold``. The rows of a world are independent draws, so the first
    rows are as random a split as any.

    Parameters
    ----------
    world : Bunch
        From :func:`fairlab.datasets.make_biased_world` or
        :func:`make_two_relations_world`: ``data`` (numeric features), ``target``
        (recorded labels), ``true_target`` and ``sensitive_features`` (one column).
    use_group : bool, default=False
        Give the model the group column too (one indicator per group but the first).
        False is "fairness through unawareness".
    per_group : bool, default=False
        Let every group have its own weights (feature × group interactions, one fit).
    threshold : float in [0, 1], default=0.5
    train_fraction : float in (0, 1), default=0.5

    Returns
    -------
    WorldFit

    Raises
    ------
    ValueError
        A group has fewer than 2 rows in the training or the held-out part, or a
        label column holds only one class.

    Examples
    --------
    With every knob off the two groups are treated alike:

    >>> from fairlab.datasets import make_biased_world
    >>> fit = fit_and_score_world(make_biased_world(2000, random_state=0))
    >>> fit.metrics[["count", "selection_rate", "error_vs_truth"]].round(2)
           count  selection_rate  error_vs_truth
    group
    A      466.0            0.37            0.21
    B      534.0            0.37            0.18

    Lesson: 01-where-bias-comes-from
    """
    if not all(hasattr(world, k)
               for k in ("data", "target", "true_target", "sensitive_features")):
        raise TypeError("world must be a Bunch with data, target, true_target and "
                        "sensitive_features, "
                        "as returned by make_biased_world(); got "
                        f"{type(world).__name__}.")
    threshold = check_in_range(threshold, "threshold", low=0, high=1)
    train_fraction = check_in_range(train_fraction, "train_fraction", low=0, high=1,
                                    low_inclusive=False, high_inclusive=False)
    X = world.data.to_numpy(dtype=float)
    y = np.asarray(world.target, dtype=np.int64)
    truth = np.asarray(world.true_target, dtype=np.int64)
    groups = check_groups(world.sensitive_features, len(y), name="world.sensitive_features")
    sens = world.sensitive_features
    column = sens.iloc[:, 0] if isinstance(sens, pd.DataFrame) else pd.Series(sens)
    if isinstance(column.dtype, pd.CategoricalDtype):
        absent = [str(c) for c in column.cat.categories if c not in set(groups.index)]
        if absent:
            raise ValueError(f"groups {absent} have no rows in this world; draw a larger "
                             "world (n) or lower representation.")
    codes, k = groups.codes, groups.n_groups
    labels = [str(g) for g in groups.index]
    n_train = int(len(y) * train_fraction)
    train = np.arange(len(y)) < n_train
    in_train = np.bincount(codes[train], minlength=k)
    in_test = np.bincount(codes[~train], minlength=k)
    if (small := (np.minimum(in_train, in_test) < 2)).any():
        raise ValueError(
            f"groups {np.array(labels)[small].tolist()} have fewer than 2 rows in the "
            "training or the held-out half; draw a larger world (n) or lower representation.")
    if np.unique(y[train]).size < 2:
        raise ValueError("the recorded labels of the training rows are all "
                         f"{int(y[train][0])}; the model needs both classes. Lower "
                         "historical_bias or draw a larger world.")
    design, names = _design(X, codes, k, list(world.data.columns), labels, use_group, per_group)
    # A 2000 × 4 fit is too small to share: with several BLAS threads on a busy
    # machine it took 150 ms instead of 1.5 ms, so the fit runs on one thread.
    with _threads().limit(limits=1):
        model = LogisticRegression().fit(design[train], y[train])
        proba = model.predict_proba(design[~train])[:, 1]
    y_pred = (proba >= threshold).astype(np.int64)
    test_codes = codes[~train]
    # One bincount per label kind: (group, label, decision) → tn, fp, fn, tp.
    vs_truth = np.bincount(test_codes * 4 + 2 * truth[~train] + y_pred,
                           minlength=4 * k).reshape(k, 4)
    vs_rec = np.bincount(test_codes * 4 + 2 * y[~train] + y_pred,
                         minlength=4 * k).reshape(k, 4)
    rt = rates_from_counts(vs_truth, ("base_rate", "selection_rate", "accuracy", "fnr", "fpr"))
    rr = rates_from_counts(vs_rec, ("base_rate", "accuracy"))
    metrics = pd.DataFrame({
        "count": vs_truth.sum(1).astype(float),
        "true_base_rate": rt["base_rate"],
        "recorded_base_rate": rr["base_rate"],
        "selection_rate": rt["selection_rate"],
        "error_vs_truth": 1 - rt["accuracy"],
        "error_vs_recorded": 1 - rr["accuracy"],
        "fnr_vs_truth": rt["fnr"],
        "fpr_vs_truth": rt["fpr"],
    }, index=pd.Index(labels, name=groups.index.name))
    coef = pd.Series(model.coef_[0] * design[train].std(0), index=names, name="coef")
    return WorldFit(metrics=metrics, coef=coef, y_pred=y_pred,
                    test_rows=np.flatnonzero(~train))


def bias_scenarios(
    scenarios: Mapping[str, Mapping[str, Any]],
    *,
    n: int = 4000,
    random_state: int | np.random.Generator | None = 0,
    threshold: float = 0.5,
    groups: tuple[str, str] = ("A", "B"),
) -> pd.DataFrame:
    """One row per scenario: each group's selection and error rates, and B − A gaps.

    Every scenario draws the same people (same ``n`` and ``random_state``) from
    :func:`~fairlab.datasets.make_biased_world` with its knobs, then runs
    :func:`fit_and_score_world`.

    Parameters
    ----------
    scenarios : mapping of name → dict
        Keyword arguments of ``make_biased_world`` (the four knobs) plus, optionally,
        ``use_group`` (bool). ``{}`` is the unbiased world.
    n : int
    threshold : float, default=0.5
    groups : (str, str), default=("A", "B")
        The pair whose gap (second minus first) is reported.

    Returns
    -------
    DataFrame indexed by scenario name with columns ``selection_A``, ``selection_B``,
    ``error_vs_truth_A``, ``error_vs_truth_B``, ``error_vs_recorded_B``,
    ``selection_gap`` and ``error_gap`` (B − A).

    Examples
    --------
    >>> t = bias_scenarios({"none": {}, "history, group used": {"historical_bias": 0.6,
    ...                                                        "use_group": True}}, n=2000)
    >>> t[["selection_gap", "error_gap"]].round(2)
                         selection_gap  error_gap
    none                         -0.01      -0.03
    history, group used          -0.29       0.11

    Lesson: 01-where-bias-comes-from
    """
    if not isinstance(scenarios, Mapping) or not scenarios:
        raise TypeError("scenarios must be a non-empty dict of name → knob settings, e.g. "
                        "{'history': {'historical_bias': 0.6}}.")
    a, b = groups
    rows = {}
    for name, setting in scenarios.items():
        knobs = dict(setting)
        use_group = bool(knobs.pop("use_group", False))
        unknown = set(knobs) - {"representation", "historical_bias", "measurement_bias",
                                "proxy_strength"}
        if unknown:
            raise ValueError(f"scenario {name!r} sets unknown knobs {sorted(unknown)}; use "
                             "representation, historical_bias, measurement_bias, "
                             "proxy_strength or use_group.")
        world = make_biased_world(n, random_state=random_state, **knobs)
        m = fit_and_score_world(world, use_group=use_group, threshold=threshold).metrics
        rows[name] = {
            f"selection_{a}": m.loc[a, "selection_rate"],
            f"selection_{b}": m.loc[b, "selection_rate"],
            f"error_vs_truth_{a}": m.loc[a, "error_vs_truth"],
            f"error_vs_truth_{b}": m.loc[b, "error_vs_truth"],
            f"error_vs_recorded_{b}": m.loc[b, "error_vs_recorded"],
            "selection_gap": m.loc[b, "selection_rate"] - m.loc[a, "selection_rate"],
            "error_gap": m.loc[b, "error_vs_truth"] - m.loc[a, "error_vs_truth"],
        }
    return pd.DataFrame.from_dict(rows, orient="index")


_TWO_RELATIONS_DESCR = """A world with correct labels and correct measurements, where
experience means different things for the two groups (fairlab.simulation).

Both groups have the same distribution of skill and the same true base rate;
``target == true_target`` for everyone, and every feature is measured without
bias. For group A, years of experience track skill. Group B (the minority, e.g.
career changers) has fewer years of experience at the same skill, and for them
experience says nothing about skill. One model for everyone must pick one
relation between experience and the label; the majority's wins."""


def make_two_relations_world(
    n: int = 4000, *, minority_share: float = 0.2, experience_gap: float = 1.5,
    random_state: int | np.random.Generator | None = 0,
) -> Bunch:
    """Unbiased labels and features, but a feature–label relation that differs by group.

    Parameters
    ----------
    n : int, default=4000
    minority_share : float in (0, 1), default=0.2
        Share of group B.
    experience_gap : float >= 0, default=1.5
        How many standard deviations less experience B has, whatever the skill.
    random_state : int, numpy Generator or None, default=0

    Returns
    -------
    Bunch with ``data`` (test_score, experience), ``target``, ``true_target``
    (identical), ``sensitive_features``, ``frame``, ``feature_names``, ``DESCR``.

    Examples
    --------
    >>> w = make_two_relations_world(1000, random_state=1)
    >>> bool((w.target == w.true_target).all()), w.feature_names
    (True, ['test_score', 'experience'])

    Lesson: 01-where-bias-comes-from
    """
    n = check_int(n, "n", low=20)
    minority_share = check_in_range(minority_share, "minority_share", low=0, high=1,
                                    low_inclusive=False, high_inclusive=False)
    experience_gap = check_in_range(experience_gap, "experience_gap", low=0)
    rng = np.random.default_rng(random_state)
    u_group = rng.random(n)
    skill, exp_noise, score_noise, label_noise = rng.standard_normal((4, n))
    is_b = u_group < minority_share
    true_target = (skill + 0.5 * label_noise > 0.3).astype(np.int64)
    test_score = skill + 0.8 * score_noise
    experience = np.where(is_b, -experience_gap + exp_noise, 0.8 * skill + 0.6 * exp_noise)
    frame = pd.DataFrame({
        "test_score": test_score,
        "experience": experience,
        "group": pd.Categorical(np.where(is_b, "B", "A"), categories=["A", "B"]),
        "true_target": true_target,
        "target": true_target.copy(),
    })
    return Bunch(
        data=frame[["test_score", "experience"]].copy(),
        target=frame["target"].copy(),
        true_target=frame["true_target"].copy(),
        sensitive_features=frame[["group"]].copy(),
        frame=frame,
        feature_names=["test_score", "experience"],
        target_name="target",
        sensitive_names=["group"],
        DESCR=_TWO_RELATIONS_DESCR,
    )


#: Allocation rules of :func:`simulate_feedback_loop`.
FEEDBACK_POLICIES = ("proportional", "greedy", "rate-corrected")


def simulate_feedback_loop(
    *,
    true_rates: Sequence[float] = (0.3, 0.3),
    initial_records: Sequence[float] = (60, 40),
    initial_visits: Sequence[float] = (200, 200),
    budget: int = 100,
    n_rounds: int = 30,
    policy: str = "proportional",
    n_runs: int = 500,
    groups: Sequence[str] = ("A", "B"),
    random_state: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Where you look is what you find: decisions shape the next round's records.

    A recruiting team has ``budget`` visits a round to share between
    neighbourhoods. A visit finds a qualified candidate with the neighbourhood's
    ``true_rate``; only what the visits find is recorded. The next round's visits
    follow the records:

    ``"proportional"``   visits in proportion to records so far (a Pólya urn);
    ``"greedy"``         every visit to the neighbourhood with the most records;
    ``"rate-corrected"`` visits in proportion to records *per visit*, i.e. what
    was found divided by how hard we looked, in the spirit of the fix proposed
    by Ensign et al. (2018).

    The records start from a biased past (``initial_records`` found in
    ``initial_visits``). ``n_runs`` independent runs are simulated together: each
    round is a handful of numpy operations on ``(n_runs, n_groups)`` arrays.

    Parameters
    ----------
    true_rates : sequence of float in [0, 1], default=(0.3, 0.3)
    initial_records : sequence of float > 0, default=(60, 40)
    initial_visits : sequence of float > 0, default=(200, 200)
    budget : int >= 1, default=100
    n_rounds : int >= 1, default=30
    policy : {"proportional", "greedy", "rate-corrected"}, default="proportional"
    n_runs : int >= 1, default=500
    groups : sequence of str, default=("A", "B")
    random_state : int, numpy Generator or None, default=0

    Returns
    -------
    DataFrame, one row per (round, group), rounds counted from 1: ``visit_share``
    (mean over runs), ``low`` and ``high`` (5th and 95th percentiles over runs),
    ``record_share`` (share of all records so far) and ``found_per_visit`` (mean of
    records / visits so far, which estimates ``true_rate``).

    Examples
    --------
    With equal true rates, the greedy rule never visits B again:

    >>> h = simulate_feedback_loop(policy="greedy", n_rounds=3, n_runs=10)
    >>> h[h.group == "B"][["round", "visit_share"]].to_string(index=False)
    ' round  visit_share\\n     1          0.0\\n     2          0.0\\n     3          0.0'

    Lesson: 01-where-bias-comes-from
    """
    policy = check_choice(policy, "policy", FEEDBACK_POLICIES)
    budget = check_int(budget, "budget", low=1)
    n_rounds = check_int(n_rounds, "n_rounds", low=1)
    n_runs = check_int(n_runs, "n_runs", low=1)
    names = [str(g) for g in groups]
    k = len(names)
    if k < 2:
        raise ValueError(f"groups must name at least 2 neighbourhoods; got {names}.")
    arrays = {}
    for name, values, low_ok in (("true_rates", true_rates, True),
                                 ("initial_records", initial_records, False),
                                 ("initial_visits", initial_visits, False)):
        arr = np.array([check_in_range(v, f"{name} entries", low=0,
                                       high=1 if name == "true_rates" else None,
                                       low_inclusive=low_ok) for v in values], dtype=float)
        if arr.shape != (k,):
            raise ValueError(f"{name} has {arr.size} entries but there are {k} groups "
                             f"{names}; give one value per group.")
        arrays[name] = arr
    rng = np.random.default_rng(random_state)
    records = np.tile(arrays["initial_records"], (n_runs, 1))
    visited = np.tile(arrays["initial_visits"], (n_runs, 1))
    share = np.empty((n_rounds, n_runs, k))
    rec_share = np.empty((n_rounds, n_runs, k))
    per_visit = np.empty((n_rounds, n_runs, k))
    for t in range(n_rounds):  # a loop over rounds; everything inside is vectorised
        if policy == "greedy":
            p = np.eye(k)[records.argmax(1)]
        else:
            weight = records if policy == "proportional" else records / visited
            p = weight / weight.sum(1, keepdims=True)
        visits = rng.multinomial(budget, p)
        found = rng.binomial(visits, arrays["true_rates"])
        records += found
        visited += visits
        share[t] = visits / budget
        rec_share[t] = records / records.sum(1, keepdims=True)
        per_visit[t] = records / visited
    low, high = np.percentile(share, [5, 95], axis=1)
    return pd.DataFrame({
        "round": np.repeat(np.arange(1, n_rounds + 1), k),
        "group": np.tile(names, n_rounds),
        "visit_share": share.mean(1).reshape(-1),
        "low": low.reshape(-1),
        "high": high.reshape(-1),
        "record_share": rec_share.mean(1).reshape(-1),
        "found_per_visit": per_visit.mean(1).reshape(-1),
    })
