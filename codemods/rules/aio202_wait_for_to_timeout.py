from typing import Optional, Tuple

import libcst as cst

from ..kit.findings import without_fix
from ..kit.imports import drop_import_if_unused
from ..kit.names import asyncio_names
from ..kit.statements import statement_holding
from ..kit.syntax import as_operand, has_star_args, is_literal, loses_comments
from ..model import Safety
from ..rule import Rule

WAIT_FOR = asyncio_names("wait_for")
MESSAGE = "`await asyncio.wait_for(aw, t)`: use `async with asyncio.timeout(t): await aw`"


class WaitForWithoutTimeoutBlock(Rule):
    """Await the awaitable inside ``async with asyncio.timeout(t):`` instead of ``asyncio.wait_for``.

    ## Why
    ``asyncio.timeout()`` (3.11) bounds a block instead of one awaitable, needs no extra task,
    and since 3.12 ``wait_for`` itself is ``async with timeout(t): return await aw``. The block
    form reads better and extends naturally to several awaits.

    ## Fix safety
    ``await wait_for(aw, t)`` as a whole statement (expression, assignment, annotated
    assignment or ``return``) becomes that statement with ``await aw`` inside
    ``async with asyncio.timeout(t):``. The timeout is now evaluated before ``aw``.
    - Target before 3.12: unsafe. There ``wait_for`` runs ``aw`` in a new task: context variables
      it sets no longer stayed visible to the caller, ``current_task()`` inside it was another
      task, and cancellation went through that task. After the fix ``aw`` runs in the caller's task.
    - Target 3.12 or later: safe where ``t`` is a positive number literal or ``None``
      (``timeout(None)`` means no timeout, as ``wait_for(aw, None)`` did). Any other timeout
      expression is unsafe: ``wait_for`` with a timeout <= 0 cancels ``aw`` before it starts and
      raises ``TimeoutError`` at once, while ``timeout(0)`` lets ``aw`` run to its first suspension.

    ## Limitations
    Reported without a fix: ``wait_for`` awaited inside a larger expression
    (``print(await wait_for(...))``) or an augmented assignment, a statement sharing its line with
    another or in a one-line suite (``if x: await ...``), comments inside the call that the rewrite
    would drop, ``loop=`` (removed in 3.10; another rule drops it first), ``*args``/``**kwargs``.
    ``wait_for`` that is not awaited on the spot (stored, passed to ``gather``, in a lambda) is a
    fine use and not reported.
    """

    code = "AIO202"
    name = "wait-for-without-timeout-block"
    min_python = (3, 11)
    safety = Safety.SAFE
    trigger_words = ("wait_for",)
    anchors = tuple(WAIT_FOR)

    def visit_Call(self, node: cst.Call) -> None:
        awaited = self.ctx.parent(node)
        if not isinstance(awaited, cst.Await) or not self.ctx.resolves_to(node.func, WAIT_FOR):
            return
        args = _split_args(node)
        holder = statement_holding(self.ctx, awaited)
        if args is None:
            why = "arguments other than the awaitable and the timeout"
        elif holder is None or isinstance(holder[1], cst.AugAssign) or not self.ctx.in_coroutine():
            why = "not a whole statement of its own line"
        elif loses_comments(node, args):
            why = "comments inside the call"
        else:
            why = None
        if why is not None:
            self.report(node, without_fix(MESSAGE, why))
            return
        (line, small), (awaitable, timeout) = holder, args
        awaitable = as_operand(awaitable)
        fix = self.fix(node)
        inner = line.with_changes(body=[small.with_changes(value=awaited.with_changes(expression=awaitable))],
                                  leading_lines=[])
        block = cst.With(
            items=[cst.WithItem(cst.Call(fix.ref("asyncio.timeout"), [cst.Arg(timeout)]))],
            body=cst.IndentedBlock([inner]),
            asynchronous=cst.Asynchronous(),
            leading_lines=line.leading_lines,
        )
        fix.replace(line, block)
        if isinstance(node.func, cst.Name):
            drop_import_if_unused(self.ctx, fix, node.func)
        unsafe = self.ctx.settings.target_version < (3, 12) or not _positive_or_none(timeout)
        self.report(node, MESSAGE, fix=fix, unsafe=unsafe)


def _split_args(call: cst.Call) -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """(awaitable, timeout) of ``wait_for(aw, t)``, ``wait_for(fut=aw, timeout=t)``…, or None."""
    if has_star_args(call):
        return None
    positional = [arg.value for arg in call.args if arg.keyword is None]
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    if set(keywords) - {"fut", "timeout"} or len(positional) + len(keywords) != 2:
        return None
    names = ("fut", "timeout")[len(positional):]
    if set(keywords) != set(names):
        return None
    values = positional + [keywords[name] for name in names]
    return values[0], values[1]


def _positive_or_none(expr: cst.BaseExpression) -> bool:
    if is_literal(expr, None):
        return True
    return isinstance(expr, (cst.Integer, cst.Float)) and expr.evaluated_value > 0
