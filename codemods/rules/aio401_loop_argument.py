from typing import Optional

import libcst as cst

from ..kit.bindings import drop_loop_binding_if_unused
from ..kit.names import asyncio_names, is_call_to
from ..kit.syntax import count_comments, keyword_arg, loses_comments
from ..kit.values import binding_values, self_attribute_values
from ..model import Safety
from ..rule import Rule

# APIs whose `loop` parameter was removed in 3.10 (passing it raises TypeError), by what the
# loop passed did on 3.7-3.9 (see Fix safety).
# Coroutine functions: the loop is used only while the coroutine runs, in a task of some loop.
USED_WHILE_RUNNING = asyncio_names(
    "sleep", "wait_for", "wait", "open_connection", "open_unix_connection",
    "create_subprocess_exec", "create_subprocess_shell",
)
# Primitives: the loop is used only to wait; since 3.10 they bind to the loop of the first wait.
PRIMITIVES = asyncio_names(
    "Queue", "PriorityQueue", "LifoQueue", "Lock", "Event", "Condition", "Semaphore", "BoundedSemaphore",
)
# Schedule on the loop passed as they are called; awaited at once in a coroutine, any loop
# but the running one failed.
EAGER = asyncio_names("gather", "shield")
# Can succeed on a loop that is not running (a server on `sock=` or a unix path is attached to it).
SERVERS = asyncio_names("start_server", "start_unix_server")
LOOPLESS = USED_WHILE_RUNNING | PRIMITIVES | EAGER | SERVERS | asyncio_names("as_completed")
CURRENT_LOOP = asyncio_names("get_event_loop", "get_running_loop")
COROUTINE_DECORATOR = asyncio_names("coroutine")


class LoopArgument(Rule):
    """Drop the ``loop=`` argument that asyncio APIs no longer accept.

    ## Why
    ``sleep``, ``gather``, ``wait_for``, ``wait``, ``shield``, ``as_completed``, the queues,
    locks, events, conditions and semaphores, ``open_connection``/``start_server`` (and the
    unix variants) and ``create_subprocess_exec``/``_shell`` lost their ``loop`` parameter in
    3.10 (deprecated since 3.8): passing it raises ``TypeError``. Since 3.7 they use the
    running loop (primitives bind to it on first use), so the argument is not needed.

    ## Fix safety
    Removing ``loop=`` changes behaviour only when the loop passed is not the one the code
    runs on, and on 3.7-3.9 (the newest Pythons that ran the original) using another loop
    failed almost everywhere: a task awaiting a future of another loop raises
    ``RuntimeError: ... attached to a different loop``. So the fix is safe:
    - for the coroutine functions (``sleep``, ``wait_for``, ``wait``, ``open_connection``,
      ``open_unix_connection``, ``create_subprocess_exec``/``_shell``), wherever they are
      called: the loop passed is used only while the coroutine runs in a task, so it either was
      that task's loop or the call failed (or, as ``sleep(0)`` and ``wait_for(aw, None)`` do,
      ignored it);
    - for the queues, locks, events, conditions and semaphores, wherever they are created: the
      loop passed was used only to wait, so every wait of a working program ran on it, and
      since 3.10 a primitive binds to the loop of its first wait, the same one;
    - for ``gather`` and ``shield`` awaited at once in a coroutine (``await`` in an ``async
      def``, ``yield from`` in an ``@asyncio.coroutine`` function);
    - when the value is ``None``, ``asyncio.get_event_loop()``/``get_running_loop()``, or a
      name (or a ``self.attr`` of the class) whose every binding is such a call.

    Example: `fixtures/aio401_loop_argument/runs_coroutines_on_a_stored_loop`.

    Unsafe, with the reason in the finding: ``gather``, ``shield`` and ``as_completed``
    anywhere else (they schedule their work on the loop passed as they are called, for example
    before a loop runs; without ``loop=`` it goes to the current loop,
    `fixtures/aio401_loop_argument/noop_gather_outside_coroutine_unsafe_only`), and
    ``start_server``/``start_unix_server`` (a server on ``sock=`` or a unix path starts on a
    loop that is not running and serves there:
    `fixtures/aio401_loop_argument/noop_server_on_socket_unsafe_only`), unless the value is
    the current loop as above.

    A ``name = asyncio.get_running_loop()`` inside the coroutine is removed too when the
    removed arguments were its only uses (and none of them is kept by a ``# noqa``). ``name = asyncio.get_event_loop()`` is always kept:
    outside a running loop it creates and sets the thread's loop (and warns or raises on
    3.12+/3.14+), a side effect later code may rely on.

    ## Limitations
    ``loop=`` is kept where it is still accepted (``ensure_future``, ``Future``, ``Task``,
    ``all_tasks``, ``run_coroutine_threadsafe``, ``loop.create_server``...) and on
    ``StreamReader``/``StreamReaderProtocol``/``StreamWriter``, which still take it. Calls
    through ``**kwargs`` and user subclasses of ``Queue``/``Lock`` are not seen. A site where
    the removal would drop a comment is reported without a fix.
    """

    code = "AIO401"
    name = "loop-argument"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("loop",)
    anchors = tuple(LOOPLESS)

    def visit_Call(self, node: cst.Call) -> None:
        arg = keyword_arg(node, "loop")
        if arg is None or not is_call_to(self.ctx, node, LOOPLESS):
            return
        message = f"`loop=` was removed from `{self.ctx.code_for(node.func)}` in Python 3.10"
        index = node.args.index(arg)
        fix = self.fix(node)
        if len(node.args) == 1:  # `Lock(\n    loop=loop,\n)` -> `Lock()`
            fix.replace(node, node.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace("")))
        elif index == len(node.args) - 1:  # the previous argument ends the call as `loop=` did
            before = node.args[index - 1]
            fix.remove(arg)
            fix.replace(before, before.with_changes(comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg))
            if loses_comments(before, [before.value]):
                self.report(node, f"{message} (a comment is in the way: remove it by hand)")
                return
        else:
            fix.remove(arg)
        if loses_comments(arg, []) or count_comments(node.whitespace_before_args):
            self.report(node, f"{message} (a comment is in the way: remove it by hand)")
            return
        why = None if self._current_loop(arg.value) else self._unsafe_reason(node)
        self.report(node, f"{message} (unsafe: {why})" if why else message, fix=fix, unsafe=why is not None)
        drop_loop_binding_if_unused(self.ctx, fix, arg.value)

    def _unsafe_reason(self, node: cst.Call) -> Optional[str]:
        """Why dropping a ``loop=`` that may not be the running loop could change a working
        program, or None when it cannot."""
        if is_call_to(self.ctx, node, USED_WHILE_RUNNING | PRIMITIVES):
            return None
        if is_call_to(self.ctx, node, EAGER) and self._awaited_in_coroutine(node):
            return None
        if is_call_to(self.ctx, node, SERVERS):
            return "a server can start on a loop that is not running; without `loop=` it uses the running one"
        return "it schedules work on the loop passed as it is called; without `loop=`, on the current loop"

    def _awaited_in_coroutine(self, node: cst.Call) -> bool:
        """``await node`` in an ``async def``, or ``yield from node`` in an
        ``@asyncio.coroutine`` function: a task of the running loop waits for it at once."""
        if self.ctx.in_coroutine():
            return self.ctx.is_awaited(node)
        function = self.ctx.enclosing_function()
        parent = self.ctx.parent(node)
        return (
            function is not None
            and isinstance(parent, cst.From)
            and isinstance(self.ctx.parent(parent), cst.Yield)
            and any(self.ctx.resolves_to(d.decorator, COROUTINE_DECORATOR) for d in function.decorators)
        )

    def _current_loop(self, value: cst.BaseExpression) -> bool:
        """``value`` is the current loop: ``None``, a getter's call, or a name (or ``self.attr``)
        only ever bound to one."""
        if isinstance(value, cst.Name) and value.value == "None" and not binding_values(self.ctx, value):
            return True
        if isinstance(value, cst.Attribute):
            values = self_attribute_values(self.ctx, value)
        elif isinstance(value, cst.Name):
            values = binding_values(self.ctx, value)
        else:
            return is_call_to(self.ctx, value, CURRENT_LOOP)
        return bool(values) and all(is_call_to(self.ctx, v, CURRENT_LOOP) for v in values)  # type: ignore[union-attr]
