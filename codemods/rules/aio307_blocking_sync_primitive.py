"""AIO307: blocking sockets, thread locks, events and queues used in a coroutine."""

from __future__ import annotations

from typing import Optional

import libcst as cst
from ..lazy import matchers as m

from ..kit.names import is_dotted_name
from ..kit.syntax import is_literal, keyword_arg
from ..kit.values import binding_sources, bound_to_call, declared_type
from ..model import Safety
from ..rule import Rule

SOCKETS = frozenset({"socket.socket", "socket.create_connection", "socket.create_server", "socket.fromfd"})
# Blocking socket methods, and the loop method to use instead (None: streams only).
SOCKET_IO = {
    "recv": "sock_recv", "recv_into": "sock_recv_into", "recvfrom": "sock_recvfrom",
    "recvfrom_into": "sock_recvfrom_into", "send": "sock_sendall", "sendall": "sock_sendall",
    "sendto": "sock_sendto", "sendfile": "sock_sendfile", "accept": "sock_accept",
    "connect": "sock_connect", "connect_ex": "sock_connect", "recvmsg": None, "sendmsg": None,
}
# (constructors, blocking methods, what to use instead)
PRIMITIVES = (
    ({"threading.Lock", "threading.RLock"}, {"acquire"}, "`asyncio.Lock`"),
    ({"threading.Semaphore", "threading.BoundedSemaphore"}, {"acquire"}, "`asyncio.Semaphore`"),
    ({"threading.Condition"}, {"acquire", "wait", "wait_for"}, "`asyncio.Condition`"),
    ({"threading.Event"}, {"wait"}, "`asyncio.Event`"),
    ({"threading.Barrier"}, {"wait"}, "`asyncio.Barrier` (3.11)"),
    ({"queue.Queue", "queue.LifoQueue", "queue.PriorityQueue"}, {"get", "put", "join"}, "`asyncio.Queue`"),
    ({"queue.SimpleQueue"}, {"get"}, "`asyncio.Queue`"),
)
# Primitives a worker thread may wait on for the loop (no owner thread, unlike RLock/Condition).
THREAD_WAITABLE = ("queue.", "threading.Event", "threading.Barrier", "threading.Lock", "threading.Semaphore",
                   "threading.BoundedSemaphore")
SHARED_HINT = " (or `await asyncio.to_thread(obj.{method}, ...)` while threads share it)"
MODULE_CALLS = {
    "socket.create_connection": "`asyncio.open_connection()`",
    "socket.getaddrinfo": "`loop.getaddrinfo()`",
    "socket.gethostbyname": "`loop.getaddrinfo()`",
    "socket.gethostbyname_ex": "`loop.getaddrinfo()`",
    "socket.gethostbyaddr": "`loop.getnameinfo()`",
}

_MODULE_CALL_NAMES = frozenset(MODULE_CALLS)


class BlockingSyncPrimitive(Rule):
    """Report blocking socket calls and thread synchronisation primitives used in a coroutine.

    ## Why
    ``sock.recv()``, ``lock.acquire()`` on a ``threading.Lock``, ``event.wait()`` on a
    ``threading.Event`` or ``q.get()`` on a ``queue.Queue`` block the thread, and in a
    coroutine that thread is the event loop's: every task stops, and when the wake-up has to
    come from another task it never comes (a deadlock). The finding names the asyncio
    counterpart: streams (``asyncio.open_connection``) or ``loop.sock_*``, ``asyncio.Lock``,
    ``asyncio.Event``, ``asyncio.Queue``, ``loop.getaddrinfo``. Objects are identified when
    created in the same expression, bound only to the constructor, or annotated with it.

    ## Fix safety
    Report only: the right change depends on who else uses the object. A lock or queue shared
    with real threads must stay a thread primitive (``await asyncio.to_thread(q.get)``), one
    used only by tasks should become the asyncio one, and every user must change with it.

    ## Limitations
    Non-blocking calls are left alone: ``acquire(False)``, ``blocking=False``, ``timeout=0``,
    ``get(block=False)``/``put(x, False)`` and sockets on which the function calls
    ``setblocking(False)``. ``put`` is reported only on a queue made with a ``maxsize`` (an
    unbounded queue never blocks on ``put``). ``with lock:`` on a thread lock is not reported
    (often a brief, deliberate critical section shared with threads). Objects on ``self``,
    names bound more than once and string annotations are not identified.
    """

    code = "AIO307"
    name = "blocking-sync-primitive"
    min_python = (3, 7)
    safety = Safety.REPORT
    trigger_words = ("socket", "threading", "queue")
    anchors = tuple(SOCKETS | set(MODULE_CALLS) | {name for made, _, _ in PRIMITIVES for name in made})
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.in_coroutine() or self.ctx.is_awaited(node):
            return
        message = self._module_call(node) or self._method_call(node)
        if message:
            self.report(node, message)

    def _module_call(self, node: cst.Call) -> Optional[str]:
        name = self.ctx.call_name(node) if is_dotted_name(node.func) and self.ctx.resolves_to(node.func, _MODULE_CALL_NAMES) else None
        if name in MODULE_CALLS:
            return f"`{name}()` blocks the event loop: use {MODULE_CALLS[name]}"
        return None

    def _method_call(self, node: cst.Call) -> Optional[str]:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return None
        method, target = func.attr.value, func.value
        if method in SOCKET_IO and bound_to_call(self.ctx, target, SOCKETS):
            if self._made_non_blocking(target):
                return None
            loop_method = f" or `await loop.{SOCKET_IO[method]}(sock, ...)`" if SOCKET_IO[method] else ""
            return (
                f"`socket.{method}()` blocks the event loop: use asyncio streams "
                f"(`asyncio.open_connection`/`start_server`){loop_method}"
            )
        for constructors, methods, instead in PRIMITIVES:
            if method in methods and bound_to_call(self.ctx, target, constructors):
                made = self._constructor(target)
                if self._non_blocking(node, method) or method == "put" and not self._bounded(made):
                    return None
                names = self.ctx.qualified_names(made.func if isinstance(made, cst.Call) else made)
                kind = min(names, default="object")
                hint = SHARED_HINT.format(method=method) if kind.startswith(THREAD_WAITABLE) else ""
                return f"`{kind}.{method}()` blocks the event loop in a coroutine: use {instead}{hint}"
        return None

    def _constructor(self, target: cst.BaseExpression) -> cst.BaseExpression:
        """The ``Class(...)`` call (or the annotation) that made ``target``."""
        values = binding_sources(self.ctx, target) if isinstance(target, cst.Name) else None
        value = values[0] if values else target
        return declared_type(self.ctx, value) if isinstance(value, cst.Annotation) else value

    @staticmethod
    def _bounded(made: cst.BaseExpression) -> bool:
        """A queue made with a ``maxsize`` other than 0: only then does ``put`` block."""
        if not isinstance(made, cst.Call):
            return False
        size = keyword_arg(made, "maxsize") or next((a for a in made.args if a.keyword is None), None)
        return size is not None and not is_literal(size.value, 0)

    @staticmethod
    def _non_blocking(node: cst.Call, method: str) -> bool:
        flag = keyword_arg(node, "blocking") or keyword_arg(node, "block")
        if flag is None:
            positional = [a for a in node.args if a.keyword is None and not a.star]
            index = 1 if method == "put" else 0
            if method in ("acquire", "get", "put") and len(positional) > index:
                flag = positional[index]
            elif method == "wait" and positional and is_literal(positional[0].value, 0):
                return True
        timeout = keyword_arg(node, "timeout")
        return bool(flag and is_literal(flag.value, False)) or bool(timeout and is_literal(timeout.value, 0))

    def _made_non_blocking(self, target: cst.BaseExpression) -> bool:
        function = self.ctx.enclosing_function()
        if function is None or not isinstance(target, cst.Name):
            return False
        off = m.Call(
            func=m.Attribute(value=m.Name(target.value), attr=m.Name("setblocking")),
            args=[m.Arg(value=m.Name("False") | m.Integer("0"))],
        )
        return bool(m.findall(function.body, off))
