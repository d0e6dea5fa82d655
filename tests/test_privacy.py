"""fairlab.privacy: DP-SGD's clipping and noise checked by hand; the accountant against the
exact privacy curve of the Gaussian mechanism (Balle & Wang 2018)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.optimize import brentq
from scipy.stats import norm

from fairlab.privacy import (
    check_privacy_budget,
    epsilon_spent,
    make_private,
    noise_multiplier_for,
    private_sweep,
    train_private,
)
from fairlab.robustness import load_styled_digits


def _private_linear(W, b, X, y, *, sigma, C, batch_size, seed=0):
    lin = torch.nn.Linear(W.shape[1], W.shape[0])
    with torch.no_grad():
        lin.weight.copy_(torch.as_tensor(W, dtype=torch.float32))
        lin.bias.copy_(torch.as_tensor(b, dtype=torch.float32))
    ds = torch.utils.data.TensorDataset(torch.as_tensor(X, dtype=torch.float32),
                                        torch.as_tensor(y))
    loader = torch.utils.data.DataLoader(ds, batch_size=batch_size)
    opt = torch.optim.SGD(lin.parameters(), lr=1.0)
    return make_private(lin, opt, loader, noise_multiplier=sigma, max_grad_norm=C,
                        random_state=seed)


def _hand_per_example(W, b, X, y):
    """Per-example gradients of the summed CE of a linear model: (p − e_y) xᵀ and (p − e_y)."""
    z = X @ W.T + b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    return np.einsum("nk,nd->nkd", p, X), p


def _one_step(model, opt, X, y):
    before = [q.detach().clone() for q in model.parameters()]
    opt.zero_grad()
    # Opacus scales per-example gradients of a mean loss back by the batch size
    torch.nn.functional.cross_entropy(model(torch.as_tensor(X, dtype=torch.float32)),
                                      torch.as_tensor(y)).backward()
    opt.step()
    return [(q.detach() - p0).numpy() for q, p0 in zip(model.parameters(), before,
                                                       strict=True)]


def test_per_example_gradients_are_clipped_to_C():
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(3, 4)) * 3, rng.normal(size=3)
    X, y = rng.normal(size=(8, 4)) * 3, rng.integers(0, 3, 8)
    C = 0.5
    model, opt, _ = _private_linear(W, b, X, y, sigma=0.0, C=C, batch_size=8)
    step_W, step_b = _one_step(model, opt, X, y)
    gW, gb = _hand_per_example(W.astype(np.float32), b.astype(np.float32),
                               X.astype(np.float32), y)
    # Opacus's per-example gradients equal the hand ones
    np.testing.assert_allclose(model._module.weight.grad_sample.numpy(), gW, rtol=1e-4,
                               atol=1e-5)
    norms = np.sqrt((gW ** 2).sum((1, 2)) + (gb ** 2).sum(1))
    assert (norms > C).any() and (norms < C).any()  # both branches of the clip are used
    factor = np.minimum(1.0, C / (norms + 1e-6))
    clipped_norms = norms * factor
    assert clipped_norms.max() <= C + 1e-6
    B = opt.expected_batch_size
    assert B == 8
    np.testing.assert_allclose(-step_W, np.einsum("n,nkd->kd", factor, gW) / B, rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(-step_b, (factor[:, None] * gb).sum(0) / B, rtol=1e-4,
                               atol=1e-6)


def test_a_single_example_moves_the_model_by_at_most_C():
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(2, 6)) * 10, rng.normal(size=2)
    X = rng.normal(size=(1, 6)) * 10
    y = np.argmin(X @ W.T + b, axis=1)  # the least likely class: a large gradient
    C = 0.25
    model, opt, _ = _private_linear(W, b, X, y, sigma=0.0, C=C, batch_size=1)
    steps = _one_step(model, opt, X, y)
    moved = math.sqrt(sum(float((s ** 2).sum()) for s in steps))
    assert moved == pytest.approx(C, rel=1e-4)  # the raw gradient is far larger than C


def test_noise_has_standard_deviation_sigma_times_C():
    rng = np.random.default_rng(2)
    W, b = rng.normal(size=(50, 200)) * 0.01, np.zeros(50)
    X, y = rng.random((4, 200)), rng.integers(0, 50, 4)
    sigma, C = 2.0, 0.5
    clean_model, clean_opt, _ = _private_linear(W, b, X, y, sigma=0.0, C=C, batch_size=4)
    noisy_model, noisy_opt, _ = _private_linear(W, b, X, y, sigma=sigma, C=C, batch_size=4)
    clean = np.concatenate([s.ravel() for s in _one_step(clean_model, clean_opt, X, y)])
    noisy = np.concatenate([s.ravel() for s in _one_step(noisy_model, noisy_opt, X, y)])
    noise = (noisy - clean) * noisy_opt.expected_batch_size  # undo the division by qN
    assert noise.size == 50 * 201
    assert abs(noise.mean()) < 4 * sigma * C / math.sqrt(noise.size)
    assert noise.std() == pytest.approx(sigma * C, rel=0.03)
    # seeded: the same random_state gives the same noise
    again_model, again_opt, _ = _private_linear(W, b, X, y, sigma=sigma, C=C, batch_size=4)
    again = np.concatenate([s.ravel() for s in _one_step(again_model, again_opt, X, y)])
    np.testing.assert_array_equal(again, noisy)


def _exact_gaussian_epsilon(sigma, delta):
    """ε of one Gaussian mechanism (sensitivity 1, std σ) at δ: Balle & Wang (2018), Thm 8."""
    def gap(eps):
        return (norm.cdf(0.5 / sigma - eps * sigma)
                - math.exp(eps) * norm.cdf(-0.5 / sigma - eps * sigma) - delta)
    return brentq(gap, 0.0, 100.0)


@pytest.mark.parametrize("sigma", [1.0, 2.0, 4.0])
def test_accountants_against_the_exact_gaussian_mechanism(sigma):
    delta = 1e-5
    exact = _exact_gaussian_epsilon(sigma, delta)
    prv = epsilon_spent(noise_multiplier=sigma, sample_rate=1.0, steps=1, delta=delta,
                        accountant="prv")
    rdp = epsilon_spent(noise_multiplier=sigma, sample_rate=1.0, steps=1, delta=delta)
    assert prv == pytest.approx(exact, rel=0.03)  # PRV is (nearly) tight
    assert rdp >= exact * 0.999                     # RDP is a valid upper bound, looser
    assert rdp < exact * 1.6


def test_noise_multiplier_for_inverts_the_accountant():
    q, steps, delta = 128 / 1168, 200, 1e-5
    for eps in (0.5, 2.0, 8.0):
        sigma = noise_multiplier_for(eps, delta=delta, sample_rate=q, steps=steps)
        spent = epsilon_spent(noise_multiplier=sigma, sample_rate=q, steps=steps, delta=delta)
        assert eps * 0.98 <= spent <= eps
    assert noise_multiplier_for(float("inf"), delta=delta, sample_rate=q, steps=steps) == 0.0


def test_train_private_reports_its_budget_and_is_seeded():
    d = load_styled_digits(minority_share=0.1)
    a = train_private(d.X_train, d.y_train, epsilon=2.0, epochs=2, batch_size=128, lr=1.0)
    b = train_private(d.X_train, d.y_train, epsilon=2.0, epochs=2, batch_size=128, lr=1.0)
    assert a.epsilon <= 2.0 and a.delta == 1e-5 and a.max_grad_norm == 1.0
    assert a.steps == 2 * math.ceil(len(d.y_train) / 128)
    assert a.sample_rate == pytest.approx(128 / len(d.y_train))
    assert a.epsilon == pytest.approx(epsilon_spent(noise_multiplier=a.noise_multiplier,
                                                    sample_rate=a.sample_rate, steps=a.steps,
                                                    delta=1e-5))
    for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=0, atol=0)
    plain = train_private(d.X_train, d.y_train, epsilon=float("inf"), epochs=2)
    assert math.isinf(plain.epsilon) and plain.noise_multiplier == 0.0


def test_private_sweep_frame():
    d = load_styled_digits(minority_share=0.1)
    f, models = private_sweep(d.X_train, d.y_train, d.X_test, d.y_test,
                              sensitive_features=d.s_test, epsilons=[1.0, float("inf")],
                              epochs=1, batch_size=128)
    assert list(f.epsilon) == [1.0, float("inf")] and set(models) == {1.0, float("inf")}
    half = len(d.y_test) // 2
    assert f["all"].tolist() == pytest.approx(((f.standard + f.styled) / 2).tolist(),
                                              abs=1e-3)  # the two test groups are equal halves
    assert half * 2 == len(d.y_test)


def test_clear_errors():
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        check_privacy_budget(0.0, 1e-5)
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        check_privacy_budget(-1.0, 1e-5)
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        check_privacy_budget(float("nan"), 1e-5)
    with pytest.raises(TypeError, match="epsilon must be a number"):
        check_privacy_budget("1", 1e-5)
    with pytest.raises(ValueError, match="delta must be < 1"):
        check_privacy_budget(1.0, 1.0)
    with pytest.raises(ValueError, match="delta must be below 1/n"):
        check_privacy_budget(1.0, 0.01, n_rows=1000)
    d = load_styled_digits()
    with pytest.raises(ValueError, match="epsilon must be > 0"):
        train_private(d.X_train, d.y_train, epsilon=0)
    with pytest.raises(ValueError, match="max_grad_norm must be > 0"):
        train_private(d.X_train, d.y_train, epsilon=1.0, max_grad_norm=0)
    with pytest.raises(ValueError, match="accountant must be one of"):
        train_private(d.X_train, d.y_train, epsilon=1.0, accountant="moments")
    with pytest.raises(ValueError, match="batch_size .* larger than"):
        train_private(d.X_train[:10], d.y_train[:10], epsilon=1.0, delta=1e-3, batch_size=64)
    with pytest.raises(ValueError, match="epsilons is empty"):
        private_sweep(d.X_train, d.y_train, d.X_test, d.y_test, sensitive_features=d.s_test,
                      epsilons=[])
