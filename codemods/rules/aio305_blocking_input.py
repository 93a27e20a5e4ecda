import libcst as cst

from ..kit.blocking import INPUT
from ..kit.findings import reported_for_other_library
from ..kit.threads import awaited, to_thread_call
from ..model import Safety
from ..rule import Rule



class BlockingInput(Rule):
    """Run ``input()`` in a worker thread with ``await asyncio.to_thread(input, ...)`` in a coroutine.

    ## Why
    ``input()`` blocks the event loop until the user presses Enter: timers, network
    handlers and every other task stop while the prompt waits.
    ``await asyncio.to_thread(input, prompt)`` waits for the line in a worker thread
    and lets the loop keep running.

    Example: `fixtures/aio305_blocking_input/basic`.

    ## Fix safety
    Unsafe. The prompt, the line read, ``EOFError`` and the returned string are the
    same, but the read now happens in another thread while other tasks run (and may
    print over the prompt). Ctrl-C no longer interrupts ``input()`` itself: the main
    thread gets the ``KeyboardInterrupt`` (``asyncio.run`` cancels the main task), while
    the worker thread stays blocked in the read, and the program waits for it at exit
    (``asyncio.run`` joins the default executor) until a line or end of file arrives.

    ## Limitations
    Only calls lexically inside an ``async def`` body, not in a nested ``def``,
    ``lambda``, class body or generator expression; a local function or method named
    ``input`` is left alone. ``input`` passed as a value is not a call and is left alone. In a
    file that imports trio, anyio or curio, sites are reported without a fix.
    """

    code = "AIO305"
    name = "blocking-input"
    min_python = (3, 9)
    safety = Safety.UNSAFE
    equivalent_codes = ("ASYNC250",)
    trigger_words = ("input",)
    anchors = tuple(INPUT)
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.in_coroutine() or not self.ctx.resolves_to(node.func, INPUT):
            return
        message = "`input()` blocks the event loop: use `await asyncio.to_thread(input, ...)`"
        if reported_for_other_library(self, node, message):
            return
        if self.ctx.is_awaited(node):
            self.report(node, message)
            return
        fix = self.fix(node)
        call = to_thread_call(fix.ref("asyncio.to_thread"), node.func, node.args)
        call = call.with_changes(whitespace_before_args=node.whitespace_before_args)
        fix.replace(node, awaited(self.ctx, node, call))
        self.report(node, message, fix=fix)
