"""Where a coroutine may suspend: the points at which another task can run and a timeout or a
cancellation can reach it (``await``, ``async for``, ``async with``, and a ``yield`` of an async
generator), and the shapes of function that the checkpoint rules leave alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, List

import libcst as cst
from ..lazy import matchers as m

from .scope import decorated_with

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix

OVERLOAD = frozenset({"typing.overload", "typing_extensions.overload"})
FIXTURES = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})


def is_suspension_point(node: cst.CSTNode, *, yields: bool = True) -> bool:
    if isinstance(node, cst.Await) or yields and isinstance(node, cst.Yield):
        return True
    return isinstance(node, (cst.For, cst.With, cst.CompFor)) and node.asynchronous is not None


def suspension_points(node: cst.CSTNode, *, yields: bool = True) -> List[cst.CSTNode]:
    """The points of ``node`` where the code running it may suspend, ``node`` itself included
    (an ``async for``/``async with``). What runs elsewhere is left out: the body of a nested
    def or lambda (its decorators and defaults run here), of a class, and all of a generator
    expression but its first iterable (the rest runs when it is consumed)."""
    found: List[cst.CSTNode] = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, visited: cst.CSTNode) -> bool:
            if is_suspension_point(visited, yields=yields):
                found.append(visited)
            if isinstance(visited, cst.FunctionDef):
                for decorator in visited.decorators:
                    decorator.visit(self)
                visited.params.visit(self)
                return False
            if isinstance(visited, cst.Lambda):
                visited.params.visit(self)
                return False
            if isinstance(visited, cst.GeneratorExp):
                visited.for_in.iter.visit(self)
                return False
            return not isinstance(visited, cst.ClassDef)

    node.visit(Finder())
    return found


def awaits_anything(node: cst.CSTNode) -> bool:
    return bool(suspension_points(node))


def is_stub(function: cst.FunctionDef) -> bool:
    """A body of only docstrings, ``pass``, ``...`` and ``raise NotImplementedError``: a
    placeholder whose signature is the point (an interface, an overridable hook)."""
    lines = function.body.body if isinstance(function.body, cst.IndentedBlock) else [function.body]
    stub = m.Pass() | m.Expr(m.SimpleString() | m.ConcatenatedString() | m.Ellipsis()) | m.Raise(
        m.Name("NotImplementedError") | m.Call(m.Name("NotImplementedError"))
    )
    simple = all(isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) for line in lines)
    return simple and all(m.matches(small, stub) for line in lines for small in line.body)


def exempt_from_checkpoint_rules(ctx: FileContext, function: cst.FunctionDef) -> bool:
    """Functions the checkpoint rules leave alone: stubs and ``@overload`` signatures, and
    pytest fixtures that take other fixtures (one of which may need the fixture to be async)."""
    if is_stub(function) or decorated_with(ctx, function, OVERLOAD):
        return True
    params = function.params
    takes_fixtures = bool(params.params or params.posonly_params or params.kwonly_params)
    return takes_fixtures and decorated_with(ctx, function, FIXTURES)


def add_checkpoint_before(ctx: FileContext, fix: "Fix", statement: cst.CSTNode) -> bool:
    """Have ``fix`` put ``await asyncio.sleep(0)`` on a line of its own before ``statement`` (one
    of an indented block; the comments above it stay above both). False where it cannot."""
    if not isinstance(ctx.parent(statement), cst.IndentedBlock):
        return False
    sleep = fix.parse_statement("await {sleep}(0)\n", sleep=fix.ref("asyncio.sleep"))
    moved = statement.with_changes(leading_lines=())
    fix.replace(statement, cst.FlattenSentinel([sleep.with_changes(leading_lines=statement.leading_lines), moved]))
    return True


def add_checkpoint_after(fix: "Fix", statement: cst.CSTNode) -> None:
    """Have ``fix`` put ``await asyncio.sleep(0)`` on a line of its own after ``statement``."""
    sleep = fix.parse_statement("await {sleep}(0)\n", sleep=fix.ref("asyncio.sleep"))
    fix.replace(statement, cst.FlattenSentinel([statement, sleep]))
