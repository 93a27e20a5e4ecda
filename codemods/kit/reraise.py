"""Except handlers and cancellation: what a clause catches, the ways out of a handler body
that do not re-raise what it caught, and whether a ``TimeoutError`` is caught where nothing
can see how it is chained."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional, Sequence, Set

import libcst as cst

from ..lazy import matchers as m
from .names import asyncio_names
from .syntax import is_literal

if TYPE_CHECKING:
    from ..context import FileContext

CANCELLED_ERROR = asyncio_names("CancelledError")
BASE_EXCEPTION = frozenset({"builtins.BaseException"})


def caught_cancellation(ctx: FileContext, handler: cst.ExceptHandler) -> Optional[cst.CSTNode]:
    """The part of ``handler``'s clause that catches ``asyncio.CancelledError``: the handler
    itself when bare, else the ``BaseException`` or ``CancelledError`` (in a tuple too)."""
    if handler.type is None:
        return handler
    elements = [e.value for e in handler.type.elements] if isinstance(handler.type, cst.Tuple) else [handler.type]
    return next((e for e in elements if ctx.resolves_to(e, CANCELLED_ERROR | BASE_EXCEPTION)), None)


def catches_only_cancellation(ctx: FileContext, handler: cst.ExceptHandler) -> bool:
    """``except asyncio.CancelledError`` (or a tuple of nothing else)."""
    kind = handler.type
    elements = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return kind is not None and all(ctx.resolves_to(e, CANCELLED_ERROR) for e in elements)


@dataclass
class HandlerExits:
    """How a handler body can end. ``falls_through``: some path reaches its end, so the
    exception is swallowed there. ``escapes``: ``return``/``break``/``continue`` statements
    that leave it without re-raising. ``other_raises``: ``raise`` of something else, and
    ``assert False``."""

    falls_through: bool = False
    escapes: List[cst.CSTNode] = field(default_factory=list)
    other_raises: List[cst.CSTNode] = field(default_factory=list)


def handler_exits(ctx: FileContext, handler: cst.ExceptHandler) -> HandlerExits:
    """Follow every path through ``handler``'s body (the paths flake8-async's ASYNC103/104
    follow). A bare ``raise``, ``raise name`` of the handler's own ``as name`` and a new
    ``CancelledError`` re-raise.
    A ``with`` body that re-raises counts as re-raising (a context manager that suppresses it
    is not known); a ``try`` nested in the handler does when its ``finally`` does, or its body
    and every one of its handlers do."""
    own = handler.name.name.value if handler.name and isinstance(handler.name.name, cst.Name) else None
    walk = _Walk(ctx, own)
    walk.result.falls_through = walk.block(_statements(handler.body))
    return walk.result


class _Walk:
    def __init__(self, ctx: FileContext, own_name: Optional[str]) -> None:
        self.ctx = ctx
        self.result = HandlerExits()
        self.names: List[Optional[str]] = [own_name]  # `as` names of the handlers we are in
        self.loops: List[Set[str]] = []  # for each loop inside the handler: "break"/"continue" seen

    def block(self, statements: Sequence[cst.CSTNode]) -> bool:
        """Can control run off the end of ``statements``? Walks them all (for the escapes)."""
        falls = True
        for statement in statements:
            falls = self.statement(statement) and falls
        return falls

    def statement(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return self.block(node.body)
        if isinstance(node, cst.Raise):
            return self.raise_(node)
        if isinstance(node, cst.Assert) and _falsy_literal(node.test):
            self.result.other_raises.append(node)  # `assert False`: an AssertionError
            return False
        if isinstance(node, cst.Return):
            self.result.escapes.append(node)
            return False
        if isinstance(node, (cst.Break, cst.Continue)):
            if not self.loops:
                self.result.escapes.append(node)
            else:
                self.loops[-1].add("break" if isinstance(node, cst.Break) else "continue")
            return False
        if isinstance(node, cst.If):
            body = self.block(_statements(node.body))
            orelse = node.orelse
            if orelse is None:
                return True
            other = self.statement(orelse) if isinstance(orelse, cst.If) else self.block(_statements(orelse.body))
            return body or other
        if isinstance(node, (cst.For, cst.While)):
            return self.loop(node)
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self.try_(node)
        if isinstance(node, cst.With):
            return self.block(_statements(node.body))
        if isinstance(node, cst.Match):
            return self.match(node)
        return True  # other small statements; nested defs and classes run nothing here

    def raise_(self, node: cst.Raise) -> bool:
        exc = node.exc.func if isinstance(node.exc, cst.Call) else node.exc
        if exc is None or isinstance(node.exc, cst.Name) and node.exc.value in self.names:
            return False
        if not self.ctx.resolves_to(exc, CANCELLED_ERROR):  # a new CancelledError still cancels
            self.result.other_raises.append(node)
        return False

    def loop(self, node: cst.CSTNode) -> bool:
        self.loops.append(set())
        body_falls = self.block(_statements(node.body))
        jumps = self.loops.pop()
        forever = isinstance(node, cst.While) and _truthy_literal(node.test)
        once = forever or isinstance(node, cst.For) and self._runs_once(node.iter)
        ends = not forever and (not once or body_falls or "continue" in jumps)
        # `else` runs only when the loop ends without `break`
        orelse = ends and (self.block(_statements(node.orelse.body)) if node.orelse is not None else True)
        return orelse or "break" in jumps

    def _runs_once(self, iterable: cst.BaseExpression) -> bool:
        """A non-empty display (no ``*`` unpacking) or ``range(n)`` of a positive literal."""
        if isinstance(iterable, cst.Call) and self.ctx.resolves_to(iterable.func, {"builtins.range"}):
            args = iterable.args
            return len(args) == 1 and isinstance(args[0].value, cst.Integer) and args[0].value.evaluated_value > 0
        return (
            isinstance(iterable, (cst.List, cst.Tuple, cst.Set, cst.Dict))
            and bool(iterable.elements)
            and not any(isinstance(e, (cst.StarredElement, cst.StarredDictElement)) for e in iterable.elements)
        )

    def try_(self, node: cst.CSTNode) -> bool:
        body = self.block(_statements(node.body))
        orelse = self.block(_statements(node.orelse.body)) if node.orelse is not None else True
        handlers = False
        for handler in node.handlers:
            name = handler.name.name if handler.name is not None else None
            self.names.append(name.value if isinstance(name, cst.Name) else None)
            handlers = self.block(_statements(handler.body)) or handlers
            self.names.pop()
        if node.finalbody is not None and not self.block(_statements(node.finalbody.body)):
            return False
        return body and orelse or handlers

    def match(self, node: cst.Match) -> bool:
        every_case_ends, catch_all = True, False
        for case in node.cases:
            every_case_ends = not self.block(_statements(case.body)) and every_case_ends
            catch_all = catch_all or isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None and case.guard is None
        return not (every_case_ends and catch_all)


def _statements(body: cst.CSTNode) -> Sequence[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    return [body]


def _falsy_literal(expr: cst.BaseExpression) -> bool:
    return is_literal(expr, False) or is_literal(expr, None) or is_literal(expr, 0)


def _truthy_literal(expr: cst.BaseExpression) -> bool:
    return is_literal(expr, True) or isinstance(expr, cst.Integer) and expr.evaluated_value != 0


def calls_uncancel(body: cst.CSTNode) -> bool:
    """Does ``body`` call a method named ``uncancel`` (``asyncio.current_task().uncancel()``)?"""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "uncancel":
                found.append(node)

    body.visit(Finder())
    return bool(found)


def with_raise_at_end(body: cst.BaseSuite) -> cst.BaseSuite:
    """``body`` ending in ``raise``: a lone ``pass`` becomes it, else it is added."""
    raise_ = cst.Raise()
    statements = list(body.body)
    only_pass = len(statements) == 1 and _is_pass(statements[0])
    if isinstance(body, cst.SimpleStatementSuite):
        only_pass = only_pass and body.trailing_whitespace.comment is None
        return body.with_changes(body=[raise_] if only_pass else [*statements, raise_])
    if only_pass:
        return body.with_changes(body=[statements[0].with_changes(body=[raise_])])
    return body.with_changes(body=[*statements, cst.SimpleStatementLine([raise_])])


def _is_pass(statement: cst.CSTNode) -> bool:
    """A ``pass`` with no comment of its own (one there may explain the swallowing)."""
    if isinstance(statement, cst.Pass):
        return True
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Pass)
        and statement.trailing_whitespace.comment is None
    )


# Exception types an `except` can name, by whether they catch the TimeoutError (3.11+: one class).
_CATCH_TIMEOUT = frozenset({
    *(f"builtins.{n}" for n in ("TimeoutError", "OSError", "EnvironmentError", "IOError", "Exception", "BaseException")),
    "asyncio.TimeoutError", "asyncio.exceptions.TimeoutError", "concurrent.futures.TimeoutError",
})
_MISS_TIMEOUT = frozenset({
    *(f"builtins.{n}" for n in (
        "ValueError", "TypeError", "KeyError", "IndexError", "LookupError", "AttributeError",
        "RuntimeError", "ConnectionError", "ConnectionResetError", "BrokenPipeError", "EOFError",
        "KeyboardInterrupt", "StopIteration", "StopAsyncIteration", "NotImplementedError",
    )),
    "asyncio.CancelledError", "asyncio.exceptions.CancelledError", "asyncio.IncompleteReadError",
    "asyncio.InvalidStateError", "asyncio.LimitOverrunError",
})
# What reads the exception being handled (its chain is what differs).
_EXCEPTION_READERS = frozenset({"sys.exc_info", "sys.exception", "traceback"})


def timeout_caught_blindly(ctx: FileContext, statement: cst.With) -> bool:
    """Is the ``TimeoutError`` the block raises caught in this function, by a handler that
    neither binds it, raises, nor reads the exception being handled? Only then can no one
    see how it is chained."""
    node: cst.CSTNode = statement
    while True:
        parent = ctx.parent(node)
        if isinstance(parent, cst.Try) and node is parent.body:
            return _first_catcher_is_blind(ctx, parent)
        if not isinstance(parent, (cst.IndentedBlock, cst.If, cst.Else, cst.For, cst.While)):
            return False  # a `with` or `finally` on the way sees the exception, or no `try`
        node = parent

def _first_catcher_is_blind(ctx: FileContext, statement: cst.Try) -> bool:
    for handler in statement.handlers:
        types = handler.type
        names = [] if types is None else [e.value for e in types.elements] if isinstance(types, cst.Tuple) else [types]
        meanings = set().union(*(ctx.qualified_names(n) for n in names))
        if types is not None and meanings and meanings <= _MISS_TIMEOUT:
            continue
        if types is not None and not (meanings and meanings & _CATCH_TIMEOUT):
            return False  # a type we do not know: it may be the one that catches
        return handler.name is None and not _reads_exception(ctx, handler.body)
    return False

def _reads_exception(ctx: FileContext, body: cst.CSTNode) -> bool:
    if m.findall(body, m.Raise() | m.Arg(keyword=m.Name("exc_info"))):
        return True
    for call in m.findall(body, m.Call()):
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "exception":
            return True  # logger.exception(...)
        meanings = ctx.qualified_names(func)
        if any(q in _EXCEPTION_READERS or q.split(".")[0] in _EXCEPTION_READERS for q in meanings):
            return True
    return False
