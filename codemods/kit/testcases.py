"""Test classes (AIO7xx): standard-library spellings of ``unittest`` names, methods and their
receiver, ``self.loop`` in a method, and turning a test method into a coroutine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterator, List, Optional

import libcst as cst

from ..context import once_per_file
from .imports import absolute_from_module

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix

# Hooks a test framework calls; a coroutine one is awaited under this name in IsolatedAsyncioTestCase.
ASYNC_HOOKS = {"setUp": "asyncSetUp", "tearDown": "asyncTearDown"}


@once_per_file
def module_bindings(ctx: FileContext) -> Dict[str, str]:
    """Names bound by the module's top-level imports -> the qualified name each binds."""
    found: Dict[str, str] = {}
    for line in ctx.module.body:
        for small in line.body if isinstance(line, cst.SimpleStatementLine) else ():
            if isinstance(small, cst.Import):
                for alias in small.names:
                    full = cst.helpers.get_full_name_for_node(alias.name) or ""
                    bound = alias.evaluated_alias or full.partition(".")[0]
                    found[bound] = full if alias.asname else bound
            elif isinstance(small, cst.ImportFrom) and absolute_from_module(small):
                for alias in small.names:  # type: ignore[union-attr]
                    found[alias.evaluated_alias or alias.evaluated_name] = f"{absolute_from_module(small)}.{alias.evaluated_name}"
    return found


@once_per_file
def spelled_names(ctx: FileContext) -> frozenset:
    """Every identifier the module may bind or read: its names but those after a dot and those
    of the module a ``from ... import`` reads from (``unittest`` in ``from unittest.mock import
    patch`` binds nothing)."""
    attributes: set = set()

    class Collect(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            attributes.add(id(node.attr))

        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if node.module is not None:
                node.module.visit(Skip())

    class Skip(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            attributes.add(id(node))

    ctx.module.visit(Collect())
    found = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if id(node) not in attributes:
                found.add(node.value)

    ctx.module.visit(Names())
    return frozenset(found)


def stdlib_ref(ctx: FileContext, fix: "Fix", module: str, name: str, bare: bool) -> Optional[cst.BaseExpression]:
    """An expression for ``module.name`` (``unittest.mock.AsyncMock``) reusing the file's imports,
    else scheduling one: the bare ``name`` where ``bare`` and the name is free, else ``mock.name``
    (``from unittest import mock``) or ``unittest.name``. None when every spelling is taken."""
    bindings = module_bindings(ctx)
    taken = spelled_names(ctx)
    for bound, qualified in bindings.items():
        if qualified == f"{module}.{name}":
            return cst.Name(bound)
    if bare and name not in taken:
        fix.add_import(module, name)
        return cst.Name(name)
    for bound, qualified in bindings.items():
        if qualified == module:
            return cst.Attribute(cst.parse_expression(bound), cst.Name(name))
    head, _, tail = module.rpartition(".")
    short = tail if head else module
    if short in taken:
        return None
    fix.add_import(head, tail) if head else fix.add_import(module)
    return cst.Attribute(cst.Name(short), cst.Name(name))


def methods(cls: cst.ClassDef) -> Iterator[cst.FunctionDef]:
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        if isinstance(stmt, cst.FunctionDef):
            yield stmt


def receiver(func: cst.FunctionDef) -> Optional[str]:
    """The name of a method's first parameter (``self``, or ``cls`` of a class method), if it
    has one and is not a static method."""
    params = func.params.params
    static = any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in func.decorators)
    return params[0].name.value if params and not static else None


class NestingVisitor(cst.CSTVisitor):
    """A visitor that knows whether it is inside a function or lambda nested in the body it walks."""

    depth = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth += 1

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.depth -= 1

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.depth += 1

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.depth -= 1


def self_attributes(cls: cst.ClassDef, attr: str) -> List[tuple]:
    """Every ``<receiver>.<attr>`` in the class: (the attribute node, the method whose own body
    holds it, or None when it is in a nested function, a class attribute, or another receiver)."""
    found: List[tuple] = []
    for func in methods(cls):
        name = receiver(func)

        class Finder(NestingVisitor):
            def visit_Attribute(self, node: cst.Attribute) -> None:
                if node.attr.value == attr and isinstance(node.value, cst.Name) and node.value.value == name:
                    found.append((node, func if self.depth == 0 else None))

        func.body.visit(Finder())
    return found


def assigned_in_class(cls: cst.ClassDef, names: set) -> List[tuple]:
    """(name, line) for each of ``names`` the class body assigns as a class attribute
    (``use_default_loop = True``)."""
    found = []
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        for small in stmt.body if isinstance(stmt, cst.SimpleStatementLine) else ():
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else \
                [small.target] if isinstance(small, cst.AnnAssign) else []
            found += [(t.value, stmt) for t in targets if isinstance(t, cst.Name) and t.value in names]
    return found


def subclasses_in_module(module: cst.Module, cls: cst.ClassDef) -> List[cst.ClassDef]:
    """``cls`` and the module-level classes that derive from it, by name, at any depth."""
    family = [cls]
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef) and stmt not in family and any(
            isinstance(arg.value, cst.Name) and arg.value.value in {c.name.value for c in family} for arg in stmt.bases
        ):
            family.append(stmt)
    return family


def super_hook_calls(func: cst.FunctionDef) -> List[cst.Call]:
    """``await super().setUp()`` / ``tearDown()`` in ``func``: the calls."""
    found: List[cst.Call] = []

    class Finder(cst.CSTVisitor):
        def visit_Await(self, node: cst.Await) -> None:
            call = node.expression
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) \
                    and call.func.attr.value in ASYNC_HOOKS and isinstance(call.func.value, cst.Call) \
                    and isinstance(call.func.value.func, cst.Name) and call.func.value.func.value == "super":
                found.append(call)

    func.body.visit(Finder())
    return found


FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture", "pytest_asyncio.plugin.fixture"})


def is_pytest_fixture(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """Decorated with ``@pytest.fixture`` or ``@pytest_asyncio.fixture`` (called or not)."""
    return any(
        ctx.resolves_to(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator, FIXTURE_DECORATORS)
        for d in func.decorators
    )


def is_test_function(ctx: FileContext, func: cst.FunctionDef) -> bool:
    """A function pytest collects as a test by its name: ``test*`` at module level, or in a
    ``Test*`` class at module level."""
    if not func.name.value.startswith("test"):
        return False
    block = ctx.parent(func)
    if isinstance(block, cst.Module):
        return True
    cls = ctx.parent(block) if isinstance(block, cst.IndentedBlock) else None
    return isinstance(cls, cst.ClassDef) and cls.name.value.startswith("Test") and isinstance(ctx.parent(cls), cst.Module)


def is_generator(func: cst.FunctionDef) -> bool:
    """Its own body holds a ``yield`` (not a nested function's or lambda's)."""
    found = []

    class Finder(NestingVisitor):
        def visit_Yield(self, node: cst.Yield) -> None:
            found.append(self.depth == 0)

    func.body.visit(Finder())
    return any(found)
