"""Every decimal number a lesson's prose states is a number the lesson prints.

Usage: python scripts/check_prose.py [notebooks/ solutions/ app/ | FILE.ipynb ...]
       (no arguments: notebooks/, solutions/ and app/ of this repository)

For each notebook, every decimal number written in a markdown cell (``0.413``,
``44.9 %``, ``1.8×``) must be found, at the precision the prose prints it, among

* the outputs of the code cells in the same ``## `` section as the markdown cell (text
  above a ``## `` heading inside a cell also sees the previous section; the introduction
  before the first section, the Summary and the References are checked against the whole
  notebook): ``stream`` text and the ``text/plain``, ``text/html`` and
  ``text/markdown`` data of code cells (a number in the outputs matches when it was
  printed with at least as many decimals and rounds to the prose number; signs are
  ignored, so a gap of ``0.05`` matches a printed difference ``-0.050``; ``41.3 %``
  matches a printed ``0.413`` and the other way round);
* the literal numbers of the notebook's code cells and fenced code blocks (a setting such
  as ``lam=0.5`` that the prose names is the lesson's own input, not a result);
* the notebook's allowlist: ``metadata["fairlab"]["prose_allow"]``, a mapping
  ``{"0.8": "the four-fifths rule's threshold (29 CFR 1607.4(D))"}`` of definitional
  numbers to the reason each may stand without an output. Keep it short.

Not checked: integers (years, counts, citation and lesson numbers), the navigation
cells, fenced code blocks (the ``<details>`` solutions are code), links, DOIs, arXiv
ids, version and licence numbers, section numbers written ``§ 1.2`` or ``section 1.2``.

A solutions notebook (``solutions/NN-*.ipynb``) is generated from its lesson with the
outputs cleared, so its prose is checked against the lesson's outputs and code.

Exit status 1, with one line per unmatched number, when anything is off.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TARGETS = [ROOT / "notebooks", ROOT / "solutions", ROOT / "app"]

# Text removed from markdown before numbers are read.
_STRIP = [
    re.compile(r"^```.*?^```[ \t]*$", re.M | re.S),        # fenced code
    re.compile(r"<!--.*?-->", re.S),                        # html comments
    re.compile(r"\]\([^)]*\)"),                             # link targets
    re.compile(r"<https?://[^>]*>|https?://\S+"),           # bare links
    re.compile(r"\b(?:doi|arXiv):\S+", re.I),               # identifiers
    re.compile(r"(?:§|\bsections?|\bversion|\bv|\bCC[- ]BY(?:-\w+)?|Apache-|GPL-|Python)"
               r"\s*\d+(?:\.\d+)+", re.I),                  # sections, versions, licences
    re.compile(r"\d+(?:\.\d+){2,}"),                        # 0.1.2-style versions
]
_PROSE_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\d.]*\d)(\s*%)?")
_OUTPUT_NUMBER = re.compile(r"(?<![\w.])[-−+]?(\d+\.\d+|\d+)(?:[eE]([-+]?\d+))?(\s*%)?")
_CODE_NUMBER = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")


@dataclass(frozen=True)
class Mismatch:
    """A decimal number in the prose that no output, code literal or allowlist entry gives."""

    path: Path
    cell_id: str
    number: str
    context: str

    def __str__(self) -> str:
        return (f"{self.path}: cell {self.cell_id}: {self.number!r} is not printed by the "
                f"notebook (…{self.context}…). Print it, correct the prose to the printed "
                "number, or allowlist it with a reason in metadata.fairlab.prose_allow.")


def _sections(nb: nbformat.NotebookNode) -> list[int]:
    """The section number of each cell: a new section starts at each ``## `` heading."""
    out, k = [], 0
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"^## ", cell.source, re.M):
            k += 1
        out.append(k)
    return out


def _is_recap(cell: nbformat.NotebookNode) -> bool:
    return bool(re.search(r"^## (Summary|Recap|References)", cell.source, re.M))


def _outputs_text(nb: nbformat.NotebookNode, section: int | None = None) -> str:
    parts = []
    for cell, k in zip(nb.cells, _sections(nb), strict=True):
        if cell.cell_type != "code" or (section is not None and k != section):
            continue
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append(out["text"])
            for key in ("text/plain", "text/html", "text/markdown"):
                if key in out.get("data", {}):
                    parts.append(out["data"][key])
    return "\n".join("".join(p) if isinstance(p, list) else p for p in parts)


def printed_values(text: str) -> list[tuple[Decimal, int]]:
    """``(|value|, decimals printed)`` of every number in ``text``; percents count twice."""
    values = []
    for m in _OUTPUT_NUMBER.finditer(text):
        digits, exponent, percent = m.group(1), m.group(2), m.group(3)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        value = Decimal(digits)
        if exponent:
            value = value.scaleb(int(exponent))
            decimals = max(decimals - int(exponent), 0)
        values.append((value, decimals))
        if percent:                                  # 41.3% is also 0.413
            values.append((value / 100, decimals + 2))
        else:                                        # 0.413 is also 41.3 %
            values.append((value * 100, max(decimals - 2, 0)))
    return values


def prose_numbers(markdown: str) -> list[tuple[str, bool, int]]:
    """``(number, is_percent, position)`` of every decimal number the prose states."""
    text = markdown
    for pattern in _STRIP:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return [(m.group(1), bool(m.group(2)), m.start(1)) for m in _PROSE_NUMBER.finditer(text)]


def _matches(number: str, values: list[tuple[Decimal, int]]) -> bool:
    target = Decimal(number)
    decimals = len(number.split(".")[1])
    half = Decimal(5).scaleb(-(decimals + 1))
    return any(d >= decimals and abs(v - target) <= half for v, d in values)


def _lesson_for(path: Path) -> Path | None:
    """The lesson a ``solutions/`` notebook is generated from."""
    if path.parent.name == "solutions":
        lesson = path.parent.parent / "notebooks" / path.name
        if lesson.exists():
            return lesson
    return None


def check_notebook(nb: nbformat.NotebookNode, path: Path = Path("<notebook>"),
                   source: nbformat.NotebookNode | None = None) -> list[Mismatch]:
    """Every prose number of ``nb`` that ``source`` (default ``nb``) does not print."""
    source = nb if source is None else source
    everything = printed_values(_outputs_text(source))
    per_section: dict[int, list[tuple[Decimal, int]]] = {}
    code_text = [c.source for c in source.cells + nb.cells if c.cell_type == "code"]
    code_text += [m.group(0) for c in source.cells + nb.cells if c.cell_type == "markdown"
                  for m in _STRIP[0].finditer(c.source)]  # fenced solutions are code too
    code = {Decimal(m.group(0)) for text in code_text for m in _CODE_NUMBER.finditer(text)}
    allow = {**source.metadata.get("fairlab", {}).get("prose_allow", {}),
             **nb.metadata.get("fairlab", {}).get("prose_allow", {})}
    problems = []
    for cell, section in zip(nb.cells, _sections(nb), strict=True):
        if cell.cell_type != "markdown" or cell.source.startswith("<!-- nav -->"):
            continue
        if section == 0 or _is_recap(cell):
            values = everything
        else:
            # text above a heading inside the cell still belongs to the previous section
            ks = [section - 1, section] if not cell.source.startswith("## ") else [section]
            for k in ks:
                if k not in per_section:
                    per_section[k] = printed_values(_outputs_text(source, k))
            values = [v for k in ks for v in per_section[k]]
        for number, percent, at in prose_numbers(cell.source):
            if Decimal(number) in code or number in allow or _matches(number, values):
                continue
            context = " ".join(cell.source[max(at - 40, 0):at + len(number) + 20].split())
            problems.append(Mismatch(path, cell.get("id", "?"), number + (" %" if percent else ""),
                                     context))
    return problems


def check_path(path: Path) -> list[Mismatch]:
    nb = nbformat.read(path, as_version=4)
    lesson = _lesson_for(path)
    source = nbformat.read(lesson, as_version=4) if lesson else None
    return check_notebook(nb, path, source)


def main(args: list[str]) -> int:
    targets = [Path(a) for a in args] or DEFAULT_TARGETS
    paths: list[Path] = []
    for t in targets:
        paths += sorted(t.glob("*.ipynb")) if t.is_dir() else [t]
    problems = [p for path in paths for p in check_path(path)]
    for p in problems:
        print(p)
    print(f"check_prose: {len(paths)} notebooks, {len(problems)} unmatched numbers")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
