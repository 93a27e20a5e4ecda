from typing import Dict, List

import libcst as cst

from ..kit.findings import without_fix
from ..kit.loop_tests import (
    SET_LOOP, MethodEdits, awaited, awaited_in_assert_raises, awaited_in_place, check_conversions,
    in_comprehension, loop_running_functions, one_round, replace_methods, rewritten_method, set_loop_lines,
    whole_line,
)
from ..kit.names import asyncio_names, is_call_to
from ..kit.testcases import ASYNC_HOOKS, methods, self_attributes, stdlib_ref, subclasses_in_module
from ..loops import NoFix
from ..model import Safety
from ..rule import Rule

TEST_CASE = frozenset({"unittest.TestCase", "unittest.case.TestCase"})
NEW_LOOP = asyncio_names("new_event_loop")
# What a running loop does otherwise, or must not be asked to do.
RUNS_LOOP = frozenset({"run_until_complete", "run_forever", "stop", "close", "is_running"})
# Test helpers that run the loop they are handed: a running loop makes them raise RuntimeError.
LOOP_RUNNERS = frozenset({"asyncio.test_utils.run_briefly", "aiohttp.test_utils.run_briefly",
                          "aiohttp.test_utils.teardown_test_loop"})
MESSAGE = "test case drives an event loop by hand: use `unittest.IsolatedAsyncioTestCase`"


class UnittestEventLoop(Rule):
    """Make a ``unittest.TestCase`` that runs its own event loop an ``IsolatedAsyncioTestCase``.

    ## Why
    Before 3.8 a test of asyncio code made a loop in ``setUp`` (``self.loop =
    asyncio.new_event_loop()``), closed it in ``tearDown`` and ran each coroutine with
    ``self.loop.run_until_complete(...)``. ``IsolatedAsyncioTestCase`` does all of that: tests are
    ``async def`` and ``await``, coroutine set-up goes to ``asyncSetUp``. The fix drops the loop's
    creation, ``set_event_loop`` and ``close()`` lines (and a hook left empty), turns each
    ``self.loop.run_until_complete(x)`` into ``await x`` in tests, ``setUp`` and ``tearDown``
    (these become ``asyncSetUp`` and ``asyncTearDown``), and swaps the base class. Subclasses in
    the same module that use the loop are migrated with it.
    Example: `fixtures/aio702_unittest_event_loop/basic`.
    Where the loop is also used otherwise (handed to the code under test, ``call_soon``,
    ``create_future``, ``set_default_executor``...), ``self.loop`` stays: ``setUp`` becomes
    ``asyncSetUp`` and binds it to ``asyncio.get_running_loop()``, the test case's own loop.
    Example: `fixtures/aio702_unittest_event_loop/setup_configures_loop`.
    ``self.loop.stop()`` followed by ``self.loop.run_forever()`` (one more round of the loop)
    becomes ``await asyncio.sleep(0)``.
    Example: `fixtures/aio702_unittest_event_loop/one_more_round_in_teardown`.
    A helper method that runs the loop becomes ``async def`` and its calls in tests and hooks
    are awaited (`fixtures/aio702_unittest_event_loop/helper_method_awaited`);
    ``self.assertRaises(E, self.loop.run_until_complete, x)`` becomes ``with
    self.assertRaises(E): await x``.

    ## Fix safety
    Unsafe. The test's loop is now the current loop (``set_event_loop(None)`` is gone) and runs
    in debug mode; each test, with its set-up and tear-down, is one task (where each
    ``run_until_complete`` made a task of its own: ``current_task()`` and context variables
    differ); tasks still pending when the test ends are cancelled, async generators finalized
    and the default executor shut down, where the old loop was closed with them pending. A sync
    ``setUp`` left in place runs before ``asyncSetUp``. ``run_until_complete`` ran the loop one
    more round after its argument finished (a task the argument started got a step before the
    test went on); after ``await`` it gets none until the test awaits again. After a migrated
    test no loop is current: a later test that still calls ``asyncio.get_event_loop()`` outside a
    coroutine gets ``RuntimeError: There is no current event loop`` on 3.8 to 3.13, where it got
    the default loop (or the closed loop of a ``setUp`` that set it), so migrate a suite whole.
    ``await x`` starts ``x`` at once, where ``run_until_complete`` wrapped it in a task that
    started after the callbacks already scheduled: a callback a test scheduled and then ran
    the loop for now runs after the coroutine's first step
    (`fixtures/aio702_unittest_event_loop/starts_before_scheduled_callbacks`, which passed and
    now fails). Where ``self.loop`` stays, the code it is handed gets a loop that is running
    during an ``async def`` test (its ``is_running()`` is true; its ``run_until_complete`` and
    ``run_forever`` raise ``RuntimeError``) and in debug mode; the set-up runs inside the loop
    (after any sync ``setUp`` of a subclass); callbacks and tasks a test scheduled and never ran
    now run, or are cancelled, as the test ends. A test that stays a plain ``def`` sees the
    loop not running, as before. ``await asyncio.sleep(0)`` in place of ``stop()`` and
    ``run_forever()`` runs the callbacks already scheduled before the test goes on, as that
    round did, but I/O callbacks of that round may run after it. A caller of a helper made
    ``async def`` in another module (a subclass) now gets a coroutine. In ``with
    self.assertRaises(E): await x``, ``x`` is evaluated inside the block: an ``E`` raised while
    making the coroutine, which failed the test, is now caught.
    Proven by
    `fixtures/aio702_unittest_event_loop/runs_the_same` and
    `fixtures/aio702_unittest_event_loop/runs_the_same_loop_kept`, run on 3.7 before and 3.9 to
    3.13 after.

    ## Limitations
    Reported without a fix, with the reason: a loop a running loop cannot stand in for
    (``run_forever`` and ``stop`` but for the pair above, ``is_running``, ``close`` but as a
    statement of its own, any of them or ``run_until_complete`` in a nested function or a
    comprehension),
    ``self.loop`` assigned again, a helper method that runs the loop and is used other than by
    a direct call in a test or hook (passed on, called in a nested function or by another
    helper), a test or hook that becomes a coroutine and hands the loop to a helper known to run
    it (``run_briefly`` of ``asyncio.test_utils`` or ``aiohttp.test_utils``, or a function of the
    module that calls ``run_until_complete`` or ``run_forever`` on a parameter; a plain test that
    does is left a plain test, `fixtures/aio702_unittest_event_loop/runner_in_sync_test`), set-up
    split over several classes,
    a test decorated with something that may not take a coroutine function, an ``async def``
    test (unittest never ran it), and a dropped line holding a comment. Subclasses in other
    modules are not seen: they keep using ``self.loop``. Only loops from ``new_event_loop()``
    are migrated.
    """

    code = "AIO702"
    name = "unittest-event-loop"
    min_python = (3, 8)
    safety = Safety.UNSAFE
    trigger_words = ("new_event_loop",)  # what it recognises: `self.<attr> = asyncio.new_event_loop()` in setUp
    anchors = tuple(NEW_LOOP)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [arg.value for arg in node.bases if self.ctx.resolves_to(arg.value, TEST_CASE)]
        setup = next((f for f in methods(node) if f.name.value == "setUp" and f.asynchronous is None), None)
        creation = next((line for line in _creations(self.ctx, setup)), None) if bases and setup else None
        if creation is None:
            return
        attr = creation.body[0].targets[0].target.attr.value
        fix = self.fix(node)
        family = subclasses_in_module(self.ctx.module, node)
        try:
            edits = self._plan(family, attr, creation, fix)
            base = stdlib_ref(self.ctx, fix, "unittest", "IsolatedAsyncioTestCase", isinstance(bases[0], cst.Name))
            if base is None:
                raise NoFix("`IsolatedAsyncioTestCase` is taken here")
            replace_methods(fix, family, {method: rewritten_method(method, changes) for method, changes in edits.items()})
        except NoFix as reason:
            self.report(bases[0], without_fix(MESSAGE, str(reason)))
            return
        self.report(bases[0], MESSAGE, fix=fix.replace(bases[0], base))

    def _plan(self, family: List[cst.ClassDef], attr: str, creation, fix) -> Dict[cst.FunctionDef, MethodEdits]:
        edits: Dict[cst.FunctionDef, MethodEdits] = {}
        kept = False
        for cls in family:
            for method in methods(cls):
                if method.name.value in ASYNC_HOOKS:
                    edits.setdefault(method, MethodEdits()).drop.extend(set_loop_lines(self.ctx, method))
            for attribute, method in self_attributes(cls, attr):
                kept |= self._use(attribute, method, edits.setdefault(method, MethodEdits()), creation, fix)
        for helper in [method for method, changes in edits.items() if method and not runs_tests(method) and (
                changes.awaits or changes.lines)]:
            self._await_calls_of(helper, family, edits)
        if kept:  # the loop stays an attribute: the test case's own loop, bound as the set-up starts running
            setup = edits[self.ctx.parent(self.ctx.parent(creation))]
            setup.drop.remove(creation)
            assign = creation.body[0]
            setup.lines[creation] = creation.with_changes(
                body=[assign.with_changes(value=cst.Call(fix.ref("asyncio.get_running_loop")))])
        edits.pop(None, None)
        for method, changes in edits.items():
            runner = next((c for c in changes.runners if changes.awaits or changes.lines), None)
            if runner is not None:
                name = cst.helpers.get_full_name_for_node(runner.func) or "a function"
                raise NoFix(f"`{method.name.value}` hands the loop to `{name}`, which runs it")
        check_conversions(self.ctx, family, edits)
        return {method: changes for method, changes in edits.items() if changes.drop or changes.awaits or changes.lines}

    def _use(self, attribute: cst.Attribute, method, changes: MethodEdits, creation, fix) -> bool:
        """Plan what becomes of one use of the loop; True when it keeps the loop an attribute."""
        parent = self.ctx.parent(attribute)
        line = self.ctx.parent(self.ctx.parent(parent)) if isinstance(parent, cst.AssignTarget) else None
        call = self.ctx.parent(parent)
        use = parent.attr.value if isinstance(parent, cst.Attribute) and parent.value is attribute else None
        if line is creation:
            changes.drop.append(line)
        elif method is None:
            if use in RUNS_LOOP or isinstance(parent, (cst.AssignTarget, cst.AugAssign)):
                raise NoFix(f"the loop is {'assigned' if use is None else f'used for `{use}`'} in a nested function")
            return True
        elif isinstance(parent, cst.Arg) and is_call_to(self.ctx, call, SET_LOOP) and whole_line(self.ctx, call):
            changes.drop.append(whole_line(self.ctx, call))
        elif use == "close" and isinstance(call, cst.Call) and not call.args and whole_line(self.ctx, call):
            changes.drop.append(whole_line(self.ctx, call))
        elif use == "close" and _cleanup_line(self.ctx, call):
            changes.drop.append(_cleanup_line(self.ctx, call))
        elif use == "run_until_complete" and isinstance(call, cst.Call):
            _not_in_comprehension(self.ctx, method, call)
            changes.awaits[call] = awaited(self.ctx, call)
        elif use == "run_until_complete" and isinstance(call, cst.Arg) and _in_assert_raises(self.ctx, call, parent):
            checking = self.ctx.parent(call)
            _not_in_comprehension(self.ctx, method, checking)
            changes.lines[whole_line(self.ctx, checking)] = _in_assert_raises(self.ctx, call, parent)
        elif use in ("stop", "run_forever") and one_round(self.ctx, call, attribute):
            stop, forever = one_round(self.ctx, call, attribute)
            _not_in_comprehension(self.ctx, method, call)
            if use == "stop":  # `loop.stop(); loop.run_forever()` runs the loop one more round
                changes.lines[stop] = fix.parse_statement("await {sleep}(0)\n", sleep=fix.ref("asyncio.sleep")) \
                    .with_changes(leading_lines=stop.leading_lines)
                changes.drop.append(forever)
        elif use in RUNS_LOOP:
            raise NoFix(f"the loop is also used for `{use}`")
        elif isinstance(parent, (cst.AssignTarget, cst.AugAssign)):
            raise NoFix("`self.loop` is assigned again")
        else:
            if isinstance(parent, cst.Arg) and self._runs_loop(self.ctx.parent(parent)):
                changes.runners.append(self.ctx.parent(parent))
            return True
        return False

    def _runs_loop(self, call: cst.CSTNode) -> bool:
        """A call of a function known to run the loop it is handed, or one of this module that does."""
        if not isinstance(call, cst.Call):
            return False
        func = call.func
        local = isinstance(func, cst.Name) and func.value in loop_running_functions(self.ctx.module) \
            and self.ctx.qualified_names(func) == {func.value}
        return local or is_call_to(self.ctx, call, LOOP_RUNNERS)

    def _await_calls_of(self, helper: cst.FunctionDef, family: List[cst.ClassDef], edits) -> None:
        """A helper method that runs the loop becomes a coroutine: each call of it, in a test or
        a hook of the family, is awaited."""
        for cls in family:
            for attribute, caller in self_attributes(cls, helper.name.value):
                call = self.ctx.parent(attribute)
                if caller is None or not runs_tests(caller) or not (isinstance(call, cst.Call) and call.func is attribute) \
                        or in_comprehension(self.ctx, call, caller):
                    raise NoFix(f"the helper `{helper.name.value}` runs the loop: its callers would have to await it")
                edits.setdefault(caller, MethodEdits()).awaits[call] = awaited_in_place(self.ctx, call, call)


def runs_tests(method: cst.FunctionDef) -> bool:
    """A test or a set-up or tear-down hook: what IsolatedAsyncioTestCase awaits."""
    return method.name.value.startswith("test") or method.name.value in ASYNC_HOOKS


def _not_in_comprehension(ctx, method: cst.FunctionDef, call: cst.Call) -> None:
    if in_comprehension(ctx, call, method):
        raise NoFix(f"`{call.func.attr.value}` in a comprehension")


def _in_assert_raises(ctx, arg: cst.Arg, run: cst.Attribute):
    """``with self.assertRaises(E): await x`` for ``self.assertRaises(E, self.loop.run_until_complete, x)``."""
    return awaited_in_assert_raises(ctx, ctx.parent(arg), lambda func: func is run)


def _creations(ctx, setup: cst.FunctionDef):
    """``self.<attr> = asyncio.new_event_loop()`` lines of ``setUp``'s own body."""
    receiver = setup.params.params[0].name.value if setup.params.params else None
    for stmt in setup.body.body:
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
        if isinstance(small, cst.Assign) and len(small.targets) == 1 and is_call_to(ctx, small.value, NEW_LOOP):
            target = small.targets[0].target
            if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) and target.value.value == receiver:
                yield stmt


def _cleanup_line(ctx, arg):
    """The line ``self.addCleanup(<arg>)``, where ``arg`` is its one argument."""
    call = ctx.parent(arg)
    if isinstance(arg, cst.Arg) and isinstance(call, cst.Call) and len(call.args) == 1 \
            and isinstance(call.func, cst.Attribute) and call.func.attr.value == "addCleanup":
        return whole_line(ctx, call)
    return None
