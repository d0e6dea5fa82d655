"""The Voilà pages in app/ (``make app``): shape checks that need no browser.

tests/browser/test_app.py serves them with Voilà and drives them in chromium; these checks
keep the pages honest in the unit suite: one explorer per page, no saved outputs, an index
that links every page and only existing pages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
PAGES = sorted(p for p in APP.glob("*.ipynb") if p.name != "index.ipynb")


def test_there_are_pages_and_an_index():
    assert (APP / "index.ipynb").exists()
    assert len(PAGES) >= 4


def test_index_links_every_page_and_only_pages():
    nb = nbformat.read(APP / "index.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    links = set(re.findall(r"\]\(([\w.-]+\.ipynb)\)", text))
    assert links == {p.name for p in PAGES}
    assert all(c.cell_type == "markdown" for c in nb.cells), "the index is text only"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_page_shape(path):
    import fairlab.widgets

    nb = nbformat.read(path, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs saved"
    assert code[0].source.strip() == "%matplotlib widget"
    body = ast.parse(code[-1].source)
    last = body.body[-1]
    # The page ends by showing one explorer: the last expression constructs it.
    assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
    name = last.value.func.id
    assert name.endswith("Explorer") and name in fairlab.widgets.__all__
    imported = {a.name for node in body.body if isinstance(node, ast.ImportFrom)
                and node.module == "fairlab.widgets" for a in node.names}
    assert name in imported
    assert "apply_style()" in code[-1].source
    assert "index.ipynb" in nb.cells[-1].source, "each page links back to the index"
