r"""Adversarial debiasing: a predictor, and an adversary that tries to recover the group.

Zhang, Lemoine & Mitchell (2018) train two networks at once. The *predictor*
maps features to a logit ``z`` for P(y = 1). The *adversary* sees only ``z``
(for equalized odds, ``z`` and the true label ``y``) and tries to predict the
sensitive group with a softmax head, so any number of groups works. The
predictor is pushed to make the adversary fail.

With predictor weights W, adversary weights U, task loss L_P (log-loss of y)
and adversary loss L_A (cross-entropy of the group), one training step is

.. math::

    U &\leftarrow U - \eta\,\nabla_U L_A \\
    W &\leftarrow W - \eta\,\bigl(\nabla_W L_P
          - \operatorname{proj}_{\nabla_W L_A}\nabla_W L_P
          - \alpha\,\nabla_W L_A\bigr),
    \qquad \operatorname{proj}_v u = \frac{u\cdot v}{v\cdot v}\,v .

The projection term (Zhang et al.'s addition) removes the part of the task step
that would help the adversary; the ``−α ∇L_A`` term climbs the adversary's loss.
Without the projection (``projection=False``) the step is ``∇L_P − α∇L_A``:
a gradient-reversal layer of weight α (Ganin & Lempitsky 2015). Both combined
gradients are handed to Adam. ``α = 0`` switches the adversary off entirely: the
predictor is then a plain MLP, the same model as lesson 04's λ = 0 (same seed,
same initial weights, same mini-batches).

Target ``"demographic_parity"``: the adversary sees ``z`` only, so hiding the
group pushes towards equal selection. Target ``"equalized_odds"``: the adversary
also sees ``y`` (inputs ``z, y, z·y``), so the predictor must hide the group
*within each label*, which pushes towards equal error rates.

:func:`adversary_sweep` trains a grid of α values as one batched pair of networks
(stacked weights, like :func:`fairlab.training.lambda_sweep`) and reports the
same columns, so the two frontiers can share a plot. :func:`audit_adversary`
is the honest check afterwards: a *fresh* adversary fitted to the frozen
predictor's scores.

Lesson: 07-adversarial-debiasing
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

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
from fairlab._validation import (
    Groups,
    as_1d,
    check_choice,
    check_groups,
    check_in_range,
    check_int,
    check_scores,
)
from fairlab.metrics import GAPS

__all__ = [
    "TARGETS",
    "AdversarialClassifier",
    "AdversarialSweep",
    "AdversaryAudit",
    "adversary_sweep",
    "audit_adversary",
    "adversary_baseline",
    "zhang_update",
]

#: Fairness targets and the frame column of the gap each one aims at.
TARGETS = {GAPS[c].penalty: c for c in ("dp_gap", "eodds_gap")}
#: Columns of ``history``: one row per (alpha, epoch), measured on the whole training set.
HISTORY_COLUMNS = ("task_loss", "adversary_loss", "adversary_accuracy", "adversary_auc",
                   "dp_gap")


# ------------------------------------------------------------------- the update
def zhang_update(grad_task: Any, grad_adv: Any, alpha: float, *,
                 projection: bool = True) -> np.ndarray:
    r"""The predictor's combined gradient, for one weight vector.

    .. math:: g = \nabla L_P - \operatorname{proj}_{\nabla L_A}\nabla L_P
                  - \alpha\,\nabla L_A

    ``projection=False`` drops the middle term (gradient reversal). The optimiser
    then *descends* along ``g``. With ``alpha = 0`` the adversary is off and
    ``g`` is the task gradient alone.

    Parameters
    ----------
    grad_task, grad_adv : array-like of shape (d,)
        ∇_W L_P and ∇_W L_A for the same weights W.
    alpha : float >= 0
    projection : bool, default=True

    Returns
    -------
    ndarray of shape (d,)

    Examples
    --------
    >>> zhang_update([3.0, 1.0], [1.0, 0.0], alpha=1.0).tolist()
    [-1.0, 1.0]
    >>> zhang_update([3.0, 1.0], [1.0, 0.0], alpha=1.0, projection=False).tolist()
    [2.0, 1.0]

    Lesson: 07-adversarial-debiasing
    """
    check_in_range(alpha, "alpha", low=0)
    gp = np.asarray(grad_task, dtype=float).reshape(-1)
    ga = np.asarray(grad_adv, dtype=float).reshape(-1)
    if gp.shape != ga.shape:
        raise ValueError(f"grad_task has {gp.size} entries but grad_adv has {ga.size}; "
                         "pass the two gradients of the same weights.")
    if alpha == 0:
        return gp.copy()
    out = gp - alpha * ga
    if projection:
        norm2 = float(ga @ ga)
        if norm2 > 0:
            out = out - (gp @ ga) / norm2 * ga
    return out


# ----------------------------------------------------------- batched networks
def _adversary_input(z: torch.Tensor, y: torch.Tensor, target: str) -> torch.Tensor:
    """``(k, n, d_a)``: the logit alone (DP), or logit, label and their product (EO)."""
    if target == "demographic_parity":
        return z.unsqueeze(-1)
    yy = y.to(z.dtype).expand_as(z)
    return torch.stack([z, yy, z * yy], dim=-1)


def _adversary_forward(a: torch.Tensor, params: Sequence[torch.Tensor]) -> torch.Tensor:
    """Group logits ``(k, n, G)`` of k stacked adversaries."""
    h = a
    n_layers = len(params) // 2
    for i in range(n_layers):
        h = torch.baddbmm(params[2 * i + 1], h, params[2 * i])
        if i < n_layers - 1:
            h = torch.relu(h)
    return h


def _auc_rows(score: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of ``score`` (k, n) for the 0/1 vector ``positive`` (ties: mid-rank)."""
    from scipy.stats import rankdata

    n1 = int(positive.sum())
    n0 = len(positive) - n1
    if n1 == 0 or n0 == 0:
        return np.full(score.shape[0], np.nan)
    ranks = rankdata(score, axis=1)
    return (ranks[:, positive.astype(bool)].sum(1) - n1 * (n1 + 1) / 2) / (n1 * n0)


@dataclass
class _Trained:
    predictor: list[np.ndarray]
    adversary: list[np.ndarray]
    history: pd.DataFrame


def _train_pair(X: np.ndarray, y: np.ndarray, codes: np.ndarray, n_groups: int,
                alphas: np.ndarray, *, target: str, hidden: tuple[int, ...],
                adversary_hidden: tuple[int, ...], epochs: int, lr: float,
                adversary_lr: float, batch_size: int, projection: bool, seed: int,
                progress: bool | None,
                callback: Callable[[int, int], Any] | None = None) -> _Trained:
    """Train ``len(alphas)`` predictor/adversary pairs at once.

    Every pair starts from the same seeded weights and sees the same mini-batches
    (in the same order as :func:`fairlab.training.lambda_sweep`), so pairs differ
    only by α.
    """
    with single_thread():  # deterministic on any machine; small products gain nothing
        return _train_pair_loop(X, y, codes, n_groups, alphas, target=target, hidden=hidden,
                                adversary_hidden=adversary_hidden, epochs=epochs, lr=lr,
                                adversary_lr=adversary_lr, batch_size=batch_size,
                                projection=projection, seed=seed, progress=progress,
                                callback=callback)


def _train_pair_loop(X, y, codes, n_groups, alphas, *, target, hidden, adversary_hidden,
                     epochs, lr, adversary_lr, batch_size, projection, seed, progress,
                     callback) -> _Trained:
    k = len(alphas)
    Xt = torch.tensor(np.asarray(X, dtype=np.float32))
    yt = torch.as_tensor(y, dtype=torch.float32)
    gt = torch.as_tensor(codes, dtype=torch.long)
    alpha_t = torch.as_tensor(alphas, dtype=torch.float32)
    on = alpha_t > 0
    pred = [p.unsqueeze(0).repeat(k, 1, 1).requires_grad_(True)
            for p in init_params(Xt.shape[1], hidden, seed)]
    d_a = 1 if target == "demographic_parity" else 3
    adv = [p.unsqueeze(0).repeat(k, 1, 1).requires_grad_(True)
           for p in init_params(d_a, adversary_hidden, seed + 2, n_out=n_groups)]
    opt_p = torch.optim.Adam(pred, lr=lr)
    opt_a = torch.optim.Adam(adv, lr=adversary_lr)
    gen = torch.Generator().manual_seed(seed + 1)  # the batch order of lambda_sweep
    n = len(yt)
    y_np = np.asarray(y, dtype=np.int64)
    positive = (np.asarray(codes) == n_groups - 1) if n_groups == 2 else None
    records: list[np.ndarray] = []
    bar = progress_bar(epochs, f"adversarial training, {k} model{'s' if k > 1 else ''}",
                       progress)
    groups = Groups(codes=np.asarray(codes), index=pd.Index(range(n_groups)),
                    counts=np.bincount(codes, minlength=n_groups))
    try:
        for epoch in range(epochs):
            order = torch.randperm(n, generator=gen)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                xb, yb, gb = Xt[idx], yt[idx], gt[idx]
                z = forward(xb, pred)                                        # (k, b)
                task = torch.nn.functional.binary_cross_entropy_with_logits(
                    z, yb.expand_as(z), reduction="none").mean(-1)            # (k,)
                logits_a = _adversary_forward(_adversary_input(z, yb, target), adv)
                adv_loss = torch.nn.functional.cross_entropy(
                    logits_a.reshape(-1, n_groups), gb.repeat(k), reduction="none"
                ).reshape(k, -1).mean(-1)                                     # (k,)
                n_p = len(pred)
                g_task = torch.autograd.grad(task.sum(), pred, retain_graph=True)
                g_adv = torch.autograd.grad(adv_loss.sum(), pred + adv)  # one backward pass
                g_adv_w, g_adv_u = g_adv[:n_p], g_adv[n_p:]
                if bool(on.any()):
                    dot = sum((a * b).flatten(1).sum(1) for a, b in zip(g_task, g_adv_w,
                                                                         strict=True))
                    norm2 = sum((b * b).flatten(1).sum(1) for b in g_adv_w)
                    coef = alpha_t.clone()
                    if projection:
                        coef = coef + dot / norm2.clamp(min=1e-30)
                    coef = torch.where(on, coef, torch.zeros_like(coef))
                    for p, gp, ga in zip(pred, g_task, g_adv_w, strict=True):
                        p.grad = gp - coef.view(-1, 1, 1) * ga
                else:
                    for p, gp in zip(pred, g_task, strict=True):
                        p.grad = gp
                for p, ga in zip(adv, g_adv_u, strict=True):
                    p.grad = ga
                opt_p.step()
                opt_a.step()
            records.append(_epoch_record(Xt, yt, gt, y_np, groups, positive, pred, adv,
                                         target, n_groups))
            if bar is not None:
                bar.update(1)
            if callback is not None:
                callback(epoch + 1, epochs)
    finally:
        if bar is not None:
            bar.close()
    hist = np.stack(records, axis=1)  # (k, epochs, columns)
    history = pd.DataFrame({
        "alpha": np.repeat(alphas, epochs),
        "epoch": np.tile(np.arange(1, epochs + 1), k),
        **{c: hist[:, :, j].reshape(-1) for j, c in enumerate(HISTORY_COLUMNS)},
    })
    return _Trained(predictor=[p.detach().numpy().copy() for p in pred],
                    adversary=[p.detach().numpy().copy() for p in adv], history=history)


def _epoch_record(Xt, yt, gt, y_np, groups, positive, pred, adv, target,
                  n_groups) -> np.ndarray:
    """(k, 5): task loss, adversary loss/accuracy/AUC, DP gap on the whole training set."""
    with torch.no_grad():
        z = forward(Xt, pred)
        k = z.shape[0]
        task = torch.nn.functional.binary_cross_entropy_with_logits(
            z, yt.expand_as(z), reduction="none").mean(-1)
        logits_a = _adversary_forward(_adversary_input(z, yt, target), adv)
        adv_loss = torch.nn.functional.cross_entropy(
            logits_a.reshape(-1, n_groups), gt.repeat(k), reduction="none").reshape(k, -1).mean(-1)
        acc = (logits_a.argmax(-1) == gt).float().mean(-1)
        if positive is not None:
            auc = _auc_rows((logits_a[..., 1] - logits_a[..., 0]).numpy(), positive)
        else:
            auc = np.full(k, np.nan)
        proba = torch.sigmoid(z).numpy().astype(np.float64)
    dp = sweep_metrics(proba, y_np, groups)["dp_gap"]
    return np.column_stack([task.numpy(), adv_loss.numpy(), acc.numpy(), auc, dp])


# ------------------------------------------------------------------ validation
def _check_settings(alpha, target, hidden, adversary_hidden, epochs, lr, adversary_lr,
                    batch_size) -> tuple[tuple[int, ...], tuple[int, ...], float]:
    check_choice(target, "target", list(TARGETS))
    if alpha is not None:
        check_in_range(alpha, "alpha", low=0)
    hidden = check_network(hidden, epochs=epochs, lr=lr, batch_size=batch_size)
    adversary_hidden = check_network(adversary_hidden, name="adversary_hidden")
    adversary_lr = lr if adversary_lr is None else adversary_lr
    check_in_range(adversary_lr, "adversary_lr", low=0, low_inclusive=False)
    return hidden, adversary_hidden, float(adversary_lr)


def _groups_for_fit(sensitive_features: Any, n_rows: int) -> Groups:
    if sensitive_features is None:
        raise ValueError("adversarial debiasing needs the group of every training row: "
                         "fit(X, y, sensitive_features=s) (only alpha=0 trains without).")
    groups = check_groups(sensitive_features, n_rows, min_groups=1)
    if groups.n_groups < 2:
        raise ValueError(f"sensitive_features has only one group ({groups.labels}); the "
                         "adversary has nothing to tell apart. Pass a column with at least "
                         "2 distinct groups.")
    return groups


# ------------------------------------------------------------------- estimator
class AdversarialClassifier(NetworkOutputs, ClassifierMixin, BaseEstimator):
    """An MLP predictor trained against an adversary that predicts the group from its output.

    Parameters
    ----------
    alpha : float, default=1.0
        Weight α >= 0 of the adversary's term in the predictor's step; 0 trains a
        plain MLP (no adversary at all).
    target : {"demographic_parity", "equalized_odds"}, default="demographic_parity"
        What the adversary sees: the predictor's logit, or the logit and the true
        label (Zhang et al.'s equalized-odds variant).
    hidden : tuple of int, default=(32,)
        Predictor hidden layers (ReLU).
    adversary_hidden : tuple of int, default=(16,)
        Adversary hidden layers; its head is a softmax over the groups.
    epochs : int, default=20
    lr : float, default=0.01
        Adam learning rate of the predictor.
    adversary_lr : float or None, default=None
        Adam learning rate of the adversary; None uses ``lr``.
    batch_size : int, default=512
    projection : bool, default=True
        Zhang et al.'s projection term; False gives plain gradient reversal.
    random_state : int or None, default=None
        Seeds the initial weights of both networks and the mini-batch order.

    Attributes
    ----------
    classes_, coefs_, intercepts_, groups_, n_features_in_
    adversary_coefs_, adversary_intercepts_ : the adversary's fitted weights
    history_ : DataFrame, one row per epoch with ``task_loss, adversary_loss,
        adversary_accuracy, adversary_auc, dp_gap`` on the training data
    baseline_ : float, the adversary's majority-class baseline (largest group share)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> s = np.repeat(["a", "b"], 100)
    >>> X = np.column_stack([rng.normal(size=200) + (s == "a"), rng.normal(size=200)])
    >>> y = (X[:, 0] > 0.5).astype(int)
    >>> clf = AdversarialClassifier(alpha=1.0, epochs=5, random_state=0)
    >>> clf.fit(X, y, sensitive_features=s).predict_proba(X[:2]).shape
    (2, 2)
    >>> len(clf.history_), clf.baseline_
    (5, 0.5)

    Lesson: 07-adversarial-debiasing
    """

    def __init__(self, alpha: float = 1.0, target: str = "demographic_parity",
                 hidden: tuple[int, ...] = (32,), adversary_hidden: tuple[int, ...] = (16,),
                 epochs: int = 20, lr: float = 0.01, adversary_lr: float | None = None,
                 batch_size: int = 512, projection: bool = True,
                 random_state: int | None = None) -> None:
        self.alpha = alpha
        self.target = target
        self.hidden = hidden
        self.adversary_hidden = adversary_hidden
        self.epochs = epochs
        self.lr = lr
        self.adversary_lr = adversary_lr
        self.batch_size = batch_size
        self.projection = projection
        self.random_state = random_state

    def fit(self, X: Any, y: Any, *, sensitive_features: Any = None,
            callback: Callable[[int, int], Any] | None = None) -> AdversarialClassifier:
        """Train predictor and adversary on ``X, y`` and the groups ``sensitive_features``.

        ``callback(epoch, epochs)`` is called after every epoch.
        """
        hidden, adv_hidden, adv_lr = _check_settings(
            self.alpha, self.target, self.hidden, self.adversary_hidden, self.epochs,
            self.lr, self.adversary_lr, self.batch_size)
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], y_numeric=False)
        self.classes_, y01 = encode_labels(y)
        if sensitive_features is None and float(self.alpha) == 0:
            # alpha=0 is a plain MLP: the adversary only watches (one group, nothing to tell)
            groups = check_groups(np.zeros(len(y01), dtype=np.int64), len(y01), min_groups=1)
        else:
            groups = _groups_for_fit(sensitive_features, len(y01))
        self.groups_ = groups.labels
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        out = _train_pair(X, y01, groups.codes, groups.n_groups, np.array([float(self.alpha)]),
                          target=self.target, hidden=hidden, adversary_hidden=adv_hidden,
                          epochs=int(self.epochs), lr=float(self.lr), adversary_lr=adv_lr,
                          batch_size=int(self.batch_size), projection=bool(self.projection),
                          seed=seed, progress=False, callback=callback)
        self._set_weights([p[0] for p in out.predictor], [p[0] for p in out.adversary],
                          out.history.drop(columns="alpha"), groups)
        return self

    def _set_weights(self, predictor, adversary, history, groups: Groups) -> None:
        self.coefs_, self.intercepts_ = predictor[0::2], predictor[1::2]
        self.adversary_coefs_, self.adversary_intercepts_ = adversary[0::2], adversary[1::2]
        self.history_ = history.reset_index(drop=True)
        self.baseline_ = float(groups.counts.max() / groups.counts.sum())

    def adversary_proba(self, X: Any, y: Any = None) -> np.ndarray:
        """The trained adversary's group probabilities (n, G), columns in ``groups_`` order.

        ``y`` (labels as in ``fit``) is needed when ``target="equalized_odds"``.
        """
        z = self.decision_function(X)
        if self.target == "equalized_odds":
            if y is None:
                raise ValueError("target='equalized_odds': the adversary also sees the label; "
                                 "pass y, adversary_proba(X, y).")
            y01 = (as_1d(y, "y") == self.classes_[1]).astype(float)
            a = np.column_stack([z, y01, z * y01])
        else:
            a = z[:, None]
        for i, (W, b) in enumerate(zip(self.adversary_coefs_, self.adversary_intercepts_,
                                       strict=True)):
            a = a @ W.astype(np.float64) + b
            if i < len(self.adversary_coefs_) - 1:
                a = np.maximum(a, 0)
        a = a - a.max(1, keepdims=True)
        e = np.exp(a)
        return e / e.sum(1, keepdims=True)


# ---------------------------------------------------------------------- audit
class AdversaryAudit(NamedTuple):
    """A fresh adversary's accuracy, the majority-class baseline, their difference, and AUC.

    ``auc`` (two groups only, else NaN) ranks rows by the adversary's P(second group):
    0.5 means the scores carry no trace of the group, even where accuracy cannot
    beat the baseline because one group is the majority in every score range.
    """

    accuracy: float
    baseline: float
    advantage: float
    auc: float


def adversary_baseline(sensitive_features: Any) -> float:
    """Accuracy of always guessing the largest group: what an adversary must beat.

    Examples
    --------
    >>> adversary_baseline(["m", "m", "f", "m"])
    0.75

    Lesson: 07-adversarial-debiasing
    """
    groups = check_groups(sensitive_features)
    return float(groups.counts.max() / groups.counts.sum())


def audit_adversary(scores: Any, sensitive_features: Any, *, y: Any = None,
                    scores_test: Any = None, sensitive_features_test: Any = None,
                    y_test: Any = None,
                    bins: int = 20) -> AdversaryAudit:
    """Fit a fresh adversary to frozen scores and report its accuracy against the baseline.

    The fresh adversary is a histogram classifier: the scores are cut at their
    quantiles into ``bins`` bins (crossed with the label ``y`` when given, the
    equalized-odds audit), and each cell predicts its most frequent group. It
    needs no training loop, cannot fail to converge, and only depends on the
    *order* of the scores (probabilities and logits give the same audit). With
    ``scores_test`` it is fitted on the first data and scored on the second
    (unseen cells fall back to the majority group); otherwise it is scored
    in-sample, which flatters it a little.

    Parameters
    ----------
    scores : array-like of shape (n,)
        The predictor's outputs (probabilities or logits), frozen.
    sensitive_features : array-like of shape (n,)
    y : array-like of 0/1, default=None
        Give it for the equalized-odds audit (and then ``y_test`` too).
    scores_test, sensitive_features_test, y_test : held-out data, default=None
    bins : int, default=20

    Returns
    -------
    AdversaryAudit
        ``accuracy``, ``baseline`` (the training majority group's share of the
        scored rows) and ``advantage = accuracy − baseline``.

    Examples
    --------
    >>> s = ["a", "a", "a", "b", "b", "b"]
    >>> audit_adversary([0.1, 0.2, 0.3, 0.7, 0.8, 0.9], s, bins=2)
    AdversaryAudit(accuracy=1.0, baseline=0.5, advantage=0.5, auc=1.0)
    >>> audit_adversary([0.5] * 6, s, bins=2)   # a constant score hides the group
    AdversaryAudit(accuracy=0.5, baseline=0.5, advantage=0.0, auc=0.5)

    Lesson: 07-adversarial-debiasing
    """
    bins = check_int(bins, "bins", low=1)
    s_train = check_scores(scores, "scores", probabilities=False)
    groups = check_groups(sensitive_features, len(s_train), min_groups=2)
    y_train = None if y is None else _binary(y, "y", len(s_train))
    edges = np.unique(np.quantile(s_train, np.linspace(0, 1, bins + 1)[1:-1]))
    n_cells = (len(edges) + 1) * 2
    cell = _cells(s_train, y_train, edges)
    counts = np.bincount(cell * groups.n_groups + groups.codes,
                         minlength=n_cells * groups.n_groups).reshape(n_cells, -1)
    majority = int(np.argmax(groups.counts))
    guess = np.where(counts.sum(1) > 0, counts.argmax(1), majority)
    # P(second group | cell), for the AUC; empty cells get the overall share
    share = np.where(counts.sum(1) > 0, counts[:, -1] / counts.sum(1).clip(min=1),
                     groups.counts[-1] / groups.counts.sum())
    if scores_test is None and sensitive_features_test is None:
        return _audit_result(guess[cell], share[cell], groups.codes, majority,
                             groups.n_groups)
    if scores_test is None or sensitive_features_test is None or ((y is None) != (y_test is None)):
        raise ValueError("pass scores_test and sensitive_features_test together (and y_test if you "
                         "passed y), or none of them.")
    st = check_scores(scores_test, "scores_test", probabilities=False)
    g_test = as_1d(sensitive_features_test, "sensitive_features_test")
    if len(g_test) != len(st):
        raise ValueError(f"sensitive_features_test has {len(g_test)} entries but scores_test has "
                         f"{len(st)}; pass one group label per row.")
    known = pd.Index(groups.labels)
    codes_test = known.get_indexer(pd.Index(g_test.astype(object)))
    if (codes_test < 0).any():
        unknown = sorted(set(g_test[codes_test < 0]))
        raise ValueError(f"sensitive_features_test has groups {unknown} "
                         f"that the fitting data does not have ({groups.labels}); audit on "
                         "data with the same groups.")
    yt = None if y_test is None else _binary(y_test, "y_test", len(st))
    cell_test = _cells(st, yt, edges)
    return _audit_result(guess[cell_test], share[cell_test], codes_test, majority,
                         groups.n_groups)


def _binary(y: Any, name: str, n: int) -> np.ndarray:
    from fairlab._validation import check_binary

    return check_binary(y, name, n_rows=n).astype(np.int64)


def _cells(scores: np.ndarray, y: np.ndarray | None, edges: np.ndarray) -> np.ndarray:
    b = np.searchsorted(edges, scores, side="right")
    return b * 2 + (0 if y is None else y)


def _audit_result(guess: np.ndarray, share: np.ndarray, codes: np.ndarray,
                  majority: int, n_groups: int) -> AdversaryAudit:
    acc = float((guess == codes).mean())
    base = float((codes == majority).mean())
    auc = float(_auc_rows(share[None, :], codes == 1)[0]) if n_groups == 2 else np.nan
    return AdversaryAudit(accuracy=acc, baseline=base, advantage=acc - base, auc=auc)


# ----------------------------------------------------------------------- sweep
@dataclass(kw_only=True)
class AdversarialSweep(Sweep):
    """What :func:`adversary_sweep` returns; unpacks as ``frame, models = sweep``.

    ``frame`` has one row per (α, split) with the columns of
    :func:`fairlab.training.lambda_sweep` (``accuracy, dp_gap, eo_gap, eodds_gap,
    error_rate_gap``) plus ``adversary_accuracy, adversary_auc`` (the trained
    adversary) and ``audit_accuracy, audit_auc`` (a fresh adversary,
    :func:`audit_adversary`, fitted on the training scores); read accuracies against
    ``baseline`` and AUCs against 0.5 (AUCs need two groups). ``history`` has one
    row per (α, epoch). ``proba[split]`` has shape (len(alphas), n_rows).
    """

    models: list[AdversarialClassifier]
    alphas: np.ndarray
    target: str
    history: pd.DataFrame
    baseline: dict[str, float]

    @property
    def gap_column(self) -> str:
        """The frame column of the gap this sweep's target aims at."""
        return TARGETS[self.target]

    def row(self, alpha: float, split: str = "test") -> pd.Series:
        """The frame row for ``alpha`` (the nearest α of the grid) on ``split``."""
        return self._row(self.alphas, alpha, split)

    def curve(self, alpha: float) -> pd.DataFrame:
        """The training history of the grid's α nearest ``alpha``."""
        a = self.alphas[self.nearest(self.alphas, alpha)]
        return self.history[self.history["alpha"] == a].reset_index(drop=True)


def adversary_sweep(
    X: Any,
    y: Any,
    sensitive_features: Any,
    alphas: Sequence[float] | np.ndarray,
    *,
    X_test: Any = None,
    y_test: Any = None,
    sensitive_features_test: Any = None,
    target: str = "demographic_parity",
    hidden: tuple[int, ...] = (32,),
    adversary_hidden: tuple[int, ...] = (16,),
    epochs: int = 20,
    lr: float = 0.01,
    adversary_lr: float | None = None,
    batch_size: int = 512,
    projection: bool = True,
    random_state: int = 0,
    progress: bool | None = None,
) -> AdversarialSweep:
    """Train one predictor/adversary pair per α, all in one batched pass.

    Every pair starts from the same seeded weights and sees the same mini-batches;
    each equals ``AdversarialClassifier(alpha=α, random_state=random_state, ...)``
    fitted alone up to float rounding, and the α = 0 model equals lesson 04's
    λ = 0 model of ``lambda_sweep`` with the same settings. (A long adversarial
    run can amplify those rounding differences: the game is unstable, lesson 07.)

    Parameters
    ----------
    X, y, sensitive_features : training data (numeric features, two-class label, groups)
    alphas : sequence of float >= 0
    X_test, y_test, sensitive_features_test : optional held-out data, reported as split "test"
    target, hidden, adversary_hidden, epochs, lr, adversary_lr, batch_size, projection, \
random_state
        As in :class:`AdversarialClassifier`.
    progress : bool or None, default=None
        A tqdm bar: None shows it once training has taken more than a second.

    Returns
    -------
    AdversarialSweep

    Raises
    ------
    ValueError
        An α < 0, an unknown target, fewer than two groups, mismatched lengths.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); s = np.repeat(["a", "b"], 150)
    >>> y = (X[:, 0] + (s == "a") + rng.normal(size=300) > 0.5).astype(int)
    >>> X = np.column_stack([X, s == "a"])
    >>> sweep = adversary_sweep(X, y, s, [0.0, 1.0], epochs=60, lr=0.05, random_state=0,
    ...                         progress=False)
    >>> sweep.frame[["alpha", "split", "accuracy", "dp_gap"]].round(2)
       alpha  split  accuracy  dp_gap
    0    0.0  train      0.83    0.29
    1    1.0  train      0.79    0.15

    Lesson: 07-adversarial-debiasing
    """
    hidden, adv_hidden, adv_lr = _check_settings(None, target, hidden, adversary_hidden, epochs,
                                                 lr, adversary_lr, batch_size)
    alpha_arr = sweep_grid(alphas, "alphas", example="[0, 0.1, 0.3, 1, 3]")
    settings = dict(target=target, hidden=hidden, adversary_hidden=adv_hidden, epochs=epochs,
                    lr=lr, adversary_lr=adversary_lr, batch_size=batch_size,
                    projection=projection, random_state=random_state)
    template = AdversarialClassifier(**settings)
    X, classes, y01, seed = sweep_inputs(template, X, y, random_state)
    groups = _groups_for_fit(sensitive_features, len(y01))
    start = time.perf_counter()
    out = _train_pair(X, y01, groups.codes, groups.n_groups, alpha_arr, target=target,
                      hidden=hidden, adversary_hidden=adv_hidden, epochs=epochs, lr=lr,
                      adversary_lr=adv_lr, batch_size=batch_size, projection=projection,
                      seed=seed, progress=progress)
    seconds = time.perf_counter() - start

    models = []
    for i, a in enumerate(alpha_arr):
        m = AdversarialClassifier(alpha=float(a), **settings)
        m.classes_, m.n_features_in_ = classes, X.shape[1]
        m.groups_ = groups.labels
        m._set_weights([p[i] for p in out.predictor], [p[i] for p in out.adversary],
                       out.history[out.history["alpha"] == a].drop(columns="alpha"), groups)
        models.append(m)

    y_int = y01.astype(np.int64)
    splits = {"train": (X, y_int, groups, as_1d(sensitive_features, "sensitive_features"))}
    held_out = held_out_split(models[0], classes, X_test, y_test, sensitive_features_test)
    if held_out is not None:
        Xt, yt01 = held_out
        st_raw = as_1d(sensitive_features_test, "sensitive_features_test")
        codes = pd.Index(groups.labels).get_indexer(pd.Index(st_raw.astype(object)))
        if (codes < 0).any():
            raise ValueError(f"sensitive_features_test has groups {sorted(set(st_raw[codes < 0]))} "
                             f"that training does not have ({groups.labels}); the adversary "
                             "can only predict groups it was trained on.")
        gt = Groups(codes=codes.astype(np.int64), index=groups.index,
                    counts=np.bincount(codes, minlength=groups.n_groups))
        splits["test"] = (Xt, yt01, gt, st_raw)

    params_t = [torch.as_tensor(p, dtype=torch.float64) for p in out.predictor]
    adv_t = [torch.as_tensor(p, dtype=torch.float64) for p in out.adversary]
    proba, rows, baseline = {}, [], {}
    majority = int(np.argmax(groups.counts))
    with torch.no_grad():
        for name, (Xs, ys, gs, _) in splits.items():
            z = forward(torch.tensor(np.asarray(Xs, dtype=np.float64)), params_t)
            proba[name] = torch.sigmoid(z).numpy()
            a_logits = _adversary_forward(
                _adversary_input(z, torch.as_tensor(ys, dtype=torch.float64), target), adv_t)
            adv_acc = (a_logits.argmax(-1).numpy() == gs.codes[None, :]).mean(1)
            adv_auc = (_auc_rows((a_logits[..., 1] - a_logits[..., 0]).numpy(), gs.codes == 1)
                       if groups.n_groups == 2 else np.full(len(alpha_arr), np.nan))
            metrics = sweep_metrics(proba[name], ys, gs)
            # a fresh adversary per α, fitted on the training scores, scored on this split
            eo = target == "equalized_odds"
            audit = np.array([audit_adversary(
                proba["train"][i], groups.codes, y=y_int if eo else None,
                scores_test=proba[name][i], sensitive_features_test=gs.codes,
                y_test=ys if eo else None)[::3] for i in range(len(alpha_arr))])
            baseline[name] = float((gs.codes == majority).mean())
            rows.append(pd.DataFrame({"alpha": alpha_arr, "split": name, **metrics,
                                      "adversary_accuracy": adv_acc, "adversary_auc": adv_auc,
                                      "audit_accuracy": audit[:, 0],
                                      "audit_auc": audit[:, 1]}))
    frame = pd.concat(rows, ignore_index=True)
    return AdversarialSweep(
        frame=frame, models=models, alphas=alpha_arr, target=target, history=out.history,
        proba=proba, y={k: v[1] for k, v in splits.items()},
        sensitive_features={k: v[3] for k, v in splits.items()}, baseline=baseline,
        X={k: v[0] for k, v in splits.items()}, params=settings, seconds=seconds,
    )
