"""Execute lesson notebooks in place, in order, deterministically.

Usage: python scripts/run_notebooks.py [notebooks/ | FILE.ipynb ...]

Each notebook runs top to bottom in a fresh ``python3`` kernel whose working
directory is the notebook's folder, with PYTHONHASHSEED=0. Outputs are kept,
widget state is not saved, progress bars are dropped from the saved outputs (without
widget state a tqdm widget would show its first frame, "0%| | 0/18", for ever), and the
kernelspec is set to ``python3`` so that a learner never has to pick a kernel.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

PROGRESS_BAR = re.compile(r"\d+%\|")


def is_progress_bar(output: dict) -> bool:
    """A tqdm bar: a stderr stream, or a widget whose text form is the bar's frame."""
    if output.get("output_type") == "stream":
        return output.get("name") == "stderr" and bool(PROGRESS_BAR.search(output.get("text", "")))
    data = output.get("data", {})
    return ("application/vnd.jupyter.widget-view+json" in data
            and bool(PROGRESS_BAR.search(data.get("text/plain", ""))))


KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    start = time.perf_counter()
    client = NotebookClient(nb, kernel_name="python3", timeout=900, store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata.setdefault("language_info", {})["name"] = "python"
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not is_progress_bar(o)]
    nbformat.write(nb, path)
    print(f"{path}: {time.perf_counter() - start:.1f} s")


def main(args: list[str]) -> int:
    os.environ["PYTHONHASHSEED"] = "0"
    targets = [Path(a) for a in (args or ["notebooks"])]
    paths: list[Path] = []
    for t in targets:
        paths += sorted(t.glob("*.ipynb")) if t.is_dir() else [t]
    for p in paths:
        run(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
