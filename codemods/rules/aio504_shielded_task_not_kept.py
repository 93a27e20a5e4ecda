import libcst as cst

from ..facts import ASYNC
from ..kit.names import asyncio_names, is_dotted_name
from ..kit.syntax import sole_positional_arg
from ..kit.tasks import is_task_creation
from ..kit.values import is_coroutine_call
from ..model import Safety
from ..rule import Rule

SHIELD = asyncio_names("shield")


class ShieldedTaskNotKept(Rule):
    """Keep a reference to the task that ``asyncio.shield()`` protects.

    ## Why
    ``await asyncio.shield(work())`` wraps ``work()`` in a new task that nothing but the
    shield refers to. When the awaiting coroutine is cancelled, the shield lets go of it and
    it goes on running with no reference at all: the event loop keeps only weak references
    to tasks, so it can be garbage-collected before it is done ("Task was destroyed but it
    is pending!"), which is the opposite of what the shield was for. The asyncio
    documentation says to save a reference to tasks passed to ``shield``: create the task,
    keep it (in a set that a done-callback empties, as for any background task), and shield
    that.

    Example: `fixtures/aio504_shielded_task_not_kept/basic`.

    ## Fix safety
    Report only: where to keep the task (an attribute, a set, a local that outlives the
    await) is a design decision.

    ## Limitations
    Reported only where the argument is made on the spot and is certainly new: a call of an
    ``async def`` of the same file or of an asyncio coroutine function (or, with project
    facts, of another module's ``async def``), or ``asyncio.create_task(...)`` and the like.
    ``shield(task)`` of a name, an attribute or any other call (which may return a task kept
    elsewhere) is left alone. A ``shield(...)`` whose result is thrown away is AIO207's.
    """

    code = "AIO504"
    name = "shielded-task-not-kept"
    min_python = (3, 7)
    safety = Safety.REPORT
    trigger_words = ("shield",)
    anchors = tuple(SHIELD)
    facts_words = ("shield",)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, SHIELD) or isinstance(self.ctx.parent(node), cst.Expr):
            return
        arg = sole_positional_arg(node)
        if not isinstance(arg, cst.Call) or not self._is_new(arg):
            return
        self.report(
            arg,
            f"`{self.ctx.code_for(node.func)}()` of a task kept nowhere else: cancelled callers leave it"
            " to the garbage collector; create the task and keep a reference",
        )

    def _is_new(self, call: cst.Call) -> bool:
        return (
            is_coroutine_call(self.ctx, call)
            or is_task_creation(self.ctx, call)
            or is_dotted_name(call.func) and self.ctx.function_kind(call.func) == ASYNC
        )
