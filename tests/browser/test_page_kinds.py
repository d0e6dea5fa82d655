"""The pages that compute in the browser (kinds "monitor" and "embedding"), driven in
Chromium through many control values, random and at the edges.

No Jupyter here: the page is the package's one ES module rendered into a blank page with
a stand-in widget model, so each setting costs a few milliseconds. For every setting the
test moves the page's own controls (input and change events, as a learner's keys and
clicks make them) and compares what the page shows — readout, table cells, plotted
points — with Python's ``compute`` and ``render`` for the same values.
"""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest

from fairlab.widgets.browser import BrowserView

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>{css}</style></head>
<body><div id="root"></div><script type="module">
{bundle}
const fairlabState = {{ spec: {spec}, values: {values}, kind: {kind} }};
const fairlabModel = {{ get: (k) => fairlabState[k], set: (k, v) => {{ fairlabState[k] = v; }},
  save_changes: () => {{}}, on: () => {{}}, model_id: "t" }};
render({{ model: fairlabModel, el: document.getElementById("root") }});
window.fairlabState = fairlabState;
window.fairlabReady = true;
</script></body></html>"""

READ = """() => {
  const txt = (s) => document.querySelector(s).textContent.replace(/\\s+/g, " ").trim();
  const pts = (id) => [...document.querySelectorAll(`.layer-${id} circle`)]
    .map((c) => [+c.dataset.x, +c.dataset.y]);
  return { readout: txt(".fairlab-readout"), table: txt(".fairlab-table"), pts,
           values: window.fairlabState.values };
}"""


def _text(markup):
    """What a browser shows of some HTML: tags dropped, entities read, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def _open(browser_context, view):
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_content(PAGE.format(css=BrowserView._css, bundle=BrowserView._esm,
                                 spec=json.dumps(view.spec), values=json.dumps(view.values),
                                 kind=json.dumps(view.kind)))
    page.wait_for_function("() => window.fairlabReady === true", timeout=15_000)
    return page, errors


@pytest.fixture(scope="module")
def monitor():
    from fairlab.monitoring import FairnessMonitor, simulate_complaints, simulate_stream
    from fairlab.widgets import MonitorExplorer

    stream = simulate_stream(120, 200, proxy_appears_at=60, random_state=0)
    mon = FairnessMonitor("equal_opportunity_difference", n_boot=50, complaint_limit=3,
                          complaint_ratio=1.5).fit_stream(stream)
    c = simulate_complaints(stream, rate=0.05, random_state=0)
    mon.log_feedback(c.day, c.group, c.kind, c.text)
    return MonitorExplorer(mon, windows=(1, 3, 7, 14, 28),
                           metrics=["equal_opportunity_difference",
                                    "demographic_parity_difference"])


def test_monitor_page_matches_compute_through_many_settings(browser_context, monitor):
    ex = monitor
    page, errors = _open(browser_context, ex.browser_view())
    windows = list(ex.controls["window"].options)
    metrics = [m for _, m in ex.controls["metric"].options]
    rng = np.random.default_rng(7)
    settings = [(d, w, k, m) for d in (0, 119) for w in (0, len(windows) - 1)
                for k in (0, 50) for m in (0, 1)]
    settings += [(int(rng.integers(0, 120)), int(rng.integers(0, len(windows))),
                  int(rng.integers(0, 51)), int(rng.integers(0, 2))) for _ in range(60)]
    move = """([day, w, k, m]) => {
      const q = (c) => document.querySelector(`.fairlab-control-${c}`);
      const set = (el, v, ev) => {
        el.value = String(v); el.dispatchEvent(new Event(ev, {bubbles: true}));
      };
      set(q("day"), day, "input"); set(q("window"), w, "input");
      set(q("limit"), k, "input"); q("limit").dispatchEvent(new Event("change", {bubbles: true}));
      set(q("metric"), m, "change");
    }"""
    try:
        for day, w, k, m in settings:
            page.evaluate(move, [day, w, k, m])
            got = page.evaluate(READ)
            got["dots"] = page.evaluate("() => [0, 1].map((j) => [...document.querySelectorAll("
                                        "`.layer-dot${j} circle`)].map((c) => +c.dataset.y))")
            got["gapdot"] = page.evaluate("() => +document.querySelector('.layer-gapdot circle')"
                                          ".dataset.y")
            got["raised"] = page.evaluate("() => JSON.parse(document.querySelector("
                                          "'.layer-raised').dataset.days)")
            v = {"day": day, "window": windows[w], "limit": round(k * 0.01, 10),
                 "metric": metrics[m]}
            assert got["values"] == v  # what a release sends back to Python
            state = ex.set_values(**v)  # render(compute(v)): the Python panel
            assert got["readout"] == state.readout
            assert got["table"] == _text(ex.table.value)
            i = state.report.at(day)
            np.testing.assert_allclose(np.ravel(got["dots"]), state.report.rates[i])
            np.testing.assert_allclose(got["gapdot"], state.report.gap[i])
            assert got["raised"] == state.report.raised.tolist()
    finally:
        page.close()
    assert errors == []


def test_embedding_page_matches_compute_through_many_selections(browser_context):
    from fairlab.widgets import EmbeddingExplorer

    ex = EmbeddingExplorer(words=["nurse", "carpenter"])
    page, errors = _open(browser_context, ex.browser_view())
    options = list(ex.controls["words"].options)
    rng = np.random.default_rng(3)
    picks = [[], options[:1], options[:16], options[:17], options]
    picks += [list(rng.choice(options, int(rng.integers(1, 22)), replace=False))
              for _ in range(40)]
    move = """([words, space]) => {
      const sel = document.querySelector(".fairlab-control-words");
      for (const o of sel.options) o.selected = words.includes(o.value);
      sel.dispatchEvent(new Event("change", {bubbles: true}));
      const sp = document.querySelector(".fairlab-control-space");
      sp.value = space; sp.dispatchEvent(new Event("change", {bubbles: true}));
    }"""
    try:
        for words in picks:
            for space in ("debiased", "original"):
                page.evaluate(move, [[str(w) for w in words], space])
                got = page.evaluate(READ)
                bars = page.evaluate("() => [...document.querySelectorAll('.layer-bars rect')]"
                                     ".map((r) => +r.dataset.v)")
                marks = page.evaluate("() => [...document.querySelectorAll('.layer-marks "
                                      "circle')].map((c) => +c.dataset.x)")
                in_order = [w for w in options if w in set(words)]  # a list's order
                assert got["values"] == {"words": in_order, "space": space}
                state = ex.set_values(words=tuple(in_order), space=space)
                assert got["readout"] == state.readout
                assert got["table"] == _text(ex.table.value)
                np.testing.assert_array_equal(bars, state.shown)
                np.testing.assert_array_equal(marks, state.frame["original"].to_numpy())
    finally:
        page.close()
    assert errors == []
