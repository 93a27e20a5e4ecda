from typing import Optional

import libcst as cst

from ..kit.names import asyncio_names, is_call_to
from ..kit.statements import block_body
from ..kit.syntax import loses_comments
from ..model import Safety
from ..rule import Rule

FUTURE = asyncio_names("Future")
LOOP_GETTERS = asyncio_names("get_running_loop", "get_event_loop")


class FutureConstructorInCoroutine(Rule):
    """Create futures with ``loop.create_future()`` instead of ``asyncio.Future()`` in a coroutine.

    ## Why
    The asyncio docs recommend ``loop.create_future()`` as the way to make a future: it
    lets an alternative event loop (uvloop, a test loop) supply its own, faster Future
    class, and says which loop the future belongs to instead of leaving it to the
    implicit ``get_event_loop()`` in ``Future.__init__``:

    Example: `fixtures/aio105_future_constructor/basic`.

    When the function already bound ``loop = asyncio.get_running_loop()`` (or
    ``get_event_loop()``) earlier in its body, that name is reused:

    Example: `fixtures/aio105_future_constructor/reuses_bound_loop`.

    ## Fix safety
    Safe. Lexically inside a coroutine the bare constructor binds the future to
    ``get_event_loop()``, which there is the running loop, so the new future belongs to
    the same loop. With the default loops ``create_future()`` returns a plain
    ``asyncio.Future``; an alternative loop may return its own ``asyncio.Future``
    subclass (that is the point), so only code that checks ``type(f) is asyncio.Future``
    or patches ``asyncio.Future`` in tests could notice.

    ## Limitations
    Only the call with no arguments is rewritten. ``Future(loop=...)``, ``Future[int]()``,
    subclasses of ``Future``, ``concurrent.futures.Future`` and calls outside a coroutine
    (including nested sync functions and lambdas in an ``async def``, where no loop may
    be running) are left alone and not reported. A ``loop`` name is reused only when it is
    assigned once, by a plain statement directly in the function body before the call.
    Sites whose parentheses hold a comment are reported without a fix.
    """

    code = "AIO105"
    name = "future-constructor-in-coroutine"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("Future",)
    anchors = tuple(FUTURE)
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        if node.args or not isinstance(node.func, (cst.Name, cst.Attribute)):
            return
        if not self.ctx.in_coroutine() or not self.ctx.resolves_to(node.func, FUTURE):
            return
        message = "`asyncio.Future()` in a coroutine: use `loop.create_future()`"
        if loses_comments(node, [node.func, *node.lpar, *node.rpar]):
            self.report(node, message + " (left alone: it holds a comment)")
            return
        fix = self.fix(node)
        loop = self._bound_loop(node)
        if loop is None:
            loop = cst.Call(fix.ref("asyncio.get_running_loop"))
        new = cst.Call(cst.Attribute(loop, cst.Name("create_future")))
        fix.replace(node, new.with_changes(lpar=node.lpar, rpar=node.rpar))
        self.report(node, message, fix=fix)

    def _bound_loop(self, call: cst.Call) -> Optional[cst.Name]:
        """A name assigned once from get_running_loop()/get_event_loop() before ``call``."""
        function = self.ctx.enclosing_function()
        scope = self.ctx.scope(call)
        if function is None or scope is None:
            return None
        line = self.ctx.position(call).start.line
        for stmt in block_body(function.body):
            if self.ctx.position(stmt).start.line >= line:
                break
            if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
                continue
            assign = stmt.body[0]
            if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1):
                continue
            target = assign.targets[0].target
            if not isinstance(target, cst.Name) or not is_call_to(self.ctx, assign.value, LOOP_GETTERS):
                continue
            if assign.value.args:
                continue
            bindings = list(scope[target.value])
            if len(bindings) == 1 and bindings[0].node is target:
                return cst.Name(target.value)
        return None
