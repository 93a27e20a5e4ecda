"""What runs after a statement of a script, and whether it is *inert*: code that calls only
builtins and ``sys.exit`` (so it neither asks for the current event loop nor drives one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection

import libcst as cst

from ..lazy import matchers as m
from .statements import block_body

if TYPE_CHECKING:
    from ..context import FileContext

# Builtins that run code they are handed, or import it.
_NOT_INERT_BUILTINS = frozenset({"builtins.exec", "builtins.eval", "builtins.__import__", "builtins.breakpoint"})
_INERT_FUNCTIONS = frozenset({
    "sys.exit", "sys.stdout.write", "sys.stderr.write", "sys.stdout.flush", "sys.stderr.flush",
})
_INERT_SMALL = (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Pass, cst.Raise, cst.Del)


def is_inert_call(ctx: FileContext, call: cst.Call) -> bool:
    names = ctx.qualified_names(call.func)
    return bool(names) and all(
        (name.startswith("builtins.") and name not in _NOT_INERT_BUILTINS) or name in _INERT_FUNCTIONS
        for name in names
    )


def is_inert(ctx: FileContext, stmt: cst.CSTNode) -> bool:
    """Simple statements (and ``if``s of them) whose calls are all inert, or an undecorated
    ``def`` whose header calls nothing: running it cannot touch an event loop."""
    if isinstance(stmt, cst.FunctionDef):
        return not stmt.decorators and not _calls_in(stmt.params) and not _calls_in(stmt.returns)
    if isinstance(stmt, cst.If):
        orelse = stmt.orelse
        rest = [] if orelse is None else [orelse] if isinstance(orelse, cst.If) else suite_statements(orelse.body)
        return all(is_inert(ctx, s) for s in [*suite_statements(stmt.body), *rest]) and _inert_expression(ctx, stmt.test)
    if not isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return False
    return all(isinstance(small, _INERT_SMALL) and _inert_expression(ctx, small) for small in stmt.body)


def is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (any string)."""
    return m.matches(test, m.Comparison(m.Name("__name__"), [m.ComparisonTarget(m.Equal(), m.SimpleString())]))


def suite_statements(suite: cst.BaseSuite) -> list:
    """The statements of an indented block, or the one-line suite itself (``if x: pass``)."""
    return list(suite.body) if isinstance(suite, cst.IndentedBlock) else [suite]


def _inert_expression(ctx: FileContext, node: cst.CSTNode) -> bool:
    found = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, child: cst.CSTNode) -> bool:
            found.append(child)
            return not isinstance(child, (cst.Lambda, cst.FunctionDef))

    node.visit(Finder())
    return all(
        is_inert_call(ctx, n) if isinstance(n, cst.Call) else not isinstance(n, (cst.Await, cst.Yield, cst.NamedExpr))
        for n in found
    )


def _calls_in(node: cst.CSTNode) -> bool:
    if node is None:
        return False
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> None:
            found.append(call)

    node.visit(Finder())
    return bool(found)


def only_inert_after(ctx: FileContext, stmt: cst.CSTNode, ignored: Collection[cst.CSTNode] = ()) -> bool:
    """Until the script ends, only inert code (or the ``ignored`` statements) can run after
    ``stmt``: climbing out of ``if`` branches and ``try`` statements (whose other parts must be
    inert) to the module's end. False inside a function, loop, ``with`` or class."""

    def inert(stmts: list) -> bool:
        return all(s in ignored or is_inert(ctx, s) for s in stmts)

    node = stmt
    while True:
        block = ctx.parent(node)
        body = block_body(block)
        if node not in body or not inert(list(body[body.index(node) + 1:])):
            return False
        if isinstance(block, cst.Module):
            return True
        owner = ctx.parent(block)
        if isinstance(owner, (cst.If, cst.Else)) and not isinstance(ctx.parent(owner), (cst.Try, cst.For, cst.While)):
            node = owner
            while isinstance(ctx.parent(node), (cst.If, cst.Else)):
                node = ctx.parent(node)
            continue
        trial = owner if isinstance(owner, cst.Try) else ctx.parent(owner)
        if not isinstance(trial, cst.Try):
            return False
        later = []
        if block is trial.body:
            later = [s for h in trial.handlers for s in suite_statements(h.body)]
            later += suite_statements(trial.orelse.body) if trial.orelse else []
        if owner is not trial.finalbody and trial.finalbody:
            later += suite_statements(trial.finalbody.body)
        if not inert(later):
            return False
        node = trial
