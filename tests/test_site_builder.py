"""The course site's builder, its pure parts: settings, launch links, navigation, contents,
links, alt texts, search index; and the Colab cell script (idempotent, counts in order)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bs = _load("build_site")
colab = _load("add_colab_cell")
SETTINGS = {"repo": "https://github.com/ada/fairlab", "branch": "main", "owner": "ada",
            "name": "fairlab", "hub": "https://hub.uni.edu/", "title": "t", "placeholder": False}


def _toml(tmp_path, **kw):
    values = {"repo": "https://github.com/ada/fairlab", "branch": "main",
              "hub": "https://hub.uni.edu", "title": "fairlab"} | kw
    path = tmp_path / "site.toml"
    path.write_text("\n".join(f'{k} = "{v}"' for k, v in values.items()))
    return path


def test_settings_read_and_override(tmp_path):
    s = bs.load_settings(_toml(tmp_path))
    assert (s["owner"], s["name"], s["placeholder"]) == ("ada", "fairlab", False)
    s = bs.load_settings(_toml(tmp_path), repo="https://github.com/bob/course.git")
    assert (s["owner"], s["name"], s["repo"]) == ("bob", "course", "https://github.com/bob/course")
    assert bs.load_settings()["placeholder"] is True  # the committed file is marked


def test_settings_errors_name_the_fix(tmp_path):
    with pytest.raises(ValueError, match="https://github.com/<owner>/<name>"):
        bs.load_settings(_toml(tmp_path, repo="https://gitlab.com/ada/fairlab"))
    with pytest.raises(ValueError, match="set `hub` to a non-empty string"):
        bs.load_settings(_toml(tmp_path, hub=""))


def test_launch_links():
    links = bs.launch_links(SETTINGS, "06-decision-thresholds.ipynb")
    assert links["binder"] == ("https://mybinder.org/v2/gh/ada/fairlab/main?urlpath="
                               "lab%2Ftree%2Fnotebooks%2F06-decision-thresholds.ipynb")
    assert links["colab"] == ("https://colab.research.google.com/github/ada/fairlab/blob/main/"
                              "notebooks/06-decision-thresholds.ipynb")
    hub = urlparse(links["hub"])
    assert (hub.scheme, hub.netloc, hub.path) == ("https", "hub.uni.edu",
                                                   "/hub/user-redirect/git-pull")
    assert parse_qs(hub.query) == {"repo": ["https://github.com/ada/fairlab"], "branch": ["main"],
                                   "urlpath": ["lab/tree/fairlab/notebooks/"
                                               "06-decision-thresholds.ipynb"]}


def test_navigation_and_contents_match_lesson_00_table():
    infos = bs.lessons()
    assert [i["page"] for i in infos] == [p.stem + ".html" for p in
                                          sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))]
    assert bs.neighbours(infos, 0) == (None, infos[1])
    assert bs.neighbours(infos, len(infos) - 1) == (infos[-2], None)
    # lesson 00's committed table (written by make_nav.py) has the same rows
    start = nbformat.read(ROOT / "notebooks" / "00-start-here.ipynb", as_version=4)
    table = next(c.source for c in start.cells if c.source.startswith("<!-- lessons -->"))
    rows = re.findall(r"^\| \[(.+?)\]\((\S+)\.ipynb\) \| (.*?) \| (.*?) \|$", table, re.M)
    got = [(r["title"], r["page"], r["time"], r["goals"]) for r in bs.toc_rows(infos)]
    assert got == [(t, f"{p}.html", time, goals) for t, p, time, goals in rows]
    assert len(got) == len(infos) - 1
    page = bs.toc_html(infos)
    assert page.count("<tr><td>") == len(got) and "06-decision-thresholds.html" in page


def test_rewrite_links():
    md = ("[next](07-adversarial-debiasing.ipynb) [a](../notebooks/02-auditing-a-dataset.ipynb#x) "
          "[data](../data/README.md) [web](https://fairmlbook.org) [here](#top) "
          "[guide](docs/instructor-guide.md)")
    out = bs.rewrite_links(md, SETTINGS)
    assert "(07-adversarial-debiasing.html)" in out
    assert "(02-auditing-a-dataset.html#x)" in out
    assert "(https://github.com/ada/fairlab/blob/main/data/README.md)" in out
    assert "(https://fairmlbook.org)" in out and "(#top)" in out
    assert "(instructor-guide.html)" in out
    assert bs.rewrite_links('<a href="01-x.ipynb">', SETTINGS) == '<a href="01-x.html">'


def test_figure_alt():
    cell = nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nplot_roc_hulls(odds, ax=ax)")
    assert bs.figure_alt(cell, "4. Equalized odds") == "Figure (4. Equalized odds): roc hulls."
    cell = nbformat.v4.new_code_cell('ax.hist(x)\nax.set_title("Scores by group")')
    assert bs.figure_alt(cell, "") == "Figure: Scores by group."
    cell.metadata["alt"] = "Two  ROC curves\nand their hull"
    assert bs.figure_alt(cell, "x") == "Two ROC curves and their hull"


def test_prepare_drops_colab_and_nav_and_gives_alt():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<!-- nav -->\n[Contents](00-start-here.ipynb)"),
        nbformat.v4.new_code_cell(colab.colab_source("https://github.com/ada/fairlab"),
                                  id=colab.CELL_ID),
        nbformat.v4.new_markdown_cell("## Scores\nsee [next](01-x.ipynb)"),
        nbformat.v4.new_code_cell("plot_scores(s)", outputs=[nbformat.v4.new_output(
            "display_data", {"image/png": "iVBOR", "text/plain": "<Figure>"})]),
    ])
    out = bs.prepare(nb, SETTINGS)
    assert [c.cell_type for c in out.cells] == ["markdown", "code"]
    assert "(01-x.html)" in out.cells[0].source
    html = out.cells[1].outputs[0]["data"]["text/html"]
    assert html == ('<img class="site-figure" alt="Figure (Scores): scores." '
                    'src="data:image/png;base64,iVBOR">')
    assert len(nb.cells) == 4  # the input is untouched


def test_prepare_numbers_the_shown_cells_from_1():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<!-- nav -->\n[Contents](00-start-here.ipynb)"),
        nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("x")])
    nb.cells[2].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1"})]
    for k, cell in enumerate(nb.cells[1:], 1):
        cell.execution_count = k
    colab.add_cell(nb, "https://github.com/ada/fairlab")
    out = bs.prepare(nb, SETTINGS)
    assert [c.execution_count for c in out.cells] == [1, 2]
    assert out.cells[1].outputs[0]["execution_count"] == 2


def test_search_entries():
    page = ('<html><head><style>h1{}</style></head><body><h1 id="A-title">A title'
            '<a class="anchor-link" href="#A-title">¶</a></h1><p>first  words</p>'
            '<script>var no = 1;</script><h2 id="B">Bee</h2><p>second</p><p>more</p></body></html>')
    assert bs.search_entries(page, "p.html", "Page") == [
        {"page": "Page", "title": "A title", "url": "p.html#A-title", "text": "first words"},
        {"page": "Page", "title": "Bee", "url": "p.html#B", "text": "secondmore"},
    ]
    assert bs.search_entries("<p>no headings</p>", "p.html", "P") == []


def test_live_explorers_are_the_browser_drawn_ones(tmp_path, monkeypatch):
    # a package whose threshold explorer is drawn in the browser and whose audit one is not
    # (stand-ins, so the test does not change as explorers move to the page)
    widgets = tmp_path / "fairlab" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "threshold_explorer.py").write_text("def browser_view(self): ...\n")
    (widgets / "audit_explorer.py").write_text("def render(self): ...\n")
    (widgets / "metric_explorer.py").write_text("def browser_view(self): ...\n")
    monkeypatch.setattr(bs, "ROOT", tmp_path)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "a = ThresholdExplorer(y, s, sensitive_features=g)\nb = AuditExplorer(df)\n"
        "# MetricExplorer is only named here, not built")])
    assert bs.live_explorers(nb) == ["ThresholdExplorer"]


LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name[:2])
def test_committed_lessons_carry_their_live_views(path):
    """The site draws browser explorers from the committed notebook without running it:
    each lesson with one carries its views' saved state (scripts/run_notebooks.py), each
    view sends <= 1 MB and the notebook stays <= 2 MB."""
    nb = nbformat.read(path, as_version=4)
    live = bs.live_explorers(nb)
    views = bs.saved_views(nb)
    if not live:
        assert views == {}, "saved browser views in a lesson without a live explorer"
        return
    assert len(views) >= len(live), (
        f"{path.name} builds {live} but saves {len(views)} browser view(s): re-execute it "
        "with scripts/run_notebooks.py")
    for m in views.values():
        size = len(m["state"]["spec_json"].encode())
        assert size <= 1_000_000, f"{path.name}: a view's spec is {size / 1e6:.2f} MB"
    assert path.stat().st_size <= 2_000_000, f"{path.name} is over 2 MB"


def test_saved_views_run_todays_module():
    from fairlab.widgets.browser import BrowserView

    state = {"m1": {"model_name": "AnyModel", "state": {"_esm": "old", "_css": "old",
                                                       "spec_json": "{}"}},
             "m2": {"model_name": "LayoutModel", "state": {}}}
    nb = nbformat.v4.new_notebook(metadata={"widgets": {
        "application/vnd.jupyter.widget-state+json": {"state": state}}})
    views = bs.saved_views(nb)
    assert list(views) == ["m1"]
    assert views["m1"]["state"]["_esm"] == BrowserView._esm
    assert views["m1"]["state"]["_css"] == BrowserView._css


def _lesson():
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("<!-- nav -->\n[Contents](00-start-here.ipynb)", id="nav1"),
        nbformat.v4.new_code_cell("x = 1", id="c1", execution_count=1),
        nbformat.v4.new_code_cell("x", id="c2", execution_count=2, outputs=[
            nbformat.v4.new_output("execute_result", {"text/plain": "1"}, execution_count=2)]),
    ])


def test_colab_cell_added_once_with_counts_in_order():
    nb = _lesson()
    assert colab.add_cell(nb, "https://github.com/ada/fairlab") is True
    assert [c.get("id") for c in nb.cells] == ["nav1", colab.CELL_ID, "c1", "c2"]
    assert [c.get("execution_count") for c in nb.cells[1:]] == [1, 2, 3]
    assert nb.cells[3].outputs[0]["execution_count"] == 3
    assert nb.cells[1].metadata["jupyter"] == {"source_hidden": True}
    assert colab.CELL_ID in nb.cells[1].metadata["tags"]
    before = nbformat.writes(nb)
    assert colab.add_cell(nb, "https://github.com/ada/fairlab") is False
    assert nbformat.writes(nb) == before
    nbformat.validate(nb)


def test_colab_cell_does_nothing_outside_colab(capsys):
    exec(compile(colab.colab_source("https://github.com/ada/fairlab"), "cell", "exec"), {})
    assert capsys.readouterr() == ("", "")


def test_colab_cell_needs_the_nav_cell():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    with pytest.raises(ValueError, match="run scripts/make_nav.py first"):
        colab.add_cell(nb, "https://github.com/ada/fairlab")


def test_binder_environment_installs_the_package_with_cpu_torch():
    """Binder builds ``environment.yml`` then runs ``postBuild`` (not tested here: no
    network). The environment installs fairlab itself and PyTorch's CPU-only build."""
    import os

    import yaml

    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    torch = next(i for i, line in enumerate(pip) if line.startswith("torch"))
    index = [i for i, line in enumerate(pip) if "download.pytorch.org/whl/cpu" in line]
    assert index and index[0] < torch, "torch must come from PyTorch's CPU index"
    post = ROOT / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK)
