"""Project facts: what the other modules of a project say about the names a file uses.

A rule sees one file; many of its questions are answered by another file of the same project
(is ``conn.execute`` a coroutine function, is ``make_jobs`` a generator). ``module_facts``
reads one module with ``ast`` (no libcst, about a millisecond), and ``ProjectFacts`` answers
for qualified names across the modules handed in. The engine gets facts as an input, like
its settings (``Settings.facts``): the CLI builds them, and hands each file only the facts of
the modules it imports, so its cache key changes only when one of those does.

Hazard: a fact is only as good as the module it came from. A name bound twice, or bound by
anything but a plain ``def``/``class``/import at module level, has no fact: the answer is
None, never a guess.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, Optional, Set, Tuple

# What a function is, as far as callers care.
ASYNC = "async"  # async def
COROUTINE = "coroutine"  # @asyncio.coroutine / @types.coroutine generator
GENERATOR = "generator"  # a plain generator function
PLAIN = "plain"

_COROUTINE_DECORATORS = frozenset({"asyncio.coroutine", "types.coroutine", "asyncio.coroutines.coroutine"})


@dataclass(frozen=True)
class ModuleFacts:
    """``functions``: (name, kind) for each module-level function and each method
    (``Class.method``) bound exactly once; ``imports``: (local name, qualified name) of the
    module-level imports bound exactly once."""

    functions: Tuple[Tuple[str, str], ...] = ()
    imports: Tuple[Tuple[str, str], ...] = ()

    def imported_modules(self) -> FrozenSet[str]:
        """Every module whose facts may answer for a name imported here (``a.b.c`` may be the
        module ``a.b.c`` or the name ``c`` of ``a.b``)."""
        found: Set[str] = set()
        for _, qualified in self.imports:
            found.add(qualified)
            found.add(qualified.rpartition(".")[0])
        return frozenset(name for name in found if name)


@dataclass(frozen=True)
class ProjectFacts:
    """Facts of some modules of a project, by dotted module name, for the file ``module``
    (its dotted name, to resolve its relative imports; ``is_package``: an ``__init__``)."""

    modules: Tuple[Tuple[str, ModuleFacts], ...] = ()
    module: str = ""
    is_package: bool = False

    @classmethod
    def of(cls, modules: Dict[str, ModuleFacts], module: str = "", is_package: bool = False) -> "ProjectFacts":
        return cls(tuple(sorted(modules.items())), module, is_package)

    def absolute(self, qualified: str) -> Optional[str]:
        """``qualified`` with a relative head (``.conn.make``, as libcst names it) made absolute
        from this file's module; None when it climbs above the top package."""
        level = len(qualified) - len(qualified.lstrip("."))
        if not level:
            return qualified
        package = self.module if self.is_package else self.module.rpartition(".")[0]
        return _absolute(qualified[level:] or None, level, package)

    def kind_of(self, qualified: str, _depth: int = 0) -> Optional[str]:
        """ASYNC, COROUTINE, GENERATOR or PLAIN for the function ``qualified`` names
        (``pkg.mod.func``, ``pkg.mod.Class.method``), following re-exports
        (``pkg/__init__.py`` saying ``from .mod import func``); None when no fact says."""
        if _depth > 4:
            return None
        table = self._table()
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
            facts = table.get(module)
            if facts is None:
                continue
            kinds = dict(facts.functions)
            if rest in kinds:
                return kinds[rest]
            head, _, tail = rest.partition(".")
            for local, target in facts.imports:
                if local == head:
                    return self.kind_of(f"{target}.{tail}" if tail else target, _depth + 1)
            return None
        return None

    def _table(self) -> Dict[str, ModuleFacts]:
        table = self.__dict__.get("_by_name")
        if table is None:
            table = dict(self.modules)
            object.__setattr__(self, "_by_name", table)
        return table


def module_facts(source: str, module: str = "", is_package: bool = False) -> Optional[ModuleFacts]:
    """The facts of one module's source (``module``: its dotted name, to resolve relative
    imports; ``is_package``: it is an ``__init__``). None when ``ast`` cannot parse it."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    package = module if is_package else module.rpartition(".")[0]
    imports = _imports(tree.body, package)
    aliases = dict(imports)
    functions: Dict[str, str] = {}
    counts: Dict[str, int] = {}
    for node in tree.body:
        for name in _bound_names(node):
            counts[name] = counts.get(name, 0) + 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = _kind(node, aliases)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    key = f"{node.name}.{item.name}"
                    functions[key] = PLAIN if key in functions else _kind(item, aliases)
                    counts[key] = counts.get(key, 0) + 1
    once = {name for name, n in counts.items() if n == 1}
    return ModuleFacts(
        functions=tuple(sorted((k, v) for k, v in functions.items() if k in once)),
        imports=tuple(sorted((k, v) for k, v in imports if k in once)),
    )


def _imports(body: Iterable[ast.stmt], package: str) -> Tuple[Tuple[str, str], ...]:
    found = []
    for node in body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found.append((alias.asname, alias.name))
                else:
                    head = alias.name.partition(".")[0]
                    found.append((head, head))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            if base is None:
                continue
            for alias in node.names:
                if alias.name != "*":
                    found.append((alias.asname or alias.name, f"{base}.{alias.name}"))
    return tuple(found)


def _absolute(module: Optional[str], level: int, package: str) -> Optional[str]:
    if not level:
        return module
    parts = package.split(".") if package else []
    if level - 1 >= len(parts):  # above the top package (or relative in a plain module)
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join([*base, *(module.split(".") if module else [])]) or None


def _bound_names(node: ast.stmt) -> Iterable[str]:
    """Names a module-level statement binds (enough to tell a name bound twice)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).partition(".")[0] for a in node.names]
    names = []
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            names.append(child.id)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(child.name)  # a def inside `if`/`try` at module level
    return names


def _kind(node: ast.AST, aliases: Dict[str, str]) -> str:
    if isinstance(node, ast.AsyncFunctionDef):
        return ASYNC
    decorated = any(_decorator_name(d, aliases) in _COROUTINE_DECORATORS for d in node.decorator_list)  # type: ignore[attr-defined]
    if decorated:
        return COROUTINE
    return GENERATOR if _yields(node) else PLAIN


def _decorator_name(decorator: ast.expr, aliases: Dict[str, str]) -> str:
    parts = []
    while isinstance(decorator, ast.Attribute):
        parts.append(decorator.attr)
        decorator = decorator.value
    if not isinstance(decorator, ast.Name):
        return ""
    head = aliases.get(decorator.id, decorator.id)
    return ".".join([head, *reversed(parts)])


def _yields(function: ast.AST) -> bool:
    """A ``yield`` of the function's own (not of a nested def, lambda or class)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False
