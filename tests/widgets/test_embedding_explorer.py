"""EmbeddingExplorer, headless (Agg): compute against fairlab.embeddings and numpy oracles."""

from __future__ import annotations

import numpy as np
import pytest

from fairlab.embeddings import (
    gender_direction,
    hard_debias,
    load_word_vectors,
    neutral_words,
)
from fairlab.widgets.embedding_explorer import DEFAULT_WORDS, EmbeddingExplorer


@pytest.fixture(scope="module")
def setup():
    wv = load_word_vectors()
    g = gender_direction(wv, wv.definitional_pairs)
    db = hard_debias(wv, g, neutral_words=neutral_words(wv), equalize_pairs=wv.equalize_pairs)
    return wv, g, db


@pytest.fixture
def explorer(setup):
    wv, g, db = setup
    return EmbeddingExplorer(wv, direction=g, debiased=db)


def _cos(emb, word, g):  # independent oracle: plain dot product of unit vectors
    v = emb.vectors[emb.index[word]].astype(np.float64)
    return float(v @ g / np.linalg.norm(v) / np.linalg.norm(g))


def test_compute_matches_dot_products(explorer, setup):
    wv, g, db = setup
    state = explorer.compute(words=["nurse", "carpenter", "actress"], space="original")
    assert state.frame.index.tolist() == ["actress", "nurse", "carpenter"]  # female first
    for w in state.frame.index:
        assert state.frame.loc[w, "original"] == pytest.approx(_cos(wv, w, g), abs=1e-5)
        assert state.frame.loc[w, "debiased"] == pytest.approx(_cos(db, w, g), abs=1e-5)
    np.testing.assert_allclose(state.shown, state.frame["original"])
    deb = explorer.compute(words=["nurse", "carpenter", "actress"], space="debiased")
    # neutral occupations are flattened; the gender-specific 'actress' keeps its lean
    assert deb.shown[1] == 0 and deb.shown[2] == 0
    assert deb.shown[0] == pytest.approx(_cos(wv, "actress", g), abs=1e-5)


def test_controls_move_artists_table_and_readout(explorer, setup):
    wv, g, _ = setup
    n0 = explorer.n_updates
    assert explorer.readout.value.startswith(f"original vectors · {len(DEFAULT_WORDS)} words")
    explorer.controls["words"].value = ("carpenter", "homemaker")
    assert explorer.n_updates == n0 + 1
    widths = [b.get_width() for b in explorer.bars]
    assert widths[0] == pytest.approx(_cos(wv, "homemaker", g), abs=1e-5)
    assert widths[1] == pytest.approx(_cos(wv, "carpenter", g), abs=1e-5)
    assert widths[0] > 0 > widths[1] and all(w == 0 for w in widths[2:])
    assert explorer.labels[0].get_text().startswith("homemaker")
    assert explorer.labels[2].get_text() == ""
    np.testing.assert_allclose(explorer.marks.get_offsets()[:, 0], widths[:2], atol=1e-6)
    assert "homemaker" in explorer.table.value and "carpenter" in explorer.table.value
    expected_mean = (abs(widths[0]) + abs(widths[1])) / 2
    assert f"mean |projection| {expected_mean:.3f}" in explorer.readout.value
    assert f"most female-leaning homemaker {widths[0]:+.3f}" in explorer.readout.value

    explorer.controls["space"].value = "debiased"
    assert explorer.n_updates == n0 + 2
    assert [b.get_width() for b in explorer.bars[:2]] == [0.0, 0.0]
    # circles still mark the original projections
    np.testing.assert_allclose(explorer.marks.get_offsets()[:, 0], widths[:2], atol=1e-6)
    assert explorer.readout.value == ("debiased vectors · 2 words · mean |projection| 0.000 · "
                                      "none leans female · none leans male")
    assert "debiased vectors" in explorer.heading.get_text()


def test_empty_and_too_many_selections(explorer, setup):
    wv, *_ = setup
    explorer.controls["words"].value = ()
    assert "no words picked" in explorer.readout.value
    assert all(b.get_width() == 0 for b in explorer.bars)
    assert len(explorer.marks.get_offsets()) == 0
    many = tuple(wv.professions[:20])
    explorer.controls["words"].value = many
    assert "showing the first 16 of 20" in explorer.readout.value
    assert len(explorer.state.frame) == 16


def test_bad_inputs_name_the_fix(explorer):
    with pytest.raises(ValueError, match="pick words from the list"):
        explorer.compute(words=["unicorn_tamer"], space="original")
    with pytest.raises(ValueError, match="space must be one of"):
        explorer.compute(words=["nurse"], space="both")
    with pytest.raises(ValueError, match="close words present"):
        EmbeddingExplorer(words=["nurze"])
