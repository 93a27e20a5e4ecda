import libcst as cst
from ..lazy import matchers as m

from ..kit.names import ASYNCIO_LOCKS
from ..kit.syntax import async_with_over, count_comments
from ..kit.values import is_asyncio_lock
from ..model import Safety
from ..prefilter import awaited_method
from ..rule import Rule


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
    assigned one in its class, a parameter annotated with one of these classes, or
    ``self.attr[key]`` where ``self.attr`` is a dict into which its class only ever puts such
    calls (displays and ``self.attr[key] = ...``; every other use of it in the class a read,
    never handed on). Example: `fixtures/aio403_with_await_lock/dict_of_locks`. A ``try``
    with ``except``/``else`` clauses is kept inside the ``async with`` (its handlers still run
    with the lock held, as before). Sites that would lose a comment are reported only.

    ## Limitations
    ``with await x:`` is left alone, unreported, when ``x`` is not known to be a lock: awaiting
    something that returns a plain context manager (``with (await pool):`` in aioredis) is
    common and correct. An unknown object in the acquire/``finally``-release shape is
    reported without a fix. ``with (yield from lock):`` lives in a generator, where ``async
    with`` is a syntax error: it is reported here, and AIO402 rewrites it to ``async with`` when
    it turns the generator into ``async def``. An acquire whose ``finally`` does more than
    release is left alone.
    """

    code = "AIO403"
    name = "with-await-lock"
    min_python = (3, 5)
    safety = Safety.SAFE
    trigger_words = ("await", "yield from", "acquire")
    anchors = (*ASYNCIO_LOCKS, awaited_method("acquire"))  # acquire/release is reported on any object

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
            if any(lock is not None and is_asyncio_lock(self.ctx, lock) for lock, _ in locks):
                why = "make the function `async def` first (AIO402)" if "yield" in message else "mixed items"
                self.report(node, f"{message} (not rewritten: {why})")
            return
        if not all(is_asyncio_lock(self.ctx, lock) for lock, _ in locks):
            return  # `with await pool:` on an object whose await returns a context manager
        if not self.ctx.in_coroutine():
            return
        new = async_with_over(node, [lock for lock, _ in locks])
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
        if not is_asyncio_lock(self.ctx, found["lock"]):
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


def _awaited(expr: cst.BaseExpression) -> tuple:
    """(operand, "await" | "yield") for ``await x`` / ``(yield from x)``, else (None, None)."""
    if isinstance(expr, cst.Await):
        return expr.expression, "await"
    if isinstance(expr, cst.Yield) and isinstance(expr.value, cst.From):
        return expr.value.item, "yield"
    return None, None

