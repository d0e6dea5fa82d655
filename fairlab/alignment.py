"""Aligning a small language model with (simulated) human feedback: RLHF and DPO.

The pieces of reinforcement learning from human feedback (Christiano et al. 2017;
Ouyang et al. 2022), small enough to run on a CPU and transparent enough to check:

* :class:`Raters` judge pairs of completions. They follow a known *true* preference
  (:meth:`Raters.true_score`, a rule you can read) plus controllable biases: a
  length bias, a confident-tone bias and a group bias (they prefer completions that
  put one group in the role the prompt names).
* :func:`collect_preferences` samples two completions per prompt from the
  reference model and asks the raters which is better.
* :func:`fit_reward_model` fits lesson 09's :class:`~fairlab.feedback.BradleyTerryRewardModel`
  on the completions' bag-of-words counts, and reports its agreement with the true
  preference on held-out pairs.
* :func:`align_sweep` optimises the policy against the learned reward with a KL
  penalty ``beta`` to the reference model (REINFORCE with a leave-one-out baseline),
  and, on the same preferences, by **DPO** (Rafailov et al. 2023). Every
  (beta, seed) policy is trained together: the language model's body is frozen and
  shared, each policy owns a copy of the output layer (stacked weights, one batched
  matmul), so one forward pass of the body serves every setting.

The policy interface is :class:`Policy`: a frozen ``body`` that maps token ids of
shape (n, t) to hidden states (n, t, d), an output layer (``weight`` (V, d),
``bias`` (V,)) and a vocabulary. :meth:`Policy.from_language_model` builds one from
lesson 12's :class:`fairlab.lm.LanguageModel`; tests build tiny ones by hand.

Lesson: 13-aligning-with-human-feedback
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from fairlab._validation import check_in_range
from fairlab.feedback import BradleyTerryRewardModel

__all__ = [
    "Policy",
    "Completions",
    "Raters",
    "Preferences",
    "RewardModel",
    "AlignmentSweep",
    "make_answer_corpus",
    "sample_completions",
    "collect_preferences",
    "fit_reward_model",
    "preference_agreement",
    "kl_penalised_reward",
    "dpo_loss",
    "estimate_kl",
    "align_sweep",
    "summarise",
]

#: Words the answer corpus and the default raters use (see :func:`make_answer_corpus`).
DETAIL_WORDS = ("today", "carefully", "twice", "first", "quietly")
FILLER_WORDS = ("really", "just", "basically", "very")
CONFIDENT_WORDS = ("certainly", "definitely", "clearly")
GROUP_WORDS = ("he", "she")
OCCUPATIONS = ("nurse", "engineer", "teacher", "doctor", "cook", "pilot", "clerk", "lawyer")
_VERBS = ("check", "fix", "review", "explain", "finish")
_OBJECTS = ("plan", "report", "case", "schedule", "order")
EOS = "."


def _check_int(value: Any, name: str, *, low: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a whole number; got {type(value).__name__} "
                        f"{value!r}. Pass {what}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value}. Pass {what}.")
    return int(value)


def _check_seed(random_state: Any) -> int:
    if random_state is None:
        return int(np.random.default_rng().integers(2**31))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31))
    return _check_int(random_state, "random_state", low=0,
                      what="a non-negative seed, a numpy Generator or None")


def _check_beta(beta: Any, name: str = "beta") -> float:
    return check_in_range(beta, name, low=0)


def _torch():
    import torch

    return torch


# ---------------------------------------------------------------------------- corpus
def make_answer_corpus(n_sentences: int = 4000, *, random_state: Any = 0) -> list[str]:
    """Short answers to "the {occupation} said that": the reference model's training text.

    Each sentence is ``the {occupation} said that {pronoun} [confident word] will
    {verb} the {object} [details] [filler] .``: the pronoun is "he", "she" or "they"
    with equal probability (a balanced corpus), about a quarter of answers sound
    confident, most give zero to two concrete details (:data:`DETAIL_WORDS`) and
    some pad with filler words. A model trained on it can write every kind of answer
    the raters judge, with room to be pushed towards any of them.

    Examples
    --------
    >>> s = make_answer_corpus(3, random_state=1)
    >>> len(s), all(x.startswith("the ") and x.endswith(" .") for x in s)
    (3, True)

    Lesson: 13-aligning-with-human-feedback
    """
    n = _check_int(n_sentences, "n_sentences", low=1, what="how many sentences to write")
    rng = np.random.default_rng(_check_seed(random_state))
    out = []
    for _ in range(n):  # text generation: a loop over sentences is the clear way
        words = ["the", rng.choice(OCCUPATIONS), "said", "that",
                 rng.choice(("he", "she", "they"))]
        if rng.random() < 0.25:
            words.append(rng.choice(CONFIDENT_WORDS))
        words += ["will", rng.choice(_VERBS), "the", rng.choice(_OBJECTS)]
        n_detail = rng.choice(3, p=[0.4, 0.4, 0.2])
        words += list(rng.choice(DETAIL_WORDS, size=n_detail, replace=False))
        n_filler = rng.choice(4, p=[0.55, 0.25, 0.12, 0.08])
        words += list(rng.choice(FILLER_WORDS, size=n_filler))
        out.append(" ".join(words + [EOS]))
    return out


# ---------------------------------------------------------------------------- policy
@dataclass
class Policy:
    """A causal language model seen as a policy: frozen body + output layer.

    Parameters
    ----------
    body : callable
        Token ids (LongTensor of shape (n, t)) → hidden states (n, t, d); the
        hidden state at position ``i`` predicts token ``i + 1``. Frozen.
    weight, bias : Tensor of shape (V, d) and (V,)
        The output layer: next-token logits are ``hidden @ weight.T + bias``.
    vocab : sequence of str
        Token strings, by id. Must contain the end token ``eos``.
    eos : str, default="."
        The token that ends a completion.
    step : callable, optional
        ``step(ids, state) -> (hidden, state)``: the hidden state after appending the
        token ids ``ids`` of shape (n,) to a sequence summarised by ``state``
        (``state=None`` with ``ids`` of shape (n, t) starts from a prompt and returns
        the last position's hidden state). Lets generation run in time linear in the
        completion's length; without it the body reruns on the whole prefix.

    Examples
    --------
    A bigram model over three words (the hidden state is a one-hot of the last word):

    >>> import torch
    >>> p = Policy(lambda ids: torch.nn.functional.one_hot(ids, 3).double(),
    ...            torch.eye(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64),
    ...            ["a", "b", "."])
    >>> p.encode(["a b"]).tolist()
    [[0, 1]]

    Lesson: 13-aligning-with-human-feedback
    """

    body: Callable[[Any], Any]
    weight: Any
    bias: Any
    vocab: Sequence[str]
    eos: str = EOS
    step: Callable[[Any, Any], tuple[Any, Any]] | None = None

    def __post_init__(self) -> None:
        torch = _torch()
        self.vocab = tuple(str(w) for w in self.vocab)
        if self.eos not in self.vocab:
            raise ValueError(f"the vocabulary has no end token {self.eos!r}; pass eos= one of "
                             "its words (a full stop, or an end-of-sentence marker).")
        self.weight = torch.as_tensor(self.weight).detach()
        self.bias = torch.as_tensor(self.bias).detach()
        V = len(self.vocab)
        if self.weight.ndim != 2 or self.weight.shape[0] != V or self.bias.shape != (V,):
            raise ValueError(f"weight must be (V, d) and bias (V,) with V = {V} words; got "
                             f"{tuple(self.weight.shape)} and {tuple(self.bias.shape)}.")
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.eos_id = self.index[self.eos]

    @classmethod
    def from_language_model(cls, model: Any) -> Policy:
        """The policy view of a fitted lesson-12 :class:`fairlab.lm.CausalLM` (body frozen).

        Built from the model's public ``vocab_`` and ``params_`` (embedding, one LSTM
        layer in ``torch.nn.LSTM``'s gate order, output layer): the body is a
        ``torch.nn.LSTM`` with those weights, run after the start token ``<s>``. The
        end token is ``</s>``; padding and ``<s>`` can never be sampled.
        """
        torch = _torch()
        params = getattr(model, "params_", None)
        vocab = getattr(model, "vocab_", None)
        if params is None or vocab is None:
            raise ValueError(f"the language model is not fitted yet; call fit(sentences) "
                             f"first (got {type(model).__name__} without params_).")
        P = {k: torch.as_tensor(v).detach()[0].to(torch.float64) for k, v in params.items()}
        E, H = P["emb"].shape[1], P["W_hh"].shape[0]
        lstm = torch.nn.LSTM(E, H, batch_first=True).double()
        with torch.no_grad():
            lstm.weight_ih_l0.copy_(P["W_ih"].T)
            lstm.weight_hh_l0.copy_(P["W_hh"].T)
            lstm.bias_ih_l0.copy_(P["b"].reshape(-1))
            lstm.bias_hh_l0.zero_()
        lstm.requires_grad_(False)
        emb = P["emb"]
        words = list(vocab.words)
        bos = words.index("<s>")

        def body(ids: Any) -> Any:
            ids = torch.cat([torch.full((len(ids), 1), bos, dtype=torch.long), ids], 1)
            out, _ = lstm(emb[ids])
            return out[:, 1:]

        def step(ids: Any, state: Any) -> tuple[Any, Any]:
            if state is None:
                ids = torch.cat([torch.full((len(ids), 1), bos, dtype=torch.long), ids], 1)
                out, state = lstm(emb[ids])
            else:
                out, state = lstm(emb[ids[:, None]], state)
            return out[:, -1], state

        bias = P["b_out"].reshape(-1).clone()
        special = torch.as_tensor([w.startswith("<") and w != "</s>" for w in words])
        bias[special] = -1e9  # never sample padding or a start token
        return cls(body, P["W_out"].T.contiguous(), bias, words, "</s>", step=step)

    def encode(self, prompts: Sequence[str]) -> Any:
        """Prompts (all with the same number of words) → LongTensor of token ids."""
        torch = _torch()
        if isinstance(prompts, str):
            prompts = [prompts]
        rows = [str(p).lower().split() for p in prompts]
        if not rows:
            raise ValueError("no prompts given; pass at least one, e.g. "
                             "['the nurse said that'].")
        unknown = sorted({w for r in rows for w in r if w not in self.index})
        if unknown:
            raise ValueError(f"prompts use words the model does not know: {unknown[:5]}; "
                             "use words from its vocabulary.")
        if len({len(r) for r in rows}) != 1 or not rows[0]:
            raise ValueError("prompts must all have the same (non-zero) number of words, so "
                             "they can be batched; group them by length.")
        return torch.tensor([[self.index[w] for w in r] for r in rows], dtype=torch.long)


@dataclass(frozen=True)
class Completions:
    """Sampled completions: token ids, which positions count, and bag-of-words counts.

    ``tokens[k, t]`` is the t-th generated token of completion ``k``; ``mask[k, t]``
    is True up to and including the first end token. ``counts[k, v]`` is how often
    word ``v`` occurs in completion ``k`` (the end token included).
    """

    prompts: np.ndarray  # (n,) prompt index
    tokens: np.ndarray  # (n, T)
    mask: np.ndarray  # (n, T) bool
    counts: np.ndarray  # (n, V)
    vocab: tuple[str, ...]
    eos_id: int
    prompt_text: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def lengths(self) -> np.ndarray:
        """Number of words (tokens with a letter or digit, end tokens excluded)."""
        words = np.array([w[:1].isalnum() for w in self.vocab])
        return self.counts[:, words].sum(1)

    def text(self, k: int | Sequence[int] | None = None) -> list[str]:
        """Completion strings (all, or those at ``k``)."""
        idx = range(len(self)) if k is None else ([k] if isinstance(k, Integral) else k)
        return [" ".join(self.vocab[t] for t, m in zip(self.tokens[i], self.mask[i],
                                                         strict=True) if m) for i in idx]


def _rollout(policy: Policy, weight: Any, bias: Any, prompt_ids: Any, max_new_tokens: int,
             generator: Any) -> tuple[Any, Any, Any]:
    """Sample one completion per (head, prompt) row; returns hidden, tokens, mask.

    ``weight`` (H, V, d), ``bias`` (H, V); ``prompt_ids`` (H, N, P). Hidden states
    (H, N, T, d) are those that predict each generated token (no gradient).
    """
    torch = _torch()
    H, N, P = prompt_ids.shape
    seq = prompt_ids.reshape(H * N, P)
    done = torch.zeros(H * N, dtype=torch.bool)
    hiddens, toks, masks = [], [], []
    state = None
    with torch.no_grad():
        for t in range(max_new_tokens):
            if policy.step is None:
                h = policy.body(seq)[:, -1]
            else:
                h, state = policy.step(seq if t == 0 else seq[:, -1], state)
            h = h.to(weight.dtype)  # (H*N, d)
            logits = torch.einsum("hnd,hvd->hnv", h.reshape(H, N, -1), weight) + bias[:, None]
            probs = torch.softmax(logits.reshape(H * N, -1), dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            nxt = torch.where(done, torch.full_like(nxt, policy.eos_id), nxt)
            masks.append(~done)
            hiddens.append(h)
            toks.append(nxt)
            done = done | (nxt == policy.eos_id)
            seq = torch.cat([seq, nxt[:, None]], dim=1)
            if bool(done.all()):
                break
    hidden = torch.stack(hiddens, 1).reshape(H, N, len(toks), -1)
    tokens = torch.stack(toks, 1).reshape(H, N, -1)
    mask = torch.stack(masks, 1).reshape(H, N, -1)
    return hidden, tokens, mask


def _token_logp(hidden: Any, tokens: Any, weight: Any, bias: Any) -> tuple[Any, Any]:
    """Log-probabilities of the chosen tokens and full log-distributions, per head."""
    torch = _torch()
    logits = torch.einsum("hntd,hvd->hntv", hidden, weight) + bias[:, None, None]
    logp = torch.log_softmax(logits, dim=-1)
    return logp.gather(-1, tokens[..., None]).squeeze(-1), logp


def _counts(tokens: Any, mask: Any, V: int) -> Any:
    torch = _torch()
    shape = tokens.shape[:-1]
    flat = tokens.reshape(-1, tokens.shape[-1])
    out = torch.zeros(flat.shape[0], V, dtype=torch.float64)
    out.scatter_add_(1, flat, mask.reshape(flat.shape).to(torch.float64))
    return out.reshape(*shape, V)


def _completions(policy: Policy, tokens: Any, mask: Any, prompt_index: np.ndarray,
                 prompt_text: Sequence[str]) -> Completions:
    return Completions(prompts=prompt_index, tokens=tokens.numpy(), mask=mask.numpy(),
                       counts=_counts(tokens, mask, len(policy.vocab)).numpy(),
                       vocab=tuple(policy.vocab), eos_id=policy.eos_id,
                       prompt_text=tuple(prompt_text))


def sample_completions(policy: Policy, prompts: Sequence[str], *, n_per_prompt: int = 1,
                       max_new_tokens: int = 14, random_state: Any = 0) -> Completions:
    """Sample ``n_per_prompt`` completions of each prompt from ``policy``.

    Completions of prompt ``i`` are rows ``i * n_per_prompt ...`` of the result.

    Examples
    --------
    >>> import torch
    >>> p = Policy(lambda ids: torch.nn.functional.one_hot(ids, 3).double(),
    ...            torch.eye(3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64),
    ...            ["a", "b", "."])
    >>> c = sample_completions(p, ["a"], n_per_prompt=4, max_new_tokens=3, random_state=0)
    >>> len(c), bool((c.lengths <= 3).all())
    (4, True)

    Lesson: 13-aligning-with-human-feedback
    """
    n_per = _check_int(n_per_prompt, "n_per_prompt", low=1, what="completions per prompt")
    T = _check_int(max_new_tokens, "max_new_tokens", low=1, what="the longest completion")
    torch = _torch()
    ids = policy.encode(prompts).repeat_interleave(n_per, dim=0)
    gen = torch.Generator().manual_seed(_check_seed(random_state))
    _, tokens, mask = _rollout(policy, policy.weight[None], policy.bias[None], ids[None], T,
                               gen)
    idx = np.repeat(np.arange(len(ids) // n_per), n_per)
    texts = [prompts] if isinstance(prompts, str) else prompts
    return _completions(policy, tokens[0], mask[0], idx, texts)


# ---------------------------------------------------------------------------- raters
@dataclass(frozen=True)
class Raters:
    """Simulated raters: a known true preference plus controllable biases.

    The **true score** of a completion (what a careful expert would reward) is a
    rule you can read::

        true = min(#details, 2) - 0.5 * #filler - 0.5 * #confident - 1 * [no end token]

    Concrete details help, up to two; filler words and confidence the answer has no
    grounds for cost half a point each; an unfinished answer costs a point. The
    pronoun does not matter. The raters' **utility** adds their biases::

        utility = true + length_bias * #words + confidence_bias * #confident
                  + group_bias * [mentions favoured]

    and a rater prefers ``a`` over ``b`` with probability
    ``sigmoid((utility_a - utility_b) / noise)`` (Bradley & Terry 1952).

    Parameters
    ----------
    length_bias, confidence_bias, group_bias : float, default=0
        Extra utility per word, per confident word, and for mentioning the
        ``favoured`` group word.
    noise : float > 0, default=0.5
        Rater noise (temperature of the comparison).
    favoured : str, default="he"
    detail_words, filler_words, confident_words : tuple of str

    Examples
    --------
    >>> r = Raters()
    >>> r.true_score_of(["he will check the plan today carefully twice .",
    ...                  "she will clearly check the plan really ."]).tolist()
    [2.0, -1.0]

    Lesson: 13-aligning-with-human-feedback
    """

    length_bias: float = 0.0
    confidence_bias: float = 0.0
    group_bias: float = 0.0
    noise: float = 0.5
    favoured: str = "he"
    detail_words: tuple[str, ...] = DETAIL_WORDS
    filler_words: tuple[str, ...] = FILLER_WORDS
    confident_words: tuple[str, ...] = CONFIDENT_WORDS
    group_words: tuple[str, ...] = GROUP_WORDS

    def __post_init__(self) -> None:
        for name in ("length_bias", "confidence_bias", "group_bias"):
            check_in_range(getattr(self, name), name, low=-5, high=5)
        check_in_range(self.noise, "noise", low=0, low_inclusive=False)
        if self.favoured not in self.group_words:
            raise ValueError(f"favoured must be one of {list(self.group_words)}; got "
                             f"{self.favoured!r}.")

    def _columns(self, vocab: Sequence[str], words: Sequence[str]) -> np.ndarray:
        return np.isin(np.asarray(vocab, dtype=object), np.asarray(words, dtype=object))

    def features(self, completions: Completions) -> dict[str, np.ndarray]:
        """Per completion: details, filler, confident, words, ended, favoured, other."""
        c, v = completions.counts, completions.vocab
        other = [w for w in self.group_words if w != self.favoured]
        return {"details": c[:, self._columns(v, self.detail_words)].sum(1),
                "filler": c[:, self._columns(v, self.filler_words)].sum(1),
                "confident": c[:, self._columns(v, self.confident_words)].sum(1),
                "words": completions.lengths.astype(float),
                "ended": c[:, completions.eos_id] > 0,
                "favoured": c[:, self._columns(v, [self.favoured])].sum(1) > 0,
                "other": c[:, self._columns(v, other)].sum(1) > 0}

    def true_score(self, completions: Completions) -> np.ndarray:
        """The true preference score of each completion (see the class docstring)."""
        f = self.features(completions)
        return (np.minimum(f["details"], 2) - 0.5 * f["filler"] - 0.5 * f["confident"]
                - 1.0 * ~f["ended"])

    def true_score_of(self, texts: Sequence[str]) -> np.ndarray:
        """:meth:`true_score` of completion strings (words separated by spaces)."""
        return self.true_score(_from_text(texts))

    def utility(self, completions: Completions) -> np.ndarray:
        """What the raters actually reward: the true score plus their biases."""
        f = self.features(completions)
        return (self.true_score(completions) + self.length_bias * f["words"]
                + self.confidence_bias * f["confident"] + self.group_bias * f["favoured"])

    def compare(self, completions: Completions, left: Any, right: Any, *,
                random_state: Any = 0) -> np.ndarray:
        """1 where the rater prefers ``left[k]`` over ``right[k]``, else 0."""
        u = self.utility(completions)
        left, right = np.asarray(left), np.asarray(right)
        p = 0.5 * (1 + np.tanh(0.5 * (u[left] - u[right]) / self.noise))
        rng = np.random.default_rng(_check_seed(random_state))
        return (rng.random(len(left)) < p).astype(np.int8)


def _from_text(texts: Sequence[str]) -> Completions:
    rows = [str(t).split() for t in texts]
    vocab = tuple(sorted({w for r in rows for w in r} | {EOS}))
    idx = {w: i for i, w in enumerate(vocab)}
    T = max(1, max((len(r) for r in rows), default=1))
    tokens = np.full((len(rows), T), idx[EOS])
    mask = np.zeros((len(rows), T), dtype=bool)
    counts = np.zeros((len(rows), len(vocab)))
    for k, r in enumerate(rows):
        tokens[k, :len(r)] = [idx[w] for w in r]
        mask[k, :len(r)] = True
        np.add.at(counts[k], tokens[k, :len(r)], 1)
    return Completions(np.arange(len(rows)), tokens, mask, counts, vocab, idx[EOS])


# ----------------------------------------------------------------- preferences and RM
@dataclass(frozen=True)
class Preferences:
    """Pairs of completions of the same prompt and the raters' verdicts.

    ``completions`` holds two samples per prompt; pair ``k`` compares rows
    ``left[k]`` and ``right[k]``; ``left_wins[k]`` is the rater's verdict and
    ``true_left_wins[k]`` what the true score says (0.5 on a tie). The first
    ``n_train`` pairs are for training, the rest held out.
    """

    completions: Completions
    left: np.ndarray
    right: np.ndarray
    left_wins: np.ndarray
    true_left_wins: np.ndarray
    n_train: int
    raters: Raters
    hidden: Any = field(default=None, repr=False)  # (2n, T, d) hidden states, for DPO

    def __len__(self) -> int:
        return len(self.left)

    def split(self, part: str) -> slice:
        return slice(0, self.n_train) if part == "train" else slice(self.n_train, None)

    @property
    def rater_accuracy(self) -> float:
        """Share of held-out pairs (true score not tied) where the raters agree with it."""
        s = self.split("held_out")
        t, y = self.true_left_wins[s], self.left_wins[s]
        keep = t != 0.5
        return float((y[keep] == t[keep]).mean()) if keep.any() else float("nan")


def collect_preferences(policy: Policy, prompts: Sequence[str], raters: Raters, *,
                        n_comparisons: int = 1000, n_held_out: int = 500,
                        max_new_tokens: int = 14, random_state: Any = 0) -> Preferences:
    """Sample two reference completions per prompt and ask the raters to compare them.

    Prompts are drawn uniformly from ``prompts``. The first ``n_comparisons``
    pairs train the reward model (and DPO); ``n_held_out`` more measure agreement.

    Raises
    ------
    ValueError
        ``n_comparisons < 1`` (no preference data), no prompts.

    Examples
    --------
    >>> import torch
    >>> p = Policy(lambda ids: torch.nn.functional.one_hot(ids, 4).double(),
    ...            torch.eye(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64),
    ...            ["he", "today", "really", "."])
    >>> prefs = collect_preferences(p, ["he"], Raters(), n_comparisons=20, n_held_out=10)
    >>> len(prefs), prefs.n_train, len(prefs.completions)
    (30, 20, 60)

    Lesson: 13-aligning-with-human-feedback
    """
    if isinstance(n_comparisons, Integral) and not isinstance(n_comparisons, bool) \
            and n_comparisons < 1:
        raise ValueError(f"n_comparisons must be >= 1; got {n_comparisons}. There is no "
                         "preference data to learn from: ask the raters for at least one "
                         "comparison.")
    n = _check_int(n_comparisons, "n_comparisons", low=1, what="how many pairs to compare")
    m = _check_int(n_held_out, "n_held_out", low=0, what="how many pairs to hold out")
    if not isinstance(raters, Raters):
        raise TypeError(f"raters must be a Raters; got {type(raters).__name__}.")
    T = _check_int(max_new_tokens, "max_new_tokens", low=1, what="the longest completion")
    seed = _check_seed(random_state)
    torch = _torch()
    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    all_ids = policy.encode(prompts)
    rng = np.random.default_rng(seed)
    which = rng.integers(len(prompts), size=n + m)
    ids = all_ids[torch.as_tensor(np.repeat(which, 2))]
    gen = torch.Generator().manual_seed(seed)
    hidden, tokens, mask = _rollout(policy, policy.weight[None], policy.bias[None], ids[None],
                                    T, gen)
    comps = _completions(policy, tokens[0], mask[0], np.repeat(which, 2), prompts)
    left, right = np.arange(0, 2 * (n + m), 2), np.arange(1, 2 * (n + m), 2)
    wins = raters.compare(comps, left, right, random_state=seed + 1)
    t = raters.true_score(comps)
    true_wins = np.where(t[left] > t[right], 1.0, np.where(t[left] < t[right], 0.0, 0.5))
    return Preferences(comps, left, right, wins, true_wins, n, raters, hidden=hidden[0])


def preference_agreement(reward: Any, true_score: Any, left: Any, right: Any) -> float:
    """Share of pairs, among those the true score does not tie, ordered the same way.

    Examples
    --------
    >>> preference_agreement([1, 2, 3, 0], [0, 1, 2, 5], [0, 2], [1, 3])
    0.5

    Lesson: 13-aligning-with-human-feedback
    """
    r, t = np.asarray(reward, float), np.asarray(true_score, float)
    left, right = np.asarray(left), np.asarray(right)
    dt = np.sign(t[left] - t[right])
    keep = dt != 0
    if not keep.any():
        raise ValueError("every pair is tied under the true score; agreement is undefined. "
                         "Pass pairs whose true scores differ.")
    return float((np.sign(r[left] - r[right])[keep] == dt[keep]).mean())


@dataclass(frozen=True)
class RewardModel:
    """A Bradley–Terry reward model on bag-of-words counts (lesson 09's model).

    ``coef[v]`` is the reward of one occurrence of word ``v``; ``stderr`` its
    standard error; ``offset`` centres the reward on the reference completions.
    ``agreement`` is its agreement with the true preference on held-out pairs.
    """

    coef: np.ndarray
    stderr: np.ndarray
    offset: float
    agreement: float
    vocab: tuple[str, ...]
    n_comparisons: int

    def reward(self, completions: Completions) -> np.ndarray:
        """Learned reward of each completion (0 = the reference completions' mean)."""
        return completions.counts @ self.coef - self.offset

    def word_weights(self) -> pd.DataFrame:
        """Each word's learned reward with its standard error, largest first."""
        return pd.DataFrame({"reward": self.coef, "stderr": self.stderr},
                            index=pd.Index(self.vocab, name="word")).sort_values(
                                "reward", ascending=False)


def fit_reward_model(preferences: Preferences, *, n_comparisons: int | None = None,
                     l2: float = 1e-3) -> RewardModel:
    """Fit lesson 09's Bradley–Terry reward model on the training pairs' word counts.

    Uses the first ``n_comparisons`` training pairs (all by default).

    Examples
    --------
    >>> import torch
    >>> p = Policy(lambda ids: torch.nn.functional.one_hot(ids, 4).double(),
    ...            torch.eye(4, dtype=torch.float64), torch.zeros(4, dtype=torch.float64),
    ...            ["he", "today", "really", "."])
    >>> prefs = collect_preferences(p, ["he"], Raters(), n_comparisons=800, n_held_out=200)
    >>> rm = fit_reward_model(prefs)
    >>> w = rm.word_weights()["reward"]
    >>> bool(w["today"] > w["he"] > w["really"])  # a detail helps, filler hurts
    True

    Lesson: 13-aligning-with-human-feedback
    """
    if not isinstance(preferences, Preferences):
        raise TypeError(f"preferences must come from collect_preferences(); got "
                        f"{type(preferences).__name__}.")
    n = preferences.n_train if n_comparisons is None else _check_int(
        n_comparisons, "n_comparisons", low=1, what="how many training pairs to use")
    if n > preferences.n_train:
        raise ValueError(f"n_comparisons={n} but only {preferences.n_train} training pairs "
                         "were collected; collect more or pass a smaller number.")
    l2 = check_in_range(l2, "l2", low=0)
    c = preferences.completions
    s = slice(0, n)
    bt = BradleyTerryRewardModel(l2=l2).fit(c.counts, preferences.left[s],
                                            preferences.right[s], preferences.left_wins[s])
    train_rows = np.concatenate([preferences.left[s], preferences.right[s]])
    offset = float((c.counts[train_rows] @ bt.coef_).mean())
    h = preferences.split("held_out")
    agree = (preference_agreement(c.counts @ bt.coef_, preferences.raters.true_score(c),
                                  preferences.left[h], preferences.right[h])
             if len(preferences.left[h]) else float("nan"))
    return RewardModel(coef=bt.coef_, stderr=bt.stderr_, offset=offset, agreement=agree,
                       vocab=c.vocab, n_comparisons=n)


# ----------------------------------------------------------------------- objectives
def kl_penalised_reward(reward: Any, logp_policy: Any, logp_reference: Any, *,
                        beta: float) -> Any:
    """The RLHF objective per sample: ``reward - beta * (log π(y|x) - log π_ref(y|x))``.

    ``logp_*`` are log-probabilities of whole completions (sums over their tokens).
    Its expectation under the policy is ``E[reward] - beta * KL(π || π_ref)``
    (Ziegler et al. 2019; Ouyang et al. 2022). Works on numpy arrays and tensors.

    Raises
    ------
    ValueError
        ``beta < 0`` (a negative penalty would reward drifting away).

    Examples
    --------
    >>> kl_penalised_reward(np.array([1.0, 2.0]), np.array([-1.0, -3.0]),
    ...                     np.array([-2.0, -2.0]), beta=0.5).tolist()
    [0.5, 2.5]

    Lesson: 13-aligning-with-human-feedback
    """
    beta = _check_beta(beta)
    return reward - beta * (logp_policy - logp_reference)


def dpo_loss(logp_chosen: Any, logp_rejected: Any, ref_logp_chosen: Any,
             ref_logp_rejected: Any, *, beta: float) -> Any:
    """Direct preference optimisation loss (Rafailov et al. 2023), averaged over pairs.

    ``-log sigmoid(beta * ((logp_c - ref_c) - (logp_r - ref_r)))``: the
    Bradley–Terry likelihood of the preferences with the implicit reward
    ``beta * log(π / π_ref)``. Inputs are completion log-probabilities (tensors).

    Raises
    ------
    ValueError
        ``beta <= 0`` (at 0 the loss does not depend on the policy).

    Examples
    --------
    >>> import torch
    >>> t = lambda *v: torch.tensor(v, dtype=torch.float64)
    >>> round(float(dpo_loss(t(-1.0), t(-2.0), t(-1.5), t(-1.5), beta=1.0)), 4)  # log(1+e^-1)
    0.3133

    Lesson: 13-aligning-with-human-feedback
    """
    torch = _torch()
    beta = check_in_range(beta, "beta", low=0, low_inclusive=False)
    z = (logp_chosen - ref_logp_chosen) - (logp_rejected - ref_logp_rejected)
    return torch.nn.functional.softplus(-beta * z).mean(-1)


def estimate_kl(policy: Policy, reference: Policy, prompts: Sequence[str], *,
                n_samples: int = 1000, max_new_tokens: int = 14,
                random_state: Any = 0) -> float:
    """Monte-Carlo estimate of KL(π || π_ref) over whole completions, in nats.

    Completions are sampled from ``policy``; for each, the exact KL between the
    two next-token distributions is summed over its positions. By the chain rule
    its expectation is the sequence-level KL, with less variance than the plain
    ``log π(y) - log π_ref(y)``. Both policies must share the body.

    Examples
    --------
    >>> import torch
    >>> body = lambda ids: torch.nn.functional.one_hot(ids, 2).double()
    >>> ref = Policy(body, torch.zeros(2, 2, dtype=torch.float64),
    ...              torch.zeros(2, dtype=torch.float64), ["a", "."])
    >>> pol = Policy(body, torch.zeros(2, 2, dtype=torch.float64),
    ...              torch.tensor([0.0, 1.0], dtype=torch.float64), ["a", "."])
    >>> p = np.exp([0, 1]) / np.exp([0, 1]).sum()  # one token: the estimate is exact
    >>> round(estimate_kl(pol, ref, ["a"], max_new_tokens=1), 4), round(float(
    ...     (p * np.log(p / 0.5)).sum()), 4)
    (0.1109, 0.1109)

    Lesson: 13-aligning-with-human-feedback
    """
    if policy.body is not reference.body or policy.vocab != reference.vocab:
        raise ValueError("policy and reference must share the body and the vocabulary "
                         "(make both from the same language model).")
    n = _check_int(n_samples, "n_samples", low=1, what="how many completions to sample")
    T = _check_int(max_new_tokens, "max_new_tokens", low=1, what="the longest completion")
    torch = _torch()
    prompts = [prompts] if isinstance(prompts, str) else list(prompts)
    ids = policy.encode(prompts)
    ids = ids[torch.arange(n) % len(ids)]
    gen = torch.Generator().manual_seed(_check_seed(random_state))
    W = torch.stack([policy.weight, reference.weight]).to(torch.float64)
    b = torch.stack([policy.bias, reference.bias]).to(torch.float64)
    hidden, tokens, mask = _rollout(policy, W[:1], b[:1], ids[None], T, gen)
    _, lp = _token_logp(hidden.to(torch.float64), tokens, W[:1], b[:1])
    _, lq = _token_logp(hidden.to(torch.float64), tokens, W[1:], b[1:])
    kl = (lp.exp() * (lp - lq)).sum(-1) * mask
    return float(kl.sum(-1).mean())


# ---------------------------------------------------------------------------- sweep
@dataclass(frozen=True)
class AlignmentSweep:
    """Policies trained for every (method, beta, seed), measured along training.

    ``history`` has one row per (method, beta, seed, step) with the policy's mean
    ``learned_reward`` (its seed's reward model, 0 = reference), ``true_score``,
    ``kl`` (nats, whole completion), ``length`` (words), ``confident_rate`` (share
    of completions with a confident word) and ``group_rate`` (among completions
    with "he" or "she", the share with the raters' favoured word). ``samples`` maps
    (method, beta, step) to a few completions of seed 0. ``reward_models`` holds
    each seed's reward model; ``seconds`` and ``cpu_seconds`` the time it took.
    """

    history: pd.DataFrame
    samples: dict
    reward_models: list
    betas: np.ndarray
    seeds: tuple[int, ...]
    methods: tuple[str, ...]
    steps: np.ndarray
    raters: Raters
    seconds: float
    cpu_seconds: float

    def curve(self, method: str, beta: float) -> pd.DataFrame:
        """Mean and interval over seeds of every measurement, by step."""
        h = self.history.xs((method, self._beta(beta)), level=("method", "beta"))
        return summarise(h, by="step")

    def _beta(self, beta: float) -> float:
        b = int(np.argmin(np.abs(self.betas - beta)))
        if not np.isclose(self.betas[b], beta):
            raise ValueError(f"beta {beta:g} is not in the sweep; choose one of "
                             f"{self.betas.tolist()}.")
        return float(self.betas[b])


def summarise(history: pd.DataFrame, *, by: str | list[str] = "step",
              level: float = 0.95) -> pd.DataFrame:
    """Mean over seeds with a t-interval, for every column, grouped by ``by``.

    Columns become (measure, stat) with stat in mean / low / high.

    Examples
    --------
    >>> h = pd.DataFrame({"step": [0, 0], "seed": [0, 1], "kl": [1.0, 3.0]})
    >>> summarise(h.set_index(["step", "seed"]))["kl"].round(2).values.tolist()
    [[2.0, -10.71, 14.71]]

    Lesson: 13-aligning-with-human-feedback
    """
    from scipy import stats

    g = history.groupby(level=by)
    mean, sd, n = g.mean(), g.std(ddof=1), g.count()
    half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = half.where(n > 1)
    return pd.concat({"mean": mean, "low": mean - half, "high": mean + half},
                     axis=1).swaplevel(0, 1, axis=1).sort_index(axis=1, level=0,
                                                                  sort_remaining=False)


def _measure(raters: Raters, comps: Completions, reward: np.ndarray,
             kl: np.ndarray) -> dict[str, float]:
    f = raters.features(comps)
    gendered = f["favoured"] | f["other"]
    rate = (f["favoured"][gendered].mean() if gendered.any() else float("nan"))
    return {"learned_reward": float(reward.mean()),
            "true_score": float(raters.true_score(comps).mean()),
            "kl": float(kl.mean()), "length": float(comps.lengths.mean()),
            "confident_rate": float((f["confident"] > 0).mean()),
            "group_rate": float(rate)}


def align_sweep(policy: Policy, prompts: Sequence[str], raters: Raters, *,
                betas: Sequence[float] = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
                methods: Sequence[str] = ("rlhf", "dpo"), seeds: Sequence[int] = (0, 1, 2),
                n_comparisons: int = 1000, n_held_out: int = 500, n_steps: int = 120,
                batch_size: int = 48, learning_rate: float = 0.005, eval_every: int = 10,
                max_new_tokens: int = 12, n_samples_kept: int = 4,
                progress: bool = False) -> AlignmentSweep:
    """Align the policy by RLHF and by DPO for every beta and seed, all batched.

    For each seed the raters compare ``n_comparisons`` pairs of reference
    completions (plus ``n_held_out`` for agreement) and a reward model is fitted.

    * **RLHF**: each step samples ``batch_size`` completions per policy, scores
      them with the seed's learned reward minus ``beta * (log π - log π_ref)``,
      and takes a REINFORCE step with a leave-one-out baseline (the mean of the
      other samples). Fresh samples every step keep it on-policy, so PPO's
      importance ratios and clipping, and its value network, would add machinery
      without changing the outcome at this scale (Ahmadian et al. 2024 make the
      same argument at LLM scale).
    * **DPO**: each step takes ``batch_size`` of the same training pairs and a
      step on :func:`dpo_loss` with that ``beta``. No reward model, no sampling.
      DPO needs ``beta > 0``.

    Only the output layer is trained (Adam, ``learning_rate``), the body stays
    frozen, so one body pass serves every (beta, seed) policy; both methods train
    the same parameters for the same number of steps. Every ``eval_every`` steps
    each policy is measured on ``batch_size`` fresh samples (see
    :class:`AlignmentSweep`). Runs in one torch thread (deterministic).

    Raises
    ------
    ValueError
        A ``beta < 0``, no betas, an unknown method, ``n_comparisons < 1``.

    Lesson: 13-aligning-with-human-feedback
    """
    betas_arr = np.asarray([_check_beta(b, "betas") for b in betas], dtype=float)
    if not len(betas_arr):
        raise ValueError("betas is empty; pass at least one KL penalty, e.g. betas=[0.1].")
    methods = tuple(methods)
    for m in methods:
        if m not in ("rlhf", "dpo"):
            raise ValueError(f"methods must be drawn from ['rlhf', 'dpo']; got {m!r}.")
    if not methods:
        raise ValueError("methods is empty; pass ('rlhf',), ('dpo',) or both.")
    if "dpo" in methods and (betas_arr == 0).any():
        raise ValueError("DPO needs every beta > 0 (at beta = 0 its loss ignores the "
                         "policy); drop 0 from betas or pass methods=('rlhf',).")
    seeds = tuple(_check_int(s, "seeds", low=0, what="non-negative seeds") for s in seeds)
    if not seeds:
        raise ValueError("seeds is empty; pass at least one seed, e.g. seeds=(0,).")
    if isinstance(n_comparisons, Integral) and n_comparisons < 1:
        raise ValueError(f"n_comparisons must be >= 1; got {n_comparisons}. There is no "
                         "preference data to learn from.")
    n_steps = _check_int(n_steps, "n_steps", low=1, what="optimisation steps")
    B = _check_int(batch_size, "batch_size", low=2, what="samples per policy per step")
    every = _check_int(eval_every, "eval_every", low=1, what="steps between measurements")
    lr = check_in_range(learning_rate, "learning_rate", low=0, low_inclusive=False)
    if not isinstance(raters, Raters):
        raise TypeError(f"raters must be a Raters; got {type(raters).__name__}.")
    torch = _torch()
    t0, c0 = time.perf_counter(), time.process_time()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        prompts = [prompts] if isinstance(prompts, str) else list(prompts)
        prompt_ids = policy.encode(prompts)
        prefs, rms = [], []
        for s in seeds:
            p = collect_preferences(policy, prompts, raters, n_comparisons=n_comparisons,
                                    n_held_out=n_held_out, max_new_tokens=max_new_tokens,
                                    random_state=s)
            prefs.append(p)
            rms.append(fit_reward_model(p))
        nb, ns = len(betas_arr), len(seeds)
        H = nb * ns  # head h = (beta b, seed s), h = b * ns + s
        head_beta = torch.as_tensor(np.repeat(betas_arr, ns), dtype=torch.float64)
        head_seed = np.tile(np.arange(ns), nb)
        rm_w = torch.as_tensor(np.stack([rms[s].coef for s in head_seed]))  # (H, V)
        rm_off = torch.as_tensor([rms[s].offset for s in head_seed])
        W0 = policy.weight.to(torch.float64)
        b0 = policy.bias.to(torch.float64)
        V = len(policy.vocab)
        steps = np.unique(np.r_[np.arange(0, n_steps + 1, every), n_steps])
        rows, samples = [], {}
        for method in methods:
            W = W0.expand(H, *W0.shape).clone().requires_grad_(True)
            b = b0.expand(H, V).clone().requires_grad_(True)
            opt = torch.optim.Adam([W, b], lr=lr)
            gen = torch.Generator().manual_seed(1000 + seeds[0])
            batch_gen = np.random.default_rng(seeds[0])
            if method == "dpo":
                dpo_beta = head_beta
                hid = torch.stack([prefs[s].hidden for s in head_seed]).to(torch.float64)
                tok = torch.stack([torch.as_tensor(prefs[s].completions.tokens)
                                   for s in head_seed])
                msk = torch.stack([torch.as_tensor(prefs[s].completions.mask)
                                   for s in head_seed])
                win = torch.stack([torch.as_tensor(prefs[s].left_wins[:prefs[s].n_train])
                                   for s in head_seed]).bool()
                with torch.no_grad():
                    ref_lp = (_token_logp(hid, tok, W0.expand(H, *W0.shape),
                                          b0.expand(H, V))[0] * msk).sum(-1)
            for step in range(n_steps + 1):
                measure = step in steps
                if method == "rlhf" or measure:
                    ids = prompt_ids[torch.as_tensor(
                        batch_gen.integers(len(prompts), size=B))].expand(H, B, -1)
                    hidden, tokens, mask = _rollout(policy, W.detach(), b.detach(), ids,
                                                    max_new_tokens, gen)
                    lp_tok, lp_all = _token_logp(hidden, tokens, W, b)
                    with torch.no_grad():
                        lq_tok, lq_all = _token_logp(hidden, tokens, W0.expand(H, *W0.shape),
                                                     b0.expand(H, V))
                        counts = _counts(tokens, mask, V)  # (H, B, V)
                        reward = torch.einsum("hbv,hv->hb", counts, rm_w) - rm_off[:, None]
                        log_ratio = ((lp_tok.detach() - lq_tok) * mask).sum(-1)
                        kl_exact = ((lp_all.detach().exp() * (lp_all.detach() - lq_all))
                                    .sum(-1) * mask).sum(-1)
                if measure:
                    rows += _measure_heads(method, step, betas_arr, seeds, head_seed, raters,
                                           policy, tokens, mask, counts, reward, kl_exact)
                    for bi, beta in enumerate(betas_arr):
                        c = _completions(policy, tokens[bi * ns], mask[bi * ns],
                                         np.zeros(B, int), prompts)
                        samples[(method, float(beta), int(step))] = c.text(
                            range(min(n_samples_kept, B)))
                if step == n_steps:
                    break
                opt.zero_grad()
                if method == "rlhf":
                    total = reward - head_beta[:, None] * log_ratio  # kl_penalised_reward
                    baseline = (total.sum(1, keepdim=True) - total) / (B - 1)
                    adv = total - baseline
                    loss = -((adv * (lp_tok * mask).sum(-1)).mean(1)).sum()
                else:
                    n_train = win.shape[1]
                    pick = torch.as_tensor(batch_gen.integers(n_train, size=B))
                    rows_l, rows_r = 2 * pick, 2 * pick + 1
                    hsel = torch.cat([hid[:, rows_l], hid[:, rows_r]], 1)
                    tsel = torch.cat([tok[:, rows_l], tok[:, rows_r]], 1)
                    msel = torch.cat([msk[:, rows_l], msk[:, rows_r]], 1)
                    lp = (_token_logp(hsel, tsel, W, b)[0] * msel).sum(-1)
                    rl = torch.cat([ref_lp[:, rows_l], ref_lp[:, rows_r]], 1)
                    w = win[:, pick]
                    lpl, lpr, rll, rlr = lp[:, :B], lp[:, B:], rl[:, :B], rl[:, B:]
                    chosen = torch.where(w, lpl, lpr)
                    rejected = torch.where(w, lpr, lpl)
                    ref_c = torch.where(w, rll, rlr)
                    ref_r = torch.where(w, rlr, rll)
                    z = (chosen - ref_c) - (rejected - ref_r)
                    loss = torch.nn.functional.softplus(-dpo_beta[:, None] * z).mean(1).sum()
                loss.backward()
                opt.step()
                if progress and step % 20 == 0:
                    print(f"{method} step {step}/{n_steps}", end="\r")
    finally:
        torch.set_num_threads(threads)
    history = pd.DataFrame(rows).set_index(["method", "beta", "seed", "step"]).sort_index()
    return AlignmentSweep(history=history, samples=samples, reward_models=rms,
                          betas=betas_arr, seeds=seeds, methods=methods, steps=steps,
                          raters=raters, seconds=time.perf_counter() - t0,
                          cpu_seconds=time.process_time() - c0)


def _measure_heads(method, step, betas, seeds, head_seed, raters, policy, tokens, mask,
                   counts, reward, kl) -> list[dict]:
    ns = len(seeds)
    out = []
    for h in range(tokens.shape[0]):  # a few dozen policies: one summary row each
        comps = Completions(prompts=np.zeros(tokens.shape[1], int), tokens=tokens[h].numpy(),
                            mask=mask[h].numpy(), counts=counts[h].numpy(),
                            vocab=tuple(policy.vocab), eos_id=policy.eos_id)
        row = {"method": method, "beta": float(betas[h // ns]), "seed": seeds[h % ns],
               "step": int(step)}
        row.update(_measure(raters, comps, reward[h].numpy(), kl[h].numpy()))
        out.append(row)
    return out
