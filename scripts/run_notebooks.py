"""Execute lesson notebooks in place, in order, deterministically.

Usage: python scripts/run_notebooks.py [notebooks/ | FILE.ipynb ...]

Each notebook runs top to bottom in a fresh ``python3`` kernel whose working
directory is the notebook's folder, with PYTHONHASHSEED=0. Outputs are kept,
progress bars are dropped from the saved outputs (without widget state a tqdm widget
would show its first frame, "0%| | 0/18", for ever), and the kernelspec is set to
``python3`` so that a learner never has to pick a kernel.

Widget state is saved only as the explorers need it: the models of each displayed
explorer that is drawn in the browser (an anywidget view with its spec), so that the
course website and exported pages draw them live from the committed notebook without
executing it. Every other widget's state (Python-drawn controls, progress bars) is
dropped; those outputs keep their static picture.
"""

from __future__ import annotations

import json
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
VIEW = "application/vnd.jupyter.widget-view+json"
STATE = "application/vnd.jupyter.widget-state+json"


def _closure(model_id: str, state: dict) -> set[str]:
    """The model and every model its state refers to (``IPY_MODEL_<id>`` strings)."""
    seen, todo = set(), [model_id]
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in state:
            continue
        seen.add(mid)
        text = json.dumps(state[mid].get("state", {}))
        todo += re.findall(r"IPY_MODEL_([0-9a-f]+)", text)
    return seen


def browser_view_state(nb: nbformat.NotebookNode) -> dict | None:
    """The saved widget state trimmed to what the browser-drawn explorers need: for each
    displayed widget whose models include an anywidget view, all of its models."""
    saved = nb.metadata.get("widgets", {}).get(STATE, {})
    state = saved.get("state", {})
    keep: set[str] = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            view = out.get("data", {}).get(VIEW)
            if not view:
                continue
            models = _closure(view["model_id"], state)
            if any(state[m].get("model_name") == "AnyModel" for m in models):
                keep |= models
    if not keep:
        return None
    return {**saved, "state": {k: v for k, v in state.items() if k in keep}}


def run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    start = time.perf_counter()
    client = NotebookClient(nb, kernel_name="python3", timeout=900, store_widget_state=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    views = browser_view_state(nb)
    nb.metadata.pop("widgets", None)
    if views:
        nb.metadata["widgets"] = {STATE: views}
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
