"""Tasks known by where they came from: ``asyncio.create_task(...)``, ``ensure_future``,
``asyncio.Task`` or ``create_task`` on the running loop, bound to a local name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection, List, Optional

import libcst as cst

from .names import GET_EVENT_LOOP, GET_RUNNING_LOOP, asyncio_names, is_call_to
from .syntax import method_receiver
from .values import binding_values, is_loop_from, local_reads

if TYPE_CHECKING:
    from ..context import FileContext

TASK_CREATORS = asyncio_names("create_task", "ensure_future", "Task")
LOOP_GETTERS = GET_RUNNING_LOOP | GET_EVENT_LOOP


def is_task_creation(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``asyncio.create_task(...)``/``ensure_future``/``Task``, or ``loop.create_task(...)`` on
    a loop from ``get_running_loop()``/``get_event_loop()`` (``is_loop_from``)."""
    if is_call_to(ctx, expr, TASK_CREATORS):
        return True
    receiver = method_receiver(expr, "create_task")
    return receiver is not None and is_loop_from(ctx, receiver, LOOP_GETTERS)


def local_task_reads(ctx: FileContext, name: cst.Name) -> Optional[List[cst.CSTNode]]:
    """Every read of ``name`` (``local_reads``) when it is a local of a function, each of
    whose bindings is a plain ``name = <task creation>``; else None."""
    values = binding_values(ctx, name)
    if not values or not all(is_task_creation(ctx, value) for value in values):
        return None
    return local_reads(ctx, name)


def only_method_receiver(ctx: FileContext, reads: List[cst.CSTNode], methods: Collection[str]) -> bool:
    """Is every read in ``reads`` the receiver of a call of one of ``methods``
    (``task.cancel()``, ``task.done()``)? Any other read hands the object on."""
    for read in reads:
        attribute = ctx.parent(read)
        call = ctx.parent(attribute) if attribute is not None else None
        if not (
            isinstance(attribute, cst.Attribute)
            and attribute.attr.value in methods
            and isinstance(call, cst.Call)
            and call.func is attribute
        ):
            return False
    return True
