from typing import List

import libcst as cst

from ..kit.findings import without_fix
from ..kit.names import GENERATOR_COROUTINE_DECORATORS, asyncio_names
from ..kit.scope import innermost_def
from ..kit.syntax import fresh_name, keyword_arg, names_in
from ..kit.values import collection_items, is_coroutine_call, is_generator_call
from ..model import Safety
from ..rule import Rule

WAIT = asyncio_names("wait")
# Calls known to return a task or future, which asyncio.wait takes as they are.
_FUTURE_MAKERS = asyncio_names("create_task", "ensure_future", "shield", "gather", "wrap_future")
_FUTURE_METHODS = ("create_task", "ensure_future", "run_coroutine_threadsafe", "create_future", "run_in_executor")
_BARE = "bare coroutine in `asyncio.wait()` (a TypeError since Python 3.11): wrap it in `asyncio.create_task()`"
_MAYBE = (
    "`asyncio.wait()` of calls that may return coroutines (a TypeError since Python 3.11): "
    "wrap them in `asyncio.ensure_future()`"
)
_NAMED = (
    "`{}` may hold coroutines, which `asyncio.wait()` refuses since Python 3.11: "
    "wrap each in `asyncio.ensure_future()`"
)


class WaitWithBareCoroutines(Rule):
    """Wrap the coroutines passed to ``asyncio.wait()`` in tasks, as ``wait`` itself did before 3.11.

    ## Why
    ``asyncio.wait()`` takes tasks and futures. Passing coroutine objects was deprecated in
    Python 3.8 and raises ``TypeError: Passing coroutines is forbidden, use tasks
    explicitly`` since 3.11. In ``await asyncio.wait([fetch(a), fetch(b)])`` (a list, set
    or tuple literal, or a list or set comprehension) each element that is a call of an
    ``async def`` of this file or of an asyncio coroutine function becomes
    ``asyncio.create_task(fetch(a))``, and any other call (a method, an imported function:
    it may return a coroutine or a future) becomes ``asyncio.ensure_future(conn.close())``,
    which keeps a future as it is and wraps anything else in a task. An iterable passed by
    name, a local list, set or tuple seen holding such calls, is replaced by
    ``{asyncio.ensure_future(aw) for aw in set(pending)}``.
    Example: `fixtures/aio205_wait_bare_coroutines/may_be_coroutines`.
    Example: `fixtures/aio205_wait_bare_coroutines/appended_list`.

    ## Fix safety
    Safe. Up to Python 3.10 ``asyncio.wait(fs)`` ran ``{ensure_future(f) for f in set(fs)}``
    before anything else could run: for a coroutine that is ``loop.create_task``, for a future
    the future itself, for another awaitable a task awaiting it. The fix makes those calls at
    the same moment, in the call's own arguments (``asyncio.wait`` is awaited on the spot, by
    ``await`` or by ``yield from`` in an ``@asyncio.coroutine`` function), so the tasks, their
    results and the ``(done, pending)`` sets are the same (code that looks the coroutine
    objects up in them never found them before either). An iterable passed by name is
    wrapped through ``set(...)`` exactly as ``wait`` did, so an object in it twice still makes
    one task (fixture ``named_set_keeps_one_task_per_object``), and its tasks are created in
    the same order (``named_list_keeps_wait_order``). Wrapped elements of a literal or
    comprehension start in the order written; ``wait`` started them in the order of a set of
    coroutine objects, which hash by memory address, so that order was one the original could
    take (and a custom task factory now runs between the calls of a literal, not after them).
    A ``loop=`` argument is kept (AIO401 removes it): ``wait`` awaited on the spot in a
    task with another loop than the task's always failed (``RuntimeError: ... attached to a
    different loop``; after the fix, ``ValueError``), so in working code it is the running
    loop, the one ``create_task`` and ``ensure_future`` use. One more difference: up to 3.10
    ``wait`` raised ``ValueError`` for a future of another loop than the running one; since
    3.11 ``wait`` itself no longer checks. A plain (undecorated) generator ran as a legacy
    coroutine up to 3.11 and is refused since 3.12 however it is wrapped: a call of such a
    function of this file (or, with the CLI's project facts, of the project) leaves the site
    report-only; a method or function not known to return one would behave as before up to
    3.11 and fail on 3.12 (as the original fails on 3.11).

    ## Limitations
    Reported without a fix: ``asyncio.wait`` not awaited on the spot (wrapping would start
    the tasks earlier) and a generator expression (every ``asyncio.wait`` before 3.12 rejects
    a generator: it takes it for a legacy coroutine). Names, attributes, starred elements and
    ``create_task`` / ``ensure_future`` / ``shield`` / ``gather`` calls are taken to be tasks
    or futures and left alone, as is an iterable passed by name that is a parameter, an
    attribute, or a local list also handed on or filled otherwise than by ``.append()`` /
    ``.add()``: it may hold anything, and only a list, set or tuple is certain to behave the
    same through ``set(...)``.
    """

    code = "AIO205"
    name = "wait-with-bare-coroutines"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("wait",)
    anchors = tuple(WAIT)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, WAIT):
            return
        first = next((a for a in node.args if a.keyword is None and not a.star), None) or keyword_arg(node, "fs")
        if first is None:
            return
        value = first.value
        if isinstance(value, cst.Name):
            self._wait_for_name(node, value)
            return
        if isinstance(value, (cst.List, cst.Set, cst.Tuple)):
            elements = [e.value for e in value.elements if not isinstance(e, cst.StarredElement)]
        elif isinstance(value, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            elements = [value.elt]
        else:
            return
        bare = [e for e in elements if is_coroutine_call(self.ctx, e)]
        maybe = [e for e in elements if self._may_be_coroutine(e) and e not in bare]
        if not bare and not maybe:
            return
        message = _MAYBE if maybe else _BARE
        why = self._cannot_fix(node, maybe)
        if not why and isinstance(value, cst.GeneratorExp):
            why = "a generator expression, which `asyncio.wait()` rejected before Python 3.12"
        if why:
            self.report(node, without_fix(message, why))
            return
        fix = self.fix(node)
        for element in bare:
            fix.replace(element, cst.Call(fix.ref("asyncio.create_task"), [cst.Arg(element)]))
        for element in maybe:
            fix.replace(element, cst.Call(fix.ref("asyncio.ensure_future"), [cst.Arg(element)]))
        self.report(node, message, fix=fix)

    def _wait_for_name(self, node: cst.Call, name: cst.Name) -> None:
        items = collection_items(self.ctx, name)
        if not items or not any(is_coroutine_call(self.ctx, i) or self._may_be_coroutine(i) for i in items):
            return
        message = _NAMED.format(name.value)
        why = self._cannot_fix(node, items)
        if why:
            self.report(node, without_fix(message, why))
            return
        fix = self.fix(node)
        each = cst.Name(fresh_name("aw", names_in(self.ctx.enclosing_function())))
        wrapped = cst.SetComp(
            elt=cst.Call(fix.ref("asyncio.ensure_future"), [cst.Arg(each)]),
            for_in=cst.CompFor(target=each, iter=cst.Call(fix.ref("set"), [cst.Arg(name)])),
        )
        fix.replace(name, wrapped)
        self.report(node, message, fix=fix)

    def _cannot_fix(self, node: cst.Call, wrapped: List[cst.BaseExpression]) -> str:
        """Why wrapping ``wrapped`` here would not do what ``wait`` did, or ""."""
        if any(is_generator_call(self.ctx, e) for e in wrapped):
            return "a plain generator, which asyncio runs as a coroutine only up to Python 3.11"
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Await) and self.ctx.in_coroutine():
            return ""
        if isinstance(parent, cst.From) and isinstance(self.ctx.parent(parent), cst.Yield):
            func = innermost_def(self.ctx)
            if func is not None and any(
                self.ctx.resolves_to(d.decorator, GENERATOR_COROUTINE_DECORATORS) for d in func.decorators
            ):
                return ""
        return "not awaited on the spot in a coroutine"

    def _may_be_coroutine(self, expr: cst.BaseExpression) -> bool:
        """A call not known to return a task or future."""
        if not isinstance(expr, cst.Call) or self.ctx.resolves_to(expr.func, _FUTURE_MAKERS):
            return False
        return not (isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _FUTURE_METHODS)
