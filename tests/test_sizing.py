"""The instructor guide's sizing figures are the measured ones, and the arithmetic is right."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def load(name: str):
    """A benchmark script as a module (by path: another package is called `benchmarks`)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bk = load("bench_kernels")

FIGURES = json.loads((ROOT / "benchmarks" / "results" / "kernels.json").read_text())
GUIDE = (ROOT / "docs" / "instructor-guide.md").read_text()


def block(text: str, name: str) -> str:
    start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
    return text.split(start, 1)[1].split(end, 1)[0]


def test_generated_table_and_guide_match_the_figures() -> None:
    table = bk.sizing_markdown(FIGURES)
    assert (ROOT / "docs" / "_generated" / "sizing.md").read_text() == table
    assert block(GUIDE, "sizing") == table
    assert len(FIGURES["lessons"]) == len(list((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb")))


def test_per_learner_arithmetic_by_hand() -> None:
    figures = {"machine": "m", "threads": 1, "date": "d", "lessons": [
        {"lesson": "00", "start_mb": 50, "peak_mb": 100, "run_all_s": 1.0, "torch": False},
        {"lesson": "01", "start_mb": 50, "peak_mb": 300, "run_all_s": 2.0, "torch": False},
        {"lesson": "02", "start_mb": 50, "peak_mb": 200, "run_all_s": 3.0, "torch": False},
        {"lesson": "03", "start_mb": 60, "peak_mb": 900, "run_all_s": 9.0, "torch": True},
    ]}
    # no networks: server + max(100, 300, 200) + median 200; all: server + 900 + lower median 200
    assert bk.per_learner_mb(figures, networks=False) == bk.SERVER_MB + 300 + 200
    assert bk.per_learner_mb(figures) == bk.SERVER_MB + 900 + 200
    table = bk.sizing_markdown(figures)
    light, full = bk.SERVER_MB + 500, bk.SERVER_MB + 1100
    row30 = (f"| 30 | {math.ceil(30 * light * 1.25 / 1024)} GiB | "
             f"{math.ceil(30 * full * 1.25 / 1024)} GiB | 10 |")
    assert row30 in table
    assert "| 03 | 60 MB | 900 MB | 9 s | yes |" in table


def test_replace_block_needs_its_markers() -> None:
    text = "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n"
    assert bk.replace_block(text, "x", "new\n") == "a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb\n"
    with pytest.raises(ValueError, match="the guide has no <!-- y:start --> .* add the two"):
        bk.replace_block(text, "y", "new\n")


def test_z2jh_values_are_sized_from_the_figures() -> None:
    values = yaml.safe_load((ROOT / "deploy" / "z2jh" / "values.yaml").read_text())
    user = values["singleuser"]
    assert user["memory"]["guarantee"] == f"{bk.per_learner_mb(FIGURES)}M"
    limit_mb = int(user["memory"]["limit"].rstrip("G")) * 1024
    assert limit_mb >= bk.per_learner_mb(FIGURES)
    assert user["cpu"]["guarantee"] == round(1 / bk.LEARNERS_PER_CORE, 2)
    assert user["extraEnv"]["OMP_NUM_THREADS"] == "1"
    assert values["cull"]["enabled"] and values["cull"]["timeout"] == 3600
    assert values["scheduling"]["userPlaceholder"]["enabled"]
    assert values["hub"]["config"]["NativeAuthenticator"]["open_signup"] is False


def test_hub_load_test_table_matches_its_figures() -> None:
    results = ROOT / "benchmarks" / "results" / "hub.json"
    res = json.loads(results.read_text())
    assert res["failures"] == []
    assert block(GUIDE, "hubbench") == load("bench_hub").hub_markdown(res)
