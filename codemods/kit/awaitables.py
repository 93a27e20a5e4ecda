"""What ``yield from x`` delegates to, as far as turning it into ``await x`` goes.

``await`` takes fewer operands than ``yield from``: a coroutine, a future or an object with
``__await__``, not a plain generator. ``operand_kind`` proves an operand awaitable from the file
and the project facts (``instances`` for receivers of known classes), names a plain generator
when one is certain, and otherwise says "unknown".

Hazard: an answer is a proof, never a guess. Methods are taken to be the ones the receiver's
known class (or, for ``super()``, its method resolution order) has: a subclass overriding one
with a plain generator would break a caller's ``await`` in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional

import libcst as cst

from ..facts import ASYNC, COROUTINE, GENERATOR, RETURNS_AWAITABLE
from ..lazy import matchers as m
from .instances import FUTURE, instance_of, methods_are_awaitable, receiver_classes, super_method_is_awaitable
from .names import ASYNCIO_COROUTINE_FUNCTIONS, GENERATOR_COROUTINE_DECORATORS
from .scope import function_of, own_nodes
from .values import is_asyncio_lock

if TYPE_CHECKING:
    from ..context import FileContext

AWAITABLE, LOCK, GENERATOR_CALL, UNKNOWN = "awaitable", "lock", "generator", "unknown"
_BY_KIND = {ASYNC: AWAITABLE, COROUTINE: AWAITABLE, RETURNS_AWAITABLE: AWAITABLE, GENERATOR: GENERATOR_CALL}


def is_coroutine_def(ctx: FileContext, func: Optional[cst.FunctionDef]) -> bool:
    """``async def``, or a def decorated with ``asyncio.coroutine`` / ``types.coroutine``."""
    return func is not None and (
        func.asynchronous is not None
        or any(ctx.resolves_to(d.decorator, GENERATOR_COROUTINE_DECORATORS) for d in func.decorators)
    )


def operand_kind(ctx: FileContext, expr: cst.BaseExpression) -> str:
    """AWAITABLE, LOCK (an asyncio lock: ``with (yield from lock):`` becomes ``async with
    lock:``), GENERATOR_CALL (a call of a plain generator function) or UNKNOWN."""
    if is_asyncio_lock(ctx, expr):
        return LOCK
    if not isinstance(expr, cst.Call):
        return AWAITABLE if instance_of(ctx, expr) == FUTURE else UNKNOWN
    names = ctx.qualified_names(expr.func)
    if names and all(name.startswith("asyncio.") for name in names):
        return AWAITABLE
    if m.matches(expr.func, m.Attribute(attr=m.Name("acquire") | m.Name("wait") | m.Name("wait_for"))):
        if is_asyncio_lock(ctx, expr.func.value):
            return AWAITABLE  # `yield from self._cond.wait()`
    defs = _defs_called(ctx, expr)
    if defs and all(isinstance(d, cst.FunctionDef) for d in defs):
        if all(is_coroutine_def(ctx, d) for d in defs):  # type: ignore[arg-type]
            return AWAITABLE
        if any(own_nodes(d.body, cst.Yield) for d in defs):  # type: ignore[attr-defined]
            return GENERATOR_CALL
        # plain functions: the facts may say that every call returns an awaitable
    if isinstance(expr.func, cst.Attribute):
        classes = receiver_classes(ctx, expr.func.value)
        verdict = methods_are_awaitable(ctx, classes, expr.func.attr.value) if classes else None
        if verdict is None:
            verdict = super_method_is_awaitable(ctx, expr.func)
        if verdict is not None:
            return AWAITABLE if verdict else GENERATOR_CALL
    return _BY_KIND.get(ctx.function_kind(expr.func), UNKNOWN)  # type: ignore[arg-type]  # the project's facts


def certainly_awaitable(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``operand_kind`` says AWAITABLE without taking any asyncio call for one, as it may for
    the operand of a ``yield from`` that works (``asyncio.Queue()`` is no awaitable): an
    asyncio call only of a coroutine function or a future maker."""
    asyncio_call = isinstance(expr, cst.Call) and all(n.startswith("asyncio.") for n in ctx.qualified_names(expr.func) or {""})
    if asyncio_call and not ctx.resolves_to(expr.func, ASYNCIO_COROUTINE_FUNCTIONS) and instance_of(ctx, expr) != FUTURE:
        return False
    return operand_kind(ctx, expr) == AWAITABLE


def _defs_called(ctx: FileContext, call: cst.Call) -> List[cst.CSTNode]:
    """What the file binds the callee to: every binding of a plain name, or the defs of the
    method's name in the class body a ``self.method()`` / ``cls.method()`` is written in."""
    if isinstance(call.func, cst.Name):
        scope = ctx.scope(call.func)
        return [getattr(b, "node", None) for b in scope[call.func.value]] if scope is not None else []  # a builtin has none
    if m.matches(call.func, m.Attribute(m.Name("self") | m.Name("cls"))):
        cls = ctx.parent(ctx.parent(function_of(ctx, call)))  # type: ignore[arg-type]
        body = cls.body.body if isinstance(cls, cst.ClassDef) else ()
        return [s for s in body if m.matches(s, m.FunctionDef(name=m.Name(call.func.attr.value)))]  # type: ignore[union-attr]
    return []
