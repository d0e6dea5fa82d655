"""Every plot_* function is findable by name and draws (its docstring example is the call).

The name table ``fairlab.plotting._WHERE`` must match the submodules' ``__all__`` exactly,
so a new figure cannot be unfindable; each ``plot_*`` in ``fairlab.plotting.__all__`` is
then drawn by running its own ``Examples`` section (data small enough to count by hand).
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import fairlab.plotting as P  # noqa: E402

PLOTS = sorted(n for n in P.__all__ if n.startswith("plot_"))


def test_name_table_matches_the_submodules():
    found = {}
    for info in pkgutil.iter_modules(P.__path__):
        module = importlib.import_module(f"fairlab.plotting.{info.name}")
        found.update({name: info.name for name in module.__all__})
    assert found == P._WHERE
    assert set(P._WHERE) <= set(P.__all__) and set(P._WHERE) <= set(dir(P))


def test_every_plot_function_is_listed():
    defined = {name for info in pkgutil.iter_modules(P.__path__)
               for name in vars(importlib.import_module(f"fairlab.plotting.{info.name}"))
               if name.startswith("plot_")}
    assert defined <= set(PLOTS)
    assert len(PLOTS) >= 27


@pytest.mark.parametrize("name", PLOTS)
def test_every_plot_function_draws(name):
    func = getattr(P, name)
    tests = doctest.DocTestFinder().find(func, name, globs={"np": __import__("numpy"),
                                                            "pd": __import__("pandas"),
                                                            name: func})
    examples = [t for t in tests if t.examples]
    assert examples, f"{name} has no Examples section to draw it with"
    plt.close("all")
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for t in examples:
        runner.run(t)
    assert runner.failures == 0
    figs = [plt.figure(n) for n in plt.get_fignums()]
    assert figs, f"{name} drew no figure"
    assert any(ax.get_children() for fig in figs for ax in fig.axes)
    plt.close("all")
