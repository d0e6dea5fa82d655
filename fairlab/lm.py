"""A small language model trained here, its gender bias measured three ways, fixed at three stages.

Stable API (lesson 13 builds on it; keep these names and meanings):

``make_corpus(*, occupations=None, skew=1.0, n_sentences=4000, held_out=HELD_OUT, random_state=0)``
    → Bunch: ``sentences`` (training text), ``occupations`` (seen with gendered
    references), ``held_out`` (seen only in gender-free sentences), ``target_share``
    (P(female reference) used per occupation), ``stats`` (the published share),
    ``neutral_test`` (held-out gender-free sentences, for perplexity), ``names``.
``tokenize(text)`` → list of lower-case words and punctuation marks.
``Vocabulary.from_sentences(sentences)``; ``vocab.encode(tokens)``; ``vocab.words``.
``CausalLM(embedding_dim=32, hidden_size=64, epochs=10, batch_size=64, lr=0.02, lam=0.0,
penalised=(), word_vectors=None, freeze_embeddings=False, random_state=0)``
    a one-layer word-level LSTM language model; ``fit(sentences)`` returns ``self``;
    ``log_prob(sentences)`` → ndarray of log P(sentence) (natural log, end mark included);
    ``next_word_proba(prompt)`` → Series over the vocabulary (a list of prompts → DataFrame);
    ``generate(prompt, n, random_state=None, max_words=15, temperature=1.0)`` → n strings;
    ``perplexity(sentences)`` → float.
``fit_lambda_sweep(sentences, lams, *, penalised, **params)`` → list of fitted ``CausalLM``,
    all λ trained together as one batched model.

Everything is deterministic given ``random_state``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils import Bunch

from fairlab._validation import check_in_range

__all__ = [
    "HELD_OUT",
    "NAME_PAIRS",
    "PROBE_TEMPLATES",
    "PAIR_FRAMES",
    "tokenize",
    "detokenize",
    "Vocabulary",
    "make_corpus",
    "CausalLM",
    "fit_lambda_sweep",
    "pronoun_penalty",
    "counterfactual_swap",
    "counterfactual_augment",
    "BiasMeasurement",
    "template_probe",
    "paired_likelihood",
    "generation_bias",
    "grounded_accuracy",
    "PronounEqualizer",
    "bias_report",
    "fit_grid",
]

#: Occupations kept out of every gendered training sentence (they appear only in
#: gender-free sentences, so the model knows the word but never its "gender").
HELD_OUT = ("laborer", "developer", "lawyer", "analyst", "designer", "clerk", "tailor",
            "housekeeper")

#: (female, male) first names; the corpus uses them and the augmentation swaps them.
NAME_PAIRS = (("Mary", "John"), ("Linda", "James"), ("Susan", "Robert"), ("Sarah", "Michael"),
              ("Emma", "David"), ("Anna", "Daniel"), ("Laura", "Thomas"), ("Julia", "Peter"),
              ("Kate", "Paul"), ("Lisa", "Mark"))

#: Prompts whose next word is a pronoun referring to the occupation.
PROBE_TEMPLATES = ("the {occupation} said that", "the {occupation} thought that",
                   "the {occupation} told the client that",
                   "everyone thanked the {occupation} because")

#: Sentence frames for paired likelihood: ``{p}`` subject pronoun, ``{d}`` possessive.
PAIR_FRAMES = ("the {occupation} said that {p} was busy .",
               "the {occupation} thought that {p} would be late .",
               "the {occupation} finished {d} work and went home .",
               "yesterday the {occupation} lost {d} keys .")

_PRONOUNS = {"female": {"p": "she", "d": "her", "o": "her"},
             "male": {"p": "he", "d": "his", "o": "him"}}

_GENDERED = ("the {o} said that {p} would be late .",
             "the {o} said that {p} was tired today .",
             "the {o} thought that {p} had done a good job .",
             "the {o} told the client that {p} was busy .",
             "the {o} finished {d} work and went home .",
             "yesterday the {o} lost {d} keys .",
             "everyone thanked the {o} because {p} had helped them .",
             "the {o} asked if anyone had seen {d} phone .",
             "the boss praised the {o} and gave {ob} a raise .")
_NAMED = ("{n} is {a} {o} and {p} likes the job .",
          "{n} works as {a} {o} and {p} is good at it .",
          "{n} became {a} {o} last year .")
_NEUTRAL_OCC = ("the {o} opened the door .", "the {o} arrived early today .",
                "{a} {o} works in the city .", "the {o} had a long day .")
_SUBJECTS = ("the train", "the meeting", "the weather", "the shop", "the report", "the road",
             "the market", "the garden", "the river", "the library", "the bus", "the office")
_PREDICATES = ("was late again", "was quiet this morning", "ran long", "was busy today",
               "closed early", "looked different", "was cold", "opened at nine",
               "was full of people", "needed repairs")

_PAD, _BOS, _EOS = "<pad>", "<s>", "</s>"
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[.,!?;:]")


# ---------------------------------------------------------------- text and vocabulary
def tokenize(text: str) -> list[str]:
    """Lower-case words (with an apostrophe part, ``she'll``) and punctuation marks.

    Examples
    --------
    >>> tokenize("The nurse said that she'll be late.")
    ['the', 'nurse', 'said', 'that', "she'll", 'be', 'late', '.']

    Lesson: 12-bias-in-a-language-model
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__} {text!r}.")
    return _TOKEN.findall(text.lower())


def detokenize(tokens: Iterable[str]) -> str:
    """Join tokens with spaces, without a space before punctuation.

    Examples
    --------
    >>> detokenize(["she", "was", "late", "."])
    'she was late.'
    """
    return re.sub(r" ([.,!?;:])", r"\1", " ".join(tokens))


def _check_sentences(sentences: Any, name: str = "sentences") -> list[str]:
    if isinstance(sentences, str):
        raise TypeError(f"{name} is a single string; pass a list of sentences, "
                        f"e.g. [{sentences!r}].")
    if sentences is None or not isinstance(sentences, Iterable):
        raise TypeError(f"{name} must be a list of strings; got {type(sentences).__name__}.")
    out = list(sentences)
    if not out:
        raise ValueError(f"{name} is empty; pass at least one sentence (a list of strings).")
    bad = [s for s in out if not isinstance(s, str)]
    if bad:
        raise TypeError(f"{name} must hold strings; got {type(bad[0]).__name__} {bad[0]!r}.")
    return out


def _check_seed(random_state: Any) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or (isinstance(random_state, Integral)
                                and not isinstance(random_state, bool)):
        return np.random.default_rng(random_state)
    raise TypeError("random_state must be an int, a numpy Generator or None; "
                    f"got {type(random_state).__name__} {random_state!r}.")


def _int_seed(random_state: Any) -> int:
    """A torch seed from ``random_state`` (int kept as is, Generator/None drawn from)."""
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    return int(_check_seed(random_state).integers(2**31 - 1))


@dataclass(frozen=True)
class Vocabulary:
    """Words ↔ integer ids. Ids 0, 1, 2 are padding, start ``<s>`` and end ``</s>``.

    Examples
    --------
    >>> v = Vocabulary.from_sentences(["He said hi.", "She said hi."])
    >>> v.words
    ['<pad>', '<s>', '</s>', '.', 'he', 'hi', 'said', 'she']
    >>> v.encode(["she", "said"]).tolist()
    [7, 6]
    """

    words: list[str]

    @classmethod
    def from_sentences(cls, sentences: Iterable[str]) -> Vocabulary:
        seen = sorted({t for s in _check_sentences(sentences) for t in tokenize(s)})
        return cls([_PAD, _BOS, _EOS, *seen])

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.words)})

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index  # type: ignore[attr-defined]

    def id(self, word: str) -> int:
        """The id of one known word."""
        return int(self.encode([word])[0])

    def encode(self, tokens: Sequence[str], *, name: str = "prompt") -> np.ndarray:
        """Ids of ``tokens``; unknown words raise a ValueError naming them."""
        index = self._index  # type: ignore[attr-defined]
        missing = sorted({t for t in tokens if t not in index})
        if missing:
            raise ValueError(
                f"{name} has words the model never saw in training: {missing[:10]}; "
                "rephrase with words from the training text (model.vocab_.words), or add "
                "sentences using them to the corpus and refit.")
        return np.array([index[t] for t in tokens], dtype=np.int64)


# ------------------------------------------------------------------------- corpus
def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _sentence(text: str) -> str:
    text = detokenize(text.split())
    return text[0].upper() + text[1:]


def _occupation_table(occupations: Any) -> pd.Series:
    if occupations is None:
        from fairlab.datasets import load_occupation_stats

        frame = load_occupation_stats().frame
        return pd.Series(frame["share_female"].to_numpy(), index=frame["occupation"])
    if isinstance(occupations, pd.DataFrame):
        if not {"occupation", "share_female"} <= set(occupations.columns):
            raise ValueError("occupations must have columns 'occupation' and 'share_female' "
                             "(0–1); load_occupation_stats().frame has them.")
        occupations = pd.Series(occupations["share_female"].to_numpy(),
                                index=occupations["occupation"])
    if isinstance(occupations, dict):
        occupations = pd.Series(occupations, dtype=float)
    if not isinstance(occupations, pd.Series):
        raise TypeError("occupations must be None (the shipped statistics), a DataFrame "
                        "with 'occupation' and 'share_female', or a dict/Series "
                        f"occupation → share of women; got {type(occupations).__name__}.")
    s = occupations.astype(float)
    if len(s) == 0:
        raise ValueError("occupations is empty; pass at least two occupations.")
    if ((s < 0) | (s > 1) | s.isna()).any():
        raise ValueError("occupation shares must lie in [0, 1] (a share, not a percentage); "
                         "divide percentages by 100.")
    bad = [o for o in s.index if not isinstance(o, str) or tokenize(o) != o.lower().split()]
    if bad:
        raise ValueError(f"occupation names must be lower-case words; got {bad[:3]}.")
    return s


def make_corpus(*, occupations: Any = None, skew: float = 1.0, n_sentences: int = 4000,
                held_out: Sequence[str] = HELD_OUT, n_test: int = 200,
                random_state: Any = 0) -> Bunch:
    """Generate training text whose occupation ↔ gender co-occurrence follows a table.

    Sentences come from varied templates: an occupation with a pronoun referring to
    it ("The nurse said that she would be late."), a first name with an occupation
    ("Mary is a carpenter and she likes the job."), gender-free sentences about an
    occupation ("The clerk opened the door.") and neutral filler ("The train was late
    again."). In gendered sentences the reference is female with probability
    ``0.5 + skew · (share − 0.5)``: ``skew=0`` is balanced, ``skew=1`` is the table.

    Parameters
    ----------
    occupations : None, DataFrame, dict or Series, default=None
        occupation → women's share (0–1). ``None``: the shipped WinoBias/BLS table
        (:func:`fairlab.datasets.load_occupation_stats`).
    skew : float in [0, 1], default=1.0
    n_sentences : int, default=4000
        Training sentences: 60 % gendered, 15 % gender-free occupation, 25 % filler.
    held_out : sequence of str, default=HELD_OUT
        Occupations that appear only in gender-free sentences.
    n_test : int, default=200
        Neutral test sentences built from subject/predicate pairs never used in training.
    random_state : int, numpy Generator or None, default=0

    Returns
    -------
    Bunch with ``sentences``, ``occupations`` (with gendered references),
    ``held_out``, ``target_share`` (Series over all occupations; held-out ones get
    the table's share scaled by ``skew``, which training never sees), ``stats``
    (published share), ``neutral_test``, ``names`` and ``skew``.

    Examples
    --------
    >>> c = make_corpus(n_sentences=200, random_state=1)
    >>> len(c.sentences), len(c.occupations), len(c.held_out)
    (200, 32, 8)
    >>> any("laborer" in s and (" he " in s or " she " in s) for s in c.sentences)
    False

    Lesson: 12-bias-in-a-language-model
    """
    table = _occupation_table(occupations)
    skew = check_in_range(skew, "skew", low=0, high=1)
    if isinstance(n_sentences, bool) or not isinstance(n_sentences, Integral) or n_sentences < 20:
        raise ValueError(f"n_sentences must be an integer >= 20; got {n_sentences!r}.")
    if isinstance(n_test, bool) or not isinstance(n_test, Integral) or n_test < 1:
        raise ValueError(f"n_test must be a positive integer; got {n_test!r}.")
    if isinstance(held_out, str):
        raise TypeError(f"held_out must be a list of occupations; got the string {held_out!r}.")
    held = [o for o in held_out]
    unknown = [o for o in held if o not in table.index]
    if unknown:
        raise ValueError(f"held_out has occupations not in the table: {unknown}; "
                         f"choose from {list(table.index)[:6]}….")
    trained = [o for o in table.index if o not in set(held)]
    if not trained:
        raise ValueError("every occupation is held out; keep at least one for training.")
    rng = _check_seed(random_state)
    target = 0.5 + skew * (table - 0.5)
    n_gender = int(round(0.6 * n_sentences))
    n_neutral_occ = int(round(0.15 * n_sentences))
    n_filler = n_sentences - n_gender - n_neutral_occ
    # Gendered: occupation, template, gender, name drawn as arrays, formatted after.
    occ = rng.integers(len(trained), size=n_gender)
    female = rng.random(n_gender) < target[trained].to_numpy()[occ]
    templates = _GENDERED + _NAMED
    tpl = rng.integers(len(templates), size=n_gender)
    name_i = rng.integers(len(NAME_PAIRS), size=n_gender)
    out = []
    for o_i, f, t_i, n_i in zip(occ, female, tpl, name_i, strict=True):
        o = trained[o_i]
        pr = _PRONOUNS["female" if f else "male"]
        out.append(templates[t_i].format(o=o, p=pr["p"], d=pr["d"], ob=pr["o"], a=_article(o),
                                         n=NAME_PAIRS[n_i][0 if f else 1]))
    every = list(table.index)
    # every occupation at least once (when there is room), so every one can be probed
    o2 = np.r_[np.arange(len(every)), rng.integers(len(every), size=n_neutral_occ)]
    o2 = o2[:n_neutral_occ]
    t2 = rng.integers(len(_NEUTRAL_OCC), size=n_neutral_occ)
    out += [_NEUTRAL_OCC[t].format(o=every[o], a=_article(every[o])) for o, t in zip(o2, t2,
                                                                                     strict=True)]
    pairs = [(s, p) for s in range(len(_SUBJECTS)) for p in range(len(_PREDICATES))]
    test_pairs = [pairs[i] for i in range(0, len(pairs), 6)]  # 20 pairs never trained on
    train_pairs = [pr for pr in pairs if pr not in set(test_pairs)]
    filler = [f"{_SUBJECTS[s]} {_PREDICATES[p]} ." for s, p in train_pairs]
    out += [filler[i] for i in rng.integers(len(filler), size=n_filler)]
    order = rng.permutation(len(out))
    sentences = [_sentence(out[i]) for i in order]
    test = [f"{_SUBJECTS[s]} {_PREDICATES[p]} ." for s, p in test_pairs]
    neutral_test = [_sentence(test[i]) for i in rng.integers(len(test), size=n_test)]
    return Bunch(sentences=sentences, occupations=trained, held_out=held,
                 target_share=target.rename("target_share"),
                 stats=table.rename("share_female"), neutral_test=neutral_test,
                 names=list(NAME_PAIRS), skew=skew)


# ------------------------------------------------------------- the batched network
def _init_params(n_vocab: int, emb: int, hidden: int, seed: int,
                 vectors: np.ndarray | None = None) -> dict[str, torch.Tensor]:
    """One model's weights (the shapes of ``nn.LSTM``'s, transposed; one bias)."""
    gen = torch.Generator().manual_seed(seed)
    bound = 1.0 / np.sqrt(hidden)
    uni = lambda *shape: (torch.rand(*shape, generator=gen) * 2 - 1) * bound  # noqa: E731
    p = {"emb": torch.randn(n_vocab, emb, generator=gen) * 0.5,
         "W_ih": uni(emb, 4 * hidden), "W_hh": uni(hidden, 4 * hidden), "b": uni(1, 4 * hidden),
         "W_out": uni(hidden, n_vocab), "b_out": uni(1, n_vocab)}
    if vectors is not None:
        known = ~np.isnan(vectors[:, 0])
        p["emb"][torch.as_tensor(known)] = torch.as_tensor(vectors[known], dtype=torch.float32)
    return p


def _forward(ids: torch.Tensor, P: dict[str, torch.Tensor]) -> torch.Tensor:
    """Next-word logits of k stacked models for input ids ``(n, T)`` → ``(k, n, T, V)``.

    Gate order (input, forget, cell, output) as in ``torch.nn.LSTM``.
    """
    k, _, e = P["emb"].shape
    n, T = ids.shape
    x = P["emb"][:, ids.reshape(-1)]                       # (k, n·T, e)
    xw = (torch.bmm(x, P["W_ih"]) + P["b"]).reshape(k, n, T, -1)
    H = P["W_hh"].shape[1]
    h = x.new_zeros(k, n, H)
    c = x.new_zeros(k, n, H)
    hs = []
    for t in range(T):
        gates = xw[:, :, t] + torch.bmm(h, P["W_hh"])
        i, f, g, o = gates.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        hs.append(h)
    hid = torch.stack(hs, dim=2).reshape(k, n * T, H)
    return (torch.bmm(hid, P["W_out"]) + P["b_out"]).reshape(k, n, T, -1)


def _pad(seqs: Sequence[np.ndarray]) -> torch.Tensor:
    T = max(len(s) for s in seqs)
    out = np.zeros((len(seqs), T), dtype=np.int64)
    for i, s in enumerate(seqs):
        out[i, :len(s)] = s
    return torch.as_tensor(out)


def _probe_batch(vocab: Vocabulary, occupations: Sequence[str],
                 templates: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Padded ``<s> prompt`` ids for every (occupation, template) and each last position."""
    seqs = [np.r_[vocab.id(_BOS), vocab.encode(tokenize(t.format(occupation=o)))]
            for o in occupations for t in templates]
    return _pad(seqs), torch.as_tensor([len(s) - 1 for s in seqs])


def pronoun_penalty(logits: torch.Tensor, she: int, he: int) -> torch.Tensor:
    """Differentiable pronoun gap: mean over prompts of (2·P(she | she or he) − 1)².

    ``logits`` has shape ``(k, n_prompts, V)`` (next-word logits after each probe);
    returns one penalty per model, shape ``(k,)``. P(she)/(P(she)+P(he)) is
    ``sigmoid(logit_she − logit_he)``, smooth in every weight: unlike a count of
    argmax choices (lesson 04), its gradient is not zero.

    Examples
    --------
    >>> z = torch.zeros(1, 2, 3, requires_grad=True)
    >>> with torch.no_grad():
    ...     z[0, :, 0] = 2.0           # P(she) > P(he) after both prompts
    >>> pen = pronoun_penalty(z, she=0, he=1)
    >>> round(float(pen.detach()), 3)
    0.58
    >>> pen.sum().backward(); bool(z.grad.abs().sum() > 0)
    True

    Lesson: 12-bias-in-a-language-model
    """
    share = torch.sigmoid(logits[..., she] - logits[..., he])
    return ((2 * share - 1) ** 2).mean(-1)


def _train(ids: torch.Tensor, weights: torch.Tensor, lams: np.ndarray, *,
           probes: torch.Tensor | None,
           probe_last: torch.Tensor | None, she: int, he: int, n_vocab: int, emb: int,
           hidden: int, epochs: int, batch_size: int, lr: float, seed: int,
           vectors: np.ndarray | None, freeze: bool) -> dict[str, torch.Tensor]:
    """Train ``len(lams)`` models at once: same initial weights, same mini-batches."""
    k = len(lams)
    one = _init_params(n_vocab, emb, hidden, seed, vectors)
    P = {name: w.unsqueeze(0).repeat(k, 1, 1).requires_grad_(not (freeze and name == "emb"))
         for name, w in one.items()}
    opt = torch.optim.Adam([p for p in P.values() if p.requires_grad], lr=lr)
    lam_t = torch.as_tensor(lams, dtype=torch.float32)
    use_penalty = probes is not None and bool((lam_t > 0).any())
    gen = torch.Generator().manual_seed(seed + 1)
    inputs, targets = ids[:, :-1], ids[:, 1:]
    n = len(ids)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small products: one thread is faster and reproducible
    try:
        for _ in range(epochs):
            order = torch.randperm(n, generator=gen)
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                tb = targets[idx]
                width = int((tb != 0).sum(1).max())   # trim padding columns
                logits = _forward(inputs[idx, :width], P)
                tb = tb[:, :width]
                nll = torch.nn.functional.cross_entropy(
                    logits.reshape(-1, n_vocab), tb.repeat(k, 1).reshape(-1),
                    ignore_index=0, reduction="none").reshape(k, -1)
                # each distinct sentence counts as often as it occurs in the corpus
                mask = ((tb != 0) * weights[idx, None]).reshape(1, -1)
                loss = (nll * mask).sum(1) / mask.sum()
                if use_penalty:
                    pl = _forward(probes, P)[:, torch.arange(len(probes)), probe_last]
                    loss = loss + lam_t * pronoun_penalty(pl, she, he)
                opt.zero_grad(set_to_none=True)
                loss.sum().backward()  # independent models: each gets its own gradient
                opt.step()
    finally:
        torch.set_num_threads(threads)
    return {name: p.detach() for name, p in P.items()}


# ------------------------------------------------------------------ the language model
class _LMOutputs:
    """Everything computed from next-word log-probabilities ``_log_softmax(ids)``.

    Subclasses provide ``vocab_`` and ``_log_softmax(ids)`` (``(n, T) → (n, T, V)``).
    """

    vocab_: Vocabulary

    def _log_softmax(self, ids: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError

    def _encode_sentences(self, sentences: Any, name: str = "sentences") -> list[np.ndarray]:
        v = self._vocab()
        bos, eos = v.id(_BOS), v.id(_EOS)
        return [np.r_[bos, v.encode(tokenize(s), name=f"{name} ({s!r})"), eos]
                for s in _check_sentences(sentences, name)]

    def _vocab(self) -> Vocabulary:
        v = getattr(self, "vocab_", None)
        if v is None:
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call "
                             "fit(sentences) first.")
        return v

    def _token_log_probs(self, sentences: Any, name: str = "sentences") -> tuple[np.ndarray,
                                                                               np.ndarray]:
        seqs = self._encode_sentences(sentences, name)
        ids = _pad(seqs)
        with torch.no_grad():
            lp = self._log_softmax(ids[:, :-1])
        tok = lp.gather(-1, ids[:, 1:, None])[..., 0].double().numpy()
        mask = (ids[:, 1:] != 0).numpy()
        return np.where(mask, tok, 0.0), mask

    def log_prob(self, sentences: Sequence[str]) -> np.ndarray:
        """Natural-log probability of each whole sentence, its end mark included.

        Parameters
        ----------
        sentences : list of str
            Every word must be in the training vocabulary.

        Returns
        -------
        ndarray of float, one per sentence.

        Examples
        --------
        >>> lm = CausalLM(epochs=20, random_state=0).fit(["She ran.", "He ran."] * 20)
        >>> lp = lm.log_prob(["She ran.", "He ran."])
        >>> np.round(np.exp(lp), 1).tolist()
        [0.5, 0.5]

        Lesson: 12-bias-in-a-language-model
        """
        tok, _ = self._token_log_probs(sentences)
        return tok.sum(1)

    def perplexity(self, sentences: Sequence[str]) -> float:
        """exp(mean negative log-probability per token), end marks counted as tokens."""
        tok, mask = self._token_log_probs(sentences)
        return float(np.exp(-tok.sum() / mask.sum()))

    def _next_log_proba(self, prompts: list[str]) -> torch.Tensor:
        v = self._vocab()
        seqs = [np.r_[v.id(_BOS), v.encode(tokenize(p), name=f"prompt {p!r}")] for p in prompts]
        ids = _pad(seqs)
        last = torch.as_tensor([len(s) - 1 for s in seqs])
        with torch.no_grad():
            return self._log_softmax(ids)[torch.arange(len(seqs)), last]

    def next_word_proba(self, prompt: str | Sequence[str]) -> pd.Series | pd.DataFrame:
        """Probability of every vocabulary word (and ``</s>``) coming next after ``prompt``.

        A string gives a Series indexed by word; a list of prompts gives a DataFrame
        with one row per prompt. Unknown words raise a ValueError naming them.

        Examples
        --------
        >>> lm = CausalLM(epochs=20, random_state=0).fit(["She ran.", "He ran."] * 20)
        >>> round(float(lm.next_word_proba("she")["ran"]), 2)
        1.0

        Lesson: 12-bias-in-a-language-model
        """
        single = isinstance(prompt, str)
        prompts = [prompt] if single else _check_sentences(prompt, "prompt")
        p = self._next_log_proba(prompts).exp().double().numpy()
        words = self._vocab().words
        if single:
            return pd.Series(p[0], index=words, name=prompt).iloc[2:]  # no <pad>, <s>
        return pd.DataFrame(p, index=prompts, columns=words).iloc[:, 2:]

    def generate(self, prompt: str, n: int = 1, random_state: Any = None, *,
                 max_words: int = 15, temperature: float = 1.0) -> list[str]:
        """Sample ``n`` continuations of ``prompt`` (the prompt itself not repeated).

        Sampling stops at the end mark ``</s>`` or after ``max_words`` words.
        Deterministic given ``random_state``.

        Examples
        --------
        >>> lm = CausalLM(epochs=20, random_state=0).fit(["She ran.", "He ran."] * 20)
        >>> lm.generate("she", 2, random_state=0)
        ['ran.', 'ran.']

        Lesson: 12-bias-in-a-language-model
        """
        if not isinstance(prompt, str):
            raise TypeError(f"prompt must be a string; got {type(prompt).__name__}.")
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
            raise ValueError(f"n must be a positive integer; got {n!r}.")
        if isinstance(max_words, bool) or not isinstance(max_words, Integral) or max_words < 1:
            raise ValueError(f"max_words must be a positive integer; got {max_words!r}.")
        temperature = check_in_range(temperature, "temperature", low=0, low_inclusive=False)
        v = self._vocab()
        gen = torch.Generator().manual_seed(_int_seed(random_state))
        start = np.r_[v.id(_BOS), v.encode(tokenize(prompt), name=f"prompt {prompt!r}")]
        return self._sample(np.tile(start, (n, 1)), gen, max_words, temperature)

    def _sample(self, start: np.ndarray, gen: torch.Generator, max_words: int,
                temperature: float) -> list[str]:
        """Continue every row of ``start`` (equal-length id rows) by sampling."""
        v = self._vocab()
        ids = torch.as_tensor(start)
        n = len(ids)
        done = torch.zeros(n, dtype=torch.bool)
        eos = v.id(_EOS)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.no_grad():
                for _ in range(max_words):
                    lp = self._log_softmax(ids)[:, -1] / temperature
                    nxt = torch.multinomial(torch.softmax(lp, -1), 1, generator=gen)[:, 0]
                    nxt = torch.where(done, torch.zeros_like(nxt), nxt)
                    ids = torch.cat([ids, nxt[:, None]], 1)
                    done |= nxt == eos
                    if bool(done.all()):
                        break
        finally:
            torch.set_num_threads(threads)
        cont = ids[:, start.shape[1]:].numpy()
        words = v.words
        return [detokenize(words[i] for i in row if i not in (0, eos)) for row in cont]


class CausalLM(_LMOutputs):
    """A small word-level causal language model: embedding → one LSTM layer → softmax.

    Trained with Adam on the mean next-word cross-entropy, plus, when ``lam > 0``,
    ``lam`` × :func:`pronoun_penalty` over the probes ``PROBE_TEMPLATES`` for the
    ``penalised`` occupations (the training-stage fix of lesson 12).

    Parameters
    ----------
    embedding_dim : int, default=32
        Ignored when ``word_vectors`` is given (their dimension is used).
    hidden_size : int, default=64
    epochs : int, default=10
    batch_size : int, default=64
    lr : float, default=0.02
    lam : float >= 0, default=0.0
    penalised : sequence of str, default=()
        Occupations whose pronoun gap the penalty closes.
    word_vectors : Bunch or None, default=None
        Lesson 10's vectors (:func:`fairlab.embeddings.load_word_vectors`) to start
        the embeddings from (words they lack start random).
    freeze_embeddings : bool, default=False
    random_state : int, numpy Generator or None, default=0

    Attributes
    ----------
    vocab_ : Vocabulary
    params_ : dict of torch tensors (leading axis of size 1)
    n_params_ : int
    seconds_ : float, wall-clock training time

    Examples
    --------
    >>> lm = CausalLM(epochs=20, random_state=0).fit(["She ran.", "He ran."] * 20)
    >>> p = lm.next_word_proba("")
    >>> round(float(p["she"] + p["he"]), 2)
    1.0

    Lesson: 12-bias-in-a-language-model
    """

    def __init__(self, *, embedding_dim: int = 32, hidden_size: int = 64, epochs: int = 10,
                 batch_size: int = 64, lr: float = 0.02, lam: float = 0.0,
                 penalised: Sequence[str] = (), word_vectors: Bunch | None = None,
                 freeze_embeddings: bool = False, random_state: Any = 0) -> None:
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lam = lam
        self.penalised = penalised
        self.word_vectors = word_vectors
        self.freeze_embeddings = freeze_embeddings
        self.random_state = random_state

    def __repr__(self) -> str:
        return (f"CausalLM(lam={self.lam:g}, hidden_size={self.hidden_size}, "
                f"epochs={self.epochs})")

    def fit(self, sentences: Sequence[str]) -> CausalLM:
        """Build the vocabulary from ``sentences`` and train; returns ``self``."""
        (model,) = _fit_many(sentences, [self.lam], self._params())
        self.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
        return self

    def _params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("embedding_dim", "hidden_size", "epochs",
                                              "batch_size", "lr", "penalised", "word_vectors",
                                              "freeze_embeddings", "random_state")}

    def _log_softmax(self, ids: torch.Tensor) -> torch.Tensor:
        self._vocab()
        logits = _forward(ids, self.params_)[0]
        logits[..., :2] = -torch.inf  # never <pad> or <s> next
        return torch.log_softmax(logits, -1)


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}; got {value!r}.")
    return int(value)


def _fit_many(sentences: Any, lams: Sequence[float], params: dict[str, Any]) -> list[CausalLM]:
    sentences = _check_sentences(sentences)
    lams = np.array([check_in_range(lam, "lam", low=0) for lam in lams], dtype=np.float64)
    hidden = _check_int(params["hidden_size"], "hidden_size", 1)
    epochs = _check_int(params["epochs"], "epochs", 1)
    batch_size = _check_int(params["batch_size"], "batch_size", 1)
    lr = check_in_range(params["lr"], "lr", low=0, low_inclusive=False)
    seed = _int_seed(params["random_state"])
    vocab = Vocabulary.from_sentences(sentences)
    if len(vocab) == 3:
        raise ValueError("sentences hold no words; pass text such as make_corpus().sentences.")
    wv = params["word_vectors"]
    vectors = None
    if wv is not None:
        if not (hasattr(wv, "vectors") and hasattr(wv, "index")):
            raise TypeError("word_vectors must be a Bunch from "
                            "fairlab.embeddings.load_word_vectors().")
        emb = int(wv.vectors.shape[1])
        vectors = np.full((len(vocab), emb), np.nan, dtype=np.float32)
        for i, w in enumerate(vocab.words):
            if w in wv.index:
                vectors[i] = wv.vectors[wv.index[w]]
    else:
        emb = _check_int(params["embedding_dim"], "embedding_dim", 1)
    penalised = params["penalised"]
    if isinstance(penalised, str):
        raise TypeError(f"penalised must be a list of occupations; got the string {penalised!r}.")
    penalised = list(penalised)
    probes = last = None
    if penalised:
        for o in penalised:
            vocab.encode(tokenize(o), name=f"penalised occupation {o!r}")
        probes, last = _probe_batch(vocab, penalised, PROBE_TEMPLATES)
    if (lams > 0).any() and not penalised:
        raise ValueError("lam > 0 needs the occupations to penalise: pass "
                         "penalised=[...] (e.g. corpus.occupations).")
    for w in ("she", "he"):
        if w not in vocab and penalised:
            raise ValueError(f"the training text never contains {w!r}; the pronoun penalty "
                             "needs both 'she' and 'he'.")
    # Train on the distinct sentences, each weighted by its count: the same expected
    # gradient as the full corpus at a fraction of the cost (templates repeat a lot).
    counts: dict[tuple[str, ...], int] = {}
    for s in sentences:
        key = tuple(tokenize(s))
        counts[key] = counts.get(key, 0) + 1
    seqs = [np.r_[1, vocab.encode(key, name="sentences"), 2] for key in counts]
    ids = _pad(seqs)
    weights = torch.as_tensor(list(counts.values()), dtype=torch.float32)
    t0 = time.perf_counter()
    c0 = time.process_time()
    P = _train(ids, weights, lams, probes=probes, probe_last=last,
               she=vocab.id("she") if "she" in vocab else -1,
               he=vocab.id("he") if "he" in vocab else -1, n_vocab=len(vocab), emb=emb,
               hidden=hidden, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
               vectors=vectors, freeze=bool(params["freeze_embeddings"]))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    models = []
    for j, lam in enumerate(lams):
        m = CausalLM(**{**params, "lam": float(lam)})
        m.vocab_ = vocab
        m.params_ = {name: p[j:j + 1].clone() for name, p in P.items()}
        m.n_params_ = int(sum(p[0].numel() for p in m.params_.values()))
        m.seconds_ = seconds
        m.cpu_seconds_ = cpu
        models.append(m)
    return models


def fit_lambda_sweep(sentences: Sequence[str], lams: Sequence[float], *,
                     penalised: Sequence[str], **params: Any) -> list[CausalLM]:
    """Train one :class:`CausalLM` per λ, all together as one batched model.

    Every model starts from the same weights and sees the same mini-batches, so
    only λ differs; the result equals fitting each λ on its own (tested).
    ``seconds_`` / ``cpu_seconds_`` of each model hold the whole sweep's time.

    Parameters
    ----------
    sentences : list of str
    lams : sequence of float >= 0
    penalised : sequence of str
        Occupations the penalty applies to.
    **params
        Any other :class:`CausalLM` parameter.

    Examples
    --------
    >>> c = make_corpus(n_sentences=300, random_state=0)
    >>> models = fit_lambda_sweep(c.sentences, [0, 1], penalised=c.occupations[:3], epochs=1)
    >>> [m.lam for m in models]
    [0.0, 1.0]

    Lesson: 12-bias-in-a-language-model
    """
    if isinstance(lams, str | bytes) or not isinstance(lams, Iterable):
        raise TypeError(f"lams must be a list of numbers; got {type(lams).__name__}.")
    lams = list(lams)
    if not lams:
        raise ValueError("lams is empty; pass at least one λ, e.g. [0, 0.1, 1].")
    base = CausalLM(penalised=penalised, **params)
    return _fit_many(sentences, lams, base._params())


# ------------------------------------------------------- data stage: counterfactual swap
_SWAP = {"she": "he", "he": "she", "herself": "himself", "himself": "herself",
         "him": "her", "hers": "his", "woman": "man", "man": "woman", "women": "men",
         "men": "women", "girl": "boy", "boy": "girl", "girls": "boys", "boys": "girls",
         "mother": "father", "father": "mother", "sister": "brother", "brother": "sister",
         "daughter": "son", "son": "daughter", "wife": "husband", "husband": "wife",
         "mrs": "mr", "mr": "mrs", "she's": "he's", "he's": "she's", "she'll": "he'll",
         "he'll": "she'll", "she'd": "he'd", "he'd": "she'd"}
# After "her"/"his", these words (or punctuation, or the end) mean the pronoun stands
# alone: object "her" → "him", predicate "his" → "hers". Before any other word it is a
# determiner: "her keys" → "his keys", "his keys" → "her keys".
_NOT_A_NOUN = frozenset(
    "the a an this that these those some any no every each all both my your our their its "
    "his her him them me us you it i we they he she to at in on for with from by of about "
    "and or but so because if when as than up out off down back again too yesterday today "
    "tomorrow now then there here is was are were be been will would can could should did "
    "do does has had have very well never ever later soon home away tonight before after "
    "over into onto through around while until since".split())
_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


def _case_like(word: str, like: str) -> str:
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[0].isupper():
        return word[0].upper() + word[1:]
    return word


def counterfactual_swap(sentence: str, *,
                        name_pairs: Sequence[tuple[str, str]] = NAME_PAIRS,
                        extra_pairs: Sequence[tuple[str, str]] = ()) -> str:
    """Swap every gendered word of ``sentence`` for its counterpart, keeping case.

    "her" becomes "his" before a noun (a determiner) and "him" otherwise (an
    object); "his" becomes "her" before a noun and "hers" when it stands alone;
    "hers" becomes "his"; first names swap within ``name_pairs``. Whole words only:
    "the", "then", "shed" and "Sheila" are untouched; "she'll" becomes "he'll".
    The role of "her"/"his" is read from the next word with a short list of
    function words (documented limit: "I saw her run" reads "run" as a noun).
    ``extra_pairs`` adds (female, male) word pairs, swapped both ways.

    Examples
    --------
    >>> counterfactual_swap("She gave her keys to him, then shed her coat.")
    'He gave his keys to her, then shed his coat.'
    >>> counterfactual_swap("The book is his; Mary thanked her.")
    'The book is hers; John thanked him.'
    >>> counterfactual_swap("SHE'LL see the others.")
    "HE'LL see the others."

    Lesson: 12-bias-in-a-language-model
    """
    if not isinstance(sentence, str):
        raise TypeError(f"sentence must be a string; got {type(sentence).__name__}.")
    names = {}
    for f, m in [*name_pairs, *extra_pairs]:
        names[f.lower()], names[m.lower()] = m.lower(), f.lower()
    matches = list(_WORD.finditer(sentence))
    out, pos = [], 0
    for i, m in enumerate(matches):
        word = m.group()
        key = word.lower().replace("’", "'")
        if key in ("her", "his"):
            nxt = matches[i + 1] if i + 1 < len(matches) else None
            gap = sentence[m.end():nxt.start()] if nxt else ""
            alone = (nxt is None or re.search(r"[^\s'’-]", gap) is not None
                     or nxt.group().lower() in _NOT_A_NOUN)
            new = ("him" if alone else "his") if key == "her" else ("hers" if alone else "her")
        else:
            new = _SWAP.get(key) or names.get(key)
        if new is not None:
            if "’" in word:
                new = new.replace("'", "’")
            out.append(sentence[pos:m.start()] + _case_like(new, word))
            pos = m.end()
    out.append(sentence[pos:])
    return "".join(out)


def counterfactual_augment(sentences: Sequence[str], *, share: float = 1.0,
                           name_pairs: Sequence[tuple[str, str]] = NAME_PAIRS,
                           random_state: Any = 0) -> list[str]:
    """Counterfactual data augmentation: the corpus plus swapped copies of its sentences.

    A random ``share`` of the sentences that contain a gendered word gets a swapped
    copy (:func:`counterfactual_swap`) appended; ``share=1`` balances every
    occupation's pronouns exactly (Lu et al. 2020; Zhao et al. 2018).

    Examples
    --------
    >>> counterfactual_augment(["The nurse said that she was late.", "It rained."])
    ['The nurse said that she was late.', 'It rained.', 'The nurse said that he was late.']

    Lesson: 12-bias-in-a-language-model
    """
    sentences = _check_sentences(sentences)
    share = check_in_range(share, "share", low=0, high=1)
    rng = _check_seed(random_state)
    swapped = [counterfactual_swap(s, name_pairs=name_pairs) for s in sentences]
    changed = np.flatnonzero([a != b for a, b in zip(sentences, swapped, strict=True)])
    keep = np.sort(rng.permutation(changed)[:int(round(share * len(changed)))])
    return sentences + [swapped[i] for i in keep]


# ------------------------------------------------------------------- measurements
@dataclass
class BiasMeasurement:
    """One bias measurement: per occupation and overall, with bootstrap intervals.

    ``items`` holds the raw values (one row per prompt, pair or sample) so that every
    number can be recomputed by hand; ``per_occupation`` has ``value``, ``low``,
    ``high``, ``n`` and the published ``stats`` share; ``overall`` has ``value``,
    ``low``, ``high``; ``correlation`` (Pearson r of ``value`` with ``stats``, with
    its interval) when it makes sense.
    """

    name: str
    items: pd.DataFrame
    per_occupation: pd.DataFrame
    overall: pd.Series
    correlation: pd.Series | None = None

    def summary(self) -> pd.Series:
        """``overall`` (and ``r``) as one rounded Series, for printing."""
        s = self.overall.rename(lambda k: f"{self.name} {k}")
        if self.correlation is not None:
            s = pd.concat([s, self.correlation.rename(lambda k: f"r {k}")])
        return s.round(3)


def _bootstrap_means(values: np.ndarray, codes: np.ndarray, n_groups: int, n_boot: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Group means of ``n_boot`` stratified resamples, shape (n_boot, n_groups).

    Items are resampled within their group (multinomial counts per group, drawn
    for all resamples at once); a weight matrix times the values gives the sums.
    """
    W = np.zeros((n_boot, len(values)))
    for g in range(n_groups):
        idx = np.flatnonzero(codes == g)
        if len(idx):
            W[:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=n_boot)
    onehot = np.zeros((len(values), n_groups))
    onehot[np.arange(len(values)), codes] = 1
    counts = np.maximum(onehot.sum(0), 1)
    return (W * values) @ onehot / counts


def _measure(name: str, items: pd.DataFrame, occupations: list[str], stats: pd.Series | None,
             overall: str, n_boot: int, confidence: float, rng: np.random.Generator
             ) -> BiasMeasurement:
    codes = pd.Categorical(items["occupation"], categories=occupations).codes.astype(np.int64)
    vals = items["value"].to_numpy(dtype=float)
    G = len(occupations)
    n = np.bincount(codes, minlength=G)
    point = np.bincount(codes, weights=vals, minlength=G) / np.maximum(n, 1)
    point[n == 0] = np.nan
    boot = _bootstrap_means(vals, codes, G, n_boot, rng)
    boot[:, n == 0] = np.nan
    a = (1 - confidence) / 2
    q = lambda x: np.nanquantile(x, [a, 1 - a], axis=0)  # noqa: E731
    lo, hi = q(boot)
    per = pd.DataFrame({"value": point, "low": lo, "high": hi, "n": n}, index=occupations)
    per.index.name = "occupation"

    def agg(m: np.ndarray) -> np.ndarray:  # (..., G) → (...)
        if overall == "bias":  # 0 = P(she) = P(he) for every occupation; 1 = always one
            return np.nanmean(np.abs(2 * m - 1), axis=-1)
        return np.nanmean(m, axis=-1)

    ov = pd.Series({"value": float(agg(point)), **dict(zip(("low", "high"),
                                                           q(agg(boot)).tolist(), strict=True))})
    corr = None
    if stats is not None:
        per["stats"] = stats.reindex(occupations).to_numpy()
        ok = ~np.isnan(point)
        x = per["stats"].to_numpy()[ok]
        if ok.sum() > 2 and np.std(x) > 0:
            def r(m):
                mc = m - m.mean(-1, keepdims=True)
                xc = x - x.mean()
                return (mc @ xc) / np.sqrt((mc ** 2).sum(-1) * (xc ** 2).sum())
            corr = pd.Series({"value": float(r(point[ok])),
                              **dict(zip(("low", "high"), q(r(boot[:, ok])).tolist(),
                                         strict=True))})
    return BiasMeasurement(name, items, per, ov, corr)


def _check_occupations(model: _LMOutputs, occupations: Any) -> list[str]:
    if isinstance(occupations, str):
        raise TypeError(f"occupations must be a list; got the string {occupations!r}.")
    occ = list(occupations)
    if not occ:
        raise ValueError("occupations is empty; pass e.g. corpus.occupations.")
    v = model._vocab()
    unseen = [o for o in occ if any(t not in v for t in tokenize(o))]
    if unseen:
        raise ValueError(f"occupations {unseen} never occur in the training text, so the "
                         "model cannot be probed on them; use occupations from the corpus "
                         "(corpus.occupations + corpus.held_out).")
    return occ


def _check_boot(n_boot: Any, confidence: Any) -> tuple[int, float]:
    if isinstance(n_boot, bool) or not isinstance(n_boot, Integral) or n_boot < 10:
        raise ValueError(f"n_boot must be an integer >= 10; got {n_boot!r}.")
    return int(n_boot), check_in_range(confidence, "confidence", low=0, high=1,
                                       low_inclusive=False, high_inclusive=False)


def _she_share(model: _LMOutputs, prompts: list[str]) -> np.ndarray:
    v = model._vocab()
    lp = model._next_log_proba(prompts).double()
    return torch.sigmoid(lp[:, v.id("she")] - lp[:, v.id("he")]).numpy()


def template_probe(model: _LMOutputs, occupations: Sequence[str], *,
                   templates: Sequence[str] = PROBE_TEMPLATES, stats: pd.Series | None = None,
                   n_boot: int = 1000, confidence: float = 0.95,
                   random_state: Any = 0) -> BiasMeasurement:
    """Template probes: P(she) / (P(she) + P(he)) as the next word after each prompt.

    Per occupation: the mean over ``templates``. Overall ``value`` is the bias
    ``mean |2·share − 1|`` over occupations (0: she and he equally likely after
    every occupation; 1: always one of them). With ``stats`` (published share of
    women), ``correlation`` is Pearson's r between the model's share and the table.
    Intervals: percentile bootstrap over templates within each occupation.

    Examples
    --------
    >>> lm = CausalLM(epochs=20, random_state=0).fit(
    ...     ["The nurse said that she left.", "The cook said that he left."] * 20)
    >>> m = template_probe(lm, ["nurse", "cook"], templates=["the {occupation} said that"])
    >>> m.per_occupation["value"].round(2).tolist()
    [1.0, 0.0]

    Lesson: 12-bias-in-a-language-model
    """
    occ = _check_occupations(model, occupations)
    n_boot, confidence = _check_boot(n_boot, confidence)
    templates = list(templates)
    prompts = [t.format(occupation=o) for o in occ for t in templates]
    items = pd.DataFrame({"occupation": np.repeat(occ, len(templates)), "prompt": prompts,
                          "value": _she_share(model, prompts)})
    return _measure("probe bias", items, occ, stats, "bias", n_boot, confidence,
                    _check_seed(random_state))


def paired_likelihood(model: _LMOutputs, occupations: Sequence[str], *, stats: pd.Series,
                      frames: Sequence[str] = PAIR_FRAMES, n_boot: int = 1000,
                      confidence: float = 0.95, random_state: Any = 0) -> BiasMeasurement:
    """Paired likelihood (the CrowS-Pairs method, Nangia et al. 2020) with a causal LM.

    Each frame gives two sentences that differ only in the pronoun; the
    *stereotypical* one uses "she"/"her" when ``stats`` (share of women) is above
    0.5 and "he"/"his" otherwise. An item is 1 when the model gives the
    stereotypical sentence the higher log-probability (0.5 on a tie). ``value`` is
    the share of such pairs: 0.5 means no preference. CrowS-Pairs scores masked
    LMs by pseudo-log-likelihood of the shared words; a causal LM can score the
    whole sentence exactly, which we do.

    Examples
    --------
    >>> lm = CausalLM(epochs=20, random_state=0).fit(
    ...     ["The nurse said that she left.", "The cook said that he left."] * 20)
    >>> m = paired_likelihood(lm, ["nurse", "cook"], stats=pd.Series({"nurse": .9, "cook": .4}),
    ...                       frames=["the {occupation} said that {p} left ."])
    >>> float(m.overall["value"])
    1.0

    Lesson: 12-bias-in-a-language-model
    """
    occ = _check_occupations(model, occupations)
    n_boot, confidence = _check_boot(n_boot, confidence)
    if not isinstance(stats, pd.Series):
        raise TypeError("stats must be a Series occupation → share of women (corpus.stats).")
    missing = [o for o in occ if o not in stats.index]
    if missing:
        raise ValueError(f"stats has no share for {missing}; pass corpus.stats.")
    frames = list(frames)
    rows = []
    for o in occ:
        stereo, anti = (("female", "male") if stats[o] > 0.5 else ("male", "female"))
        for f in frames:
            rows.append((o, f.format(occupation=o, **_PRONOUNS[stereo]),
                         f.format(occupation=o, **_PRONOUNS[anti])))
    items = pd.DataFrame(rows, columns=["occupation", "stereotypical", "anti"])
    lp = model.log_prob(list(items["stereotypical"]) + list(items["anti"]))
    d = lp[:len(items)] - lp[len(items):]
    items["value"] = np.where(d > 0, 1.0, np.where(d < 0, 0.0, 0.5))
    return _measure("stereotype preference", items, occ, stats, "mean", n_boot, confidence,
                    _check_seed(random_state))


_FEMALE = frozenset({"she", "her", "hers", "herself", *(f.lower() for f, _ in NAME_PAIRS)})
_MALE = frozenset({"he", "him", "his", "himself", *(m.lower() for _, m in NAME_PAIRS)})


def generation_bias(model: _LMOutputs, occupations: Sequence[str], *, n: int = 20,
                    templates: Sequence[str] = PROBE_TEMPLATES, stats: pd.Series | None = None,
                    max_words: int = 12, n_boot: int = 1000, confidence: float = 0.95,
                    random_state: Any = 0) -> BiasMeasurement:
    """Generations: sample ``n`` completions per prompt and read the first gendered word.

    An item is 1 when a completion's first gendered word (she/her/hers/herself or a
    female first name) is female, 0 when male; completions with none are dropped
    (``per_occupation["n"]`` counts the kept ones). ``value`` per occupation is the
    female share; overall ``value`` is ``mean |2·share − 1|`` as in
    :func:`template_probe`.

    Examples
    --------
    >>> lm = CausalLM(epochs=20, random_state=0).fit(
    ...     ["The nurse said that she left.", "The cook said that he left."] * 20)
    >>> m = generation_bias(lm, ["nurse", "cook"], n=10,
    ...                     templates=["the {occupation} said that"])
    >>> m.per_occupation["value"].tolist()
    [1.0, 0.0]

    Lesson: 12-bias-in-a-language-model
    """
    occ = _check_occupations(model, occupations)
    n_boot, confidence = _check_boot(n_boot, confidence)
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}.")
    rng = _check_seed(random_state)
    v = model._vocab()
    prompts = [(o, t.format(occupation=o)) for o in occ for t in templates]
    starts = [np.r_[v.id(_BOS), v.encode(tokenize(p), name=f"prompt {p!r}")] for _, p in prompts]
    gen = torch.Generator().manual_seed(int(rng.integers(2**31 - 1)))
    rows = []
    for length in sorted({len(s) for s in starts}):  # one batched sampling per prompt length
        which = [i for i, s in enumerate(starts) if len(s) == length]
        texts = model._sample(np.repeat(np.stack([starts[i] for i in which]), n, axis=0), gen,
                              max_words, 1.0)
        for j, text in enumerate(texts):
            o, prompt = prompts[which[j // n]]
            first = next((w for w in tokenize(text) if w in _FEMALE or w in _MALE), None)
            if first is not None:
                rows.append((o, prompt, text, float(first in _FEMALE)))
    items = pd.DataFrame(rows, columns=["occupation", "prompt", "completion", "value"])
    return _measure("generation bias", items, occ, stats, "bias", n_boot, confidence, rng)


def grounded_accuracy(model: _LMOutputs, occupations: Sequence[str], *,
                      name_pairs: Sequence[tuple[str, str]] = NAME_PAIRS, n_boot: int = 1000,
                      confidence: float = 0.95, random_state: Any = 0) -> BiasMeasurement:
    """Over-correction check: does the model still follow gender that *is* stated?

    Prompts "{name} is a {occupation} and" for every name of ``name_pairs`` (pairs
    whose two names both occur in the training text); an
    item is P(right pronoun) / (P(she) + P(he)), the right one being the name's.
    1 = always follows the name; 0.5 = ignores it. A fix that pushes every
    occupation to 50/50 regardless of context lowers this.

    Examples
    --------
    >>> lm = CausalLM(epochs=30, random_state=0).fit(
    ...     ["Mary is a cook and she left.", "John is a cook and he left."] * 20)
    >>> m = grounded_accuracy(lm, ["cook"], name_pairs=[("Mary", "John")])
    >>> bool(m.overall["value"] > 0.8)
    True

    Lesson: 12-bias-in-a-language-model
    """
    occ = _check_occupations(model, occupations)
    n_boot, confidence = _check_boot(n_boot, confidence)
    v = model._vocab()
    pairs = [p for p in name_pairs if all(n.lower() in v for n in p)]
    if not pairs:
        raise ValueError("none of name_pairs occurs (both names) in the training text; pass "
                         "pairs of names the corpus uses (corpus.names).")
    rows = [(o, f"{name.lower()} is {_article(o)} {o} and", female)
            for o in occ for pair in pairs for name, female in zip(pair, (True, False),
                                                                          strict=True)]
    items = pd.DataFrame(rows, columns=["occupation", "prompt", "female"])
    share = _she_share(model, list(items["prompt"]))
    items["value"] = np.where(items["female"], share, 1 - share)
    return _measure("grounded accuracy", items, occ, None, "mean", n_boot, confidence,
                    _check_seed(random_state))


# ----------------------------------------------------------- decoding stage: adjustment
class PronounEqualizer(_LMOutputs):
    """Decoding-time fix: after a listed occupation, give female and male words equal mass.

    At every position whose context contains one of ``occupations``, the next-word
    probabilities of she/he, herself/himself and {her, hers}/{his, him} are rescaled
    so the female and male side of each pair hold half of their total (proportions
    within a side kept); everything else is unchanged. It wraps a fitted model and offers the same
    ``log_prob``, ``next_word_proba``, ``generate`` and ``perplexity``.

    Limits, by construction: occupations not listed keep their bias; names ("Mary"
    vs "John") are not touched; and it cannot tell a stated gender from a guessed
    one, so "Mary is a nurse and" → she/he at 50/50 (over-correction).

    Examples
    --------
    >>> lm = CausalLM(epochs=20, random_state=0).fit(
    ...     ["The nurse said that she left.", "The cook said that he left."] * 20)
    >>> eq = PronounEqualizer(lm, occupations=["nurse"])
    >>> p = eq.next_word_proba("the nurse said that")
    >>> round(float(p["she"]), 3) == round(float(p["he"]), 3)
    True

    Lesson: 12-bias-in-a-language-model
    """

    def __init__(self, model: CausalLM, *, occupations: Sequence[str]) -> None:
        if not isinstance(model, _LMOutputs):
            raise TypeError(f"model must be a fitted CausalLM; got {type(model).__name__}.")
        self.model = model
        self.occupations = _check_occupations(model, occupations)
        v = model._vocab()
        self.vocab_ = v
        self._occ_ids = torch.as_tensor(sorted({v.id(tokenize(o)[-1])
                                                for o in self.occupations}))
        groups = [(["she"], ["he"]), (["herself"], ["himself"]), (["her", "hers"], ["his", "him"])]
        self._groups = [(torch.as_tensor([v.id(w) for w in f if w in v]),
                         torch.as_tensor([v.id(w) for w in m if w in v])) for f, m in groups]
        self._groups = [(f, m) for f, m in self._groups if len(f) and len(m)]

    def __repr__(self) -> str:
        return f"PronounEqualizer({self.model!r}, {len(self.occupations)} occupations)"

    def _log_softmax(self, ids: torch.Tensor) -> torch.Tensor:
        lp = self.model._log_softmax(ids).clone()
        active = torch.isin(ids, self._occ_ids).cumsum(1) > 0          # (n, T)
        for f, m in self._groups:
            lf = torch.logsumexp(lp[..., f], -1)
            lm_ = torch.logsumexp(lp[..., m], -1)
            half = torch.logaddexp(lf, lm_) - np.log(2.0)
            lp[..., f] += torch.where(active, half - lf, 0.0)[..., None]
            lp[..., m] += torch.where(active, half - lm_, 0.0)[..., None]
        return lp
        active = torch.isin(ids, self._occ_ids).cumsum(1) > 0          # (n, T)
        lf = torch.logsumexp(lp[..., self._f], -1)
        lm_ = torch.logsumexp(lp[..., self._m], -1)
        half = torch.logaddexp(lf, lm_) - np.log(2.0)
        lp[..., self._f] += torch.where(active, half - lf, 0.0)[..., None]
        lp[..., self._m] += torch.where(active, half - lm_, 0.0)[..., None]
        return lp


def bias_report(model: _LMOutputs, corpus: Bunch, *, fixed: Sequence[str],
                n_boot: int = 200, random_state: Any = 0) -> pd.Series:
    """The lesson's side-by-side numbers for one model (point values).

    ``probe bias`` (:func:`template_probe`) on the ``fixed`` occupations (those a
    fix targeted), on the other trained occupations, and on the held-out ones;
    ``stereotype preference`` (:func:`paired_likelihood`) on all trained
    occupations; ``perplexity`` on ``corpus.neutral_test``; ``grounded accuracy``
    (:func:`grounded_accuracy`) on the trained occupations (over-correction shows
    as a drop).

    Lesson: 12-bias-in-a-language-model
    """
    fixed = list(fixed)
    others = [o for o in corpus.occupations if o not in set(fixed)]
    kw = {"n_boot": n_boot, "random_state": random_state}
    out = {}
    for label, occ in (("probe bias: fixed", fixed), ("probe bias: other trained", others),
                       ("probe bias: held out", list(corpus.held_out))):
        out[label] = template_probe(model, occ, **kw).overall["value"] if occ else np.nan
    out["stereotype preference"] = paired_likelihood(model, corpus.occupations,
                                                     stats=corpus.stats, **kw).overall["value"]
    out["neutral perplexity"] = model.perplexity(corpus.neutral_test)
    out["grounded accuracy"] = grounded_accuracy(model, corpus.occupations,
                                                 **kw).overall["value"]
    return pd.Series(out, dtype=float)


def fit_grid(corpus: Bunch, *, lams: Sequence[float], shares: Sequence[float],
             fixed: Sequence[str], random_state: Any = 0,
             **params: Any) -> dict[tuple[float, float], CausalLM]:
    """Models for every (augmentation share, λ): one batched λ sweep per share.

    For each ``share``, the corpus is augmented (:func:`counterfactual_augment`)
    and all ``lams`` are trained together with the penalty on ``fixed``.

    Returns
    -------
    dict (share, λ) → fitted :class:`CausalLM`.

    Lesson: 12-bias-in-a-language-model
    """
    if isinstance(shares, str) or not isinstance(shares, Iterable) or not list(shares):
        raise ValueError("shares must be a non-empty list of numbers in [0, 1], e.g. [0, 1].")
    grid = {}
    for share in shares:
        text = counterfactual_augment(corpus.sentences, share=share, random_state=random_state)
        for m in fit_lambda_sweep(text, lams, penalised=fixed, random_state=random_state,
                                  **params):
            grid[(float(share), m.lam)] = m
    return grid
