"""A loop handed to the coroutine it runs (AIO101): ``loop.run_until_complete(main(loop))``.

Inside ``main``'s body, that parameter is the running loop, which is exactly what
``asyncio.get_running_loop()`` returns there: the fix drops the parameter and the argument and
binds the name to ``asyncio.get_running_loop()`` as ``main``'s first statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

import libcst as cst

from .script_end import is_main_guard
from .statements import block_body
from .syntax import has_star_args, without_trailing_comma
from .values import is_coroutine_call

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix


@dataclass
class PassedLoop:
    call: cst.Call  # `main(loop)`, run on the spot
    arg: cst.Arg  # `loop`
    function: cst.FunctionDef  # `async def main(loop)`
    param: cst.Param  # its parameter the loop binds to
    importable: bool  # `main` is a module attribute (another module may import it and pass a loop)


def passed_loop(ctx: FileContext, ref: cst.CSTNode, runs_on_loop: Callable[[cst.Call], bool]) -> Optional[PassedLoop]:
    """``ref`` (a loop's name) is an argument of a call to an undecorated ``async def`` of this
    file, named only there, and the call is run on that loop (``runs_on_loop(call)``)."""
    arg = ctx.parent(ref)
    call = ctx.parent(arg) if isinstance(arg, cst.Arg) and not arg.star else None
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Name) or not runs_on_loop(call):
        return None
    if has_star_args(call) or not is_coroutine_call(ctx, call):
        return None
    scope = ctx.scope(call.func)
    assignments = list(scope[call.func.value]) if scope is not None else []
    if len(assignments) != 1 or [r.node for r in assignments[0].references] != [call.func]:
        return None  # the function is called (or named) elsewhere too
    function = assignments[0].node
    param = _bound_param(call, arg, function.params)  # type: ignore[arg-type]
    if param is None or param.default is not None:
        return None
    return PassedLoop(call, arg, function, param, importable(ctx, function))  # type: ignore[arg-type]


def importable(ctx: FileContext, function: cst.CSTNode) -> bool:
    """A module attribute another module could import: defined outside functions and classes
    and outside an ``if __name__ == "__main__":`` block."""
    node = ctx.parent(function)
    while node is not None and not isinstance(node, cst.Module):
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) or (isinstance(node, cst.If) and is_main_guard(node.test)):
            return False
        node = ctx.parent(node)
    return True


def _bound_param(call: cst.Call, arg: cst.Arg, params: cst.Parameters) -> Optional[cst.Param]:
    """The parameter ``arg`` binds to in ``call`` (positionally, or by keyword)."""
    if params.posonly_params or params.star_kwarg is not None:
        return None
    if arg.keyword is not None:
        named = [p for p in (*params.params, *params.kwonly_params) if p.name.value == arg.keyword.value]
        return named[0] if named else None
    index = [a for a in call.args if a.keyword is None].index(arg)
    return params.params[index] if index < len(params.params) else None


def without_loop_args(value: cst.BaseExpression, passed) -> cst.BaseExpression:
    """``main(loop, x)`` -> ``main(x)``, where ``value`` is the call of one of the ``passed``."""
    for loop in passed:
        if loop.call is value:
            return value.with_changes(args=without_trailing_comma(a for a in value.args if a is not loop.arg))
    return value


def callee_edits(ctx: FileContext, fix: Fix, passed: PassedLoop) -> Optional[dict]:
    """``async def main(loop, x):`` -> ``async def main(x):`` + ``loop = asyncio.get_running_loop()``
    as its first statement (after a docstring) where ``main`` reads ``loop``; None for a body on
    the ``def`` line."""
    function = passed.function
    params = function.params
    kept = [p for p in params.params if p is not passed.param]
    kwonly = [p for p in params.kwonly_params if p is not passed.param]
    star_arg = params.star_arg if kwonly or not isinstance(params.star_arg, cst.ParamStar) else cst.MaybeSentinel.DEFAULT
    if kept and not kwonly and star_arg is cst.MaybeSentinel.DEFAULT:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    if kwonly:
        kwonly[-1] = kwonly[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    new_params = params.with_changes(params=kept, kwonly_params=kwonly, star_arg=star_arg)
    body = block_body(function.body)
    if not body:
        return None
    scope = ctx.scope(body[0])
    name = passed.param.name.value
    if scope is None or not any(a.node is passed.param and a.references for a in scope[name]):
        return {params: new_params}
    first = 1 if _is_docstring(body[0]) and len(body) > 1 else 0
    binding = fix.parse_statement(f"{name} = {{running}}()", running=fix.ref("asyncio.get_running_loop"))
    anchor = body[first]
    return {
        params: new_params,
        anchor: cst.FlattenSentinel([binding.with_changes(leading_lines=anchor.leading_lines),
                                     anchor.with_changes(leading_lines=[])]),
    }


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))

