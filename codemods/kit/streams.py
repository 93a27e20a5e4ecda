"""StreamWriters known by where they came from: ``reader, writer = await asyncio.open_connection(...)``
in the same coroutine, or the second parameter of a ``start_server`` callback passed by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .names import asyncio_names, is_call_to
from .scope import function_of
from .syntax import keyword_arg
from .values import sole_local_assignment

from ..context import once_per_file

if TYPE_CHECKING:
    from ..context import FileContext

OPEN_CONNECTION = asyncio_names("open_connection", "open_unix_connection")
START_SERVER = asyncio_names("start_server", "start_unix_server")
WAIT_FOR = asyncio_names("wait_for")


def is_stream_writer(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is a name that certainly holds an ``asyncio.StreamWriter``."""
    if not isinstance(expr, cst.Name):
        return False
    return _unpacked_from_open_connection(ctx, expr) or _server_callback_writer(ctx, expr)


def _unpacked_from_open_connection(ctx: FileContext, name: cst.Name) -> bool:
    """``_, name = await asyncio.open_connection(...)`` (or ``await asyncio.wait_for(
    asyncio.open_connection(...), t)``), its only binding in this function."""
    found = sole_local_assignment(ctx, name)
    if found is None:
        return False
    assign, target = found
    targets, value = assign.targets[0].target, assign.value
    return (
        isinstance(targets, (cst.Tuple, cst.List))
        and len(targets.elements) == 2
        and targets.elements[1].value is target
        and isinstance(value, cst.Await)
        and is_call_to(ctx, _timed(ctx, value.expression), OPEN_CONNECTION)
    )


def _timed(ctx: FileContext, expr: cst.BaseExpression) -> cst.BaseExpression:
    """The awaitable of ``asyncio.wait_for(awaitable, ...)``, else ``expr``."""
    if is_call_to(ctx, expr, WAIT_FOR) and expr.args and expr.args[0].keyword is None and not expr.args[0].star:
        return expr.args[0].value
    return expr


def _server_callback_writer(ctx: FileContext, name: cst.Name) -> bool:
    """``name`` is the never rebound second parameter of an ``async def`` of this file that is
    passed by name as the callback of ``asyncio.start_server``/``start_unix_server``."""
    scope = ctx.scope(name)
    bindings = list(scope[name.value]) if scope is not None else []
    param = getattr(bindings[0], "node", None) if len(bindings) == 1 else None
    function = function_of(ctx, param) if isinstance(param, cst.Param) else None
    if function is None or function.asynchronous is None:
        return False
    params = function.params.params
    if len(params) != 2 or params[1] is not param or function.params.star_arg is not cst.MaybeSentinel.DEFAULT:
        return False
    return any(_callback_of(ctx, call) is function for call in _server_calls(ctx))


@once_per_file
def _server_calls(ctx: FileContext) -> list:
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if is_call_to(ctx, node, START_SERVER):
                found.append(node)

    if ctx.may_refer_to(START_SERVER):
        ctx.module.visit(Finder())
    return found


def _callback_of(ctx: FileContext, call: cst.Call) -> Optional[cst.FunctionDef]:
    """The function a ``start_server`` call names as its callback, when every binding of that
    name is one ``def``."""
    arg = keyword_arg(call, "client_connected_cb")
    positional = [a for a in call.args if a.keyword is None and not a.star]
    callback = arg.value if arg is not None else positional[0].value if positional else None
    scope = ctx.scope(callback) if isinstance(callback, cst.Name) else None
    bindings = list(scope[callback.value]) if scope is not None else []
    node = getattr(bindings[0], "node", None) if len(bindings) == 1 else None
    return node if isinstance(node, cst.FunctionDef) else None
