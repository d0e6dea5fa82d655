"""House rules for the committed lessons (the executed cells themselves run under nbval)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKER = ROOT.parent / "shared" / "tools" / "check_notebooks.py"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def test_there_are_lessons():
    assert LESSONS, "no lessons under notebooks/"


@pytest.mark.skipif(not CHECKER.exists(), reason="shared/tools/check_notebooks.py not beside")
def test_house_rules():
    out = subprocess.run([sys.executable, str(CHECKER), str(ROOT / "notebooks")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_navigation_is_up_to_date():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_nav.py"), "--check",
                          str(ROOT / "notebooks")], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_shape(path):
    import nbformat

    nb = nbformat.read(path, as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert nb.cells[0].source.startswith("<!-- nav -->")
    assert nb.cells[-1].source.startswith("<!-- nav -->")
    assert "**Time:**" in md
    if path.name != "00-start-here.ipynb":
        assert "**You will be able to:**" in md
        assert "Misconception" in md, "every lesson corrects one misconception"
        assert md.count("### Exercise") >= 2, "at least two checked exercises"
        assert "## Summary" in md and "## References" in md
        tagged = [c for c in nb.cells if "nbval-check-output" in c.metadata.get("tags", [])]
        assert tagged, "key numbers must be checked by nbval: tag their cells nbval-check-output"
    assert "NBVAL_CHECK_OUTPUT" not in code, "use the nbval-check-output cell tag, not a comment"
    shown = [str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
             for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    bars = [s for s in shown if re.search(r"\d+%\|", s)]
    assert not bars, "a saved progress bar: re-execute with scripts/run_notebooks.py"
