from typing import Optional

import libcst as cst
import libcst.matchers as m

from ..helpers import asyncio_names, binding_values, count_comments, is_call_to, self_attribute_values
from ..model import Safety
from ..rule import Rule

LOCKS = asyncio_names("Lock", "Semaphore", "BoundedSemaphore", "Condition")


class WithAwaitLock(Rule):
    """Use ``async with lock:`` instead of ``with await lock:`` or a hand-written acquire/release.

    ## Why
    ``with await lock:`` and ``with (yield from lock):`` relied on ``Lock.__await__``, which was
    removed in 3.9 (``TypeError: object Lock can't be used in 'await' expression``).
    ``await lock.acquire()`` followed by ``try: ... finally: lock.release()`` still works but
    is the long spelling of ``async with lock:``.

    ## Fix safety
    Safe: ``async with`` acquires and releases exactly as both old forms did, and
    ``__aenter__`` returns ``None`` as the old context manager's ``__enter__`` did. Only objects
    known to be an asyncio ``Lock``, ``Semaphore``, ``BoundedSemaphore`` or ``Condition`` are
    rewritten: a name whose every binding is such a constructor call, a ``self.attr`` only ever
    assigned one in its class, or a parameter annotated with one of these classes. A ``try``
    with ``except``/``else`` clauses is kept inside the ``async with`` (its handlers still run
    with the lock held, as before). Sites that would lose a comment are reported only.

    ## Limitations
    ``with await x as y:`` is left alone for unknown ``x``: awaiting something that returns a
    plain context manager (a connection pool) is common and correct. Without ``as`` an
    unknown name or attribute is reported without a fix. ``with (yield from lock):`` can only
    become ``async with`` in an ``async def``: convert the coroutine first (AIO402); until then
    it is reported. An acquire whose ``finally`` does more than release is left alone.
    """

    code = "AIO403"
    name = "with-await-lock"
    min_python = (3, 5)
    safety = Safety.SAFE
    trigger_words = ("await", "yield from", "acquire")

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            return
        locks = [_awaited(item.item) for item in node.items]
        if not any(lock is not None for lock, _ in locks):
            return
        message = "`with await lock:` stopped working in Python 3.9: use `async with lock:`"
        if any(kind == "yield" for _, kind in locks):
            message = "`with (yield from lock):` stopped working in Python 3.9: use `async with lock:`"
        if not all(lock is not None and kind == "await" for lock, kind in locks):
            if any(lock is not None and self._is_lock(lock) for lock, _ in locks):
                why = "make the function `async def` first (AIO402)" if "yield" in message else "mixed items"
                self.report(node, f"{message} (not rewritten: {why})")
            return
        if not all(self._is_lock(lock) for lock, _ in locks):
            if all(isinstance(lock, (cst.Name, cst.Attribute)) for lock, _ in locks) and not any(
                item.asname for item in node.items
            ):
                self.report(node, f"{message} (if this is an asyncio lock: its type is not known here)")
            return
        if not self.ctx.in_coroutine():
            return
        items = [item.with_changes(item=lock) for item, (lock, _) in zip(node.items, locks)]
        new = node.with_changes(asynchronous=cst.Asynchronous(), items=items)
        if len(items) == 1 and isinstance(node.lpar, cst.LeftParen):  # `with (await lock):`
            new = new.with_changes(
                lpar=cst.MaybeSentinel.DEFAULT,
                rpar=cst.MaybeSentinel.DEFAULT,
                items=[items[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)],
                whitespace_after_with=cst.SimpleWhitespace(" "),
            )
        fix = self.fix(node).replace(node, new)
        if count_comments(node) > count_comments(new):
            self.report(node, f"{message} (not rewritten: a comment would be lost)")
            return
        self.report(node, message, fix=fix)

    def visit_Try(self, node: cst.Try) -> None:
        block = self.ctx.parent(node)
        if not self.ctx.in_coroutine() or not isinstance(block, cst.IndentedBlock):
            return
        index = block.body.index(node)
        acquire = block.body[index - 1] if index else None
        lock = m.SaveMatchedNode(m.DoNotCare(), "lock")
        call = m.Call(func=m.Attribute(lock, m.Name("acquire")), args=[])
        found = m.extract(acquire, m.SimpleStatementLine(body=[m.Expr(m.Await(call))])) if acquire else None
        if not found or node.finalbody is None:
            return
        release = m.SimpleStatementLine(body=[m.Expr(m.Call(func=m.Attribute(attr=m.Name("release")), args=[]))])
        (stmt, *rest) = node.finalbody.body.body or [None]
        if rest or not m.matches(stmt, release) or not stmt.body[0].value.func.value.deep_equals(found["lock"]):
            return
        message = "`await lock.acquire()` with `try`/`finally: lock.release()`: use `async with lock:`"
        if not self._is_lock(found["lock"]):
            self.report(acquire, f"{message} (not rewritten: not known to be an asyncio lock)")
            return
        if node.handlers or node.orelse is not None:
            inner = node.with_changes(finalbody=None, leading_lines=())
            body = cst.IndentedBlock(body=[inner], header=acquire.trailing_whitespace)
        else:
            body = node.body
        new = cst.With(
            items=[cst.WithItem(found["lock"])],
            body=body,
            asynchronous=cst.Asynchronous(),
            leading_lines=acquire.leading_lines,
        )
        fix = self.fix(node).remove(acquire).replace(node, new)
        if count_comments(acquire) + count_comments(node) > count_comments(new):
            self.report(acquire, f"{message} (not rewritten: a comment would be lost)")
            return
        self.report(acquire, message, fix=fix)

    def _is_lock(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Attribute):
            values = self_attribute_values(self.ctx, expr)
        elif isinstance(expr, cst.Name):
            if self._annotated_lock(expr):
                return True
            values = binding_values(self.ctx, expr)
        else:
            return False
        return bool(values) and all(is_call_to(self.ctx, value, LOCKS) for value in values)

    def _annotated_lock(self, name: cst.Name) -> bool:
        """A parameter annotated as an asyncio lock, and never rebound."""
        scope = self.ctx.scope(name)
        bindings = list(scope[name.value]) if scope is not None else []
        params = [getattr(b, "node", None) for b in bindings]
        return len(params) == 1 and isinstance(params[0], cst.Param) and params[0].annotation is not None and (
            self.ctx.resolves_to(params[0].annotation.annotation, LOCKS)
        )


def _awaited(expr: cst.BaseExpression) -> tuple:
    """(operand, "await" | "yield") for ``await x`` / ``(yield from x)``, else (None, None)."""
    if isinstance(expr, cst.Await):
        return expr.expression, "await"
    if isinstance(expr, cst.Yield) and isinstance(expr.value, cst.From):
        return expr.value.item, "yield"
    return None, None

