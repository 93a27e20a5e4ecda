import libcst as cst

from ..kit.names import GATHER, TASK_GROUP
from ..kit.scope import task_group_item
from ..kit.statements import only_statement
from ..kit.syntax import is_literal
from ..model import Safety
from ..rule import Rule


class GatherOfOne(Rule):
    """Await a lone awaitable directly instead of through ``gather()`` or a one-task ``TaskGroup``.

    ## Why
    ``await asyncio.gather(fetch())`` and a group that creates one task

    Example: `fixtures/aio208_single_task_group/basic`.

    run a single awaitable: nothing runs concurrently with it, so the extra task, the
    list and the group only add cost and indirection. ``await fetch()`` (or
    ``[await fetch()]`` where gather's one-element list is used) says the same. It often
    marks a leftover of a refactoring, or a loop that was meant to start several tasks.

    ## Fix safety
    Report only, never rewritten. The two forms are close but not the same: a task runs in
    a copy of the caller's ``contextvars`` context (changes it makes to context variables
    stay in it), ``asyncio.current_task()`` differs inside it, and a ``TaskGroup`` wraps an
    error in an ``ExceptionGroup``. Whether any of that is wanted is the author's call.

    ## Limitations
    Only ``gather`` with exactly one non-starred positional argument, awaited on the spot,
    with no keyword but ``return_exceptions=False`` (``return_exceptions=True`` turns an error
    into a result, which ``await`` alone does not); and an ``async with asyncio.TaskGroup() as
    tg`` with no other context manager whose whole body is one ``tg.create_task(...)`` call,
    alone or assigned to a name. A starred ``gather(*coros)`` may hold any number of
    awaitables and is left alone.
    """

    code = "AIO208"
    name = "gather-of-one"
    min_python = (3, 7)
    safety = Safety.REPORT
    trigger_words = ("gather", "TaskGroup")
    anchors = tuple(GATHER | TASK_GROUP)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, GATHER) or not self.ctx.is_awaited(node):
            return
        positional = [arg for arg in node.args if arg.keyword is None]
        keywords = [arg for arg in node.args if arg.keyword is not None]
        if len(positional) != 1 or positional[0].star:
            return
        if any(arg.keyword.value != "return_exceptions" or not is_literal(arg.value, False) for arg in keywords):
            return
        self.report(node, "`asyncio.gather()` of one awaitable: await it directly (`[await x]` for the list)")

    def visit_With(self, node: cst.With) -> None:
        item = task_group_item(self.ctx, node)
        if item is None or len(node.items) != 1 or item.asname is None:
            return
        group = item.asname.name
        small = only_statement(node.body)
        if isinstance(small, cst.Assign) and len(small.targets) == 1 or isinstance(small, cst.Expr):
            call = small.value
            if (
                isinstance(group, cst.Name)
                and isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "create_task"
                and isinstance(call.func.value, cst.Name)
                and call.func.value.value == group.value
            ):
                self.report(node, "an `asyncio.TaskGroup` that runs one task: await the coroutine directly")
