"""The blocking APIs, family by family, and the base of the table-shaped blocking-call rules
(AIO303, AIO304, AIO306): calls that hold the event loop when made in a coroutine, each
blocking API one entry of its family's table. AIO604 (blocking in a protocol callback) reads
every family."""

from __future__ import annotations

from typing import ClassVar, FrozenSet, Optional

import libcst as cst

from ..rule import Rule
from .names import is_dotted_name
from .threads import await_to_thread

TIME_SLEEP = frozenset({"time.sleep"})
INPUT = frozenset({"builtins.input"})

# Subprocesses (AIO304): moved to a thread, spawned (fixed when waited for), or reported.
SUBPROCESS_FIXABLE = frozenset(
    {
        *(f"subprocess.{n}" for n in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")),
        *(f"os.{n}" for n in ("system", "wait", "wait3", "wait4", "waitid", "waitpid")),
    }
)
SUBPROCESS_SPAWN = frozenset(f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe"))
SUBPROCESS_REPORTED = {
    "subprocess.Popen": "its `wait()`/`communicate()` block the loop",
    "os.popen": "reading its output blocks the loop",
    "os.posix_spawn": "waiting for the child blocks the loop",
    "os.posix_spawnp": "waiting for the child blocks the loop",
}
SUBPROCESS_CALLS = frozenset(SUBPROCESS_FIXABLE | SUBPROCESS_SPAWN | set(SUBPROCESS_REPORTED))

# HTTP clients (AIO306): the module-level request functions.
HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
HTTP_FUNCTIONS = frozenset(
    {
        *(f"{mod}.{verb}" for mod in ("requests", "requests.api", "httpx", "httpx2") for verb in HTTP_VERBS),
        "urllib.request.urlopen",
        "urllib3.request",
    }
)


class BlockingCallRule(Rule):
    """A rule that reports calls in a coroutine body that block the event loop, and moves
    those it can to a worker thread: ``await asyncio.to_thread(<callee>, <args>)``.

    ``BLOCKING`` holds the qualified names of the blocking APIs; a new one is one entry there
    (and in the table the subclass words its finding from) plus its fixtures. A subclass says
    what to report in ``report_call`` and may recognise more than the table in
    ``blocking_name``.
    """

    __abstract__ = True
    min_python = (3, 9)  # asyncio.to_thread
    needs_async_def = True
    BLOCKING: ClassVar[FrozenSet[str]] = frozenset()

    def visit_Call(self, node: cst.Call) -> None:
        # an awaited call is not one that blocks (it is some other library's coroutine)
        if not self.ctx.in_coroutine() or self.ctx.is_awaited(node):
            return
        name = self.blocking_name(node)
        if name is not None:
            self.report_call(node, name)

    def blocking_name(self, node: cst.Call) -> Optional[str]:
        """The name of the blocking API ``node`` calls (by default a dotted callee that can
        only mean an entry of ``BLOCKING``), else None."""
        if is_dotted_name(node.func) and self.ctx.resolves_to(node.func, self.BLOCKING):
            return self.ctx.call_name(node)
        return None

    def report_call(self, node: cst.Call, name: str) -> None:
        raise NotImplementedError

    def report_moved_to_thread(self, call: cst.Call, message: str, *, unsafe: bool = False) -> None:
        """Report ``call`` with the fix ``await asyncio.to_thread(<callee>, <args>)``."""
        fix = self.fix(call)
        fix.replace(call, await_to_thread(fix, call))
        self.report(call, message, fix=fix, unsafe=unsafe)
