"""What one learner costs: every lesson run top to bottom in a fresh kernel.

For each lesson (``notebooks/NN-*.ipynb``) a new ``python3`` kernel is started with nbclient,
its working directory the notebooks folder, and the benchmark records:

- **start** — resident memory (RSS) of the kernel's process tree right after the kernel answers
  its first request (what an open but unused lesson costs);
- **peak** — the highest RSS of the kernel's process tree during Run All: psutil samples the
  tree every 20 ms, and the kernel's own high-water mark (``VmHWM``, Linux) is taken too, so a
  short spike between two samples is not missed;
- **Run All** — wall time from the first cell to the last;
- **torch** — whether PyTorch's shared library was mapped into the kernel by the end.

Kernels run with ``OMP_NUM_THREADS=1`` (and MKL/OpenBLAS likewise), as the hub's spawner sets
it (``deploy/hub/jupyterhub_config.py``): that is the set-up the sizing is for.

Writes the figures to ``benchmarks/results/kernels.json`` (``--out``) and the sizing table to
``docs/_generated/sizing.md`` (``--sizing``) and into the instructor guide's ``sizing`` block;
``tests/test_sizing.py`` checks both are the table these figures give. ``--compare OLD.json``
prints before/after columns; ``--render`` only rewrites the tables from ``--out``; ``--cells``
names the cells that add most memory and take longest.

Run: ``.venv/bin/python benchmarks/bench_kernels.py [NN ...] [--compare OLD.json]``
(about 5 minutes on 2 cores for all lessons).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RESULTS = ROOT / "benchmarks" / "results" / "kernels.json"
SIZING = ROOT / "docs" / "_generated" / "sizing.md"
GUIDE = ROOT / "docs" / "instructor-guide.md"
MB = 1024 * 1024

# Sizing rules (stated in the generated table so the guide quotes them, not a guess).
SERVER_MB = 155          # jupyterhub-singleuser + extensions, RSS measured under make hub
OPEN_LESSONS = 2         # a learner keeps the lesson being taught and one more open
HEADROOM = 1.25          # 25 % on top for the OS, page cache and the hub itself
LEARNERS_PER_CORE = 3    # work comes in bursts when cells run; see the Run All column
ROOMS = (30, 60, 100, 300)
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def tree_rss(proc) -> int:
    """Resident bytes of ``proc`` and all its children (0 for any that vanished)."""
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def high_water(pid: int) -> int:
    """The kernel process's own peak RSS in bytes (Linux ``VmHWM``), 0 where unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def uses_torch(proc) -> bool:
    try:
        return any("libtorch" in m.path for m in proc.memory_maps())
    except Exception:  # noqa: BLE001 - maps unreadable: report "no", the column is a hint
        return False


def run_lesson(path: Path) -> dict:
    """Run one lesson in a fresh kernel; return its figures (MB and seconds)."""
    import nbformat
    import psutil
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=900, store_widget_state=False,
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        proc = psutil.Process(client.km.provisioner.process.pid)
        start = tree_rss(proc)
        peak = [start]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], tree_rss(proc))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        growth = []  # (MB the cell added to the peak, seconds, first line) per code cell
        for index, cell in enumerate(client.nb.cells):
            before, t_cell = peak[0], time.perf_counter()
            client.execute_cell(cell, index)
            if cell.cell_type == "code":
                peak[0] = max(peak[0], tree_rss(proc))
                first = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                growth.append(((peak[0] - before) / MB, time.perf_counter() - t_cell,
                               f"cell {index}: {first[:60]}"))
        seconds = time.perf_counter() - t0
        done.set()
        sampler.join()
        peak_bytes = max(peak[0], tree_rss(proc), high_water(proc.pid))
        torch = uses_torch(proc)
    heavy = sorted(growth, reverse=True)[:3] + sorted(growth, key=lambda g: -g[1])[:3]
    return {"lesson": path.name[:2], "file": path.name, "start_mb": round(start / MB),
            "peak_mb": round(peak_bytes / MB), "run_all_s": round(seconds, 1), "torch": torch,
            "heaviest_cells": [f"+{mb:.0f} MB, {s:.1f} s, {what}" for mb, s, what in heavy]}


def per_learner_mb(figures: dict, *, networks: bool = True) -> int:
    """Memory one learner needs (MB): the Jupyter server, the lesson being taught at its peak
    (the heaviest of the set) and one more lesson left open (the set's median peak).

    ``networks=False`` takes only the lessons that do not load PyTorch.
    """
    peaks = sorted(r["peak_mb"] for r in figures["lessons"] if networks or not r["torch"])
    return SERVER_MB + peaks[-1] + (OPEN_LESSONS - 1) * peaks[(len(peaks) - 1) // 2]


def sizing_markdown(figures: dict) -> str:
    """The instructor guide's sizing table, computed from ``figures`` (kernels.json)."""
    rows = figures["lessons"]
    light, full = per_learner_mb(figures, networks=False), per_learner_mb(figures)
    heavy = ", ".join(r["lesson"] for r in rows if r["torch"])
    lines = [
        "<!-- generated by benchmarks/bench_kernels.py from benchmarks/results/kernels.json;"
        " do not edit -->",
        "",
        "| Lesson | Kernel at start | Peak during Run All | Run All | Loads PyTorch |",
        "|---|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r['lesson']} | {r['start_mb']} MB | {r['peak_mb']} MB | "
                     f"{r['run_all_s']:.0f} s | {'yes' if r['torch'] else 'no'} |")
    lines += [
        "",
        f"Measured on {figures['machine']} with {figures['threads']} thread per kernel "
        f"({figures['date']}). One learner needs their Jupyter server (~{SERVER_MB} MB), the "
        f"lesson being taught at its peak and {OPEN_LESSONS - 1} more lesson left open (the "
        f"median peak): **{light} MB** on a day without the network lessons ({heavy}), "
        f"**{full} MB** with them. Memory below adds {round((HEADROOM - 1) * 100)} % for the "
        f"system and the hub; CPU is one core per {LEARNERS_PER_CORE} learners (cells run in "
        "bursts; the Run All column is one learner alone).",
        "",
        "| Learners at once | Memory, no network lessons | Memory, all lessons | CPU cores |",
        "|---:|---:|---:|---:|",
    ]
    for n in ROOMS:
        lines.append(f"| {n} | {math.ceil(n * light * HEADROOM / 1024)} GiB | "
                     f"{math.ceil(n * full * HEADROOM / 1024)} GiB | "
                     f"{math.ceil(n / LEARNERS_PER_CORE)} |")
    return "\n".join(lines) + "\n"


def replace_block(text: str, name: str, content: str) -> str:
    """``text`` with the lines between ``<!-- name:start -->`` and ``<!-- name:end -->``
    replaced by ``content``."""
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        raise ValueError(f"the guide has no {start.strip()} ... {end} block; add the two "
                         "marker lines where the table belongs.")
    head, rest = text.split(start, 1)
    return head + start + content + rest[rest.index(end):]


def write_sizing(figures: dict, sizing: Path, guide: Path = GUIDE) -> str:
    """Write the sizing table to ``sizing`` and into the guide's ``sizing`` block."""
    table = sizing_markdown(figures)
    sizing.parent.mkdir(parents=True, exist_ok=True)
    sizing.write_text(table)
    if guide.exists():
        guide.write_text(replace_block(guide.read_text(), "sizing", table))
    return table


def print_table(rows: list[dict], old: dict | None) -> None:
    before = {r["lesson"]: r for r in (old or {}).get("lessons", [])}
    head = f"{'lesson':<8}{'start MB':>10}{'peak MB':>10}{'Run All s':>11}{'torch':>7}"
    if before:
        head += f"   | before: {'start':>6}{'peak':>7}{'s':>7}{'torch':>7}"
    print(head)
    for r in rows:
        line = (f"{r['lesson']:<8}{r['start_mb']:>10}{r['peak_mb']:>10}{r['run_all_s']:>11.1f}"
                f"{'yes' if r['torch'] else 'no':>7}")
        if b := before.get(r["lesson"]):
            line += (f"   |         {b['start_mb']:>6}{b['peak_mb']:>7}{b['run_all_s']:>7.1f}"
                     f"{'yes' if b['torch'] else 'no':>7}")
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--sizing", type=Path, default=SIZING)
    parser.add_argument("--cells", action="store_true",
                        help="also print the cells that add most memory and take longest")
    parser.add_argument("--compare", type=Path, help="an earlier kernels.json to print beside")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite the sizing table from the figures in --out")
    args = parser.parse_args(argv)
    if args.render:
        print(write_sizing(json.loads(args.out.read_text()), args.sizing))
        return 0
    for var in THREAD_VARS:
        os.environ[var] = "1"
    os.environ["PYTHONHASHSEED"] = "0"
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]-*.ipynb"))
    if args.lessons:
        wanted = {f"{int(n):02d}" for n in args.lessons}
        paths = [p for p in paths if p.name[:2] in wanted]
        if len(paths) != len(wanted):
            parser.error(f"unknown lesson in {sorted(wanted)}; lessons are "
                         f"{[p.name[:2] for p in sorted(NOTEBOOKS.glob('[0-9][0-9]-*.ipynb'))]}")
    rows = []
    for path in paths:
        rows.append(run_lesson(path))
        print(f"  {path.name}: peak {rows[-1]['peak_mb']} MB, {rows[-1]['run_all_s']} s",
              flush=True)
        if args.cells:
            print("    " + "\n    ".join(rows[-1]["heaviest_cells"]), flush=True)
    old = json.loads(args.compare.read_text()) if args.compare else None
    print_table(rows, old)
    if args.lessons:
        return 0  # a partial run does not replace the figures the guide is generated from
    figures = {"machine": f"{os.cpu_count()} cores", "threads": 1,
               "date": time.strftime("%Y-%m-%d"), "lessons": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"\nwrote {args.out}, {args.sizing} and the guide's sizing table\n")
    print(write_sizing(figures, args.sizing))
    return 0


if __name__ == "__main__":
    sys.exit(main())
