"""Load test of the workshop hub: N learners arrive at once, as at the start of a class.

Against a hub started by ``make hub`` (127.0.0.1 only; run as root: it creates the learner
accounts ``fairlab-benchNN`` and removes them at the end, whatever happens):

1. every learner logs in through the login form, starts their server and pulls the course with
   nbgitpuller (all at once, one thread each) — **login-to-ready** is the time from the login
   request until the learner's server answers and the lessons are in their home;
2. every learner runs one lesson's code cells (default 06) through the Jupyter server's REST and
   websocket APIs, all at once — **Run All**;
3. for a sample of them (default 2), headless chromium logs in, opens a small notebook with the
   thresholds explorer in JupyterLab, runs it and moves the slider one step with the keyboard —
   **slider** is the time until the explorer's panel shows the new value.

Memory per learner is the peak resident memory of all that learner's processes (server and
kernels), sampled every 0.2 s. Prints p50/p95 and the failures, which must be 0 (exit 1 if not).
Bounded: at most 40 learners, each step with a time-out; no address but 127.0.0.1.

Run: ``sudo .venv/bin/python benchmarks/bench_hub.py [--learners 10] [--lesson 06]``
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "deploy" / "hub"))

import hubctl  # noqa: E402

from tests.hub.client import Learner  # noqa: E402

MB = 1024 * 1024
MAX_LEARNERS = 40
RESULTS = ROOT / "benchmarks" / "results" / "hub.json"


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


class MemoryWatch:
    """Peak RSS per uid (all of a learner's processes), sampled in a thread."""

    def __init__(self, uids: dict[int, str]):
        self.uids, self.peak = uids, dict.fromkeys(uids.values(), 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(0.2):
            now: dict[str, int] = {}
            for p in psutil.process_iter(["uids", "memory_info"]):
                name = self.uids.get(p.info["uids"].real) if p.info["uids"] else None
                if name and p.info["memory_info"]:
                    now[name] = now.get(name, 0) + p.info["memory_info"].rss
            for name, rss in now.items():
                self.peak[name] = max(self.peak[name], rss)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def explorer_notebook() -> dict:
    from tests.browser.explorer_cases import CASES, write_explorer_notebook

    with tempfile.TemporaryDirectory() as tmp:
        path = write_explorer_notebook(Path(tmp) / "x.ipynb", CASES["thresholds"])
        return json.loads(path.read_text())


def slider_in_browser(learner: Learner, timeout_ms: float = 240_000) -> float:
    """Log in with chromium, run the explorer notebook, move its slider; seconds to update."""
    from playwright.sync_api import sync_playwright

    from tests.browser.explorer_cases import CASES, control_target, panel
    from tests.browser.jupyter_harness import launch_browser, run_all, wait_kernel_idle

    learner.api("PUT", "api/contents/bench-explorer.ipynb", json={
        "type": "notebook", "format": "json", "content": explorer_notebook()}).raise_for_status()
    with sync_playwright() as pw, launch_browser(pw) as context:
        page = context.new_page()
        page.goto(f"{learner.base}/hub/login", timeout=timeout_ms)
        page.fill("#username_input", learner.name)
        page.fill("#password_input", learner.password)
        page.click("#login_submit")
        page.wait_for_url(f"**/user/{learner.name}/**", timeout=timeout_ms)
        page.goto(f"{learner.base}/user/{learner.name}/lab/tree/bench-explorer.ipynb?reset",
                  wait_until="domcontentloaded", timeout=timeout_ms)
        page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(
            timeout=timeout_ms)
        wait_kernel_idle(page, timeout=timeout_ms)
        run_all(page, timeout=timeout_ms)
        box = panel(page)
        box.wait_for(timeout=timeout_ms)
        before = box.inner_text()
        target = control_target(page, CASES["thresholds"].control, "slider")
        target.focus()
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("([el, before]) => el.innerText !== before",
                               arg=[box.element_handle(), before], timeout=30_000, polling=20)
        return time.perf_counter() - t0


def hub_markdown(res: dict) -> str:
    """The guide's table of a load test's figures (``benchmarks/results/hub.json``)."""
    def row(what: str, values: list[float], unit: str, scale: float = 1.0) -> str:
        v = [x * scale for x in values]
        if not v:
            return f"| {what} | – | – | – |"
        p50, p95, top = pct(v, 50), pct(v, 95), max(v)
        return f"| {what} | {p50:.0f} {unit} | {p95:.0f} {unit} | {top:.0f} {unit} |"

    return "\n".join([
        "<!-- generated by benchmarks/bench_hub.py from benchmarks/results/hub.json;"
        " do not edit -->",
        "",
        "| Per learner | p50 | p95 | max |",
        "|---|---:|---:|---:|",
        row("login to ready (server started, lessons pulled)", list(res["ready_s"].values()),
            "s"),
        row(f"Run All of lesson {res['lesson'][:2]}, everyone at once",
            list(res["run_all_s"].values()), "s"),
        row("memory (server + kernel, peak)", list(res["memory_mb"].values()), "MB"),
        row("slider step in headless chromium", res["slider_s"], "ms", 1000),
        "",
        f"{res['learners']} learners, whole class ready after {res['class_ready_s']:.0f} s, "
        f"{len(res['failures'])} failures ({res['date']}).",
    ]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--lesson", default="06")
    parser.add_argument("--browser-sample", type=int, default=2)
    parser.add_argument("--branch", default=None, help="course branch (default: checkout's)")
    parser.add_argument("--json", type=Path, default=RESULTS,
                        help="where the figures go (default: benchmarks/results/hub.json; "
                             "the guide's table is rewritten only for this default)")
    args = parser.parse_args(argv)
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"--learners must be 1..{MAX_LEARNERS}; got {args.learners}")
    hubctl.need_root()
    if not hubctl.healthy(args.port):
        parser.error(f"no hub answers on 127.0.0.1:{args.port}; start it with `sudo make hub`")
    branch = args.branch or subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--abbrev-ref", "HEAD"], capture_output=True,
        text=True).stdout.strip().replace("HEAD", "main")
    lesson = next((ROOT / "notebooks").glob(f"{int(args.lesson):02d}-*.ipynb"), None)
    if lesson is None:
        parser.error(f"no lesson {args.lesson} in notebooks/")
    repo = f"file://{hubctl.state() / 'course.git'}"
    names = [f"bench{i:02d}" for i in range(1, args.learners + 1)]
    password = "bench-" + hubctl.secrets.token_hex(6)
    failures: list[str] = []
    hubctl.add(names, password)
    try:
        import pwd

        users = {pwd.getpwnam(hubctl.PREFIX + n).pw_uid: hubctl.PREFIX + n for n in names}
        learners = [Learner(args.port, hubctl.PREFIX + n, password) for n in names]
        ready: dict[str, float] = {}
        run_all: dict[str, float] = {}

        def arrive(learner: Learner) -> None:
            t0 = time.perf_counter()
            learner.login()
            learner.start_server()
            learner.pull(repo, branch)
            ready[learner.name] = time.perf_counter() - t0

        def work(learner: Learner) -> None:
            run_all[learner.name] = learner.run_notebook(f"fairlab/notebooks/{lesson.name}")

        def each(step, group: list[Learner]) -> None:
            def guarded(learner: Learner) -> None:
                try:
                    step(learner)
                except Exception as err:  # noqa: BLE001 - counted and printed
                    failures.append(f"{learner.name} {step.__name__}: {err!r}")
                    traceback.print_exc()
            with ThreadPoolExecutor(len(group)) as pool:
                list(pool.map(guarded, group))

        sliders: list[float] = []
        with MemoryWatch(users) as watch:
            t_class = time.perf_counter()
            each(arrive, learners)
            all_ready = time.perf_counter() - t_class
            each(work, [x for x in learners if x.name in ready])
            for learner in [x for x in learners if x.name in ready][:args.browser_sample]:
                try:
                    sliders.append(slider_in_browser(learner))
                except Exception as err:  # noqa: BLE001
                    failures.append(f"{learner.name} slider: {err!r}")
                    traceback.print_exc()
        mem = [watch.peak[x.name] / MB for x in learners]
    finally:
        hubctl.remove(names, quiet=True)

    def row(what: str, values: list[float], unit: str, fmt: str = ".1f") -> str:
        if not values:
            return f"{what:<32}{'-':>10}{'-':>10}{'-':>10}"
        return (f"{what:<32}{pct(values, 50):>10{fmt}}{pct(values, 95):>10{fmt}}"
                f"{max(values):>10{fmt}}  {unit}")

    print(f"\n{args.learners} learners on 127.0.0.1:{args.port}, lesson {lesson.name}, "
          f"{len(sliders)} in chromium")
    print(f"{'':<32}{'p50':>10}{'p95':>10}{'max':>10}")
    print(row("login to ready (server + pull)", list(ready.values()), "s"))
    print(row("Run All (all at once)", list(run_all.values()), "s"))
    print(row("memory per learner (peak)", mem, "MB", ".0f"))
    print(row("slider step in the browser", [s * 1000 for s in sliders], "ms", ".0f"))
    print(f"whole class ready after {all_ready:.1f} s; failures: {len(failures)}")
    for f in failures:
        print("  " + f)
    res = {"learners": args.learners, "lesson": lesson.name, "date": time.strftime("%Y-%m-%d"),
           "ready_s": ready, "run_all_s": run_all,
           "memory_mb": {n: round(m) for n, m in zip(names, mem, strict=True)},
           "slider_s": sliders, "class_ready_s": all_ready, "failures": failures}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(res, indent=1) + "\n")
    if args.json == RESULTS and not failures:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_kernels import GUIDE, replace_block

        GUIDE.write_text(replace_block(GUIDE.read_text(), "hubbench", hub_markdown(res)))
        print(f"wrote {RESULTS.relative_to(ROOT)} and the guide's load-test table")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
