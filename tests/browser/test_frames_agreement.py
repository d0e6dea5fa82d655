"""Frames explorers ported in issue 17 (language model, alignment): the page, driven through
many control settings (every corner of the grid and random points), shows what Python's
``compute``/``render`` give for the same values — readout, table text and plotted points.

The exported page of each browser case is used (no kernel, nothing from the network); the
expected values come from a fresh explorer built in a subprocess exactly as the case builds
it, moved with ``set_values`` (so ``render`` writes them, as the learner's Python view would).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from tests.browser.explorer_cases import CASES, write_explorer_notebook
from tests.browser.jupyter_harness import ROOT

# per case: which layer holds plotted points, and how to read them from the Python figure
POINTS = {
    "lm": "[[list(map(float, xy)) for xy in ex._points[n].get_offsets()] for n in ex.groups]",
    "alignment": "[[[float(x), float(y)] for x, y in zip(ex.true.get_xdata(), "
                 "ex.true.get_ydata())]]",
}

EXPECTED = """
import itertools, json
import numpy as np

ex = make()
spec = ex.browser_view().spec
ctl = spec["controls"]
sizes = [len(c["values"]) for c in ctl]
corners = list(itertools.product(*[[0, n - 1] for n in sizes]))
rng = np.random.default_rng(3)
picks = corners + [tuple(int(rng.integers(n)) for n in sizes) for _ in range(10)]
rows = []
for idx in picks:
    values = {c["name"]: c["values"][i] for c, i in zip(ctl, idx)}
    ex.set_values(**values)
    rows.append({"index": list(idx), "readout": ex.readout.value, "table": ex.table.value,
                 "points": POINTS})
print(json.dumps(rows))
"""

SET_JS = """([root, idx]) => {
    root.querySelectorAll(':is(input, select)[class*=fairlab-control-]').forEach((el, j) => {
        el.value = String(idx[j]);
        el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
    });
    const norm = (s) => s.replace(/\\s+/g, ' ').trim();
    const layers = [...root.querySelectorAll('g.layer')].filter((g) => g.querySelector('circle'));
    return {
        readout: norm(root.querySelector('.fairlab-readout').textContent),
        table: norm(root.querySelector('.fairlab-table').textContent),
        points: layers.map((g) => [...g.querySelectorAll('circle')]
            .map((c) => [+c.dataset.x, +c.dataset.y])),
        lines: [...root.querySelectorAll('g.layer-true polyline')]
            .map((p) => p.getAttribute('points')),
    };
}"""

TEXT_JS = """(h) => { const d = document.createElement('div'); d.innerHTML = h;
                      return d.textContent.replace(/\\s+/g, ' ').trim(); }"""


def _expected(name: str) -> list[dict]:
    code = textwrap.dedent(CASES[name].build) + EXPECTED.replace("POINTS", POINTS[name])
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin",
                                         "PYTHONPATH": str(ROOT)}, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", ["lm", "alignment"])
def test_page_shows_compute_for_many_settings(name, tmp_path, browser_context):
    expected = _expected(name)
    nb = write_explorer_notebook(tmp_path / f"view-{name}.ipynb", CASES[name])
    subprocess.run([sys.executable, str(ROOT / "scripts" / "export_html.py"), "--out",
                    str(tmp_path / "html"), str(nb)], check=True, capture_output=True,
                   timeout=300)
    page = browser_context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("file:", "data:", "blob:")) else r.abort())
    try:
        page.goto((tmp_path / "html" / f"{nb.stem}.html").as_uri())
        root = page.locator(".fairlab-view").first
        root.wait_for(state="visible", timeout=15_000)
        handle = root.element_handle()
        for row in expected:
            got = page.evaluate(SET_JS, [handle, row["index"]])
            assert got["readout"] == page.evaluate(TEXT_JS, row["readout"]), row["index"]
            assert got["table"] == page.evaluate(TEXT_JS, row["table"]), row["index"]
            if name == "lm":  # every occupation's point, per group
                assert len(got["points"]) == len(row["points"])
                for shown, want in zip(got["points"], row["points"], strict=True):
                    np.testing.assert_allclose(np.reshape(shown, (-1, 2)),
                                               np.reshape(want, (-1, 2)), atol=1e-12)
            else:  # the true-score curve: one vertex per measured step, where Python drew it
                assert len(got["lines"]) == 1
                assert len(got["lines"][0].split()) == len(row["points"][0])
    finally:
        page.close()
    assert errors == []
