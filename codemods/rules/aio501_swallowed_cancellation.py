from typing import List, Optional

import libcst as cst

from ..kit.findings import without_fix
from ..kit.imports import imported_packages, other_async_library
from ..kit.names import asyncio_names
from ..kit.reraise import (
    caught_cancellation, calls_uncancel, catches_only_cancellation, handler_exits, with_raise_at_end,
)
from ..kit.scope import own_nodes
from ..model import Safety
from ..rule import Rule

# Waiting on these raises the CancelledError of a task or future given to them.
TASK_WAITERS = asyncio_names("gather", "wait_for", "shield")
MESSAGE = "`{what}` in a coroutine swallows its cancellation: re-raise it"


class SwallowedCancellation(Rule):
    """Re-raise ``asyncio.CancelledError`` in a coroutine's handlers that catch it.

    ## Why
    Cancelling a task raises ``CancelledError`` inside it at an ``await``; the task ends
    cancelled only if the exception leaves the coroutine. A handler that catches it
    (``except asyncio.CancelledError:``, ``except BaseException:``, a bare ``except:``) and
    goes on makes ``task.cancel()`` a request the task ignores: ``await task`` returns normally,
    ``asyncio.timeout()`` cannot turn the cancellation into ``TimeoutError``, and a
    ``TaskGroup`` cannot stop it. Since 3.11 asyncio counts cancellation requests
    (``Task.uncancel()``), and a swallowed one breaks that count for every structure above.
    ``except Exception:`` is fine since 3.8, where ``CancelledError`` became a
    ``BaseException``. Reported: a handler with a path that ends without re-raising (the fix
    below), and each ``return``, ``break`` or ``continue`` that leaves such a handler, or
    ``raise`` of another exception, and each ``yield`` in such a handler of an async
    generator: the consumer's ``async for`` gets a value and goes on as if it had not been
    cancelled (flake8-async's ASYNC103 and ASYNC104).

    Example: `fixtures/aio501_swallowed_cancellation/basic`.

    ## Fix safety
    Unsafe: the task now ends cancelled where it went on before, which is the point: the
    code after the ``try`` no longer runs on cancellation, and whoever awaits the task now
    gets ``CancelledError`` where it got the coroutine's result. ``except asyncio.CancelledError:``
    gets a ``raise`` at the end of its body. A clause that also catches other exceptions
    (``BaseException``, a bare ``except:``, a tuple) gets ``except asyncio.CancelledError:
    raise`` before it instead, so the other exceptions are still handled as they were; its
    body no longer runs on cancellation (cleanup there is skipped).

    Example: `fixtures/aio501_swallowed_cancellation/runnable_base_exception`.

    Reported without a fix: a handler that also leaves by ``return``, ``break`` or
    ``continue`` (the fix would not be the only exit), or calls ``uncancel()`` (it manages
    the count on purpose).

    ## Limitations
    Only handlers whose ``try`` body can be cancelled: it has an ``await``, ``async for`` or
    ``async with`` of its own. A ``try`` that awaits a task or future object (``await task``,
    ``await asyncio.gather(*tasks)``, ``wait_for``/``shield`` of one) is left alone: its
    ``CancelledError`` is most likely that task's, the documented way to wait for a task you
    cancelled. Only in files that use asyncio and none of trio, anyio or curio. A handler
    after one of the same ``try`` that already catches the cancellation is not reported. A
    context manager in the handler that suppresses the re-raise is not seen. Unlike
    flake8-async, ``raise`` of the name of a handler nested in the handler is not reported
    (it raises what that handler caught, as a bare ``raise`` there does), and a ``try``
    nested in the handler counts as re-raising when its body and each of its handlers do.
    """

    code = "AIO501"
    name = "swallowed-cancellation"
    min_python = (3, 8)
    safety = Safety.UNSAFE
    equivalent_codes = ("ASYNC103", "ASYNC104")
    trigger_words = ("except",)
    anchors = ("asyncio",)
    needs_async_def = True

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self.visit_Try(node)

    def visit_Try(self, node: cst.Try) -> None:
        if not self.ctx.in_coroutine() or not _can_be_cancelled(self.ctx, node.body):
            return
        if other_async_library(self.ctx) or "asyncio" not in imported_packages(self.ctx):
            return
        for handler in node.handlers:
            caught = caught_cancellation(self.ctx, handler)
            if caught is not None:
                self._check(handler, caught)
                return

    def _check(self, handler: cst.ExceptHandler, caught: cst.CSTNode) -> None:
        keyword = "except*" if isinstance(handler, cst.ExceptStarHandler) else "except"
        what = f"{keyword}:" if caught is handler else f"{keyword} {self.ctx.code_for(caught)}"
        exits = handler_exits(self.ctx, handler)
        if exits.falls_through or exits.escapes:
            self._report_handler(handler, caught, what, exits.escapes)
        for escape in exits.escapes:
            word = type(escape).__name__.lower()
            self.report(escape, f"`{word}` in `{what}` swallows the task's cancellation: re-raise it")
        for yield_ in own_nodes(handler.body, cst.Yield):
            self.report(yield_, f"`yield` in `{what}` hands the consumer a value as if it were not cancelled")
        for other in exits.other_raises:
            self.report(other, f"raising another exception in `{what}` turns the task's cancellation into an error")

    def _report_handler(self, handler: cst.ExceptHandler, caught: cst.CSTNode, what: str, escapes: list) -> None:
        message = MESSAGE.format(what=what)
        why = _no_fix_reason(handler, escapes)
        if why is not None:
            self.report(caught, without_fix(message, why))
            return
        fix = self.fix(handler)
        if catches_only_cancellation(self.ctx, handler):
            fix.replace(handler, handler.with_changes(body=with_raise_at_end(handler.body)))
        else:
            raise_ = cst.IndentedBlock([cst.SimpleStatementLine([cst.Raise()])])
            clause = type(handler)(body=raise_, type=fix.ref("asyncio.CancelledError"))
            fix.replace(handler, cst.FlattenSentinel([clause, handler]))
        self.report(caught, message, fix=fix)


def _can_be_cancelled(ctx, body: cst.CSTNode) -> bool:
    """``body`` has its own await (or ``async for``/``async with``), none of a task or future."""
    awaits = own_nodes(body, cst.Await)
    if any(not isinstance(a.expression, cst.Call) or _waits_on_task(ctx, a.expression) for a in awaits):
        return False
    return bool(awaits) or any(n.asynchronous is not None for n in own_nodes(body, (cst.For, cst.With)))


def _waits_on_task(ctx, call: cst.Call) -> bool:
    return ctx.resolves_to(call.func, TASK_WAITERS) and any(
        arg.star or not isinstance(arg.value, cst.Call) for arg in call.args if arg.keyword is None
    )


def _no_fix_reason(handler: cst.ExceptHandler, escapes: List[cst.CSTNode]) -> Optional[str]:
    if escapes:
        return "it also leaves by `return`, `break` or `continue`"
    if calls_uncancel(handler.body):
        return "it calls `uncancel()`"
    return None
