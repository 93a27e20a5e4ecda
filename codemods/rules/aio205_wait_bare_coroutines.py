import libcst as cst

from ..kit.findings import without_fix
from ..kit.names import asyncio_names
from ..kit.syntax import keyword_arg
from ..kit.values import is_coroutine_call
from ..model import Safety
from ..rule import Rule

WAIT = asyncio_names("wait")
# Calls known to return a task or future, which asyncio.wait takes as they are.
_TASK_MAKERS = asyncio_names("create_task", "ensure_future")
_TASK_METHODS = ("create_task", "ensure_future", "run_coroutine_threadsafe", "create_future")


class WaitWithBareCoroutines(Rule):
    """Wrap the bare coroutines passed to ``asyncio.wait()`` in ``asyncio.create_task()``.

    ## Why
    ``asyncio.wait()`` takes tasks and futures. Passing coroutine objects was deprecated in
    Python 3.8 and raises ``TypeError: Passing coroutines is forbidden, use tasks
    explicitly`` since 3.11. In ``await asyncio.wait([fetch(a), fetch(b)])`` (a list, set
    or tuple literal, or a list comprehension or generator expression) each element that is
    a call of an ``async def`` of this file or of an asyncio coroutine function becomes
    ``asyncio.create_task(fetch(a))``.

    ## Fix safety
    Safe. Up to Python 3.10 ``asyncio.wait`` wrapped each coroutine with ``ensure_future``,
    which for a coroutine is exactly ``loop.create_task``; the fix makes that call explicit,
    at the same moment: ``asyncio.wait`` is awaited on the spot, so its body (where it
    wrapped the coroutines) ran before anything else could, and the comprehension or
    comprehension is still built there. The ``(done, pending)`` sets hold the same tasks as
    before; code that looks the coroutine objects up in them never found them before
    either (they were wrapped internally), so it is unaffected. Tasks need a running loop,
    which an awaited call in an ``async def`` body always has.

    ## Limitations
    Reported without a fix: an element that is a call not proven to return a coroutine
    (methods, imported functions, decorated ``async def``s: it may be a coroutine or a
    future) and ``asyncio.wait`` not awaited on the spot or outside an ``async def`` body
    (wrapping would start the tasks earlier), or given ``loop=`` (removed in 3.10; the
    tasks belonged to that loop, ``create_task`` uses the running one). Names, attributes and ``create_task`` /
    ``ensure_future`` calls are taken to be tasks or futures and left alone, as is an
    iterable passed by name (``asyncio.wait(pending)``). A generator expression of coroutines
    is reported without a fix: every ``asyncio.wait`` before 3.12 rejects a generator (it
    takes it for a legacy coroutine), so that code never ran and a rewrite would change what
    it does.
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
        value, unfixable = first.value, ""
        if isinstance(value, (cst.List, cst.Set, cst.Tuple)):
            elements = [e.value for e in value.elements if not isinstance(e, cst.StarredElement)]
        elif isinstance(value, (cst.ListComp, cst.GeneratorExp)):
            elements = [value.elt]
            if isinstance(value, cst.GeneratorExp):
                unfixable = "a generator expression never worked here"
        else:
            return
        bare = [e for e in elements if is_coroutine_call(self.ctx, e)]
        unknown = [e for e in elements if isinstance(e, cst.Call) and e not in bare and not self._is_task(e)]
        if not bare and not unknown:
            return
        message = "bare coroutine in `asyncio.wait()` (a TypeError since Python 3.11): wrap it in `asyncio.create_task()`"
        if unknown:
            self.report(node, without_fix(message, "an element may be a coroutine"))
            return
        if not self.ctx.is_awaited(node) or not self.ctx.in_coroutine():
            unfixable = "not awaited on the spot in an `async def`"
        elif keyword_arg(node, "loop") is not None:
            unfixable = "`loop=` may name another loop than `create_task`'s"
        if unfixable:
            self.report(node, without_fix(message, unfixable))
            return
        fix = self.fix(node)
        for element in bare:
            fix.replace(element, cst.Call(fix.ref("asyncio.create_task"), [cst.Arg(element)]))
        self.report(node, message, fix=fix)

    def _is_task(self, call: cst.Call) -> bool:
        if self.ctx.resolves_to(call.func, _TASK_MAKERS):
            return True
        return isinstance(call.func, cst.Attribute) and call.func.attr.value in _TASK_METHODS
