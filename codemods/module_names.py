"""Qualified names without libcst's scope analysis, for the names that cannot be shadowed.

libcst's ScopeProvider is most of the cost of checking a file, yet most questions rules ask are
"is this ``aio.sleep`` asyncio's?", where ``aio`` is bound only by an import at module level.
``symtable`` (CPython's own, in C) says in a few milliseconds which names some function, class
or comprehension binds locally, or declares ``global``/``nonlocal``. A name that none does, and
that the module binds only by plain imports (or not at all: a builtin), means the same thing
everywhere, and its qualified names follow from the import statements alone. Anything else,
``import a.b``, relative imports and a name imported from two places included, is left to
libcst (``resolve`` returns None).
The answers are libcst's own, quirks included (``open.x`` is ``builtins.open``); a test checks
them against ScopeProvider on every golden case.
"""

from __future__ import annotations

import builtins
import symtable
from typing import Callable, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

import libcst as cst
from libcst.helpers import get_full_name_for_node
from .source import quietly

_BUILTINS = frozenset(dir(builtins))
_COMPOUND = (cst.If, cst.Else, cst.Try, cst.TryStar, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally,
             cst.With, cst.For, cst.While, cst.IndentedBlock, cst.SimpleStatementSuite)


class ModuleNames:
    def __init__(self, module: cst.Module, source: Callable[[], str]) -> None:
        self._imports: Optional[Dict[str, Set[str]]] = None
        self._statements: Dict[str, List[cst.CSTNode]] = {}
        self._module = module
        self._source = source
        self._usable: Optional[FrozenSet[str]] = None  # bound only by module-level imports
        self._bound: FrozenSet[str] = frozenset()  # bound somewhere (then usable, or libcst's)
        self._ready = False

    def resolve(self, node: cst.CSTNode, parent_of: Callable[[cst.CSTNode], Optional[cst.CSTNode]]) -> Optional[Set[str]]:
        """Qualified names of a Name or dotted Attribute read as an expression, or None when
        libcst must answer."""
        if not isinstance(node, (cst.Name, cst.Attribute)) or not _read_as_expression(node, parent_of):
            return None
        full = get_full_name_for_node(node)
        return self.resolve_name(full) if full else None

    def resolve_name(self, full: str) -> Optional[Set[str]]:
        """Qualified names of a dotted name read anywhere in the module, or None."""
        if not self._prepare():
            return None
        head, dot, rest = full.partition(".")
        if head.startswith("__") and not head.endswith("__"):
            return None  # mangled inside a class: symtable knows it by another name
        if head in self._usable:  # type: ignore[operator]
            return {target + dot + rest for target in self._imports[head]}  # type: ignore[index]
        if head in self._bound:
            return None
        return {f"builtins.{head}"} if head in _BUILTINS else set()

    def import_statements(self, name: str) -> Optional[List[cst.CSTNode]]:
        """The import statements that bind ``name``, when ``name`` is bound only by them (libcst's
        assignments of it, seen from anywhere), else None."""
        if not self._prepare() or name not in self._usable:  # type: ignore[operator]
            return None
        return self._statements[name]

    def _prepare(self) -> bool:
        if not self._ready:
            self._ready = True
            try:
                with quietly():
                    table = symtable.symtable(self._source(), "<source>", "exec")
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return False
            bound = set(_names_bound_below(table))
            self._imports, self._statements = _module_level_imports(self._module)
            usable = set()
            for symbol in symbols_of(table):
                name = symbol.get_name()
                if symbol.is_local() or symbol.is_imported() or symbol.is_assigned() or symbol.is_declared_global():
                    if (
                        name not in bound
                        and len(self._imports.get(name, ())) == 1  # two: which one depends on the position
                        and symbol.is_imported()
                        and not (symbol.is_assigned() or symbol.is_annotated() or symbol.is_declared_global())
                    ):
                        usable.add(name)
                    bound.add(name)
            self._usable, self._bound = frozenset(usable), frozenset(bound)
        return self._usable is not None


def _read_as_expression(node: cst.CSTNode, parent_of: Callable[[cst.CSTNode], Optional[cst.CSTNode]]) -> bool:
    """False for the names libcst gives no scope: ``x.attr``'s ``attr``, ``f(keyword=...)``'s
    ``keyword``, names in imports, ``as`` targets and ``global``/``nonlocal`` statements."""
    parent = parent_of(node)
    while isinstance(parent, cst.Attribute):
        if parent.attr is node:
            return False
        node, parent = parent, parent_of(parent)
    if parent is None or isinstance(parent, (cst.ImportAlias, cst.ImportFrom, cst.AsName, cst.NameItem)):
        return False
    return not (isinstance(parent, cst.Arg) and parent.keyword is node)


def symbols_of(table: symtable.SymbolTable) -> List[symtable.Symbol]:
    """``table.get_symbols()`` without its hidden cost: for every symbol it scans all the
    table's child tables (for ``is_namespace``, never asked here), which on a module of 60,000
    functions is 3.6 billion steps."""
    raw = getattr(getattr(table, "_table", None), "symbols", None)
    if not isinstance(raw, dict):
        return table.get_symbols()
    top = table.get_name() == "top"  # as SymbolTable.lookup decides it
    try:
        return [symtable.Symbol(name, flags, module_scope=top) for name, flags in raw.items()]
    except TypeError:  # before 3.10 there was no module_scope
        return [symtable.Symbol(name, flags) for name, flags in raw.items()]


def _names_bound_below(table: symtable.SymbolTable) -> List[str]:
    """Names that a function, class or comprehension binds or declares global/nonlocal."""
    found: List[str] = []
    for child in table.get_children():
        for symbol in symbols_of(child):
            if symbol.is_local() or symbol.is_declared_global() or symbol.is_nonlocal():
                found.append(symbol.get_name())
        found.extend(_names_bound_below(child))
    return found


def _module_level_imports(module: cst.Module) -> Tuple[Dict[str, Set[str]], Dict[str, List[cst.CSTNode]]]:
    """Bound name -> qualified names, and -> the statements binding it, for plain module-level
    imports. A name that any other kind of import binds (``import a.b``, ``from . import x``)
    is left out."""
    imports: Dict[str, Set[str]] = {}
    statements: Dict[str, List[cst.CSTNode]] = {}
    spoiled: Set[str] = set()
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.Module, cst.IndentedBlock, cst.SimpleStatementSuite)):
            stack.extend(node.body)
        elif isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    for bound in _record(small, imports, spoiled):
                        statements.setdefault(bound, []).append(small)
        elif isinstance(node, _COMPOUND):
            stack.extend(child for child in node.children if isinstance(child, cst.CSTNode))
    for name in spoiled:
        imports.pop(name, None)
    return imports, statements


def _record(statement: cst.CSTNode, imports: Dict[str, Set[str]], spoiled: Set[str]) -> Iterator[str]:
    """Records what ``statement`` imports; yields the names it binds."""
    if isinstance(statement, cst.ImportFrom):
        if isinstance(statement.names, cst.ImportStar):
            return
        module = get_full_name_for_node(statement.module) if statement.module else None
        for alias in statement.names:
            name = get_full_name_for_node(alias.name) or ""
            bound = get_full_name_for_node(alias.asname.name) if alias.asname else name
            if not bound:
                continue
            if statement.relative or not module or "." in name:
                spoiled.add(bound)
            else:
                imports.setdefault(bound, set()).add(f"{module}.{name}")
            yield bound
        return
    for alias in statement.names:  # type: ignore[attr-defined]
        name = get_full_name_for_node(alias.name) or ""
        if alias.asname is not None:
            bound = get_full_name_for_node(alias.asname.name) or ""
            imports.setdefault(bound, set()).add(name)
        elif "." in name:
            bound = name.partition(".")[0]
            spoiled.add(bound)
        else:
            bound = name
            imports.setdefault(name, set()).add(name)
        yield bound
