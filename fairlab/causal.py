"""Causal graphs of a simulated world: interventions, counterfactuals and shortcuts.

A :class:`StructuralCausalModel` is a set of structural equations, one per
variable, each a function of its parents and of its own exogenous noise. The
graph of who-depends-on-whom is a :class:`networkx.DiGraph`, so cycles, the
order of evaluation and the descendants of a node come from a well-tested graph
library. Because a simulator keeps every person's noise, a counterfactual is
exact: keep the noise (abduction), set a variable (action), recompute everything
downstream (prediction) — Pearl's three steps, with no estimation.

:func:`world_scm` writes lesson 01's :func:`fairlab.datasets.make_biased_world`
as such a model (same equations, same draws). :func:`counterfactual_fairness`
flips a person's group and compares a model's decisions (Kusner et al. 2017).
:func:`shortcut_data` builds training data in which a proxy of the group predicts
the label only because of how the data were collected, and a deployment sample
in which it does not (Geirhos et al. 2020); :func:`shortcut_sweep` measures the
damage per group.

Lesson: 14-shortcuts-causes-and-explanations
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Bunch
from threadpoolctl import threadpool_limits

from fairlab._validation import check_groups, check_in_range

__all__ = [
    "NOISE_KINDS",
    "WORLD_KNOBS",
    "StructuralCausalModel",
    "world_scm",
    "CounterfactualCheck",
    "counterfactual_fairness",
    "shortcut_data",
    "shortcut_sweep",
]

#: Distributions an exogenous noise term can have.
NOISE_KINDS = ("normal", "uniform")

#: The knobs of lesson 01's world and the edge of the graph each one switches on.
WORLD_KNOBS = {
    "representation": ("U_group", "group"),
    "historical_bias": ("group", "target"),
    "measurement_bias": ("group", "test_score"),
    "proxy_strength": ("group", "neighbourhood"),
}


def _rng(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (isinstance(random_state, int | np.integer)
                                and not isinstance(random_state, bool)):
        return np.random.default_rng(random_state)
    raise TypeError("random_state must be an int, a numpy Generator or None; got "
                    f"{type(random_state).__name__} {random_state!r}.")


def _check_count(n: Any, name: str, low: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"{name} must be an integer; got {type(n).__name__} {n!r}.")
    if n < low:
        raise ValueError(f"{name} must be >= {low}; got {n}.")
    return int(n)


class StructuralCausalModel:
    """Structural equations over a directed acyclic graph, with explicit noise.

    Parameters
    ----------
    equations : mapping of node → (parents, function)
        ``function(**parents)`` returns the node's values (one per person) from
        its parents' values; parents are other nodes or noise terms.
    noise : mapping of noise name → {"normal", "uniform"}
        The exogenous terms, standard normal or uniform on [0, 1). They are
        drawn in this order, one array of ``n`` values each.

    Attributes
    ----------
    graph : networkx.DiGraph
        Every noise term and node, an edge from each parent to its child; node
        attribute ``kind`` is ``"noise"`` or ``"variable"``.
    nodes : list of str
        The variables in an order where parents come first.

    Raises
    ------
    ValueError
        A parent is neither a node nor a noise term, a noise kind is unknown, or
        the equations form a cycle (the message names it).

    Examples
    --------
    A hand-built graph: ``x`` causes ``y``; flip ``x`` and keep the noise.

    >>> scm = StructuralCausalModel(
    ...     {"x": (["u_x"], lambda u_x: (u_x > 0.5).astype(float)),
    ...      "y": (["x", "u_y"], lambda x, u_y: 2 * x + u_y)},
    ...     noise={"u_x": "uniform", "u_y": "normal"})
    >>> noise = pd.DataFrame({"u_x": [0.9, 0.1], "u_y": [0.5, -1.0]})
    >>> scm.propagate(noise)
         x    y
    0  1.0  2.5
    1  0.0 -1.0
    >>> scm.propagate(noise, do={"x": 0.0})
         x    y
    0  0.0  0.5
    1  0.0 -1.0

    Lesson: 14-shortcuts-causes-and-explanations
    """

    def __init__(self, equations: Mapping[str, tuple[Sequence[str], Callable[..., Any]]], *,
                 noise: Mapping[str, str]) -> None:
        if not isinstance(equations, Mapping) or not equations:
            raise TypeError("equations must be a non-empty dict of node → (parents, "
                            "function), e.g. {'y': (['u_y'], lambda u_y: u_y)}.")
        if not isinstance(noise, Mapping):
            raise TypeError("noise must be a dict of noise name → 'normal' or 'uniform'.")
        for name, kind in noise.items():
            if kind not in NOISE_KINDS:
                raise ValueError(f"noise {name!r} has kind {kind!r}; use one of "
                                 f"{list(NOISE_KINDS)}.")
            if name in equations:
                raise ValueError(f"{name!r} is both a noise term and a node; rename one.")
        graph = nx.DiGraph()
        graph.add_nodes_from(noise, kind="noise")
        graph.add_nodes_from(equations, kind="variable")
        for node, spec in equations.items():
            if not (isinstance(spec, tuple) and len(spec) == 2 and callable(spec[1])):
                raise TypeError(f"equations[{node!r}] must be a (parents, function) pair.")
            for parent in spec[0]:
                if parent not in graph:
                    raise ValueError(f"node {node!r} has unknown parent {parent!r}; add an "
                                     "equation or a noise term with that name.")
                graph.add_edge(parent, node)
        if not nx.is_directed_acyclic_graph(graph):
            cycle = " → ".join(u for u, _ in nx.find_cycle(graph))
            raise ValueError(f"the equations form a cycle ({cycle}); structural equations "
                             "must form a directed acyclic graph.")
        self.equations = {k: (tuple(p), f) for k, (p, f) in equations.items()}
        self.noise = dict(noise)
        self.graph = graph
        rank = {v: i for i, v in enumerate([*noise, *equations])}  # ties: declaration order
        self.nodes = [v for v in nx.lexicographical_topological_sort(graph, key=rank.get)
                      if v in self.equations]

    def _check_node(self, node: Any) -> str:
        if node not in self.equations:
            raise ValueError(f"unknown node {node!r}; this model has nodes {self.nodes}.")
        return node

    def descendants(self, node: str) -> list[str]:
        """The variables ``node`` causes, directly or through others (topological order).

        Examples
        --------
        >>> world_scm().descendants("group")
        ['test_score', 'target', 'neighbourhood']
        """
        below = nx.descendants(self.graph, self._check_node(node))
        return [v for v in self.nodes if v in below]

    def sample_noise(self, n: int, *, random_state: Any = None) -> pd.DataFrame:
        """Draw ``n`` people's noise, one column per term, in declaration order."""
        n = _check_count(n, "n", 1)
        rng = _rng(random_state)
        return pd.DataFrame({name: rng.random(n) if kind == "uniform" else
                             rng.standard_normal(n) for name, kind in self.noise.items()})

    def propagate(self, noise: pd.DataFrame, *,
                  do: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Every variable's value from the noise, with some variables set by ``do``.

        With the noise of real people and a ``do``, this is their counterfactual:
        what each of them would have had, had the set variables been different.

        Parameters
        ----------
        noise : DataFrame
            One column per noise term (from :meth:`sample_noise`).
        do : mapping of node → scalar or array, optional
            Interventions: these nodes ignore their equation and take these values.

        Returns
        -------
        DataFrame, one column per node (topological order), index of ``noise``.
        """
        if not isinstance(noise, pd.DataFrame):
            raise TypeError("noise must be a DataFrame with one column per noise term, as "
                            f"returned by sample_noise(); got {type(noise).__name__}.")
        missing = [k for k in self.noise if k not in noise.columns]
        if missing:
            raise ValueError(f"noise lacks columns {missing}; draw it with sample_noise().")
        do = dict(do or {})
        for node in do:
            self._check_node(node)
        values: dict[str, np.ndarray] = {k: noise[k].to_numpy() for k in self.noise}
        n = len(noise)
        for node in self.nodes:
            if node in do:
                v = np.broadcast_to(np.asarray(do[node], dtype=float), (n,)).copy()
            else:
                parents, f = self.equations[node]
                v = np.asarray(f(**{p: values[p] for p in parents}), dtype=float)
            values[node] = v
        return pd.DataFrame({k: values[k] for k in self.nodes}, index=noise.index)


def world_scm(*, representation: float = 0.0, historical_bias: float = 0.0,
              measurement_bias: float = 0.0, proxy_strength: float = 0.0,
              extra_proxies: Sequence[str] = ()) -> StructuralCausalModel:
    """Lesson 01's world (:func:`fairlab.datasets.make_biased_world`) as structural equations.

    ``group`` is 1 for B and 0 for A. ``target`` is the recorded label,
    ``true_target`` the truth. The noise terms are drawn in the order
    ``make_biased_world`` draws them, so ``propagate(sample_noise(n,
    random_state=s))`` gives the same people as ``make_biased_world(n, random_state=s)``.
    Each knob scales one edge (:data:`WORLD_KNOBS`); at 0 that edge carries no
    effect. The graph's edges carry ``knob`` and ``active`` attributes.

    Parameters
    ----------
    representation, historical_bias, measurement_bias, proxy_strength : float
        As in ``make_biased_world``.
    extra_proxies : sequence of str, default=()
        Names of further proxies built like ``neighbourhood`` (same strength, own
        noise, drawn after the others): correlated columns that all reveal the group.

    Returns
    -------
    StructuralCausalModel

    Examples
    --------
    >>> scm = world_scm(historical_bias=0.5)
    >>> scm.nodes
    ['group', 'skill', 'experience', 'test_score', 'true_target', 'target', 'neighbourhood']
    >>> [e for e, on in nx.get_edge_attributes(scm.graph, "active").items() if not on]
    [('U_group', 'group'), ('group', 'test_score'), ('group', 'neighbourhood')]

    Lesson: 14-shortcuts-causes-and-explanations
    """
    rep = check_in_range(representation, "representation", low=0, high=1, high_inclusive=False)
    hist = check_in_range(historical_bias, "historical_bias", low=0, high=1)
    meas = check_in_range(measurement_bias, "measurement_bias", low=0)
    prox = check_in_range(proxy_strength, "proxy_strength", low=0, high=1)
    if isinstance(extra_proxies, str) or not all(isinstance(p, str) for p in extra_proxies):
        raise TypeError("extra_proxies must be a list of column names, e.g. ['commute'].")
    base = ("group", "skill", "experience", "test_score", "true_target", "target",
            "neighbourhood")
    if set(extra_proxies) & set(base) or len(set(extra_proxies)) < len(extra_proxies):
        raise ValueError(f"extra_proxies {list(extra_proxies)} repeat a name of the world "
                         f"{list(base)} or each other; give each proxy a new name.")

    def proxy(group, u):
        return 3.0 * prox * (2 * group - 1) + u

    noise = {"U_group": "uniform", "U_hist": "uniform", "U_skill": "normal",
             "U_experience": "normal", "U_score": "normal", "U_extra": "normal",
             "U_label": "normal", "U_neighbourhood": "normal",
             **{f"U_{p}": "normal" for p in extra_proxies}}
    equations: dict[str, tuple[list[str], Callable[..., Any]]] = {
        "group": (["U_group"], lambda U_group: (U_group < 0.5 * (1 - rep)).astype(float)),
        "skill": (["U_skill"], lambda U_skill: U_skill),
        "experience": (["skill", "U_experience"],
                       lambda skill, U_experience: 0.6 * skill + 0.8 * U_experience),
        "test_score": (["skill", "group", "U_score", "U_extra"],
                       lambda skill, group, U_score, U_extra:
                       skill + 0.5 * U_score + meas * group * U_extra),
        "true_target": (["skill", "U_label"],
                        lambda skill, U_label: (skill + 0.5 * U_label > 0.3).astype(float)),
        "target": (["true_target", "group", "U_hist"],
                   lambda true_target, group, U_hist: np.where(
                       (group == 1) & (true_target == 1) & (U_hist < hist), 0.0, true_target)),
        "neighbourhood": (["group", "U_neighbourhood"],
                          lambda group, U_neighbourhood: proxy(group, U_neighbourhood)),
    }
    for p in extra_proxies:
        equations[p] = (["group", f"U_{p}"], lambda group, _n=f"U_{p}", **u: proxy(group, u[_n]))
    scm = StructuralCausalModel(equations, noise=noise)
    knobs = {"representation": rep, "historical_bias": hist, "measurement_bias": meas,
             "proxy_strength": prox}
    scm.knobs = knobs
    nx.set_edge_attributes(scm.graph, True, "active")
    edges = dict(WORLD_KNOBS)
    edges.update({f"proxy_strength ({p})": ("group", p) for p in extra_proxies})
    for knob, edge in edges.items():
        scm.graph.edges[edge]["knob"] = knob.split(" ")[0]
        scm.graph.edges[edge]["active"] = knobs[knob.split(" ")[0]] > 0
    return scm


@dataclass(frozen=True)
class CounterfactualCheck:
    """A model's decisions for real people and for their counterfactual selves.

    Attributes
    ----------
    table : DataFrame
        One row per group (of the factual world): ``count``, ``selection_rate``,
        ``counterfactual_selection_rate`` (the same people, group flipped) and
        ``flip_rate`` (share whose decision changes).
    factual, counterfactual : ndarray
        Decisions (0/1) per person.
    """

    table: pd.DataFrame
    factual: np.ndarray
    counterfactual: np.ndarray


def counterfactual_fairness(predict: Callable[[pd.DataFrame], Any], scm: StructuralCausalModel,
                            noise: pd.DataFrame, *, features: Sequence[str],
                            sensitive_node: str = "group",
                            labels: Sequence[str] = ("A", "B")) -> CounterfactualCheck:
    """Flip each person's group, propagate through the graph, compare decisions.

    A predictor is counterfactually fair (Kusner et al. 2017) when, for every
    person, its decision would have been the same had the person belonged to
    the other group, everything not caused by the group staying as it is. In a
    simulator the noise is known, so this is checked person by person: flip
    ``sensitive_node`` with :meth:`StructuralCausalModel.propagate`, rebuild every
    feature it causes, and decide again.

    Parameters
    ----------
    predict : callable
        Takes a DataFrame of ``features`` and returns decisions (0/1), e.g. a
        fitted classifier's ``predict``.
    scm : StructuralCausalModel
    noise : DataFrame
        The people, as noise (from ``scm.sample_noise``).
    features : sequence of str
        The nodes the model reads, in its column order.
    sensitive_node : str, default="group"
        A node with values 0 and 1.
    labels : (str, str), default=("A", "B")
        Names of the values 0 and 1 in the table.

    Returns
    -------
    CounterfactualCheck

    Examples
    --------
    A rule that reads the proxy changes its mind for many people; one that
    reads only ``experience`` (not caused by the group) for none:

    >>> scm = world_scm(proxy_strength=0.8)
    >>> noise = scm.sample_noise(1000, random_state=0)
    >>> by_hood = counterfactual_fairness(lambda X: (X["neighbourhood"] < 0).astype(int),
    ...                                   scm, noise, features=["neighbourhood"])
    >>> by_hood.table["flip_rate"].round(2).tolist()
    [0.98, 0.98]
    >>> fair = counterfactual_fairness(lambda X: (X["experience"] > 0).astype(int),
    ...                                scm, noise, features=["experience"])
    >>> fair.table["flip_rate"].tolist()
    [0.0, 0.0]

    Lesson: 14-shortcuts-causes-and-explanations
    """
    if not isinstance(scm, StructuralCausalModel):
        raise TypeError(f"scm must be a StructuralCausalModel; got {type(scm).__name__}.")
    if not callable(predict):
        raise TypeError("predict must be a function of a DataFrame, e.g. model.predict.")
    scm._check_node(sensitive_node)
    if isinstance(features, str) or not features:
        raise TypeError("features must be a non-empty list of node names.")
    for f in features:
        scm._check_node(f)
    factual = scm.propagate(noise)
    g = factual[sensitive_node].to_numpy()
    if not np.isin(g, (0.0, 1.0)).all():
        raise ValueError(f"{sensitive_node!r} must take the values 0 and 1 to be flipped; got "
                         f"{sorted(np.unique(g).tolist())[:5]}.")
    if len(labels) != 2:
        raise ValueError(f"labels must name the values 0 and 1; got {list(labels)}.")
    empty = [str(labels[v]) for v in (0, 1) if not (g == v).any()]
    if empty:
        raise ValueError(f"group {empty[0]} has no people in noise, so its decisions cannot be "
                         "compared; draw more people or lower representation.")
    counterfactual = scm.propagate(noise, do={sensitive_node: 1 - g})
    d0 = np.asarray(predict(factual[list(features)])).astype(np.int64).reshape(-1)
    d1 = np.asarray(predict(counterfactual[list(features)])).astype(np.int64).reshape(-1)
    names = np.asarray(labels, dtype=object)[g.astype(int)]
    groups = check_groups(pd.Categorical(names, categories=list(labels)), len(g),
                          name=sensitive_node)
    k, codes = groups.n_groups, groups.codes
    count = np.bincount(codes, minlength=k)
    table = pd.DataFrame({
        "count": count.astype(float),
        "selection_rate": np.bincount(codes, d0, minlength=k) / count,
        "counterfactual_selection_rate": np.bincount(codes, d1, minlength=k) / count,
        "flip_rate": np.bincount(codes, d0 != d1, minlength=k) / count,
    }, index=pd.Index(groups.labels, name="group"))
    return CounterfactualCheck(table=table, factual=d0, counterfactual=d1)


def shortcut_data(n: int = 4000, *, shortcut_strength: float, proxy_strength: float = 1.0,
                  random_state: Any = 0) -> Bunch:
    """Training data where a proxy predicts the label only through the group; then a shift.

    People come from lesson 01's world (:func:`world_scm`, proxy on, labels true).
    The training data were *collected* selectively: a qualified member of B and
    an unqualified member of A each made it into the data with probability
    ``1 - shortcut_strength``. In the collected data, group and label are
    correlated, so ``neighbourhood`` (which reveals the group and nothing else)
    predicts the label. At deployment everyone arrives: the correlation is gone.

    Parameters
    ----------
    n : int, default=4000
        Rows of each part.
    shortcut_strength : float in [0, 1)
        0 collects everyone; near 1 almost no qualified B and unqualified A.
    proxy_strength : float in [0, 1], default=1.0
    random_state : int, Generator or None, default=0

    Returns
    -------
    Bunch with ``train`` and ``test`` (collected the same way, independent halves)
    and ``shifted`` (deployment, no selection): DataFrames with the world's
    columns (``group`` is 0 for A, 1 for B).

    Examples
    --------
    >>> d = shortcut_data(2000, shortcut_strength=0.8)
    >>> d.train.groupby("group").true_target.mean().round(2).tolist()
    [0.78, 0.12]
    >>> d.shifted.groupby("group").true_target.mean().round(2).tolist()
    [0.38, 0.38]

    Lesson: 14-shortcuts-causes-and-explanations
    """
    n = _check_count(n, "n", 20)
    s = check_in_range(shortcut_strength, "shortcut_strength", low=0, high=1,
                       high_inclusive=False)
    scm = world_scm(proxy_strength=proxy_strength)
    rng = _rng(random_state)
    # Half of the people (qualified B, unqualified A) may be dropped, so at least half
    # are kept: 4.5 n candidates hold the 2 n collected ones with room to spare. The pool
    # size does not depend on the strength, so every strength starts from the same people.
    pool = scm.propagate(scm.sample_noise(int(4.5 * n) + 50, random_state=rng))
    dropped = ((pool.group == 1) == (pool.true_target == 1)).to_numpy()
    keep = ~(dropped & (rng.random(len(pool)) < s))
    collected = pool[keep].reset_index(drop=True)
    if len(collected) < 2 * n:  # pragma: no cover - needs a 1-in-a-billion draw
        raise ValueError("too few people were collected; use another random_state.")
    shifted = scm.propagate(scm.sample_noise(n, random_state=rng))
    return Bunch(train=collected.iloc[:n].reset_index(drop=True),
                 test=collected.iloc[n:2 * n].reset_index(drop=True), shifted=shifted)


#: Features the shortcut model reads, and the columns of :func:`shortcut_sweep`.
SHORTCUT_FEATURES = ("test_score", "experience", "neighbourhood")
_SWEEP_COLUMNS = ("accuracy", "tpr", "fpr", "selection_rate", "base_rate")


def shortcut_sweep(strengths: Sequence[float], *, n: int = 4000, proxy_strength: float = 1.0,
                   features: Sequence[str] = SHORTCUT_FEATURES,
                   random_state: int = 0) -> pd.DataFrame:
    """Train on shortcut data at each strength; score per group before and after the shift.

    For each strength, a logistic regression (scikit-learn defaults) learns
    ``true_target`` from ``features`` on :func:`shortcut_data`'s ``train`` part
    (the same ``random_state`` every time, so only the collection changes). It is
    scored on ``test`` ("before": collected like the training data) and on
    ``shifted`` ("after": everyone), per group.

    Parameters
    ----------
    strengths : sequence of float in [0, 1)
    n : int, default=4000
    proxy_strength : float, default=1.0
    features : sequence of str, default=("test_score", "experience", "neighbourhood")
    random_state : int, default=0

    Returns
    -------
    DataFrame with a (strength, split, group) index, split in {"before", "after"}
    and group in {"A", "B"}; columns ``accuracy``, ``tpr``, ``fpr``,
    ``selection_rate``, ``base_rate`` and ``coef_<feature>`` (standardised
    coefficients, the same on every row of a strength).

    Examples
    --------
    >>> t = shortcut_sweep([0.0, 0.8], n=2000)
    >>> t.loc[(0.8, "after"), "tpr"].round(2).tolist()
    [0.91, 0.4]

    Lesson: 14-shortcuts-causes-and-explanations
    """
    if isinstance(strengths, str | float | int) or len(strengths) == 0:
        raise TypeError("strengths must be a non-empty list of numbers in [0, 1), "
                        "e.g. [0.0, 0.5, 0.9].")
    features = list(features)
    rows = []
    for s in strengths:
        d = shortcut_data(n, shortcut_strength=s, proxy_strength=proxy_strength,
                          random_state=random_state)
        unknown = [f for f in features if f not in d.train.columns]
        if unknown:
            raise ValueError(f"unknown features {unknown}; choose from "
                             f"{list(d.train.columns)}.")
        # A 4000 × 3 fit is too small to share between BLAS threads (slower on a busy box).
        with threadpool_limits(limits=1):
            model = LogisticRegression().fit(d.train[features], d.train.true_target)
        coef = model.coef_[0] * d.train[features].std(ddof=0).to_numpy()
        for split, frame in (("before", d.test), ("after", d.shifted)):
            pred = model.predict(frame[features]).astype(int)
            y, g = frame.true_target.to_numpy(int), frame.group.to_numpy(int)
            cells = np.bincount(g * 4 + 2 * y + pred, minlength=8).reshape(2, 4)
            tn, fp, fn, tp = cells.T.astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                stats = np.column_stack([(tn + tp) / cells.sum(1), tp / (tp + fn),
                                         fp / (fp + tn), (fp + tp) / cells.sum(1),
                                         (fn + tp) / cells.sum(1)])
            for gi, label in enumerate(("A", "B")):
                rows.append({"strength": float(s), "split": split, "group": label,
                             **dict(zip(_SWEEP_COLUMNS, stats[gi], strict=True)),
                             **{f"coef_{f}": c for f, c in zip(features, coef, strict=True)}})
    return pd.DataFrame(rows).set_index(["strength", "split", "group"]).sort_index()
