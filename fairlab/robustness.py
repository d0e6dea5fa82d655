r"""Who a model fails: under-representation, adversarial examples, adversarial training.

An image task small enough for a laptop's CPU: scikit-learn's 8×8 handwritten
digits (1,797 images, shipped with scikit-learn, nothing downloaded). To study a
group that is rare in the training data we build one transparently: a **writing
style**. :func:`stylize` slants every row of an image to the right (the top row
moves two pixels, the bottom row none) and thickens each stroke one pixel to the
right. The transform is deterministic and keeps the digit readable to a person;
only *how often* a model sees it during training changes. This reproduces, in
miniature, the face-recognition finding of Buolamwini & Gebru (2018): a model
trained mostly on one kind of image errs far more on the kind it rarely saw.

Attacks are L∞-bounded, in pixel units (pixels are scaled to [0, 1]):

* FGSM (Goodfellow, Shlens & Szegedy 2015): one step
  :math:`x' = \operatorname{clip}_{[0,1]}(x + \varepsilon\,\operatorname{sign}\nabla_x L)`.
* PGD (Madry et al. 2018): a random start in the ε-ball, then ``n_steps`` signed
  gradient steps, each projected back onto the ε-ball and the pixel range.

Adversarial training (Madry et al. 2018) fits the network on PGD examples made
afresh from every mini-batch. Xu et al. (2021) showed that it makes accuracy and
robustness *less equal across classes*; :func:`accuracy_table` reports both per
class and per group so the lesson can measure that gap.

Lesson: 15-robustness-and-privacy-who-pays
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils import Bunch
from sklearn.utils.validation import check_random_state

from fairlab._validation import as_1d, check_choice, check_groups, check_in_range

__all__ = [
    "GROUPS",
    "stylize",
    "load_styled_digits",
    "make_mlp",
    "train_mlp",
    "predict",
    "fgsm",
    "pgd",
    "attack",
    "accuracy_table",
    "as_tensors",
    "seed_from",
    "representation_sweep",
]

#: The two writing styles, majority first.
GROUPS = ("standard", "styled")
ATTACKS = ("fgsm", "pgd")
_SHIFT = np.array([2, 2, 1, 1, 1, 0, 0, 0])  # pixels each row (top → bottom) moves right


# --------------------------------------------------------------------------- data
def seed_from(random_state: Any) -> int:
    """An int seed from ``random_state``: an int, a numpy Generator/RandomState, or None.

    Examples
    --------
    >>> seed_from(3) == seed_from(3), isinstance(seed_from(None), int)
    (True, True)

    Lesson: 15-robustness-and-privacy-who-pays
    """
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    if random_state is not None and (isinstance(random_state, bool) or not isinstance(
            random_state, int | np.integer | np.random.RandomState)):
        raise TypeError(f"random_state must be an int, a numpy Generator or None; got "
                        f"{type(random_state).__name__} {random_state!r}.")
    return int(check_random_state(random_state).randint(2**31 - 1))


def stylize(images: Any) -> np.ndarray:
    """The minority's writing style: slanted to the right and one pixel bolder.

    Row ``r`` of each 8×8 image (top = 0) moves right by ``(2, 2, 1, 1, 1, 0, 0,
    0)[r]`` pixels (pixels pushed past the edge are dropped, blanks are 0); then
    every pixel takes the larger of itself and its left neighbour, which thickens
    vertical strokes by one pixel. Deterministic; a person still reads the digit.

    Parameters
    ----------
    images : array-like of shape (n, 8, 8) or (n, 64)
        Pixel intensities (any scale; the maximum is kept).

    Returns
    -------
    ndarray of the same shape, float64

    Examples
    --------
    >>> img = np.zeros((1, 8, 8)); img[0, :, 3] = 1      # a vertical bar in column 3
    >>> out = stylize(img)[0]
    >>> np.flatnonzero(out[0]).tolist(), np.flatnonzero(out[7]).tolist()
    ([5, 6], [3, 4])

    Lesson: 15-robustness-and-privacy-who-pays
    """
    arr = np.asarray(images, dtype=float)
    flat = arr.ndim == 2
    if flat:
        if arr.shape[1] != 64:
            raise ValueError(f"images must be 8×8: shape (n, 8, 8) or (n, 64); got {arr.shape}.")
        arr = arr.reshape(-1, 8, 8)
    if arr.ndim != 3 or arr.shape[1:] != (8, 8):
        raise ValueError(f"images must be 8×8: shape (n, 8, 8) or (n, 64); got {arr.shape}.")
    cols = np.arange(8)
    src = cols[None, :] - _SHIFT[:, None]                      # (row, col) → source column
    valid = src >= 0
    shifted = np.where(valid, arr[:, np.arange(8)[:, None], np.clip(src, 0, 7)], 0.0)
    out = shifted.copy()
    out[:, :, 1:] = np.maximum(shifted[:, :, 1:], shifted[:, :, :-1])
    return out.reshape(-1, 64) if flat else out


def load_styled_digits(*, minority_share: float = 0.1, test_size: float = 0.35,
                       random_state: Any = 0) -> Bunch:
    """Digits with a rare writing style in training, and both styles in full at test.

    The 1,797 digits are split (stratified by digit) into training and test
    images. In training, a random ``minority_share`` of the images is drawn in the
    ``"styled"`` writing style (:func:`stylize`), the rest stay ``"standard"``. In
    test, *every* test image appears twice, once per style, so the two groups have
    the same digits and the same size: a difference in accuracy is due to the
    style alone.

    Parameters
    ----------
    minority_share : float in [0, 1], default=0.1
        Share of training images in the styled group.
    test_size : float in (0, 1), default=0.35
    random_state : int, numpy Generator or None, default=0
        Seeds the split and which training images are styled.

    Returns
    -------
    Bunch with ``X_train, y_train, s_train, X_test, y_test, s_test`` (X: float32
    of shape (n, 64) in [0, 1]; s: ``"standard"`` / ``"styled"``).

    Examples
    --------
    >>> d = load_styled_digits(minority_share=0.1)
    >>> d.X_train.shape, round(float((d.s_train == "styled").mean()), 2)
    ((1168, 64), 0.1)
    >>> d.X_test.shape, (d.s_test == "styled").sum() == (d.s_test == "standard").sum()
    ((1258, 64), np.True_)

    Lesson: 15-robustness-and-privacy-who-pays
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    check_in_range(minority_share, "minority_share", low=0, high=1)
    check_in_range(test_size, "test_size", low=0, high=1, low_inclusive=False,
                   high_inclusive=False)
    rng = np.random.default_rng(seed_from(random_state))
    digits = load_digits()
    images, y = digits.images / 16.0, digits.target.astype(np.int64)
    split_seed = int(rng.integers(2**31 - 1))
    tr, te = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y,
                              random_state=split_seed)
    n_styled = int(round(minority_share * len(tr)))
    styled = np.zeros(len(tr), dtype=bool)
    styled[rng.permutation(len(tr))[:n_styled]] = True
    img_tr = images[tr].copy()
    img_tr[styled] = stylize(img_tr[styled])
    X_test = np.concatenate([images[te], stylize(images[te])]).reshape(-1, 64)
    return Bunch(
        X_train=img_tr.reshape(-1, 64).astype(np.float32), y_train=y[tr],
        s_train=np.where(styled, GROUPS[1], GROUPS[0]).astype(object),
        X_test=X_test.astype(np.float32), y_test=np.concatenate([y[te], y[te]]),
        s_test=np.repeat(np.array(GROUPS, dtype=object), len(te)),
        minority_share=float(minority_share),
    )


# ----------------------------------------------------------------------- networks
def _check_X(X: Any, name: str = "X") -> torch.Tensor:
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    try:
        arr = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a numeric array of shape (n, n_features); got "
                        f"{type(X).__name__}.") from None
    if arr.ndim != 2 or len(arr) == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (n, n_features); got shape "
                         f"{arr.shape}. Flatten images first: X.reshape(len(X), -1).")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} has NaN or infinite values; clean them before training.")
    return torch.from_numpy(np.ascontiguousarray(arr))


def _check_y(y: Any, n: int, name: str = "y") -> torch.Tensor:
    arr = as_1d(y, name)
    if len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} entries but X has {n} rows; pass one label "
                         "per row.")
    if arr.dtype.kind not in "iu" or (arr < 0).any():
        raise ValueError(f"{name} must hold class indices 0, 1, 2, …; got dtype {arr.dtype}. "
                         "Encode the labels first, e.g. with np.unique(y, return_inverse=True).")
    return torch.from_numpy(arr.astype(np.int64))


def as_tensors(X: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Validate features and class labels; return float32 and int64 tensors.

    Examples
    --------
    >>> X, y = as_tensors([[0.0, 1.0]], [3])
    >>> X.dtype, y.tolist()
    (torch.float32, [3])

    Lesson: 15-robustness-and-privacy-who-pays
    """
    x = _check_X(X)
    return x, _check_y(y, len(x))


def _check_model(model: Any) -> torch.nn.Module:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module mapping X to class logits (e.g. "
                        f"from train_mlp); got {type(model).__name__}.")
    return model


def make_mlp(n_features: int, n_classes: int, *, hidden: Sequence[int] = (64,),
             random_state: Any = 0) -> torch.nn.Sequential:
    """A small ReLU network mapping features to class logits, seeded.

    The global torch RNG is left as it was: the weights come from ``random_state``.

    Examples
    --------
    >>> net = make_mlp(64, 10, hidden=(32,))
    >>> [tuple(p.shape) for p in net.parameters()]
    [(32, 64), (32,), (10, 32), (10,)]

    Lesson: 15-robustness-and-privacy-who-pays
    """
    sizes = [int(n_features), *[int(h) for h in hidden], int(n_classes)]
    if min(sizes) < 1:
        raise ValueError(f"every layer needs at least one unit; got sizes {sizes}.")
    layers: list[torch.nn.Module] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed_from(random_state))
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(torch.nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _check_attack_settings(epsilon: Any, n_steps: Any, step_size: Any) -> tuple[float, int,
                                                                                  float]:
    eps = check_in_range(epsilon, "epsilon", low=0)
    if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 1:
        raise ValueError(f"n_steps must be a positive integer; got {n_steps!r}.")
    step = 2.5 * eps / int(n_steps) if step_size is None else check_in_range(
        step_size, "step_size", low=0, low_inclusive=False)
    return eps, int(n_steps), float(step)


def train_mlp(X: Any, y: Any, *, hidden: Sequence[int] = (64,), epochs: int = 30,
              lr: float = 3e-3, batch_size: int = 64, adversarial: str | None = None,
              epsilon: float = 0.1, n_steps: int = 5, random_state: Any = 0
              ) -> torch.nn.Sequential:
    """Train :func:`make_mlp` with Adam on mini-batches; optionally adversarially.

    ``adversarial="pgd"`` is Madry et al.'s (2018) adversarial training: each
    mini-batch is replaced by its PGD examples (ε = ``epsilon``, ``n_steps``
    steps) against the current weights before the step. ``"fgsm"`` uses one FGSM
    step instead (cheaper, weaker). ``None`` trains on the clean images.

    Parameters
    ----------
    X : array-like of shape (n, d), values in [0, 1]
    y : array-like of int class indices
    hidden, epochs, lr, batch_size : network size and training settings
    adversarial : {None, "fgsm", "pgd"}, default=None
    epsilon : float >= 0, default=0.1
        The L∞ radius of the training attack, in pixel units.
    n_steps : int, default=5
    random_state : int, numpy Generator or None, default=0
        Seeds the weights, the batch order and PGD's random starts.

    Returns
    -------
    torch.nn.Sequential, in eval mode

    Examples
    --------
    >>> d = load_styled_digits()
    >>> net = train_mlp(d.X_train, d.y_train, epochs=3)
    >>> round(float((predict(net, d.X_test) == d.y_test).mean()), 2) > 0.5
    True

    Lesson: 15-robustness-and-privacy-who-pays
    """
    Xt = _check_X(X)
    yt = _check_y(y, len(Xt))
    if adversarial is not None:
        check_choice(adversarial, "adversarial", [*ATTACKS, None])
    eps, n_steps, step = _check_attack_settings(epsilon, n_steps, None)
    for name, v in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}.")
    check_in_range(lr, "lr", low=0, low_inclusive=False)
    seed = seed_from(random_state)
    net = make_mlp(Xt.shape[1], int(yt.max()) + 1, hidden=hidden, random_state=seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed + 1)
    for _ in range(epochs):
        order = torch.randperm(len(yt), generator=gen)
        for start in range(0, len(yt), batch_size):
            idx = order[start:start + batch_size]
            xb, yb = Xt[idx], yt[idx]
            if adversarial is not None and eps > 0:
                xb = _attack(net, xb, yb, eps, 1 if adversarial == "fgsm" else n_steps,
                             eps if adversarial == "fgsm" else step,
                             gen if adversarial == "pgd" else None)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xb), yb).backward()
            opt.step()
    return net.eval()


def predict(model: torch.nn.Module, X: Any) -> np.ndarray:
    """Class predictions (argmax of the logits) as an int array.

    Examples
    --------
    >>> lin = torch.nn.Linear(2, 2)
    >>> with torch.no_grad(): _ = lin.weight.copy_(torch.eye(2)); _ = lin.bias.zero_()
    >>> predict(lin, [[1.0, 0.0], [0.0, 2.0]]).tolist()
    [0, 1]

    Lesson: 15-robustness-and-privacy-who-pays
    """
    model = _check_model(model)
    with torch.no_grad():
        return model(_check_X(X)).argmax(1).numpy()


# ------------------------------------------------------------------------ attacks
def _input_grad(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x = x.detach().requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(model(x), y, reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return grad


def _attack(model, x, y, eps, n_steps, step, gen) -> torch.Tensor:
    """PGD (``gen`` given: random start) or FGSM (``n_steps=1, step=eps, gen=None``)."""
    if gen is None:
        adv = x.clone()
    else:
        noise = torch.rand(x.shape, generator=gen, dtype=x.dtype) * 2 - 1
        adv = (x + eps * noise).clamp(0, 1)
    for _ in range(n_steps):
        adv = adv + step * _input_grad(model, adv, y).sign()
        adv = torch.min(torch.max(adv, x - eps), x + eps).clamp(0, 1)
    return adv.detach()


def fgsm(model: torch.nn.Module, X: Any, y: Any, *, epsilon: float) -> np.ndarray:
    r"""Fast gradient sign method (Goodfellow et al. 2015), L∞, pixels kept in [0, 1].

    .. math:: x' = \operatorname{clip}_{[0,1]}\bigl(x + \varepsilon\,
              \operatorname{sign}\nabla_x \mathrm{CE}(f(x), y)\bigr)

    Parameters
    ----------
    model : torch.nn.Module mapping X to class logits
    X : array-like of shape (n, d), values in [0, 1]
    y : array-like of int, the true classes
    epsilon : float >= 0, the largest change of any pixel

    Returns
    -------
    ndarray of shape (n, d), float32

    Examples
    --------
    A linear model with logits ``(0, x₀ − x₁)``: for class 0 the loss grows with
    x₀ and falls with x₁, so FGSM raises x₀ and lowers x₁ by ε.

    >>> lin = torch.nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, -1.0]])); _ = lin.bias.zero_()
    >>> fgsm(lin, [[0.5, 0.5]], [0], epsilon=0.1).round(3).tolist()
    [[0.6, 0.4]]

    Lesson: 15-robustness-and-privacy-who-pays
    """
    model = _check_model(model)
    x = _check_X(X)
    eps = check_in_range(epsilon, "epsilon", low=0)
    return _attack(model, x, _check_y(y, len(x)), eps, 1, eps, None).numpy()


def pgd(model: torch.nn.Module, X: Any, y: Any, *, epsilon: float, n_steps: int = 10,
        step_size: float | None = None, random_state: Any = 0) -> np.ndarray:
    """Projected gradient descent attack (Madry et al. 2018), L∞, pixels kept in [0, 1].

    A uniform random start in the ε-ball, then ``n_steps`` steps of
    ``step_size · sign(∇ₓ loss)``, each projected back onto the ε-ball around
    ``X`` and onto [0, 1]. ``step_size=None`` uses 2.5·ε / n_steps (Madry et al.).

    Examples
    --------
    >>> lin = torch.nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = lin.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, -1.0]])); _ = lin.bias.zero_()
    >>> pgd(lin, [[0.5, 0.5]], [0], epsilon=0.1).round(3).tolist()  # the ball's corner
    [[0.6, 0.4]]

    Lesson: 15-robustness-and-privacy-who-pays
    """
    model = _check_model(model)
    x = _check_X(X)
    yt = _check_y(y, len(x))
    eps, n, step = _check_attack_settings(epsilon, n_steps, step_size)
    gen = torch.Generator().manual_seed(seed_from(random_state))
    return _attack(model, x, yt, eps, n, step, gen).numpy()


def attack(model: torch.nn.Module, X: Any, y: Any, *, method: str = "pgd", epsilon: float,
           random_state: Any = 0) -> np.ndarray:
    """:func:`fgsm` or :func:`pgd` by name (ε = 0 returns ``X`` unchanged).

    Examples
    --------
    >>> lin = torch.nn.Linear(2, 2)
    >>> attack(lin, [[0.5, 0.5]], [0], method="fgsm", epsilon=0.0).tolist()
    [[0.5, 0.5]]

    Lesson: 15-robustness-and-privacy-who-pays
    """
    check_choice(method, "method", ATTACKS)
    if method == "fgsm":
        return fgsm(model, X, y, epsilon=epsilon)
    return pgd(model, X, y, epsilon=epsilon, random_state=random_state)


# ------------------------------------------------------------------------ reports
def accuracy_table(model: torch.nn.Module, X: Any, y: Any, *, sensitive_features: Any,
                   epsilons: Sequence[float] = (0.0,), method: str = "pgd",
                   by: str = "group", random_state: Any = 0) -> pd.DataFrame:
    """Accuracy under attack, per group (or per class) and overall, for each ε.

    ε = 0 is the clean accuracy; ε > 0 is the *robust* accuracy: the share of
    rows still classified correctly after the attack.

    Parameters
    ----------
    model : torch.nn.Module
    X, y : test images and their classes
    sensitive_features : array-like, one group label per row
    epsilons : sequence of float >= 0
    method : {"pgd", "fgsm"}
    by : {"group", "class"}
        Rows of the table: the sensitive groups, or the true classes.
    random_state : seeds PGD's random start

    Returns
    -------
    DataFrame indexed by ``by`` (plus a row ``"all"``), one column per ε.

    Examples
    --------
    >>> lin = torch.nn.Linear(2, 2)
    >>> with torch.no_grad(): _ = lin.weight.copy_(torch.eye(2)); _ = lin.bias.zero_()
    >>> X = [[1.0, 0.0], [0.0, 1.0], [0.6, 0.4]]
    >>> accuracy_table(lin, X, [0, 1, 1], sensitive_features=["a", "a", "b"])
           0.0
    group
    a      1.0
    b      0.0
    all    0.667

    Lesson: 15-robustness-and-privacy-who-pays
    """
    model = _check_model(model)
    x = _check_X(X)
    yt = _check_y(y, len(x))
    check_choice(by, "by", ["group", "class"])
    check_choice(method, "method", ATTACKS)
    groups = check_groups(sensitive_features, len(x), rows_of="X")
    if by == "class":
        keys = yt.numpy()
        labels = pd.Index(np.unique(keys), name="class")
        codes = np.searchsorted(labels.to_numpy(), keys)
    else:
        labels, codes = groups.index.rename("group"), groups.codes
    eps_list = [check_in_range(e, "every epsilon", low=0) for e in np.atleast_1d(epsilons)]
    cols = {}
    for e in eps_list:
        xa = x.numpy() if e == 0 else attack(model, x, yt, method=method, epsilon=e,
                                              random_state=random_state)
        right = (predict(model, xa) == yt.numpy()).astype(float)
        per = np.bincount(codes, right, len(labels)) / np.bincount(codes, minlength=len(labels))
        cols[e] = np.append(per, right.mean()).round(3)
    index = pd.Index([*labels.tolist(), "all"], name=labels.name)
    return pd.DataFrame(cols, index=index)


def representation_sweep(shares: Sequence[float], *, hidden: Sequence[int] = (64,),
                         epochs: int = 30, random_state: Any = 0,
                         sensitive_features: str = "style") -> pd.DataFrame:
    """Test accuracy of each writing style as the styled group's training share shrinks.

    For each share, :func:`load_styled_digits` (same split, same seed) and
    :func:`train_mlp` (same initial weights); then the accuracy on the full,
    balanced test set of each style.

    Parameters
    ----------
    shares : sequence of float in [0, 1]
    hidden, epochs : network size and training length
    random_state : int, numpy Generator or None
    sensitive_features : {"style"}
        The grouping (only the writing style exists in this data set).

    Returns
    -------
    DataFrame with columns ``share, standard, styled, gap`` (gap = standard − styled).

    Examples
    --------
    >>> f = representation_sweep([0.5], epochs=5)
    >>> list(f.columns), bool(f.gap.abs().iloc[0] < 0.2)
    (['share', 'standard', 'styled', 'gap'], True)

    Lesson: 15-robustness-and-privacy-who-pays
    """
    check_choice(sensitive_features, "sensitive_features", ["style"])
    shares = [check_in_range(s, "every share", low=0, high=1) for s in shares]
    if not shares:
        raise ValueError("shares is empty; pass training shares such as [0.5, 0.1, 0.02].")
    seed = seed_from(random_state)
    rows = []
    for share in shares:
        d = load_styled_digits(minority_share=share, random_state=seed)
        net = train_mlp(d.X_train, d.y_train, hidden=hidden, epochs=epochs, random_state=seed)
        t = accuracy_table(net, d.X_test, d.y_test, sensitive_features=d.s_test)[0.0]
        rows.append({"share": share, "standard": t["standard"], "styled": t["styled"]})
    frame = pd.DataFrame(rows)
    frame["gap"] = (frame["standard"] - frame["styled"]).round(3)
    return frame
