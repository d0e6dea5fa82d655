"""Every decimal number in a lesson's prose is a number the lesson prints (scripts/check_prose.py).

The first test runs the check on every lesson, solution and app page; the others plant a
mismatch and show that the check catches it (a check that cannot fail is a defect).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
SPEC = importlib.util.spec_from_file_location("check_prose", ROOT / "scripts" / "check_prose.py")
cp = importlib.util.module_from_spec(SPEC)
sys.modules["check_prose"] = cp
SPEC.loader.exec_module(cp)

PAGES = sorted(p for d in ("notebooks", "solutions", "app") for p in (ROOT / d).glob("*.ipynb"))


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_prose_numbers_are_printed(path):
    problems = cp.check_path(path)
    assert not problems, "\n".join(map(str, problems))


def _nb(prose: str, printed: str, code: str = "print(gap)", allow=None) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        new_markdown_cell("## 1. A section"),
        new_code_cell(code, outputs=[new_output("stream", name="stdout", text=printed)]),
        new_markdown_cell(prose),
    ])
    if allow:
        nb.metadata["fairlab"] = {"prose_allow": allow}
    return nb


def _bad(prose, printed, **kw):
    return [p.number for p in cp.check_notebook(_nb(prose, printed, **kw))]


def test_planted_mismatch_fails():
    # lesson 07's old sentence beside the interval the cell printed
    assert _bad("The AUC climbs to about 0.7 and stays there.", "adversary AUC 0.413–0.595\n") \
        == ["0.7"]


def test_number_matches_at_the_prose_precision():
    assert _bad("The gap is 0.41.", "gap 0.413\n") == []        # 0.413 rounds to 0.41
    assert _bad("The gap is 0.413.", "gap 0.413\n") == []
    assert _bad("The gap is 0.42.", "gap 0.413\n") == ["0.42"]  # wrong at 2 decimals
    assert _bad("The gap is 0.413.", "gap 0.41\n") == ["0.413"]  # more precise than printed
    assert _bad("A gap of 0.05.", "difference -0.050\n") == []  # sign ignored


def test_percent_and_fraction_forms_match():
    assert _bad("FPR 44.9 % in one group.", "fpr 0.449\n") == []
    assert _bad("FPR 0.449 in one group.", "fpr 44.9%\n") == []
    assert _bad("FPR 45.9 % in one group.", "fpr 0.449\n") == ["45.9 %"]


def test_only_the_same_sections_outputs_count():
    nb = _nb("The gap is 0.413.", "gap 0.413\n")
    nb.cells.append(new_markdown_cell("## 2. Another section\nThere the gap was 0.413."))
    nb.cells.append(new_markdown_cell("## Summary\n* the gap was 0.413"))
    assert [p.cell_id for p in cp.check_notebook(nb)] == [nb.cells[3].id]


def test_skipped_forms_and_allowlist():
    text = ("In 2016 (§ 1607.4, version 0.1.2, CC BY 4.0, [doi:10.1145/3097983.3098066]"
            "(https://doi.org/10.1145/3097983.3098066)) lesson 04 used\n"
            "```python\nx = 0.123\n```\nλ = 0.25 and the 0.8 rule.")
    assert _bad(text, "nothing\n", code="lam = 0.25") == ["0.8"]
    assert _bad(text, "nothing\n", code="lam = 0.25", allow={"0.8": "four-fifths rule"}) == []


def test_solutions_are_checked_against_their_lesson(tmp_path):
    for sub in ("notebooks", "solutions"):
        (tmp_path / sub).mkdir()
    lesson = _nb("The gap is 0.413.", "gap 0.413\n")
    nbformat.write(lesson, tmp_path / "notebooks" / "05-x.ipynb")
    solution = _nb("The gap is 0.413.", "")
    solution.cells[1].outputs = []
    nbformat.write(solution, tmp_path / "solutions" / "05-x.ipynb")
    assert cp.check_path(tmp_path / "solutions" / "05-x.ipynb") == []
    solution.cells[2].source = "The gap is 0.5."
    nbformat.write(solution, tmp_path / "solutions" / "05-x.ipynb")
    assert [p.number for p in cp.check_path(tmp_path / "solutions" / "05-x.ipynb")] == ["0.5"]


def test_command_line_exit_status(tmp_path, capsys):
    path = tmp_path / "12-x.ipynb"
    nbformat.write(_nb("The gap is 0.42.", "gap 0.413\n"), path)
    assert cp.main([str(path)]) == 1
    assert "'0.42' is not printed" in capsys.readouterr().out
    nbformat.write(_nb("The gap is 0.41.", "gap 0.413\n"), path)
    assert cp.main([str(path)]) == 0
