"""Give every lesson a Colab set-up cell (idempotent): it installs fairlab inside Colab only.

Usage: python scripts/add_colab_cell.py [--check] [--repo URL] [notebooks/NN-x.ipynb ...]

The cell (id ``colab-setup``, tag ``colab-setup``) goes right after the top navigation
cell, so it runs first. Outside Colab (``google.colab`` not importable) it does nothing
and prints nothing. Its input is collapsed in JupyterLab (``jupyter.source_hidden``) and
the course site leaves it out. Inside Colab it clones the repository (the lessons read
the data files shipped beside the package), installs it, and puts it on ``sys.path`` so
the running kernel imports it without a restart.

The notebook stays "executed in order": the new cell takes execution count 1 and every
later count moves up by one, as a fresh run would number them. Existing cells keep their
ids and outputs. Running it again changes nothing (unless the repository changed).
``--check`` changes nothing and exits 1 when a lesson lacks the current cell.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

CELL_ID = "colab-setup"
NAV = "<!-- nav -->"

TEMPLATE = """\
# Colab only: fetch and install fairlab (does nothing anywhere else).
try:
    import google.colab  # noqa: F401
except ImportError:
    pass
else:
    import subprocess
    import sys
    subprocess.run(["git", "clone", "--depth", "1", "{repo}", "/content/fairlab"], check=False)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", "/content/fairlab"],
                   check=True)
    sys.path.insert(0, "/content/fairlab")"""


def colab_source(repo: str) -> str:
    return TEMPLATE.format(repo=repo)


def add_cell(nb: nbformat.NotebookNode, repo: str) -> bool:
    """Add (or update) the Colab cell; True when the notebook changed."""
    source = colab_source(repo)
    for cell in nb.cells:
        if cell.get("id") == CELL_ID:
            if cell.source == source:
                return False
            cell.source = source
            return True
    if not nb.cells or not nb.cells[0].source.startswith(NAV):
        raise ValueError("the lesson does not start with its navigation cell (<!-- nav -->); "
                         "run scripts/make_nav.py first.")
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.execution_count is not None:
            cell.execution_count += 1
            for out in cell.get("outputs", []):
                if out.get("output_type") == "execute_result":
                    out["execution_count"] = cell.execution_count
    new = nbformat.v4.new_code_cell(source, id=CELL_ID, execution_count=1, metadata={
        "tags": [CELL_ID], "jupyter": {"source_hidden": True}, "editable": False})
    nb.cells.insert(1, new)
    return True


def main(argv: list[str]) -> int:
    from build_site import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--repo", default=None, help="default: site/site.toml's repo")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    try:
        repo = load_settings(repo=args.repo)["repo"]
    except ValueError as exc:
        print(f"add_colab_cell: {exc}", file=sys.stderr)
        return 2
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            changed = add_cell(nb, repo)
        except ValueError as exc:
            print(f"add_colab_cell: {path}: {exc}", file=sys.stderr)
            return 2
        if changed:
            stale.append(path)
            if not args.check:
                nbformat.write(nb, path)
    for p in stale:
        print(("lacks the Colab cell: " if args.check else "updated: ") + str(p))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
