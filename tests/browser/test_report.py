"""The HTML audit report in headless chromium: self-contained, figures drawn, accessible.

Every request that is not the report file itself is blocked and recorded, so a report that
tried to fetch a font, a script or an image would fail here. axe-core (vendored,
``tests/browser/vendor``) must find no serious or critical violation. A screenshot goes to
``tests/browser/artifacts/report.png``; a PDF print to ``artifacts/report.pdf``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from fairlab.datasets import load_compas
from fairlab.report import audit

VENDOR = Path(__file__).parent / "vendor"
AXE = VENDOR / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    f = load_compas().frame
    report = audit(f["two_year_recid"], (f["decile_score"] >= 5).astype(int),
                   y_score=f["decile_score"] / 10, sensitive_features=f[["race", "sex"]],
                   model_name="COMPAS decile ≥ 5", n_boot=200, random_state=0)
    path = tmp_path_factory.mktemp("report") / "report.html"
    report.to_html(path)
    return path, report


def test_vendored_axe_is_the_recorded_file():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


def test_report_page_is_self_contained_with_figures_and_accessible(browser_context,
                                                                   report_file):
    path, report = report_file
    page = browser_context.new_page()
    blocked, failed = [], []
    url = path.as_uri()

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda req: failed.append(req.url))
    try:
        page.goto(url, wait_until="load")
        assert blocked == [] and failed == []
        # figures: one selection-rate and one impact-ratio chart per attribute and the
        # intersection, each with dots drawn and an accessible name
        figures = page.locator("svg[role=img]")
        assert figures.count() == 6
        for i in range(figures.count()):
            svg = figures.nth(i)
            assert svg.locator("circle").count() >= 2
            box = svg.bounding_box()
            assert box["width"] > 300 and box["height"] > 60
            assert svg.locator("title").text_content().startswith(("Selection rate", "Impact"))
        # the tables carry the report's numbers
        text = page.locator("main").inner_text()
        first = report.by_group.iloc[0]
        assert (f"{first['selection_rate']:.3f}\n[{first['selection_rate_low']:.3f}, "
                f"{first['selection_rate_high']:.3f}]") in text
        assert page.locator("table").count() == 4
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        bad = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
        assert bad == [], bad
        assert blocked == [] and failed == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        page.emulate_media(media="print")
        page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4")
        assert (ARTIFACTS / "report.pdf").stat().st_size > 10_000
    finally:
        page.close()
