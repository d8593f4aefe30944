"""`make house`: what makes the code hard to change, measured: import circles among the project's packages,
the largest modules, and the functions too long to read at once (outside tests).

A circle counts the imports that run (a module's top level and its functions), not those only a type checker
reads (`if TYPE_CHECKING:`). A function over the limit needs its reason in LONG_FUNCTIONS; a reason whose
function is gone or short again is reported too, so that the list stays true. Exits 1 when anything is over
its limit without a reason.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("components", "tooling", "s3proxy_client")
"""Whose imports of each other may form circles."""
SOURCES = (*PACKAGES, "benchmarks", "examples", "provider", "__main__.py")
"""Where modules and functions are measured: the project's Python outside tests."""
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
LARGEST_SHOWN = 10

LONG_FUNCTIONS: dict[str, str] = {
    "s3proxy_client/cli.py:parser": "the whole command line declared in one place, one add_argument per option, "
    "read top to bottom like the `--help` it prints",
    "s3proxy_client/postman.py:_walkthrough": "the seed's walkthrough as data: its requests in the order they run, "
    "each beside its checks",
    **{
        f"benchmarks/{script}.py:main": "a benchmark run read top to bottom: set up, measure side by side, print each "
        "figure with its ratio in the order benchmarks/README.md's table lists them"
        for script in ("transfer", "peer", "localstack", "program")
    },
}
"""`path:qualified name` of a function allowed over MAX_FUNCTION_LINES -> why it reads better whole."""


@dataclass(frozen=True)
class Module:
    name: str  # dotted, as imported
    path: Path
    tree: ast.Module
    lines: int


def modules_under(root: Path, sources: tuple[str, ...]) -> list[Module]:
    found = []
    for source in sources:
        top = root / source
        for path in sorted([top] if top.is_file() else top.rglob("*.py")):
            if any(part.startswith(".") or part == "node_modules" for part in path.relative_to(root).parts):
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            text = path.read_text()
            found.append(Module(".".join(parts), path, ast.parse(text, str(path)), len(text.splitlines())))
    return found


def _runtime_imports(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement in `node` but those under `if TYPE_CHECKING:`."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
        return
    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
        children: list[ast.AST] = list(node.orelse)
    else:
        children = list(ast.iter_child_nodes(node))
    for child in children:
        yield from _runtime_imports(child)


def _imported(module: Module, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The project modules an import statement loads (an imported name may be a submodule)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        package = module.name if module.path.name == "__init__.py" else module.name.rpartition(".")[0]
        if node.level:
            package = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
            base = f"{package}.{node.module}" if node.module else package
        else:
            base = node.module or ""
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
    return {name for name in names if name in known}


def import_graph(modules: list[Module]) -> dict[str, set[str]]:
    known = {module.name for module in modules}
    return {
        module.name: {
            imported
            for node in _runtime_imports(module.tree)
            for imported in _imported(module, node, known)
            if imported != module.name
        }
        for module in modules
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = lowest[name] = len(index)
        stack.append(name)
        for other in sorted(graph.get(name, ())):
            if other not in index:
                visit(other)
                lowest[name] = min(lowest[name], lowest[other])
            elif other in stack:
                lowest[name] = min(lowest[name], index[other])
        if lowest[name] == index[name]:
            group = []
            while (member := stack.pop()) != name:
                group.append(member)
            group.append(name)
            if len(group) > 1:
                found.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(found)


def functions(module: Module, root: Path) -> Iterator[tuple[str, int]]:
    """(`path:qualified name`, lines) of every function and method, nested ones included."""
    path = module.path.relative_to(root).as_posix()

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                start = min([child.lineno] + [decorator.lineno for decorator in child.decorator_list])
                yield f"{path}:{name}", (child.end_lineno or child.lineno) - start + 1
                yield from walk(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(module.tree, "")


@dataclass
class Report:
    packages: tuple[str, ...]
    circles: list[list[str]]
    largest: list[tuple[str, int]]  # (path, lines), largest first
    long_functions: list[tuple[str, int, str | None]]  # (function, lines, its reason or None)
    stale_reasons: list[str]  # listed functions that are gone or no longer long

    @property
    def problems(self) -> int:
        oversized = sum(lines > MAX_MODULE_LINES for _, lines in self.largest)
        unexplained = sum(reason is None for _, _, reason in self.long_functions)
        return len(self.circles) + oversized + unexplained + len(self.stale_reasons)


def house_report(
    root: Path = ROOT,
    packages: tuple[str, ...] = PACKAGES,
    sources: tuple[str, ...] = SOURCES,
    allowed: dict[str, str] = LONG_FUNCTIONS,
) -> Report:
    modules = modules_under(root, sources)
    in_packages = [module for module in modules if module.name.split(".")[0] in packages]
    by_size = sorted(modules, key=lambda module: (-module.lines, module.name))
    measured = {name: lines for module in modules for name, lines in functions(module, root)}
    long = {name: lines for name, lines in measured.items() if lines > MAX_FUNCTION_LINES}
    return Report(
        packages=packages,
        circles=circles(import_graph(in_packages)),
        largest=[(module.path.relative_to(root).as_posix(), module.lines) for module in by_size],
        long_functions=sorted(((name, lines, allowed.get(name)) for name, lines in long.items()), key=lambda f: -f[1]),
        stale_reasons=sorted(name for name in allowed if name not in long),
    )


def render(report: Report) -> str:
    out = [f"import circles among {', '.join(report.packages)}: {len(report.circles)}"]
    out += [f"  {' -> '.join([*group, group[0]])}" for group in report.circles]
    oversized = [(path, lines) for path, lines in report.largest if lines > MAX_MODULE_LINES]
    shown = report.largest[:LARGEST_SHOWN] + [
        entry for entry in oversized if entry not in report.largest[:LARGEST_SHOWN]
    ]
    out.append(f"largest modules ({len(oversized)} over {MAX_MODULE_LINES} lines):")
    out += [f"  {lines:5} {path}{'  OVER' if lines > MAX_MODULE_LINES else ''}" for path, lines in shown]
    unexplained = sum(reason is None for _, _, reason in report.long_functions)
    out.append(
        f"functions over {MAX_FUNCTION_LINES} lines: {len(report.long_functions)} ({unexplained} without a reason)"
    )
    out += [
        f"  {lines:5} {name}: {reason or 'NO REASON (shorten it, or say why in LONG_FUNCTIONS)'}"
        for name, lines, reason in report.long_functions
    ]
    out += [
        f"  stale reason in LONG_FUNCTIONS: {name} (gone, or {MAX_FUNCTION_LINES} lines or fewer)"
        for name in report.stale_reasons
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make house", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.parse_args(argv)
    report = house_report()
    print(render(report))
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
