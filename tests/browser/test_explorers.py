"""The panel drawn by Python (ipympl) in a real browser: key steps, a drag, a burst of 30 keys.

Every explorer is drawn in the browser by default (``test_browser_views.py``); the panel drawn
by Python stays available as ``explorer.python_widget()`` (and is the benchmark's peer), so it
is tested here on a slider explorer, a selection-slider explorer and a drop-down explorer.
Each gets its own small notebook (``explorer_cases.py``): it builds the explorer on small data
plus an identical ``reference`` that is never shown. After each move the panel must show
exactly the readout and table that ``reference`` renders for the new control values (the
model's numbers), and the ipympl canvas must have new pixels.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.browser.explorer_cases import (
    CASES,
    burst_select,
    canvas_url,
    control_target,
    drag,
    keyboard_step,
    last_draw_since_key,
    panel,
    press,
    probe,
    shown,
    step_key,
    wait_shown,
    write_explorer_notebook,
)
from tests.browser.jupyter_harness import (
    element_screenshot,
    error_outputs,
    kernel_status,
    open_notebook,
    run_all,
    shutdown_kernels,
    wait_kernel_idle,
    widget_problems,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
IN_CI = bool(os.environ.get("CI"))
BURST = 30
BURST_LIMIT_MS = 1000  # after the last of 30 presses: final value shown and kernel idle


def _close(a, b) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    except (TypeError, ValueError):
        return a == b


#: cases whose panel drawn by Python is tested: a float slider, a selection slider, drop-downs
PYTHON_PANEL_CASES = ["thresholds", "lambda", "metrics"]


@pytest.fixture(scope="module", params=PYTHON_PANEL_CASES)
def explorer(request, browser_context, jupyter):
    """The explorer's own notebook, opened and run; yields the page and the case."""
    name = request.param
    case = CASES[name]
    ok, why = case.available()
    if not ok:
        if IN_CI:
            pytest.fail(f"{case.cls}: explorer not implemented yet ({why})", pytrace=False)
        pytest.skip(f"explorer not implemented yet: {case.cls} ({why})")
    notebook = write_explorer_notebook(jupyter.root_dir / f"explorer-{name}.ipynb", case,
                                       python=True)
    page = browser_context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    try:
        open_notebook(page, jupyter, notebook.name)
        run_all(page, timeout=240_000)
        assert error_outputs(page) == [], f"{case.cls} notebook failed"
        panel(page).wait_for(state="visible", timeout=30_000)
        page.wait_for_function(  # the figure has painted at least once
            "p => [...p.querySelectorAll('.jupyter-matplotlib-canvas-div canvas')]"
            ".some(c => c.__fairlabDraws > 0)",
            arg=panel(page).element_handle(), timeout=30_000)
        assert widget_problems(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        element_screenshot(page, panel(page), ARTIFACTS / f"explorer-{name}.png")
        yield SimpleNamespace(page=page, case=case, name=name)
    finally:
        page.close()
        shutdown_kernels(jupyter)


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request, explorer):
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("[", "-").replace("]", "")
        explorer.page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"))


def _check_shown(page, row, what):
    got = shown(page, row)
    assert got["readout"] == got["want_readout"], f"{what}: readout differs from the model"
    assert got["table"] == got["want_table"], f"{what}: table differs from the model"


def _wait_canvas_change(page, before, what, timeout_ms=10_000):
    waited = 0
    while canvas_url(page) == before:
        assert waited < timeout_ms, f"{what}: the plot did not change"
        page.wait_for_timeout(100)
        waited += 100


def test_keyboard_step_updates_readout_table_and_plot(explorer):
    page, case = explorer.page, explorer.case
    info = probe(page, "probe1")
    before, after = info["rows"]
    _check_shown(page, before, "before the key press")
    assert (before["readout"], before["table"]) != (after["readout"], after["table"]), (
        f"one step of {case.control!r} changes neither the readout nor the table")
    pixels = canvas_url(page)

    target = control_target(page, info["control"], info["kind"])
    keyboard_step(page, target, info["kind"], info["direction"])

    wait_shown(page, after, timeout=15_000)
    _wait_canvas_change(page, pixels, "one key step")
    wait_kernel_idle(page, timeout=30_000)
    now = probe(page, "probe1")
    assert _close(now["values"][info["control"]], after["value"]), (
        f"{case.control} is {now['values'][info['control']]} after one step, "
        f"expected {after['value']}")
    _check_shown(page, now["rows"][0], "after one key step")
    assert now["error"] == "None"


def test_drag_updates_readout_table_and_plot(explorer):
    page = explorer.page
    info = probe(page, "probe1")
    start = info["rows"][0]
    pixels = canvas_url(page)

    if info["kind"] == "slider":
        drag(page, info["control"], info["direction"])
    else:  # a dropdown: choose another option with the mouse
        select = control_target(page, info["control"], "select")
        options = select.locator("option").all_inner_texts()
        current = select.evaluate("s => s.selectedIndex")
        select.select_option(index=(current + 2 * info["direction"]) % len(options))

    page.wait_for_function(
        """([p, r, t]) => {
            const n = s => s.replace(/\\s+/g, ' ').trim();
            const txt = h => { const d = document.createElement('div'); d.innerHTML = h;
                               return n(d.textContent); };
            return n(p.querySelector('.fairlab-readout').textContent) !== txt(r)
                || n(p.querySelector('.fairlab-table').textContent) !== txt(t);
        }""",
        arg=[panel(page).element_handle(), start["readout"], start["table"]], timeout=15_000)
    wait_kernel_idle(page, timeout=30_000)
    page.wait_for_timeout(300)
    now = probe(page, "probe1")
    assert not _close(now["values"][info["control"]], info["values"][info["control"]])
    wait_shown(page, now["rows"][0], timeout=10_000)
    _check_shown(page, now["rows"][0], "after the drag")
    _wait_canvas_change(page, pixels, "the drag")
    assert now["error"] == "None"


def test_burst_of_30_key_presses_lands_on_the_last_value_within_1s(explorer):
    page = explorer.page
    info = probe(page, "probe1")
    target = control_target(page, info["control"], info["kind"])
    if info["kind"] == "slider":
        info = probe(page, "probe30")
        keys = [step_key("slider", info["direction"])] * BURST
    else:  # a dropdown has few options: 30 changes back and forth, ending one step on
        start = target.evaluate("s => s.selectedIndex")
        keys = [start + info["direction"] * ((i + 1) % 2) for i in range(BURST)]
        keys[-1] = start + info["direction"]
    final = info["rows"][-1]
    pixels = canvas_url(page)
    n_before = info["n_updates"]

    if info["kind"] == "slider":
        press(page, target, keys)
    else:
        burst_select(target, keys)
    since_key = wait_shown(page, final, idle=True, timeout=20_000)
    page.wait_for_timeout(1000)  # anything still arriving would be a backlog
    last_draw = last_draw_since_key(page)

    assert since_key <= BURST_LIMIT_MS, (
        f"final value shown and kernel idle {since_key:.0f} ms after the last key "
        f"(limit {BURST_LIMIT_MS} ms)")
    assert kernel_status(page) == "idle"
    assert last_draw is not None and last_draw <= BURST_LIMIT_MS, (
        f"the plot was still redrawing {last_draw} ms after the last key")
    if info["kind"] == "slider":
        assert canvas_url(page) != pixels, "30 steps did not change the plot"
    now = probe(page, "probe1")
    assert _close(now["values"][info["control"]], final["value"])
    _check_shown(page, now["rows"][0], "after the burst")
    updates = now["n_updates"] - n_before
    assert 1 <= updates <= len(keys), f"{updates} updates for {len(keys)} key presses"
    assert now["error"] == "None"
    assert page.console_errors == []
