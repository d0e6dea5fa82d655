"""Exercises and explorers are findable by name: explicit tables, ``__all__`` and ``dir()``."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import fairlab.exercises as E
import fairlab.widgets as W


def test_every_check_is_in_the_exercise_table_and_dir():
    found = {}
    for info in pkgutil.iter_modules(E.__path__):
        if info.name.startswith("lesson"):
            module = importlib.import_module(f"fairlab.exercises.{info.name}")
            found.update({n: info.name for n in module.__all__ if n.startswith("check_")})
    assert found == E._WHERE
    assert set(found) <= set(dir(E)) and set(found) <= set(E.__all__)
    assert E.check_pareto_count is importlib.import_module(
        "fairlab.exercises.lesson11").check_pareto_count
    assert set(E.all_checks()) == set(found)


def test_every_explorer_is_in_the_widget_table_and_dir():
    for name, module in W._WHERE.items():
        cls = getattr(importlib.import_module(f"fairlab.widgets.{module}"), name)
        assert issubclass(cls, W.Explorer), name
    assert set(W._WHERE) <= set(dir(W)) and set(W._WHERE) <= set(W.__all__)


def test_a_lessons_exercise_module_is_reachable_from_the_package():
    import fairlab.exercises as ex

    assert ex.lesson15.FGSM_STEP["epsilon"] > 0  # solutions read a lesson's exercise data
    with pytest.raises(AttributeError, match="no check named 'lesson99'"):
        ex.lesson99  # noqa: B018
