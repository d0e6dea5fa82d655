"""fairlab.alignment: objectives against hand computations, KL against enumeration,
the reward model against planted preferences, the LM adapter against lesson 12's model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from fairlab import alignment as al


def _bigram(V_words, weight, bias):
    """A bigram policy: the hidden state is the one-hot of the last token."""
    V = len(V_words)
    return al.Policy(lambda ids: torch.nn.functional.one_hot(ids, V).double(),
                     torch.as_tensor(weight, dtype=torch.float64),
                     torch.as_tensor(bias, dtype=torch.float64), V_words)


WORDS = ["he", "she", "today", "really", "certainly", "."]


@pytest.fixture(scope="module")
def uniform():
    return _bigram(WORDS, np.zeros((6, 6)), np.zeros(6))


# ------------------------------------------------------------------------ objectives
def test_dpo_loss_matches_hand_computation():
    t = lambda *v: torch.tensor(v, dtype=torch.float64)  # noqa: E731
    # pair 1: z = (-1 - -1.5) - (-2 - -1.5) = 1.0; pair 2: z = (-3 - -2) - (-1 - -1) = -1.0
    got = al.dpo_loss(t(-1.0, -3.0), t(-2.0, -1.0), t(-1.5, -2.0), t(-1.5, -1.0), beta=0.5)
    want = (np.log1p(np.exp(-0.5)) + np.log1p(np.exp(0.5))) / 2
    assert float(got) == pytest.approx(want, abs=1e-12)


def test_dpo_loss_gradient_pushes_chosen_up():
    lc = torch.tensor([-2.0], dtype=torch.float64, requires_grad=True)
    lr = torch.tensor([-2.0], dtype=torch.float64, requires_grad=True)
    ref = torch.tensor([-2.0], dtype=torch.float64)
    al.dpo_loss(lc, lr, ref, ref, beta=1.0).backward()
    # d/dz softplus(-z) at z=0 is -1/2: the chosen log-prob rises, the rejected falls
    assert float(lc.grad) == pytest.approx(-0.5) and float(lr.grad) == pytest.approx(0.5)


def test_kl_penalised_reward_by_hand():
    got = al.kl_penalised_reward(np.array([1.0, 0.0]), np.array([-1.0, -4.0]),
                                 np.array([-2.0, -2.0]), beta=0.25)
    np.testing.assert_allclose(got, [1.0 - 0.25 * 1.0, 0.0 - 0.25 * -2.0])


@pytest.mark.parametrize("beta", [-0.1, -1])
def test_negative_beta_is_a_clear_error(beta, uniform):
    with pytest.raises(ValueError, match="beta must be >= 0"):
        al.kl_penalised_reward(1.0, 0.0, 0.0, beta=beta)
    with pytest.raises(ValueError, match="betas must be >= 0"):
        al.align_sweep(uniform, ["he"], al.Raters(), betas=[0.1, beta], n_steps=1)
    with pytest.raises(ValueError, match="beta must be > 0"):
        al.dpo_loss(torch.zeros(1), torch.zeros(1), torch.zeros(1), torch.zeros(1), beta=beta)


def test_dpo_at_beta_zero_is_refused(uniform):
    with pytest.raises(ValueError, match="DPO needs every beta > 0"):
        al.align_sweep(uniform, ["he"], al.Raters(), betas=[0.0, 0.1], n_steps=1)


def test_empty_preference_data_is_a_clear_error(uniform):
    with pytest.raises(ValueError, match="no preference data"):
        al.collect_preferences(uniform, ["he"], al.Raters(), n_comparisons=0)
    with pytest.raises(ValueError, match="no preference data"):
        al.align_sweep(uniform, ["he"], al.Raters(), n_comparisons=0, n_steps=1)
    with pytest.raises(ValueError, match="no prompts given"):
        al.collect_preferences(uniform, [], al.Raters())


def test_unknown_prompt_words_and_uneven_prompts(uniform):
    with pytest.raises(ValueError, match="does not know"):
        al.sample_completions(uniform, ["nurse"])
    with pytest.raises(ValueError, match="same .* number of words"):
        al.sample_completions(uniform, ["he", "he she"])


# ------------------------------------------------------------------------------- KL
def _exact_kl(pol, ref, prompt_id, T):
    """KL between the two distributions over whole completions, by enumeration."""
    V = len(pol.vocab)
    eos = pol.eos_id

    def dist(p, last):
        return torch.softmax(p.weight[:, last] + p.bias, -1).numpy()  # logits = W @ onehot

    total = 0.0
    for n in range(1, T + 1):
        for seq in itertools.product(range(V), repeat=n):
            ends = [i for i, s in enumerate(seq) if s == eos]
            if ends and ends[0] != n - 1:
                continue  # stops at the first end token
            if not ends and n < T:
                continue  # unfinished completions have exactly T tokens
            lp = lq = 0.0
            last = prompt_id
            for s in seq:
                lp += np.log(dist(pol, last)[s])
                lq += np.log(dist(ref, last)[s])
                last = s
            total += np.exp(lp) * (lp - lq)
    return total


def test_kl_estimate_matches_exact_enumeration():
    rng = np.random.default_rng(0)
    words = ["a", "b", "."]
    ref = _bigram(words, rng.normal(size=(3, 3)), rng.normal(size=3))
    pol = _bigram(words, ref.weight.numpy() + rng.normal(0, 0.8, (3, 3)), rng.normal(size=3))
    pol = al.Policy(ref.body, pol.weight, pol.bias, words)
    exact = _exact_kl(pol, ref, 0, 4)
    est = al.estimate_kl(pol, ref, ["a"], n_samples=20000, max_new_tokens=4, random_state=1)
    assert exact > 0.03  # far from 0: the check has teeth
    assert est == pytest.approx(exact, rel=0.03)
    assert al.estimate_kl(ref, ref, ["a"], n_samples=50, max_new_tokens=4) == 0.0


def test_kl_needs_a_shared_body(uniform):
    other = _bigram(WORDS, np.zeros((6, 6)), np.zeros(6))
    with pytest.raises(ValueError, match="share the body"):
        al.estimate_kl(other, uniform, ["he"])


# -------------------------------------------------------------- raters and the RM
def test_true_score_rule_by_hand():
    r = al.Raters()
    texts = ["he will check today carefully twice first .",  # 4 details, capped at 2
             "she certainly will check really really .",  # 0 - 0.5 - 1.0
             "he will check today"]  # 1 detail, unfinished: 1 - 1
    np.testing.assert_allclose(r.true_score_of(texts), [2.0, -1.5, 0.0])
    biased = al.Raters(length_bias=0.5, confidence_bias=1.0, group_bias=2.0)
    u = biased.utility(al._from_text(texts))
    np.testing.assert_allclose(u, [2.0 + 0.5 * 7 + 2.0, -1.5 + 0.5 * 6 + 1.0, 0.0 + 0.5 * 4 + 2.0])


def test_raters_compare_follow_bradley_terry():
    c = al._from_text(["he will check today .", "he will check ."])
    r = al.Raters(noise=0.5)
    left, right = np.zeros(40000, int), np.ones(40000, int)
    wins = r.compare(c, left, right, random_state=0)
    assert wins.mean() == pytest.approx(1 / (1 + np.exp(-1.0 / 0.5)), abs=0.01)


def test_reward_model_recovers_a_planted_preference(uniform):
    prompts = ["he", "she"]
    fair = al.collect_preferences(uniform, prompts, al.Raters(), n_comparisons=6000,
                                  n_held_out=2000, max_new_tokens=4, random_state=0)
    planted = al.collect_preferences(uniform, prompts, al.Raters(confidence_bias=1.0),
                                     n_comparisons=6000, n_held_out=2000, max_new_tokens=4,
                                     random_state=0)
    w_fair = al.fit_reward_model(fair).word_weights()["reward"]
    w_planted = al.fit_reward_model(planted).word_weights()["reward"]
    # same completions, same random numbers: the planted +1.0 utility per confident word
    # is +1.0 / noise = +2.0 logits in the Bradley-Terry reward
    assert w_planted["certainly"] - w_fair["certainly"] == pytest.approx(2.0, abs=0.3)
    for w in ("he", "she", "today", "really"):
        assert w_planted[w] - w_fair[w] == pytest.approx(0.0, abs=0.3)
    rm = al.fit_reward_model(fair)
    assert rm.agreement > 0.8
    assert rm.word_weights()["reward"]["today"] > 0 > rm.word_weights()["reward"]["really"]


def test_preference_agreement_by_hand():
    assert al.preference_agreement([1, 2, 3, 0], [0, 1, 2, 5], [0, 2], [1, 3]) == 0.5
    with pytest.raises(ValueError, match="tied"):
        al.preference_agreement([1, 2], [1, 1], [0], [1])


def test_fit_reward_model_prefix_too_long(uniform):
    p = al.collect_preferences(uniform, ["he"], al.Raters(), n_comparisons=10, n_held_out=5)
    with pytest.raises(ValueError, match="only 10 training pairs"):
        al.fit_reward_model(p, n_comparisons=20)


# ---------------------------------------------------------------------- the sweep
@pytest.fixture(scope="module")
def small_lm():
    from fairlab.lm import CausalLM

    return CausalLM(epochs=3, hidden_size=16, embedding_dim=8, random_state=0).fit(
        al.make_answer_corpus(600, random_state=0))


def test_policy_view_matches_lesson_12_model(small_lm):
    pol = al.Policy.from_language_model(small_lm)
    prompt = "the nurse said that she"
    want = small_lm.next_word_proba(prompt)
    h = pol.body(pol.encode([prompt]))[:, -1]
    p = torch.softmax(h @ pol.weight.T + pol.bias, -1)[0].numpy()
    got = dict(zip(pol.vocab, p, strict=True))
    for w in ("will", "certainly", "</s>", "he"):
        assert got[w] == pytest.approx(float(want[w]), abs=1e-5)
    # the step function gives the same hidden states as the full body
    ids = pol.encode(["the nurse said that"])
    h0, state = pol.step(ids, None)
    nxt = torch.as_tensor([pol.index["she"]])
    h1, _ = pol.step(nxt, state)
    torch.testing.assert_close(h1, h[:, ], atol=1e-10, rtol=0)
    torch.testing.assert_close(h0, pol.body(ids)[:, -1], atol=1e-10, rtol=0)


def test_sweep_is_deterministic_and_beta_holds_the_policy_back(small_lm):
    pol = al.Policy.from_language_model(small_lm)
    prompts = [f"the {o} said that" for o in al.OCCUPATIONS[:3]]
    kw = dict(betas=(0.01, 3.0), seeds=(0, 1), n_comparisons=300, n_held_out=100,
              n_steps=30, eval_every=10, batch_size=24, learning_rate=0.02)
    raters = al.Raters(length_bias=0.4)
    a = al.align_sweep(pol, prompts, raters, **kw)
    b = al.align_sweep(pol, prompts, raters, **kw)
    assert a.history.equals(b.history)
    assert a.samples == b.samples
    end = a.history.xs(30, level="step").groupby(level=["method", "beta"]).mean()
    for m in ("rlhf", "dpo"):
        assert end.loc[(m, 0.01), "kl"] > end.loc[(m, 3.0), "kl"]
    start = a.history.xs(0, level="step")
    assert (start["kl"] == 0).all()  # every policy starts at the reference
    c = a.curve("rlhf", 0.01)
    assert set(c.columns.get_level_values(1)) == {"mean", "low", "high"}
    assert (c[("kl", "low")] <= c[("kl", "mean")] + 1e-12).all()
    with pytest.raises(ValueError, match="not in the sweep"):
        a.curve("rlhf", 0.5)


def test_summarise_t_interval_by_hand():
    import pandas as pd
    from scipy import stats

    h = pd.DataFrame({"step": [0, 0, 0], "seed": [0, 1, 2], "x": [1.0, 2.0, 4.0]})
    s = al.summarise(h.set_index(["step", "seed"]))
    half = stats.t.ppf(0.975, 2) * np.std([1, 2, 4], ddof=1) / np.sqrt(3)
    assert s.loc[0, ("x", "high")] == pytest.approx(7 / 3 + half)
