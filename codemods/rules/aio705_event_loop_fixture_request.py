import libcst as cst

from ..kit.findings import without_fix
from ..kit.syntax import names_in
from ..kit.testcases import is_pytest_fixture, is_test_function
from ..model import Safety
from ..rule import Rule

MESSAGE = "the `event_loop` fixture was removed in pytest-asyncio 1.0: use `asyncio.get_running_loop()`"
# Tests another framework runs: their `event_loop` was a loop of its own, never the running one
OTHER_RUNNERS = frozenset({"pytest.mark.trio", "pytest.mark.anyio"})


class EventLoopFixtureRequest(Rule):
    """Ask for the running loop instead of requesting pytest-asyncio's ``event_loop`` fixture.

    ## Why
    pytest-asyncio deprecated the ``event_loop`` fixture in 0.22 and removed it in 1.0: a test
    or fixture that requests it fails with "fixture 'event_loop' not found". Its migration guide
    says what to do: an ``async def`` test or fixture drops the ``event_loop`` parameter and gets
    the loop from ``asyncio.get_running_loop()``. The fix binds ``event_loop = asyncio.get_running_loop()``
    as the body's first statement, so the rest of the body reads as before.
    Example: `fixtures/aio705_event_loop_fixture_request/basic`.

    ## Fix safety
    Safe: pytest-asyncio runs an ``async def`` test or fixture on the loop its ``event_loop``
    fixture gave, so inside it the running loop is that loop, before and after the fix
    (`fixtures/aio705_event_loop_fixture_request/runs_the_same`, run with pytest-asyncio 0.21
    before and 1.x after). Only the order in which pytest sets fixtures up may differ, as the
    request no longer names ``event_loop``. A test that trio or anyio runs (``@pytest.mark.trio``,
    ``@pytest.mark.anyio``) and never reads ``event_loop`` (pyee 9.0.4 has one) loses the request
    as an unsafe fix: pytest-asyncio made that loop for it and made it the current loop until
    0.22, which code inside it calling ``asyncio.get_event_loop()`` would have got.
    Example: `fixtures/aio705_event_loop_fixture_request/trio_test_unused_request_unsafe`.

    ## Limitations
    Reported without a fix: a plain ``def`` test or fixture that requests ``event_loop`` (it has
    no running loop: make it ``async def`` first, as the migration guide says), and a trio or
    anyio test that reads it (it never ran on that loop). A project that
    overrides ``event_loop`` is AIO704's business. Only functions named ``test_*`` and functions
    decorated as fixtures (``pytest.fixture``, ``pytest_asyncio.fixture``), in a module that
    imports pytest or pytest_asyncio, are looked at (a test module in auto mode may import neither:
    it is left alone); a parameter named ``event_loop`` anywhere else is an ordinary parameter.
    """

    code = "AIO705"
    name = "event-loop-fixture-request"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("event_loop",)
    anchors = ("pytest", "pytest_asyncio")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        param = next((p for p in node.params.params if p.name.value == "event_loop"), None)
        if param is None or node.name.value == "event_loop" or not self.ctx.may_refer_to(self.anchors):
            return
        if not (is_test_function(self.ctx, node) or is_pytest_fixture(self.ctx, node)):
            return
        if node.asynchronous is None:
            self.report(param, without_fix(MESSAGE, "a plain `def` has no running loop: make it `async def` first"))
            return
        used = "event_loop" in names_in(node.body)
        other_runner = any(self.ctx.resolves_to(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator,
                                                OTHER_RUNNERS) for d in node.decorators)
        if other_runner and used:
            self.report(param, without_fix(MESSAGE, "trio or anyio runs it: no running loop is the fixture's"))
            return
        fix = self.fix(node)
        params = [p for p in node.params.params if p is not param]
        if params:
            params[-1] = params[-1].with_changes(comma=node.params.params[-1].comma)
        body = list(node.body.body)
        if used:
            binding = fix.parse_statement("event_loop = {getter}()", getter=fix.ref("asyncio.get_running_loop"))
            at = 1 if body and _is_docstring(body[0]) else 0
            body.insert(at, binding)
        new = node.with_changes(params=node.params.with_changes(params=params), body=node.body.with_changes(body=body))
        self.report(param, MESSAGE, fix=fix.replace(node, new), unsafe=other_runner)


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
