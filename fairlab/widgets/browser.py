"""Explorers drawn in the browser: Python computes once, the page redraws on every move.

:class:`BrowserView` is one anywidget whose ES module (``js/view.js``, shipped in the
package; its code travels in the widget state, so exported pages keep working) draws
an explorer from a *spec* sent once:

``"thresholds"``
    each group's distinct scores, descending, with cumulative true/false positive
    counts (:func:`threshold_spec`); a slider move is a binary search per group.
``"frames"``
    stepped controls over a precomputed grid (:func:`frames_spec`); a move picks a
    frame: its readout, its table and the data of each plotted layer. A control is a
    slider over its stops or, with ``"widget": "select"``, a drop-down list of choices.

An explorer whose page computes something of its own (a closed form, a search) adds a
kind in ``js/kinds/<kind>.js`` (and optionally ``<kind>.css``): those files are
appended to ``view.js`` into one ES module, share its helpers, and register
``KINDS[<kind>]`` (a renderer) or ``LAYERS[<type>]`` (a chart layer type).

The browser handles every input event itself (no kernel round trip) and writes the
control values back to :attr:`BrowserView.values` when a control is released, so
the explorer's Python ``state`` is current for exercises and tests. Python's
``compute`` stays the source of truth: the tests move the page's controls and
compare what it shows with ``compute`` for the same values.

Lesson: 06-decision-thresholds
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

__all__ = ["BrowserView", "KINDS", "threshold_spec", "frames_spec", "Frame", "spec_size"]

_JS = Path(__file__).with_name("js")
_KIND_FILES = sorted((_JS / "kinds").glob("*.js"))
#: The view kinds the page can draw: the two built in, and one per ``js/kinds`` file.
KINDS = ("thresholds", "frames", *(f.stem for f in _KIND_FILES))


def _bundle(core: str, extra: list[Path]) -> str:
    parts = [(_JS / core).read_text(encoding="utf-8")]
    parts += [f"/* ---- {f.name} ---- */\n" + f.read_text(encoding="utf-8") for f in extra]
    return "\n".join(parts)


class BrowserView(anywidget.AnyWidget):
    """One explorer view, drawn in the browser from a spec sent once.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`: ``"thresholds"``, ``"frames"`` or a ``js/kinds`` file's name.
    spec : dict
        What the page needs to draw every setting (see :func:`threshold_spec`,
        :func:`frames_spec`). JSON-serialisable.
    values : dict
        The controls' starting values; the page writes the current ones back here
        when a control is released.

    Examples
    --------
    >>> view = BrowserView(kind="frames", spec={"controls": [], "frames": [{}]}, values={})
    >>> view.kind
    'frames'
    """

    _esm = _bundle("view.js", _KIND_FILES)
    _css = _bundle("view.css", sorted((_JS / "kinds").glob("*.css")))
    kind = traitlets.Unicode("frames").tag(sync=True)
    # The spec travels as one compact JSON string: a notebook that saves the widget state
    # stores it on one line (a dict would be written one number per line, several times
    # larger). The page parses it once; ``spec`` gives it back as a dict in Python.
    spec_json = traitlets.Unicode("{}").tag(sync=True)
    values = traitlets.Dict().tag(sync=True)

    def __init__(self, *, kind: str, spec: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}; got {kind!r}.")
        try:
            text = json.dumps(spec, separators=(",", ":"), allow_nan=False)
        except ValueError:
            raise ValueError("the spec holds NaN or infinity, which JSON cannot carry: send "
                             "undefined numbers as None (see _finite).") from None
        super().__init__(kind=kind, spec_json=text, values=dict(values))
        self._spec = json.loads(text)

    @property
    def spec(self) -> dict:
        """What the page draws from (a copy of what was sent, as a dict)."""
        return self._spec

    def __repr__(self) -> str:  # no memory address: executed notebooks stay deterministic
        return f"BrowserView(kind={self.kind!r}, values={self.values!r})"


def spec_size(spec: Mapping[str, Any]) -> int:
    """Bytes of the spec as JSON: what one explorer sends to the browser."""
    return len(json.dumps(spec, separators=(",", ":"), allow_nan=False).encode())


def _finite(x: Any) -> Any:
    """JSON has no NaN: undefined numbers travel as ``None`` (drawn as gaps)."""
    if isinstance(x, float | np.floating):
        return float(x) if np.isfinite(x) else None
    return x


def _points(xs: Sequence[float], ys: Sequence[float], *, limit: int = 600) -> list[list]:
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    if len(xs) > limit:  # thin a drawn curve; exact numbers are computed elsewhere
        keep = np.unique(np.linspace(0, len(xs) - 1, limit).astype(int))
        xs, ys = xs[keep], ys[keep]
    return [[_finite(a), _finite(b)] for a, b in zip(xs, ys, strict=True)]


def threshold_spec(curves: Any, *, names: Mapping[Any, str], colors: Mapping[str, str],
                   cost: Any, snaps: Mapping[str, Mapping[str, Any]] | None = None,
                   step: float = 0.001, title: str | None = None) -> dict:
    """What the browser needs to compute every rate at any threshold: exact counts.

    Parameters
    ----------
    curves : fairlab.thresholds.GroupCurves
        Each group's distinct scores and cumulative counts (sorted once).
    names : mapping group → control name
    colors : mapping str(group) → CSS colour (the static figures' palette)
    cost : 2×2 array-like
        ``C[y_true][y_pred]``; profit is minus the cost per person.
    snaps : mapping key → {"label", "thresholds" (one per group), "note"}, optional
    step : float, default=0.001
        The sliders' step.

    Returns
    -------
    dict
        JSON-serialisable spec for ``BrowserView(kind="thresholds")``.

    Examples
    --------
    >>> from fairlab.thresholds import GroupCurves
    >>> c = GroupCurves([1, 0, 1, 0], [0.9, 0.4, 0.6, 0.2], sensitive_features=list("aabb"))
    >>> spec = threshold_spec(c, names={"a": "t_a", "b": "t_b"},
    ...                       colors={"a": "#000", "b": "#111"}, cost=[[0, 1], [0, -1]])
    >>> spec["groups"][0]["scores"], spec["groups"][0]["tp"], spec["groups"][0]["fp"]
    ([0.9, 0.4], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0])
    """
    groups = []
    for g, cv in zip(curves.labels, curves.curves, strict=True):
        with np.errstate(invalid="ignore", divide="ignore"):
            fpr, tpr = cv.fp / cv.n_neg, cv.tp / cv.n_pos
        groups.append({
            "name": names[g], "label": str(g), "color": colors[str(g)],
            "scores": [float(v) for v in cv.thresholds[1:]],  # descending distinct scores
            "tp": [float(v) for v in cv.tp], "fp": [float(v) for v in cv.fp],
            "n_pos": float(cv.n_pos), "n_neg": float(cv.n_neg),
            "roc": _points(fpr, tpr),
        })
    return {"groups": groups, "cost": [float(v) for v in np.asarray(cost, float).ravel()],
            "snaps": {k: dict(v) for k, v in (snaps or {}).items()}, "step": step,
            "title": title}


class Frame(dict):
    """One frame of a stepped explorer: ``readout``, ``table`` (HTML) and ``layers``.

    ``layers`` holds, per panel, ``{layer_id: data}`` for the layers that change.
    """


def frames_spec(controls: Sequence[Mapping[str, Any]], frame: Callable[..., Frame], *,
                panels: Sequence[Mapping[str, Any]] = (), title: str | None = None) -> dict:
    """Precompute every frame of a stepped explorer (the grid of its controls).

    Parameters
    ----------
    controls : sequence of {"name", "label", "values", "labels", "index"}
        One slider per control over its stops; ``index`` is the starting stop. Add
        ``"widget": "select"`` for a drop-down list of choices (a dataset, a metric).
    frame : callable
        ``frame(**{name: value})`` → :class:`Frame` (usually
        ``explorer.compute`` followed by the explorer's formatting).
    panels : sequence of chart specs
        ``{"title", "xlabel", "ylabel", "xlim", "ylim", "layers": [{"id", "type"
        ("line", "points", "bars", "hbars", "vline"), "color", "label", "data" (static)}]}``;
        optional ``"width"``, ``"height"``, ``"left"`` (margin, px), ``"legend"``
        (``"lower right"`` …), ``"xticks"`` (``[[x, label], ...]``, e.g. categories) and
        ``"yticks"`` (``[[y, name], ...]``, for ``hbars``:
        ``[y0, y1, value, note]`` drawn from 0).

    Returns
    -------
    dict
        JSON-serialisable spec for ``BrowserView(kind="frames")``; frame ``k`` is
        the grid point whose control indices, read in mixed radix, make ``k``.

    Examples
    --------
    >>> spec = frames_spec([{"name": "x", "label": "x", "values": [0, 1],
    ...                      "labels": ["0", "1"], "index": 0}],
    ...                    lambda x: Frame(readout=f"x = {x}", layers=[]))
    >>> [f["readout"] for f in spec["frames"]]
    ['x = 0', 'x = 1']
    """
    controls = [dict(c) for c in controls]
    for c in controls:
        if len(c["values"]) != len(c["labels"]) or not c["values"]:
            raise ValueError(f"control {c['name']!r} needs one label per value and at "
                             "least one value.")
    grid = itertools.product(*[c["values"] for c in controls])
    frames = [frame(**dict(zip([c["name"] for c in controls], point, strict=True)))
              for point in grid]
    return {"controls": controls, "frames": frames, "panels": [dict(p) for p in panels],
            "title": title}
