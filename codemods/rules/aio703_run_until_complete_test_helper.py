from typing import Dict, Optional

import libcst as cst

from ..kit.findings import without_fix
from ..kit.loop_tests import (
    MethodEdits, awaited, awaited_in_assert_raises, calls_in, check_conversions, in_comprehension, mentions,
    replace_methods, rewritten_method, whole_line,
)
from ..kit.names import asyncio_names
from ..kit.syntax import names_in
from ..kit.testcases import ASYNC_HOOKS, methods, stdlib_ref, subclasses_in_module
from ..lazy import matchers as m
from ..loops import NoFix
from ..model import Safety
from ..rule import Rule

TEST_CASE = frozenset({"unittest.TestCase", "unittest.case.TestCase"})
LOOP_SOURCES = asyncio_names("get_event_loop", "new_event_loop")
MESSAGE = "test case runs coroutines through `{}`: use `unittest.IsolatedAsyncioTestCase`"


class RunUntilCompleteTestHelper(Rule):
    """Make the tests that run coroutines through a ``run(coro)`` helper or an ``@async_test``
    decorator coroutines of an ``IsolatedAsyncioTestCase``.

    ## Why
    Test suites written before 3.8 often run each coroutine through a module-level helper,
    ``def run(coro): return asyncio.get_event_loop().run_until_complete(coro)``, or wrap an
    ``async def`` test in a decorator that does the same. ``get_event_loop()`` without a running
    loop warns since 3.12 and fails since 3.14; ``IsolatedAsyncioTestCase`` runs ``async def``
    tests itself. In a ``unittest.TestCase`` of the same module, ``run(x)`` becomes ``await x`` (the
    test ``async def``, ``setUp``/``tearDown`` ``asyncSetUp``/``asyncTearDown``), the decorator is
    dropped, and the base class becomes ``IsolatedAsyncioTestCase``. The helper itself stays.
    Example: `fixtures/aio703_run_until_complete_test_helper/basic`.

    ## Fix safety
    Unsafe. Each test runs on a loop of its own, in debug mode, where the helper ran every test
    on the one default loop (objects bound to it outlived a test); a test and its set-up are one
    task; tasks left pending are cancelled at the end of the test. ``run_until_complete`` ran the
    loop one more round after its argument finished, so a task that argument started got a step
    before the test went on; after ``await`` it gets none until the test awaits again (six tests of
    python-engineio 3.10 that assert on such a task right away fail after the fix). After a
    migrated test no loop is current: a later test elsewhere that still calls
    ``asyncio.get_event_loop()`` outside a coroutine gets ``RuntimeError``, so migrate a suite
    whole. ``self.assertRaises(E, run, coro)`` becomes ``with self.assertRaises(E): await coro``. Proven by
    `fixtures/aio703_run_until_complete_test_helper/runs_the_same`, run on 3.7 before and 3.9 to
    3.13 after.

    ## Limitations
    Only helpers and decorators defined in the same module, in exactly the shapes above (the
    loop from ``get_event_loop()`` or ``new_event_loop()``, inline or bound to a local first).
    Reported without a fix: a helper called outside tests and hooks, in a nested function or a
    comprehension, passed on in any other way, a test that also drives a loop of its own, a test
    decorated with something that may not take a coroutine function, set-up split over several
    classes.
    """

    code = "AIO703"
    name = "run-until-complete-test-helper"
    min_python = (3, 8)
    safety = Safety.UNSAFE
    trigger_words = ("run_until_complete",)
    anchors = tuple(LOOP_SOURCES)

    def visit_Module(self, node: cst.Module) -> None:
        defs = [f for f in node.body if isinstance(f, cst.FunctionDef)]
        self.helpers = {f.name.value: f for f in defs if _param(f) and _runs(self.ctx, f, m.Name(_param(f)))}
        self.decorators = {f.name.value: f for f in defs if _wraps(self.ctx, f)}

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [arg.value for arg in node.bases if self.ctx.resolves_to(arg.value, TEST_CASE)]
        if not bases or not (self.helpers or self.decorators):
            return
        family = subclasses_in_module(self.ctx.module, node)
        edits: Dict[cst.FunctionDef, MethodEdits] = {}
        used = set()
        fix = self.fix(node)
        try:
            for cls in family:
                for method in methods(cls):
                    self._method(method, edits, used)
            if not used:
                return
            check_conversions(self.ctx, family, edits)
            base = stdlib_ref(self.ctx, fix, "unittest", "IsolatedAsyncioTestCase", isinstance(bases[0], cst.Name))
            if base is None:
                raise NoFix("`IsolatedAsyncioTestCase` is taken here")
            new = {method: rewritten_method(method, changes) for method, changes in edits.items()}
            for cls in family:
                for method in methods(cls):
                    kept = [d for d in method.decorators if _name(d.decorator) not in self.decorators]
                    if len(kept) < len(method.decorators) and method not in edits:
                        new[method] = method.with_changes(decorators=kept)
            replace_methods(fix, family, new)
        except NoFix as reason:
            if used:
                self.report(bases[0], without_fix(MESSAGE.format(sorted(used)[0]), str(reason)))
            return
        self.report(bases[0], MESSAGE.format(sorted(used)[0]), fix=fix.replace(bases[0], base))

    def _method(self, method: cst.FunctionDef, edits: Dict[cst.FunctionDef, MethodEdits], used: set) -> None:
        """Plan the edits of one method; ``used`` collects the helpers and decorators it uses."""
        decorated = {_name(d.decorator) for d in method.decorators} & set(self.decorators)
        used |= decorated
        if decorated and method.asynchronous is None:
            raise NoFix(f"`{method.name.value}` is decorated but not `async def`")
        changes = MethodEdits()
        for call, nested in calls_in(method, {*self.helpers, "run_until_complete", "assertRaises", "assertRaisesRegex"}):
            name = _name(call.func) or call.func.attr.value
            if name in ("assertRaises", "assertRaisesRegex"):
                block = None if nested else awaited_in_assert_raises(self.ctx, call, self._runs_on_loop)
                if block is not None:
                    changes.lines[whole_line(self.ctx, call)] = block
            elif self._runs_on_loop(call.func) and not nested and not in_comprehension(self.ctx, call, method):
                changes.awaits[call] = awaited(self.ctx, call)
        if not (changes.awaits or changes.lines):
            if mentions(method, set(self.helpers)):
                used.update(n for n in self.helpers if n in names_in(method.body))
                raise NoFix(f"`{method.name.value}` passes a loop runner on, or runs it in a nested function")
            return
        used.update(n for n in self.helpers if n in names_in(method.body))
        if not (method.name.value.startswith("test") or method.name.value in ASYNC_HOOKS):
            raise NoFix(f"a loop runner in the helper `{method.name.value}`: its callers would have to await it")
        if mentions(method, {*self.helpers, "run_until_complete"}) > len(changes.awaits) + len(changes.lines):
            raise NoFix(f"`{method.name.value}` also drives a loop another way, or in a nested function")
        edits[method] = changes

    def _runs_on_loop(self, func: cst.BaseExpression) -> bool:
        """``func`` is one of the helpers, or ``asyncio.get_event_loop().run_until_complete``."""
        if isinstance(func, cst.Name):
            return func.value in self.helpers and self.ctx.qualified_names(func) == {func.value}
        loop = func.value if isinstance(func, cst.Attribute) and func.attr.value == "run_until_complete" else None
        return isinstance(loop, cst.Call) and not loop.args and self.ctx.resolves_to(loop.func, LOOP_SOURCES)


def _name(expr: cst.BaseExpression) -> Optional[str]:
    return expr.value if isinstance(expr, cst.Name) else None


def _param(func: cst.FunctionDef) -> Optional[str]:
    params = func.params
    if len(params.params) != 1 or isinstance(params.star_arg, cst.Param) or params.kwonly_params or params.star_kwarg \
            or func.decorators:
        return None
    return params.params[0].name.value


def _runs(ctx, func: cst.FunctionDef, arg) -> bool:
    """The body is ``[docstring]; [loop = <loop source>()]; [return] <loop>.run_until_complete(<arg>)``."""
    body = list(func.body.body)
    if body and m.matches(body[0], m.SimpleStatementLine([m.Expr(m.SimpleString())])):
        body = body[1:]
    run = m.Call(func=m.Attribute(attr=m.Name("run_until_complete")), args=[m.Arg(arg)])
    if not body or len(body) > 2 or not m.matches(body[-1], m.SimpleStatementLine([m.Return(run) | m.Expr(run)])):
        return False
    loop = body[-1].body[0].value.func.value
    if len(body) == 2:
        if not m.matches(body[0], m.SimpleStatementLine([m.Assign([m.AssignTarget(m.Name())], m.Call(args=[]))])):
            return False
        if not m.matches(loop, m.Name(body[0].body[0].targets[0].target.value)):
            return False
        loop = body[0].body[0].value
    return isinstance(loop, cst.Call) and not loop.args and ctx.resolves_to(loop.func, LOOP_SOURCES)


def _wraps(ctx, func: cst.FunctionDef) -> bool:
    """``def deco(f): [@functools.wraps(f)] def wrapper(*args, **kwargs): <run f(*args, **kwargs)>; return wrapper``."""
    arg = _param(func)
    body = list(func.body.body)
    if arg is None or len(body) != 2 or not isinstance(body[0], cst.FunctionDef):
        return False
    wrapper = body[0]
    call = m.Call(func=m.Name(arg), args=[m.Arg(star="*"), m.Arg(star="**")])
    return m.matches(body[1], m.SimpleStatementLine([m.Return(m.Name(wrapper.name.value))])) and _runs(ctx, wrapper, call)
