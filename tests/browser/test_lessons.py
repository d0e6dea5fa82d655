"""Every lesson, opened and run in a real JupyterLab the way a learner does it.

Lessons are found at collection time (``notebooks/[0-9][0-9]-*.ipynb``), so a new lesson is
tested without touching this file. Screenshots land in ``tests/browser/artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.jupyter_harness import (
    dialogs,
    error_outputs,
    full_screenshot,
    lessons,
    open_notebook,
    run_all,
    toasts,
    wait_kernel_idle,
    widget_problems,
)

ARTIFACTS = Path(__file__).parent / "artifacts"
SETTLE_S = 20  # widgets get up to this long after the kernel is idle to finish rendering


@pytest.mark.parametrize("lesson", lessons())
def test_lesson_runs_clean_in_the_browser(page, jupyter, lesson):
    open_notebook(page, jupyter, lesson)
    # Learners must never pick a kernel, and the first open shows no news or update toast.
    page.wait_for_timeout(500)
    assert dialogs(page) == [], f"a dialog opened with the lesson: {dialogs(page)}"
    assert toasts(page) == [], f"notification toasts on first open: {toasts(page)}"
    kernel_name = page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName").first
    assert "Python 3" in kernel_name.inner_text(), kernel_name.inner_text()

    run_all(page, timeout=300_000)
    for _ in range(SETTLE_S * 2):  # "Loading widget..." must go away
        page.wait_for_timeout(500)
        if not widget_problems(page):
            break
    page.wait_for_timeout(500)
    wait_kernel_idle(page, timeout=60_000)

    full_screenshot(page, ARTIFACTS / f"{Path(lesson).stem}.png")
    assert error_outputs(page) == []
    assert widget_problems(page) == []
    assert dialogs(page) == [], f"a dialog opened while running: {dialogs(page)}"
    assert page.console_errors == [], f"uncaught page errors: {page.console_errors}"
