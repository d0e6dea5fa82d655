"""Drive a real JupyterLab in Debian's chromium: shared by the browser tests and the benchmark.

Nothing here is a test. :class:`JupyterServer` starts ``jupyter lab`` from the project's
``.venv`` on 127.0.0.1 with a free port, a random token, the project's own Jupyter config
(``<repo>/.jupyter``: no news prompt, no update check) and a temporary copy of ``notebooks/``;
:func:`launch_browser` starts headless chromium with the flags CI needs; the ``*_notebook``
helpers open a notebook, run every cell and wait until the kernel is idle.

Selectors that work in JupyterLab 4.6 (found by trying them):

- Run All: click the menu bar item ``.lm-MenuBar-item`` "Run", then
  ``.lm-Menu-item[data-command="runmenu:run-all"]`` ("Run All Cells"). The command palette
  (Ctrl+Shift+C) opened but its input was not fillable headless, so it is not used.
- Kernel idle: the toolbar's ``.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator``
  has ``data-status="idle"`` AND the status bar's kernel item
  ``.jp-StatusBar-TextItem[title^="Change kernel"]`` reads "Python 3 (ipykernel) | Idle"
  (the toolbar indicator already says idle while the status bar says "No Kernel |
  Initializing") AND no ``.jp-InputArea-prompt`` shows ``[*]``.
- Kernel picker: ``.jp-Dialog`` ("Select Kernel"); news prompt and other notifications:
  ``.Toastify__toast``. Both were checked to appear with an empty Jupyter config and a
  notebook without a kernelspec.
- A focused, closed ``<select>`` does not take ArrowUp/ArrowDown: JupyterLab's command-mode
  shortcuts take them and move the cell cursor (see ``explorer_cases.keyboard_step``).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
# Debian's chromium; FAIRLAB_CHROMIUM overrides the path (e.g. to check the "missing" path).
CHROMIUM = Path(os.environ.get("FAIRLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
INSTALL_HINT = (
    f"Debian chromium is not installed at {CHROMIUM}; install it with "
    "`sudo apt-get update && sudo apt-get install -y chromium` (CI's .ci/run does this)."
)
LESSON_GLOB = "[0-9][0-9]-*.ipynb"

# Where a stderr traceback or an error output shows in a notebook.
ERROR_OUTPUT = (
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
    ' .jp-RenderedText[data-mime-type*="error"]'
)
KERNEL_STATUS = ".jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator"
# The status bar's kernel item: "Python 3 (ipykernel) | Idle" once the kernel is connected
# (the toolbar indicator already says "idle" while there is "No Kernel").
KERNEL_STATUSBAR = '.jp-StatusBar-TextItem[title^="Change kernel"]'



def lessons() -> list[str]:
    """File names of the lessons, in order (read at collection time)."""
    return sorted(p.name for p in NOTEBOOKS.glob(LESSON_GLOB))


def jupyter_executable() -> Path:
    """``jupyter`` from the project's venv (next to this interpreter if that is the venv)."""
    venv_jupyter = ROOT / ".venv" / "bin" / "jupyter"
    for candidate in (venv_jupyter, Path(sys.executable).with_name("jupyter")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no jupyter in {ROOT / '.venv'}; run `make lab` once to create it.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """A JupyterLab server on a temporary copy of ``notebooks/``; use as a context manager."""

    def __init__(self, *, source: Path | None = NOTEBOOKS,
                 startup_timeout: float = 120.0) -> None:
        self.source = source
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.tmp = Path(tempfile.mkdtemp(prefix="fairlab-browser-"))
        self.root_dir = self.tmp / "notebooks"
        self.proc: subprocess.Popen | None = None
        self.log_path = self.tmp / "jupyter.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}/{path}{sep}token={self.token}"

    def api(self, path: str) -> Any:
        request = urllib.request.Request(
            f"{self.base_url}/api/{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())

    def start(self) -> JupyterServer:
        if self.source is not None and self.source.exists():
            shutil.copytree(self.source, self.root_dir,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        else:
            self.root_dir.mkdir(parents=True)
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # tests/conftest.py sets Agg; the kernel must use ipympl
        env.update(JUPYTER_CONFIG_DIR=str(ROOT / ".jupyter"), PYTHONHASHSEED="0",
                   JUPYTER_PLATFORM_DIRS="1", JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"))
        cmd = [
            str(jupyter_executable()), "lab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
            # Keep this run's open tabs out of the project's .jupyter/lab/workspaces.
            f"--LabApp.workspaces_dir={self.tmp / 'workspaces'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=self.root_dir, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}:\n"
                                   + self.log())
            try:
                self.api("status")
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"jupyter lab did not answer /api/status in {self.startup_timeout} s:\n"
                           + self.log())

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            pgid = os.getpgid(self.proc.pid)
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            # Kernels are in the same process group; make sure none survives.
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# Installed in every page: when a key was last pressed, and when each canvas last got an
# image (ipympl paints its figure with drawImage), both on the page's performance clock.
PROBES_JS = """
(() => {
  window.__fairlabLastKey = 0;
  document.addEventListener('keydown', () => { window.__fairlabLastKey = performance.now(); },
                            true);
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    try {
      this.canvas.__fairlabLastDraw = performance.now();
      this.canvas.__fairlabDraws = (this.canvas.__fairlabDraws || 0) + 1;
      (this.canvas.__fairlabDrawTimes = this.canvas.__fairlabDrawTimes || []).push(
        performance.now());
    } catch (e) {}
    return draw.apply(this, args);
  };
})();
"""


@contextmanager
def launch_browser(playwright: Any) -> Iterator[Any]:
    """Headless Debian chromium with a fresh user-data-dir; yields a Browser."""
    profile = tempfile.mkdtemp(prefix="fairlab-chromium-")
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1280, "height": 900},
        device_scale_factor=1,
    )
    context.add_init_script(PROBES_JS)
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


# ------------------------------------------------------------------------ notebook helpers
def open_notebook(page: Any, server: JupyterServer, name: str, *, timeout: float = 90_000) -> Any:
    """Open ``name`` in a fresh lab tab and wait until its kernel is connected and idle."""
    page.goto(server.url(f"lab/tree/{name}?reset"), wait_until="domcontentloaded",
              timeout=timeout)
    page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=timeout)
    wait_kernel_idle(page, timeout=timeout)
    return page


def kernel_status(page: Any) -> str | None:
    return page.locator(KERNEL_STATUS).first.get_attribute("data-status")


def wait_kernel_idle(page: Any, *, timeout: float = 180_000) -> None:
    """Wait until the kernel status says idle and no cell shows ``[*]``."""
    page.wait_for_function(
        """([sel, bar]) => {
            const s = document.querySelector(sel);
            if (!s || s.getAttribute('data-status') !== 'idle') return false;
            const b = document.querySelector(bar);
            if (!b || !/\\|\\s*Idle\\s*$/.test(b.textContent)) return false;
            const prompts = document.querySelectorAll('.jp-InputArea-prompt');
            for (const p of prompts) if (p.textContent.includes('[*]')) return false;
            return true;
        }""",
        arg=[KERNEL_STATUS, KERNEL_STATUSBAR],
        timeout=timeout,
        polling=100,
    )


def run_menu_command(page: Any, menu: str, command: str, *, timeout: float = 15_000) -> None:
    """Click ``menu`` in the menu bar, then the item that runs ``command`` (a command id)."""
    page.locator(".lm-MenuBar-item", has_text=menu).first.click(timeout=timeout)
    item = page.locator(f'.lm-Menu-item[data-command="{command}"]').first
    item.wait_for(state="visible", timeout=timeout)
    item.click(timeout=timeout)


def run_all(page: Any, *, timeout: float = 300_000) -> None:
    """Run every cell (Run menu → Run All Cells) and wait for the kernel to go idle."""
    run_menu_command(page, "Run", "runmenu:run-all")
    # The kernel goes busy almost at once; give it a moment before waiting for idle.
    try:
        page.wait_for_function(
            """(sel) => {
                const s = document.querySelector(sel);
                if (s && s.getAttribute('data-status') === 'busy') return true;
                return [...document.querySelectorAll('.jp-InputArea-prompt')]
                    .some(p => /\\[[*0-9]+\\]/.test(p.textContent));
            }""",
            arg=KERNEL_STATUS, timeout=15_000, polling=50,
        )
    except Exception:  # very fast notebooks may finish before we look
        pass
    wait_kernel_idle(page, timeout=timeout)


def error_outputs(page: Any) -> list[str]:
    """Texts of outputs that are errors (tracebacks on stderr or error mimetypes)."""
    texts = page.locator(ERROR_OUTPUT).all_inner_texts()
    return [t for t in texts if "Traceback" in t or "Error" in t]


def widget_problems(page: Any) -> list[str]:
    """Widgets that failed to render or are still loading."""
    problems = []
    for phrase in ("Error displaying widget", "Loading widget..."):
        n = page.locator(".jp-OutputArea-output", has_text=phrase).count()
        if n:
            problems.append(f"{n} output(s) show {phrase!r}")
    return problems


def toasts(page: Any) -> list[str]:
    """Texts of visible notification toasts (news prompt, update check, ...)."""
    return page.locator(".Toastify__toast").all_inner_texts()


def dialogs(page: Any) -> list[str]:
    """Texts of open modal dialogs (e.g. the kernel picker)."""
    return page.locator(".jp-Dialog").all_inner_texts()


def write_notebook(path: Path, sources: list[str]) -> Path:
    """Write a python3 notebook with one code cell per source (no outputs)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def shutdown_kernels(server: JupyterServer, *, wait: bool = True) -> None:
    """Shut down every kernel session open now (keeps memory low between notebooks).

    The sessions are listed at once; with ``wait=False`` they are deleted in a background
    thread, so the next notebook need not wait for a graceful kernel shutdown (and its own,
    later session is not on the list). ``JupyterServer.stop`` kills any leftover.
    """
    try:
        ids = [s["id"] for s in server.api("sessions")]
    except OSError:
        return

    def delete() -> None:
        for sid in ids:
            request = urllib.request.Request(
                f"{server.base_url}/api/sessions/{sid}", method="DELETE",
                headers={"Authorization": f"token {server.token}"})
            try:
                urllib.request.urlopen(request, timeout=30).close()
            except OSError:
                pass

    if wait:
        delete()
    else:
        import threading

        threading.Thread(target=delete, daemon=True).start()


def cells(page: Any) -> Any:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")


def run_cell(page: Any, index: int, *, timeout: float = 60_000) -> str:
    """Run code cell ``index`` (Ctrl+Enter in command mode) and return its output text."""
    cell = cells(page).nth(index)
    prompt = cell.locator(".jp-InputPrompt").first
    before = prompt.inner_text()
    prompt.click()  # selects the cell, command mode
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        """([el, before]) => {
            const t = el.textContent;
            return t !== before && !t.includes('*') && /\\[\\d+\\]/.test(t);
        }""",
        arg=[prompt.element_handle(), before], timeout=timeout, polling=50)
    return cell.locator(".jp-OutputArea").first.inner_text()


def notebook_scroller(page: Any) -> Any:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").first


LAST_CELL_BOTTOM_JS = """e => {
    const cells = e.querySelectorAll('.jp-Cell');
    if (!cells.length) return 0;
    const last = cells[cells.length - 1].getBoundingClientRect().bottom;
    return last - e.getBoundingClientRect().top + e.scrollTop;
}"""


def full_screenshot(page: Any, path: Path, *, max_height: int = 30_000) -> None:
    """Screenshot the whole notebook: grow the viewport to its height, shoot, restore.

    The notebook estimates the height of cells it has not painted yet, and pads its end by
    a share of the viewport (scroll past the end), so the viewport grows until the last
    cell's bottom edge fits, measured again after each growth.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    scroller = notebook_scroller(page)
    scroller.evaluate("e => e.scrollTo(0, 0)")
    height = size["height"]
    for _ in range(6):
        needed = scroller.evaluate(LAST_CELL_BOTTOM_JS) + 30
        visible = scroller.evaluate("e => e.clientHeight")
        if needed <= visible or height >= max_height:
            break
        height = min(max_height, int(height + needed - visible))
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(600)  # let newly visible cells and widgets paint
    page.wait_for_timeout(400)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def element_screenshot(page: Any, element: Any, path: Path) -> None:
    """Screenshot one element, growing the viewport first when it is taller than the view."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    box = element.bounding_box()
    if box and box["height"] + 200 > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": int(box["height"] + 300)})
        page.wait_for_timeout(500)
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(path))
    page.set_viewport_size(size)


def canvas_data_url(panel: Any) -> str:
    """The figure pixels of the ipympl canvas inside ``panel`` (a locator), as a data URL."""
    return panel.locator(".jupyter-matplotlib-canvas-div canvas").first.evaluate(
        "c => c.toDataURL()")


def normalize_space(text: str) -> str:
    return " ".join(text.split())
