"""Fairness penalties that actually move a model, and λ sweeps trained in one pass.

The common recipe ``loss = task_loss + λ·|error_A − error_B|`` with error rates
counted from ``argmax`` (or rounded) predictions does nothing: counting is a step
function, its gradient is zero almost everywhere, and autograd does not even see
it (``argmax`` returns integers with no ``grad_fn``). Whatever λ is, the
parameters receive the same update. :func:`hard_error_rate_gap` is that broken
penalty, kept so that the lesson can show it fail.

The surrogates below replace counts by *probabilities*, which are smooth in the
weights, so the penalty has a gradient and λ trades accuracy for fairness:

=====================  =================================================================
``demographic_parity`` max_g mean(p | g) − min_g mean(p | g)
``equal_opportunity``  the same among rows with y = 1 (a soft true-positive rate)
``equalized_odds``     max(soft-TPR gap, soft-FPR gap), the FPR part among rows with y = 0
``error_rate``         the gap in mean log-loss between groups (a soft error rate)
=====================  =================================================================

With more than two groups each surrogate is the *largest pairwise gap*, i.e. the
largest group value minus the smallest, as in :mod:`fairlab.metrics`. Group means
come from one matrix product with a one-hot group matrix: no Python loop over
groups. On a mini-batch, groups with no rows of the needed kind are left out.

:class:`FairPenaltyClassifier` is a scikit-learn estimator (an MLP trained with
Adam on ``log-loss + λ·penalty``); :func:`lambda_sweep` trains a whole grid of λ
values as one batched model (stacked weights, a single matrix product for the
first layer of every model), so 21 values of λ cost little more than one.

Lesson: 04-lambda-penalized-training
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_random_state, validate_data

from fairlab._nn import (
    NetworkOutputs,
    Sweep,
    check_network,
    encode_labels,
    forward,
    held_out_split,
    init_params,
    progress_bar,
    single_thread,
    sweep_grid,
    sweep_inputs,
    sweep_metrics,
)
from fairlab._validation import Groups, as_1d, check_choice, check_groups, check_number
from fairlab.metrics import GAPS

__all__ = [
    "PENALTIES",
    "hard_error_rate_gap",
    "demographic_parity_surrogate",
    "equal_opportunity_surrogate",
    "equalized_odds_surrogate",
    "error_rate_surrogate",
    "FairPenaltyClassifier",
    "LambdaSweep",
    "lambda_sweep",
]

#: Gap columns that :func:`lambda_sweep` reports, and the penalty that targets each.
GAP_OF_PENALTY = {g.penalty: g.name for g in GAPS.values() if g.penalty} | {
    "hard_error_rate": "error_rate_gap"}


# ------------------------------------------------------------------ group algebra
def _one_hot(sensitive: torch.Tensor, n_groups: int | None = None) -> torch.Tensor:
    """``(n, G)`` float one-hot matrix from integer codes (or a one-hot matrix as is)."""
    if sensitive.ndim == 2:
        return sensitive.to(torch.get_default_dtype())
    if sensitive.dtype.is_floating_point:
        sensitive = sensitive.long()
    n_groups = int(sensitive.max()) + 1 if n_groups is None else n_groups
    return torch.nn.functional.one_hot(sensitive, n_groups).to(torch.get_default_dtype())


def _largest_gap(values: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """Largest pairwise gap of the weighted group means of ``values``.

    ``values`` has shape ``(..., n)``; ``weights`` ``(n, G)`` is the one-hot group
    matrix, possibly with some rows zeroed (a row filter such as y = 1). Group means
    are one matrix product; groups with zero weight are left out of the max and min.
    """
    weights = weights.to(values.dtype)
    totals = weights.sum(0)
    present = totals > 0
    means = (values @ weights) / totals.clamp(min=1)
    big = torch.finfo(values.dtype).max
    hi = torch.where(present, means, torch.full_like(means, -big)).amax(-1)
    lo = torch.where(present, means, torch.full_like(means, big)).amin(-1)
    if int(present.sum()) < 2:  # nothing to compare on this batch
        return (hi - lo) * 0.0 if bool(present.any()) else means.sum(-1) * 0.0
    return hi - lo


def demographic_parity_surrogate(proba: torch.Tensor, sensitive_features: torch.Tensor,
                                 y: torch.Tensor | None = None) -> torch.Tensor:
    r"""Soft demographic-parity gap: the spread of the groups' mean predicted probability.

    .. math:: \max_g \bar p_g - \min_g \bar p_g, \qquad
              \bar p_g = \frac{1}{n_g}\sum_{i \in g} p_i

    A smooth stand-in for the gap in selection rates P(ŷ = 1 | g): moving the
    probabilities moves it, so its gradient is not zero.

    Parameters
    ----------
    proba : Tensor of shape (n,) or (k, n)
        Predicted P(y = 1) of each row (k models at once in a sweep).
    sensitive_features : Tensor
        Integer group codes of shape (n,), or a one-hot matrix (n, G).
    y : Tensor, default=None
        Ignored; accepted so that every surrogate has the same signature.

    Returns
    -------
    Tensor of shape () or (k,)

    Examples
    --------
    >>> p = torch.tensor([0.9, 0.7, 0.2, 0.4], requires_grad=True)
    >>> gap = demographic_parity_surrogate(p, torch.tensor([0, 0, 1, 1]))
    >>> round(gap.item(), 3)
    0.5
    >>> gap.backward(); p.grad.tolist()  # raise group 1, lower group 0
    [0.5, 0.5, -0.5, -0.5]

    Lesson: 04-lambda-penalized-training
    """
    return _largest_gap(proba, _one_hot(sensitive_features))


def equal_opportunity_surrogate(proba: torch.Tensor, sensitive_features: torch.Tensor,
                                y: torch.Tensor) -> torch.Tensor:
    r"""Soft equal-opportunity gap: mean probability among the true positives, per group.

    .. math:: \max_g \bar p_g^{+} - \min_g \bar p_g^{+}, \qquad
              \bar p_g^{+} = \operatorname{mean}\{p_i : i \in g,\ y_i = 1\}

    A smooth stand-in for the true-positive-rate gap of Hardt et al. (2016).

    Examples
    --------
    >>> p = torch.tensor([0.9, 0.1, 0.3, 0.8], requires_grad=True)
    >>> y = torch.tensor([1, 0, 1, 0])
    >>> gap = equal_opportunity_surrogate(p, torch.tensor([0, 0, 1, 1]), y)
    >>> round(gap.item(), 3)
    0.6
    >>> gap.backward(); p.grad.tolist()  # only the positives matter
    [1.0, 0.0, -1.0, 0.0]

    Lesson: 04-lambda-penalized-training
    """
    onehot = _one_hot(sensitive_features)
    return _largest_gap(proba, onehot * y.reshape(-1, 1).to(onehot.dtype))


def equalized_odds_surrogate(proba: torch.Tensor, sensitive_features: torch.Tensor,
                             y: torch.Tensor) -> torch.Tensor:
    r"""Soft equalized-odds gap: the larger of the soft TPR gap and the soft FPR gap.

    .. math:: \max\bigl(\Delta_g \operatorname{mean}\{p_i : y_i = 1\},\;
              \Delta_g \operatorname{mean}\{p_i : y_i = 0\}\bigr)

    where Δ_g is the largest minus the smallest group value, as in
    :func:`fairlab.metrics.equalized_odds_difference`.

    Examples
    --------
    >>> p = torch.tensor([0.9, 0.1, 0.3, 0.8], requires_grad=True)
    >>> y = torch.tensor([1, 0, 1, 0])
    >>> round(float(equalized_odds_surrogate(p, torch.tensor([0, 0, 1, 1]), y)), 3)
    0.7

    Lesson: 04-lambda-penalized-training
    """
    onehot = _one_hot(sensitive_features)
    yy = y.reshape(-1, 1).to(onehot.dtype)
    return torch.maximum(_largest_gap(proba, onehot * yy), _largest_gap(proba, onehot * (1 - yy)))


def error_rate_surrogate(proba: torch.Tensor, sensitive_features: torch.Tensor,
                         y: torch.Tensor) -> torch.Tensor:
    r"""Soft error-rate gap: the spread of the groups' mean log-loss.

    .. math:: \max_g \bar\ell_g - \min_g \bar\ell_g, \qquad
              \ell_i = -y_i \log p_i - (1 - y_i)\log(1 - p_i)

    The log-loss is a smooth upper bound of the 0/1 error, so this is what the
    "error-rate gap" recipe meant to minimise.

    Examples
    --------
    >>> p = torch.tensor([0.9, 0.8, 0.6, 0.5])
    >>> y = torch.tensor([1, 1, 1, 1])
    >>> round(float(error_rate_surrogate(p, torch.tensor([0, 0, 1, 1]), y)), 3)
    0.438

    Lesson: 04-lambda-penalized-training
    """
    p = proba.clamp(1e-7, 1 - 1e-7)
    yy = y.to(p.dtype)
    loss = -(yy * torch.log(p) + (1 - yy) * torch.log1p(-p))
    return _largest_gap(loss, _one_hot(sensitive_features))


def hard_error_rate_gap(proba: torch.Tensor, sensitive_features: torch.Tensor,
                        y: torch.Tensor) -> torch.Tensor:
    """The broken penalty: the error-rate gap counted from ``argmax`` predictions.

    ``argmax`` returns class indices (integers), so the result carries no
    ``grad_fn``: ``loss + λ·hard_error_rate_gap(...)`` has exactly the gradient of
    ``loss``, and λ changes nothing in training. Kept for the lesson; use
    :func:`error_rate_surrogate` instead.

    Examples
    --------
    >>> p = torch.tensor([0.9, 0.4, 0.6, 0.7], requires_grad=True)
    >>> gap = hard_error_rate_gap(p, torch.tensor([0, 0, 1, 1]), torch.tensor([1, 1, 1, 1]))
    >>> round(float(gap), 3), gap.requires_grad
    (0.5, False)

    Lesson: 04-lambda-penalized-training
    """
    pred = torch.stack([1 - proba, proba], dim=-1).argmax(-1)  # integers: the graph ends here
    wrong = (pred != y.reshape(-1).long()).to(proba.dtype)
    return _largest_gap(wrong, _one_hot(sensitive_features))


#: Penalty name → function ``(proba, sensitive_features, y) -> gap``.
PENALTIES: dict[str, Callable[..., torch.Tensor]] = {
    "demographic_parity": demographic_parity_surrogate,
    "equal_opportunity": equal_opportunity_surrogate,
    "equalized_odds": equalized_odds_surrogate,
    "error_rate": error_rate_surrogate,
    "hard_error_rate": hard_error_rate_gap,
}


# --------------------------------------------------------- the batched network
def _train_stack(
    X: np.ndarray,
    y: np.ndarray,
    codes: np.ndarray | None,
    n_groups: int,
    lams: np.ndarray,
    *,
    penalty: str,
    hidden: tuple[int, ...],
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    progress: bool | None = None,
    callback: Callable[[int, int], Any] | None = None,
) -> list[np.ndarray]:
    """Train ``len(lams)`` models at once; every model starts from the same weights
    (seeded by ``seed``) and sees the same mini-batches, so only λ differs."""
    with single_thread():  # deterministic on any machine; small products gain nothing
        return _train_loop(X, y, codes, n_groups, lams, penalty=penalty, hidden=hidden,
                           epochs=epochs, lr=lr, batch_size=batch_size, seed=seed,
                           progress=progress, callback=callback)


def _train_loop(X, y, codes, n_groups, lams, *, penalty, hidden, epochs, lr, batch_size, seed,
                progress, callback) -> list[np.ndarray]:
    k = len(lams)
    Xt = torch.tensor(np.asarray(X, dtype=np.float32))  # a copy: read-only inputs are fine
    yt = torch.as_tensor(y, dtype=torch.float32)
    onehot = (torch.nn.functional.one_hot(torch.as_tensor(codes), n_groups).float()
              if codes is not None else None)
    lam_t = torch.as_tensor(lams, dtype=torch.float32)
    one = init_params(Xt.shape[1], hidden, seed)
    params = [p.unsqueeze(0).repeat(k, 1, 1).requires_grad_(True) for p in one]
    opt = torch.optim.Adam(params, lr=lr, fused=True)  # one kernel for every tensor
    fn = PENALTIES[penalty]
    use_penalty = onehot is not None and bool((lam_t > 0).any())
    gen = torch.Generator().manual_seed(seed + 1)
    n = len(yt)
    n_batches = -(-n // batch_size)
    bar = progress_bar(epochs * n_batches, f"training {k} model{'s' if k > 1 else ''}",
                       progress)
    try:
        for epoch in range(epochs):
            order = torch.randperm(n, generator=gen)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                xb, yb = Xt[idx], yt[idx]
                logits = forward(xb, params)
                task = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, yb.expand_as(logits), reduction="none").mean(-1)
                loss = task
                if use_penalty:
                    loss = loss + lam_t * fn(torch.sigmoid(logits), onehot[idx], yb)
                opt.zero_grad(set_to_none=True)
                loss.sum().backward()  # models are independent: each gets its own gradient
                opt.step()
                if bar is not None:
                    bar.update(1)
            if callback is not None:
                callback(epoch + 1, epochs)
    finally:
        if bar is not None:
            bar.close()
    return [p.detach().numpy().copy() for p in params]


# ------------------------------------------------------------------ validation
def _check_hyper(penalty, lam, hidden, epochs, lr, batch_size) -> tuple[int, ...]:
    check_choice(penalty, "penalty", list(PENALTIES))
    if lam is not None:
        check_number(lam, "lam", low=0)
    return check_network(hidden, epochs=epochs, lr=lr, batch_size=batch_size)


def _check_sensitive(sensitive_features: Any, n_rows: int) -> Groups:
    return check_groups(sensitive_features, n_rows, min_groups=2)


class FairPenaltyClassifier(NetworkOutputs, ClassifierMixin, BaseEstimator):
    """A small MLP trained on ``log-loss + λ · fairness penalty`` (PyTorch, CPU).

    Parameters
    ----------
    penalty : {"demographic_parity", "equal_opportunity", "equalized_odds", \
"error_rate"}, default="demographic_parity"
        Which differentiable gap to penalise (see the module docstring).
        ``"hard_error_rate"`` is the broken argmax recipe, for demonstration only.
    lam : float, default=1.0
        Weight λ >= 0 of the penalty; 0 trains a plain MLP.
    hidden : tuple of int, default=(32,)
        Hidden layer sizes (ReLU).
    epochs : int, default=20
    lr : float, default=0.01
        Adam learning rate.
    batch_size : int, default=512
    random_state : int or None, default=None
        Seeds the initial weights and the mini-batch order: same seed, same model.

    Attributes
    ----------
    classes_ : ndarray of the two labels
    coefs_, intercepts_ : lists of ndarray, the fitted weights per layer
    groups_ : list, the sensitive groups seen in ``fit``
    n_features_in_ : int

    Notes
    -----
    ``fit(X, y, sensitive_features=s)`` needs the groups whenever ``lam > 0``;
    ``predict`` does not use them. In a :class:`~sklearn.pipeline.Pipeline`, pass
    them as a step fit parameter, ``pipe.fit(X, y, clf__sensitive_features=s)``,
    or, with ``sklearn.set_config(enable_metadata_routing=True)``, request them
    once, ``FairPenaltyClassifier().set_fit_request(sensitive_features=True)``, and
    call ``pipe.fit(X, y, sensitive_features=s)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
    >>> s = np.where(X[:, 0] + rng.normal(size=200) > 0, "a", "b")
    >>> clf = FairPenaltyClassifier(lam=0.5, epochs=50, lr=0.05, random_state=0)
    >>> clf.fit(X, y, sensitive_features=s).predict(X[:4]).tolist(), y[:4].tolist()
    ([1, 1, 1, 0], [1, 1, 1, 0])

    Lesson: 04-lambda-penalized-training
    """

    def __init__(self, penalty: str = "demographic_parity", lam: float = 1.0,
                 hidden: tuple[int, ...] = (32,), epochs: int = 20, lr: float = 0.01,
                 batch_size: int = 512, random_state: int | None = None) -> None:
        self.penalty = penalty
        self.lam = lam
        self.hidden = hidden
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X: Any, y: Any, *, sensitive_features: Any = None,
            callback: Callable[[int, int], Any] | None = None) -> FairPenaltyClassifier:
        """Train on ``X, y``; ``sensitive_features`` (one label per row) when ``lam > 0``.

        ``callback(epoch, epochs)`` is called after every epoch (a progress bar).
        """
        hidden = _check_hyper(self.penalty, self.lam, self.hidden, self.epochs, self.lr,
                              self.batch_size)
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], y_numeric=False)
        self.classes_, y01 = encode_labels(y)
        codes, n_groups, self.groups_ = None, 0, []
        if sensitive_features is not None:
            groups = _check_sensitive(sensitive_features, len(y01))
            codes, n_groups, self.groups_ = groups.codes, groups.n_groups, groups.labels
        elif self.lam > 0:
            raise ValueError(
                f"lam={self.lam:g} penalises a gap between groups, so fit needs "
                "sensitive_features (one group label per row): "
                "fit(X, y, sensitive_features=s). Use lam=0 for a plain MLP."
            )
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        params = _train_stack(X, y01, codes, n_groups, np.array([self.lam]),
                              penalty=self.penalty, hidden=hidden, epochs=int(self.epochs),
                              lr=float(self.lr), batch_size=int(self.batch_size), seed=seed,
                              progress=False, callback=callback)
        self._set_params([p[0] for p in params])
        return self

    def _set_params(self, params: list[np.ndarray]) -> None:
        self.coefs_ = params[0::2]
        self.intercepts_ = params[1::2]



# ----------------------------------------------------------------------- sweep
@dataclass(kw_only=True)
class LambdaSweep(Sweep):
    """What :func:`lambda_sweep` returns; unpacks as ``frame, models = sweep``.

    ``frame`` is tidy: one row per (λ, split) with ``accuracy`` and every gap
    (``dp_gap``, ``eo_gap``, ``eodds_gap``, ``error_rate_gap``), computed on hard
    predictions at threshold 0.5. ``proba[split]`` has shape (len(lams), n_rows).
    """

    models: list[FairPenaltyClassifier]
    lams: np.ndarray
    penalty: str

    @property
    def gap_column(self) -> str:
        """The frame column of the gap this sweep's penalty targets."""
        return GAP_OF_PENALTY[self.penalty]

    def row(self, lam: float, split: str = "test") -> pd.Series:
        """The frame row for ``lam`` (the nearest λ of the grid) on ``split``."""
        return self._row(self.lams, lam, split)


def lambda_sweep(
    X: Any,
    y: Any,
    sensitive_features: Any,
    lams: Sequence[float] | np.ndarray,
    *,
    X_test: Any = None,
    y_test: Any = None,
    sensitive_features_test: Any = None,
    penalty: str = "demographic_parity",
    hidden: tuple[int, ...] = (32,),
    epochs: int = 20,
    lr: float = 0.01,
    batch_size: int = 512,
    random_state: int = 0,
    progress: bool | None = None,
) -> LambdaSweep:
    """Train one model per λ, all in one batched pass, and tabulate accuracy and gaps.

    Every model starts from the same seeded weights and sees the same mini-batches,
    so the models differ only by λ; each equals ``FairPenaltyClassifier(lam=λ,
    random_state=random_state, ...)`` fitted alone (up to float rounding). The
    weights of all models are stacked and trained together: the first layer of
    every model is one matrix product.

    Parameters
    ----------
    X, y, sensitive_features : training data (numeric features, two-class label, groups)
    lams : sequence of float >= 0
    X_test, y_test, sensitive_features_test : optional held-out data, reported as split "test"
    penalty, hidden, epochs, lr, batch_size, random_state
        As in :class:`FairPenaltyClassifier`.
    progress : bool or None, default=None
        Show a tqdm bar: None shows it once training has taken more than a second.

    Returns
    -------
    LambdaSweep
        ``.frame`` (columns ``lam, split, accuracy, dp_gap, eo_gap, eodds_gap,
        error_rate_gap``), ``.models`` (fitted classifiers, one per λ), ``.proba``.

    Raises
    ------
    ValueError
        A λ < 0, an unknown penalty, fewer than two groups, mismatched lengths.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); s = np.repeat(["a", "b"], 150)
    >>> y = (X[:, 0] + (s == "a") + rng.normal(size=300) > 0.5).astype(int)
    >>> X = np.column_stack([X, s == "a"])
    >>> frame, models = lambda_sweep(X, y, s, [0.0, 2.0], epochs=50, lr=0.05, random_state=0)
    >>> frame[["lam", "split", "accuracy", "dp_gap"]].round(2)
       lam  split  accuracy  dp_gap
    0  0.0  train      0.83    0.29
    1  2.0  train      0.76    0.01

    Lesson: 04-lambda-penalized-training
    """
    hidden = _check_hyper(penalty, None, hidden, epochs, lr, batch_size)
    lam_arr = sweep_grid(lams, "lams", example="np.linspace(0, 5, 21)")
    template = FairPenaltyClassifier(penalty=penalty, hidden=hidden, epochs=epochs, lr=lr,
                                     batch_size=batch_size, random_state=random_state)
    X, classes, y01, seed = sweep_inputs(template, X, y, random_state)
    groups = _check_sensitive(sensitive_features, len(y01))
    start = time.perf_counter()
    stacked = _train_stack(X, y01, groups.codes, groups.n_groups, lam_arr, penalty=penalty,
                           hidden=hidden, epochs=epochs, lr=lr, batch_size=batch_size,
                           seed=seed, progress=progress)
    seconds = time.perf_counter() - start

    models = []
    for i, lam in enumerate(lam_arr):
        m = FairPenaltyClassifier(penalty=penalty, lam=float(lam), hidden=hidden,
                                  epochs=epochs, lr=lr, batch_size=batch_size,
                                  random_state=random_state)
        m.classes_, m.n_features_in_, m.groups_ = classes, X.shape[1], groups.labels
        m._set_params([p[i] for p in stacked])
        models.append(m)

    splits = {"train": (X, y01.astype(np.int64), groups, as_1d(sensitive_features,
                                                             "sensitive_features"))}
    held_out = held_out_split(models[0], classes, X_test, y_test, sensitive_features_test)
    if held_out is not None:
        Xt, yt01 = held_out
        gt = check_groups(sensitive_features_test, len(yt01), name="sensitive_features_test",
                          min_groups=2)
        splits["test"] = (Xt, yt01, gt, as_1d(sensitive_features_test, "sensitive_features_test"))

    with torch.no_grad():
        torch_params = [torch.as_tensor(p, dtype=torch.float64) for p in stacked]

        def score(Xs, rows: int = 4096) -> np.ndarray:
            # float64 so a row's score matches model.predict_proba; row chunks keep the
            # (k, rows, hidden) temporaries in cache instead of hundreds of megabytes
            Xs = torch.as_tensor(np.asarray(Xs, dtype=np.float64))
            return torch.cat([torch.sigmoid(forward(Xs[i:i + rows], torch_params))
                              for i in range(0, len(Xs), rows)], dim=1).numpy()

        proba = {name: score(Xs) for name, (Xs, *_rest) in splits.items()}
    rows = []
    for name, (_, ys, gs, _) in splits.items():
        metrics = sweep_metrics(proba[name], ys, gs)
        rows.append(pd.DataFrame({"lam": lam_arr, "split": name, **metrics}))
    frame = pd.concat(rows, ignore_index=True)
    return LambdaSweep(
        frame=frame, models=models, lams=lam_arr, penalty=penalty, proba=proba,
        y={k: v[1] for k, v in splits.items()},
        sensitive_features={k: v[3] for k, v in splits.items()},
        X={k: v[0] for k, v in splits.items()},
        params=dict(penalty=penalty, hidden=hidden, epochs=epochs, lr=lr,
                    batch_size=batch_size, random_state=random_state),
        seconds=seconds,
    )

