"""Export lessons to self-contained HTML pages whose explorers still move (no kernel).

Usage: python scripts/export_html.py [--out _html] [notebooks/NN-title.ipynb ...]

Each lesson is executed (in a fresh kernel, in its own folder, widget state kept),
converted by nbconvert, and then made self-contained:

* every ``<script src="http...">`` is removed (require.js, the ipywidgets HTML manager
  and MathJax would come from a CDN); fairlab's own small widget manager
  (``fairlab/widgets/js/manager.js``) is inlined instead, and draws the browser views
  from the saved widget state with their own ES modules;
* math is left as TeX source in the page (no MathJax without a network);
* an explorer that is still drawn by Python keeps its static picture.

A page is written to a temporary file and renamed into place, so a failed export
leaves no half-written page.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parents[1]
MANAGER = ROOT / "fairlab" / "widgets" / "js" / "manager.js"
VIEW = "application/vnd.jupyter.widget-view+json"


def execute(path: Path, timeout: int = 900) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)
    client.execute()
    return nb


def mark_static_fallbacks(nb: nbformat.NotebookNode) -> None:
    """A widget view saved with a picture: nbconvert shows the view only, so the picture
    follows as a hidden output, shown if the view cannot be drawn without a kernel."""
    for cell in nb.cells:
        outputs = []
        for out in cell.get("outputs", []):
            outputs.append(out)
            data = out.get("data", {})
            if VIEW in data and "image/png" in data:
                img = (f'<img class="fairlab-static" hidden alt="static picture of the '
                       f'explorer" src="data:image/png;base64,{data.pop("image/png")}">')
                outputs.append(nbformat.v4.new_output("display_data", {"text/html": img}))
        if "outputs" in cell:
            cell.outputs = outputs


def to_html(nb: nbformat.NotebookNode) -> str:
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    body = re.sub(r"<script>\s*\(function\(\) \{\s*function addWidgetsRenderer.*?</script>", "",
                  body, flags=re.S)  # it would load the ipywidgets HTML manager from a CDN
    body = re.sub(r'<script[^>]*\bsrc="https?://[^"]*"[^>]*>\s*</script>', "", body)
    body = re.sub(r'<link[^>]*\bhref="https?://[^"]*"[^>]*>', "", body)
    body = re.sub(r"<script[^>]*>\s*MathJax\.Hub\.Config.*?</script>", "", body, flags=re.S)
    manager = MANAGER.read_text(encoding="utf-8")
    return body.replace("</body>", f'<script type="module">\n{manager}\n</script>\n</body>')


def export(path: Path, out_dir: Path) -> Path:
    nb = execute(path)
    mark_static_fallbacks(nb)
    html = to_html(nb)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{path.stem}.html"
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(html)
    os.replace(tmp, target)
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "_html")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"no such notebook: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    for p in paths:
        print(f"{p.name} → {export(p.resolve(), args.out)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
