import libcst as cst

from ..kit.names import ASYNCIO_COROUTINE_FUNCTIONS, asyncio_names
from ..kit.syntax import method_receiver
from ..kit.values import sole_local_assignment
from ..model import Safety
from ..rule import Rule

# Not coroutine functions, but they return a future the caller means to wait for.
FUTURE_RETURNING = asyncio_names("gather", "shield")
AWAITABLE_CALLS = ASYNCIO_COROUTINE_FUNCTIONS | FUTURE_RETURNING
OPEN_CONNECTION = asyncio_names("open_connection", "open_unix_connection")
STREAM_WRITER_COROUTINES = ("drain", "wait_closed")


class AsyncioCoroutineNotAwaited(Rule):
    """Await asyncio coroutines whose result is thrown away.

    ## Why
    ``asyncio.sleep(1)`` on a line of its own makes a coroutine object and drops it: nothing
    sleeps, and Python only warns "coroutine ... was never awaited" when it is collected. The
    same holds for ``asyncio.wait_for``, ``asyncio.wait``, ``asyncio.to_thread``,
    ``asyncio.open_connection`` and a StreamWriter's ``drain()`` and ``wait_closed()``.
    ``asyncio.gather(...)`` and ``asyncio.shield(...)`` do schedule their arguments, but
    without ``await`` the caller neither waits for them nor sees their errors.

    ## Fix safety
    Unsafe: adding ``await`` makes the call actually run and the coroutine wait for it. That
    is what the line says, but it changes timing (a forgotten ``sleep(5)`` now sleeps five
    seconds), a ``wait_for`` may now raise ``TimeoutError`` and a ``gather`` now raises the
    first error of its children in the caller. Review each site.

    ## Limitations
    Only callees resolved by qualified name to asyncio functions are touched, and
    ``writer.drain()`` / ``writer.wait_closed()`` only where ``writer`` is bound once in the
    same coroutine by ``reader, writer = await asyncio.open_connection(...)``; never a guess
    from a method name. Outside a coroutine (a sync ``def``, a lambda, module level) the
    site is reported without a fix: ``await`` is impossible there.
    """

    code = "AIO207"
    name = "asyncio-coroutine-not-awaited"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    trigger_words = (
        "sleep", "wait", "gather", "shield", "to_thread", "open_connection", "open_unix_connection",
        "start_server", "start_unix_server", "create_subprocess", "drain",
    )
    anchors = tuple(AWAITABLE_CALLS | OPEN_CONNECTION)

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if not isinstance(call, cst.Call):
            return
        if self.ctx.resolves_to(call.func, AWAITABLE_CALLS):
            what = f"`{self.ctx.call_name(call)}()`"
        elif self._is_stream_writer_call(call):
            what = f"`{self.ctx.code_for(call.func)}()`"
        else:
            return
        message = f"{what} is never awaited: its result is discarded"
        if not self.ctx.in_coroutine():
            self.report(call, f"{message} (outside a coroutine, so no `await` is added)")
            return
        fix = self.fix(call).replace(call, cst.Await(expression=call))
        self.report(call, f"{message}: add `await`", fix=fix)

    def _is_stream_writer_call(self, call: cst.Call) -> bool:
        writer = next((method_receiver(call, m) for m in STREAM_WRITER_COROUTINES if method_receiver(call, m)), None)
        if not isinstance(writer, cst.Name) or not self.ctx.in_coroutine():
            return False
        binding = sole_local_assignment(self.ctx, writer)
        if binding is None:
            return False
        assign, target = binding
        targets = assign.targets[0].target
        value = assign.value
        return (
            isinstance(targets, (cst.Tuple, cst.List))
            and len(targets.elements) == 2
            and targets.elements[1].value is target
            and isinstance(value, cst.Await)
            and isinstance(value.expression, cst.Call)
            and self.ctx.resolves_to(value.expression.func, OPEN_CONNECTION)
        )
