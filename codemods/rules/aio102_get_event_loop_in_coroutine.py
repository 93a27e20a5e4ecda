import libcst as cst

from ..kit.names import is_call_to
from ..loops import LOOP_GETTERS, drives_loop
from ..model import Safety
from ..rule import Rule


class GetEventLoopInCoroutine(Rule):
    """Use ``asyncio.get_running_loop()`` instead of ``asyncio.get_event_loop()`` in a coroutine.

    ## Why
    In a coroutine, ``get_event_loop()`` only ever returns the running loop, which
    ``get_running_loop()`` (3.7) says directly. Outside a coroutine, ``get_event_loop()``
    with no current loop warns since 3.12 and raises ``RuntimeError`` since 3.14, so those
    calls are reported too: create the loop with ``asyncio.run()``/``asyncio.Runner``, or call
    ``get_running_loop()`` where a loop is known to run.

    ## Fix safety
    Safe: lexically in an ``async def`` body (not in a nested ``def``, ``lambda``, class body
    or generator expression), the call runs while its coroutine is being stepped by the
    running asyncio loop, and then both functions return that loop. The one difference is a
    coroutine stepped by something that is not an asyncio loop (``coro.send(None)`` by hand, a
    trio or curio runner): ``get_event_loop()`` would return the thread's default loop there,
    ``get_running_loop()`` raises ``RuntimeError``.

    ## Limitations
    Calls outside coroutines are reported without a fix, except loops that
    ``run_until_complete`` is called on: those are entry points, reported by AIO101. A
    reference that is not called (``f = asyncio.get_event_loop``) and the methods of policies
    and user classes named ``get_event_loop`` are left alone.
    """

    code = "AIO102"
    name = "get-event-loop-in-coroutine"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("get_event_loop",)
    anchors = tuple(LOOP_GETTERS)

    def visit_Call(self, node: cst.Call) -> None:
        if node.args or not is_call_to(self.ctx, node, LOOP_GETTERS):
            return
        if self.ctx.in_coroutine():
            fix = self.fix(node)
            fix.replace(node.func, fix.ref("asyncio.get_running_loop"))
            fix.remove_import_if_unused("asyncio", "get_event_loop")
            self.report(node, "`get_event_loop()` in a coroutine: use `get_running_loop()`", fix=fix)
        elif not drives_loop(self.ctx, node):
            self.report(
                node,
                "`get_event_loop()` outside a coroutine fails without a current loop (warns since 3.12,"
                " raises since 3.14): use `asyncio.run()`, or `get_running_loop()` where a loop runs",
            )
