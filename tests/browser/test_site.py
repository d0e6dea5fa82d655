"""The course website (``make site``) served on 127.0.0.1 with every other request blocked.

For every page: it loads with no console error and no failed or outside request; each
internal link points at a page of the site (and at an element of it, for a ``#fragment``);
every image has alt text; axe-core finds no serious or critical violation; the explorers
drawn in the browser move: in every lesson that shows an explorer, each explorer's first
control (slider or drop-down list) changes its readout.

The site is built first (``scripts/build_site.py``) when ``_site/index.html`` is missing;
the build needs KaTeX and axe-core in ``.site-node/`` (``make site`` installs them).
"""

from __future__ import annotations

import functools
import html
import re
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_site"
AXE = ROOT / ".site-node" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = (["index.html", "instructor-guide.html"]
         + [p.stem + ".html" for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))])
ARTIFACTS = Path(__file__).parent / "artifacts"


def _has_tex(path: Path) -> bool:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    md = re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", md, flags=re.S))
    return re.search(r"\$\$?\\?[A-Za-z=][^$\n]*\$", md) is not None


MATH_PAGES = {p.stem + ".html" for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")
              if _has_tex(p)}


def _shows_explorer(path: Path) -> bool:
    """The lesson builds an explorer (``SomethingExplorer(...)`` in a code cell)."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    return any(re.search(r"\b[A-Z]\w*Explorer\(", c.source)
               for c in nb.cells if c.cell_type == "code")


EXPLORER_PAGES = [p.stem + ".html" for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
                  if _shows_explorer(p)]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").is_file():
        subprocess.run([sys.executable, str(ROOT / "scripts" / "build_site.py"), "--out",
                        str(SITE)], check=True, timeout=900)
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make site` (it installs it with npm).")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _ids(page: str) -> set[str]:
    text = (SITE / page).read_text(encoding="utf-8")
    return {html.unescape(i) for i in re.findall(r'\bid="([^"]*)"', text)}


def _open(context, url, origin):
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and page.problems.append(f"{r.status}: {r.url}"))

    def route(r):
        if r.request.url.startswith((origin, "data:", "blob:")):
            r.continue_()
        else:
            page.problems.append(f"outside request: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    if page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
        page.wait_for_function("() => !document.querySelector('.fairlab-embedded:empty')",
                               timeout=15_000)
    page.wait_for_timeout(300)
    return page


@pytest.mark.parametrize("name", PAGES)
def test_page(name, site, browser_context):
    page = _open(browser_context, site + name, site)
    try:
        # internal links: a page of the site, and an element of it for a #fragment
        hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
        assert hrefs, "a page without links"
        broken = []
        for href in hrefs:
            url = urlparse(urljoin(site + name, href))
            if f"{url.scheme}://{url.netloc}/" != site:
                continue
            target = unquote(url.path.lstrip("/")) or "index.html"
            if not (SITE / target).is_file():
                broken.append(href)
            elif url.fragment and url.fragment not in _ids(target) \
                    and unquote(url.fragment) not in _ids(target):
                broken.append(href)
        assert broken == [], f"{name}: links to nothing: {broken[:10]}"
        # images: every one has a description
        no_alt = page.eval_on_selector_all(
            "img", "is => is.filter(i => !(i.getAttribute('alt') || '').trim()).length")
        assert no_alt == 0, f"{name}: {no_alt} images without alt text"
        assert page.locator("img:not([hidden])").count() == page.locator(
            "img:not([hidden])[alt]").count()
        # math typeset by KaTeX (served from the site) on the lessons that have TeX
        if name in MATH_PAGES:
            assert page.locator(".katex").count() > 0, f"{name}: math left as TeX"
        assert page.locator(".katex-error").count() == 0
        # accessibility
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact,"
            " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))")
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{name}: axe-core: {bad}"
        assert page.problems == [], f"{name}: {page.problems}"
    finally:
        page.close()


def _step(control) -> None:
    """Move a slider or a drop-down list one stop with the keyboard (towards the side that
    has room)."""
    if control.evaluate("e => e.tagName") == "SELECT":
        last = control.evaluate("e => e.selectedIndex === e.options.length - 1")
        control.press("ArrowUp" if last else "ArrowDown")
    else:
        start = control.input_value()
        control.press("ArrowRight" if float(control.get_attribute("max")) > float(start)
                      else "ArrowLeft")


@pytest.mark.parametrize("name", EXPLORER_PAGES)
def test_explorer_moves_without_a_kernel(name, site, browser_context):
    """Every lesson that shows an explorer shows it live on the site: each explorer's first
    control moves its readout, with no kernel and no network."""
    page = _open(browser_context, site + name, site)
    try:
        views = page.locator(".fairlab-view")
        assert views.count() >= 1, f"{name}: no explorer drawn in the page"
        for k in range(views.count()):
            view = views.nth(k)
            readout = view.locator(".fairlab-readout").first
            control = view.locator("input[type=range], select").first
            before, start = readout.inner_text(), control.input_value()
            control.focus()
            _step(control)
            page.wait_for_function("([el, was]) => el.textContent !== was",
                                   arg=[readout.element_handle(), before], timeout=10_000)
            assert control.input_value() != start
        ARTIFACTS.mkdir(exist_ok=True)
        views.first.screenshot(path=str(ARTIFACTS / f"site-{name[:2]}-explorer.png"))
        assert page.problems == [], f"{name}: {page.problems}"
    finally:
        page.close()


def test_search_finds_a_lesson(site, browser_context):
    page = _open(browser_context, site + "index.html", site)
    try:
        page.fill("#site-q", "equalized odds")
        first = page.locator("#site-results li a").first
        first.wait_for(timeout=10_000)
        assert "Decision thresholds" in page.locator("#site-results").inner_text()
        first.click()
        page.wait_for_load_state("load")
        assert page.url.startswith(site) and page.url != site + "index.html"
        assert page.problems == [], page.problems
    finally:
        page.close()
