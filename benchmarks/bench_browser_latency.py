"""Slider latency in a real browser: key press → plot and table show the new value.

Two paths are measured side by side for the threshold and λ explorers:

* **browser-drawn** (the default view, :mod:`fairlab.widgets.browser`): the page computes and
  redraws itself; latency = from the ``input`` event's timestamp to the animation frame that
  shows the result (timed in the page), with the kernel idle, with the kernel busy in a 60 s
  CPU loop, and with the kernel shut down. Targets: idle median <= 16 ms and p95 <= 33 ms;
  busy within 2× of idle; no kernel: still updating.
* **drawn by Python** (``explorer.python_widget()``, ipympl), as before:

For the threshold and λ explorers (each in its own small notebook, built by
``tests/browser/explorer_cases.py``), in headless Debian chromium driving JupyterLab:

1. single steps: one ArrowRight (or ArrowLeft) on the slider handle, then the time until the
   readout and the table show exactly what the model renders for the new value (a
   ``MutationObserver`` notes the moment) and the ipympl canvas has painted its last image
   (``drawImage`` is timed); latency = the later of the two, from the ``keydown``, all on the
   page's clock. Targets: median <= 150 ms, p95 <= 300 ms.
2. settle after a burst: 10 key presses as fast as the browser takes them, then the time from
   the last ``keydown`` until the final value is shown and the canvas stops changing.
   Target: <= 300 ms.

Prints the figures (not a timed test: the 2 cores are shared, so times vary from run to run).
Run: ``.venv/bin/python benchmarks/bench_browser_latency.py [--steps N] [--strict]``;
``--strict`` exits 1 when a target is missed. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.explorer_cases import (  # noqa: E402
    BENCH_STEPS,
    CASES,
    CELL,
    control_target,
    panel,
    press,
    probe,
    step_key,
    write_explorer_notebook,
)
from tests.browser.jupyter_harness import (  # noqa: E402
    CHROMIUM,
    INSTALL_HINT,
    JupyterServer,
    cells,
    error_outputs,
    launch_browser,
    open_notebook,
    run_all,
    run_menu_command,
    shutdown_kernels,
    wait_kernel_idle,
)

EXPLORERS = ("thresholds", "lambda")
BURST, N_BURSTS = 10, 3
QUIET_MS = 250  # the canvas must stay unchanged this long to count as settled

WATCH_JS = """(panel, [readout, table]) => {
    const norm = s => s.replace(/\\s+/g, ' ').trim();
    const text = h => { const d = document.createElement('div'); d.innerHTML = h;
                        return norm(d.textContent); };
    const want = [text(readout), text(table)];
    const r = panel.querySelector('.fairlab-readout');
    const t = panel.querySelector('.fairlab-table');
    const matches = () => norm(r.textContent) === want[0] && norm(t.textContent) === want[1];
    if (panel.__watch) panel.__watch.disconnect();
    panel.__matchedAt = undefined;
    panel.__sameText = matches();  // nothing to show: the text does not change
    const watch = new MutationObserver(() => {
        if (panel.__matchedAt === undefined && matches()) {
            panel.__matchedAt = performance.now();
            watch.disconnect();
        }
    });
    watch.observe(panel, {subtree: true, childList: true, characterData: true});
    panel.__watch = watch;
}"""

SETTLED_JS = """([panel, quiet]) => {
    const key = window.__fairlabLastKey;
    const canvas = panel.querySelector('.jupyter-matplotlib-canvas-div canvas');
    const drawn = canvas.__fairlabLastDraw || 0;
    const shownAt = panel.__sameText ? key : panel.__matchedAt;
    if (shownAt === undefined || drawn <= key) return false;
    if (performance.now() - drawn < quiet) return false;
    return {text: shownAt - key, plot: drawn - key, total: Math.max(shownAt, drawn) - key};
}"""


def measure(page, row: dict, keys: list[str], target) -> dict:
    """Press ``keys``; ms from the last keydown until ``row`` is shown and the plot settled."""
    panel(page).evaluate(WATCH_JS, [row["readout"], row["table"]])
    press(page, target, keys)
    handle = page.wait_for_function(SETTLED_JS, arg=[panel(page).element_handle(), QUIET_MS],
                                    timeout=20_000, polling=5)
    return handle.json_value()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def show_python_panel(nb: Path) -> None:
    """The notebook shows the older panel drawn by Python instead of the browser view."""
    import nbformat

    book = nbformat.read(nb, as_version=4)
    book.cells[CELL["show"]].source = "explorer.python_widget()"
    nbformat.write(book, nb)


LATENCIES_JS = "() => { const v = window.__fairlabLatency || []; window.__fairlabLatency = [];" \
               " return v; }"


def steps_in_page(page, target, key: str, n: int) -> list[float]:
    """``n`` single key presses with a learner's pause; the page's own latencies (ms)."""
    page.evaluate(LATENCIES_JS)
    for _ in range(n):
        target.press(key)
        page.wait_for_timeout(120)
    page.wait_for_timeout(200)
    return page.evaluate(LATENCIES_JS)


def bench_browser(page, server, name: str, steps: int) -> dict | None:
    """The browser-drawn view: idle kernel, busy kernel, no kernel."""
    case = CASES[name]
    nb = write_explorer_notebook(server.root_dir / f"view-{name}.ipynb", case)
    open_notebook(page, server, nb.name)
    run_all(page, timeout=300_000)
    view = page.locator(".fairlab-explorer .fairlab-view").first
    view.wait_for(state="visible", timeout=60_000)
    target = view.locator(f"input.fairlab-control-{case.control}").first
    target.scroll_into_view_if_needed()
    wait_kernel_idle(page)
    out = {"explorer": case.cls, "control": case.control}
    out["idle"] = steps_in_page(page, target, "ArrowRight", steps)
    last = cells(page).last  # a 60 s CPU loop in a new cell
    last.locator(".jp-InputPrompt").first.click()
    for k in ("Escape", "b", "Enter"):
        page.keyboard.press(k)
    page.keyboard.type("import time\n_t0 = time.time()\nwhile time.time() - _t0 < 60: pass")
    page.keyboard.press("Shift+Enter")
    page.wait_for_timeout(1000)
    out["busy"] = steps_in_page(page, target, "ArrowLeft", steps)
    run_menu_command(page, "Kernel", "kernelmenu:interrupt")
    wait_kernel_idle(page, timeout=60_000)
    shutdown_kernels(server)
    page.wait_for_timeout(1000)
    out["none"] = steps_in_page(page, target, "ArrowRight", steps)
    return out


def bench(page, server, name: str, steps: int) -> dict | None:
    case = CASES[name]
    ok, why = case.available()
    if not ok:
        print(f"{case.cls}: not measured, explorer not implemented yet ({why})")
        return None
    nb = write_explorer_notebook(server.root_dir / f"bench-{name}.ipynb", case, bench=True)
    show_python_panel(nb)
    open_notebook(page, server, nb.name)
    run_all(page, timeout=300_000)
    errors = error_outputs(page)
    if errors:
        raise RuntimeError(f"{case.cls} notebook failed:\n{errors[0][-2000:]}")
    try:
        panel(page).wait_for(state="visible", timeout=60_000)
    except Exception:
        page.screenshot(path=str(ROOT / "tests" / "browser" / "artifacts" / f"bench-{name}.png"))
        raise
    info = probe(page, "probe_bench", timeout=120_000)
    rows = info["rows"]
    assert len(rows) > steps + BURST * N_BURSTS, "increase BENCH_STEPS"
    target = control_target(page, info["control"], "slider")
    key = step_key("slider", info["direction"])
    target.scroll_into_view_if_needed()
    wait_kernel_idle(page)
    page.wait_for_timeout(500)

    singles = []
    for k in range(1, steps + 1):
        singles.append(measure(page, rows[k], [key], target))
        page.wait_for_timeout(150)  # a learner's pause between key presses
    settles = []
    at = steps
    for _ in range(N_BURSTS):
        at += BURST
        settles.append(measure(page, rows[at], [key] * BURST, target))
        wait_kernel_idle(page, timeout=30_000)
        page.wait_for_timeout(300)
    shutdown_kernels(server)
    total = [s["total"] for s in singles]
    result = {
        "explorer": case.cls, "control": info["control"], "n": len(total),
        "median": statistics.median(total), "p95": percentile(total, 0.95), "max": max(total),
        "text_median": statistics.median(s["text"] for s in singles),
        "plot_median": statistics.median(s["plot"] for s in singles),
        "settle": max(s["total"] for s in settles),
        "settles": [round(s["total"]) for s in settles],
    }
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="single steps per explorer")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.steps + BURST * N_BURSTS > BENCH_STEPS:
        parser.error(f"--steps must be <= {BENCH_STEPS - BURST * N_BURSTS}")
    if not CHROMIUM.exists():
        print(INSTALL_HINT)
        return 1
    from playwright.sync_api import sync_playwright

    results = []
    with JupyterServer(source=None) as server, sync_playwright() as p, \
            launch_browser(p) as context:
        page = context.new_page()
        drawn = []
        for name in EXPLORERS:
            drawn.append(bench_browser(page, server, name, args.steps))
            result = bench(page, server, name, args.steps)
            if result is not None:
                results.append(result)
    print(f"\nbrowser-drawn view: input event → the frame showing it (ms; page clock; "
          f"{args.steps} single steps each)")
    print(f"{'explorer':<20}{'kernel':<8}{'n':>4}{'median':>8}{'p95':>8}{'max':>8}  verdict")
    missed = False
    for d in drawn:
        idle_median = statistics.median(d["idle"]) if d["idle"] else float("nan")
        for kernel in ("idle", "busy", "none"):
            v = d[kernel]
            if not v:
                print(f"{d['explorer']:<20}{kernel:<8}{0:>4}  no update measured  MISSED")
                missed = True
                continue
            med, p95 = statistics.median(v), percentile(v, 0.95)
            ok = (med <= 16 and p95 <= 33) if kernel == "idle" else (
                med <= 2 * max(idle_median, 1.0) if kernel == "busy" else True)
            missed |= not ok
            print(f"{d['explorer']:<20}{kernel:<8}{len(v):>4}{med:>8.1f}{p95:>8.1f}"
                  f"{max(v):>8.1f}  {'ok' if ok else 'MISSED'}")
    print("targets: idle median <= 16 ms, p95 <= 33 ms; busy median within 2x idle; "
          "no kernel: updates")
    print("\nthe older panel drawn by Python (ipympl), same run:")
    print(f"\nkey press → readout, table and plot show the new value (ms; page clock; "
          f"{args.steps} single steps, then {N_BURSTS} bursts of {BURST})")
    print(f"{'explorer':<20}{'control':<10}{'median':>8}{'p95':>8}{'max':>8}"
          f"{'text':>8}{'plot':>8}{'settle10':>10}  verdict")
    for r in results:
        ok = r["median"] <= 150 and r["p95"] <= 300 and r["settle"] <= 300
        print(f"{r['explorer']:<20}{r['control']:<10}{r['median']:>8.0f}{r['p95']:>8.0f}"
              f"{r['max']:>8.0f}{r['text_median']:>8.0f}{r['plot_median']:>8.0f}"
              f"{r['settle']:>10.0f}  {'ok' if ok else 'MISSED'} {r['settles']}")
    # the older path's targets are reported, not enforced: the browser view replaces it
    print("targets: median <= 150 ms, p95 <= 300 ms, settle after 10 rapid steps <= 300 ms"
          " ('text' and 'plot' are the medians of each part alone)")
    missing = [CASES[n].cls for n in EXPLORERS if CASES[n].cls not in
               {r["explorer"] for r in results}]
    if missing:
        print(f"not measured (not implemented yet): {', '.join(missing)}")
    return 1 if args.strict and (missed or missing) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
