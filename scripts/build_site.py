"""Build the course website into ``_site/``: every lesson, the instructor guide, offline.

Usage: python scripts/build_site.py [--out _site] [--repo URL] [--no-cache]

Built on our own exporter (``scripts/export_html.py``: nbconvert's lab template, CDN
scripts stripped, fairlab's small widget manager inlined), so nothing is downloaded at
build time and the browser-drawn explorers run in the page with no kernel.

* Every lesson is rendered from its committed, executed notebook. A lesson whose
  explorers are drawn in the browser (an explorer class that overrides
  ``Explorer.browser_view``) carries their widget state (``scripts/run_notebooks.py``
  saves it); the views' ES module and stylesheet are refreshed from the package, so the
  page runs today's code on the committed data. Only a lesson committed without that state
  is executed here (with its widget state saved; the executed copy is cached in
  ``.cache/site/`` under the sha256 of the notebook and of the package's code).
  Python-drawn explorers show their static picture.
* Math is typeset in the page by KaTeX, copied from ``.site-node/`` (``make site``
  installs it with npm) into ``_site/assets/katex``: no CDN.
* Navigation (sidebar, previous/next, a contents page with each lesson's time and
  objectives, read by ``scripts/make_nav.py``'s ``lesson_info``), a search box over a
  small JSON index, and launch buttons (Binder, Colab, a JupyterHub via nbgitpuller)
  whose repository comes from ``site/site.toml`` or ``SITE_REPO``.
* Every figure gets a one-line ``alt`` text: a cell's ``alt`` metadata when it has one,
  otherwise the section heading and the plotting calls of the cell.

The site is built in a temporary folder and renamed into place: a failed build leaves
the previous ``_site/`` as it was.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli, which pytest (the test extra) requires there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from export_html import execute, mark_static_fallbacks, to_html  # noqa: E402
from make_nav import INDEX, LESSONS, NAV, lesson_info  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
SITE_SRC = ROOT / "site"
SETTINGS = SITE_SRC / "site.toml"
CACHE = ROOT / ".cache" / "site"
NODE = ROOT / ".site-node" / "node_modules"
GUIDE = ROOT / "docs" / "instructor-guide.md"
COLAB_ID = "colab-setup"
VIEW = "application/vnd.jupyter.widget-view+json"
GITHUB = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


# ---------------------------------------------------------------------------- settings
def load_settings(path: Path = SETTINGS, repo: str | None = None) -> dict:
    """The site's settings; ``repo`` (e.g. from ``SITE_REPO``) overrides the file's."""
    with open(path, "rb") as fh:
        settings = tomllib.load(fh)
    if repo:
        settings["repo"] = repo
    for key in ("repo", "branch", "hub", "title"):
        if not isinstance(settings.get(key), str) or not settings[key]:
            raise ValueError(f"{path}: set `{key}` to a non-empty string.")
    match = GITHUB.match(settings["repo"])
    if not match:
        raise ValueError(f"repo {settings['repo']!r} is not a GitHub address; set `repo` in "
                         f"{path.name} (or SITE_REPO) to https://github.com/<owner>/<name>.")
    settings["owner"], settings["name"] = match.groups()
    settings["repo"] = f"https://github.com/{settings['owner']}/{settings['name']}"
    settings["placeholder"] = "PLACEHOLDER" in settings["repo"]
    return settings


def launch_links(settings: dict, notebook: str) -> dict[str, str]:
    """Binder, Colab and JupyterHub (nbgitpuller) links that open ``notebooks/<notebook>``."""
    owner, name, branch = settings["owner"], settings["name"], settings["branch"]
    path = f"notebooks/{notebook}"
    binder = (f"https://mybinder.org/v2/gh/{owner}/{name}/{quote(branch, safe='')}"
              f"?urlpath={quote('lab/tree/' + path, safe='')}")
    colab = f"https://colab.research.google.com/github/{owner}/{name}/blob/{branch}/{path}"
    query = urlencode({"repo": settings["repo"], "branch": branch,
                       "urlpath": f"lab/tree/{name}/{path}"})
    hub = f"{settings['hub'].rstrip('/')}/hub/user-redirect/git-pull?{query}"
    return {"binder": binder, "colab": colab, "hub": hub}


# ---------------------------------------------------------------------------- navigation
def page_name(notebook: str) -> str:
    return Path(notebook).stem + ".html"


def lessons(folder: Path = NOTEBOOKS) -> list[dict]:
    """Every lesson in order: title, time, objectives (``make_nav.lesson_info``), page."""
    infos = [lesson_info(p) for p in sorted(folder.glob("[0-9][0-9]-*.ipynb"))]
    for info in infos:
        info["page"] = page_name(info["path"].name)
    return infos


def neighbours(infos: list[dict], k: int) -> tuple[dict | None, dict | None]:
    return (infos[k - 1] if k > 0 else None, infos[k + 1] if k + 1 < len(infos) else None)


def toc_rows(infos: list[dict]) -> list[dict]:
    """The contents table: one row per lesson after lesson 00, as in lesson 00's table."""
    return [{"title": i["title"], "page": i["page"], "time": i["time"], "goals": i["goals"]}
            for i in infos if i["path"].name != INDEX]


def toc_html(infos: list[dict]) -> str:
    rows = "\n".join(
        f'<tr><td><a href="{r["page"]}">{html.escape(r["title"])}</a></td>'
        f'<td>{html.escape(r["time"])}</td><td>{html.escape(r["goals"])}</td></tr>'
        for r in toc_rows(infos))
    return ('<table class="site-toc"><caption>The lessons, their times and what you will be '
            'able to do</caption>\n<thead><tr><th scope="col">Lesson</th><th scope="col">Time'
            '</th><th scope="col">You will be able to</th></tr></thead>\n'
            f"<tbody>\n{rows}\n</tbody></table>")


# ---------------------------------------------------------------------------- notebooks
def live_explorers(nb: nbformat.NotebookNode) -> list[str]:
    """Explorer classes the notebook builds whose module draws them in the browser (it
    defines ``browser_view``). Read from the source: importing would load torch."""
    from fairlab.widgets import _WHERE

    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    folder = ROOT / "fairlab" / "widgets"
    return [name for name, module in _WHERE.items()
            if re.search(rf"\b{name}\(", code)
            and "def browser_view(" in (folder / f"{module}.py").read_text(encoding="utf-8")]


def cache_key(path: Path) -> str:
    """sha256 of the notebook and of the package's code and scripts (a change re-executes)."""
    h = hashlib.sha256(path.read_bytes())
    for f in sorted((ROOT / "fairlab").rglob("*")):
        if f.suffix in {".py", ".js", ".css"}:
            h.update(f.relative_to(ROOT).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def executed_with_state(path: Path, use_cache: bool = True) -> nbformat.NotebookNode:
    target = CACHE / f"{path.stem}-{cache_key(path)[:16]}.ipynb"
    if use_cache and target.is_file():
        return nbformat.read(target, as_version=4)
    nb = execute(path)
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.glob(f"{path.stem}-*.ipynb"):
        old.unlink()
    fd, tmp = tempfile.mkstemp(dir=CACHE, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        nbformat.write(nb, fh)
    os.replace(tmp, target)
    return nb


def saved_views(nb: nbformat.NotebookNode) -> dict:
    """The browser views' models saved in the notebook (``model_id`` → state), with their
    ES module and stylesheet replaced by the package's current ones."""
    from fairlab.widgets.browser import BrowserView

    state = nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state", {})
    views = {k: m for k, m in state.items() if m.get("model_name") == "AnyModel"}
    for m in views.values():
        m["state"]["_esm"], m["state"]["_css"] = BrowserView._esm, BrowserView._css
    return views


def with_live_state(info: dict, use_cache: bool) -> nbformat.NotebookNode:
    """The lesson as the site shows it: committed with its views' state, else executed."""
    nb = nbformat.from_dict(json.loads(json.dumps(info["nb"])))
    if saved_views(nb):
        return nb
    return executed_with_state(info["path"], use_cache)


def rewrite_links(text: str, settings: dict) -> str:
    """Lesson links become site pages; links to other files of the repository go to GitHub."""
    def fix(m: re.Match) -> str:
        url = m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#", url):
            return m.group(0)
        target, _, anchor = url.partition("#")
        anchor = f"#{anchor}" if anchor else ""
        lesson = re.match(r"^(?:\.\./notebooks/|\.\./|\./)?(\d\d-[\w.-]+)\.ipynb$", target)
        if lesson:
            return f"{m.group(1)}{lesson.group(1)}.html{anchor}{m.group(3)}"
        if target.endswith("instructor-guide.md"):
            return f"{m.group(1)}instructor-guide.html{anchor}{m.group(3)}"
        clean = re.sub(r"^(\.\./)+|^\./", "", target)
        blob = f"{settings['repo']}/blob/{settings['branch']}/{clean}"
        return f"{m.group(1)}{blob}{anchor}{m.group(3)}"

    text = re.sub(r"(\]\()([^)\s]+)(\))", fix, text)
    return re.sub(r'(href=")([^"]+)(")', fix, text)


def _calls(source: str) -> list[str]:
    return [n.removeprefix("plot_").replace("_", " ")
            for n in dict.fromkeys(re.findall(r"\b(plot_\w+|hist|scatter|imshow|bar)\(", source))]


def figure_alt(cell: nbformat.NotebookNode, heading: str) -> str:
    """One line describing a figure: the cell's ``alt`` metadata, else its titles and plots."""
    given = cell.get("metadata", {}).get("alt")
    if given:
        return " ".join(str(given).split())
    titles = re.findall(r"(?:set_title|suptitle|title)\(\s*[fr]?[\"']([^\"']+)[\"']", cell.source)
    what = "; ".join(titles) or ", ".join(_calls(cell.source)) or "a chart"
    return f"Figure ({heading}): {what}." if heading else f"Figure: {what}."


def prepare(nb: nbformat.NotebookNode, settings: dict) -> nbformat.NotebookNode:
    """What the site shows: no Colab cell, no nav cells (the site has its own), site links,
    figures with alt text, explorers' static pictures kept as fallbacks."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    has_state = bool(nb.metadata.get("widgets", {}).get(
        "application/vnd.jupyter.widget-state+json", {}).get("state"))
    cells, heading, shift = [], "", 0
    for cell in nb.cells:
        if cell.get("id") == COLAB_ID or COLAB_ID in cell.metadata.get("tags", []):
            shift = 1 if cell.get("execution_count") == 1 else 0
            continue
        if cell.cell_type == "markdown":
            if cell.source.startswith(NAV):
                continue
            if cell.source.startswith(LESSONS):
                cell.source = cell.source[len(LESSONS):].lstrip()
            cell.source = rewrite_links(cell.source, settings)
            found = re.findall(r"^#{1,3}\s+(.+)$", cell.source, re.M)
            heading = found[-1].strip() if found else heading
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if not has_state and "image/png" in data:  # no saved state: the picture
                    data.pop(VIEW, None)
                if "image/png" in data and VIEW not in data:
                    alt = html.escape(figure_alt(cell, heading), quote=True)
                    png = data.pop("image/png")
                    data.pop("text/plain", None)
                    data["text/html"] = (f'<img class="site-figure" alt="{alt}" '
                                         f'src="data:image/png;base64,{png}">')
        cells.append(cell)
    if shift:  # the Colab cell ran first: number the shown cells from 1 without it
        for cell in cells:
            if cell.cell_type == "code" and cell.get("execution_count"):
                cell.execution_count -= shift
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "execute_result":
                        out["execution_count"] = cell.execution_count
    nb.cells = cells
    mark_static_fallbacks(nb)
    return nb


# ---------------------------------------------------------------------------- search
class _Sections(HTMLParser):
    """Splits a page into sections at its h1–h3 headings (text only, scripts skipped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[dict] = []
        self._skip = 0
        self._heading: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._skip += 1
        elif tag in {"h1", "h2", "h3"}:
            self._heading = {"id": dict(attrs).get("id", ""), "title": "", "text": ""}

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)
        elif tag in {"h1", "h2", "h3"} and self._heading is not None:
            self._heading["title"] = self._heading["title"].replace("¶", "").strip()
            self.sections.append(self._heading)
            self._heading = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._heading is not None:
            self._heading["title"] += data
        elif self.sections:
            self.sections[-1]["text"] += data


def search_entries(page_html: str, url: str, page_title: str, limit: int = 600) -> list[dict]:
    """One entry per section of a page: its title, link and the start of its text."""
    parser = _Sections()
    parser.feed(page_html)
    entries = []
    for s in parser.sections:
        text = " ".join(s["text"].split())
        entries.append({"page": page_title, "title": s["title"],
                        "url": f"{url}#{s['id']}" if s["id"] else url, "text": text[:limit]})
    return entries


# ---------------------------------------------------------------------------- pages
HEAD = """<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/katex/katex.min.css">
<link rel="stylesheet" href="assets/site.css">
<script defer src="assets/katex/katex.min.js"></script>
<script defer src="assets/katex/contrib/auto-render.min.js"></script>
<script defer src="assets/site.js"></script>
"""


def sidebar(infos: list[dict], current: str) -> str:
    items = []
    for i in infos:
        here = ' aria-current="page"' if i["page"] == current else ""
        items.append(f'<li><a href="{i["page"]}"{here}>{html.escape(i["title"])}</a></li>')
    guide = ' aria-current="page"' if current == "instructor-guide.html" else ""
    return ('<nav class="site-sidebar" aria-label="Lessons"><ol>' + "".join(items) + "</ol>"
            f'<p><a href="index.html">Contents</a> · <a href="instructor-guide.html"{guide}>'
            "Instructor guide</a></p></nav>")


def header(settings: dict, launch: dict[str, str] | None) -> str:
    buttons = ""
    if launch:
        note = (' <span class="site-warning">(repository address not set: see '
                'site/site.toml)</span>' if settings["placeholder"] else "")
        buttons = (
            '<nav class="site-launch" aria-label="Run this lesson">Run this lesson: '
            f'<a class="site-button" href="{html.escape(launch["binder"])}">Binder</a> '
            f'<a class="site-button" href="{html.escape(launch["colab"])}">Colab</a> '
            f'<a class="site-button" href="{html.escape(launch["hub"])}" title="nbgitpuller '
            'link for your JupyterHub (set hub in site/site.toml)">JupyterHub</a>'
            f"{note}</nav>")
    return ('<a class="site-skip" href="#site-content">Skip to the lesson</a>'
            '<header class="site-header"><a class="site-title" href="index.html">'
            f'{html.escape(settings["title"])}</a>'
            '<div class="site-search" role="search"><label for="site-q">Search the course'
            '</label> <input id="site-q" type="search" autocomplete="off">'
            '<ul id="site-results" aria-live="polite"></ul></div>'
            f"{buttons}</header>")


def footer(prev: dict | None, nxt: dict | None) -> str:
    parts = []
    if prev:
        parts.append(f'<a rel="prev" href="{prev["page"]}">← {html.escape(prev["title"])}</a>')
    parts.append('<a href="index.html">Contents</a>')
    if nxt:
        parts.append(f'<a rel="next" href="{nxt["page"]}">{html.escape(nxt["title"])} →</a>')
    return f'<nav class="site-pager" aria-label="Previous and next">{" · ".join(parts)}</nav>'


def frame(body_html: str, *, title: str, settings: dict, infos: list[dict], page: str,
          launch: dict | None, prev: dict | None, nxt: dict | None) -> str:
    """A page of the site around a body (a full nbconvert document or a fragment)."""
    if "<main>" not in body_html:
        body_html = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<title></title></head><body><main>" + body_html + "</main></body></html>")
    title_tag = f"<title>{html.escape(title)} · fairlab</title>"
    body_html = re.sub(r"<title>.*?</title>", lambda _: title_tag, body_html, count=1, flags=re.S)
    body_html = body_html.replace("</head>", HEAD + "</head>", 1)
    top = header(settings, launch) + '<div class="site-layout">' + sidebar(infos, page)
    body_html = body_html.replace("<main>", top + '<main id="site-content" tabindex="-1">', 1)
    return body_html.replace("</main>", footer(prev, nxt) + "</main></div>", 1)


def guide_html(settings: dict) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = rewrite_links(GUIDE.read_text(encoding="utf-8"), settings)
    return f'<div class="site-prose">{markdown2html_mistune(text)}</div>'


def index_html(settings: dict, infos: list[dict]) -> str:
    return (f'<div class="site-prose"><h1 id="contents">{html.escape(settings["title"])}</h1>'
            "<p>Short, hands-on lessons: read a little, run a cell, move a threshold and watch "
            "what a model does to different groups. Every page shows the lesson with its code "
            "and outputs; the explorers drawn in the browser move here too, with no server. "
            "Use the buttons on a lesson to run it yourself on Binder, Colab or a JupyterHub."
            f'</p><p>Start with <a href="{infos[0]["page"]}">{html.escape(infos[0]["title"])}'
            '</a>; instructors, read the <a href="instructor-guide.html">instructor guide</a>.'
            f"</p>{toc_html(infos)}</div>")


def copy_assets(out: Path) -> None:
    assets = out / "assets"
    katex = NODE / "katex" / "dist"
    if not (katex / "katex.min.js").is_file():
        raise FileNotFoundError(f"KaTeX is missing at {katex}: run `make site` (it installs "
                                "KaTeX with npm into .site-node/).")
    (assets / "katex" / "contrib").mkdir(parents=True)
    for name in ("katex.min.js", "katex.min.css", "LICENSE"):
        src = katex / name if (katex / name).exists() else NODE / "katex" / name
        shutil.copy2(src, assets / "katex" / name)
    shutil.copy2(katex / "contrib" / "auto-render.min.js", assets / "katex" / "contrib")
    fonts = assets / "katex" / "fonts"
    fonts.mkdir()
    for f in (katex / "fonts").glob("*.woff2"):  # every browser we test reads woff2
        shutil.copy2(f, fonts / f.name)
    for name in ("site.css", "site.js"):
        shutil.copy2(SITE_SRC / name, assets / name)


def build(out: Path, settings: dict, *, use_cache: bool = True, log=print) -> dict:
    """Write the whole site to ``out`` (atomically); return what was built and how long it took."""
    started = time.perf_counter()
    infos = lessons()
    out = out.resolve()
    tmp = Path(tempfile.mkdtemp(prefix=".site-", dir=out.parent))
    try:
        copy_assets(tmp)
        search, live = [], {i["page"]: live_explorers(i["nb"]) for i in infos}
        live = {page: names for page, names in live.items() if names}
        # lessons with live explorers but no saved state run side by side (two cores)
        with ThreadPoolExecutor(max_workers=2) as pool:
            executed = dict(zip(live, pool.map(
                lambda i: with_live_state(i, use_cache),
                [i for i in infos if i["page"] in live]), strict=True))
        for k, info in enumerate(infos):
            t0 = time.perf_counter()
            nb = executed.get(info["page"], info["nb"])
            names = live.get(info["page"], [])
            body = to_html(prepare(nb, settings))
            prev, nxt = neighbours(infos, k)
            page = frame(body, title=info["title"], settings=settings, infos=infos,
                         page=info["page"], launch=launch_links(settings, info["path"].name),
                         prev=prev, nxt=nxt)
            (tmp / info["page"]).write_text(page, encoding="utf-8")
            search += search_entries(body, info["page"], info["title"])
            log(f"{info['page']}: {time.perf_counter() - t0:.1f} s"
                + (f" (live: {', '.join(names)})" if names else ""))
        guide = guide_html(settings)
        (tmp / "instructor-guide.html").write_text(
            frame(guide, title="Instructor guide", settings=settings, infos=infos,
                  page="instructor-guide.html", launch=None, prev=None, nxt=None),
            encoding="utf-8")
        search += search_entries(guide, "instructor-guide.html", "Instructor guide")
        (tmp / "index.html").write_text(
            frame(index_html(settings, infos), title="Contents", settings=settings, infos=infos,
                  page="index.html", launch=None, prev=None, nxt=infos[0]), encoding="utf-8")
        (tmp / "search.json").write_text(json.dumps(search, ensure_ascii=False), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"pages": len(infos) + 2, "live": live, "bytes": size,
            "seconds": time.perf_counter() - started}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_site")
    parser.add_argument("--repo", default=os.environ.get("SITE_REPO") or None,
                        help="GitHub address of the repository (default: site/site.toml)")
    parser.add_argument("--no-cache", action="store_true",
                        help="re-execute the lessons with live explorers")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(repo=args.repo)
    except (ValueError, OSError) as exc:
        print(f"build_site: {exc}", file=sys.stderr)
        return 2
    info = build(args.out, settings, use_cache=not args.no_cache)
    print(f"{info['pages']} pages, {info['bytes'] / 1e6:.1f} MB in {args.out} "
          f"({info['seconds']:.0f} s)")
    if settings["placeholder"]:
        print("note: launch buttons use a placeholder repository; set repo in site/site.toml "
              "or SITE_REPO", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
