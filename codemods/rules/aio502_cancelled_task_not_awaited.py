import libcst as cst

from ..kit.findings import without_fix
from ..kit.imports import other_async_library
from ..kit.statements import expression_line, followed_by
from ..kit.syntax import method_receiver
from ..kit.tasks import LOOP_GETTERS, TASK_CREATORS, local_task_reads, only_method_receiver
from ..model import Safety
from ..rule import Rule

# Methods that neither wait for the task nor hand it on.
INSPECTING = ("cancel", "cancelled", "done", "get_name", "set_name", "get_coro", "cancelling")
MESSAGE = "`{task}.cancel()` and nothing waits for `{task}` to finish: it may still be running after this line"


class CancelledTaskNotAwaited(Rule):
    """Wait for a task after cancelling it.

    ## Why
    ``task.cancel()`` only asks: the task gets ``CancelledError`` at its next ``await`` and
    may run cleanup code (``finally`` blocks, ``async with`` exits) for a while after that,
    or ignore the request. Code that goes on at once (closing the connection the task still
    uses, returning from a shutdown method, ending ``asyncio.run``, which then cancels the
    task again and warns) races with it. Waiting for the task after the request is the
    documented pattern.

    Example: `fixtures/aio502_cancelled_task_not_awaited/basic`.

    ## Fix safety
    Unsafe: ``await asyncio.wait([task])`` is added after the ``cancel()`` line, so the
    coroutine now waits until the task has finished: its cleanup runs before the code that
    follows, and a task that ignores the cancellation now keeps the coroutine waiting. The
    task's own exception is not raised there (``wait`` does not retrieve it), and a
    cancellation of the waiting coroutine itself still propagates. The common
    ``with contextlib.suppress(asyncio.CancelledError): await task`` is not used: it would
    also swallow that cancellation of the waiting coroutine (AIO501), and raise whatever
    exception the task ended with.

    Example: `fixtures/aio502_cancelled_task_not_awaited/runnable_cleanup_runs_first`.

    ## Limitations
    Only a local variable of a coroutine, every binding of which is ``asyncio.create_task``,
    ``ensure_future``, ``asyncio.Task`` or ``create_task`` on the running loop, and that the
    function uses for nothing but calls of ``cancel()``, ``done()``, ``cancelled()`` and the
    like: a task that is awaited, passed on, stored or returned anywhere in the function may
    be waited for elsewhere. Attributes (``self._task``), lists of tasks, sync functions and
    ``TaskGroup`` tasks (the group waits for them) are left alone. A ``cancel()`` that is not
    a statement of its own line is reported without a fix.
    """

    code = "AIO502"
    name = "cancelled-task-not-awaited"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    trigger_words = ("cancel",)
    anchors = tuple(TASK_CREATORS | LOOP_GETTERS)
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        task = method_receiver(node, "cancel")
        if not isinstance(task, cst.Name) or not self.ctx.in_coroutine():
            return
        reads = local_task_reads(self.ctx, task)
        if reads is None or not only_method_receiver(self.ctx, reads, INSPECTING):
            return
        if other_async_library(self.ctx):
            return
        message = MESSAGE.format(task=task.value)
        line = expression_line(self.ctx, node)
        if line is None:
            self.report(node, without_fix(message, "the call is not a statement of its own line"))
            return
        fix = self.fix(node)
        wait = fix.parse_statement("await {wait}([{task}])\n", wait=fix.ref("asyncio.wait"), task=cst.Name(task.value))
        fix.replace(line, followed_by(line, wait))
        self.report(node, message, fix=fix)
