"""Small notebooks that build one explorer each, for the browser tests and the latency benchmark.

Each notebook has fixed cells (see :data:`CELL`): a setup cell with probe helpers, a cell that
builds ``explorer`` and an identical, never-displayed ``reference`` on small data, a cell that
shows ``explorer``, and probe cells. A probe cell prints, between ``<<<`` and ``>>>``, JSON with
the explorer's current control values and, for ``k`` steps of the tested control, the readout
and table HTML that ``reference`` renders for that setting — that is
``render(compute(**values))`` of the model itself, which the browser must then show.
"""

from __future__ import annotations

import importlib
import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.browser.jupyter_harness import run_cell, write_notebook


@dataclass(frozen=True)
class ExplorerCase:
    """How to build one explorer on small data, and which control the tests move."""

    cls: str  # class name in fairlab.widgets
    control: str  # key in explorer.controls the tests move
    build: str  # code that defines ``make()`` returning a fresh explorer
    browser: bool = False  # drawn in the browser (tests/browser/test_browser_views.py)

    def available(self) -> tuple[bool, str]:
        """Whether ``fairlab.widgets.<cls>`` imports; the reason when not."""
        try:
            widgets = importlib.import_module("fairlab.widgets")
            getattr(widgets, self.cls)
        except (ImportError, AttributeError) as exc:
            return False, f"{type(exc).__name__}: {exc}"
        return True, ""


CASES: dict[str, ExplorerCase] = {
    "lambda": ExplorerCase(
        cls="LambdaExplorer",
        control="lam",
        browser=True,
        build="""
            import numpy as np
            from fairlab.training import lambda_sweep
            from fairlab.widgets import LambdaExplorer

            rng = np.random.default_rng(0)
            n = 3000
            s = rng.choice(["a", "b"], n, p=[0.6, 0.4])
            X = rng.normal(size=(n, 4)) + (s == "a")[:, None] * [0.6, 0.0, 0.3, 0.0]
            y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.7, n) > 0.4).astype(int)
            half = n // 2
            sweep = lambda_sweep(X[:half], y[:half], s[:half], np.linspace(0, 5, 51),
                                 X_test=X[half:], y_test=y[half:], sensitive_features_test=s[half:],
                                 epochs=5, progress=False)

            def make():
                return LambdaExplorer(sweep)
        """,
    ),
    "thresholds": ExplorerCase(
        cls="ThresholdExplorer",
        control="t_a",
        browser=True,
        build="""
            import numpy as np
            from fairlab.widgets import ThresholdExplorer

            rng = np.random.default_rng(0)
            n = 6000
            group = rng.choice(["A", "B"], n, p=[0.6, 0.4])
            y = rng.binomial(1, np.where(group == "A", 0.5, 0.35))
            scores = np.clip(rng.normal(0.35 + 0.3 * y + 0.05 * (group == "A"), 0.18), 0, 1)

            def make():
                return ThresholdExplorer(y, scores, sensitive_features=group)
        """,
    ),
    "metrics": ExplorerCase(
        cls="MetricExplorer",
        control="metric",
        browser=True,
        build="""
            import numpy as np
            import pandas as pd
            from fairlab.widgets import MetricExplorer
            from fairlab.recipes import Case

            rng = np.random.default_rng(0)
            n = 1500
            sens = pd.DataFrame({"group": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])})
            y = rng.binomial(1, 0.4, n)
            flip = rng.random(n) < np.where(sens["group"] == "a", 0.15, 0.3)
            y_pred = np.where(flip, 1 - y, y)
            cases = {("toy", "noisy copy"): Case(y, y_pred, sens)}

            def make():
                return MetricExplorer(cases, n_boot=100)
        """,
    ),
    "impossibility": ExplorerCase(
        cls="ImpossibilityExplorer",
        control="base_rate_b",
        browser=True,
        build="""
            from fairlab.widgets import ImpossibilityExplorer

            def make():
                return ImpossibilityExplorer(groups=("Black", "white"))
        """,
    ),
    "bias_sources": ExplorerCase(
        cls="BiasSourcesExplorer",
        control="measurement_bias",
        browser=True,
        build="""
            from fairlab.widgets import BiasSourcesExplorer

            def make():
                return BiasSourcesExplorer(n=1000, random_state=0)
        """,
    ),
    "resampling": ExplorerCase(
        cls="ResamplingExplorer",
        control="strategy",
        browser=True,
        build="""
            from fairlab.recipes import compare_resampling, lesson_split
            from fairlab.widgets import ResamplingExplorer

            results = compare_resampling(lesson_split("german"), n_boot=20)

            def make():
                return ResamplingExplorer(results)
        """,
    ),
    "audit": ExplorerCase(
        cls="AuditExplorer",
        control="group_by",
        browser=True,
        build="""
            from fairlab.datasets import load_compas, load_german
            from fairlab.widgets import AuditExplorer

            data = {"COMPAS": load_compas(), "German credit": load_german()}

            def make():
                return AuditExplorer(data, max_rows=1500)
        """,
    ),
    "adversarial": ExplorerCase(
        cls="AdversarialExplorer",
        control="alpha",
        browser=True,
        build="""
            import numpy as np
            from fairlab.adversarial import adversary_sweep
            from fairlab.widgets import AdversarialExplorer

            rng = np.random.default_rng(0)
            n = 1600
            s = rng.choice(["a", "b"], n, p=[0.6, 0.4])
            X = rng.normal(size=(n, 3)) + (s == "a")[:, None] * [0.6, 0.0, 0.3]
            y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.7, n) > 0.4).astype(int)
            half = n // 2
            sweep = adversary_sweep(X[:half], y[:half], s[:half], [0.0, 0.5, 1.0, 2.0, 4.0],
                                    X_test=X[half:], y_test=y[half:],
                                    sensitive_features_test=s[half:], epochs=4,
                                    random_state=0, progress=False)

            def make():
                return AdversarialExplorer(sweep)
        """,
    ),
    "monitor": ExplorerCase(
        cls="MonitorExplorer",
        control="day",
        browser=True,
        build="""
            from fairlab.monitoring import FairnessMonitor, simulate_complaints, simulate_stream
            from fairlab.widgets import MonitorExplorer

            stream = simulate_stream(120, 200, proxy_appears_at=60, random_state=0)
            monitor = FairnessMonitor(n_boot=50).fit_stream(stream)
            complaints = simulate_complaints(stream, rate=0.05, random_state=0)
            monitor.log_feedback(complaints.day, complaints.group, complaints.kind,
                                 complaints.text)

            def make():
                return MonitorExplorer(monitor)
        """,
    ),
    "feedback": ExplorerCase(
        cls="FeedbackExplorer",
        control="rater_bias",
        browser=True,
        build="""
            from fairlab.feedback import feedback_grid, make_candidates
            from fairlab.widgets import FeedbackExplorer

            # nine bias stops: three key steps either way from 1.0 stay on the grid
            grid = feedback_grid(make_candidates(60), biases=[0.0, 0.25, 0.5, 0.75, 1.0, 1.25,
                                                              1.5, 1.75, 2.0],
                                 n_comparisons=[200, 800])

            def make():
                return FeedbackExplorer(grid, rater_bias=1.0, n_comparisons=800)
        """,
    ),
    "goodhart": ExplorerCase(
        cls="GoodhartExplorer",
        control="step",
        browser=True,
        build="""
            from fairlab.feedback import PolicyGradientAgent, make_feed
            from fairlab.widgets import GoodhartExplorer

            feed = make_feed(400, random_state=3)
            agents = {"clicks": PolicyGradientAgent(n_steps=60, random_state=1).fit(feed),
                      "satisfaction": PolicyGradientAgent("true", n_steps=60,
                                                          random_state=1).fit(feed)}

            def make():
                return GoodhartExplorer(feed, agents)
        """,
    ),
    "embedding": ExplorerCase(
        cls="EmbeddingExplorer",
        control="space",
        browser=True,
        build="""
            from fairlab.widgets import EmbeddingExplorer

            def make():
                return EmbeddingExplorer(words=["nurse", "carpenter", "surgeon", "librarian"])
        """,
    ),
    "intervention": ExplorerCase(
        cls="InterventionExplorer",
        control="max_loss",
        browser=True,
        build="""
            from fairlab.compare import compare_interventions
            from fairlab.widgets import InterventionExplorer

            kw = dict(n_splits=3, cache=False, progress=False,
                      interventions=["none", "reweighing", "thresholds"])
            comparisons = {
                ("german", "sex"): compare_interventions("german", sensitive_columns="sex", **kw),
                ("biased_world", "group"): compare_interventions(
                    "biased_world", sensitive_columns="group", **kw),
            }

            def make():
                return InterventionExplorer(comparisons, gap="dp_gap", max_loss=0.05)
        """,
    ),
    "shortcut_14": ExplorerCase(
        cls="ShortcutExplorer",
        control="strength",
        browser=True,
        build="""
            import numpy as np
            from fairlab.causal import shortcut_sweep
            from fairlab.widgets import ShortcutExplorer

            sweep = shortcut_sweep(np.round(np.linspace(0, 0.95, 20), 2), n=1000)

            def make():
                return ShortcutExplorer(sweep, strength=0.5)
        """,
    ),
    "robustness": ExplorerCase(
        cls="RobustnessExplorer",
        control="attack",
        browser=True,
        build="""
            import math

            import numpy as np
            from fairlab.robustness import load_styled_digits, train_mlp
            from fairlab.widgets import RobustnessExplorer

            d = load_styled_digits(minority_share=0.1)
            keep = np.r_[0:150, 629:779]  # 150 test digits in each style
            X, y, s = d.X_test[keep], d.y_test[keep], d.s_test[keep]
            # small stand-ins for DP models (the lesson uses private_sweep): cheap to build
            models = {eps: train_mlp(d.X_train, d.y_train, epochs=k, random_state=k)
                      for eps, k in ((1.0, 1), (4.0, 2), (math.inf, 4))}

            def make():
                return RobustnessExplorer(models, X, y, sensitive_features=s)
        """,
    ),
    "lm": ExplorerCase(
        cls="LanguageModelExplorer",
        control="lam",
        browser=True,
        build="""
            from fairlab.lm import fit_grid, make_corpus
            from fairlab.widgets import LanguageModelExplorer

            corpus = make_corpus(n_sentences=400, random_state=0)
            fixed = corpus.occupations[::2]
            grid = fit_grid(corpus, lams=[0, 0.3, 3, 30], shares=[0, 1], fixed=fixed,
                            epochs=2, hidden_size=16)

            def make():
                return LanguageModelExplorer(corpus, grid, fixed=fixed)
        """,
    ),
    "alignment": ExplorerCase(
        cls="AlignmentExplorer",
        control="beta",
        browser=True,
        build="""
            import torch
            from fairlab import alignment as al
            from fairlab.widgets import AlignmentExplorer

            words = ["he", "she", "today", "really", "certainly", "."]
            pol = al.Policy(lambda ids: torch.nn.functional.one_hot(ids, 6).double(),
                            torch.zeros(6, 6), torch.zeros(6), words)
            sweep = al.align_sweep(pol, ["he", "she"], al.Raters(length_bias=0.4),
                                   betas=[0.01, 0.03, 0.1, 0.3, 1.0, 3.0], seeds=[0, 1],
                                   n_comparisons=200, n_held_out=50, n_steps=20, eval_every=5,
                                   max_new_tokens=5, batch_size=16, learning_rate=0.3)

            def make():
                return AlignmentExplorer(sweep, beta=0.01, step=20)
        """,
    ),
}

SETUP = '''
%matplotlib widget
import json
import ipywidgets as W

SLIDERS = (W.FloatSlider, W.IntSlider)  # numeric; a SelectionSlider steps through options


def _moved(c, k):
    """The value control ``c`` takes after ``k`` arrow-key steps (clamped at its ends)."""
    if isinstance(c, SLIDERS):
        v = min(c.max, max(c.min, c.value + k * c.step))
        return round(v, 10) if isinstance(c, W.FloatSlider) else int(round(v))
    i = min(len(c.options) - 1, max(0, c.index + k))
    return c._options_values[i]


def _direction(c, k_max):
    if isinstance(c, SLIDERS):
        lo, hi, span = c.value - c.min, c.max - c.value, k_max * c.step
    else:
        lo, hi, span = c.index, len(c.options) - 1 - c.index, k_max
    return 1 if hi >= span - 1e-9 or hi >= lo else -1


def fairlab_expected(ks):
    """JSON: current values, and what ``reference`` shows k steps further on."""
    c = explorer.controls[CONTROL]
    values = explorer.values()
    direction = _direction(c, max(ks))
    rows = []
    for k in ks:
        v = dict(values)
        v[CONTROL] = _moved(c, direction * k)
        try:
            reference.set_values(**v)
        except Exception as exc:  # a setting the explorer's choices rule out (e.g. A × A)
            rows.append({"k": k, "value": v[CONTROL], "error": repr(exc)})
            continue
        rows.append({"k": k, "value": v[CONTROL], "readout": reference.readout.value,
                     "table": reference.table.value})
    reference.set_values(**values)
    kind = "slider" if isinstance(c, (*SLIDERS, W.SelectionSlider)) else "select"
    info = {"control": CONTROL, "kind": kind, "direction": direction, "values": values,
            "n_updates": explorer.n_updates, "error": repr(explorer.error), "rows": rows}
    return "<<<" + json.dumps(info, default=str) + ">>>"
'''

#: Cell indices of an explorer notebook.
CELL = {"setup": 0, "build": 1, "show": 2, "probe1": 3, "probe30": 4, "probe_bench": 5}
BENCH_STEPS = 50


def write_explorer_notebook(path: Path, case: ExplorerCase, *, bench: bool = False,
                            python: bool = False) -> Path:
    """Write the explorer's notebook (with the benchmark's probe cell when ``bench``; showing
    the panel drawn by Python, ``explorer.python_widget()``, when ``python``)."""
    build = textwrap.dedent(case.build).strip()
    sources = [
        SETUP.strip(),
        f"{build}\n\nexplorer = make()\nreference = make()\nCONTROL = {case.control!r}",
        "explorer.python_widget()" if python else "explorer",
        "print(fairlab_expected([0, 1]))",
        "print(fairlab_expected([0, 30]))",
    ]
    if bench:
        sources.append(f"print(fairlab_expected(list(range({BENCH_STEPS} + 1))))")
    return write_notebook(path, sources)


def probe(page: Any, cell: str, *, timeout: float = 60_000) -> dict:
    """Run a probe cell in the browser and parse what it printed."""
    text = run_cell(page, CELL[cell], timeout=timeout)
    start, end = text.find("<<<"), text.rfind(">>>")
    if start < 0 or end < 0:
        raise AssertionError(f"probe cell {cell!r} printed no result:\n{text[-3000:]}")
    return json.loads(text[start + 3:end])


# ----------------------------------------------------------------------- driving the panel
def panel(page: Any) -> Any:
    return page.locator(".fairlab-explorer").first


def control_target(page: Any, control: str, kind: str) -> Any:
    """What takes the keyboard: the slider's handle, or the dropdown's <select>."""
    inner = ".noUi-handle" if kind == "slider" else "select"
    return panel(page).locator(f".fairlab-control-{control} {inner}").first


def step_key(kind: str, direction: int) -> str:
    if kind == "slider":
        return "ArrowRight" if direction > 0 else "ArrowLeft"
    return "ArrowDown" if direction > 0 else "ArrowUp"


def press(page: Any, target: Any, keys: list[str]) -> None:
    """Focus ``target`` and press ``keys`` as fast as the browser takes them."""
    target.focus()
    for key in keys:
        page.keyboard.press(key)


def keyboard_step(page: Any, target: Any, kind: str, direction: int) -> None:
    """One step with the keyboard, the way a learner does it.

    A slider handle takes the arrow keys once focused. A focused, closed <select> does not:
    JupyterLab's command-mode shortcuts take ArrowUp/ArrowDown and move the cell cursor, so
    the dropdown is opened with a click, moved with an arrow key and closed with Enter.
    """
    if kind == "slider":
        press(page, target, [step_key(kind, direction)])
    else:
        target.click()
        page.keyboard.press(step_key(kind, direction))
        page.keyboard.press("Enter")


BURST_SELECT_JS = """(select, indexes) => {
    for (const i of indexes) {
        select.selectedIndex = i;
        select.dispatchEvent(new Event('change', {bubbles: true}));
    }
    window.__fairlabLastKey = performance.now();
}"""


def burst_select(target: Any, indexes: list[int]) -> None:
    """Change a <select> to each of ``indexes`` in one go (a dropdown has no key burst)."""
    target.evaluate(BURST_SELECT_JS, indexes)


def drag(page: Any, control: str, direction: int, fraction: float = 0.25) -> None:
    """Drag the slider handle ``fraction`` of the track's width, with the mouse."""
    slider = panel(page).locator(f".fairlab-control-{control} .noUi-target").first
    handle = panel(page).locator(f".fairlab-control-{control} .noUi-handle").first
    handle.scroll_into_view_if_needed()
    track, box = slider.bounding_box(), handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + direction * fraction * track["width"], y, steps=8)
    page.mouse.up()


SHOWN_JS = """(panel, [readout, table]) => {
    const norm = s => s.replace(/\\s+/g, ' ').trim();
    const text = h => { const d = document.createElement('div'); d.innerHTML = h;
                        return norm(d.textContent); };
    const r = panel.querySelector('.fairlab-readout');
    const t = panel.querySelector('.fairlab-table');
    return {readout: r ? norm(r.textContent) : null, table: t ? norm(t.textContent) : null,
            want_readout: text(readout), want_table: text(table)};
}"""

WAIT_SHOWN_JS = """([panel, readout, table, status]) => {
    const norm = s => s.replace(/\\s+/g, ' ').trim();
    const text = h => { const d = document.createElement('div'); d.innerHTML = h;
                        return norm(d.textContent); };
    if (panel.__want === undefined || panel.__wantKey !== readout + table) {
        panel.__want = [text(readout), text(table)]; panel.__wantKey = readout + table;
    }
    const r = panel.querySelector('.fairlab-readout');
    const t = panel.querySelector('.fairlab-table');
    if (!r || !t) return false;
    if (norm(r.textContent) !== panel.__want[0] || norm(t.textContent) !== panel.__want[1])
        return false;
    if (status) {
        const s = document.querySelector(status);
        if (!s || s.getAttribute('data-status') !== 'idle') return false;
    }
    return {since_key: performance.now() - window.__fairlabLastKey};
}"""


def shown(page: Any, row: dict) -> dict:
    """The readout and table texts shown, and those ``row`` (reference HTML) would show."""
    return panel(page).evaluate(SHOWN_JS, [row["readout"], row["table"]])


def wait_shown(page: Any, row: dict, *, idle: bool = False, timeout: float = 15_000) -> float:
    """Wait until the panel shows ``row``'s readout and table (and the kernel is idle when
    ``idle``); return the milliseconds since the last key press, measured in the page."""
    from tests.browser.jupyter_harness import KERNEL_STATUS

    handle = panel(page).element_handle()
    result = page.wait_for_function(
        WAIT_SHOWN_JS, arg=[handle, row["readout"], row["table"], KERNEL_STATUS if idle else ""],
        timeout=timeout, polling="raf")
    return float(result.json_value()["since_key"])


def canvas_url(page: Any) -> str:
    return panel(page).locator(".jupyter-matplotlib-canvas-div canvas").first.evaluate(
        "c => c.toDataURL()")


def last_draw_since_key(page: Any) -> float | None:
    """Milliseconds from the last key press to the last image drawn on the panel's canvas."""
    return panel(page).locator(".jupyter-matplotlib-canvas-div canvas").first.evaluate(
        "c => c.__fairlabLastDraw === undefined ? null"
        " : c.__fairlabLastDraw - window.__fairlabLastKey")
