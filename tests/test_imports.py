"""The shape of the package: no import cycle among analysis modules, no private name used
from another module."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "analysis"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def absolute(node: ast.ImportFrom, importer: str) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".") if is_package(importer) else importer.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def module_level_imports(tree: ast.Module):
    """Import statements run when the module is imported (not inside functions or
    ``if TYPE_CHECKING:``)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
            pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
        elif isinstance(node, (ast.With,)):
            pending += node.body


def edges(name: str, tree: ast.Module) -> set[str]:
    """The analysis modules ``name`` imports at module level."""
    found = set()
    for node in module_level_imports(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        else:
            source = absolute(node, name)
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:
                    found.add(f"{source}.{alias.name}")
                elif source in MODULES:
                    found.add(source)
    return found - {name}


def graph() -> dict[str, set[str]]:
    return {name: edges(name, ast.parse(path.read_text(encoding="utf-8"))) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_analysis_modules():
    assert len(MODULES) > 50
    assert "analysis.cli.load" in graph()["analysis.cli"]
    assert find_cycle(graph()) is None, " -> ".join(find_cycle(graph()))


def test_no_private_name_is_imported_from_another_module():
    offenders = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                source = absolute(node, name)
                if source.split(".")[0] != "analysis":
                    continue
                offenders += [f"{name}: from {source} import {a.name}" for a in node.names
                              if a.name.startswith("_") and not a.name.startswith("__")]
            elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                # module._name where module is an analysis module imported under that name
                if isinstance(node.value, ast.Name) and node.value.id in imported_modules(path):
                    offenders.append(f"{name}: {node.value.id}.{node.attr}")
    assert offenders == []


def imported_modules(path: Path) -> set[str]:
    """Local names bound to analysis modules in ``path`` (``import analysis.x as y``,
    ``from analysis import x``)."""
    names = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.name in MODULES and a.asname}
        elif isinstance(node, ast.ImportFrom):
            source = absolute(node, me)
            names |= {a.asname or a.name for a in node.names if f"{source}.{a.name}" in MODULES}
    return names
