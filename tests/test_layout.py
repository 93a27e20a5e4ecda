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


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path, root: Path, modules: Set[str]) -> Set[str]:
    """Modules under ``root`` that ``path`` imports at run time, wherever the import stands
    (type-only imports left out), each resolved to the longest module name it names."""
    package = module_name(path, root).split(".") if path.stem == "__init__" else module_name(path, root).split(".")[:-1]
    found: Set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            return
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = [*base, *(node.module.split(".") if node.module else [])]
            for alias in node.names:
                candidates = [".".join([*target, alias.name]), ".".join(target)]
                found.update(next(([c] for c in candidates if c in modules), []))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found - {module_name(path, root), ""}


def import_graph(root: Path) -> Dict[str, Set[str]]:
    paths = [p for p in sorted(root.rglob("*.py")) if "rules" not in p.relative_to(root).parts]
    modules = {module_name(p, root) for p in paths}
    return {module_name(p, root): runtime_imports(p, root, modules) for p in paths}


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
    assert "engine" in graph["api"] and "kit.findings" in graph["rule"] and "prefilter" in graph["kit.names"]
    assert cycle_in(graph) is None, " -> ".join(cycle_in(graph))


def test_the_cli_reaches_the_engine_only_through_the_api() -> None:
    for path in sorted((ROOT / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("asyncio_upgrade.codemods"):
                assert node.module in ("asyncio_upgrade.codemods.api", "asyncio_upgrade.codemods.registry"), (
                    f"{path.name} imports {node.module}"
                )


def test_a_rule_module_imports_no_other_rule() -> None:
    """What rules share lives in the kit (``kit.blocking``'s tables, say): a rule module that
    imports another ties the two rules' changes together."""
    rules = ROOT / "codemods" / "rules"
    for path in sorted(rules.glob("aio*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert not (node.module or "").startswith("aio"), f"{path.name} imports {node.module}"
