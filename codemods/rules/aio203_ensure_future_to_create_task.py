import libcst as cst

from ..kit.bindings import drop_loop_binding_if_unused
from ..kit.findings import without_fix
from ..kit.imports import drop_import_if_unused
from ..kit.names import GET_EVENT_LOOP, GET_RUNNING_LOOP, asyncio_names
from ..kit.scope import innermost_def
from ..kit.syntax import has_star_args, keyword_arg, loses_comments, method_receiver
from ..kit.values import is_coroutine_call, is_running_loop
from ..model import Safety
from ..rule import Rule

ENSURE_FUTURE = asyncio_names("ensure_future")
TASK = asyncio_names("Task")
CREATE_TASK_KEYWORDS = {"name", "context"}


class EnsureFutureOfCoroutine(Rule):
    """Create tasks with ``asyncio.create_task()``.

    ## Why
    Since Python 3.7 ``asyncio.create_task(coro)`` is the one documented way to schedule a
    coroutine. ``asyncio.ensure_future(coro())`` hides that a *coroutine* goes in (it also
    accepts futures and awaitables and may return its argument unchanged), instantiating
    ``asyncio.Task(coro)`` directly is discouraged by the docs, and ``loop.create_task(coro)``
    on the running loop is a longer spelling of the same call.

    ## Fix safety
    ``asyncio.ensure_future(c)`` is rewritten only where ``c`` is a call that provably
    returns a coroutine (an undecorated, non-generator ``async def`` of the same file, or an
    asyncio coroutine function such as ``asyncio.sleep``) and only inside a coroutine: there
    both forms call ``create_task`` on the running loop, so nothing changes.
    ``loop.create_task(c, ...)`` becomes ``asyncio.create_task(c, ...)`` (``name=`` and
    ``context=`` kept) where ``loop`` is provably the running loop: ``create_task`` looks up
    that same loop. In a coroutine, a ``loop = asyncio.get_running_loop()`` (or
    ``get_event_loop()``) line left unused is removed: there both calls return the running
    loop and cannot raise or warn, so the line did nothing but bind the name. It stays when
    the name is used again, in a plain ``def`` (where ``get_running_loop()`` raises without a
    running loop) or when it holds a comment. ``asyncio.Task(c)`` is unsafe: the constructor bypasses the loop's task
    factory, ``create_task`` goes through it, so under a custom factory (for example
    ``asyncio.eager_task_factory``) the task may start eagerly or be of another class.

    ## Limitations
    An argument that may be a future, a task or any awaitable is left alone
    (``ensure_future`` returns a future as it is). ``ensure_future(c, loop=...)``,
    ``asyncio.Task(c, loop=...)``, calls outside a coroutine (``create_task`` needs a
    running loop) and loops that are attributes or parameters are left alone.
    """

    code = "AIO203"
    name = "ensure-future-of-coroutine"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("ensure_future", "create_task", "Task")
    anchors = tuple(ENSURE_FUTURE | TASK | GET_RUNNING_LOOP | GET_EVENT_LOOP)
    facts_words = ("ensure_future",)

    def visit_Call(self, node: cst.Call) -> None:
        receiver = method_receiver(node, "create_task")
        if receiver is not None and innermost_def(self.ctx) is not None and is_running_loop(self.ctx, receiver):
            if self._create_task_args(node, allowed=CREATE_TASK_KEYWORDS):
                self._rewrite(node, "`loop.create_task()` on the running loop: use `asyncio.create_task()`")
            return
        if not self.ctx.in_coroutine():
            return
        if self.ctx.resolves_to(node.func, ENSURE_FUTURE):
            if self._create_task_args(node, allowed=set()) and is_coroutine_call(self.ctx, node.args[0].value):
                self._rewrite(node, "`ensure_future()` of a coroutine: use `asyncio.create_task()`")
        elif self.ctx.resolves_to(node.func, TASK):
            if self._create_task_args(node, allowed=CREATE_TASK_KEYWORDS):
                self._rewrite(node, "`asyncio.Task()` called directly: use `asyncio.create_task()`", unsafe=True)

    @staticmethod
    def _create_task_args(node: cst.Call, allowed: set) -> bool:
        """One positional argument, then only keywords ``create_task`` accepts too."""
        if has_star_args(node) or not node.args or node.args[0].keyword is not None:
            return False
        keywords = [arg.keyword.value for arg in node.args[1:] if arg.keyword is not None]
        return len(keywords) == len(node.args) - 1 and set(keywords) <= allowed

    def _rewrite(self, node: cst.Call, message: str, unsafe: bool = False) -> None:
        fix = self.fix(node)
        if loses_comments(node.func, []):
            self.report(node, without_fix(message, "a comment would be lost"))
            return
        fix.replace(node.func, fix.ref("asyncio.create_task"))
        if isinstance(node.func, cst.Name):  # `from asyncio import ensure_future`: drop it if now unused
            drop_import_if_unused(self.ctx, fix, node.func)
        receiver = method_receiver(node, "create_task")
        if receiver is not None:
            drop_loop_binding_if_unused(self.ctx, fix, receiver)
        self.report(node, message, fix=fix, unsafe=unsafe, min_python=(3, 11) if keyword_arg(node, "context") else None)
