"""Regenerate the navigation of the lessons from file names and first headings.

Usage: python scripts/make_nav.py [--check] [notebooks/]

* Every markdown cell that starts with ``<!-- nav -->`` becomes
  ``← previous · Contents · next →`` links.
* A markdown cell in ``00-start-here.ipynb`` that starts with ``<!-- lessons -->``
  becomes the table of lessons (number, title, time, objectives), read from each
  lesson's heading and its ``**Time:**`` and ``**You will be able to:**`` lines.

Idempotent: running it twice changes nothing. ``--check`` changes nothing and
exits 1 when a notebook is out of date (the tests call it that way).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

INDEX = "00-start-here.ipynb"
NAV, LESSONS = "<!-- nav -->", "<!-- lessons -->"


def lesson_info(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    title = re.search(r"^#\s+(.+)$", text, re.M)
    time = re.search(r"\*\*Time:\*\*\s*([^*\n·]+)", text)
    goals = re.search(r"\*\*You will be able to:\*\*(.*?)(?:\n\s*\n|\*\*Time)", text, re.S)
    return {
        "path": path,
        "title": title.group(1).strip() if title else path.stem,
        "time": time.group(1).strip() if time else "",
        "goals": " ".join(goals.group(1).split()).strip("· ") if goals else "",
        "nb": nb,
    }


def nav_line(prev: dict | None, nxt: dict | None) -> str:
    parts = [f"[← {prev['title']}]({prev['path'].name})" if prev else "",
             f"[Contents]({INDEX})",
             f"[{nxt['title']} →]({nxt['path'].name})" if nxt else ""]
    return f"{NAV}\n" + " · ".join(p for p in parts if p)


def lessons_table(infos: list[dict]) -> str:
    rows = [f"| [{i['title']}]({i['path'].name}) | {i['time']} | {i['goals']} |"
            for i in infos if i["path"].name != INDEX]
    return "\n".join([LESSONS, "| Lesson | Time | You will be able to |", "|---|---|---|",
                      *rows])


def main(args: list[str]) -> int:
    check = "--check" in args
    folder = Path(next((a for a in args if not a.startswith("--")), "notebooks"))
    infos = [lesson_info(p) for p in sorted(folder.glob("[0-9][0-9]-*.ipynb"))]
    stale = []
    for k, info in enumerate(infos):
        prev = infos[k - 1] if k > 0 else None
        nxt = infos[k + 1] if k + 1 < len(infos) else None
        changed = False
        for cell in info["nb"].cells:
            if cell.cell_type != "markdown":
                continue
            if cell.source.startswith(NAV):
                new = nav_line(prev, nxt)
            elif cell.source.startswith(LESSONS) and info["path"].name == INDEX:
                new = lessons_table(infos)
            else:
                continue
            if cell.source != new:
                cell.source, changed = new, True
        if changed:
            stale.append(info["path"])
            if not check:
                nbformat.write(info["nb"], info["path"])
    for p in stale:
        print(("out of date: " if check else "updated: ") + str(p))
    if check and stale:
        print("run: python scripts/make_nav.py")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
