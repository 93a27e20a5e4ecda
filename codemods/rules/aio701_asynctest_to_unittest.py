import libcst as cst

from ..kit.findings import without_fix
from ..kit.generator_tests import as_coroutine, convertible_yields, is_generator_test
from ..kit.imports import import_binding
from ..kit.loop_tests import bind_running_loop, replace_methods
from ..kit.names import asyncio_names
from ..kit.syntax import count_comments, loses_comments
from ..kit.testcases import (
    ASYNC_HOOKS, assigned_in_class, is_generator, methods, self_attributes, stdlib_ref, subclasses_in_module,
    super_hook_calls,
)
from ..lazy import matchers as m
from ..model import Safety
from ..rule import Rule

MODULES = ("asynctest", "asynctest.case", "asynctest.mock")
RENAMED = {"TestCase": ("unittest", "IsolatedAsyncioTestCase"), "CoroutineMock": ("unittest.mock", "AsyncMock")}
MOCKS = ("Mock", "MagicMock", "NonCallableMock", "NonCallableMagicMock", "PropertyMock", "patch", "sentinel",
         "call", "ANY", "DEFAULT", "mock_open", "create_autospec")
# What asynctest re-exported from unittest (its `from unittest import *`, Python 3.5-3.8) and unittest
# still has in 3.13; spelled out, not read off the running Python's unittest, which may not be the target.
UNITTEST = ("IsolatedAsyncioTestCase", "SkipTest", "TestLoader", "TestResult", "TestSuite", "TextTestResult", "TextTestRunner",
            "addModuleCleanup", "defaultTestLoader", "expectedFailure", "installHandler", "main", "registerResult",
            "removeHandler", "removeResult", "skip", "skipIf", "skipUnless")
TARGETS = {**{n: ("unittest.mock", n) for n in MOCKS}, **{n: ("unittest", n) for n in UNITTEST}, **RENAMED}
NO_EQUIVALENT = {
    "makeSuite": "`unittest.makeSuite` is gone in Python 3.13: use `unittest.TestLoader().loadTestsFromTestCase`",
    "findTestCases": "`unittest.findTestCases` is gone in Python 3.13: use `unittest.TestLoader().loadTestsFromModule`",
    "getTestCaseNames": "`unittest.getTestCaseNames` is gone in Python 3.13: use `unittest.TestLoader().getTestCaseNames`",
    "ClockedTestCase": "its `advance()` has no standard-library equivalent; mock the clock by hand",
    "fail_on": "checks no standard-library test case makes; drop it, or check the loop in `asyncTearDown`",
    "strict": "checks no standard-library test case makes; drop it, or check the loop in `asyncTearDown`",
    "lenient": "drop it: the standard-library test case makes none of its checks",
}
NAMES = frozenset(f"{m}.{n}" for m in MODULES for n in (*TARGETS, *NO_EQUIVALENT))
PATCHES = frozenset(f"{m}.patch" for m in MODULES)
TEST_CASES = frozenset(f"{m}.TestCase" for m in MODULES)
FAIL_ON = frozenset({"asynctest.fail_on", "asynctest._fail_on.fail_on"})
LENIENT = frozenset({"asynctest.lenient", "asynctest._fail_on.lenient"})
LOOP_OPTIONS = {"use_default_loop", "forbid_get_event_loop"}
# Where `self.loop` may be given a value (`self.loop = Mock(self.loop)`), not only read
REBINDS = (cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.Element, cst.AsName, cst.For, cst.Del)
COROUTINE = asyncio_names("coroutine")
GENERATOR_PATCH = "it decorates a generator, which asynctest's `patch` keeps patched as it runs, unittest's not"
MESSAGE = "asynctest is unmaintained and fails to import on Python 3.11: use `unittest`"


class AsynctestToUnittest(Rule):
    """Replace ``asynctest`` with ``unittest.IsolatedAsyncioTestCase`` and ``unittest.mock``.

    ## Why
    asynctest's last release (0.13, 2019) uses ``asyncio.coroutine``: on 3.11 every test module
    that imports it fails at collection. Since 3.8 the standard library has what it offered:
    ``IsolatedAsyncioTestCase`` (coroutine tests, ``asyncSetUp``/``asyncTearDown``) and
    ``AsyncMock``. ``asynctest.TestCase`` becomes ``IsolatedAsyncioTestCase`` (a coroutine
    ``setUp``/``tearDown`` becomes ``asyncSetUp``/``asyncTearDown``, ``self.loop`` in a coroutine
    method ``asyncio.get_running_loop()``), ``CoroutineMock`` ``AsyncMock``, and the mock and
    unittest names asynctest re-exports (``Mock``, ``patch``, ``call``, ``skip``, ``main``...) the
    standard library's. ``import asynctest`` goes when nothing uses it.
    Example: `fixtures/aio701_asynctest_to_unittest/from_imports`.
    Where ``self.loop`` is also used outside a coroutine method (a sync test handing it to the
    code under test), it stays an attribute, bound to ``asyncio.get_running_loop()`` as
    ``asyncSetUp`` starts (a new one after a sync ``setUp`` where the class has none).
    Example: `fixtures/aio701_asynctest_to_unittest/self_loop_in_sync_test_bound`.
    So it does where a test gives it another value (``self.loop = Mock(self.loop)``, handed to
    the server under test, as in pymodbus 2.5.3).
    Example: `fixtures/aio701_asynctest_to_unittest/self_loop_assigned_bound`.
    A test method that is a plain generator, which asynctest ran as a coroutine (to 3.10
    ``asyncio.iscoroutine`` says a generator is one), becomes ``async def`` with ``await`` for
    each ``yield from`` whose operand is proven awaitable as AIO402 proves it (a call of a
    generator-based or ``async def`` coroutine function, of the file or the project, a future).
    Example: `fixtures/aio701_asynctest_to_unittest/generator_test_awaits`.

    ## Fix safety
    Unsafe. The tests run on a new loop each, as before, but: in debug mode (slow callbacks and
    unawaited coroutines are logged); ``setUp``, the test and ``tearDown`` share one context
    (3.11+), so a context variable set in ``asyncSetUp`` is seen by the test, where asynctest ran
    each in a task of its own; a sync ``setUp`` runs before ``asyncSetUp``; and an ``AsyncMock``
    spec'd on a class makes its coroutine methods ``AsyncMock`` where asynctest made
    ``CoroutineMock`` (the same calls and assertions). After a migrated test no loop is current
    (the standard test case unsets its loop, where asynctest put the default one back): a later
    test that still calls ``asyncio.get_event_loop()`` outside a coroutine gets ``RuntimeError:
    There is no current event loop`` on 3.8 to 3.13, where it got the default loop, so migrate a
    suite whole. Where ``self.loop`` stays, a sync test sees the loop not running, as under
    asynctest (code it hands the loop to may run it), but ``self.loop`` is not bound yet in a
    sync ``setUp``. Where a test gives ``self.loop`` another value, asynctest ran a coroutine
    ``tearDown`` and the cleanups with it, and closed it, in place of its own loop (a mock: none
    of them ran, and its loop stayed open); the standard test case runs them on its own loop.
    A generator test runs as the coroutine asynctest made of it: ``yield from``
    a coroutine or a future and ``await`` it do the same. Proven by
    `fixtures/aio701_asynctest_to_unittest/runs_the_same`,
    `fixtures/aio701_asynctest_to_unittest/runs_the_same_loop_bound`,
    `fixtures/aio701_asynctest_to_unittest/runs_the_same_loop_assigned` and
    `fixtures/aio701_asynctest_to_unittest/runs_the_same_generator_tests`, run with asynctest
    on 3.7 and unittest on 3.9 to 3.13.

    ## Limitations
    Reported without a fix: ``ClockedTestCase``, the ``makeSuite``, ``findTestCases`` and
    ``getTestCaseNames`` asynctest re-exported from unittest (gone in Python 3.13), and
    ``fail_on`` or ``strict`` turning a check on (no equivalent; ``use_default_loop = False``, ``forbid_get_event_loop = False``, ``@lenient``
    and ``@fail_on(...=False)`` ask for asynctest's defaults and are dropped), a class setting
    ``use_default_loop`` or ``forbid_get_event_loop`` to anything else, an ``@asyncio.coroutine``
    set-up or test (AIO402 turns them into ``async def`` first), a generator test with a plain
    ``yield``, a ``yield from`` not proven awaitable, a decorator other than a skip or a pytest
    mark, or parameters over several lines, a generator ``setUp``/``tearDown`` (asynctest never
    ran one) or other generator method, asynctest's ``patch`` on a generator (it kept the patch
    while the generator ran, unittest's only while the call makes it), ``self.loop``
    in a sync ``setUp`` (it runs before ``asyncSetUp``) or, outside coroutine methods, with
    ``setUp`` in several classes of the module, a class that already has
    ``asyncSetUp``/``asyncTearDown``, and a rewrite that would lose a comment. Subclasses in other modules keep a coroutine ``setUp``
    that ``IsolatedAsyncioTestCase`` would not await: migrate them in the same run.
    """

    code = "AIO701"
    name = "asynctest-use"
    min_python = (3, 8)
    safety = Safety.UNSAFE
    trigger_words = ("asynctest",)
    anchors = ("asynctest",)
    facts_words = ("yield from",)  # what a generator test's `yield from` delegates to

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [arg.value for arg in node.bases if self.ctx.resolves_to(arg.value, TEST_CASES)]
        if not bases:
            return
        fix = self.fix(node)
        base = stdlib_ref(self.ctx, fix, "unittest", "IsolatedAsyncioTestCase", isinstance(bases[0], cst.Name))
        family = subclasses_in_module(self.ctx.module, node)
        why = next(filter(None, map(self._why_not, family)), "")
        if base is None or why:
            self.report(bases[0], without_fix(MESSAGE, why or "`IsolatedAsyncioTestCase` is taken here"))
            return
        fix.replace(bases[0], base)
        # `self.loop` outside a coroutine method, or given another value, stays an attribute,
        # bound as the set-up starts
        bound = any(method is None or method.asynchronous is None and not is_generator_test(method)
                    or isinstance(self.ctx.parent(attribute), REBINDS)
                    for cls in family for attribute, method in self_attributes(cls, "loop"))
        for cls in family:
            for func in methods(cls):
                if func.name.value in ASYNC_HOOKS and func.asynchronous is not None:
                    fix.replace(func.name, func.name.with_changes(value=ASYNC_HOOKS[func.name.value]))
                    for call in super_hook_calls(func):
                        fix.replace(call.func.attr, cst.Name(ASYNC_HOOKS[call.func.attr.value]))
            for attribute, method in self_attributes(cls, "loop") if not bound else ():
                fix.replace(attribute, cst.Call(fix.ref("asyncio.get_running_loop")))
            for decorator in (d for func in methods(cls) for d in func.decorators if self._no_checks(d.decorator)):
                fix.remove(decorator)
        # `use_default_loop = False`... ask for the default: the standard test case never does it
        new_methods = {line: None for cls in family for _, line in assigned_in_class(cls, LOOP_OPTIONS)}
        for func in (func for cls in family for func in methods(cls) if is_generator_test(func)):
            new_methods[func] = as_coroutine(self.ctx, fix, func, convertible_yields(self.ctx, func))  # type: ignore[arg-type]
        if any(count_comments(old) for old, new in fix.edits.items() if isinstance(new, cst.RemovalSentinel)) \
                or any(count_comments(line) for line in new_methods if isinstance(line, cst.SimpleStatementLine)):
            self.report(bases[0], without_fix(MESSAGE, "a comment would be lost"))
            return
        replace_methods(fix, family, new_methods)
        if bound and any(func.name.value == "setUp" for cls in family[1:] for func in methods(cls)):
            self.report(bases[0], without_fix(MESSAGE, "`self.loop` outside a coroutine, set-up split over several classes"))
            return
        if bound and not bind_running_loop(fix, node, "loop"):
            self.report(bases[0], without_fix(MESSAGE, "`self.loop` outside a coroutine, in a subclass only"))
            return
        self.report(bases[0], MESSAGE, fix=fix)

    def _why_not(self, node: cst.ClassDef) -> str:
        names = {func.name.value for func in methods(node)}
        for option, line in assigned_in_class(node, LOOP_OPTIONS):
            if not _sets_false(line):
                return f"`{option} = True` has no standard-library equivalent"
        if names & set(ASYNC_HOOKS.values()):
            return "the class already has `asyncSetUp` or `asyncTearDown`"
        for func in methods(node):
            if func.asynchronous is None and (func.decorators and func.name.value in ASYNC_HOOKS or is_generator(func)):
                name = func.name.value
                if any(self.ctx.resolves_to(d.decorator, COROUTINE) for d in func.decorators):
                    return f"`{name}` is a generator-based coroutine: make it `async def` first (AIO402)"
                if is_generator_test(func):
                    why = convertible_yields(self.ctx, func)
                    if isinstance(why, str):
                        return why
                elif name not in ASYNC_HOOKS:
                    return f"`{name}` is a generator a test may run as a coroutine: make it `async def` by hand"
                elif is_generator(func):
                    return f"`{name}` is a generator, which asynctest never ran: make it `async def` by hand if it should run"
                else:
                    return f"`{name}` has a decorator that may make it a coroutine function"
        for _, method in self_attributes(node, "loop"):
            if method is not None and method.name.value == "setUp" and method.asynchronous is None:
                return "`self.loop` in a sync `setUp`, which runs before the loop"
        return ""

    def _no_checks(self, decorator: cst.BaseExpression) -> bool:
        """``@fail_on(...)`` turning checks off only, or ``@lenient``: what the default already does."""
        if isinstance(decorator, cst.Call):
            return self.ctx.resolves_to(decorator.func, FAIL_ON) and all(
                arg.keyword is not None and _literal_false(arg.value) for arg in decorator.args)
        return self.ctx.resolves_to(decorator, LENIENT)

    def visit_Name(self, node: cst.Name) -> None:
        parent = self.ctx.parent(node)
        if not isinstance(parent, (cst.ImportAlias, cst.AsName)) and not (isinstance(parent, cst.Attribute) and parent.attr is node):
            self._reference(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._reference(node)

    def _reference(self, node: cst.BaseExpression) -> None:
        if not self.ctx.resolves_to(node, NAMES):
            return
        name = next(iter(self.ctx.qualified_names(node))).rpartition(".")[2]
        holder = self.ctx.parent(self.ctx.parent(node))
        if name == "TestCase" and isinstance(holder, cst.ClassDef) and any(arg.value is node for arg in holder.bases):
            return  # the class's own fix
        if name in NO_EQUIVALENT:
            decorator = holder if isinstance(holder, cst.Decorator) else self.ctx.parent(node)
            if not (isinstance(decorator, cst.Decorator) and self._no_checks(decorator.decorator)):
                self.report(node, without_fix(MESSAGE, NO_EQUIVALENT[name]))
            return
        module, new_name = TARGETS[name]
        binding = import_binding(self.ctx, node) if isinstance(node, cst.Name) else None
        if binding and name != "TestCase" and (binding[2] is not None or new_name == name):
            return  # the import statement's fix
        if name == "patch" and self._decorates_generator(node):
            self.report(node, without_fix(MESSAGE, GENERATOR_PATCH))
            return
        fix = self.fix(node)
        new = stdlib_ref(self.ctx, fix, module, new_name, isinstance(node, cst.Name))
        if new is None:
            self.report(node, without_fix(MESSAGE, f"`{new_name}` is taken here"))
            return
        self.report(node, MESSAGE, fix=fix.replace(node, new))

    def _decorates_generator(self, node: cst.CSTNode) -> bool:
        """``node`` (``patch``, ``patch.object``) is in a decorator of a plain generator function."""
        while node is not None and not isinstance(node, (cst.Decorator, cst.BaseStatement)):
            node = self.ctx.parent(node)
        func = self.ctx.parent(node) if isinstance(node, cst.Decorator) else None
        return isinstance(func, cst.FunctionDef) and func.asynchronous is None and is_generator(func)

    def _generator_decorators(self) -> frozenset:
        """The asynctest ``patch`` names (``asynctest.mock.patch``) that decorate a plain generator
        function here."""
        found = set()
        for func in m.findall(self.ctx.module, m.FunctionDef(asynchronous=None)):
            for decorator in func.decorators if is_generator(func) else ():
                target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
                while isinstance(target, cst.Attribute) and not self.ctx.qualified_names(target) & NAMES:
                    target = target.value
                found |= self.ctx.qualified_names(target) & PATCHES
        return frozenset(found)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = cst.helpers.get_full_name_for_node(node.module) if node.module and not node.relative else None
        if module not in MODULES or isinstance(node.names, cst.ImportStar):
            return
        kept_back = self._generator_decorators()
        moved = [alias for alias in node.names if alias.evaluated_name in TARGETS and alias.evaluated_name != "TestCase"
                 and (alias.asname is not None or TARGETS[alias.evaluated_name][1] == alias.evaluated_name)
                 and f"{module}.{alias.evaluated_name}" not in kept_back]
        line = self.ctx.parent(node)
        if not moved or not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return
        kept = [alias for alias in node.names if alias not in moved]
        fix = self.fix(node)
        for alias in moved:
            target_module, target = TARGETS[alias.evaluated_name]
            fix.add_import(target_module, target, alias.evaluated_alias)
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            new = node.with_changes(names=kept)
            fix.replace(node, new)
            dropped = loses_comments(node, [new])
        else:
            fix.remove(line)
            dropped = loses_comments(line, [])
        self.report(node, MESSAGE if not dropped else without_fix(MESSAGE, "comments"), fix=None if dropped else fix)


def _literal_false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def _sets_false(line: cst.SimpleStatementLine) -> bool:
    small = line.body[0]
    return len(line.body) == 1 and isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None \
        and _literal_false(small.value)
