"""``python -m fairlab.report data.csv --target y --pred yhat --sensitive race sex --out report/``

Reads a CSV, runs :func:`fairlab.report.audit` with a progress bar for the
bootstrap, and writes ``report.html``, ``report.md``, ``report.json`` and the
tables as CSV into ``--out``. Everything is written to a temporary directory
next to ``--out`` and renamed into place at the end, so a failed run leaves
nothing behind. Bad input (a missing column, a target that is not 0/1, a group
column with no usable group, a file that is not CSV) prints one message and
exits with status 2.

Lesson: 11-choosing-an-intervention
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

__all__ = ["main"]

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """Input the user can fix; printed without a traceback, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m fairlab.report",
        description="Write a fairness audit report (HTML, Markdown model card, JSON, CSV) "
                    "for a model's decisions stored in a CSV file.")
    p.add_argument("csv", help="the CSV file: one row per person")
    p.add_argument("--target", required=True, help="column of true labels (0/1)")
    p.add_argument("--pred", help="column of decisions (0/1)")
    p.add_argument("--score", help="column of scores in [0, 1] (adds calibration error; "
                                   "without --pred, decisions are score >= --threshold)")
    p.add_argument("--threshold", type=float, default=None,
                   help="threshold for --score when --pred is not given (default 0.5)")
    p.add_argument("--sensitive", nargs="+", required=True, help="group columns, e.g. race sex")
    p.add_argument("--out", required=True, help="directory to write (must not exist yet, "
                                                "unless --overwrite)")
    p.add_argument("--model-name", default=None, help="name in the report (default: file name)")
    p.add_argument("--intended-use", default=None, help="intended use, for the model card")
    p.add_argument("--unknown", nargs="*", default=None,
                   help="values meaning 'unknown' in the group columns, e.g. Unknown")
    p.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates (1000)")
    p.add_argument("--random-state", type=int, default=0, help="seed (0)")
    p.add_argument("--min-group-size", type=int, default=30,
                   help="groups with fewer rows are flagged small (30)")
    p.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise BadInput(f"{path} does not exist or is not a file; pass the path of a CSV file.")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
        if b"\x00" in head:
            raise ValueError("it contains binary data")
        header = pd.read_csv(path, nrows=0)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise BadInput(f"{path} is not a CSV file ({str(exc).strip() or type(exc).__name__}); "
                       "save the data as comma-separated text with a header row.") from None
    missing = [c for c in columns if c not in header.columns]
    if missing:
        what = f"column {missing[0]!r} is" if len(missing) == 1 else f"columns {missing} are"
        raise BadInput(f"{what} not in {path.name}; its columns are "
                       f"{list(map(str, header.columns))}. Check --target/--pred/--score/"
                       "--sensitive.")
    try:
        frame = pd.read_csv(path, usecols=columns, low_memory=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise BadInput(f"{path} could not be read as CSV: {exc}") from None
    if len(frame) == 0:
        raise BadInput(f"{path} has a header but no rows; there is nothing to audit.")
    return frame


class _Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, quiet: bool) -> None:
        self.quiet, self.start = quiet, time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        width = 30
        full = int(width * done / total)
        sys.stderr.write(f"\rbootstrap [{'#' * full}{'.' * (width - full)}] {done}/{total} "
                         f"{time.perf_counter() - self.start:5.1f}s")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _run(args: argparse.Namespace) -> Path:
    from fairlab.report import audit

    if args.pred is None and args.score is None:
        raise BadInput("pass --pred (a 0/1 decision column), or --score to threshold scores.")
    if args.pred is not None and args.threshold is not None:
        raise BadInput("--threshold applies to --score when --pred is not given; drop one.")
    out = Path(args.out)
    if out.exists() and not args.overwrite and (not out.is_dir() or any(out.iterdir())):
        raise BadInput(f"{out} already exists; choose another --out or pass --overwrite.")
    path = Path(args.csv)
    columns = [args.target, *[c for c in (args.pred, args.score) if c], *args.sensitive]
    if len(set(columns)) != len(columns):
        raise BadInput(f"a column is named twice in {columns}; each role needs its own column.")
    frame = _read(path, columns)
    try:
        report = audit(
            frame[args.target], None if args.pred is None else frame[args.pred],
            y_score=None if args.score is None else frame[args.score],
            sensitive_features=frame[args.sensitive],
            model_name=args.model_name or path.stem, intended_use=args.intended_use,
            thresholds=args.threshold, n_boot=args.n_boot, random_state=args.random_state,
            min_group_size=args.min_group_size, unknown_labels=args.unknown,
            progress=_Progress(args.quiet))
    except (ValueError, TypeError) as exc:
        message = str(exc)
        for role, column in (("y_true", args.target), ("y_pred", args.pred),
                             ("y_score", args.score)):
            if column is not None:
                message = message.replace(role, f"column {column!r} ({role})")
        raise BadInput(message) from None
    report.provenance["input_file"] = {"name": path.name,
                                       "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        report.to_html(tmp / "report.html")
        (tmp / "report.md").write_text(report.to_markdown(), encoding="utf-8")
        report.to_json(tmp / "report.json")
        report.to_csv(tmp / "tables")
        os.chmod(tmp, 0o755)
        if out.exists():
            old = out.with_name(f".{out.name}-old-{os.getpid()}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        else:
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status (0 ok, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        out = _run(args)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"wrote {out}/report.html, report.md, report.json and tables/*.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
