from typing import List, Optional

import libcst as cst

from ..kit.findings import without_fix
from ..kit.names import asyncio_names
from ..kit.syntax import keyword_arg
from ..kit.testcases import is_pytest_fixture, is_test_function
from ..lazy import matchers as m
from ..model import Safety
from ..rule import Rule

ASYNCIO_MARK = frozenset({"pytest.mark.asyncio"})
ASYNC_FIXTURE = frozenset({"pytest_asyncio.fixture", "pytest_asyncio.plugin.fixture"})
NEW_LOOP = asyncio_names("new_event_loop", "get_event_loop")
SCOPES = ("function", "class", "module", "package", "session")
MESSAGE = "`event_loop` fixture overridden: pytest-asyncio 1.0 ignores it; use `loop_scope`"
FACTORIES = "make loops in a `pytest_asyncio_loop_factories` hook in conftest.py (pytest-asyncio 1.5)"


class EventLoopFixtureOverride(Rule):
    """Give tests and fixtures ``loop_scope`` instead of overriding pytest-asyncio's ``event_loop`` fixture.

    ## Why
    Before pytest-asyncio 0.22 a module-wide (or session-wide) loop was made by overriding the
    ``event_loop`` fixture with a wider scope. 1.0 removed that fixture: the override is an
    ordinary fixture nothing asks for, and each test silently gets a loop of its own, so objects
    a module-scoped fixture bound to its loop break. pytest-asyncio's migration guide says to
    name the scope instead: ``@pytest.mark.asyncio(loop_scope="module")`` on the tests,
    ``@pytest_asyncio.fixture(loop_scope="module")`` on the async fixtures (or ``pytestmark =
    pytest.mark.asyncio(loop_scope="module")`` where tests carry no mark, as in auto mode), and
    drop the override. The fix writes the scopes; the override itself stays (asyncio-upgrade never
    deletes a top-level function), and ``check`` then reports it as unused, to delete by hand.
    The project-wide spelling is the configuration options
    ``asyncio_default_fixture_loop_scope`` and ``asyncio_default_test_loop_scope``, which a
    rule cannot write: an override in a ``conftest.py`` (a module without tests) is reported
    with that advice.
    Example: `fixtures/aio704_event_loop_fixture_override/basic`.

    ## Fix safety
    Unsafe: the loop of the scope is made by pytest-asyncio's runner, not by the fixture, so a
    loop made another way (``get_event_loop()``) becomes a new loop, and its context variables
    are shared across the scope. Proven by `fixtures/aio704_event_loop_fixture_override/runs_the_same`,
    run with pytest-asyncio 0.21 before and 1.x after.

    ## Limitations
    Only an override whose body is ``loop = <new or current loop>``, ``yield loop``,
    ``loop.close()`` (a ``request`` parameter allowed) is rewritten; one that also sets a policy
    or a loop class, and an overridden ``event_loop_policy`` fixture (deprecated in 1.5), are
    reported with the 1.x way (a ``pytest_asyncio_loop_factories`` hook). Reported without a
    fix: a function-scoped override (only
    deleting it is left to do), a
    module without tests (a ``conftest.py``), a module that already sets ``pytestmark``, async
    tests with and without marks in one module, an async fixture declared with
    ``@pytest.fixture`` (auto mode: declare it with ``pytest_asyncio.fixture``), and a plain
    ``def`` that requests ``event_loop`` (AIO705 says what to do).
    """

    code = "AIO704"
    name = "event-loop-fixture-override"
    min_python = (3, 9)  # pytest-asyncio 1.0
    safety = Safety.UNSAFE
    trigger_words = ("event_loop",)
    anchors = ("pytest",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value not in ("event_loop", "event_loop_policy") or not is_pytest_fixture(self.ctx, node) \
                or not isinstance(self.ctx.parent(node), (cst.Module, cst.IndentedBlock)):
            return
        if node.name.value == "event_loop_policy":
            self.report(node.name, f"`event_loop_policy` fixture overridden: deprecated since pytest-asyncio 1.5; {FACTORIES}")
            return
        scope = self._scope(node)
        if scope is None or not self._plain(node) or not isinstance(self.ctx.parent(node), cst.Module):
            self.report(node.name, without_fix(MESSAGE, f"it does more than make a loop (a policy, a loop class): {FACTORIES}"))
            return
        try:
            fix = self._fix(node, scope)
        except ValueError as reason:
            self.report(node.name, without_fix(MESSAGE, str(reason)))
            return
        if not fix.edits:
            why = "each test gets a new loop" if scope == "function" else f'the tests name `loop_scope="{scope}"`'
            self.report(node.name, f"`event_loop` fixture overridden: unused since pytest-asyncio 1.0 ({why}); delete it")
            return
        self.report(node.name, MESSAGE, fix=fix)

    def _scope(self, node: cst.FunctionDef) -> Optional[str]:
        """The scope the fixture's only decorator gives it (None: not a literal)."""
        decorator = node.decorators[0].decorator
        arg = keyword_arg(decorator, "scope") if isinstance(decorator, cst.Call) else None
        if arg is not None and not isinstance(arg.value, cst.SimpleString):
            return None
        scope = arg.value.evaluated_value if arg is not None else "function"
        return scope if scope in SCOPES and len(node.decorators) == 1 else None

    def _plain(self, node: cst.FunctionDef) -> bool:
        """``loop = <new or current loop>``, ``yield loop``, ``loop.close()`` (a ``request`` parameter allowed)."""
        params = [p.name.value for p in node.params.params]
        body = m.IndentedBlock([
            m.SimpleStatementLine([m.Assign([m.AssignTarget(m.Name("loop"))], m.Call(args=[]))]),
            m.SimpleStatementLine([m.Expr(m.Yield(m.Name("loop")))]),
            m.SimpleStatementLine([m.Expr(m.Call(m.Attribute(m.Name("loop"), m.Name("close")), args=[]))]),
        ])
        if node.asynchronous or params not in ([], ["request"]) or not m.matches(node.body, body):
            return False
        call = node.body.body[0].body[0].value
        return self.ctx.resolves_to(call.func, NEW_LOOP) or self.ctx.call_name(call) == "asyncio.get_event_loop_policy().new_event_loop"

    def _fix(self, node: cst.FunctionDef, scope: str):
        module = self.ctx.module
        functions = [f for f in _functions(module)]
        tests = [f for f in functions if is_test_function(self.ctx, f)]
        if not tests:
            raise ValueError(f"no tests here (a conftest.py?): set `asyncio_default_fixture_loop_scope = {scope}` "
                             f"and `asyncio_default_test_loop_scope = {scope}` in the pytest configuration")
        pytestmark = m.SimpleStatementLine([m.Assign([m.AssignTarget(m.Name("pytestmark"))])])
        if any(m.matches(stmt, pytestmark) for stmt in module.body):
            if "loop_scope" in self.ctx.code_for(next(s for s in module.body if m.matches(s, pytestmark))):
                return self.fix(node)  # ours: nothing left to do
            raise ValueError("the module already sets `pytestmark`")
        if any(f.asynchronous is None and "event_loop" in [p.name.value for p in f.params.params] for f in functions):
            raise ValueError("a plain `def` requests `event_loop`")
        fix = self.fix(node)
        marks = []
        for test in (t for t in tests if t.asynchronous is not None):
            mark = next((d for d in test.decorators if self._decorates(d, ASYNCIO_MARK)), None)
            marks.append(mark)
            if mark is not None and scope != "function" and not _has_loop_scope(mark.decorator):
                fix.replace(mark.decorator, _with_loop_scope(mark.decorator, scope))
        for fixture in (f for f in functions if f.asynchronous is not None and is_pytest_fixture(self.ctx, f)):
            decorator = next((d for d in fixture.decorators if self._decorates(d, ASYNC_FIXTURE)), None)
            if decorator is None:
                raise ValueError(f"the async fixture `{fixture.name.value}` is declared with `pytest.fixture`")
            if scope != "function" and not _has_loop_scope(decorator.decorator):
                fix.replace(decorator.decorator, _with_loop_scope(decorator.decorator, scope))
        if marks and all(mark is None for mark in marks) and scope != "function":
            mark = fix.parse_statement(f'pytestmark = {{mark}}(loop_scope="{scope}")', mark=fix.ref("pytest.mark.asyncio"))
            return fix.replace(node, cst.FlattenSentinel([node, mark.with_changes(leading_lines=[cst.EmptyLine()] * 2)]))
        if any(mark is None for mark in marks):
            raise ValueError("async tests with and without `@pytest.mark.asyncio`")
        return fix

    def _decorates(self, decorator: cst.Decorator, names) -> bool:
        target = decorator.decorator
        return self.ctx.resolves_to(target.func if isinstance(target, cst.Call) else target, names)


def _functions(module: cst.Module) -> List[cst.FunctionDef]:
    """Module-level functions and the methods of module-level classes."""
    found = []
    for stmt in module.body:
        if isinstance(stmt, cst.FunctionDef):
            found.append(stmt)
        elif isinstance(stmt, cst.ClassDef) and isinstance(stmt.body, cst.IndentedBlock):
            found += [s for s in stmt.body.body if isinstance(s, cst.FunctionDef)]
    return found


def _with_loop_scope(decorator: cst.BaseExpression, scope: str) -> cst.Call:
    """``mark`` or ``mark(...)`` as ``mark(..., loop_scope="<scope>")``."""
    arg = cst.Arg(cst.SimpleString(f'"{scope}"'), keyword=cst.Name("loop_scope"),
                  equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    if not isinstance(decorator, cst.Call):
        return cst.Call(decorator, [arg])
    args = list(decorator.args)
    if args:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return decorator.with_changes(args=[*args, arg])


def _has_loop_scope(decorator: cst.BaseExpression) -> bool:
    return isinstance(decorator, cst.Call) and keyword_arg(decorator, "loop_scope") is not None
