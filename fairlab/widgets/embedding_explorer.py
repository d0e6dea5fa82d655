"""EmbeddingExplorer: pick occupations and see where they fall on the gender direction.

Lesson: 10-bias-in-word-embeddings
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd

from fairlab.embeddings import (
    gender_direction,
    hard_debias,
    load_word_vectors,
    neutral_words,
    project,
)
from fairlab.plotting import PALETTE, metrics_table_html
from fairlab.widgets._explorer import Explorer, new_figure
from fairlab.widgets.browser import BrowserView

__all__ = ["EmbeddingExplorer", "EmbeddingState", "DEFAULT_WORDS", "SPACES"]

#: Occupations shown at first: some the news vectors lean female, some male.
DEFAULT_WORDS = ("homemaker", "nurse", "receptionist", "librarian", "hairdresser", "teacher",
                 "programmer", "architect", "carpenter", "surgeon", "philosopher", "boss",
                 "waitress", "businessman")
#: The two vector spaces the toggle switches between.
SPACES = ("original", "debiased")
_FEMALE, _MALE = PALETTE[1], PALETTE[0]


@dataclass(frozen=True)
class EmbeddingState:
    """One state: the words shown (sorted, most female-leaning first) and their projections."""

    space: str
    frame: pd.DataFrame  # index word; columns original, debiased
    shown: np.ndarray  # projections in the chosen space, in frame order
    n_selected: int
    readout: str


class EmbeddingExplorer(Explorer):
    """Pick occupation words; bars show their projection on the gender direction.

    Positive projections lean towards the female words of the definitional pairs
    (she, woman, mother, ...), negative ones towards the male words. The toggle
    switches between the original vectors and the hard-debiased ones
    (:func:`fairlab.embeddings.hard_debias`); hollow circles always mark the
    original projection, so you can see what debiasing moved. All projections are
    computed once in ``__init__``; a change of selection is a lookup.

    Parameters
    ----------
    emb : Bunch, optional
        Word vectors; default :func:`fairlab.embeddings.load_word_vectors`.
    words : sequence of str, optional
        Words selected at first; default :data:`DEFAULT_WORDS`.
    options : sequence of str, optional
        Words the picker offers; default ``emb.professions`` (plus ``words``).
    direction : array-like, optional
        Default: :func:`gender_direction` of ``emb.definitional_pairs`` (PCA).
    debiased : Bunch, optional
        Default: :func:`hard_debias` of ``emb`` along ``direction``, neutralising
        every word not in ``emb.gender_specific`` and equalising ``emb.equalize_pairs``.
    space : {"original", "debiased"}, default="original"
    max_words : int, default=16
        Bars in the figure; a larger selection shows its first ``max_words``.

    Examples
    --------
    >>> ex = EmbeddingExplorer(words=["nurse", "carpenter"])
    >>> ex.state.frame.index.tolist()
    ['nurse', 'carpenter']
    >>> ex.set_values(space="debiased").shown.round(3).tolist()
    [0.0, 0.0]

    Lesson: 10-bias-in-word-embeddings
    """

    def __init__(self, emb: Any = None, *, words: Sequence[str] | None = None,
                 options: Sequence[str] | None = None, direction: Any = None,
                 debiased: Any = None, space: str = "original", max_words: int = 16) -> None:
        self._load(emb, direction, debiased)
        words, options = self._choices(words, options, space)
        self._precompute(options)
        self.max_words = int(max_words)
        controls = self._build_controls(words, options, space)
        self._build_figure()
        panels = self._build_panels()
        self._setup(controls, fig=self.fig, panels=panels,
                    title="Occupations on the gender direction (ctrl/shift-click to pick "
                          "several)")

    # ------------------------------------------------------------------ set-up steps
    def _load(self, emb: Any, direction: Any, debiased: Any) -> None:
        """The vectors, the gender direction and the debiased vectors (defaults: the lesson's)."""
        emb = load_word_vectors() if emb is None else emb
        if direction is None:
            direction = gender_direction(emb, emb.definitional_pairs)
        if debiased is None:
            debiased = hard_debias(emb, direction, neutral_words=neutral_words(emb),
                                   equalize_pairs=emb.get("equalize_pairs", ()))
        self.emb, self.debiased, self.direction = emb, debiased, direction

    def _choices(self, words: Sequence[str] | None, options: Sequence[str] | None,
                 space: str) -> tuple[list[str], list[str]]:
        """The words shown first, every word offered (sorted), and a checked space."""
        words = list(DEFAULT_WORDS if words is None else words)
        options = list(self.emb.get("professions", []) if options is None else options)
        options = sorted(set(options) | set(words))
        if space not in SPACES:
            raise ValueError(f"space must be one of {list(SPACES)}; got {space!r}.")
        return words, options

    def _precompute(self, options: list[str]) -> None:
        """Every projection once: a selection change is then a lookup."""
        # Rounded to 1e-6 (+ 0.0 turns -0.0 into 0.0): neutralised words read 0.000.
        self.projections = pd.DataFrame({
            "original": project(self.emb, options, self.direction),
            "debiased": project(self.debiased, options, self.direction),
        }).round(6) + 0.0

    def _build_controls(self, words: list[str], options: list[str],
                        space: str) -> dict[str, W.ValueWidget]:
        """The occupations list and the original/debiased toggle."""
        return {
            # eight rows of ~24 px inside a taller box: a list taller than its box
            # spills over the figure below
            "words": W.SelectMultiple(options=options, value=tuple(words), rows=8,
                                      description="occupations",
                                      layout=W.Layout(width="260px", height="260px",
                                                       margin="0 0 24px 0",
                                                       flex="0 0 auto")),
            "space": W.ToggleButtons(options=list(SPACES), value=space,
                                     description="vectors",
                                     tooltips=["word2vec GoogleNews vectors as trained",
                                               "after hard debiasing (Bolukbasi et al.)"]),
        }

    def _build_panels(self) -> list[W.Widget]:
        """Readout and table."""
        self.table = W.HTML()
        self.table.add_class("fairlab-table")
        self.readout = W.HTML()
        self.readout.add_class("fairlab-readout")
        return [self.readout, self.table]

    # ------------------------------------------------------------------ figure
    def _build_figure(self) -> None:
        n = self.max_words
        self.fig, ax = new_figure(figsize=(7.5, 0.3 * n + 1.2))
        self.ax = ax
        self._y = np.arange(n)[::-1].astype(float)  # slot 0 at the top
        self.bars = ax.barh(self._y, np.zeros(n), height=0.7, color=_MALE)
        self.labels = [ax.text(0, y, "", va="center", fontsize=9) for y in self._y]
        self.marks = ax.scatter([], [], s=36, facecolors="none", edgecolors="black",
                                linewidths=1, zorder=3, label="original projection")
        top = float(np.abs(self.projections.to_numpy()).max()) * 1.15 + 0.02
        ax.set_xlim(-top, top)
        ax.set_ylim(-0.7, n - 0.3)
        ax.set_yticks([])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("← leans male (he, man, father…)      projection      "
                      "leans female (she, woman, mother…) →", fontsize=9)
        ax.legend(loc="lower right", fontsize=8)
        self.heading = ax.set_title("projection")  # a placeholder, so the layout leaves room
        self.fig.tight_layout()

    # ------------------------------------------------------------------ the road
    def compute(self, *, words: Sequence[str] = (), space: str = "original") -> EmbeddingState:
        """Projections of the selected words, sorted most female-leaning first (pure)."""
        if space not in SPACES:
            raise ValueError(f"space must be one of {list(SPACES)}; got {space!r}.")
        selected = list(dict.fromkeys(words))
        unknown = [w for w in selected if w not in self.projections.index]
        if unknown:
            raise ValueError(f"{unknown[:3]} are not among the explorer's options; pick "
                             "words from the list.")
        kept = selected[:self.max_words]
        frame = self.projections.loc[kept]
        frame = frame.iloc[np.argsort(-frame["original"].to_numpy(), kind="stable")]
        frame = frame.assign(change=frame["debiased"] - frame["original"])
        shown = frame[space].to_numpy()
        if len(frame) == 0:
            readout = f"{space} vectors · no words picked: select occupations in the list"
        else:
            hi, lo = int(np.argmax(shown)), int(np.argmin(shown))
            female = (f"most female-leaning {frame.index[hi]} {shown[hi]:+.3f}"
                      if shown[hi] >= 0.0005 else "none leans female")
            male = (f"most male-leaning {frame.index[lo]} {shown[lo]:+.3f}"
                    if shown[lo] <= -0.0005 else "none leans male")
            readout = (f"{space} vectors · {len(frame)} words · mean |projection| "
                       f"{np.abs(shown).mean():.3f} · {female} · {male}")
            if len(selected) > len(kept):
                readout += f" · showing the first {len(kept)} of {len(selected)}"
        return EmbeddingState(space=space, frame=frame, shown=shown,
                              n_selected=len(selected), readout=readout)

    def render(self, state: EmbeddingState) -> None:
        """Move bars, labels and circles; refresh heading, table and readout."""
        n = len(state.shown)
        top = self.ax.get_xlim()[1]
        for i, (bar, label) in enumerate(zip(self.bars, self.labels, strict=True)):
            if i < n:
                v = float(state.shown[i])
                bar.set_width(v)
                bar.set_color(_FEMALE if v > 0 else _MALE)
                label.set_text(f"{state.frame.index[i]}  "
                               + (f"{v:+.2f}" if abs(v) >= 0.005 else "0.00"))
                # the word sits on the other side of zero from the original projection
                # (the circle), which is also the bar's side unless debiasing flipped it
                left = float(state.frame["original"].iloc[i]) > 0
                label.set_position((-0.02 * top if left else 0.02 * top, self._y[i]))
                label.set_horizontalalignment("right" if left else "left")
            else:
                bar.set_width(0.0)
                label.set_text("")
        self.marks.set_offsets(np.column_stack([state.frame["original"].to_numpy(),
                                                self._y[:n]]) if n else np.empty((0, 2)))
        self.heading.set_text(f"Projection on the gender direction — {state.space} vectors")
        table = state.frame.rename(columns={"change": "debiased − original"})
        self.table.value = metrics_table_html(table)
        self.readout.value = state.readout
        self.fig.canvas.draw_idle()

    # --------------------------------------------------------------- browser view
    def _page_values(self, values):
        """JSON has no tuples: the page holds the picked words as a list."""
        return {**values, "words": list(values["words"])}

    def _control_values(self, values):
        return {**values, **({"words": tuple(values["words"])} if "words" in values else {})}

    def browser_view(self) -> BrowserView:
        """The view drawn in the browser (built once): kind ``"embedding"`` (``js/kinds``).

        Every option's projection in both spaces goes to the page once (rounded as
        :attr:`projections` holds them); a change of words or space is a sort, a
        mean and a table computed in the page, exactly as :meth:`compute` does.
        """
        if getattr(self, "_view", None) is None:
            p = self.projections
            spec = {
                "title": self.title, "options": [str(w) for w in p.index],
                "original": [float(v) for v in p["original"]],
                "debiased": [float(v) for v in p["debiased"]],
                "spaces": list(SPACES), "max_words": self.max_words,
                "female": _FEMALE, "male": _MALE, "xlim": list(self.ax.get_xlim()),
                "xlabel": self.ax.get_xlabel(),
            }
            self._view = BrowserView(kind="embedding", spec=spec,
                                     values=self._page_values(self.values()))
            self._view.observe(self._from_view, names="values")
        return self._view
