from typing import List, Optional, Sequence, Set

import libcst as cst
from ..lazy import matchers as m

from ..context import FileContext
from ..kit.findings import ReportsApiUses
from ..kit.imports import drop_import_if_unused
from ..kit.names import asyncio_names, is_call_to
from ..kit.statements import block_body, only_statement
from ..kit.syntax import count_comments, sole_positional_arg
from ..model import Safety
from ..rule import Rule

WATCHERS = asyncio_names(
    "SafeChildWatcher", "FastChildWatcher", "ThreadedChildWatcher", "MultiLoopChildWatcher", "PidfdChildWatcher"
)
POLICY_METHODS = {f"{p}().{m}" for p in asyncio_names("get_event_loop_policy") for m in ("get_child_watcher", "set_child_watcher")}
GET = asyncio_names("get_child_watcher") | {n for n in POLICY_METHODS if n.endswith(".get_child_watcher")}
SET = asyncio_names("set_child_watcher") | {n for n in POLICY_METHODS if n.endswith(".set_child_watcher")}
API = WATCHERS | GET | SET | asyncio_names("AbstractChildWatcher")


class ChildWatcher(ReportsApiUses, Rule):
    """Remove child-watcher boilerplate: asyncio picks a working watcher itself since Python 3.8.

    ## Why
    Child watchers were deprecated in 3.12 and removed in 3.14, so this code raises
    ``AttributeError`` there. It dates from before 3.8, when subprocesses in a loop outside
    the main thread needed a watcher attached by hand. The standing-alone install shapes
    are deleted (a block left empty gets ``pass``):

    Example: `fixtures/aio104_child_watcher/basic`.
    Example: `fixtures/aio104_child_watcher/get_child_watcher_attach`.
    Example: `fixtures/aio104_child_watcher/set_threaded_watcher`.

    Every other use of the child-watcher API is reported.

    ## Fix safety
    Unsafe: subprocesses still work the same, but how their exit is noticed changes.
    Without the boilerplate, 3.8–3.11 use ``ThreadedChildWatcher`` (one waiting thread per
    subprocess) and 3.12+ use ``PidfdChildWatcher`` where the kernel supports pidfd. A removed
    ``SafeChildWatcher``, ``FastChildWatcher`` or ``MultiLoopChildWatcher`` installed a SIGCHLD
    handler (on the loop, or process-wide) that is no longer installed, and
    ``FastChildWatcher`` no longer reaps children it did not start (which fixes
    ``subprocess`` calls that failed with ``ECHILD``). A deleted ``watcher`` variable at module
    level can no longer be imported by other modules.

    ## Limitations
    Only whole statements in an indented block or at module level are deleted: the
    three-line install with a watcher variable used nowhere else (``attach_loop`` optional,
    in either order), ``get_child_watcher().attach_loop(name)`` and
    ``set_child_watcher(Watcher())`` (also through ``get_event_loop_policy()``). Lines with or
    under a comment, watchers stored on ``self``, ``with`` blocks, custom watchers and
    ``attach_loop`` arguments other than ``name`` or ``name.attr``, and boilerplate that is all a
    ``with`` block holds (``with self.assertWarns(DeprecationWarning):``) are reported only.
    """

    code = "AIO104"
    name = "child-watcher"
    min_python = (3, 8)
    safety = Safety.UNSAFE
    trigger_words = ("ChildWatcher", "child_watcher")
    anchors = tuple(API)
    REPORTED_API = API

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._handled: Set[cst.CSTNode] = set()
        self._inside_handled = 0

    def visit_Module(self, node: cst.Module) -> None:
        self._scan_block(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._scan_block(node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._inside_handled += node in self._handled

    def leave_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._inside_handled -= node in self._handled

    def api_uses_muted(self) -> bool:
        return bool(self._inside_handled)

    def api_use_message(self, spelling: str) -> str:
        return f"`{spelling}`: child watchers were removed in Python 3.14; asyncio picks one itself"

    def _scan_block(self, block: cst.CSTNode) -> None:
        body = block_body(block)
        groups = []
        i = 0
        while i < len(body):
            group = self._boilerplate(body, i)
            if group:
                groups.append(group)
                self._handled.update(group)
            i += len(group) or 1
        message = "child-watcher boilerplate: asyncio picks a watcher itself since 3.8 (removed 3.14)"
        fixable = [g for g in groups if not any(count_comments(stmt) for stmt in g)]
        empties = isinstance(block, cst.IndentedBlock) and sum(map(len, fixable)) == len(body)
        if empties and isinstance(self.ctx.parent(block), cst.With):  # `with assertWarns(...): pass`
            fixable = []
        for group in groups:
            if group not in fixable:
                self.report(group[0].body[0], message + " (left alone: a comment, or all a `with` holds)")
        for group in fixable:
            fix = self.fix(group[0])
            for stmt in group:
                fix.remove(stmt)
                for name in m.findall(stmt, m.Name()):
                    if self.ctx.resolves_to(name, API):
                        drop_import_if_unused(self.ctx, fix, name)
            if empties and group is fixable[-1]:
                fix.replace(group[-1], pass_line())
            self.report(group[0].body[0], message, fix=fix)

    def _boilerplate(self, body: Sequence[cst.BaseStatement], i: int) -> List[cst.BaseStatement]:
        first = only_statement(body[i])
        if isinstance(first, cst.Expr):
            call = first.value
            if self._is_attach(call, lambda value: is_call_to(self.ctx, value, GET) and not value.args):
                return [body[i]]
            if is_call_to(self.ctx, call, SET) and self._only_arg(call, self._new_watcher):
                return [body[i]]
            return []
        if not (isinstance(first, cst.Assign) and len(first.targets) == 1 and self._new_watcher(first.value)):
            return []
        name = first.targets[0].target
        if not isinstance(name, cst.Name):
            return []

        def is_name(value: cst.BaseExpression) -> bool:
            return isinstance(value, cst.Name) and value.value == name.value

        group = [body[i]]
        attached = installed = 0
        for stmt in body[i + 1 : i + 3]:
            expr = only_statement(stmt)
            call = expr.value if isinstance(expr, cst.Expr) else None
            if not attached and self._is_attach(call, is_name):
                attached = 1
            elif not installed and is_call_to(self.ctx, call, SET) and self._only_arg(call, is_name):
                installed = 1
            else:
                break
            group.append(stmt)
        if not installed or not used_only_within(self.ctx, name, group[0], group[-1], len(group) - 1):
            return []
        return group

    def _new_watcher(self, value: cst.BaseExpression) -> bool:
        return is_call_to(self.ctx, value, WATCHERS) and not value.args

    @staticmethod
    def _only_arg(call: cst.Call, accept) -> bool:
        value = sole_positional_arg(call)
        return value is not None and accept(value)

    def _is_attach(self, call: Optional[cst.BaseExpression], receiver) -> bool:
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return False
        if call.func.attr.value != "attach_loop" or not receiver(call.func.value):
            return False
        return self._only_arg(call, lambda v: isinstance(v, cst.Name) or (
            isinstance(v, cst.Attribute) and isinstance(v.value, cst.Name)))


def pass_line() -> cst.SimpleStatementLine:
    """A ``pass`` line, to stand in for the last statement removed from a block."""
    return cst.SimpleStatementLine([cst.Pass()])


def used_only_within(ctx: FileContext, name: cst.Name, first: cst.CSTNode, last: cst.CSTNode, uses: int) -> bool:
    """``name`` is bound only here and read exactly ``uses`` times, all on the lines from
    ``first`` to ``last``."""
    scope = ctx.scope(name)
    bindings = list(scope[name.value]) if scope is not None else []
    if len(bindings) != 1 or bindings[0].node is not name:
        return False
    start = ctx.position(first).start.line
    end = ctx.position(last).end.line
    lines = [ctx.position(ref.node).start.line for ref in bindings[0].references]
    return len(lines) == uses and all(start <= line <= end for line in lines)
