"""The Explorer pattern: immediate updates headless, coalesced bursts in an event loop."""

import asyncio
from dataclasses import dataclass

import ipywidgets as W
import numpy as np
import pytest

from fairlab.widgets import Explorer, new_figure


@dataclass
class _State:
    x: np.ndarray
    y: np.ndarray


class Square(Explorer):
    """y = a * x**2, the smallest explorer."""

    def __init__(self):
        self.xs = np.linspace(0, 1, 11)
        fig, ax = new_figure(figsize=(3, 2))
        (self.line,) = ax.plot([], [])
        self.readout = W.HTML()
        self._setup({"a": W.FloatSlider(value=1.0, min=0, max=5, description="a")}, fig=fig,
                    panels=[self.readout], title="square")

    def compute(self, a):
        if a > 4:
            raise ValueError("a too large")
        return _State(self.xs, a * self.xs**2)

    def render(self, state):
        self.line.set_data(state.x, state.y)
        self.readout.value = f"max {state.y.max():.2f}"
        self.fig.canvas.draw_idle()


def test_headless_updates_at_once():
    e = Square()
    assert e.n_updates == 1 and e.readout.value == "max 1.00"
    e.controls["a"].value = 2.0
    assert e.n_updates == 2
    np.testing.assert_allclose(e.line.get_ydata(), 2 * e.xs**2)
    assert e.readout.value == "max 2.00"
    assert "fairlab-control-a" in e.controls["a"]._dom_classes


def test_set_values_is_one_update_and_checks_names():
    e = Square()
    e.set_values(a=3.0)
    assert e.n_updates == 2 and e.controls["a"].value == 3.0
    with pytest.raises(ValueError, match=r"unknown controls \['b'\]"):
        e.set_values(b=1)


def test_errors_surface_outside_a_kernel():
    e = Square()
    with pytest.raises(ValueError, match="too large"):
        e.controls["a"].value = 4.5
    assert isinstance(e.error, ValueError)


def test_burst_in_event_loop_coalesces_and_last_value_lands():
    e = Square()

    async def burst():
        for v in np.linspace(0.1, 3.0, 50):
            e.controls["a"].value = float(v)
        await asyncio.sleep(e.delay * 4)

    asyncio.run(burst())
    assert e.n_updates == 2  # one update for fifty events
    np.testing.assert_allclose(e.line.get_ydata(), 3.0 * e.xs**2)


def test_mimebundle_has_widget_and_static_png():
    bundle = Square()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith("iVBOR")  # base64 of the PNG signature
