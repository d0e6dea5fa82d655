"""EmbeddingExplorer, headless (Agg): compute against fairlab.embeddings and numpy oracles."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from fairlab.embeddings import (
    gender_direction,
    hard_debias,
    load_word_vectors,
    neutral_words,
)
from fairlab.widgets.browser import spec_size
from fairlab.widgets.embedding_explorer import DEFAULT_WORDS, EmbeddingExplorer
from tests.widgets.page_js import needs_node, run_in_page


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


# ------------------------------------------------------------------ drawn in the browser


def _text(markup):
    """What a browser shows of some HTML: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def run_page(spec, values, tmp_path):
    """``embeddingState(spec, v)`` of the page (js/kinds/embedding.js), computed by Node."""
    return run_in_page("data.vs.map((v) => m.embeddingState(data.spec, v))",
                       {"spec": spec, "vs": values}, tmp_path)


@needs_node
def test_page_agrees_with_compute_on_many_selections(explorer, tmp_path):
    view = explorer.browser_view()
    assert view.kind == "embedding" and view is explorer.browser_view()
    spec = view.spec
    assert spec_size(spec) < 1_000_000
    options = spec["options"]
    rng = np.random.default_rng(0)
    picks = [[], list(DEFAULT_WORDS), options[:1], options[:16], options[:17], options,
             [options[3], options[3], options[0]]]  # none, defaults, one, edges, repeats
    picks += [list(rng.choice(options, int(rng.integers(1, 24)), replace=False))
              for _ in range(120)]
    cases = [{"words": [str(w) for w in p], "space": sp} for p in picks
             for sp in ("original", "debiased")]
    got = run_page(spec, cases, tmp_path)
    for v, page in zip(cases, got, strict=True):
        state = explorer.compute(**v)
        explorer.set_values(words=tuple(v["words"]), space=v["space"])
        assert page["readout"] == state.readout == explorer.readout.value
        assert _text(page["table"]) == _text(explorer.table.value)
        assert [r["word"] for r in page["rows"]] == state.frame.index.tolist()
        np.testing.assert_array_equal([r["shown"] for r in page["rows"]], state.shown)
        # the plotted bars: their widths are the shown projections
        n = len(state.shown)
        np.testing.assert_array_equal([b.get_width() for b in explorer.bars[:n]], state.shown)


def test_browser_view_syncs_back(explorer):
    view = explorer.browser_view()
    view.values = {"words": ["nurse", "surgeon"], "space": "debiased"}
    assert explorer.values() == {"words": ("nurse", "surgeon"), "space": "debiased"}
    assert explorer.state.frame.index.tolist() == ["nurse", "surgeon"]
    explorer.set_values(space="original")
    assert view.values == {"words": ["nurse", "surgeon"], "space": "original"}
