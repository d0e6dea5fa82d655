"""The small torch networks and batched training that every torch topic shares.

Private by design: :mod:`fairlab.training` (λ-penalised MLPs), :mod:`fairlab.adversarial`
(predictor/adversary pairs) and :mod:`fairlab.feedback` (a reward model) import from
here; nothing imports them back. Names are unprefixed because the module itself is
private (see ``docs/architecture.md``).

- :func:`single_thread` pins torch and BLAS/OpenMP to one thread while a network
  trains. Results then do not depend on the machine's core count (a parallel
  reduction adds in a different order with 2 or 8 threads), and the small matrix
  products of the lessons run faster without per-operation hand-offs.
- :func:`init_params` / :func:`forward` are k stacked MLPs (one matrix product for
  the first layer of every model); :func:`numpy_proba` predicts from numpy weights.
- :class:`NetworkOutputs` gives a fitted estimator ``predict_proba``,
  ``decision_function`` and ``predict``.
- :func:`sweep_metrics` scores k models at once against every gap a penalty
  targets (:data:`fairlab.metrics.PENALTY_GAPS`); :func:`held_out_split` checks a
  sweep's test split, :func:`sweep_grid` / :func:`sweep_inputs` its grid and
  training data, and :class:`Sweep` is the result every batched sweep returns.

Lesson: 04-lambda-penalized-training
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from fairlab._validation import Groups, as_1d, check_in_range, check_int
from fairlab.metrics import PENALTY_GAPS, gaps_from_counts

__all__ = [
    "single_thread",
    "init_params",
    "forward",
    "numpy_proba",
    "NetworkOutputs",
    "encode_labels",
    "check_network",
    "progress_bar",
    "sweep_metrics",
    "sweep_grid",
    "sweep_inputs",
    "held_out_split",
    "Sweep",
]


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run the block with one torch thread and one BLAS/OpenMP thread, then restore.

    Examples
    --------
    >>> with single_thread():
    ...     torch.get_num_threads()
    1
    """
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


def init_params(n_in: int, hidden: tuple[int, ...], seed: int,
                n_out: int = 1) -> list[torch.Tensor]:
    """One model's weights and biases, like ``nn.Linear``: U(±1/√fan_in).

    Examples
    --------
    >>> [tuple(p.shape) for p in init_params(3, (4,), 0)]
    [(3, 4), (1, 4), (4, 1), (1, 1)]
    """
    gen = torch.Generator().manual_seed(seed)
    sizes = [n_in, *hidden, n_out]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1.0 / np.sqrt(a)
        params.append((torch.rand(a, b, generator=gen) * 2 - 1) * bound)
        params.append((torch.rand(1, b, generator=gen) * 2 - 1) * bound)
    return params


def forward(X: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """Logits of k stacked models, shape ``(k, n)``.

    ``params`` alternate weights ``(k, in, out)`` and biases ``(k, 1, out)``. The
    first layer of all k models is ONE matrix product ``X @ [W_1 | … | W_k]``.

    Examples
    --------
    >>> one = init_params(3, (4,), 0)
    >>> stacked = [p.unsqueeze(0).repeat(2, 1, 1) for p in one]
    >>> tuple(forward(torch.ones(5, 3), stacked).shape)
    (2, 5)
    """
    W0, b0 = params[0], params[1]
    k, d, h = W0.shape
    z = (X @ W0.permute(1, 0, 2).reshape(d, k * h)).reshape(-1, k, h).transpose(0, 1) + b0
    hidden = list(zip(params[2::2], params[3::2], strict=True))
    for W, b in hidden[:-1]:
        z = torch.baddbmm(b, torch.relu(z), W)
    W, b = hidden[-1]  # one output unit: a weighted sum is cheaper than a (k, n, 1) bmm
    return (torch.relu(z) * W.transpose(1, 2)).sum(-1) + b.reshape(k, 1)


def numpy_proba(X: np.ndarray, params: Sequence[np.ndarray]) -> np.ndarray:
    """P(y = 1) of one model from its numpy weights (no torch needed to predict).

    Examples
    --------
    >>> w = [np.ones((2, 1)), np.zeros((1, 1))]
    >>> numpy_proba(np.array([[0.0, 0.0], [1.0, 1.0]]), w).round(3).tolist()
    [0.5, 0.881]
    """
    z = np.asarray(X, dtype=np.float64)  # float64: a row's score must not depend on the batch
    n_layers = len(params) // 2
    for i in range(n_layers):
        z = z @ params[2 * i].astype(np.float64) + params[2 * i + 1]
        if i < n_layers - 1:
            z = np.maximum(z, 0)
    z = z[:, 0].astype(np.float64)
    return 0.5 * (1 + np.tanh(0.5 * z))  # a sigmoid that never overflows


class NetworkOutputs:
    """``predict_proba``, ``decision_function`` and ``predict`` of a fitted network whose
    weights are ``coefs_`` / ``intercepts_`` (numpy, float64: no torch needed to predict).
    Shared by :class:`fairlab.training.FairPenaltyClassifier` and
    :class:`fairlab.adversarial.AdversarialClassifier`; both are binary classifiers
    (the tag scikit-learn's checks read)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of ``classes_``, shape (n, 2)."""
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        params = [a for pair in zip(self.coefs_, self.intercepts_, strict=True) for a in pair]
        p = numpy_proba(X, params)
        return np.column_stack([1 - p, p])

    def decision_function(self, X: Any) -> np.ndarray:
        """The logit of P(y = classes_[1]) (what an adversary would see)."""
        p = self.predict_proba(X)[:, 1].clip(1e-12, 1 - 1e-12)
        return np.log(p) - np.log1p(-p)

    def predict(self, X: Any) -> np.ndarray:
        """The class with probability >= 0.5."""
        check_is_fitted(self, "coefs_")
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


def encode_labels(y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Two classes → (classes_, 0/1 codes); anything else is a clear error.

    Examples
    --------
    >>> classes, codes = encode_labels([-1, 1, 1])
    >>> classes.tolist(), codes.tolist()
    ([-1, 1], [0.0, 1.0, 1.0])
    """
    arr = as_1d(y, "y")
    if pd.isna(arr).any() if arr.dtype.kind == "O" else (
            arr.dtype.kind == "f" and np.isnan(arr).any()):
        raise ValueError("y has missing values; drop those rows before fitting.")
    check_classification_targets(arr)  # continuous y → "Unknown label type"
    classes, codes = np.unique(arr, return_inverse=True)
    if len(classes) != 2:
        raise ValueError(
            f"Only binary classification is supported. y has {len(classes)} "
            f"class(es) {classes[:5].tolist()}; pass a label with exactly two classes "
            "(for more, choose the positive class: y == k)."
        )
    return classes, codes.astype(np.float32)


def check_network(hidden: Any, *, epochs: Any = 1, lr: Any = 1.0, batch_size: Any = 1,
                  name: str = "hidden") -> tuple[int, ...]:
    """Validate a network's layer sizes and training settings; return the layer sizes.

    Examples
    --------
    >>> check_network(32)
    (32,)
    >>> check_network((8, 0))
    Traceback (most recent call last):
    ...
    ValueError: hidden must hold at least one layer size >= 1, such as (32,); got (8, 0).
    """
    if isinstance(hidden, int | np.integer):
        hidden = (int(hidden),)
    try:
        hidden = tuple(int(h) for h in hidden)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of layer sizes such as (32,); got {hidden!r}."
                        ) from None
    if not hidden or min(hidden) < 1:
        raise ValueError(f"{name} must hold at least one layer size >= 1, such as (32,); "
                         f"got {hidden!r}.")
    check_int(epochs, "epochs", low=1)
    check_int(batch_size, "batch_size", low=1)
    check_in_range(lr, "lr", low=0, low_inclusive=False)
    return hidden


def progress_bar(total: int, desc: str, progress: bool | None):
    """A tqdm bar (a widget in notebooks, text in a terminal), or None when
    ``progress`` is False; None shows it once the work has taken a second."""
    if progress is False:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, delay=0 if progress else 1.0, file=sys.stderr, desc=desc,
                leave=False, mininterval=0.5)


def sweep_metrics(proba: np.ndarray, y: np.ndarray, groups: Groups) -> dict[str, np.ndarray]:
    """Accuracy and every gap of :data:`fairlab.metrics.PENALTY_GAPS` for k models at once.

    One bincount counts every (model, group) confusion matrix.

    Examples
    --------
    >>> from fairlab._validation import check_groups
    >>> g = check_groups(["a", "a", "b", "b"], 4)
    >>> m = sweep_metrics(np.array([[0.9, 0.2, 0.8, 0.7]]), np.array([1, 0, 1, 0]), g)
    >>> float(m["accuracy"][0]), float(m["dp_gap"][0])
    (0.75, 0.5)
    """
    k, n = proba.shape
    g = groups.n_groups
    pred = (proba >= 0.5).astype(np.int64)
    cell = (np.arange(k)[:, None] * g + groups.codes[None, :]) * 4 + 2 * y[None, :] + pred
    counts = np.bincount(cell.ravel(), minlength=k * g * 4).reshape(k, g, 4)
    return {"accuracy": (pred == y[None, :]).mean(1), **gaps_from_counts(counts, PENALTY_GAPS)}


def held_out_split(estimator: Any, classes: np.ndarray, X_test: Any, y_test: Any,
                   sensitive_features_test: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """A sweep's held-out split: validated ``X_test`` and ``y_test`` coded 0/1 as in training.

    None when none of the three is given; the groups are left to the caller (a
    sweep scores them on their own, an adversary needs training's codes).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> est = LogisticRegression().fit([[0.0], [1.0]], ["no", "yes"])
    >>> Xt, yt = held_out_split(est, est.classes_, [[2.0]], ["yes"], ["a"])
    >>> Xt.shape, yt.tolist()
    ((1, 1), [1])
    >>> held_out_split(est, est.classes_, None, None, None) is None
    True
    """
    given = (X_test is not None, y_test is not None, sensitive_features_test is not None)
    if not any(given):
        return None
    if not all(given):
        raise ValueError("pass all of X_test, y_test and sensitive_features_test, or none "
                         "of them.")
    Xt = validate_data(estimator, X_test, reset=False, dtype=[np.float64, np.float32])
    yt = as_1d(y_test, "y_test")
    unknown = ~np.isin(yt, classes)
    if unknown.any():
        raise ValueError(f"y_test has labels {np.unique(yt[unknown])[:5].tolist()} that "
                         f"y does not have ({classes.tolist()}); use the same coding.")
    return Xt, (yt == classes[1]).astype(np.int64)


@dataclass(kw_only=True)
class Sweep:
    """What a batched sweep returns: one model per grid value; unpacks as ``frame, models``.

    ``frame`` is tidy, one row per (grid value, split); ``proba[split]`` has shape
    (len(grid), n_rows); ``y``, ``sensitive_features`` and ``X`` hold each split's data.
    Subclasses name the grid (``lams``, ``alphas``) and define ``row``.
    """

    frame: pd.DataFrame
    models: list
    proba: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    sensitive_features: dict[str, np.ndarray]
    X: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def __iter__(self) -> Iterator:
        return iter((self.frame, self.models))

    @staticmethod
    def nearest(grid: np.ndarray, value: float) -> int:
        """Position of the grid value nearest ``value`` (the first one on a tie)."""
        return int(np.argmin(np.abs(grid - value)))

    def _row(self, grid: np.ndarray, value: float, split: str) -> pd.Series:
        f = self.frame
        return f[f["split"] == split].iloc[self.nearest(grid, value)]


def sweep_grid(values: Any, name: str, *, example: str) -> np.ndarray:
    """A sweep's grid of settings (λ, α): a non-empty 1-D float array of numbers >= 0.

    ``name`` is the argument's name (``"lams"``); each entry is checked as
    ``"every lam"``; ``example`` is a grid to suggest when it is empty.

    Examples
    --------
    >>> sweep_grid([0, 0.5], "lams", example="[0, 1]").tolist()
    [0.0, 0.5]
    >>> sweep_grid([], "lams", example="[0, 1]")
    Traceback (most recent call last):
    ...
    ValueError: lams is empty; pass a grid such as [0, 1].
    """
    grid = np.asarray(values, dtype=float).reshape(-1)
    if grid.size == 0:
        raise ValueError(f"{name} is empty; pass a grid such as {example}.")
    for value in grid:
        check_in_range(float(value), f"every {name.removesuffix('s')}", low=0)
    return grid


def sweep_inputs(template: Any, X: Any, y: Any,
                 random_state: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """A sweep's training data and seed: ``(X, classes, y01, seed)``.

    ``X`` is validated by ``template`` (an unfitted estimator of the sweep's
    kind: float features, sets ``n_features_in_``), labels are coded 0/1 as
    :func:`encode_labels` does, and ``seed`` is the int that every model of the
    sweep starts from (what ``fit`` of one model with ``random_state`` draws).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, classes, y01, seed = sweep_inputs(LogisticRegression(), [[0], [1]], ["n", "y"], 0)
    >>> X.dtype.name, classes.tolist(), y01.tolist(), seed
    ('float64', ['n', 'y'], [0.0, 1.0], 209652396)
    """
    from sklearn.utils.validation import check_random_state

    X, y_raw = validate_data(template, X, y, dtype=[np.float64, np.float32], y_numeric=False)
    classes, y01 = encode_labels(y_raw)
    seed = int(check_random_state(random_state).randint(2**31 - 1))
    return X, classes, y01, seed
