import libcst as cst

from ..kit.names import CONTEXT_MANAGER_DECORATORS, TASK_GROUP, TIMEOUT_SCOPES, is_call_to
from ..kit.scope import decorated_with, withs_around
from ..model import Safety
from ..rule import Rule

# Context managers that open a timeout or a task group: asyncio's, and those of anyio and of
# anyio-based libraries, which run on asyncio (trio-only ones cannot appear in asyncio code).
ANYIO_SCOPES = frozenset(
    f"anyio.{name}" for name in ("create_task_group", "CancelScope", "fail_after", "fail_at", "move_on_after", "move_on_at")
) | {
    "anyio.from_thread.BlockingPortal", "anyio.from_thread.start_blocking_portal", "asgi_lifespan.LifespanManager",
    "apscheduler.AsyncScheduler", "mcp.client.streamable_http.streamablehttp_client", "mcp.client.sse.sse_client",
}
CANCEL_SCOPES = TIMEOUT_SCOPES | TASK_GROUP | ANYIO_SCOPES
MESSAGE = (
    "`yield` inside a timeout or task group block of a generator that is no context manager: "
    "its cancellation and errors reach whatever the consumer is doing"
)


class YieldInCancelScope(Rule):
    """Do not ``yield`` from inside an ``asyncio.timeout()`` or ``TaskGroup`` block of a generator.

    ## Why
    A generator runs in its consumer's task. Suspended at a ``yield`` inside
    ``async with asyncio.timeout(5):``, the timeout keeps running and, when it expires,
    cancels the consumer's task wherever the consumer then is, outside the block, where the
    ``CancelledError`` is not turned into ``TimeoutError``. Inside ``async with
    asyncio.TaskGroup():`` a failing child task cancels the consumer the same way, and the
    group's exit, which waits for the children, runs only when the generator is resumed or
    closed. Only a generator that is the body of a context manager (``@contextmanager``,
    ``@asynccontextmanager``) or a pytest fixture may yield there: its caller's block is then
    what the scope covers. flake8-async's ASYNC101.

    ## Fix safety
    Report only: the generator has to be restructured (into a context manager, or so that the
    scope ends before each ``yield``).

    ## Limitations
    Recognised scopes: ``asyncio.timeout``/``timeout_at``, ``asyncio.TaskGroup``,
    ``async_timeout.timeout``, anyio's task groups and cancel scopes and the anyio-based
    ``asgi_lifespan.LifespanManager``, ``apscheduler.AsyncScheduler``, anyio's blocking portals
    and ``mcp`` clients; trio-only libraries are not looked for. Decorators are recognised by
    qualified name, so a project's own context-manager decorator is not: suppress there.
    """

    code = "AIO216"
    name = "yield-in-cancel-scope"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC101",)
    trigger_words = ("yield",)
    anchors = tuple(CANCEL_SCOPES)

    def visit_Yield(self, node: cst.Yield) -> None:
        withs, function = withs_around(self.ctx, node)
        scoped = any(is_call_to(self.ctx, item.item, CANCEL_SCOPES) for block in withs for item in block.items)
        if scoped and not decorated_with(self.ctx, function, CONTEXT_MANAGER_DECORATORS):
            self.report(node, MESSAGE)
