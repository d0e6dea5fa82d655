"""Explorers drawn in the browser: the page agrees with Python, moves with the keyboard,
keeps moving while the kernel is busy or gone, and works in an exported page offline.

Each browser-drawn explorer (``ExplorerCase.browser``) gets its own small notebook; the
``reference`` explorer built beside it (never shown) renders what Python's ``compute``
gives for the tested values, and the page must show exactly that readout and table.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.browser.explorer_cases import CASES, probe, shown, wait_shown, write_explorer_notebook
from tests.browser.jupyter_harness import (
    ROOT,
    cells,
    error_outputs,
    kernel_status,
    open_notebook,
    run_all,
    run_menu_command,
    shutdown_kernels,
    wait_kernel_idle,
    widget_problems,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
BROWSER_CASES = [k for k, c in CASES.items() if c.browser]
VIEW = ".fairlab-explorer .fairlab-view"


def _input(page, control):
    """The control's slider, or its drop-down list (``"widget": "select"``)."""
    return page.locator(f"{VIEW} :is(input, select).fairlab-control-{control}").first


def _key(direction, target=None):
    """The arrow key that moves ``target`` one stop: right/left on a slider, down/up in a list."""
    if target is not None and target.evaluate("e => e.tagName") == "SELECT":
        return "ArrowDown" if direction > 0 else "ArrowUp"
    return "ArrowRight" if direction > 0 else "ArrowLeft"


def _synced(page, control, value, tries=10):
    """The page's last value reaches Python: ipywidgets sends one message at a time and
    merges the rest, so the kernel may be idle before the final value has arrived."""
    for _ in range(tries):
        now = probe(page, "probe1")
        if now["values"][control] == pytest.approx(value, abs=1e-9):
            return now
        page.wait_for_timeout(300)
    raise AssertionError(f"Python's {control} is {now['values'][control]}, the page's {value}")


def _same(page, row, what):
    got = shown(page, row)
    assert got["readout"] == got["want_readout"], f"{what}: readout differs from compute"
    assert got["table"] == got["want_table"], f"{what}: table differs from compute"


@pytest.fixture(scope="module", params=BROWSER_CASES)
def explorer(request, browser_context, jupyter):
    name = request.param
    case = CASES[name]
    notebook = write_explorer_notebook(jupyter.root_dir / f"view-{name}.ipynb", case)
    page = browser_context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    try:
        open_notebook(page, jupyter, notebook.name)
        run_all(page, timeout=240_000)
        assert error_outputs(page) == [], f"{case.cls} notebook failed"
        page.locator(VIEW).first.wait_for(state="visible", timeout=30_000)
        assert widget_problems(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".fairlab-explorer").first.screenshot(path=str(ARTIFACTS / f"view-{name}.png"))
        yield SimpleNamespace(page=page, case=case, name=name)
    finally:
        page.close()
        shutdown_kernels(jupyter)


def test_keyboard_steps_match_compute_and_sync_back(explorer):
    page, case = explorer.page, explorer.case
    info = probe(page, "probe1")
    before, after = info["rows"]
    _same(page, before, "before the key press")
    target = _input(page, case.control)
    target.focus()
    page.keyboard.press(_key(info["direction"], target))
    wait_shown(page, after, timeout=5_000)
    wait_kernel_idle(page, timeout=30_000)
    now = _synced(page, case.control, after["value"])  # the value reached explorer.state
    _same(page, now["rows"][0], "after one key step")
    assert now["error"] == "None"


def test_thirty_keys_land_on_compute_of_the_last_value(explorer):
    page, case = explorer.page, explorer.case
    info = probe(page, "probe30")
    target = _input(page, case.control)
    target.focus()
    for _ in range(30):
        page.keyboard.press(_key(info["direction"], target))
    wait_shown(page, info["rows"][-1], timeout=5_000)
    wait_kernel_idle(page, timeout=30_000)
    now = _synced(page, case.control, info["rows"][-1]["value"])
    _same(page, now["rows"][0], "after 30 keys")
    assert page.console_errors == []


def test_tab_reaches_every_control_and_readout_is_live(explorer):
    page = explorer.page
    view = page.locator(VIEW).first
    assert view.locator(".fairlab-readout[aria-live=polite]").count() == 1
    for el in view.locator("input, button, select").all():
        assert el.evaluate("e => e.tabIndex >= 0 && !e.disabled"), "a control cannot take focus"
        label = el.evaluate("e => e.getAttribute('aria-label') || e.labels?.[0]?.textContent"
                            " || e.textContent")
        assert label and label.strip(), "a control has no accessible name"


#: Cases whose every control the page is driven through (ends and random stops) below.
EVERY_CONTROL = ("bias_sources", "resampling", "audit")

SET_CONTROL_JS = """(view, [name, f]) => {
    const el = view.querySelector(`:is(input, select).fairlab-control-${name}`);
    const n = el.tagName === 'SELECT' ? el.options.length : +el.max - +el.min + 1;
    const i = Math.round(f * (n - 1));
    if (el.tagName === 'SELECT') el.selectedIndex = i;
    else { el.value = String(+el.min + i); el.dispatchEvent(new Event('input', {bubbles: true})); }
    el.dispatchEvent(new Event('change', {bubbles: true}));
    return i;
}"""


def test_every_control_at_its_ends_and_random_stops_matches_compute(explorer):
    """Each control of the page goes to its first stop, its last and a random one, one after
    another; after each release Python's values follow and ``compute`` of them is what the
    page shows (readout and table)."""
    if explorer.name not in EVERY_CONTROL:
        return  # the thresholds and frames cases of other explorers have their own tests
    import random

    page = explorer.page
    view = page.locator(VIEW).first
    names = view.evaluate(
        "v => [...v.querySelectorAll(':is(input, select)[class*=fairlab-control-]')]"
        ".map(e => [...e.classList].find(c => c.startsWith('fairlab-control-'))"
        ".slice('fairlab-control-'.length))")
    assert names, "the view has no controls"
    rng = random.Random(0)
    moves = [(name, f) for name in names for f in (0.0, 1.0, rng.random())]
    moves += [(rng.choice(names), rng.random()) for _ in range(6)]
    for name, f in moves:
        view.evaluate(SET_CONTROL_JS, [name, f])
        wait_kernel_idle(page, timeout=30_000)
        for _ in range(10):  # the release reaches Python, and compute of its values is shown
            row = probe(page, "probe1")["rows"][0]
            got = shown(page, row)
            if got["readout"] == got["want_readout"] and got["table"] == got["want_table"]:
                break
            page.wait_for_timeout(300)
        _same(page, row, f"{name} at {f:.2f} of its range")
    assert page.console_errors == []


def test_sliders_move_while_the_kernel_is_busy_and_after_it_is_gone(explorer, jupyter):
    page, case = explorer.page, explorer.case
    info = probe(page, "probe1")
    before, after = info["rows"]
    # keep the kernel busy in a new cell at the end (a long CPU loop)
    last = cells(page).last
    last.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type("import time\n_t0 = time.time()\nwhile time.time() - _t0 < 60: pass")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("s => document.querySelector(s)?.getAttribute('data-status') "
                           "=== 'busy'", arg=".jp-Notebook-ExecutionIndicator", timeout=10_000)
    target = _input(page, case.control)
    target.focus()
    page.keyboard.press(_key(info["direction"], target))
    wait_shown(page, after, timeout=2_000)  # drawn by the page while Python is busy
    assert kernel_status(page) != "idle"
    page.keyboard.press(_key(-info["direction"], target))
    wait_shown(page, before, timeout=2_000)
    run_menu_command(page, "Kernel", "kernelmenu:interrupt")
    wait_kernel_idle(page, timeout=30_000)
    shutdown_kernels(jupyter)  # no kernel at all: the page still computes every move
    page.wait_for_timeout(1_000)
    target.focus()
    page.keyboard.press(_key(info["direction"], target))
    wait_shown(page, after, timeout=2_000)


def test_exported_page_works_offline(explorer, tmp_path, browser_context):
    """``make html``'s exporter: the page draws and moves with every request outside it blocked."""
    case = explorer.case
    nb = write_explorer_notebook(tmp_path / f"view-{explorer.name}.ipynb", case)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "export_html.py"), "--out",
                    str(tmp_path / "html"), str(nb)], check=True, capture_output=True,
                   timeout=300)
    page = browser_context.new_page()
    blocked, errors = [], []
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("file:", "data:", "blob:")) else (blocked.append(r.request.url), r.abort()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((tmp_path / "html" / f"{nb.stem}.html").as_uri())
        page.bring_to_front()
        page.locator(".fairlab-view").first.wait_for(state="visible", timeout=15_000)
        expected = _expected_rows(case, k=3)
        readout = page.locator(".fairlab-view .fairlab-readout").first
        assert readout.inner_text() == expected["rows"][0]["readout_text"]
        target = page.locator(
            f".fairlab-view :is(input, select).fairlab-control-{case.control}").first
        target.focus()
        for row in expected["rows"][1:]:
            target.press(_key(expected["direction"], target))
            try:
                page.wait_for_function("([el, want]) => el.textContent === want",
                                       arg=[readout.element_handle(), row["readout_text"]],
                                       timeout=10_000, polling=50)
            except Exception:
                value = target.evaluate("e => e.value")
                raise AssertionError(f"slider at {value}: page shows {readout.inner_text()!r}, "
                                     f"compute gives {row}") from None
        assert page.locator("img.fairlab-static:not([hidden])").count() == 0
        page.screenshot(path=str(ARTIFACTS / f"exported-{explorer.name}.png"), full_page=True)
    finally:
        page.close()
    assert blocked == [], f"the exported page asked the network for {blocked}"
    assert errors == []


def _expected_rows(case, k):
    """What ``compute`` gives for k steps of the tested control, from a fresh explorer
    built in a subprocess exactly as the notebook builds it."""
    code = textwrap.dedent(case.build) + textwrap.dedent(f"""
        import json
        ex = make()
        c = ex.controls[{case.control!r}]
        stops = (list(c._options_values) if hasattr(c, "options")
                 else [round(c.min + j * c.step, 10)
                       for j in range(int(round((c.max - c.min) / c.step)) + 1)])
        at = (c.index if hasattr(c, "options")  # choices need not be numbers
              else min(range(len(stops)), key=lambda j: abs(stops[j] - c.value)))
        room = len(stops) - 1 - at
        d = 1 if room >= {k} or room >= at else -1  # as the notebook probe's _direction
        rows = []
        for i in range({k} + 1):
            stop = stops[min(max(at + i * d, 0), len(stops) - 1)]  # the page stops at an end
            if i:
                ex.set_values(**{{{case.control!r}: stop}})
            rows.append({{"value": stop,
                          "readout_text": ex.compute(**ex.values()).readout
                          if hasattr(ex.state, "readout") else ex.readout_text(ex.state)}})
        print(json.dumps({{"direction": d, "rows": rows}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin",
                                         "PYTHONPATH": str(ROOT)}, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])
