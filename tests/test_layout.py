"""The pipeline's shape: the engine's modules import each other without circles (function-
level imports included, type-only ones not), and the CLI reaches the engine only through
`codemods.api`."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Set

from conftest import ROOT


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def sibling_imports(path: Path, package: str) -> Set[str]:
    """Modules of ``package`` that ``path`` imports at run time, wherever the import stands."""
    found: Set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            return
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    modules = {p.stem for p in path.parent.glob("*.py")} | {p.name for p in path.parent.iterdir() if p.is_dir()}
    return (found & modules) - {path.stem, package}


def import_graph(folder: Path) -> Dict[str, Set[str]]:
    return {p.stem: sibling_imports(p, folder.name) for p in sorted(folder.glob("*.py")) if p.stem != "__init__"}


def cycle_in(graph: Dict[str, Set[str]]):
    state: Dict[str, str] = {}

    def walk(node: str, path: list):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path + [node, nxt]
            if nxt not in state:
                found = walk(nxt, path + [node])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = walk(node, [])
            if found:
                return found
    return None


def test_the_engines_modules_import_each_other_without_circles() -> None:
    graph = import_graph(ROOT / "codemods")
    assert "engine" in graph and "api" in graph["api"] | {"api"}
    assert cycle_in(graph) is None, " -> ".join(cycle_in(graph))


def test_the_cli_reaches_the_engine_only_through_the_api() -> None:
    for path in sorted((ROOT / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("asyncio_upgrade.codemods"):
                assert node.module in ("asyncio_upgrade.codemods.api", "asyncio_upgrade.codemods.registry"), (
                    f"{path.name} imports {node.module}"
                )
