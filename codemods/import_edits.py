"""Add and remove imports exactly as libcst's AddImportsVisitor and RemoveImportsVisitor do,
without them.

Importing ``libcst.codemod`` costs ~0.25 s (it loads ``libcst.matchers``), and its visitors
walk the whole tree through matcher dispatch: on a one-file pre-commit run that is more than
everything else a fix costs. Adding imports is ported whole. Removing one needs to know whether
it is still used: this module answers only when the answer is certain (the name is written
nowhere else, or Python's own symbol table shows it read as a global) and returns None
otherwise, and the engine falls back to libcst. ``tests/test_import_edits.py`` compares both
on every golden case and on generated modules.
"""

from __future__ import annotations

import ast
import re
import symtable
from collections import defaultdict
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.helpers import get_full_name_for_node

from .module_names import symbols_of
from .model import ImportRequest
from .source import quiet_ast, quietly

AnyImport = Union[cst.Import, cst.ImportFrom]


def add_imports(module: cst.Module, requests: Sequence[ImportRequest]) -> Optional[cst.Module]:
    """``AddImportsVisitor`` with ``requests`` scheduled, for a module with no package name.
    None for a ``__future__`` request (libcst's own checks apply there)."""
    if any(r.module == "__future__" for r in requests):
        return None
    wanted = _WantedImports(requests)
    start = 1 if _skip_first(module) else 0
    top = _top_import_lines(module, start)
    wanted.drop_present([line.body[0] for line in top])  # type: ignore[misc]

    body = list(module.body)
    for index, line in enumerate(module.body[start : start + len(top)], start):
        statement = line.body[0]  # type: ignore[attr-defined]
        if isinstance(statement, cst.ImportFrom):
            extended = wanted.extend_from_import(statement)
            if extended is not statement:
                body[index] = line.with_changes(body=[extended])  # type: ignore[call-arg]
    if wanted.nothing_left():
        return module.with_changes(body=body)

    split = start + len(top)
    after = _with_empty_line_first(body[split:])
    config = module.config_for_parsing
    new_lines = [cst.parse_statement(code, config=config) for code in wanted.new_statements()]
    return module.with_changes(body=[*body[:start], *body[start:split], *new_lines, *after])


class _WantedImports:
    """AddImportsVisitor's bookkeeping, field for field: what is still to be imported."""

    def __init__(self, requests: Sequence[ImportRequest]) -> None:
        plain = [r for r in requests if r.asname is None]
        aliased = [r for r in requests if r.asname is not None]
        self.modules: Set[str] = {r.module for r in plain if r.obj is None}
        self.objects: Dict[str, Set[str]] = {
            module: {r.obj for r in plain if r.module == module and r.obj is not None}  # type: ignore[misc]
            for module in sorted({r.module for r in plain if r.obj is not None})
        }
        self.module_aliases: Dict[str, str] = {r.module: r.asname for r in aliased if r.obj is None}  # type: ignore[misc]
        self.object_aliases: Dict[str, List[Tuple[str, str]]] = {
            module: [(r.obj, r.asname) for r in aliased if r.module == module and r.obj is not None]  # type: ignore[misc]
            for module in sorted({r.module for r in aliased if r.obj is not None})
        }

    def drop_present(self, statements: Sequence[AnyImport]) -> None:
        present = _PresentImports(statements)
        self.modules -= present.modules
        for module, alias in present.module_aliases.items():
            if self.module_aliases.get(module, None) == alias:
                del self.module_aliases[module]
        for module, pairs in present.object_aliases.items():
            for pair in pairs:
                if module in self.object_aliases and pair in self.object_aliases[module]:
                    self.object_aliases[module].remove(pair)
                    if not self.object_aliases[module]:
                        del self.object_aliases[module]
        for module, names in present.objects.items():
            if module not in self.objects:
                continue
            if "*" in names:
                del self.objects[module]
                continue
            self.objects[module] -= names
            if not self.objects[module]:
                del self.objects[module]

    def extend_from_import(self, statement: cst.ImportFrom) -> cst.ImportFrom:
        """The first top-level ``from M import ...`` of a module still wanted takes its names."""
        if isinstance(statement.names, cst.ImportStar):
            return statement
        module = _absolute_module(statement)
        if module is None or (module not in self.objects and module not in self.object_aliases):
            return statement
        names = sorted(self.objects.pop(module, ()))
        pairs = sorted(self.object_aliases.pop(module, ()))
        return statement.with_changes(
            names=[
                *(cst.ImportAlias(name=cst.Name(name)) for name in names),
                *(cst.ImportAlias(name=cst.Name(name), asname=cst.AsName(name=cst.Name(alias))) for name, alias in pairs),
                *statement.names,
            ]
        )

    def nothing_left(self) -> bool:
        return not (self.modules or self.objects or self.module_aliases or self.object_aliases)

    def new_statements(self) -> Iterator[str]:
        yield from (f"import {module}" for module in sorted(self.modules))
        yield from (f"import {module} as {alias}" for module, alias in self.module_aliases.items())
        by_module: Dict[str, List[Tuple[str, Optional[str]]]] = defaultdict(list)
        for module, pairs in self.object_aliases.items():
            by_module[module].extend(pairs)
        for module, names in self.objects.items():
            by_module[module].extend((name, None) for name in names)
        for module, pairs in by_module.items():
            listed = ", ".join(name if alias is None else f"{name} as {alias}" for name, alias in sorted(pairs))  # type: ignore[type-var]
            yield f"from {module} import {listed}"


class _PresentImports:
    """libcst's _GatherImportsMixin over the top-level import block."""

    def __init__(self, statements: Sequence[AnyImport]) -> None:
        self.modules: Set[str] = set()
        self.objects: Dict[str, Set[str]] = {}
        self.module_aliases: Dict[str, str] = {}
        self.object_aliases: Dict[str, List[Tuple[str, str]]] = {}
        for statement in statements:
            if isinstance(statement, cst.Import):
                self._add_import(statement)
            else:
                self._add_from_import(statement)

    def _add_import(self, statement: cst.Import) -> None:
        for alias in statement.names:
            if alias.evaluated_alias is not None:
                self.module_aliases[alias.evaluated_name] = alias.evaluated_alias
            else:
                self.modules.add(alias.evaluated_name)

    def _add_from_import(self, statement: cst.ImportFrom) -> None:
        module = _absolute_module(statement)
        if module is None:
            return
        if isinstance(statement.names, cst.ImportStar):
            self.objects[module] = {"*"}
            return
        pairs = [(a.evaluated_name, a.evaluated_alias) for a in statement.names if a.asname is not None]
        if pairs:
            self.object_aliases.setdefault(module, []).extend(pairs)  # type: ignore[arg-type]
        names = {a.evaluated_name for a in statement.names if a.asname is None}
        if names:
            known = self.objects.setdefault(module, set())
            if "*" in known:
                self.objects[module] = {"*"}
            else:
                known.update(names)


def _skip_first(module: cst.Module) -> bool:
    """A leading docstring or ``__strict__ = ...`` line stays first."""
    if not module.body or not isinstance(module.body[0], cst.SimpleStatementLine):
        return False
    body = module.body[0].body
    if len(body) != 1:
        return False
    statement = body[0]
    if isinstance(statement, cst.Expr):
        return isinstance(statement.value, cst.SimpleString)
    return (
        isinstance(statement, cst.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Name)
        and statement.targets[0].target.value == "__strict__"
    )


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
    )


def _top_import_lines(module: cst.Module, start: int) -> List[cst.SimpleStatementLine]:
    lines = []
    for statement in module.body[start:]:
        if not _is_import_line(statement):
            break
        lines.append(statement)
    return lines  # type: ignore[return-value]


def _with_empty_line_first(statements: List[cst.BaseStatement]) -> List[cst.BaseStatement]:
    """At least one empty line between the imports and the first statement after them."""
    if not statements:
        return statements
    first = statements[0]
    if not first.leading_lines:
        return [first.with_changes(leading_lines=(cst.EmptyLine(),)), *statements[1:]]
    if first.leading_lines[0].comment is None:
        return statements
    return [first.with_changes(leading_lines=(cst.EmptyLine(), *first.leading_lines)), *statements[1:]]


def _absolute_module(statement: cst.ImportFrom) -> Optional[str]:
    """The module of a ``from`` import; None when relative (no package name is known)."""
    if statement.relative or statement.module is None:
        return None
    return get_full_name_for_node(statement.module)


def remove_unused_imports(module: cst.Module, requests: Sequence[ImportRequest]) -> Optional[cst.Module]:
    """``RemoveImportsVisitor`` with ``requests`` scheduled, for a module with no package name;
    None when this cannot be sure whether a requested import is still used."""
    wanted = _Unwanted(requests)
    code = module.code
    usage = _Usage(code)
    body = list(module.body)
    removed: Set[int] = set()  # indexes of the lines whose import goes entirely
    found: Dict[ImportRequest, int] = defaultdict(int)
    for index, line in enumerate(module.body):
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if not isinstance(statement, (cst.Import, cst.ImportFrom)):
                continue
            matches = wanted.matches(statement)
            if not matches:
                continue
            if len(line.body) != 1:
                return None
            unused = set()
            for alias, request in matches:
                found[request] += 1
                verdict = usage.unused(_bound_name(alias))
                if verdict is None:
                    return None
                if verdict:
                    unused.add(id(alias))
            kept = _without(statement, unused)
            if kept is None:
                removed.add(index)
            elif kept is not statement:
                body[index] = line.with_changes(body=[kept])
    for request in wanted.requests:
        name = request.asname or request.obj or request.module
        if usage.imports_binding(name, request) != found[request]:
            return None  # an import of it inside a block or a function: libcst's walk finds it
    return module.with_changes(body=[line for index, line in enumerate(body) if index not in removed])


class _Unwanted:
    """RemoveImportsVisitor's bookkeeping: which aliases a request names."""

    def __init__(self, requests: Sequence[ImportRequest]) -> None:
        self.modules: Dict[str, Optional[str]] = {r.module: r.asname for r in requests if r.obj is None}
        self.objects: Dict[str, Set[Tuple[str, Optional[str]]]] = defaultdict(set)
        for r in requests:
            if r.obj is not None:
                self.objects[r.module].add((r.obj, r.asname))
        # the request each (module, obj, asname) stands for, after libcst's collapsing of modules
        self.requests: List[ImportRequest] = [ImportRequest(m, None, a) for m, a in self.modules.items()] + [
            ImportRequest(m, o, a) for m, pairs in self.objects.items() for o, a in pairs
        ]

    def matches(self, statement: AnyImport) -> List[Tuple[cst.ImportAlias, ImportRequest]]:
        if isinstance(statement, cst.Import):
            return [
                (alias, ImportRequest(alias.evaluated_name, None, alias.evaluated_alias))
                for alias in statement.names
                if alias.evaluated_name in self.modules and alias.evaluated_alias == self.modules[alias.evaluated_name]
            ]
        if isinstance(statement.names, cst.ImportStar):
            return []
        module = _absolute_module(statement)
        if module is None or module not in self.objects or module == "__future__":
            return []  # libcst never counts a __future__ import unused
        pairs = self.objects[module]
        return [
            (alias, ImportRequest(module, alias.evaluated_name, alias.evaluated_alias))
            for alias in statement.names
            if (alias.evaluated_name, alias.evaluated_alias) in pairs
        ]


def _bound_name(alias: cst.ImportAlias) -> str:
    return alias.evaluated_alias or alias.evaluated_name


def _without(statement: AnyImport, unused: Set[int]) -> Optional[AnyImport]:
    """``statement`` without the aliases in ``unused`` (ids), punctuated as libcst does; None
    when none is left."""
    names = statement.names
    assert not isinstance(names, cst.ImportStar)
    if not unused:
        return statement
    if isinstance(statement, cst.Import):
        keep = [alias for alias in names if id(alias) not in unused]
        updates: Dict[str, object] = {}
    else:
        keep, updates = _from_import_names_kept(statement, unused)
    if not keep:
        return None
    if keep[-1] is not names[-1]:
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return statement.with_changes(names=keep, **updates)


def _from_import_names_kept(
    statement: cst.ImportFrom, unused: Set[int]
) -> Tuple[List[cst.ImportAlias], Dict[str, object]]:
    """RemoveImportsVisitor._process_importfrom_aliases: a removed name's comma and the
    comments after it go to the name before it, or to the opening parenthesis."""
    keep: List[cst.ImportAlias] = []
    updates: Dict[str, object] = {}
    for alias in statement.names:  # type: ignore[union-attr]
        if id(alias) not in unused:
            keep.append(alias)
            continue
        comma = alias.comma
        if not isinstance(comma, cst.Comma):
            continue
        if keep:
            previous = keep[-1]
            if isinstance(previous.comma, cst.Comma):
                previous = previous.with_deep_changes(
                    previous.comma,
                    whitespace_after=_merge_whitespace_after(previous.comma.whitespace_after, comma.whitespace_after),
                )
            else:
                previous = previous.with_changes(comma=comma)
            keep[-1] = previous
        elif isinstance(statement.lpar, cst.LeftParen):
            updates["lpar"] = statement.lpar.with_changes(
                whitespace_after=_merge_whitespace_after(statement.lpar.whitespace_after, comma.whitespace_after)
            )
    return keep, updates


def _merge_whitespace_after(
    left: cst.BaseParenthesizableWhitespace, right: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    if not isinstance(right, cst.ParenthesizedWhitespace):
        return left
    if not isinstance(left, cst.ParenthesizedWhitespace):
        return right
    return left.with_changes(empty_lines=tuple(line for line in right.empty_lines if line.comment is not None))


class _Usage:
    """Whether a name a top-level import binds is used, in libcst's sense (read anywhere it
    resolves to the module's binding, exported in ``__all__``, or in a string annotation),
    where that is certain."""

    def __init__(self, code: str) -> None:
        self.code = code
        self._tree: Optional[ast.Module] = None
        self._read_as_global: Optional[Set[str]] = None

    def unused(self, name: str) -> Optional[bool]:
        """True: written nowhere but in its import (``x.name`` is an attribute, never a use).
        False: read as a global somewhere. None: anything else (a comment, a string, a local of
        the same name...)."""
        if "." in name:
            return None
        occurrences = len(re.findall(rf"(?<![\w.]){re.escape(name)}(?!\w)", self.code))
        if occurrences == 1:
            return True
        return False if name in self.read_as_global() else None

    def read_as_global(self) -> Set[str]:
        if self._read_as_global is None:
            self._read_as_global = set()
            try:
                with quietly():
                    table = symtable.symtable(self.code, "<fixed>", "exec")
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return self._read_as_global
            self._collect_globals_read(table, top=True)
        return self._read_as_global

    def _collect_globals_read(self, table: symtable.SymbolTable, top: bool) -> None:
        for symbol in symbols_of(table):
            if symbol.is_referenced() and (top or symbol.is_global()):
                self._read_as_global.add(symbol.get_name())  # type: ignore[union-attr]
        for child in table.get_children():
            self._collect_globals_read(child, top=False)

    def imports_binding(self, name: str, request: ImportRequest) -> Optional[int]:
        """How many aliases anywhere in the code match ``request`` (bound to ``name``); None
        when this Python cannot parse the code (newer syntax)."""
        if not re.search(rf"(?<!\w){re.escape(name)}(?!\w)", self.code):
            return 0
        if self._tree is None:
            try:
                self._tree = quiet_ast(self.code)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        count = 0
        for node in ast.walk(self._tree):
            if isinstance(node, ast.Import) and request.obj is None:
                count += sum(a.name == request.module and a.asname == request.asname for a in node.names)
            elif isinstance(node, ast.ImportFrom) and request.obj is not None and not node.level:
                if node.module == request.module:
                    count += sum(a.name == request.obj and a.asname == request.asname for a in node.names)
        return count


def with_imports_removed(module: cst.Module, requests: Sequence[ImportRequest]) -> cst.Module:
    fast = remove_unused_imports(module, requests)
    if fast is not None:
        return fast
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import RemoveImportsVisitor

    unused = [(r.module, r.obj, r.asname) for r in requests]
    return RemoveImportsVisitor(CodemodContext(), unused).transform_module(module)


def with_imports_added(module: cst.Module, requests: Sequence[ImportRequest]) -> cst.Module:
    fast = add_imports(module, requests)
    if fast is not None:
        return fast
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, ImportItem

    needed = [ImportItem(r.module, r.obj, r.asname) for r in requests]
    return AddImportsVisitor(CodemodContext(), needed).transform_module(module)
