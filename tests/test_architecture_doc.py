"""docs/architecture.md's lesson → files table stays true.

Every lesson notebook has exactly one row; every path in a row exists; the explorer and
exercise files of a row are registered in the widgets / exercises name tables; and every
compute or figure module of a row says ``Lesson: <that notebook>`` somewhere, so the table
and the docstrings cannot drift apart. New lessons (12, 13, …) are new rows: nothing here
lists lesson numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
COLUMNS = ["Lesson", "Notebook", "Compute", "Figures", "Explorer", "Exercises"]


def table_rows() -> list[dict[str, list[str]]]:
    lines = DOC.read_text().splitlines()
    start = lines.index("## Lesson → files")
    rows = [ln for ln in lines[start:] if ln.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    assert header == COLUMNS, header
    out = []
    for ln in rows[2:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        out.append({k: [] if v == "—" else [p.strip() for p in v.split(",")]
                    for k, v in zip(COLUMNS, cells, strict=True)})
    return out


ROWS = table_rows()


def test_every_lesson_has_one_row():
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    listed = [r["Notebook"][0].removeprefix("notebooks/") for r in ROWS]
    assert sorted(listed) == notebooks
    assert [r["Lesson"][0] for r in ROWS] == [n[:2] for n in listed]


@pytest.mark.parametrize("row", ROWS, ids=[r["Lesson"][0] for r in ROWS])
def test_row_paths_exist_and_are_registered(row):
    from fairlab.exercises import _WHERE as CHECKS
    from fairlab.widgets import _WHERE as EXPLORERS

    for col in COLUMNS[1:]:
        for path in row[col]:
            assert (ROOT / path).is_file(), f"{row['Lesson'][0]}: {path} does not exist"
    for path in row["Explorer"]:  # an explorer module, or the page code of its own kind
        assert Path(path).stem in EXPLORERS.values() or path.startswith(
            "fairlab/widgets/js/kinds/"), path
    for path in row["Exercises"]:
        assert Path(path).stem in CHECKS.values(), path
    lesson = row["Notebook"][0].removeprefix("notebooks/").removesuffix(".ipynb")
    for path in row["Compute"] + row["Figures"] + row["Explorer"] + row["Exercises"]:
        text = (ROOT / path).read_text()
        if path.endswith("_nn.py") or path.endswith("datasets.py"):
            continue  # shared by several lessons; their docstrings name the first
        said = re.search(rf"Lesson: .*{re.escape(lesson)}", text)
        assert said or f"lesson{lesson[:2]}" in path, f"{path} never says 'Lesson: {lesson}'"


def test_package_docstring_names_every_module():
    import pkgutil

    import fairlab

    missing = [m.name for m in pkgutil.iter_modules(fairlab.__path__)
               if f"``{m.name}``" not in fairlab.__doc__]
    assert not missing, f"fairlab/__init__.py docstring does not list {missing}"


def test_every_page_kind_is_in_the_table():
    listed = {p for row in ROWS for p in row["Explorer"]}
    kinds = {f"fairlab/widgets/js/kinds/{f.name}"
             for f in (ROOT / "fairlab" / "widgets" / "js" / "kinds").glob("*.js")}
    assert kinds - listed == set(), f"page code missing from docs/architecture.md: {kinds - listed}"
