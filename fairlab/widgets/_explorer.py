"""The one pattern every explorer follows.

::

    controls ──observe──▶ _on_change ──(coalesce bursts)──▶ compute(**values) ──▶ render(state)
                                                             pure, numpy, fast      set_data, table,
                                                             tested headlessly      draw_idle()

A subclass builds its figure and artists once in ``__init__``, then calls
``self._setup(controls, ...)``. It implements:

``compute(**values)``  pure: control values (+ data precomputed in ``__init__``) → state
``render(state)``      mutate existing artists and widgets only; end with ``draw_idle()``

Outside a running event loop (tests, scripts) every change updates at once. In
a kernel, the first change of a burst schedules one update ``delay`` seconds
later; later changes in the burst only move the values that update will read,
so the newest value always lands and the kernel never builds a backlog.
Errors in a callback are shown in :attr:`Explorer.output`, never swallowed.
"""

from __future__ import annotations

import asyncio
import base64
import io
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from fairlab.plotting import STYLE, fit_dpi

__all__ = ["Explorer", "new_figure"]

# Widget HTML is not reached by JupyterLab's table styles: give explorer tables their own.
_CSS = """<style>
.fairlab-explorer table { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
.fairlab-explorer th, .fairlab-explorer td { padding: 2px 10px; text-align: right;
  border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); }
.fairlab-explorer thead th { border-bottom: 1px solid var(--jp-border-color1, #bdbdbd); }
.fairlab-explorer tbody th { text-align: left; }
.fairlab-readout { font-variant-numeric: tabular-nums; }
</style>"""
_SLIDERS = (W.FloatSlider, W.IntSlider, W.SelectionSlider, W.FloatLogSlider,
            W.FloatRangeSlider, W.IntRangeSlider)

def new_figure(*args: Any, **subplots_kw: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` for explorers: built once, not shown on creation, no chrome.

    With the ipympl backend the canvas is a widget without the header, footer and
    toolbar; with Agg (tests, static export) it is a plain figure.
    """
    import matplotlib as mpl

    with plt.ioff(), mpl.rc_context(STYLE):
        fig, axes = plt.subplots(*args, **fit_dpi(subplots_kw))
    canvas = fig.canvas
    if isinstance(canvas, W.DOMWidget):
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_visible = False
        canvas.resizable = False
    return fig, axes


class Explorer:
    """Base class: controls → ``compute`` → ``render``, with coalesced updates."""

    #: Seconds a burst of slider events may take before the one update runs.
    delay: float = 0.03

    controls: dict[str, W.ValueWidget]
    fig: Figure | None
    state: Any
    n_updates: int
    error: BaseException | None

    # ---------------------------------------------------------------- subclass API
    def compute(self, **values: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def render(self, state: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _setup(
        self,
        controls: Mapping[str, W.ValueWidget],
        *,
        fig: Figure | None = None,
        panels: Sequence[W.Widget] = (),
        title: str | None = None,
    ) -> None:
        """Connect the controls, lay out the panel and draw the first state."""
        self.controls = dict(controls)
        self.fig = fig
        self.panels = list(panels)
        self.title = title
        self.output = W.Output()
        self.n_updates = 0
        self.error = None
        self.state = None
        self._pending: asyncio.TimerHandle | None = None
        self._widget: W.Widget | None = None
        for name, control in self.controls.items():
            control.add_class(f"fairlab-control-{name}")  # a handle for browser tests
            if isinstance(control, _SLIDERS) and control.layout.width is None:
                control.layout.width = "360px"  # wide enough to drag comfortably
                control.style.description_width = "initial"
            control.observe(self._on_change, names="value")
        self.update()

    # ------------------------------------------------------------------ the road
    def values(self) -> dict[str, Any]:
        """The controls' current values, by name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> Any:
        """``render(compute(**values()))`` now; returns the new state."""
        values = self.values()
        state = self.compute(**values)
        self.render(state)
        self.state = state
        self.n_updates += 1
        view = getattr(self, "_view", None)  # a browser-drawn view follows Python's moves,
        if view is not None and not getattr(self, "_from_page", False):  # never its own echo
            page = self._page_values(values)
            shown = {k: page[k] for k in view.values if k in page}
            if shown != view.values:
                view.values = {**view.values, **shown}
        return state

    def set_values(self, **values: Any) -> Any:
        """Move several controls at once with a single update (e.g. snap buttons)."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; this explorer has "
                             f"{sorted(self.controls)}.")
        for name, value in values.items():
            self.controls[name].unobserve(self._on_change, names="value")
            try:
                self.controls[name].value = value
            finally:
                self.controls[name].observe(self._on_change, names="value")
        return self.update()

    def _on_change(self, change: Mapping[str, Any] | None = None) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop: tests and scripts update at once
            self._safe_update()
            return
        if self._pending is None:
            self._pending = loop.call_later(self.delay, self._flush)

    def _flush(self) -> None:
        self._pending = None
        self._safe_update()

    def _safe_update(self) -> None:
        try:
            self.update()
            self.error = None
        except Exception as exc:  # shown to the learner, and kept for tests
            self.error = exc
            with self.output:
                print("".join(traceback.format_exception_only(type(exc), exc)).strip())
                traceback.print_exc(limit=3)
            if not self._in_kernel():
                raise

    @staticmethod
    def _in_kernel() -> bool:
        try:
            from IPython import get_ipython

            return get_ipython() is not None and "IPKernelApp" in get_ipython().config
        except Exception:  # pragma: no cover
            return False

    # --------------------------------------------------------------- presentation
    def _figure_widget(self) -> W.Widget:
        canvas = getattr(self.fig, "canvas", None)
        if isinstance(canvas, W.DOMWidget):
            return canvas
        image = W.Image(format="png")
        if self.fig is not None:
            image.value = self.png()
        return image

    def browser_view(self) -> W.Widget | None:
        """The view drawn in the browser, for explorers that have one (else None).

        Such an explorer sends its data once (:mod:`fairlab.widgets.browser`); the
        page redraws on every move and syncs the values back on release.
        """
        return None

    def widget(self) -> W.Widget:
        """The whole panel (built once): the browser-drawn view where the explorer has
        one, else controls, figure, tables and error output drawn by Python."""
        if self._widget is None:
            view = self.browser_view()
            if view is None:
                self._widget = self.python_widget()
            else:
                self._widget = W.VBox([view, *self.browser_panels(), self.output],
                                      layout=W.Layout(width="100%"))
                self._widget.add_class("fairlab-explorer")
        return self._widget

    def _from_view(self, change: Mapping[str, Any]) -> None:
        """The page released a control: make Python's controls and ``state`` match it
        (without sending the values back to the page)."""
        new = self._control_values({k: v for k, v in change["new"].items()
                                    if k in self.controls})
        if new and new != {k: self.controls[k].value for k in new}:
            self._from_page = True
            try:
                self.set_values(**new)
            finally:
                self._from_page = False

    def _page_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Control values as the browser view holds them (JSON has no ``inf``, so e.g. an
        index may stand for a value); the identity unless a subclass says otherwise."""
        return dict(values)

    def _control_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The inverse of :meth:`_page_values`: the page's values as control values."""
        return dict(values)

    def browser_panels(self) -> list[W.Widget]:
        """Python-side widgets shown under the browser view (e.g. a button)."""
        return []

    def python_widget(self) -> W.Widget:
        """Controls, figure and tables drawn by Python (ipympl); built once."""
        if getattr(self, "_python_widget", None) is None:
            header = [W.HTML(f"<b>{self.title}</b>")] if self.title else []
            controls = W.HBox(list(self.controls.values()),
                              layout=W.Layout(flex_flow="row wrap"))
            body = [self._figure_widget()] if self.fig is not None else []
            self._python_widget = W.VBox([*header, controls, *body, *self.panels,
                                          self.output, W.HTML(_CSS)],
                                         layout=W.Layout(width="100%"))
            self._python_widget.add_class("fairlab-explorer")
        return self._python_widget

    def show(self) -> None:
        """Display the explorer in a notebook."""
        from IPython.display import display

        display(self)

    def png(self) -> bytes:
        """The current figure as PNG bytes."""
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()

    def snapshot(self) -> Figure | None:
        """A static figure of the current state (for when widgets are unavailable)."""
        return self.fig

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The live widget, with a static PNG beside it for viewers without widgets."""
        bundle = self.widget()._repr_mimebundle_(**kwargs)
        if self.fig is not None:
            bundle["image/png"] = base64.b64encode(self.png()).decode("ascii")
        return bundle
