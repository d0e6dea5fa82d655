"""fairlab.lm: corpus, tokenizer, the LSTM language model, sweep, measurements, fixes."""

import numpy as np
import pytest
import torch

from fairlab import lm as L

TINY = ["She ran.", "He ran.", "She sat.", "He ran."] * 10


@pytest.fixture(scope="module")
def tiny():
    return L.CausalLM(epochs=5, hidden_size=8, embedding_dim=4, random_state=0).fit(TINY)


def test_tokenize_keeps_contractions_and_punctuation():
    assert L.tokenize("She'll see THE shed, then.") == ["she'll", "see", "the", "shed", ",",
                                                         "then", "."]


def test_corpus_follows_table_and_holds_out():
    c = L.make_corpus(n_sentences=3000, random_state=0)
    assert set(c.held_out).isdisjoint(c.occupations)
    gendered = [s.lower() for s in c.sentences if " she " in s.lower() or " he " in s.lower()]
    for o in c.held_out:
        assert not any(f" {o} " in s for s in gendered)
        assert any(o in s.lower() for s in c.sentences)  # the word itself is known
    # share of "she" after "the nurse said that" vs after "the carpenter said that"
    def share(o):
        she = sum(s.lower().startswith(f"the {o} said that she") for s in c.sentences)
        he = sum(s.lower().startswith(f"the {o} said that he ") for s in c.sentences)
        return she / max(she + he, 1)
    assert share("nurse") > 0.7 and share("carpenter") < 0.2
    bal = L.make_corpus(n_sentences=3000, skew=0.0, random_state=0)
    assert np.allclose(bal.target_share, 0.5)
    assert L.make_corpus(n_sentences=100, random_state=3).sentences == \
        L.make_corpus(n_sentences=100, random_state=3).sentences


def test_forward_matches_torch_lstm(tiny):
    """Our hand-written batched LSTM equals torch.nn.LSTM with the same weights."""
    P = {k: v[0] for k, v in tiny.params_.items()}
    lstm = torch.nn.LSTM(P["emb"].shape[1], P["W_hh"].shape[0], batch_first=True)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(P["W_ih"].T)
        lstm.weight_hh_l0.copy_(P["W_hh"].T)
        lstm.bias_ih_l0.copy_(P["b"][0])
        lstm.bias_hh_l0.zero_()
        ids = torch.tensor([[1, 5, 4, 3]])
        h, _ = lstm(P["emb"][ids])
        logits = h @ P["W_out"] + P["b_out"]
        logits[..., :2] = -torch.inf  # <pad> and <s> never come next
        ref = torch.log_softmax(logits, -1)
        ours = tiny._log_softmax(ids)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)


def test_log_prob_is_chain_rule_of_next_word(tiny):
    words = ["she", "ran", "."]
    total = 0.0
    for i, w in enumerate(words + ["</s>"]):
        total += np.log(tiny.next_word_proba(" ".join(words[:i]))[w])
    assert tiny.log_prob(["She ran."])[0] == pytest.approx(total, abs=1e-5)
    # probabilities of every two-word sentence + end over the vocabulary sum to <= 1
    p = tiny.next_word_proba("")
    assert p.sum() == pytest.approx(1.0, abs=1e-5)


def test_fit_is_deterministic_and_seed_matters():
    a = L.CausalLM(epochs=2, hidden_size=8, random_state=1).fit(TINY)
    b = L.CausalLM(epochs=2, hidden_size=8, random_state=1).fit(TINY)
    c = L.CausalLM(epochs=2, hidden_size=8, random_state=2).fit(TINY)
    assert np.array_equal(a.log_prob(TINY[:2]), b.log_prob(TINY[:2]))
    assert not np.allclose(a.log_prob(TINY[:2]), c.log_prob(TINY[:2]))
    assert a.generate("she", 5, random_state=3) == b.generate("she", 5, random_state=3)


def test_learns_the_corpus_frequencies():
    m = L.CausalLM(epochs=40, hidden_size=16, random_state=0).fit(TINY)
    p = m.next_word_proba("")
    assert p["she"] == pytest.approx(0.5, abs=0.05)
    assert m.next_word_proba("he")["ran"] > 0.95  # "he" is always followed by "ran"
    assert m.next_word_proba("she")["ran"] == pytest.approx(0.5, abs=0.1)


def test_small_model_size():
    c = L.make_corpus(n_sentences=200, random_state=0)
    m = L.CausalLM(epochs=1).fit(c.sentences)
    assert m.n_params_ < 2_000_000


def test_sweep_agrees_with_sequential_fits():
    c = L.make_corpus(n_sentences=300, random_state=0)
    kw = dict(epochs=2, hidden_size=16, penalised=c.occupations[:4], random_state=0)
    models = L.fit_lambda_sweep(c.sentences, [0.0, 2.0], **kw)
    for m in models:
        alone = L.CausalLM(lam=m.lam, **kw).fit(c.sentences)
        np.testing.assert_allclose(m.log_prob(c.sentences[:20]), alone.log_prob(c.sentences[:20]),
                                   rtol=1e-4, atol=1e-4)
    assert not np.allclose(models[0].log_prob(c.sentences[:20]),
                           models[1].log_prob(c.sentences[:20]))


def test_penalty_gradient_is_nonzero_and_zero_at_balance():
    z = torch.randn(2, 5, 7, requires_grad=True)
    L.pronoun_penalty(z, 1, 2).sum().backward()
    assert z.grad[..., 1].abs().sum() > 0 and z.grad[..., 2].abs().sum() > 0
    assert float(L.pronoun_penalty(torch.zeros(1, 3, 4), 1, 2)[0]) == 0.0
    # brute force: (2·p − 1)² with p = e^a / (e^a + e^b)
    a, b = 1.3, -0.4
    z = torch.tensor([[[a, b]]])
    p = np.exp(a) / (np.exp(a) + np.exp(b))
    assert float(L.pronoun_penalty(z, 0, 1)[0]) == pytest.approx((2 * p - 1) ** 2, rel=1e-5)


def test_errors_name_the_fix(tiny):
    with pytest.raises(ValueError, match="at least one sentence"):
        L.CausalLM().fit([])
    with pytest.raises(TypeError, match="list of sentences"):
        L.CausalLM().fit("She ran.")
    with pytest.raises(ValueError, match="never saw in training: \\['walked'\\]"):
        tiny.next_word_proba("she walked")
    with pytest.raises(ValueError, match="never saw"):
        tiny.log_prob(["She walked."])
    with pytest.raises(ValueError, match="lam must be >= 0"):
        L.CausalLM(lam=-1, penalised=["x"]).fit(TINY)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        L.fit_lambda_sweep(TINY, [0, -0.5], penalised=[])
    with pytest.raises(ValueError, match="penalised"):
        L.CausalLM(lam=1).fit(TINY)
    with pytest.raises(ValueError, match="not fitted"):
        L.CausalLM().next_word_proba("she")
    with pytest.raises(ValueError, match="skew must be <= 1"):
        L.make_corpus(skew=2)
    with pytest.raises(ValueError, match="not in the table"):
        L.make_corpus(held_out=["astronaut"])


# ------------------------------------------------------------------ augmentation
@pytest.mark.parametrize("before, after", [
    ("She gave her keys to him.", "He gave his keys to her."),
    ("He thanked her.", "She thanked him."),
    ("I gave her the book.", "I gave him the book."),
    ("The book is his.", "The book is hers."),
    ("The book is hers, not his.", "The book is his, not hers."),
    ("His and hers.", "Hers and his."),
    ("She'll see the others then.", "He'll see the others then."),
    ("HE'S here; SHE left.", "SHE'S here; HE left."),
    ("Then the shed, the theme, Sheila and Hector.",
     "Then the shed, the theme, Sheila and Hector."),
    ("Mary told John that she liked his work.", "John told Mary that he liked her work."),
    ("She saw herself in the mirror.", "He saw himself in the mirror."),
    ("Her mother and his father.", "His father and her mother."),
    ("She’ll see him.", "He’ll see her."),
])
def test_counterfactual_swap_tricky(before, after):
    assert L.counterfactual_swap(before) == after


@pytest.mark.parametrize("sentence", [
    "She gave her keys to him.", "The book is his.", "He thanked her.", "Mary told John.",
    "His and hers.", "She'll see herself.", "The nurse said that she would be late.",
])
def test_counterfactual_swap_round_trip(sentence):
    assert L.counterfactual_swap(L.counterfactual_swap(sentence)) == sentence


def test_round_trip_on_the_whole_corpus():
    c = L.make_corpus(n_sentences=500, random_state=0)
    assert all(L.counterfactual_swap(L.counterfactual_swap(s)) == s for s in c.sentences)


def test_augment_balances_pronouns_and_share():
    c = L.make_corpus(n_sentences=600, random_state=0)
    aug = L.counterfactual_augment(c.sentences)
    for o in ("nurse", "carpenter"):
        she = sum(f"the {o} said that she " in s.lower() for s in aug)
        he = sum(f"the {o} said that he " in s.lower() for s in aug)
        assert she == he
    half = L.counterfactual_augment(c.sentences, share=0.5, random_state=1)
    n_changed = len(aug) - len(c.sentences)
    assert len(half) - len(c.sentences) == round(0.5 * n_changed)
    assert L.counterfactual_augment(c.sentences, share=0) == c.sentences
    with pytest.raises(ValueError, match="share must be <= 1"):
        L.counterfactual_augment(c.sentences, share=1.5)


# ------------------------------------------------------------------ measurements
@pytest.fixture(scope="module")
def corpus_lm():
    c = L.make_corpus(n_sentences=800, random_state=0)
    return c, L.CausalLM(epochs=3, hidden_size=16, random_state=0).fit(c.sentences)


def test_template_probe_matches_brute_force(corpus_lm):
    c, m = corpus_lm
    occ = c.occupations[:5] + c.held_out[:2]
    res = L.template_probe(m, occ, stats=c.stats, n_boot=200)
    shares = {}
    for o in occ:  # one prompt at a time, ratio by hand
        vals = []
        for t in L.PROBE_TEMPLATES:
            p = m.next_word_proba(t.format(occupation=o))
            vals.append(p["she"] / (p["she"] + p["he"]))
        shares[o] = np.mean(vals)
    got = res.per_occupation["value"]
    np.testing.assert_allclose(got.to_numpy(), [shares[o] for o in occ], atol=1e-6)
    bias = np.mean([abs(2 * shares[o] - 1) for o in occ])
    assert res.overall["value"] == pytest.approx(bias, abs=1e-6)
    r = np.corrcoef([shares[o] for o in occ], c.stats[occ])[0, 1]
    assert res.correlation["value"] == pytest.approx(r, abs=1e-5)  # float32 model
    assert (res.per_occupation["low"] <= got + 1e-12).all()
    assert (got <= res.per_occupation["high"] + 1e-12).all()


def test_bootstrap_spread_matches_standard_error():
    """The stratified bootstrap's sd of a group mean ≈ sd/√n (plug-in), brute force."""
    rng = np.random.default_rng(0)
    vals = rng.random(60)
    codes = np.repeat([0, 1], 30)
    boot = L._bootstrap_means(vals, codes, 2, 4000, np.random.default_rng(1))
    for g in (0, 1):
        v = vals[codes == g]
        assert boot[:, g].mean() == pytest.approx(v.mean(), abs=0.01)
        assert boot[:, g].std() == pytest.approx(v.std() / np.sqrt(30), rel=0.08)


def test_paired_likelihood_matches_brute_force(corpus_lm):
    c, m = corpus_lm
    occ = c.occupations[:6]
    res = L.paired_likelihood(m, occ, stats=c.stats, n_boot=100)
    wins = []
    for o in occ:
        fem = c.stats[o] > 0.5
        for f in L.PAIR_FRAMES:
            s = f.format(occupation=o, p="she", d="her")
            h = f.format(occupation=o, p="he", d="his")
            ls, lh = m.log_prob([s])[0], m.log_prob([h])[0]
            wins.append(float((ls > lh) if fem else (lh > ls)))
    assert res.overall["value"] == pytest.approx(np.mean(wins))
    assert res.items["value"].tolist() == wins


def test_generation_bias_agrees_with_next_word_probability():
    """First sampled word is she/he with the model's probabilities (binomial tolerance)."""
    m = L.CausalLM(epochs=15, hidden_size=16, random_state=0).fit(
        ["The nurse said that she left.", "The nurse said that he left.",
         "The nurse said that she left."] * 10)
    res = L.generation_bias(m, ["nurse"], n=400, templates=["the {occupation} said that"],
                            n_boot=100, random_state=0)
    p = m.next_word_proba("the nurse said that")
    expected = p["she"] / (p["she"] + p["he"])
    got = res.per_occupation.loc["nurse", "value"]
    assert abs(got - expected) < 4 * np.sqrt(expected * (1 - expected) / 400)
    # brute force on the items: count by hand
    assert got == pytest.approx(res.items["value"].mean())


def test_grounded_accuracy_and_equalizer(corpus_lm):
    c, m = corpus_lm
    occ = c.occupations[:4]
    ga = L.grounded_accuracy(m, occ, n_boot=100)
    eq = L.PronounEqualizer(m, occupations=occ)
    probe = L.template_probe(eq, occ, n_boot=100)
    np.testing.assert_allclose(probe.per_occupation["value"], 0.5, atol=1e-6)
    assert L.grounded_accuracy(eq, occ, n_boot=100).overall["value"] == pytest.approx(0.5)
    assert ga.overall["value"] > 0.5
    # unlisted occupations and gender-free text are untouched
    other = c.occupations[4:6]
    np.testing.assert_allclose(L.template_probe(eq, other, n_boot=100).per_occupation["value"],
                               L.template_probe(m, other, n_boot=100).per_occupation["value"])
    assert eq.perplexity(c.neutral_test) == pytest.approx(m.perplexity(c.neutral_test))
    # still a probability distribution
    assert eq.next_word_proba(f"the {occ[0]} said that").sum() == pytest.approx(1, abs=1e-5)


def test_measurement_errors(corpus_lm):
    c, m = corpus_lm
    with pytest.raises(ValueError, match="never occur in the training text"):
        L.template_probe(m, ["astronaut"])
    with pytest.raises(ValueError, match="occupations is empty"):
        L.template_probe(m, [])
    with pytest.raises(ValueError, match="pass corpus.stats"):
        L.paired_likelihood(m, c.occupations[:2], stats=c.stats.iloc[:0])
    with pytest.raises(ValueError, match="never occur"):
        L.PronounEqualizer(m, occupations=["astronaut"])


def test_word_vectors_initialise_and_freeze():
    from fairlab.embeddings import make_word_vectors

    rng = np.random.default_rng(0)
    wv = make_word_vectors(["she", "he"], rng.normal(size=(2, 6)))
    m = L.CausalLM(word_vectors=wv, freeze_embeddings=True, epochs=2, hidden_size=8,
                   random_state=0).fit(TINY)
    emb = m.params_["emb"][0].numpy()
    assert emb.shape[1] == 6  # the vectors' dimension, not embedding_dim
    for w in ("she", "he"):
        np.testing.assert_allclose(emb[m.vocab_.id(w)], wv.vectors[wv.index[w]], rtol=1e-6)
    thawed = L.CausalLM(word_vectors=wv, epochs=2, hidden_size=8, random_state=0).fit(TINY)
    assert not np.allclose(thawed.params_["emb"][0].numpy()[m.vocab_.id("she")],
                           wv.vectors[wv.index["she"]])
    with pytest.raises(TypeError, match="load_word_vectors"):
        L.CausalLM(word_vectors={"she": 1}).fit(TINY)
