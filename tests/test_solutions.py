"""solutions/ is generated from the lessons and every solution passes its own check.

(a) Drift: regenerate into a temporary folder and compare each notebook's cells with the
committed ``solutions/`` (type and source; outputs ignored), and run ``--check``.
(b) Correctness: execute each solutions notebook top to bottom in ONE fresh kernel
(Agg backend, ``%matplotlib inline``: no widgets needed) and require every exercise cell to
print a line starting with ✓, no line starting with ✗, and return True.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "make_solutions.py"
SOLUTIONS = ROOT / "solutions"
LESSONS = ROOT / "notebooks"


def _load_script():
    spec = importlib.util.spec_from_file_location("make_solutions", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ms = _load_script()
GENERATED = sorted(ms.generate(LESSONS))


# ------------------------------------------------------------------------------ (a) drift
def test_every_lesson_with_exercises_has_solutions():
    assert GENERATED, "no lesson has an exercise cell"
    committed = sorted(p.name for p in SOLUTIONS.glob(ms.LESSON_GLOB))
    assert committed == GENERATED, "run: python scripts/make_solutions.py"


def test_regenerated_solutions_match_committed(tmp_path):
    out = tmp_path / "solutions"
    assert ms.main([str(LESSONS), str(out)]) == 0
    for name in GENERATED:
        fresh = nbformat.read(out / name, as_version=4)
        committed = nbformat.read(SOLUTIONS / name, as_version=4)
        assert ms.cell_sources(committed) == ms.cell_sources(fresh), (
            f"solutions/{name} drifted from notebooks/{name}; "
            "run: python scripts/make_solutions.py")
        assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code"), (
            f"solutions/{name} has saved outputs; regenerate it (outputs are not committed)")


def test_check_mode_passes_and_writes_nothing():
    before = {p: p.stat().st_mtime_ns for p in SOLUTIONS.glob("*.ipynb")}
    out = subprocess.run([sys.executable, str(SCRIPT), "--check", str(LESSONS), str(SOLUTIONS)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    assert before == {p: p.stat().st_mtime_ns for p in SOLUTIONS.glob("*.ipynb")}


def _lesson(tmp_path: Path, cells: list) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path = tmp_path / "notebooks" / "07-toy.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _toy_cells(solution: str = "answer = 42\nexercises.check_toy(answer)"):
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return [md("<!-- nav -->\n[Contents](00-start-here.ipynb) · [next](07-toy.ipynb)"),
            md("# 07 · Toy"),
            code("from fairlab import exercises"),
            md("### Exercise 1 — The answer"),
            code("answer = None  # replace None with your answer\nexercises.check_toy(answer)"),
            md(f"<details><summary>Show a solution</summary>\n\n```python\n{solution}\n```\n"
               "</details>"),
            md("<!-- nav -->")]


def test_build_replaces_exercise_drops_details_and_fixes_links(tmp_path):
    lesson = _lesson(tmp_path, _toy_cells())
    nb = ms.build(lesson, {"07-toy.ipynb"})
    sources = [c.source for c in nb.cells]
    assert "answer = 42\nexercises.check_toy(answer)" in sources
    assert not any("answer = None" in s or "<details>" in s for s in sources)
    assert nb.cells[1].id == ms.BANNER_ID and "../notebooks/07-toy.ipynb" in nb.cells[1].source
    assert nb.cells[0].source == ("<!-- nav -->\n[Contents](../notebooks/00-start-here.ipynb)"
                                  " · [next](07-toy.ipynb)")
    tagged = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert [c.source for c in tagged] == ["answer = 42\nexercises.check_toy(answer)"]
    assert len(nb.cells) == len(_toy_cells())  # one cell dropped, one banner added


def test_drift_is_detected(tmp_path):
    lesson = _lesson(tmp_path, _toy_cells())
    out = tmp_path / "solutions"
    assert ms.main([str(lesson.parent), str(out)]) == 0
    assert ms.main(["--check", str(lesson.parent), str(out)]) == 0
    _lesson(tmp_path, _toy_cells("answer = 41 + 1\nexercises.check_toy(answer)"))
    assert ms.main(["--check", str(lesson.parent), str(out)]) == 1  # lesson edited
    assert ms.main([str(lesson.parent), str(out)]) == 0
    assert ms.main(["--check", str(lesson.parent), str(out)]) == 0
    (out / "07-toy.ipynb").write_text((out / "07-toy.ipynb").read_text()
                                    .replace("answer = 41 + 1", "answer = 40 + 2"))
    assert ms.main(["--check", str(lesson.parent), str(out)]) == 1  # solution hand-edited


def test_exercise_without_solution_is_an_error(tmp_path, capsys):
    cells = _toy_cells()
    del cells[5]
    lesson = _lesson(tmp_path, cells)
    assert ms.main([str(lesson.parent), str(tmp_path / "solutions")]) == 2
    assert "Show a solution" in capsys.readouterr().out
    with pytest.raises(ms.SolutionError, match="exactly one"):
        ms.solution_code("<details><summary>Show a solution</summary>\nno code</details>", "x")


def test_exercise_cell_must_be_empty_template(tmp_path):
    cells = _toy_cells()
    cells[4].source = "answer = None  # replace None with your answer\nanswer = 42\n" \
                      "exercises.check_toy(answer)"
    with pytest.raises(ms.SolutionError, match="exactly two lines"):
        ms.build(_lesson(tmp_path, cells), set())


def test_solution_must_call_its_own_check(tmp_path):
    lesson = _lesson(tmp_path, _toy_cells("answer = 42\nexercises.check_other(answer)"))
    with pytest.raises(ms.SolutionError, match=r"never calls exercises\.check_toy\(answer\)"):
        ms.build(lesson, set())


def test_lessons_keep_exercise_cells_empty():
    """The student version: every exercise cell is the two-line template, nothing solved."""
    import re

    for path in sorted(LESSONS.glob(ms.LESSON_GLOB)):
        nb = nbformat.read(path, as_version=4)
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and re.search(r"^answer\s*=", cell.source, re.M):
                assert ms.STUDENT.fullmatch(cell.source), f"{path.name} cell {k} is not empty"


# ------------------------------------------------------------------------ (b) correctness
# Lessons end a check line with ';' so that a learner sees only ✓ or the hint; the copy we
# execute drops it, so that the check's return value can be asserted too.
_QUIET_CHECK = re.compile(r"^(\s*exercises\.check_\w+\(.*\));\s*$", re.M)


def _executable_copy(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = cell.source.replace("%matplotlib widget", "%matplotlib inline")
            cell.source = _QUIET_CHECK.sub(r"\1", cell.source)
    return nb


def _text(outputs: list) -> tuple[str, list[str]]:
    stream = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    results = [o.data.get("text/plain", "") for o in outputs
               if o.output_type == "execute_result"]
    return stream, results


@pytest.mark.parametrize("name", GENERATED)
def test_solutions_pass_their_checks(name, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    nb = _executable_copy(SOLUTIONS / name)
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", timeout=600, allow_errors=False,
                   store_widget_state=False,
                   resources={"metadata": {"path": str(SOLUTIONS)}}).execute()
    elapsed = time.perf_counter() - start
    solved = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solved) >= 2, f"{name}: fewer than two exercises"
    for cell in solved:
        stream, results = _text(cell.outputs)
        lines = [ln for ln in stream.splitlines() if ln[:1] in ("✓", "✗")]
        first = cell.source.splitlines()[0]
        assert lines and all(ln.startswith("✓") for ln in lines), (
            f"{name}: solution starting {first!r} printed {stream!r}")
        # the executed copy drops the quieting ';', so every check's value is shown
        assert results[-1:] == ["True"], f"{name}: the check in {first!r} did not return True"
    print(f"{name}: executed in {elapsed:.1f} s")
