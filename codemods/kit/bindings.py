"""Locals a fix may leave unused: ``loop = asyncio.get_running_loop()`` after its last use is rewritten."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..binding_edits import BindingRemoval
from .imports import imports_made_unused, other_async_library
from .names import GET_EVENT_LOOP, GET_RUNNING_LOOP
from .scope import innermost_def
from .syntax import count_comments
from .values import sole_local_assignment

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix

LOOP_GETTERS = GET_RUNNING_LOOP | GET_EVENT_LOOP


def drop_loop_binding_if_unused(ctx: FileContext, fix: "Fix", loop: cst.BaseExpression) -> None:
    """Have ``fix`` remove ``loop = asyncio.get_running_loop()`` (or ``get_event_loop()``)
    once the pass's edits leave ``loop`` unused, when ``loop`` (an expression the fix
    rewrites away) is a local of the coroutine being visited bound by that one statement.

    In a coroutine the loop is running: both calls return it and neither can raise or warn,
    so the statement has no effect but the binding. So is ``loop or asyncio.get_running_loop()``
    whose first operand is a parameter of the coroutine (``_loop = loop or ...``): its truth
    test is all it adds, and what was passed as a loop (an event loop) has no ``__bool__``. In a plain ``def`` ``get_running_loop()``
    raises without a running loop, before the statements that follow it: the line stays.
    The lines above it (comments, blank lines) move to the statement after it. A line with a
    comment of its own (which may be about the loop), the only statement of its block, or one
    that binds more than the name stays.
    """
    if not isinstance(loop, cst.Name) or not ctx.in_coroutine() or other_async_library(ctx):
        return
    found = sole_local_assignment(ctx, loop)
    function = innermost_def(ctx)
    if found is None or function is None:
        return
    assign, target = found
    value = assign.value
    if isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or):
        if not _is_parameter(ctx, value.left):
            return
        value = value.right
    if assign.targets[0].target is not target or not isinstance(value, cst.Call) or value.args:
        return
    if not ctx.resolves_to(value.func, LOOP_GETTERS):
        return
    line = ctx.parent(assign)
    block = ctx.parent(line)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return
    if count_comments(line.with_changes(leading_lines=())):
        return
    if not isinstance(block, cst.IndentedBlock) or len(block.body) < 2:
        return
    imports = tuple(imports_made_unused(ctx, line, cst.RemoveFromParent()))
    fix.remove_bindings.append(BindingRemoval(line, function, loop.value, imports))


def _is_parameter(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` names a parameter of the function it is in, never rebound there."""
    scope = ctx.scope(expr) if isinstance(expr, cst.Name) else None
    bindings = list(scope[expr.value]) if scope is not None else []  # type: ignore[union-attr]
    return len(bindings) == 1 and isinstance(getattr(bindings[0], "node", None), cst.Param)
