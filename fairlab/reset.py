"""Put one lesson back to the course version, keeping the learner's copy as a backup.

On a workshop hub, nbgitpuller clones the course into each learner's home and later pulls
updates without overwriting what the learner changed. When a learner has broken a lesson beyond
repair, ``python -m fairlab.reset 06`` (or ``!python -m fairlab.reset 06`` in a cell) replaces
``06-*.ipynb`` with the course version and moves the learner's copy to
``backups/06-<name>-<YYYYmmdd-HHMMSS>.ipynb`` beside it. Nothing is written half-way: the new file
and the backup are each written to a temporary file first and renamed into place.

The course version is, in this order: the commit nbgitpuller last pulled (the branch's upstream,
e.g. ``origin/main``) when the lessons folder is in a git clone; else ``HEAD`` of that clone;
else the ``notebooks/`` folder of the fairlab checkout that is installed (``course_dir``).

Lesson: 00-start-here
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ResetResult", "course_lessons", "find_lessons_dir", "reset_lesson", "main"]

_LESSON_FILE = re.compile(r"^(\d\d)-[\w-]+\.ipynb$")


@dataclass(frozen=True)
class ResetResult:
    """What :func:`reset_lesson` did.

    Attributes
    ----------
    lesson : Path
        The lesson file that now holds the course version.
    backup : Path or None
        Where the learner's copy went (None when there was no copy, or it already matched).
    source : str
        Where the course version came from (a git revision or a folder).
    changed : bool
        False when the learner's copy already was the course version (nothing written).
    """

    lesson: Path
    backup: Path | None
    source: str
    changed: bool


def _git(folder: Path, *args: str) -> str | None:
    """Output of ``git -C folder args`` (bytes decoded), or None when git fails."""
    try:
        out = subprocess.run(["git", "-C", str(folder), *args], capture_output=True,
                             check=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode()


def _course_source(lessons_dir: Path, course_dir: Path | None) -> tuple[str, dict[str, str]]:
    """(description, {lesson number: file name}) of the course version of ``lessons_dir``."""
    if course_dir is None and _git(lessons_dir, "rev-parse", "--is-inside-work-tree"):
        prefix = (_git(lessons_dir, "rev-parse", "--show-prefix") or "").strip()
        rev = (_git(lessons_dir, "rev-parse", "--abbrev-ref", "--symbolic-full-name",
                    "@{upstream}") or "").strip() or "HEAD"
        names = _git(lessons_dir, "ls-tree", "--name-only", rev, "--", ".")
        if names is not None:
            files = [Path(n).name for n in names.split()]
            return f"git:{rev}:{prefix}", _numbered(files)
    if course_dir is None:
        course_dir = Path(__file__).resolve().parents[1] / "notebooks"
    if not course_dir.is_dir():
        raise ValueError(f"the course version of the lessons is not at {course_dir}; pass "
                         "course_dir (--course DIR) pointing at the course's notebooks folder.")
    return str(course_dir), _numbered(p.name for p in course_dir.iterdir())


def _numbered(names) -> dict[str, str]:
    return {m.group(1): name for name in names if (m := _LESSON_FILE.match(name))}


def _read_course(source: str, name: str, lessons_dir: Path) -> bytes:
    if source.startswith("git:"):
        _, rev, prefix = source.split(":", 2)
        out = subprocess.run(["git", "-C", str(lessons_dir), "show", f"{rev}:{prefix}{name}"],
                             capture_output=True, check=True, timeout=30)
        return out.stdout
    return (Path(source) / name).read_bytes()


def course_lessons(lessons_dir: str | os.PathLike | None = None, *,
                   course_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """The course's lessons, ``{"06": "06-decision-thresholds.ipynb", ...}``.

    Parameters
    ----------
    lessons_dir : path-like, default=None
        The learner's lessons folder (default: :func:`find_lessons_dir`).
    course_dir : path-like, default=None
        A folder holding the course version, instead of the git upstream.

    Returns
    -------
    dict
        Lesson number (two digits) to file name.

    Examples
    --------
    >>> lessons = course_lessons(course_dir=Path(__file__).resolve().parents[1] / "notebooks")
    >>> lessons["06"]
    '06-decision-thresholds.ipynb'
    """
    if course_dir is not None:
        return _course_source(Path(course_dir), Path(course_dir))[1]
    return _course_source(find_lessons_dir(lessons_dir), None)[1]


def find_lessons_dir(lessons_dir: str | os.PathLike | None = None) -> Path:
    """The learner's lessons folder: ``lessons_dir``, else the first of the working directory,
    ``./notebooks`` and ``~/fairlab/notebooks`` (where the hub's nbgitpuller link puts them)
    that holds numbered lessons.

    Raises
    ------
    ValueError
        When no such folder exists.
    """
    if lessons_dir is not None:
        folder = Path(lessons_dir).expanduser()
        if not folder.is_dir():
            raise ValueError(f"lessons folder {folder} does not exist; pass the folder that "
                             "holds your NN-*.ipynb lessons.")
        return folder
    cwd = Path.cwd()
    candidates = [cwd, cwd / "notebooks", Path.home() / "fairlab" / "notebooks"]
    for folder in candidates:
        if folder.is_dir() and _numbered(p.name for p in folder.iterdir()):
            return folder
    raise ValueError("no lessons folder found (looked in "
                     f"{', '.join(str(c) for c in candidates)}); run this from your lessons "
                     "folder or pass --dir FOLDER.")


def _lesson_number(lesson: object) -> str:
    if isinstance(lesson, bool) or not isinstance(lesson, (int, str)):
        raise TypeError(f"lesson must be a lesson number such as 6 or '06'; got "
                        f"{type(lesson).__name__}.")
    text = str(lesson).strip()
    if not text.isdigit() or len(text) > 2:
        raise ValueError(f"lesson must be a lesson number such as 06; got {lesson!r}. "
                         "Pass the two digits at the start of the lesson's file name.")
    return f"{int(text):02d}"


def _write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it onto ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def reset_lesson(lesson: int | str, *, lessons_dir: str | os.PathLike | None = None,
                 course_dir: str | os.PathLike | None = None,
                 now: float | None = None) -> ResetResult:
    """Restore lesson ``lesson`` to the course version; keep the learner's copy as a backup.

    Parameters
    ----------
    lesson : int or str
        The lesson number, e.g. ``6`` or ``"06"``.
    lessons_dir : path-like, default=None
        The learner's lessons folder (default: :func:`find_lessons_dir`).
    course_dir : path-like, default=None
        A folder holding the course version; by default the git upstream of ``lessons_dir``
        (what nbgitpuller pulled), else the installed checkout's ``notebooks/``.
    now : float, default=None
        The time stamped on the backup (seconds since the epoch; default: now).

    Returns
    -------
    ResetResult

    Raises
    ------
    ValueError
        For a lesson number the course does not have, or no lessons folder.
    TypeError
        For a lesson that is not a number.

    Examples
    --------
    >>> import shutil, tempfile
    >>> course = Path(__file__).resolve().parents[1] / "notebooks"
    >>> mine = Path(tempfile.mkdtemp())
    >>> _ = shutil.copy(course / "06-decision-thresholds.ipynb", mine)
    >>> _ = (mine / "06-decision-thresholds.ipynb").write_text("{}")   # broken
    >>> r = reset_lesson(6, lessons_dir=mine, course_dir=course, now=0)
    >>> r.backup.name, r.backup.read_text()
    ('06-decision-thresholds-19700101-000000.ipynb', '{}')
    >>> r.lesson.read_bytes() == (course / "06-decision-thresholds.ipynb").read_bytes()
    True
    >>> reset_lesson(42, lessons_dir=mine, course_dir=course)
    Traceback (most recent call last):
    ...
    ValueError: the course has no lesson 42; ...
    """
    number = _lesson_number(lesson)
    folder = find_lessons_dir(lessons_dir)
    source, lessons = _course_source(folder, None if course_dir is None else Path(course_dir))
    if number not in lessons:
        raise ValueError(f"the course has no lesson {number}; its lessons are "
                         f"{', '.join(sorted(lessons)) or 'none'} (pass one of those, e.g. "
                         "python -m fairlab.reset 06).")
    name = lessons[number]
    course = _read_course(source, name, folder)
    target = folder / name
    mine = target.read_bytes() if target.exists() else None
    if mine == course:
        return ResetResult(target, None, source, changed=False)
    backup = None
    mode = None
    if mine is not None:
        mode = target.stat().st_mode & 0o777
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(time.time() if now is None else now))
        backups = folder / "backups"
        backups.mkdir(exist_ok=True)
        backup = backups / f"{target.stem}-{stamp}.ipynb"
        n = 1
        while backup.exists():
            n += 1
            backup = backups / f"{target.stem}-{stamp}-{n}.ipynb"
        _write_atomic(backup, mine, mode)
    _write_atomic(target, course, mode)
    return ResetResult(target, backup, source, changed=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m fairlab.reset NN [--dir FOLDER] [--course FOLDER]``."""
    parser = argparse.ArgumentParser(
        prog="python -m fairlab.reset",
        description="Restore one lesson to the course version; your copy is kept in backups/.")
    parser.add_argument("lesson", help="lesson number, e.g. 06")
    parser.add_argument("--dir", help="your lessons folder (default: found automatically)")
    parser.add_argument("--course", help="folder with the course version (default: the git "
                                         "upstream nbgitpuller pulled from)")
    args = parser.parse_args(argv)
    try:
        r = reset_lesson(args.lesson, lessons_dir=args.dir, course_dir=args.course)
    except (ValueError, TypeError) as err:
        print(f"fairlab.reset: {err}", file=sys.stderr)
        return 2
    if not r.changed:
        print(f"{r.lesson.name} already is the course version; nothing changed.")
    elif r.backup is None:
        print(f"restored {r.lesson} from the course version ({r.source}).")
    else:
        print(f"restored {r.lesson} from the course version ({r.source});\n"
              f"your copy is kept as {r.backup}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
