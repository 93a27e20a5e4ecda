import builtins
from typing import Optional

import libcst as cst

from ..kit.findings import without_fix
from ..kit.names import TASK_GROUP, asyncio_names
from ..kit.reraise import handler_exits
from ..kit.scope import task_group_item
from ..model import Safety
from ..rule import Rule

_GROUPS = tuple(getattr(builtins, name) for name in ("BaseExceptionGroup",) if hasattr(builtins, name))
# Exceptions that can never be an ExceptionGroup: builtin Exception subclasses and asyncio's own.
# (Exception matches the group; BaseException-only ones and CancelledError leave a group as they are.)
PLAIN_ERRORS = frozenset(
    f"builtins.{name}"
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, Exception) and value is not Exception
    and not issubclass(value, _GROUPS)
) | asyncio_names(
    "TimeoutError", "InvalidStateError", "IncompleteReadError", "LimitOverrunError", "QueueEmpty", "QueueFull",
    "SendfileNotAvailableError", "BrokenBarrierError",
)


class ExceptAroundTaskGroup(Rule):
    """Catch errors from an ``asyncio.TaskGroup`` with ``except*``.

    ## Why
    Every error raised in the body of ``async with asyncio.TaskGroup()`` or by one of its
    tasks leaves the block inside an ``ExceptionGroup``, even a single one. A ``try`` whose
    only statement is the group's ``async with`` and a handler ``except ValueError:`` (or any
    class that cannot be a group) therefore never runs: the error passes it by. ``except*``
    matches the errors inside the group. ``except Exception:`` does match the group and is not
    reported; ``CancelledError``, ``KeyboardInterrupt`` and ``SystemExit`` leave the group as
    they are.

    Example: `fixtures/aio503_except_around_task_group/basic`.

    ## Fix safety
    Unsafe: with ``except*`` the handler now runs, where before the error went on up. It runs
    once for all the matching errors of the group, and the others are raised again as a
    smaller group. Only a ``try`` with a single handler naming a single class, without
    ``as``, is rewritten.

    Example: `fixtures/aio503_except_around_task_group/runnable_handler_now_runs`.

    ## Limitations
    Reported only when the ``try`` holds nothing but the ``async with`` and it enters only
    the group, and for classes known not to be groups: builtin exceptions, asyncio's, and
    classes of the same file that derive from them. Imported classes are left alone.
    Reported without a fix: several handlers, a tuple, ``as name`` (it would now be bound to
    a group), ``return``/``break``/``continue`` in a handler (not allowed in ``except*``).
    """

    code = "AIO503"
    name = "except-around-task-group"
    min_python = (3, 11)
    safety = Safety.UNSAFE
    trigger_words = ("TaskGroup",)
    anchors = tuple(TASK_GROUP)
    needs_async_def = True

    def visit_Try(self, node: cst.Try) -> None:
        (group, *others) = node.body.body
        if others or not isinstance(group, cst.With) or len(group.items) != 1 or not task_group_item(self.ctx, group):
            return
        for handler in node.handlers:
            plain = self._plain_error(handler)
            if plain is None:
                continue
            spelled = self.ctx.code_for(plain)
            message = (
                f"`except {spelled}` around an `asyncio.TaskGroup` never matches: its errors come in an"
                f" `ExceptionGroup`; use `except* {spelled}`"
            )
            why = _no_fix_reason(self.ctx, node, handler, plain)
            if why is not None:
                self.report(plain, without_fix(message, why))
                continue
            star = cst.ExceptStarHandler(
                body=handler.body, type=handler.type, whitespace_after_except=cst.SimpleWhitespace(""),
                whitespace_after_star=handler.whitespace_after_except,
                whitespace_before_colon=handler.whitespace_before_colon, leading_lines=handler.leading_lines,
            )
            new = cst.TryStar(
                body=node.body, handlers=[star], orelse=node.orelse, finalbody=node.finalbody,
                leading_lines=node.leading_lines, whitespace_before_colon=node.whitespace_before_colon,
            )
            self.report(plain, message, fix=self.fix(node).replace(node, new))

    def _plain_error(self, handler: cst.ExceptHandler) -> Optional[cst.BaseExpression]:
        """The first class of the clause that cannot be an ExceptionGroup, if any."""
        if handler.type is None:
            return None
        kind = handler.type
        for element in [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]:
            if self.ctx.resolves_to(element, PLAIN_ERRORS) or _own_plain_class(self.ctx, element):
                return element
        return None


def _own_plain_class(ctx, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """A class of this module whose bases are all ``Exception`` or known plain errors."""
    scope = ctx.scope(expr) if isinstance(expr, cst.Name) and depth < 8 else None
    bindings = list(scope[expr.value]) if scope is not None else []
    if len(bindings) != 1 or not isinstance(getattr(bindings[0], "node", None), cst.ClassDef):
        return False
    bases = [arg.value for arg in bindings[0].node.bases]
    return bool(bases) and all(
        ctx.resolves_to(base, PLAIN_ERRORS | {"builtins.Exception"}) or _own_plain_class(ctx, base, depth + 1) for base in bases
    )


def _no_fix_reason(ctx, node: cst.Try, handler: cst.ExceptHandler, plain: cst.BaseExpression) -> Optional[str]:
    if len(node.handlers) != 1:
        return "the `try` has several handlers"
    if handler.type is not plain:
        return "it names several classes"
    if handler.name is not None:
        return "`as` would bind an `ExceptionGroup`"
    if handler_exits(ctx, handler).escapes:
        return "`return`, `break` or `continue` cannot leave an `except*` block"
    return None
