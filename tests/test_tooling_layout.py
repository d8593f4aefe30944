"""The tooling's modules import one another one way: no circle, entry points on top."""

from __future__ import annotations

import ast
from pathlib import Path

from tooling.program import ROOT

TOOLING = ROOT / "tooling"
ENTRY_POINTS = {"tooling.deploy", "tooling.preview", "tooling.demo"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The tooling modules `path` imports, at the top or inside a function."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names = [f"{target}.{alias.name}" for alias in node.names]
            if node.module is None:  # `from . import a`: the modules named, not their package
                target = names.pop()
                found |= set(names)
            found |= {
                name
                for name in [target, *names]
                if (ROOT / (name.replace(".", "/") + ".py")).is_file()
                or (ROOT / name.replace(".", "/") / "__init__.py").is_file()
            }
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("tooling.")}
    return {name for name in found if name.startswith("tooling") and name != module_name(path)}


def graph() -> dict[str, set[str]]:
    return {module_name(path): imports_of(path) for path in TOOLING.rglob("*.py")}


def test_no_tooling_module_imports_itself_back_through_others():
    edges = graph()
    assert "tooling.program" in edges["tooling.deploy"]  # the imports are seen at all
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        assert module not in visiting, " -> ".join([*visiting[visiting.index(module) :], module])
        if module in done:
            return
        visiting.append(module)
        for target in edges.get(module, ()):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in edges:
        visit(module)


def test_only_entry_points_import_entry_points():
    edges = graph()
    importers = {module for module, targets in edges.items() if targets & ENTRY_POINTS}
    assert importers <= ENTRY_POINTS, importers
