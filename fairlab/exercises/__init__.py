"""Exercise checks: ``check_<name>(answer)`` prints ✓ or a hint, never the answer.

Each lesson's checks live in ``fairlab.exercises.lessonNN`` and are found here by
name, so a lesson writes ``from fairlab import exercises`` and
``exercises.check_<name>(answer)``. Every check returns True or False, so tests
can call it; wrong types get a hint, not a traceback.
"""

from __future__ import annotations

import importlib
import pkgutil

from fairlab.exercises._core import check_number, check_option, feedback

__all__ = ["feedback", "check_number", "check_option", "all_checks"]


def all_checks() -> dict:
    """Every ``check_*`` function of every lesson, by name."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in getattr(module, "__all__", ()):
            if name.startswith("check_"):
                found[name] = getattr(module, name)
    return found


def __getattr__(name: str):
    checks = all_checks()
    if name in checks:
        return checks[name]
    raise AttributeError(f"fairlab.exercises has no check named {name!r}; "
                         f"available: {sorted(checks)}")
