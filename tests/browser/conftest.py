"""Fixtures for the real-browser tests: one JupyterLab and one headless chromium per session.

In CI (``CI`` set) these tests must really run: a missing chromium or a skipped browser test
is a failure. Outside CI a missing chromium skips them with the command that installs it.
"""

from __future__ import annotations

import os

import pytest

from tests.browser.jupyter_harness import (
    CHROMIUM,
    INSTALL_HINT,
    JupyterServer,
    launch_browser,
    shutdown_kernels,
)

IN_CI = bool(os.environ.get("CI"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skipped browser test is a failure: the suite must have really run."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)  # lets fixtures screenshot failures
    if IN_CI and report.skipped and "tests/browser" in str(item.path).replace(os.sep, "/"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"browser test skipped in CI (a skip is a failure here): {reason}"


@pytest.fixture(scope="session")
def chromium_path():
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"CI is set but {INSTALL_HINT}", pytrace=False)
        pytest.skip(INSTALL_HINT)
    return CHROMIUM


@pytest.fixture(scope="session")
def jupyter():
    """JupyterLab on 127.0.0.1 with a random port and token over a copy of notebooks/."""
    server = JupyterServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_context(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        if IN_CI:
            pytest.fail("playwright is not installed in .venv", pytrace=False)
        pytest.skip("playwright is not installed; run `make test` once to install it")
    with sync_playwright() as p, launch_browser(p) as context:
        context.set_default_timeout(60_000)
        yield context


@pytest.fixture
def page(browser_context, jupyter):
    """A fresh tab; its kernels are shut down afterwards."""
    page = browser_context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    page.close()
    shutdown_kernels(jupyter, wait=False)

