"""The import rules of docs/architecture.md, checked on the source (AST, nothing imported).

1. No import cycles between fairlab modules, counting imports inside functions too
   (a lazy import still ties two modules together for a reader).
2. No module imports another module's private ``_name`` helpers or private ``_module``,
   except from the modules made to be shared (:data:`SHARED`), or a package-private
   ``_module`` from inside its own package (``widgets/_intervals`` for the widgets,
   ``exercises/_core`` for the exercises): their helpers serve that package only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "fairlab"
#: Private modules every fairlab module may import from.
SHARED = {"fairlab._validation", "fairlab._nn", "fairlab.widgets._explorer"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports_of(name: str) -> list[tuple[str, str | None, int]]:
    """``(module, imported name or None, line)`` for every fairlab import in ``name``."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names
                    if a.name.split(".")[0] == "fairlab"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "fairlab":
                continue
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.append((sub, None, node.lineno) if sub in MODULES
                           else (base, a.name, node.lineno))
    return out


def resolve(target: str) -> str:
    """The fairlab module a dotted import lands in (``fairlab.x.y`` → longest known)."""
    while target not in MODULES and "." in target:
        target = target.rpartition(".")[0]
    return target


def graph() -> dict[str, set[str]]:
    return {m: {resolve(t) for t, _, _ in imports_of(m)} - {m} for m in MODULES}


def package_of(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def private_violations(name: str) -> list[str]:
    bad = []
    for target, imported, line in imports_of(name):
        mod = resolve(target)
        private_module = any(p.startswith("_") and p != "__init__" for p in mod.split("."))
        private_name = (imported is not None and imported.startswith("_")
                        and not imported.startswith("__"))
        if not (private_module or private_name) or mod in SHARED:
            continue
        if private_module and not private_name and package_of(mod) == package_of(name):
            continue  # a package-private helper module, used inside its own package
        what = f"{mod}.{imported}" if imported else mod
        bad.append(f"{MODULES[name].relative_to(ROOT.parent)}:{line} imports {what}")
    return bad


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_every_module_is_parsed():
    assert {"fairlab", "fairlab.metrics", "fairlab._nn", "fairlab.widgets._explorer"} <= set(
        MODULES)


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " → ".join(cycle)


def test_no_private_cross_imports():
    bad = [v for m in MODULES for v in private_violations(m)]
    assert not bad, "private helpers imported across modules:\n" + "\n".join(bad)


# ------------------------------------------------------------ the checks can fail
def test_cycle_finder_finds_a_planted_cycle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(edges) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize(("source", "flagged"), [
    ("from fairlab.training import _encode_labels\n", True),
    ("from fairlab.widgets._intervals import ci_html\n", True),  # outside widgets
    ("from fairlab._nn import forward\n", False),
    ("from fairlab._validation import check_int\n", False),
    ("from fairlab.metrics import GAPS\n", False),
])
def test_private_rule_on_planted_sources(tmp_path, monkeypatch, source, flagged):
    planted = ROOT / "_planted_for_test.py"
    monkeypatch.setitem(MODULES, "fairlab.planted", planted)
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source
                        if self == planted else Path.read_bytes(self).decode(), raising=True)
    assert bool(private_violations("fairlab.planted")) is flagged
