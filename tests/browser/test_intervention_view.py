"""The intervention explorer's page (kind "intervention") against ``compute``, in Chromium.

The exported page of the browser case (no kernel, nothing from the network) is driven
through many settings — every dataset and its groups (the groups drop-down follows the
dataset), every gap, budgets at both ends and at random stops of the slider (budgets off
the stops, and on a setting's exact accuracy, are checked in Node by
tests/widgets/test_intervention_explorer.py) — and must show what Python's
``compute``/``render`` give: the readout, the recommendation and every table cell with
its interval, the plotted dots (where and whether faded), the Pareto rings and the star.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.browser.explorer_cases import CASES, write_explorer_notebook
from tests.browser.jupyter_harness import ROOT

CASE = CASES["intervention"]

EXPECTED = """
import json
import numpy as np
from fairlab.metrics import PENALTY_GAPS

ex = make()
rng = np.random.default_rng(7)
stops = [round(0.005 * i, 10) for i in range(21)]
rows = []
for (d, s), summary in ex.summaries.items():
    for g in PENALTY_GAPS:
        picks = sorted({0.0, 0.1, *rng.choice(stops, 4).tolist()})
        for loss in picks:
            st = ex.set_values(dataset=d, group_by=s, gap=g, max_loss=float(loss))
            p = st.points
            rows.append({"values": {"dataset": d, "group_by": s, "gap": g,
                                    "max_loss": float(loss)},
                         "readout": st.readout, "table": ex.table.value,
                         "dots": [[float(x), float(y), bool(e)] for x, y, e in
                                  zip(p[g], p["accuracy"], p["eligible"])],
                         "rings": int(p["pareto"].sum()),
                         "star": None if st.best is None else
                                 [float(p.loc[st.best, g]), float(p.loc[st.best, "accuracy"])]})
print(json.dumps(rows))
"""

# Move the page's own controls as a learner's input events do: the drop-downs' change
# events (the groups list is rebuilt when the dataset changes), the slider's input event
# at the nearest stop; a budget off the stops is set from Python (the page computes it).
SET_JS = """([root, v]) => {
    const fire = (el, type) => el.dispatchEvent(new Event(type, {bubbles: true}));
    const pick = (name, value) => {
        const el = root.querySelector(`select.fairlab-control-${name}`);
        if (el.value !== value) { el.value = value; fire(el, 'change'); }
    };
    pick('dataset', v.dataset); pick('group_by', v.group_by); pick('gap', v.gap);
    const slider = root.querySelector('input.fairlab-control-max_loss');
    slider.value = String(Math.round(v.max_loss / 0.005));
    fire(slider, 'input');
    const norm = (s) => s.replace(/\\s+/g, ' ').trim();
    return {
        readout: root.querySelector('.fairlab-readout').textContent,
        table: norm(root.querySelector('.fairlab-table').textContent),
        dots: [...root.querySelectorAll('circle.dot')].map((c) =>
            [+c.dataset.x, +c.dataset.y, c.dataset.eligible === 'true']),
        rings: root.querySelectorAll('circle.ring').length,
        star: [...root.querySelectorAll('polygon.star')].map((p) => [+p.dataset.x, +p.dataset.y]),
        options: [...root.querySelectorAll('select.fairlab-control-group_by option')]
            .map((o) => o.value),
    };
}"""

TEXT_JS = """(h) => { const d = document.createElement('div'); d.innerHTML = h;
                      return d.textContent.replace(/\\s+/g, ' ').trim(); }"""


def _expected() -> list[dict]:
    code = textwrap.dedent(CASE.build) + EXPECTED
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin",
                                         "PYTHONPATH": str(ROOT)}, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_page_shows_compute_for_many_settings(tmp_path, browser_context):
    expected = _expected()
    assert len(expected) > 30
    nb = write_explorer_notebook(tmp_path / "view-intervention.ipynb", CASE)
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
        root = page.locator(".fairlab-view.fairlab-intervention").first
        root.wait_for(state="visible", timeout=15_000)
        handle = root.element_handle()
        options = {"german": ["sex"], "biased_world": ["group"]}
        for row in expected:
            v = row["values"]
            got = page.evaluate(SET_JS, [handle, v])
            assert got["readout"] == row["readout"], v
            assert got["table"] == page.evaluate(TEXT_JS, row["table"]), v
            assert got["options"] == options[v["dataset"]]
            assert len(got["dots"]) == len(row["dots"])
            for (x, y, e), (wx, wy, we) in zip(got["dots"], row["dots"], strict=True):
                assert abs(x - wx) < 1e-12 and abs(y - wy) < 1e-12 and e == we, v
            assert got["rings"] == row["rings"], v
            assert got["star"] == ([] if row["star"] is None else [row["star"]]), v
    finally:
        page.close()
    assert errors == []
