"""Build the solutions version of every lesson from the lesson itself.

Usage: python scripts/make_solutions.py [--check] [notebooks/ [solutions/]]

A lesson's exercise is two cells: a code cell that starts with
``answer = None  # replace None with your answer`` (followed by the
``exercises.check_<name>(answer)`` call), then a markdown cell
``<details><summary>Show a solution</summary>`` holding the solution in a
fenced ``python`` block. In ``solutions/NN-*.ipynb`` the exercise cell holds
that solution code (tagged ``solution``) and the ``<details>`` cell is gone;
everything else is the lesson, outputs cleared. A banner under the first cell
links back to the lesson, and links to notebooks that have no solutions
version (``00-start-here.ipynb``) point into ``../notebooks/``.

The lesson is the single source: edit it, then run this script. ``--check``
writes nothing and exits 1 when ``solutions/`` is out of date (a test calls it
that way). Idempotent: running it twice changes nothing.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import nbformat

EXERCISE = re.compile(r"\Aanswer = None\b")
STUDENT = re.compile(r"answer = None  # replace None with your answer\n"
                     r"exercises\.(check_\w+)\(answer\);?\s*")
DETAILS = "<details><summary>Show a solution</summary>"
FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
LINK = re.compile(r"\]\(([\w.-]+\.ipynb)(#[^)]*)?\)")
LESSON_GLOB = "[0-9][0-9]-*.ipynb"
BANNER_ID = "solutions-banner"


class SolutionError(ValueError):
    """A lesson's exercise has no usable solution cell."""


def _banner(lesson: Path, title: str) -> str:
    return (f"> **Solutions.** This is [{title}](../notebooks/{lesson.name}) with every "
            "exercise answered: each exercise cell holds a worked solution, checked by "
            "`exercises.check_…` when you run it. It is generated from the lesson by "
            "`scripts/make_solutions.py`; edit the lesson, not this file.")


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return fallback


def solution_code(details: str, where: str) -> str:
    """The code inside the ``<details>`` cell's fenced python block."""
    blocks = FENCE.findall(details)
    if len(blocks) != 1:
        raise SolutionError(f"{where}: the solution cell must hold exactly one ```python block; "
                            f"found {len(blocks)}. Put the whole solution in one block.")
    return blocks[0].rstrip("\n")


def has_exercises(nb: nbformat.NotebookNode) -> bool:
    return any(c.cell_type == "code" and EXERCISE.match(c.source) for c in nb.cells)


def build(lesson: Path, solution_names: set[str]) -> nbformat.NotebookNode:
    """The solutions notebook of ``lesson`` (not written)."""
    src = nbformat.read(lesson, as_version=4)
    nb = copy.deepcopy(src)
    cells = []
    k = 0
    while k < len(src.cells):
        cell = copy.deepcopy(src.cells[k])
        if cell.cell_type == "code" and EXERCISE.match(cell.source):
            nxt = src.cells[k + 1] if k + 1 < len(src.cells) else None
            where = f"{lesson.name} cell {k}"
            if nxt is None or nxt.cell_type != "markdown" or not nxt.source.startswith(DETAILS):
                raise SolutionError(f"{where}: an exercise cell must be followed by a markdown "
                                    f"cell that starts with {DETAILS!r}; add the solution there.")
            student = STUDENT.fullmatch(cell.source)
            if student is None:
                raise SolutionError(f"{where}: an exercise cell holds exactly two lines, "
                                    "'answer = None  # replace None with your answer' and "
                                    "'exercises.check_<name>(answer);'; move anything else to "
                                    "the cell before it or into the solution.")
            cell.source = solution_code(nxt.source, f"{lesson.name} cell {k + 1}")
            call = f"exercises.{student.group(1)}(answer)"
            if call not in cell.source:
                raise SolutionError(f"{where}: the solution never calls {call}; end the "
                                    "solution with that line so it checks its own answer.")
            cell.metadata["tags"] = sorted({*cell.metadata.get("tags", []), "solution"})
            k += 1  # the <details> cell is dropped
        elif cell.cell_type == "markdown":
            cell.source = LINK.sub(
                lambda m: m.group(0) if m.group(1) in solution_names
                else f"](../notebooks/{m.group(1)}{m.group(2) or ''})", cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
        cells.append(cell)
        k += 1
    banner = nbformat.v4.new_markdown_cell(_banner(lesson, _title(src, lesson.stem)))
    banner.id = BANNER_ID
    nb.cells = cells[:1] + [banner] + cells[1:]
    nb.metadata.pop("widgets", None)
    return nb


def cell_sources(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What must not drift: each cell's type and source (outputs are ignored)."""
    return [(c.cell_type, c.source) for c in nb.cells]


def _up_to_date(committed: nbformat.NotebookNode, wanted: nbformat.NotebookNode) -> bool:
    """Same cell sources, and no outputs saved (the files are generated, not run)."""
    no_outputs = all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")
    return no_outputs and cell_sources(committed) == cell_sources(wanted)


def generate(lessons_dir: Path) -> dict[str, nbformat.NotebookNode]:
    """Every lesson with exercises → its solutions notebook, by file name."""
    lessons = [p for p in sorted(lessons_dir.glob(LESSON_GLOB))
               if has_exercises(nbformat.read(p, as_version=4))]
    names = {p.name for p in lessons}
    return {p.name: build(p, names) for p in lessons}


def main(args: list[str]) -> int:
    check = "--check" in args
    folders = [Path(a) for a in args if not a.startswith("--")]
    lessons_dir = folders[0] if folders else Path("notebooks")
    out = folders[1] if len(folders) > 1 else lessons_dir.parent / "solutions"
    try:
        wanted = generate(lessons_dir)
    except SolutionError as exc:
        print(f"error: {exc}")
        return 2
    stale = []
    for name, nb in wanted.items():
        path = out / name
        if path.exists() and _up_to_date(nbformat.read(path, as_version=4), nb):
            continue
        stale.append(("out of date: " if path.exists() else "missing: ") + str(path))
        if not check:
            out.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
    extra = sorted(p for p in out.glob(LESSON_GLOB) if p.name not in wanted) if out.exists() else []
    for p in extra:
        stale.append(f"no such lesson with exercises: {p}")
        if not check:
            p.unlink()
    for line in stale:
        print(line if check else line.replace("out of date", "updated")
              .replace("missing", "written").replace("no such", "removed, no such"))
    if check and stale:
        print("run: python scripts/make_solutions.py")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
