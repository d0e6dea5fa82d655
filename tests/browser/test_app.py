"""The explorers as standalone Voilà pages (``make app``), in the real browser.

One Voilà server on 127.0.0.1 (free port) serves ``app/`` exactly as ``make app`` does. Each
page must render its explorer with no error and no code, and one keyboard step on a control
must change the readout (``.fairlab-readout``) and repaint the figure. Screenshots go to
``tests/browser/artifacts/app-*.png``.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.jupyter_harness import ROOT, free_port, normalize_space

APP = ROOT / "app"
ARTIFACTS = Path(__file__).parent / "artifacts"
IN_CI = bool(os.environ.get("CI"))

#: The command ``make app`` runs (plus a free port instead of 8866).
VOILA_ARGS = ["--no-browser", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
              "--VoilaConfiguration.strip_sources=True",
              "--VoilaConfiguration.show_tracebacks=False"]

#: page → (explorer class, the control a learner moves, "slider" or "select")
PAGES = {
    "bias-sources.ipynb": ("BiasSourcesExplorer", "historical_bias", "slider"),
    "lambda.ipynb": ("LambdaExplorer", "lam", "slider"),
    "thresholds.ipynb": ("ThresholdExplorer", "t_female", "slider"),
    "metrics.ipynb": ("MetricExplorer", "metric", "select"),
}

ERRORS = ('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], '
          '.jp-OutputArea-output[data-mime-type*="error"], '
          '.jp-RenderedText[data-mime-type*="error"]')
CODE = ".jp-CodeCell .jp-InputArea, .jp-InputArea-editor, .cm-editor, .CodeMirror"


class VoilaServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="fairlab-voila-"))
        self.log_path = self.tmp / "voila.log"
        self.proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> VoilaServer:
        voila = ROOT / ".venv" / "bin" / "voila"
        if not voila.exists():
            voila = Path(shutil.which("voila") or voila)
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # tests/conftest.py sets Agg; the pages use ipympl
        env.update(JUPYTER_CONFIG_DIR=str(ROOT / ".jupyter"), PYTHONHASHSEED="0",
                   JUPYTER_PLATFORM_DIRS="1", JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"))
        cmd = [str(voila), *VOILA_ARGS, f"--port={self.port}", str(APP)]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited with {self.proc.returncode}:\n{self.log()}")
            try:
                urllib.request.urlopen(self.base_url + "/", timeout=5).close()
                return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"voila did not answer in {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            pgid = os.getpgid(self.proc.pid)
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            try:  # kernels share the process group
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if getattr(self, "_log", None):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def voila():
    server = VoilaServer().start()
    yield server
    server.stop()


@pytest.fixture
def app_page(browser_context, voila):
    page = browser_context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    page.close()


def _screenshot(page, name: str) -> None:
    """The whole page: Voilà scrolls inside its own panel, so grow the viewport first."""
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('*')]"
                           ".map(e => e.scrollHeight))")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 6000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / f"app-{name}.png"), full_page=True)
    page.set_viewport_size(size)


def _available(cls: str) -> tuple[bool, str]:
    import fairlab.widgets

    try:
        getattr(fairlab.widgets, cls)
    except (ImportError, AttributeError) as exc:
        return False, str(exc)
    return True, ""


def test_served_on_loopback_only(voila):
    """``make app`` is for a projector on this machine: nothing listens beyond 127.0.0.1."""
    import psutil

    listening = [c.laddr for c in psutil.Process(voila.proc.pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and {a.ip for a in listening} == {"127.0.0.1"}, listening
    assert {a.port for a in listening} == {voila.port}


def test_index_links_every_page(app_page, voila):
    page = app_page
    page.goto(f"{voila.base_url}/voila/render/index.ipynb", timeout=120_000)
    page.locator("h1", has_text="fairlab explorers").wait_for(timeout=60_000)
    hrefs = page.locator("a[href$='.ipynb']").evaluate_all("els => els.map(e => "
                                                           "e.getAttribute('href'))")
    assert sorted(set(hrefs)) == sorted(PAGES)
    assert all((APP / h).exists() for h in hrefs), hrefs
    assert page.locator(CODE).count() == 0
    _screenshot(page, "index")
    page.goto(voila.base_url + "/", timeout=60_000)  # what `make app` opens: the file tree
    page.get_by_text("index.ipynb").first.wait_for(timeout=30_000)
    _screenshot(page, "tree")


@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_and_responds(app_page, voila, name):
    cls, control, kind = PAGES[name]
    if not (APP / name).exists() or not _available(cls)[0]:
        why = _available(cls)[1] or f"app/{name} missing"
        if IN_CI:
            pytest.fail(f"{cls}: page not available ({why})", pytrace=False)
        pytest.skip(f"{cls}: page not available yet ({why})")
    page = app_page
    page.goto(f"{voila.base_url}/voila/render/{name}", timeout=180_000)
    panel = page.locator(".fairlab-explorer").first
    panel.wait_for(state="visible", timeout=180_000)
    readout = panel.locator(".fairlab-readout").first
    page.wait_for_function("el => el.textContent.trim().length > 0",
                           arg=readout.element_handle(), timeout=30_000)
    drawn_in_page = panel.locator(".fairlab-view").count() > 0  # widgets.browser views
    if not drawn_in_page:
        canvas = panel.locator(".jupyter-matplotlib-canvas-div canvas").first
        page.wait_for_function("c => (c.__fairlabDraws || 0) > 0",
                               arg=canvas.element_handle(), timeout=30_000)
    page.wait_for_timeout(500)

    body = page.locator("body").inner_text()
    assert page.locator(ERRORS).count() == 0, body[-2000:]
    for phrase in ("Traceback", "Error displaying widget", "There was an error"):
        assert phrase not in body, f"{name}: page shows {phrase!r}"
    assert page.locator(CODE).count() == 0, f"{name}: code cells are shown"
    assert not re.search(r"^\s*(from|import) \w", body, re.M), f"{name}: code text is shown"
    assert page.console_errors == []

    before = normalize_space(readout.inner_text())
    if drawn_in_page:  # the page computes and draws the move itself
        target = panel.locator(f".fairlab-view :is(input, select).fairlab-control-{control}").first
        drawn = panel.locator(".fairlab-view").first.get_attribute("data-state")
    else:
        draws = canvas.evaluate("c => c.__fairlabDraws")
        target = panel.locator(f".fairlab-control-{control} "
                               + (".noUi-handle" if kind == "slider" else "select")).first
    target.focus()
    page.keyboard.press("ArrowRight" if kind == "slider" else "ArrowDown")
    page.wait_for_function("([el, txt]) => el.textContent.replace(/\\s+/g, ' ').trim() !== txt",
                           arg=[readout.element_handle(), before], timeout=20_000)
    after = normalize_space(readout.inner_text())
    assert after != before
    if drawn_in_page:
        # the view records the state of each frame it drew (a one-step move may leave a
        # ROC point where it was, so the drawn state, not the pixels, is compared)
        assert panel.locator(".fairlab-view").first.get_attribute("data-state") != drawn
    else:
        page.wait_for_function("([c, n]) => c.__fairlabDraws > n",
                               arg=[canvas.element_handle(), draws], timeout=20_000)
    assert page.locator(ERRORS).count() == 0
    _screenshot(page, name.removesuffix(".ipynb"))
