"""The base of the table-shaped blocking-call rules (AIO303, AIO304, AIO306): calls that hold
the event loop when made in a coroutine, each blocking API one entry of the rule's table."""

from __future__ import annotations

from typing import ClassVar, FrozenSet, Optional

import libcst as cst

from ..rule import Rule
from .names import is_dotted_name
from .threads import await_to_thread


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
