"""fairlab.reset: one lesson back to the course version, the learner's copy kept as a backup."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fairlab.reset import course_lessons, reset_lesson

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "notebooks"
SIX = "06-decision-thresholds.ipynb"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-C", str(cwd), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A learner's clone of a small course repo, as nbgitpuller leaves it (upstream origin/main)."""
    upstream = tmp_path / "course"
    (upstream / "notebooks").mkdir(parents=True)
    for name in ("00-start-here.ipynb", SIX):
        shutil.copy(COURSE / name, upstream / "notebooks")
    git(upstream, "init", "-q", "-b", "main")
    git(upstream, "add", ".")
    git(upstream, "commit", "-q", "-m", "course")
    learner = tmp_path / "home" / "fairlab"
    subprocess.run(["git", "clone", "-q", str(upstream), str(learner)], check=True)
    return learner


def test_restores_from_git_upstream_and_keeps_backup(clone: Path) -> None:
    lesson = clone / "notebooks" / SIX
    lesson.write_text("my broken edits")
    r = reset_lesson("06", lessons_dir=clone / "notebooks", now=1_700_000_000)
    assert r.changed and r.source.startswith("git:origin/main:notebooks/")
    assert lesson.read_bytes() == (COURSE / SIX).read_bytes()
    stamped = "06-decision-thresholds-20231114-221320.ipynb"
    assert r.backup == clone / "notebooks" / "backups" / stamped
    assert r.backup.read_text() == "my broken edits"
    # a second reset in the same second does not overwrite the first backup
    lesson.write_text("broken again")
    r2 = reset_lesson(6, lessons_dir=clone / "notebooks", now=1_700_000_000)
    assert r2.backup.name.endswith("-2.ipynb") and r2.backup.read_text() == "broken again"
    assert r.backup.read_text() == "my broken edits"
    # no temporary files left behind
    assert not [p for p in (clone / "notebooks").rglob(".*.tmp")]


def test_upstream_not_local_commits_is_the_course_version(clone: Path) -> None:
    """nbgitpuller commits the learner's edits locally; reset still returns the course's."""
    lesson = clone / "notebooks" / SIX
    lesson.write_text("committed edit")
    git(clone, "commit", "-q", "-am", "WIP")
    reset_lesson(6, lessons_dir=clone / "notebooks")
    assert lesson.read_bytes() == (COURSE / SIX).read_bytes()


def test_unchanged_or_missing_lesson(clone: Path) -> None:
    folder = clone / "notebooks"
    r = reset_lesson(6, lessons_dir=folder)
    assert not r.changed and r.backup is None and not (folder / "backups").exists()
    (folder / SIX).unlink()
    r = reset_lesson(6, lessons_dir=folder)
    assert r.changed and r.backup is None and (folder / SIX).exists()


def test_course_dir_source(tmp_path: Path) -> None:
    (tmp_path / SIX).write_text("x")
    r = reset_lesson("6", lessons_dir=tmp_path, course_dir=COURSE, now=0)
    assert r.backup.name == "06-decision-thresholds-19700101-000000.ipynb"
    assert (tmp_path / SIX).read_bytes() == (COURSE / SIX).read_bytes()
    assert set(course_lessons(course_dir=COURSE)) == {p.name[:2] for p in COURSE.glob("[0-9]*")}


@pytest.mark.parametrize("bad, exc, match", [
    ("42", ValueError, r"the course has no lesson 42; its lessons are 00, 06 \(pass one"),
    ("six", ValueError, r"lesson must be a lesson number such as 06; got 'six'"),
    ("123", ValueError, r"lesson must be a lesson number such as 06; got '123'"),
    (6.0, TypeError, r"lesson must be a lesson number such as 6 or '06'; got float"),
    (True, TypeError, r"got bool"),
])
def test_bad_lesson_is_a_clear_error_and_writes_nothing(clone: Path, bad, exc, match) -> None:
    folder = clone / "notebooks"
    (folder / SIX).write_text("mine")
    before = sorted(p.name for p in folder.rglob("*"))
    with pytest.raises(exc, match=match):
        reset_lesson(bad, lessons_dir=folder)
    assert sorted(p.name for p in folder.rglob("*")) == before
    assert (folder / SIX).read_text() == "mine"


def test_missing_folders_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lessons folder .* does not exist; pass the folder"):
        reset_lesson(6, lessons_dir=tmp_path / "nope")
    with pytest.raises(ValueError, match="course version of the lessons is not at .*--course"):
        reset_lesson(6, lessons_dir=tmp_path, course_dir=tmp_path / "nope")


def test_command_line(clone: Path) -> None:
    folder = clone / "notebooks"
    (folder / SIX).write_text("mine")
    run = [sys.executable, "-m", "fairlab.reset"]
    env_cwd = {"cwd": folder, "capture_output": True, "text": True}
    bad = subprocess.run([*run, "99"], **env_cwd)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("fairlab.reset: the course has no lesson 99;")
    assert "Traceback" not in bad.stderr
    ok = subprocess.run([*run, "06"], **env_cwd)
    assert ok.returncode == 0, ok.stderr
    assert "your copy is kept as" in ok.stdout
    assert (folder / SIX).read_bytes() == (COURSE / SIX).read_bytes()
    assert [p.read_text() for p in (folder / "backups").iterdir()] == ["mine"]
