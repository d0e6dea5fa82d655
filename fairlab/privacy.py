r"""Differentially private training (DP-SGD) with Opacus, and who pays for it.

DP-SGD (Abadi et al. 2016) makes each training step differentially private:

1. sample a batch (Poisson sampling: each row joins with probability q);
2. compute each example's gradient :math:`g_i` and **clip** it to norm at most C,
   :math:`\bar g_i = g_i / \max(1, \lVert g_i\rVert_2 / C)`;
3. add Gaussian **noise** of standard deviation σ·C to the sum and divide by the
   expected batch size qN: :math:`\tilde g = (\sum_i \bar g_i + \mathcal N(0, σ^2C^2 I)) / (qN)`;
4. take the optimiser step with :math:`\tilde g`.

A **privacy accountant** turns (σ, q, number of steps, δ) into the ε of an
(ε, δ)-DP guarantee for the whole run; we ask it for the σ that reaches a target ε.

We use Opacus (Yousefpour et al. 2021) rather than writing this by hand: its
``GradSampleModule`` computes per-example gradients of ``Linear`` layers in one
vectorised pass, its ``DPOptimizer`` clips and adds the noise, its data loader
does the Poisson sampling the accountant assumes, and its accountants (RDP,
Mironov 2017; PRV, Gopi et al. 2021) are reviewed implementations of the
arithmetic that is easiest to get wrong. :func:`make_private` is the thin,
seeded wrapper the lesson and the tests use.

Bagdasaryan, Poursaeed & Shmatikov (2019) found that DP-SGD's accuracy cost
falls hardest on under-represented groups: clipping caps how much any example,
and so a rare group's large gradients, can move the model, and the noise drowns
the weaker signal the group leaves. :func:`private_sweep` measures it per group.

Lesson: 15-robustness-and-privacy-who-pays
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from fairlab._validation import check_choice, check_in_range
from fairlab.robustness import accuracy_table, as_tensors, make_mlp, seed_from

__all__ = [
    "ACCOUNTANTS",
    "PrivateModel",
    "check_privacy_budget",
    "make_private",
    "noise_multiplier_for",
    "epsilon_spent",
    "train_private",
    "private_sweep",
]

#: Privacy accountants Opacus offers: Rényi DP (Mironov 2017), the PRV accountant
#: (Gopi et al. 2021, tighter), and the Gaussian DP CLT (Dong et al. 2019).
ACCOUNTANTS = ("rdp", "prv", "gdp")


def check_privacy_budget(epsilon: Any, delta: Any, *, n_rows: int | None = None
                         ) -> tuple[float, float]:
    """Validate an (ε, δ) budget: ε > 0 (``inf`` = not private), 0 < δ < 1.

    With ``n_rows``, δ must also be below 1/n_rows: a δ that large allows a
    mechanism that publishes one training row outright.

    Examples
    --------
    >>> check_privacy_budget(1.0, 1e-5)
    (1.0, 1e-05)
    >>> check_privacy_budget(0, 1e-5)
    Traceback (most recent call last):
    ...
    ValueError: epsilon must be > 0 (smaller is more private; float('inf') = no privacy); got 0.

    Lesson: 15-robustness-and-privacy-who-pays
    """
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float | np.integer
                                                   | np.floating):
        raise TypeError(f"epsilon must be a number; got {type(epsilon).__name__} {epsilon!r}.")
    if not float(epsilon) > 0:  # also catches NaN
        raise ValueError("epsilon must be > 0 (smaller is more private; float('inf') = no "
                         f"privacy); got {epsilon:g}.")
    d = check_in_range(delta, "delta", low=0, high=1, low_inclusive=False,
                       high_inclusive=False)
    if n_rows is not None and d >= 1 / n_rows:
        raise ValueError(f"delta must be below 1/n = {1 / n_rows:.2g} for {n_rows} training "
                         f"rows; got {d:g}. Use e.g. delta = 1e-5.")
    return float(epsilon), d


def _quiet():
    """Opacus warns about its insecure RNG (we want seeded noise) and full backward hooks."""
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")
    warnings.filterwarnings("ignore", message=".*full backward hook.*")
    warnings.filterwarnings("ignore", message=".*[Oo]ptimal order.*")
    return ctx


def noise_multiplier_for(epsilon: float, *, delta: float, sample_rate: float, steps: int,
                         accountant: str = "rdp") -> float:
    """The smallest σ (noise / clip norm) whose run of ``steps`` reaches (ε, δ).

    Opacus's ``get_noise_multiplier`` (a bisection on the accountant), to within
    1 % of ε.

    Examples
    --------
    >>> round(noise_multiplier_for(1.0, delta=1e-5, sample_rate=0.01, steps=1000), 1)
    1.5

    Lesson: 15-robustness-and-privacy-who-pays
    """
    from opacus.accountants.utils import get_noise_multiplier

    eps, d = check_privacy_budget(epsilon, delta)
    check_in_range(sample_rate, "sample_rate", low=0, high=1, low_inclusive=False)
    check_choice(accountant, "accountant", ACCOUNTANTS)
    if math.isinf(eps):
        return 0.0
    ctx = _quiet()
    try:
        return float(get_noise_multiplier(target_epsilon=eps, target_delta=d,
                                          sample_rate=sample_rate, steps=int(steps),
                                          accountant=accountant))
    finally:
        ctx.__exit__(None, None, None)


def epsilon_spent(*, noise_multiplier: float, sample_rate: float, steps: int, delta: float,
                  accountant: str = "rdp") -> float:
    """The ε an accountant certifies for ``steps`` DP-SGD steps at (σ, q), for δ.

    Examples
    --------
    >>> round(epsilon_spent(noise_multiplier=1.5, sample_rate=0.01, steps=1000,
    ...                     delta=1e-5), 2)
    1.01

    Lesson: 15-robustness-and-privacy-who-pays
    """
    from opacus.accountants import create_accountant

    check_choice(accountant, "accountant", ACCOUNTANTS)
    sigma = check_in_range(noise_multiplier, "noise_multiplier", low=0)
    q = check_in_range(sample_rate, "sample_rate", low=0, high=1, low_inclusive=False)
    _, d = check_privacy_budget(1.0, delta)
    if sigma == 0:
        return math.inf
    acc = create_accountant(accountant)
    acc.history = [(sigma, q, int(steps))]
    ctx = _quiet()
    try:
        return float(acc.get_epsilon(delta=d))
    finally:
        ctx.__exit__(None, None, None)


def make_private(module: torch.nn.Module, optimizer: torch.optim.Optimizer,
                 data_loader: torch.utils.data.DataLoader, *, noise_multiplier: float,
                 max_grad_norm: float, random_state: Any = 0) -> tuple[Any, Any, Any]:
    """Wrap a model, optimiser and loader for DP-SGD (Opacus), with seeded noise.

    Per-example gradients are clipped to L2 norm ≤ ``max_grad_norm`` (C); Gaussian
    noise of standard deviation ``noise_multiplier · C`` (σ·C) is added to their
    sum, which is divided by the expected batch size; the loader samples batches
    by Poisson sampling. Noise and sampling are seeded from ``random_state``, so
    runs repeat exactly (Opacus's ``secure_mode`` is off: right for teaching and
    testing, not for a deployment that must resist an attacker who knows the seed).

    Returns
    -------
    (module, optimizer, data_loader), as Opacus's ``PrivacyEngine.make_private``.

    Examples
    --------
    >>> X, y = torch.rand(8, 3), torch.tensor([0, 1] * 4)
    >>> loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=4)
    >>> lin = torch.nn.Linear(3, 2)
    >>> m, opt, dl = make_private(lin, torch.optim.SGD(lin.parameters(), lr=0.1), loader,
    ...                           noise_multiplier=1.0, max_grad_norm=1.0)
    >>> opt.noise_multiplier, opt.max_grad_norm, opt.expected_batch_size
    (1.0, 1.0, 4)

    Lesson: 15-robustness-and-privacy-who-pays
    """
    from opacus import PrivacyEngine

    sigma = check_in_range(noise_multiplier, "noise_multiplier", low=0)
    c = check_in_range(max_grad_norm, "max_grad_norm", low=0, low_inclusive=False)
    seed = seed_from(random_state)
    data_loader.generator = torch.Generator().manual_seed(seed)
    ctx = _quiet()
    try:
        engine = PrivacyEngine(accountant="rdp")
        return engine.make_private(module=module, optimizer=optimizer, data_loader=data_loader,
                                   noise_multiplier=sigma, max_grad_norm=c,
                                   noise_generator=torch.Generator().manual_seed(seed + 1),
                                   poisson_sampling=True)
    finally:
        ctx.__exit__(None, None, None)


@dataclass
class PrivateModel:
    """A network trained by :func:`train_private`, with its privacy guarantee.

    ``epsilon`` is what the accountant certifies for the run actually made (not
    only the target); ``math.inf`` for a run without noise (``noise_multiplier``
    0: clipping only, not private). ``delta`` is the δ it holds for.
    """

    model: torch.nn.Module
    target_epsilon: float
    epsilon: float
    delta: float
    noise_multiplier: float
    max_grad_norm: float
    sample_rate: float
    steps: int
    accountant: str


def train_private(X: Any, y: Any, *, epsilon: float, delta: float = 1e-5,
                  max_grad_norm: float = 1.0, hidden: Sequence[int] = (64,), epochs: int = 30,
                  batch_size: int = 64, lr: float = 0.5, accountant: str = "rdp",
                  random_state: Any = 0) -> PrivateModel:
    """Train :func:`fairlab.robustness.make_mlp` with DP-SGD to an (ε, δ) budget.

    σ is calibrated by the accountant so that ``epochs`` passes with Poisson
    sampling at rate ``batch_size / n`` spend at most ``epsilon``
    (:func:`noise_multiplier_for`). ``epsilon=float('inf')`` runs the same
    pipeline with σ = 0: per-example clipping at C, Poisson batches, no noise.
    That is *not* private; it separates the cost of clipping from the cost of
    noise (compare it with a network trained without clipping, too).

    Parameters
    ----------
    X, y : training data (float features, int classes)
    epsilon : float > 0 or inf
    delta : float, default=1e-5; must be below 1/n
    max_grad_norm : float > 0, default=1.0 (C, the clipping norm)
    hidden, epochs, batch_size, lr : network and training settings
    accountant : {"rdp", "prv", "gdp"}, default="rdp"
    random_state : int, numpy Generator or None
        Seeds the weights (the same as :func:`fairlab.robustness.train_mlp` with
        this seed), the Poisson batches and the noise.

    Returns
    -------
    PrivateModel

    Raises
    ------
    ValueError
        ε ≤ 0, δ outside (0, 1/n), C ≤ 0, an unknown accountant.

    Examples
    --------
    >>> from fairlab.robustness import load_styled_digits
    >>> d = load_styled_digits()
    >>> pm = train_private(d.X_train, d.y_train, epsilon=2.0, epochs=2)
    >>> round(pm.noise_multiplier, 2), pm.epsilon <= 2.0, pm.delta
    (1.24, True, 1e-05)

    Lesson: 15-robustness-and-privacy-who-pays
    """
    Xt, yt = as_tensors(X, y)
    n = len(Xt)
    eps, d = check_privacy_budget(epsilon, delta, n_rows=n)
    c = check_in_range(max_grad_norm, "max_grad_norm", low=0, low_inclusive=False)
    check_choice(accountant, "accountant", ACCOUNTANTS)
    check_in_range(lr, "lr", low=0, low_inclusive=False)
    for name, v in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}.")
    if batch_size > n:
        raise ValueError(f"batch_size ({batch_size}) is larger than the {n} training rows; "
                         "use a smaller batch.")
    seed = seed_from(random_state)
    net = make_mlp(Xt.shape[1], int(yt.max()) + 1, hidden=hidden, random_state=seed)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xt, yt),
                                         batch_size=batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(seed))
    q = batch_size / n
    steps = epochs * math.ceil(n / batch_size)
    private = not math.isinf(eps)
    sigma = 0.0
    if private:
        sigma = noise_multiplier_for(eps, delta=d, sample_rate=q, steps=steps,
                                     accountant=accountant)
    net, opt, loader = make_private(net, opt, loader, noise_multiplier=sigma,
                                    max_grad_norm=c, random_state=seed)
    done = 0
    ctx = _quiet()
    try:
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                if len(yb):  # a Poisson batch can be empty; the noise step still counts
                    torch.nn.functional.cross_entropy(net(xb), yb).backward()
                opt.step()
                done += 1
    finally:
        ctx.__exit__(None, None, None)
    spent = (epsilon_spent(noise_multiplier=sigma, sample_rate=q, steps=done, delta=d,
                           accountant=accountant) if private else math.inf)
    # a plain copy of the weights, free of Opacus's hooks and per-example gradient buffers
    model = make_mlp(Xt.shape[1], int(yt.max()) + 1, hidden=hidden, random_state=seed)
    model.load_state_dict((net._module if hasattr(net, "_module") else net).state_dict())
    return PrivateModel(model=model.eval(), target_epsilon=eps, epsilon=spent, delta=d,
                        noise_multiplier=sigma, max_grad_norm=c,
                        sample_rate=q, steps=done, accountant=accountant)


def private_sweep(X: Any, y: Any, X_test: Any, y_test: Any, *, sensitive_features: Any,
                  epsilons: Sequence[float], delta: float = 1e-5,
                  random_state: Any = 0, **train_kw: Any) -> tuple[pd.DataFrame, dict]:
    """Train one DP-SGD model per ε; test accuracy overall and per group.

    Parameters
    ----------
    X, y : training data
    X_test, y_test : test data
    sensitive_features : group label of each *test* row
    epsilons : sequence of float > 0 (``inf``: clipping without noise, not private)
    delta : float
    random_state : int, numpy Generator or None (the same seed for every ε, so
        every model starts from the same weights)
    **train_kw : passed to :func:`train_private`

    Returns
    -------
    (frame, models): ``frame`` has one row per ε with columns ``epsilon`` (the
    target), ``epsilon_spent`` (the accountant's), ``delta``, ``noise_multiplier``,
    one accuracy column per group and ``all``; ``models`` maps ε → PrivateModel.

    Examples
    --------
    >>> from fairlab.robustness import load_styled_digits
    >>> d = load_styled_digits()
    >>> f, _ = private_sweep(d.X_train, d.y_train, d.X_test, d.y_test,
    ...                      sensitive_features=d.s_test, epsilons=[4.0], epochs=2)
    >>> list(f.columns)
    ['epsilon', 'epsilon_spent', 'delta', 'noise_multiplier', 'standard', 'styled', 'all']

    Lesson: 15-robustness-and-privacy-who-pays
    """
    eps_list = [check_privacy_budget(e, delta)[0] for e in epsilons]
    if not eps_list:
        raise ValueError("epsilons is empty; pass budgets such as [1, 4, float('inf')].")
    seed = seed_from(random_state)
    rows, models = [], {}
    for e in eps_list:
        pm = train_private(X, y, epsilon=e, delta=delta, random_state=seed, **train_kw)
        acc = accuracy_table(pm.model, X_test, y_test, sensitive_features=sensitive_features)
        rows.append({"epsilon": e, "epsilon_spent": round(pm.epsilon, 3), "delta": pm.delta,
                     "noise_multiplier": round(pm.noise_multiplier, 3),
                     **acc[0.0].to_dict()})
        models[e] = pm
    return pd.DataFrame(rows), models
