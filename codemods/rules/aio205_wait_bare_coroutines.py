from typing import List

import libcst as cst

from ..kit.findings import without_fix
from ..kit.names import GENERATOR_COROUTINE_DECORATORS, asyncio_names
from ..kit.scope import innermost_def
from ..kit.syntax import as_set_display, fresh_name, keyword_arg, names_in, shift_aligned_lines
from ..kit.values import collection_items, is_coroutine_call, is_generator_call
from ..model import Safety
from ..rule import Fix, Rule

WAIT = asyncio_names("wait")
# Calls known to return a task or future, which asyncio.wait takes as they are.
_FUTURE_MAKERS = asyncio_names("create_task", "ensure_future", "shield", "gather", "wrap_future")
_INERT = (cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString)
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
    explicitly`` since 3.11. Up to 3.10 ``wait(fs)`` began with
    ``fs = {ensure_future(f) for f in set(fs)}``, and the fix writes that out where ``fs`` is
    a list, set or tuple literal or comprehension holding a call that may return a coroutine
    (a method, an imported function: ``ensure_future`` keeps a future as it is), or a local
    list, set or tuple seen holding one: ``asyncio.wait(pending)`` becomes
    ``asyncio.wait({asyncio.ensure_future(aw) for aw in set(pending)})``, and a literal or
    comprehension becomes the set iterated
    (``{asyncio.ensure_future(aw) for aw in {conn.close(), fut}}``), with ``create_task``
    where every item is a call of an asyncio coroutine function or a plain ``async def`` (of
    this file, or of the project by the CLI's project facts). Where every element of a
    literal is such a call with only names and literals as arguments, each is wrapped in
    place:
    ``asyncio.wait([asyncio.create_task(job(1)), asyncio.create_task(job(2))])``.
    Example: `fixtures/aio205_wait_bare_coroutines/may_be_coroutines`.
    Example: `fixtures/aio205_wait_bare_coroutines/appended_list`.

    ## Fix safety
    Safe. The wrapping happens where ``wait`` did it: after every item is evaluated, before
    anything else can run (``wait`` is awaited on the spot, by ``await`` or by ``yield from``
    in an ``@asyncio.coroutine`` function), once per distinct object, a future kept as it is;
    so the tasks, their results and the ``(done, pending)`` sets are the same. An item that
    raises while the set is built starts no task (``element_raises_starts_nothing``), an
    object twice makes one task (``named_set_keeps_one_task_per_object``), a name holding a
    coroutine is wrapped too (``name_in_the_literal_is_wrapped_too``), and a name's tasks
    start in the order ``wait`` started them (``named_list_keeps_wait_order``). Wrapped in
    place, ``job(1)``'s task starts first; ``wait`` started its tasks in the order of a set
    of coroutine objects, which hash by memory address, so the written order was one the
    original could take, and making such a coroutine runs no code. ``loop=`` is kept (AIO401
    removes it): ``wait`` awaited on the spot in a task of another loop always failed
    (``RuntimeError: ... attached to a different loop``; after the fix, ``ValueError``), so
    in working code it is the running loop, the one ``create_task`` and ``ensure_future``
    use. Up to 3.10 ``wait`` also raised ``ValueError`` for a future of another loop than the
    running one; since 3.11 it no longer checks. A plain (undecorated) generator ran as a
    legacy coroutine up to 3.11 and is refused since 3.12 however it is wrapped: a call of
    such a function of this file (or, by the CLI's project facts, of the project) leaves the
    site report-only; one from a call not known to return it fails on 3.12 after the fix,
    as the original does on 3.11.

    ## Limitations
    Reported without a fix: ``asyncio.wait`` not awaited on the spot (wrapping would start
    the tasks earlier) and a generator expression (every ``asyncio.wait`` before 3.12 rejects
    a generator: it takes it for a legacy coroutine). Names, attributes, starred elements and
    ``create_task`` / ``ensure_future`` / ``shield`` / ``gather`` calls alone are taken to be
    tasks or futures (no finding), as is an iterable passed by name that is a parameter, an
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
    facts_words = ("wait",)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, WAIT):
            return
        first = next((a for a in node.args if a.keyword is None and not a.star), None) or keyword_arg(node, "fs")
        value = first.value if first is not None else None
        if isinstance(value, cst.Name):
            items = collection_items(self.ctx, value) or []
        elif isinstance(value, (cst.List, cst.Set, cst.Tuple)):
            items = [e.value for e in value.elements]
        elif isinstance(value, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            items = [value.elt]
        else:
            return
        bare = [i for i in items if is_coroutine_call(self.ctx, i)]
        maybe = [i for i in items if i not in bare and self._may_be_coroutine(i)]
        if not bare and not maybe:
            return
        message = _NAMED.format(value.value) if isinstance(value, cst.Name) else _MAYBE if maybe else _BARE
        why = self._cannot_fix(node, maybe)
        if not why and isinstance(value, cst.GeneratorExp):
            why = "a generator expression, which `asyncio.wait()` rejected before Python 3.12"
        if why:
            self.report(node, without_fix(message, why))
            return
        fix = self.fix(node)
        if isinstance(value, (cst.List, cst.Set, cst.Tuple)) and all(self._fresh_coroutine(e) for e in items):
            for element in bare:
                fix.replace(element, cst.Call(fix.ref("asyncio.create_task"), [cst.Arg(element)]))
        else:
            fix.replace(value, self._each_wrapped(fix, value, coroutines=len(bare) == len(items)))
        self.report(node, message, fix=fix)

    def _each_wrapped(self, fix: Fix, value: cst.BaseExpression, coroutines: bool) -> cst.SetComp:
        """What ``wait`` did with ``value`` up to 3.10: ``{ensure_future(aw) for aw in set(value)}``
        (``create_task`` when every item is a coroutine), a display or comprehension made a set."""
        wrap = fix.ref("asyncio.create_task" if coroutines else "asyncio.ensure_future")
        # The target is the comprehension's own: it must only not hide the wrapper's name.
        name = cst.Name(fresh_name("coro" if coroutines else "aw", names_in(wrap)))
        head = cst.SetComp(cst.Call(wrap, [cst.Arg(name)]), cst.CompFor(target=name, iter=cst.Name("_")))
        items = as_set_display(value) or cst.Call(fix.ref("set"), [cst.Arg(value)])
        items = self._realigned(value, items, len(cst.Module([]).code_for_node(head)) - len("_}"))
        return head.with_changes(for_in=head.for_in.with_changes(iter=items))

    def _realigned(self, value: cst.BaseExpression, items: cst.BaseExpression, delta: int) -> cst.BaseExpression:
        """``items`` with the lines aligned under ``value``'s bracket moved ``delta`` right, as
        that bracket is (a hanging indent stays)."""
        code = self.ctx.code_for(value)
        line = self.ctx.parent(value)
        while line is not None and not isinstance(line, cst.SimpleStatementLine):
            line = self.ctx.parent(line)
        opening = getattr(value, "lbracket", None) or getattr(value, "lbrace", None)
        hanging = isinstance(getattr(opening, "whitespace_after", None), cst.ParenthesizedWhitespace)
        if "\n" not in code or "\t" in code or hanging or getattr(value, "lpar", None) or line is None:
            return items
        bracket = self.ctx.position(value).start.column
        return shift_aligned_lines(items, bracket, self.ctx.position(line).start.column, delta)

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

    def _fresh_coroutine(self, expr: cst.BaseExpression) -> bool:
        """A coroutine function called with names and literals: a new coroutine object, and no
        code run to make it (nothing that could raise or start a task on the way)."""
        args = expr.args if isinstance(expr, cst.Call) else ()
        return is_coroutine_call(self.ctx, expr) and all(not a.star and isinstance(a.value, _INERT) for a in args)
