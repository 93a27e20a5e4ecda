"""AIO304: blocking subprocess calls in a coroutine, moved to a worker thread."""

from __future__ import annotations

import libcst as cst

from ..kit.blocking import SUBPROCESS_CALLS, SUBPROCESS_FIXABLE, SUBPROCESS_REPORTED, SUBPROCESS_SPAWN, BlockingCallRule
from ..lazy import matchers as m
from ..kit.names import is_dotted_name
from ..kit.syntax import keyword_arg
from ..model import Safety

POPEN = frozenset({"os.popen"})
# The position of the `options` argument of each wait call (they take no keywords).
WAIT_OPTIONS = {"os.waitpid": 1, "os.wait3": 0, "os.wait4": 1, "os.waitid": 2}
WNOHANG = frozenset({"os.WNOHANG"})
CREATE = "`asyncio.create_subprocess_exec`/`create_subprocess_shell`"


class BlockingSubprocess(BlockingCallRule):
    """Run blocking subprocess calls in a coroutine with ``await asyncio.to_thread(...)``.

    ## Why
    ``subprocess.run``, ``check_output``, ``os.system`` and ``os.waitpid`` hold the event loop
    until the child exits: every other task stops meanwhile. ``await asyncio.to_thread(
    subprocess.run, cmd, check=True)`` (3.9) keeps the call and all its arguments exactly and
    lets the loop run. ``os.popen(cmd).read()`` becomes
    ``await asyncio.to_thread(os.popen(cmd).read)`` (the child starts on the loop, which is
    quick; reading until it exits moves), and ``os.spawn*(os.P_WAIT, ...)`` moves like ``run``.

    ## Fix safety
    Unsafe: same function, arguments, result and exceptions, but by the definition of safe
    (README) what the ``await`` brings changes behaviour. Other tasks run while the child runs,
    and the task can now be cancelled, for example by a timeout, while it waits: the task gets
    ``CancelledError`` (a timeout: ``TimeoutError``) but the thread keeps waiting for the child,
    which is not killed (`fixtures/aio304_blocking_subprocess/runnable_timeout_interrupts`).
    Ctrl-C interrupts the loop rather than ``subprocess.run`` (which would kill the child);
    interpreter exit then waits for the thread. ``preexec_fn=`` is documented as unsafe when
    threads exist. A team that accepts this applies the fixes by default with
    ``extend-safe-fixes = ["AIO3"]``. Waits that cannot block are left alone:
    ``os.waitpid(pid, os.WNOHANG)`` and the other ``wait*`` calls whose options include
    ``os.WNOHANG`` return at once (`fixtures/aio304_blocking_subprocess/noop_wnohang_does_not_block`).

    ## Limitations
    Report only: ``subprocess.Popen`` (use ``asyncio.create_subprocess_exec``), ``os.popen``
    whose output is not read at once, ``os.posix_spawn*`` and ``os.spawn*`` without
    ``os.P_WAIT``. The native alternative, ``asyncio.create_subprocess_exec`` + ``communicate()``,
    is not offered as a fix: its result is no ``CompletedProcess`` and ``text=``, ``check=`` and
    ``timeout=`` have no direct equivalent.
    """

    code = "AIO304"
    name = "blocking-subprocess"
    safety = Safety.UNSAFE
    equivalent_codes = ("ASYNC220", "ASYNC221", "ASYNC222")
    trigger_words = ("subprocess", "os")
    anchors = tuple(SUBPROCESS_CALLS)
    BLOCKING = SUBPROCESS_CALLS

    def blocking_name(self, node: cst.Call):
        return "os.popen().read" if self._is_popen_read(node) else super().blocking_name(node)

    def report_call(self, node: cst.Call, name: str) -> None:
        if name in WAIT_OPTIONS and self._polls(node, WAIT_OPTIONS[name]):
            return  # `os.WNOHANG`: returns at once
        if name == "os.popen" and self._read_at_once(node):
            return  # reported, and fixed, at the `.read()` call
        if name in SUBPROCESS_REPORTED:
            self.report(node, f"`{name}()` in a coroutine: {SUBPROCESS_REPORTED[name]}; use {CREATE}")
        elif name in SUBPROCESS_SPAWN and not self._waits(node):
            self.report(node, f"`{name}()` without `os.P_WAIT` in a coroutine: use {CREATE}")
        elif name in SUBPROCESS_FIXABLE or name in SUBPROCESS_SPAWN or name == "os.popen().read":
            message = f"`{name}()` blocks the event loop: use `await asyncio.to_thread(...)` or {CREATE}"
            self.report_moved_to_thread(node, message, unsafe=keyword_arg(node, "preexec_fn") is not None)

    def _read_at_once(self, popen: cst.Call) -> bool:
        """``os.popen(...).read()`` (or ``.read`` passed on, as our own fix does)."""
        attr = self.ctx.parent(popen)
        if not (isinstance(attr, cst.Attribute) and attr.value is popen and attr.attr.value == "read"):
            return False
        call = self.ctx.parent(attr)
        return not (isinstance(call, cst.Call) and call.func is attr and call.args)

    def _is_popen_read(self, node: cst.Call) -> bool:
        func = node.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "read"
            and not node.args
            and isinstance(func.value, cst.Call)
            and is_dotted_name(func.value.func)
            and self.ctx.resolves_to(func.value.func, POPEN)
        )

    def _polls(self, node: cst.Call, position: int) -> bool:
        """Do the call's options include ``os.WNOHANG`` (``os.WNOHANG | os.WUNTRACED`` too)?"""
        if len(node.args) <= position or any(arg.star for arg in node.args[: position + 1]):
            return False
        options = node.args[position].value
        flags = [options, *m.findall(options, m.Name() | m.Attribute())]
        return any(self.ctx.resolves_to(flag, WNOHANG) for flag in flags)

    def _waits(self, node: cst.Call) -> bool:
        mode = keyword_arg(node, "mode") or (node.args[0] if node.args and not node.args[0].star else None)
        return mode is not None and self.ctx.resolves_to(mode.value, {"os.P_WAIT"})
