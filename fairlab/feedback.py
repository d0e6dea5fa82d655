"""Reward hacking and learning from human feedback, in two small, transparent worlds.

Part 1, a proxy reward (Goodhart's law). :func:`make_feed` builds a content feed:
each post has a quality (what readers actually gain) and may be *clickbait*,
which earns many clicks but leaves readers worse off. :class:`PolicyGradientAgent`
learns a softmax ranking policy by REINFORCE on the *proxy* (clicks) or on the
*true objective* (reader satisfaction); its ``history_`` shows, step by step,
the proxy rising while the true objective falls once the agent finds the
clickbait loophole, and who loses exposure as it does.

Part 2, a reward model from pairwise preferences (Bradley & Terry 1952;
Christiano et al. 2017). :func:`make_candidates` builds candidates from two
groups with the same distribution of true quality; :func:`simulate_comparisons`
asks simulated raters which of two candidates is better, with a bias in favour
of one group; :class:`BradleyTerryRewardModel` fits a linear reward model by
maximum likelihood in PyTorch; :func:`feedback_grid` precomputes fits for a grid
of rater biases and numbers of comparisons, with and without a small audit set
of unbiased comparisons.

Lesson: 09-reward-hacking-and-human-feedback
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fairlab._validation import (
    as_1d,
    check_binary,
    check_choice,
    check_in_range,
    check_int,
    check_scores,
    check_seed,
)

__all__ = [
    "MAX_RATER_BIAS",
    "Feed",
    "make_feed",
    "PolicyGradientAgent",
    "Candidates",
    "make_candidates",
    "Comparisons",
    "simulate_comparisons",
    "BradleyTerryRewardModel",
    "reward_report",
    "FeedbackGrid",
    "feedback_grid",
]

#: Largest rater bias accepted, in logits: at 5, a favoured candidate of equal quality
#: wins 99.3 % of comparisons. Beyond that the raters barely look at quality.
MAX_RATER_BIAS = 5.0


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for large |z|




# --------------------------------------------------------------------------- part 1: feed
@dataclass(frozen=True)
class Feed:
    """A pool of posts a ranking agent chooses from (see :func:`make_feed`).

    Attributes
    ----------
    quality : ndarray of shape (n_items,)
        What a reader gains from the post, in standard units.
    clickbait : ndarray of bool
        Whether the post is clickbait (the loophole).
    group : ndarray of str
        The group of the post's creator.
    click_prob : ndarray
        Probability that a reader clicks the post when shown it: the proxy reward.
    true_value : ndarray
        Reader satisfaction, ``quality - harm * clickbait``: the true objective.
    groups : tuple of str
        Creator groups, in order.
    harm : float
        Satisfaction lost per clickbait post shown.
    """

    quality: np.ndarray
    clickbait: np.ndarray
    group: np.ndarray
    click_prob: np.ndarray
    true_value: np.ndarray
    groups: tuple[str, ...]
    harm: float
    feature_names: tuple[str, ...] = ("quality", "clickbait")

    @property
    def features(self) -> np.ndarray:
        """What the agent sees of each post: its quality and its clickbait flag."""
        return np.column_stack([self.quality, self.clickbait.astype(float)])

    @property
    def n_items(self) -> int:
        return len(self.quality)

    def policy(self, theta: Sequence[float]) -> np.ndarray:
        """Probability of showing each post: softmax of ``features @ theta``."""
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (2,) or not np.isfinite(theta).all():
            raise ValueError(f"theta must be 2 finite weights (quality, clickbait); "
                             f"got {theta.tolist()}.")
        z = self.features @ theta
        p = np.exp(z - z.max())
        return p / p.sum()

    def evaluate(self, theta: Sequence[float]) -> dict[str, float]:
        """Exact expected metrics of the policy ``theta`` (no sampling).

        ``proxy_reward`` is the expected click rate per impression,
        ``true_objective`` the expected reader satisfaction, ``clickbait_share``
        the share of impressions that go to clickbait, and ``exposure_<group>``
        each creator group's share of impressions.
        """
        p = self.policy(theta)
        codes = np.searchsorted(np.asarray(self.groups, dtype=object), self.group)
        exposure = np.bincount(codes, weights=p, minlength=len(self.groups))
        out = {"proxy_reward": float(p @ self.click_prob),
               "true_objective": float(p @ self.true_value),
               "clickbait_share": float(p @ self.clickbait)}
        out.update({f"exposure_{g}": float(e) for g, e in zip(self.groups, exposure,
                                                              strict=True)})
        return out


def make_feed(
    n_items: int = 2000,
    *,
    clickbait_rate: Mapping[str, float] | None = None,
    click_weights: tuple[float, float, float] = (-1.5, 0.4, 2.0),
    harm: float = 3.0,
    random_state: int = 0,
) -> Feed:
    """A content feed whose measurable reward (clicks) can be gamed by clickbait.

    Each post has a quality ``q ~ N(0, 1)``, a creator from one of the groups
    (equal shares) and is clickbait with the creator group's rate. A reader
    clicks with probability ``sigmoid(b0 + b_q q + b_s clickbait)`` (the proxy)
    and gains ``q - harm * clickbait`` (the true objective): clickbait pays in
    clicks and costs in satisfaction.

    Parameters
    ----------
    n_items : int, default=2000
    clickbait_rate : mapping of group → float in [0, 1], default={"A": 0.12, "B": 0.03}
        Share of each creator group's posts that are clickbait.
    click_weights : (b0, b_q, b_s), default=(-1.5, 0.4, 2.0)
        Intercept and weights of quality and clickbait in the click model.
    harm : float >= 0, default=3.0
        Satisfaction a reader loses to a clickbait post.
    random_state : int, default=0

    Returns
    -------
    Feed

    Raises
    ------
    ValueError
        Fewer than 2 items, a rate outside [0, 1], fewer than 2 groups, negative harm.

    Examples
    --------
    >>> feed = make_feed(6, clickbait_rate={"A": 1.0, "B": 0.0}, harm=3.0)
    >>> feed.clickbait.astype(int).tolist() == (feed.group == "A").astype(int).tolist()
    True
    >>> bool(((feed.true_value - feed.quality) == -3.0 * feed.clickbait).all())
    True

    Lesson: 09-reward-hacking-and-human-feedback
    """
    n_items = check_int(n_items, "n_items", low=2)
    rates = dict({"A": 0.12, "B": 0.03} if clickbait_rate is None else clickbait_rate)
    if len(rates) < 2:
        raise ValueError(f"clickbait_rate needs a rate for at least 2 creator groups; got "
                         f"{rates}. Pass e.g. {{'A': 0.12, 'B': 0.03}}.")
    for g, r in rates.items():
        check_in_range(r, f"clickbait_rate[{g!r}]", low=0, high=1)
    harm = check_in_range(harm, "harm", low=0)
    if len(click_weights) != 3:
        raise ValueError(f"click_weights must be (intercept, quality, clickbait); got "
                         f"{tuple(click_weights)}.")
    b0, bq, bs = (check_in_range(w, "click_weights", low=-20, high=20) for w in click_weights)
    random_state = check_seed(random_state)
    groups = tuple(sorted(map(str, rates)))
    rate = np.array([float(rates[g]) for g in sorted(rates, key=str)])
    rng = np.random.default_rng(random_state)
    codes = rng.integers(len(groups), size=n_items)
    quality = rng.normal(size=n_items)
    clickbait = rng.random(n_items) < rate[codes]
    click_prob = _sigmoid(b0 + bq * quality + bs * clickbait)
    true_value = quality - harm * clickbait
    return Feed(quality=quality, clickbait=clickbait,
                group=np.asarray(groups, dtype=object)[codes], click_prob=click_prob,
                true_value=true_value, groups=groups, harm=harm)


class PolicyGradientAgent:
    """A ranking agent that learns a softmax policy over posts by REINFORCE.

    At every step the agent shows ``batch_size`` posts drawn from its policy
    ``softmax(features @ theta)``, observes a reward for each, and moves
    ``theta`` along the policy-gradient estimate
    ``mean((r - mean r) * (x - E_policy[x]))`` (Williams 1992), with the batch
    mean as baseline. ``reward="proxy"`` rewards a click (a Bernoulli draw with
    the post's click probability, what a platform can measure);
    ``reward="true"`` rewards the reader's satisfaction (what we actually want,
    rarely measurable).

    Parameters
    ----------
    reward : {"proxy", "true"}, default="proxy"
    n_steps : int, default=300
    learning_rate : float > 0, default=0.5
    batch_size : int, default=256
    random_state : int, default=0

    Attributes
    ----------
    theta_ : ndarray of shape (2,)
        Final weights on (quality, clickbait).
    history_ : DataFrame
        One row per step (step 0 is the uniform starting policy): the exact
        expected ``proxy_reward``, ``true_objective``, ``clickbait_share``,
        ``exposure_<group>`` (see :meth:`Feed.evaluate`) and the weights.

    Examples
    --------
    >>> feed = make_feed(200, random_state=1)
    >>> agent = PolicyGradientAgent(n_steps=150, random_state=1).fit(feed)
    >>> h = agent.history_
    >>> bool(h.proxy_reward.iloc[-1] > h.proxy_reward.iloc[0])  # more clicks ...
    True
    >>> bool(h.true_objective.iloc[-1] < h.true_objective.max())  # ... less satisfaction
    True

    Lesson: 09-reward-hacking-and-human-feedback
    """

    def __init__(self, reward: str = "proxy", *, n_steps: int = 300,
                 learning_rate: float = 0.5, batch_size: int = 256, random_state: int = 0):
        self.reward = reward
        self.n_steps = n_steps
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, feed: Feed) -> PolicyGradientAgent:
        """Optimise the policy on ``feed``; returns self."""
        if not isinstance(feed, Feed):
            raise TypeError(f"feed must be a Feed from make_feed(); got "
                            f"{type(feed).__name__}.")
        check_choice(self.reward, "reward", ["proxy", "true"])
        n_steps = check_int(self.n_steps, "n_steps", low=1)
        batch = check_int(self.batch_size, "batch_size", low=2)
        lr = check_in_range(self.learning_rate, "learning_rate", low=0, low_inclusive=False)
        rng = np.random.default_rng(check_seed(self.random_state))
        X = feed.features
        theta = np.zeros(2)
        rows = [feed.evaluate(theta) | {"theta_quality": 0.0, "theta_clickbait": 0.0}]
        for _ in range(n_steps):  # optimisation steps; each step is vectorised
            p = feed.policy(theta)
            shown = rng.choice(feed.n_items, size=batch, p=p)
            u = rng.random(batch)
            if self.reward == "proxy":
                r = (u < feed.click_prob[shown]).astype(float)
            else:
                r = feed.true_value[shown]
            grad = ((r - r.mean())[:, None] * (X[shown] - p @ X)).mean(axis=0)
            theta = theta + lr * grad
            rows.append(feed.evaluate(theta) | {"theta_quality": float(theta[0]),
                                                "theta_clickbait": float(theta[1])})
        self.theta_ = theta
        self.history_ = pd.DataFrame(rows).rename_axis("step")
        return self


# ------------------------------------------------------------------ part 2: preferences
@dataclass(frozen=True)
class Candidates:
    """Candidates from two groups with the same distribution of true quality.

    ``quality = skills @ weights`` is what the raters should judge.
    :attr:`features` is what the reward model sees: the skills and an
    indicator of the second group (as a name on a CV would reveal it).
    """

    skills: np.ndarray
    group: np.ndarray
    quality: np.ndarray
    weights: np.ndarray
    groups: tuple[str, str]

    @property
    def n_items(self) -> int:
        return len(self.quality)

    @property
    def codes(self) -> np.ndarray:
        """0 for the first group, 1 for the second."""
        return (self.group == self.groups[1]).astype(np.int64)

    @property
    def features(self) -> np.ndarray:
        """Skills plus a 0/1 column ``group == groups[1]`` (last column)."""
        return np.column_stack([self.skills, self.codes.astype(float)])

    @property
    def feature_names(self) -> list[str]:
        return [f"skill_{k}" for k in range(self.skills.shape[1])] + [
            f"group_{self.groups[1]}"]


def make_candidates(
    n_per_group: int = 150,
    *,
    n_skills: int = 3,
    groups: tuple[str, str] = ("A", "B"),
    random_state: int = 0,
) -> Candidates:
    """Matched candidates from two groups: every candidate has a twin in the other group.

    Skills are standard normal; candidate ``i`` of the first group and candidate
    ``n_per_group + i`` of the second have identical skills, as in a résumé audit
    study where the same CV is sent under two names (Bertrand & Mullainathan 2004).
    So the two groups have exactly the same true qualities, and any difference in
    how they are rated is bias. True quality is ``skills @ weights`` with weights
    falling from 1.0 to 0.4, in the logit units raters use (a quality lead of 1 wins
    73 % of fair comparisons).

    Parameters
    ----------
    n_per_group : int, default=150
    n_skills : int, default=3
    groups : tuple of two str, default=("A", "B")
    random_state : int, default=0

    Examples
    --------
    >>> c = make_candidates(2, n_skills=1)
    >>> c.group.tolist(), c.features.shape, c.feature_names
    (['A', 'A', 'B', 'B'], (4, 2), ['skill_0', 'group_B'])
    >>> bool((c.quality[:2] == c.quality[2:]).all())  # twins
    True

    Lesson: 09-reward-hacking-and-human-feedback
    """
    n = check_int(n_per_group, "n_per_group", low=2)
    k = check_int(n_skills, "n_skills", low=1)
    groups = tuple(map(str, groups))
    if len(groups) != 2 or groups[0] == groups[1]:
        raise ValueError(f"groups must be two different names; got {groups!r}.")
    rng = np.random.default_rng(check_seed(random_state))
    skills = np.tile(rng.normal(size=(n, k)), (2, 1))
    weights = np.linspace(1.0, 0.4, k)
    return Candidates(skills=skills, group=np.repeat(np.asarray(groups, dtype=object), n),
                      quality=skills @ weights, weights=weights, groups=groups)


@dataclass(frozen=True)
class Comparisons:
    """Pairwise judgements: ``left_wins[k]`` says the rater preferred ``left[k]``
    over ``right[k]`` (indices into the candidates)."""

    left: np.ndarray
    right: np.ndarray
    left_wins: np.ndarray
    rater_bias: float = 0.0
    favoured: str | None = None

    def __len__(self) -> int:
        return len(self.left)

    def head(self, n: int) -> Comparisons:
        """The first ``n`` comparisons (a smaller panel from the same raters)."""
        return Comparisons(self.left[:n], self.right[:n], self.left_wins[:n],
                           self.rater_bias, self.favoured)


def simulate_comparisons(
    candidates: Candidates,
    n_comparisons: int,
    *,
    rater_bias: float = 0.0,
    favoured: str | None = None,
    random_state: int = 0,
) -> Comparisons:
    """Simulated raters compare random pairs, Bradley–Terry style, with a group bias.

    A rater prefers candidate ``i`` over ``j`` with probability
    ``sigmoid(q_i - q_j + rater_bias * (f_i - f_j))``, where ``q`` is true
    quality and ``f`` is 1 for the ``favoured`` group. At ``rater_bias = 0``
    the raters are noisy but fair. Pairs are two different candidates drawn
    uniformly. The same ``random_state`` gives the same pairs and the same
    random numbers for every bias, so runs differ only through the bias.

    Parameters
    ----------
    candidates : Candidates
    n_comparisons : int >= 1
    rater_bias : float in [-5, 5], default=0.0
        Extra log-odds of preferring a favoured candidate over an equally good one.
    favoured : str, default=the first group
    random_state : int, default=0

    Raises
    ------
    ValueError
        ``n_comparisons < 1``, ``|rater_bias| > 5``, an unknown ``favoured`` group.

    Examples
    --------
    >>> c = make_candidates(50)
    >>> fair = simulate_comparisons(c, 4000)
    >>> biased = simulate_comparisons(c, 4000, rater_bias=5.0, favoured="A")
    >>> cross = (c.codes[biased.left] == 0) & (c.codes[biased.right] == 1)
    >>> bool(biased.left_wins[cross].mean() > 0.95 > fair.left_wins[cross].mean())
    True

    Lesson: 09-reward-hacking-and-human-feedback
    """
    if not isinstance(candidates, Candidates):
        raise TypeError(f"candidates must come from make_candidates(); got "
                        f"{type(candidates).__name__}.")
    m = check_int(n_comparisons, "n_comparisons", low=1)
    bias = check_in_range(rater_bias, "rater_bias", low=-MAX_RATER_BIAS, high=MAX_RATER_BIAS)
    favoured = candidates.groups[0] if favoured is None else favoured
    check_choice(favoured, "favoured", list(candidates.groups))
    rng = np.random.default_rng(check_seed(random_state))
    n = candidates.n_items
    left = rng.integers(n, size=m)
    right = (left + rng.integers(1, n, size=m)) % n  # never the same candidate
    u = rng.random(m)
    f = (candidates.group == favoured).astype(float)
    q = candidates.quality
    p_left = _sigmoid(q[left] - q[right] + bias * (f[left] - f[right]))
    return Comparisons(left=left, right=right, left_wins=(u < p_left).astype(np.int8),
                       rater_bias=bias, favoured=favoured)


class BradleyTerryRewardModel:
    """A linear reward ``r(x) = x @ coef_`` fitted to pairwise preferences.

    The Bradley–Terry model (Bradley & Terry 1952) says item ``i`` is preferred
    to ``j`` with probability ``sigmoid(r_i - r_j)``. ``fit`` maximises the
    log-likelihood of the observed preferences, ``mean log sigmoid(±(r_l -
    r_r))`` minus ``l2 / 2 * |coef|²``, with full-batch L-BFGS in PyTorch
    (float64, deterministic). This is the reward-model step of learning from
    human feedback (Christiano et al. 2017; Ouyang et al. 2022), with a linear
    model instead of a neural network. With a linear reward it is exactly
    logistic regression on the feature differences ``x_l - x_r`` without an
    intercept; rewards are defined up to a constant.

    Parameters
    ----------
    l2 : float >= 0, default=1e-4
        Ridge penalty (keeps the fit finite when one side always wins).
    max_iter : int, default=200
    random_state : int, default=0
        Seeds torch (the fit itself starts from zero and is deterministic).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    stderr_ : ndarray of shape (n_features,)
        Standard errors from the inverse Hessian of the total negative
        log-likelihood at the optimum (a Laplace approximation).
    n_iter_ : int
    loss_ : float
        Final mean negative log-likelihood (plus penalty).

    Examples
    --------
    Two items, one-hot features; item 0 wins 3 of 4 comparisons. The maximum
    likelihood gap is ``log(3 / 1)`` = 1.099:

    >>> X = np.eye(2)
    >>> m = BradleyTerryRewardModel(l2=0).fit(X, [0, 0, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0])
    >>> round(float(m.coef_[0] - m.coef_[1]), 3), round(float(np.log(3)), 3)
    (1.099, 1.099)
    >>> m.preference_proba(X, [0], [1]).round(2).tolist()
    [0.75]

    Lesson: 09-reward-hacking-and-human-feedback
    """

    def __init__(self, *, l2: float = 1e-4, max_iter: int = 200, random_state: int = 0):
        self.l2 = l2
        self.max_iter = max_iter
        self.random_state = random_state

    @staticmethod
    def _check_X(X: Any) -> np.ndarray:
        X = np.asarray(X, dtype=float) if not isinstance(X, pd.DataFrame) else X.to_numpy(float)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (one row per item, one column per feature); "
                             f"got shape {X.shape}. Use X.reshape(-1, 1) for one feature.")
        if not np.isfinite(X).all():
            raise ValueError("X has NaN or infinite values; impute or drop those items.")
        return X

    @staticmethod
    def _check_pairs(left: Any, right: Any, n_items: int) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for name, idx in (("left", left), ("right", right)):
            arr = as_1d(idx, name)
            if arr.dtype.kind not in "iu":
                raise TypeError(f"{name} must hold integer item indices (rows of X); got "
                                f"dtype {arr.dtype}.")
            if len(arr) and (arr.min() < 0 or arr.max() >= n_items):
                raise ValueError(f"{name} has indices outside 0..{n_items - 1}; every index "
                                 "must be a row of X.")
            out.append(arr.astype(np.int64))
        if len(out[0]) != len(out[1]):
            raise ValueError(f"left has {len(out[0])} entries but right has {len(out[1])}; "
                             "pass one pair per comparison.")
        if len(out[0]) == 0:
            raise ValueError("no comparisons given; pass at least one pair.")
        if (same := out[0] == out[1]).any():
            raise ValueError(f"{int(same.sum())} comparisons pit an item against itself; "
                             "drop those pairs.")
        return out[0], out[1]

    def fit(self, X: Any, left: Any, right: Any, left_wins: Any, *,
            base_reward: Any = None) -> BradleyTerryRewardModel:
        """Fit on comparisons ``left[k]`` vs ``right[k]``, ``left_wins[k]`` in {0, 1}.

        ``base_reward`` (one value per item, optional) is a fixed offset added to
        the linear reward, so only a correction is learned: an audit set uses it
        to estimate a single group offset on top of an existing reward model.
        """
        import torch

        from fairlab._nn import single_thread

        X = self._check_X(X)
        left, right = self._check_pairs(left, right, len(X))
        y = check_binary(left_wins, "left_wins", n_rows=len(left))
        l2 = check_in_range(self.l2, "l2", low=0)
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        seed = check_seed(self.random_state)
        offset = np.zeros(len(X)) if base_reward is None else base_reward
        offset = check_scores(offset, "base_reward", n_rows=len(X), probabilities=False)
        D = X[left] - X[right]
        sign = 2.0 * y - 1.0
        off = offset[left] - offset[right]
        with single_thread():  # tiny problem: one thread is fastest and reproducible
            torch.manual_seed(seed)
            Dt, st, ot = (torch.as_tensor(a, dtype=torch.float64) for a in (D, sign, off))
            w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
            opt = torch.optim.LBFGS([w], lr=1.0, max_iter=max_iter, history_size=20,
                                    tolerance_grad=1e-10, tolerance_change=1e-14,
                                    line_search_fn="strong_wolfe")

            def closure():
                opt.zero_grad()
                z = Dt @ w + ot
                loss = torch.nn.functional.softplus(-st * z).mean() + 0.5 * l2 * (w @ w)
                loss.backward()
                return loss

            opt.step(closure)
            with torch.no_grad():
                z = Dt @ w + ot
                self.loss_ = float(torch.nn.functional.softplus(-st * z).mean()
                                   + 0.5 * l2 * (w @ w))
            self.n_iter_ = int(opt.state[w].get("n_iter", 0))
            coef = w.detach().numpy().copy()
        p = _sigmoid(D @ coef + off)
        hess = (D * (p * (1 - p))[:, None]).T @ D + len(D) * l2 * np.eye(X.shape[1])
        with np.errstate(invalid="ignore"):
            cov = np.linalg.pinv(hess)
            self.stderr_ = np.sqrt(np.clip(np.diag(cov), 0, None))
        self.coef_ = coef
        self.n_features_in_ = X.shape[1]
        return self

    def _check_fitted(self, X: Any) -> np.ndarray:
        if not hasattr(self, "coef_"):
            raise ValueError("this BradleyTerryRewardModel is not fitted yet; call "
                             "fit(X, left, right, left_wins) first.")
        X = self._check_X(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features but the model was fitted on "
                             f"{self.n_features_in_}; pass the same columns.")
        return X

    def predict(self, X: Any) -> np.ndarray:
        """The learned reward of each item (defined up to a constant)."""
        return self._check_fitted(X) @ self.coef_

    def preference_proba(self, X: Any, left: Any, right: Any) -> np.ndarray:
        """Modelled probability that ``left[k]`` is preferred over ``right[k]``."""
        r = self.predict(X)
        left, right = self._check_pairs(left, right, len(r))
        return _sigmoid(r[left] - r[right])


def reward_report(candidates: Candidates, reward: Any, *, top: float = 0.2) -> pd.DataFrame:
    """How a learned reward treats each group, against true quality.

    Rewards are defined up to a constant, so errors are aligned first: the
    mean of ``reward - quality`` over all candidates is set to 0.

    Returns
    -------
    DataFrame indexed by group, with ``n``, ``mean_error`` (average of
    aligned ``reward - quality``: negative means under-rated),
    ``selected_learned`` (share of the group in the top ``top`` fraction by
    learned reward) and ``selected_true`` (the same by true quality).

    Examples
    --------
    >>> c = make_candidates(2, n_skills=1)
    >>> rep = reward_report(c, c.quality - 1.0 * c.codes, top=0.5)
    >>> rep["mean_error"].round(2).tolist(), rep["selected_learned"].tolist()
    ([0.5, -0.5], [1.0, 0.0])

    Lesson: 09-reward-hacking-and-human-feedback
    """
    if not isinstance(candidates, Candidates):
        raise TypeError(f"candidates must come from make_candidates(); got "
                        f"{type(candidates).__name__}.")
    r = check_scores(reward, "reward", n_rows=candidates.n_items, probabilities=False)
    top = check_in_range(top, "top", low=0, high=1, low_inclusive=False)
    rep = _report(candidates.quality, r[None, :], candidates.codes, top,
                  candidates.groups).iloc[0].unstack(0)
    rep = rep[["n", "mean_error", "selected_learned", "selected_true"]]
    return rep.astype({"n": np.int64})


def _report(quality: np.ndarray, rewards: np.ndarray, codes: np.ndarray, top: float,
            groups: Sequence[str]) -> pd.DataFrame:
    """Vectorised report for many reward vectors at once (rows of ``rewards``)."""
    k = max(1, int(round(top * len(quality))))
    err = rewards - quality
    err = err - err.mean(axis=1, keepdims=True)
    n_rows = rewards.shape[0]
    counts = np.bincount(codes, minlength=2).astype(float)
    # one bincount for every (reward vector, group) cell: code + 2 * row
    cell = (codes[None, :] + 2 * np.arange(n_rows)[:, None]).ravel()
    mean_err = np.bincount(cell, weights=err.ravel(), minlength=2 * n_rows).reshape(
        n_rows, 2) / counts
    chosen = np.zeros(rewards.shape, dtype=float)
    order = np.argsort(-rewards, axis=1, kind="stable")[:, :k]
    np.put_along_axis(chosen, order, 1.0, axis=1)
    sel = np.bincount(cell, weights=chosen.ravel(), minlength=2 * n_rows).reshape(
        n_rows, 2) / counts
    true_chosen = np.zeros(len(quality))
    true_chosen[np.argsort(-quality, kind="stable")[:k]] = 1.0
    sel_true = np.bincount(codes, weights=true_chosen, minlength=2) / counts
    cols = pd.MultiIndex.from_product(
        [["n", "mean_error", "selected_learned", "selected_true"], list(groups)],
        names=[None, "group"])
    data = np.hstack([np.broadcast_to(counts, mean_err.shape), mean_err, sel,
                      np.broadcast_to(sel_true, mean_err.shape)])
    return pd.DataFrame(data, columns=cols)


@dataclass(frozen=True)
class FeedbackGrid:
    """Reward models fitted for every (rater bias, number of comparisons) pair.

    ``coef[b, k]`` is the model fitted on the first ``n_comparisons[k]``
    comparisons of raters with bias ``biases[b]`` (the same pairs and random
    numbers for every bias); ``audit_offset[b, k]`` is the group offset that a
    small panel of unbiased comparisons adds to that model, with standard error
    ``audit_stderr[b, k]``. The last feature is
    the group indicator, so ``coef[..., -1]`` is the learned reward gap between
    the second and the first group at equal skills (the truth is 0).
    """

    candidates: Candidates
    biases: np.ndarray
    n_comparisons: np.ndarray
    coef: np.ndarray
    stderr: np.ndarray
    audit_offset: np.ndarray
    audit_stderr: np.ndarray
    n_audit: int
    favoured: str
    top: float = 0.2
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def index(self, rater_bias: float, n_comparisons: int) -> tuple[int, int]:
        """Grid position of a (bias, n) pair; a clear error when it is not on the grid."""
        b = int(np.argmin(np.abs(self.biases - rater_bias)))
        if not np.isclose(self.biases[b], rater_bias, atol=1e-9):
            raise ValueError(f"rater_bias {rater_bias:g} is not on the grid; choose one of "
                             f"{np.round(self.biases, 3).tolist()}.")
        hits = np.flatnonzero(self.n_comparisons == n_comparisons)
        if not hits.size:
            raise ValueError(f"n_comparisons {n_comparisons!r} is not on the grid; choose "
                             f"one of {self.n_comparisons.tolist()}.")
        return b, int(hits[0])

    def gap(self, corrected: bool = False) -> np.ndarray:
        """Learned reward gap (second group − first, equal skills), shape (biases, n)."""
        g = self.coef[..., -1]
        return g + self.audit_offset if corrected else g

    def reward(self, rater_bias: float, n_comparisons: int, *,
               corrected: bool = False) -> np.ndarray:
        """Learned reward of every candidate for one grid cell."""
        b, k = self.index(rater_bias, n_comparisons)
        r = self.candidates.features @ self.coef[b, k]
        if corrected:
            r = r + self.audit_offset[b, k] * self.candidates.codes
        return r

    def report(self, corrected: bool = False) -> pd.DataFrame:
        """:func:`reward_report` for every grid cell in one pass (cached).

        Rows are indexed by (rater_bias, n_comparisons); columns are (statistic, group).
        """
        if corrected not in self._cache:
            c = self.candidates
            coef = self.coef.reshape(-1, self.coef.shape[-1])
            rewards = coef @ c.features.T
            if corrected:
                rewards = rewards + self.audit_offset.reshape(-1, 1) * c.codes
            rep = _report(c.quality, rewards, c.codes, self.top, c.groups)
            rep.index = pd.MultiIndex.from_product(
                [np.round(self.biases, 6), self.n_comparisons],
                names=["rater_bias", "n_comparisons"])
            self._cache[corrected] = rep
        return self._cache[corrected]


def feedback_grid(
    candidates: Candidates,
    *,
    biases: Sequence[float] = tuple(np.linspace(0, 2, 9)),
    n_comparisons: Sequence[int] = (50, 100, 200, 500, 1000, 2000, 5000, 10000),
    n_audit: int = 500,
    favoured: str | None = None,
    l2: float = 1e-4,
    top: float = 0.2,
    random_state: int = 0,
) -> FeedbackGrid:
    """Fit a Bradley–Terry reward model for every rater bias × number of comparisons.

    For each bias the raters judge ``max(n_comparisons)`` pairs (same pairs and
    random numbers for every bias); each model is fitted on a prefix. Then
    ``n_audit`` comparisons by unbiased raters (their own seed, shared by every
    cell) estimate one group offset on top of each model: what a small,
    carefully collected audit set can correct. Takes about a second for the
    default 72 cells.

    Examples
    --------
    >>> c = make_candidates(40)
    >>> g = feedback_grid(c, biases=[0.0, 1.0], n_comparisons=[2000], n_audit=2000)
    >>> gap = g.gap()[:, 0]  # fair raters: about 0; biased raters: B under-rated by ~1
    >>> bool(abs(gap[0]) < 0.2 and abs(gap[1] + 1) < 0.2)
    True
    >>> bool(abs(g.gap(corrected=True)[1, 0]) < 0.2)
    True

    Lesson: 09-reward-hacking-and-human-feedback
    """
    if not isinstance(candidates, Candidates):
        raise TypeError(f"candidates must come from make_candidates(); got "
                        f"{type(candidates).__name__}.")
    bias_arr = np.asarray([check_in_range(b, "biases", low=-MAX_RATER_BIAS,
                                          high=MAX_RATER_BIAS) for b in biases])
    ns = np.asarray([check_int(n, "n_comparisons", low=1)
                     for n in n_comparisons], dtype=np.int64)
    if not len(bias_arr) or not len(ns):
        raise ValueError("biases and n_comparisons must each hold at least one value.")
    if (np.diff(ns) <= 0).any():
        raise ValueError(f"n_comparisons must increase; got {ns.tolist()}. Sort them.")
    n_audit = check_int(n_audit, "n_audit", low=1)
    favoured = candidates.groups[0] if favoured is None else favoured
    check_choice(favoured, "favoured", list(candidates.groups))
    seed = check_seed(random_state)
    X = candidates.features
    codes = candidates.codes.astype(float)[:, None]
    audit = simulate_comparisons(candidates, n_audit, rater_bias=0.0, random_state=seed + 1)
    shape = (len(bias_arr), len(ns))
    coef = np.zeros((*shape, X.shape[1]))
    stderr = np.zeros_like(coef)
    offset = np.zeros(shape)
    offset_se = np.zeros(shape)
    for b, bias in enumerate(bias_arr):
        comps = simulate_comparisons(candidates, int(ns[-1]), rater_bias=float(bias),
                                     favoured=favoured, random_state=seed)
        for k, n in enumerate(ns):
            part = comps.head(int(n))
            m = BradleyTerryRewardModel(l2=l2, random_state=seed).fit(
                X, part.left, part.right, part.left_wins)
            coef[b, k], stderr[b, k] = m.coef_, m.stderr_
            fix = BradleyTerryRewardModel(l2=0.0, random_state=seed).fit(
                codes, audit.left, audit.right, audit.left_wins, base_reward=X @ m.coef_)
            offset[b, k], offset_se[b, k] = fix.coef_[0], fix.stderr_[0]
    return FeedbackGrid(candidates=candidates, biases=bias_arr, n_comparisons=ns, coef=coef,
                        stderr=stderr, audit_offset=offset,
                        audit_stderr=offset_se, n_audit=n_audit,
                        favoured=favoured, top=top)
