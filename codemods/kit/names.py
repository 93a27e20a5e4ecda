"""Qualified-name sets of the APIs rules look for, and matchers over them.

Every set is a ``frozenset``: ``FileContext`` caches its per-set lookups only for those."""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection, FrozenSet

import libcst as cst

from ..prefilter import ASYNCIO_SUBMODULES

if TYPE_CHECKING:
    from ..context import FileContext


def asyncio_names(*attrs: str) -> FrozenSet[str]:
    """Every qualified name under which asyncio exports ``attr`` (``asyncio.tasks.gather``…)."""
    modules = ("asyncio", *(f"asyncio.{sub}" for sub in ASYNCIO_SUBMODULES))
    return frozenset(f"{module}.{attr}" for attr in attrs for module in modules)


GATHER = asyncio_names("gather")
TASK_GROUP = asyncio_names("TaskGroup")
GET_RUNNING_LOOP = asyncio_names("get_running_loop")
GET_EVENT_LOOP = asyncio_names("get_event_loop")
ASYNCIO_LOCKS = asyncio_names("Lock", "Semaphore", "BoundedSemaphore", "Condition")
TIMEOUT_SCOPES = asyncio_names("timeout", "timeout_at") | {"async_timeout.timeout", "async_timeout.timeout_at"}
# asyncio functions defined with ``async def``: calling one makes a coroutine object.
ASYNCIO_COROUTINE_FUNCTIONS = asyncio_names(
    "sleep", "wait_for", "wait", "to_thread", "open_connection", "start_server",
    "open_unix_connection", "start_unix_server", "create_subprocess_exec", "create_subprocess_shell",
)
# Decorators that make a generator a coroutine (``yield from`` in it is an ``await``).
GENERATOR_COROUTINE_DECORATORS = asyncio_names("coroutine") | {"types.coroutine"}
PATHLIB_PATHS = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})


def is_call_to(ctx: FileContext, node: cst.CSTNode, names: Collection[str]) -> bool:
    """``node`` is a call whose callee can only be one of ``names``."""
    return isinstance(node, cst.Call) and ctx.resolves_to(node.func, names)


def is_dotted_name(expr: cst.BaseExpression) -> bool:
    """``a`` or ``a.b.c``: no call, subscript or other expression in the chain (libcst's
    qualified name of ``os.popen(cmd).read`` is ``os.popen.read``, calls dropped)."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)
# Decorators that make a generator the body of a context manager (or a pytest fixture, which
# runs it as one): a ``yield`` inside a ``with`` block there is the point.
CONTEXT_MANAGER_DECORATORS = frozenset({
    "contextlib.contextmanager", "contextlib.asynccontextmanager", "pytest.fixture", "pytest_asyncio.fixture",
})
EXCEPTION_GROUPS = frozenset(
    f"{module}.{name}" for module in ("builtins", "exceptiongroup") for name in ("ExceptionGroup", "BaseExceptionGroup")
)


def catches_exception_group(ctx: FileContext, handler: cst.CSTNode) -> bool:
    """``handler`` is an ``except*`` clause, or an ``except`` clause naming an exception group."""
    if isinstance(handler, cst.ExceptStarHandler):
        return True
    kind = handler.type if isinstance(handler, cst.ExceptHandler) else None
    kinds = [element.value for element in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return any(k is not None and ctx.resolves_to(k, EXCEPTION_GROUPS) for k in kinds)
