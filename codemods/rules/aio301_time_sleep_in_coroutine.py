import libcst as cst

from ..kit.blocking import TIME_SLEEP
from ..kit.findings import reported_for_other_library
from ..kit.imports import drop_import_if_unused
from ..kit.scope import in_timeout_block
from ..kit.syntax import sole_positional_arg
from ..kit.threads import awaited
from ..model import Safety
from ..rule import Rule



class TimeSleepInCoroutine(Rule):
    """Use ``await asyncio.sleep(x)`` instead of ``time.sleep(x)`` in a coroutine.

    ## Why
    ``time.sleep`` blocks the whole event loop: no other task, callback or I/O runs
    until it returns. ``await asyncio.sleep(x)`` suspends only the current task.
    Linters flag the call (flake8-async/ruff ``ASYNC251``) but suggest trio or anyio;
    this rule rewrites it with the standard library, always with ``await`` (a quick fix
    that drops ``await`` makes the sleep silently disappear).

    Example: `fixtures/aio301_time_sleep_in_coroutine/basic`.

    ## Fix safety
    Unsafe, by the definition of safe (README): the sleep now lets other tasks run, which is
    the point of the fix, and that is a change of behaviour. Code that relied on the loop
    being blocked, so that no other task could run between the statements before and after
    the sleep, sees other tasks interleave there; the sleep also becomes a place where the
    task can be cancelled (``CancelledError`` is raised there), and inside ``async with
    asyncio.timeout(...)`` (or ``async_timeout``) the timeout can now expire during the sleep
    rather than at the next ``await`` (``runnable_timeout_interrupts`` shows it).
    ``time.sleep`` raises ``ValueError`` for a negative or NaN delay; ``asyncio.sleep``
    returns at once for a negative one. The value, when used, stays ``None``.
    ``import time`` / ``from time import sleep`` is removed when nothing else uses it.
    A team that wants these fixes by default (in a pre-commit hook) says so with
    ``extend-safe-fixes = ["AIO301"]`` (or ``["AIO3"]`` for every blocking-call rule).

    ## Limitations
    Only calls lexically inside an ``async def`` body, not in a nested ``def``,
    ``lambda``, class body or generator expression. Calls with keyword or starred
    arguments, and ``await time.sleep(x)`` (a ``TypeError`` after the sleep), are
    reported without a fix. ``time.sleep`` passed as a value (for example to
    ``run_in_executor``) is not a call and is left alone. In a file that imports trio, anyio
    or curio (whose loops cannot run ``asyncio.sleep``) sites are reported without a fix.
    """

    code = "AIO301"
    name = "blocking-sleep"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    equivalent_codes = ("ASYNC251",)
    trigger_words = ("sleep",)
    anchors = tuple(TIME_SLEEP)
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.in_coroutine() or not self.ctx.resolves_to(node.func, TIME_SLEEP):
            return
        message = "`time.sleep()` blocks the event loop: use `await asyncio.sleep()`"
        simple = sole_positional_arg(node) is not None
        if reported_for_other_library(self, node, message):
            return
        if not simple or self.ctx.is_awaited(node):
            self.report(node, message)
            return
        fix = self.fix(node)
        sleep = node.with_changes(func=fix.ref("asyncio.sleep"))
        fix.replace(node, awaited(self.ctx, node, sleep))
        drop_import_if_unused(self.ctx, fix, node.func)
        self.report(node, message, fix=fix, unsafe=in_timeout_block(self.ctx, node))
