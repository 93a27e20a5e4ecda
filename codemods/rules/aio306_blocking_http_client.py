"""AIO306: blocking HTTP client calls in a coroutine, moved to a worker thread."""

from __future__ import annotations

import libcst as cst

from ..kit.blocking import HTTP_FUNCTIONS, HTTP_VERBS, BlockingCallRule
from ..kit.names import is_dotted_name
from ..kit.syntax import keyword_arg
from ..kit.values import bound_to_call
from ..model import Safety

ASYNC_CLIENT = {
    "requests": "`aiohttp.ClientSession` or `httpx.AsyncClient`",
    "httpx": "`httpx.AsyncClient`",
    "httpx2": "`httpx2.AsyncClient`",
    "urllib": "`aiohttp.ClientSession` or `httpx.AsyncClient`",
    "urllib3": "`aiohttp.ClientSession` or `httpx.AsyncClient`",
}
POOLS = ("HTTPConnectionPool", "HTTPSConnectionPool")
# Sync clients: the name shown, their constructors, and their methods that block on the network.
CLIENTS = (
    (
        "requests.Session",
        {"requests.Session", "requests.session", "requests.sessions.Session", "requests.sessions.session"},
        {*HTTP_VERBS, "send"},
    ),
    ("httpx.Client", {"httpx.Client", "httpx2.Client"}, {*HTTP_VERBS, "send", "stream"}),
    (
        "urllib3.PoolManager",
        {
            *(f"urllib3.{c}" for c in ("PoolManager", "ProxyManager", *POOLS)),
            *(f"urllib3.poolmanager.{c}" for c in ("PoolManager", "ProxyManager")),
            *(f"urllib3.connectionpool.{c}" for c in ("ConnectionPool", *POOLS)),
            "urllib3.request.RequestMethods",
            "urllib3._request_methods.RequestMethods",
        },
        {"request", "urlopen", "request_encode_url", "request_encode_body"},
    ),
)
STREAMS = frozenset({"httpx.stream", "httpx2.stream"})  # context managers: the body is read inside the block


class BlockingHttpClient(BlockingCallRule):
    """Run blocking HTTP client calls in a coroutine with ``await asyncio.to_thread(...)``.

    ## Why
    ``requests.get``, ``urllib.request.urlopen``, ``urllib3`` pools and sync ``httpx`` (or
    ``httpx2``) calls
    wait for the network while holding the event loop: one slow server stalls every task.
    ``await asyncio.to_thread(requests.get, url, timeout=5)`` (3.9) keeps the call and every
    argument and frees the loop. The finding names the native async client to move to
    (``aiohttp.ClientSession`` or ``httpx.AsyncClient``), which is the better end state.
    Calls on a ``requests.Session``, ``httpx.Client`` or ``urllib3.PoolManager`` are matched
    when the object is identifiable: created in the same expression, bound only to the
    constructor (``s = requests.Session()``, ``with httpx.Client() as c``) or annotated with
    the class (a parameter, ``c: urllib3.PoolManager = ...``).

    ## Fix safety
    Unsafe. The blocking library stays; the call moves to the default thread pool, which
    changes behaviour: a ``requests.Session`` is not documented as thread-safe, and now other
    tasks can use the same session while the request is in flight; other tasks run meanwhile;
    cancelling the task (a timeout) no longer stops the request, which completes in its thread;
    the default pool has a bounded number of threads, so many concurrent requests queue there.
    With ``stream=True`` only the request moves: reading the body later still blocks the loop.

    ## Limitations
    Report only: ``httpx.stream`` and ``Client.stream`` (context managers). Reading a
    ``urlopen`` response (``.read()``) after the call still blocks and is not moved. Clients
    kept on ``self``, names bound more than once, string annotations and methods other than
    the request ones (``close``) are left alone. No rewrite to ``aiohttp`` or
    ``httpx.AsyncClient``: their APIs differ (``async with``, ``await resp.json()``).
    """

    code = "AIO306"
    name = "blocking-http-client"
    safety = Safety.UNSAFE
    equivalent_codes = ("ASYNC210", "ASYNC211", "ASYNC212")
    trigger_words = ("requests", "httpx", "urllib")
    anchors = tuple({"requests", "httpx", "httpx2", "urllib", "urllib3"})
    BLOCKING = frozenset(HTTP_FUNCTIONS | STREAMS)

    def report_call(self, node: cst.Call, name: str) -> None:
        library = name.split(".")[0]
        alternative = ASYNC_CLIENT[library]
        if name in STREAMS or name.endswith(".stream"):
            self.report(node, f"`{name}()` blocks the event loop in a coroutine: use {alternative}")
            return
        streamed = " (the streamed body is still read on the loop)" if keyword_arg(node, "stream") else ""
        message = (
            f"`{name}()` blocks the event loop: use {alternative}, or `await asyncio.to_thread(...)`{streamed}"
        )
        self.report_moved_to_thread(node, message)

    def blocking_name(self, node: cst.Call):
        func = node.func
        name = self.ctx.call_name(node) if is_dotted_name(func) else None
        if name in self.BLOCKING:
            return name
        return self._client_method(func) if isinstance(func, cst.Attribute) else None

    def _client_method(self, func: cst.Attribute):
        method = func.attr.value
        for label, constructors, methods in CLIENTS:
            if method in methods and bound_to_call(self.ctx, func.value, constructors):
                return f"{label}.{method}"
        return None
