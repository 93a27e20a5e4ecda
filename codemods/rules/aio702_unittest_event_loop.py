from typing import Dict, List

import libcst as cst

from ..kit.findings import without_fix
from ..kit.loop_tests import (
    SET_LOOP, MethodEdits, awaited, check_conversions, in_comprehension, replace_methods, rewritten_method,
    set_loop_lines, whole_line,
)
from ..kit.names import asyncio_names, is_call_to
from ..kit.testcases import ASYNC_HOOKS, methods, self_attributes, stdlib_ref, subclasses_in_module
from ..loops import NoFix
from ..model import Safety
from ..rule import Rule

TEST_CASE = frozenset({"unittest.TestCase", "unittest.case.TestCase"})
NEW_LOOP = asyncio_names("new_event_loop")
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
    Proven by
    `fixtures/aio702_unittest_event_loop/runs_the_same`, run on 3.7 before and 3.9 to 3.13 after.

    ## Limitations
    Reported without a fix, with the reason: a loop used for anything else (``call_soon``,
    passed to a constructor, used in a nested function or a comprehension), ``run_until_complete``
    in a helper method (its callers would have to await it), set-up split over several classes,
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
            edits = self._plan(family, attr, creation)
            base = stdlib_ref(self.ctx, fix, "unittest", "IsolatedAsyncioTestCase", isinstance(bases[0], cst.Name))
            if base is None:
                raise NoFix("`IsolatedAsyncioTestCase` is taken here")
            replace_methods(fix, family, {method: rewritten_method(method, changes) for method, changes in edits.items()})
        except NoFix as reason:
            self.report(bases[0], without_fix(MESSAGE, str(reason)))
            return
        self.report(bases[0], MESSAGE, fix=fix.replace(bases[0], base))

    def _plan(self, family: List[cst.ClassDef], attr: str, creation) -> Dict[cst.FunctionDef, MethodEdits]:
        edits: Dict[cst.FunctionDef, MethodEdits] = {}
        for cls in family:
            for method in methods(cls):
                if method.name.value in ASYNC_HOOKS:
                    edits.setdefault(method, MethodEdits()).drop.extend(set_loop_lines(self.ctx, method))
            for attribute, method in self_attributes(cls, attr):
                if method is None:
                    raise NoFix("the loop is used in a nested function")
                self._use(attribute, method, edits.setdefault(method, MethodEdits()), creation)
        check_conversions(self.ctx, family, edits)
        return {method: changes for method, changes in edits.items() if changes.drop or changes.awaits}

    def _use(self, attribute: cst.Attribute, method: cst.FunctionDef, changes: MethodEdits, creation) -> None:
        parent = self.ctx.parent(attribute)
        line = self.ctx.parent(self.ctx.parent(parent)) if isinstance(parent, cst.AssignTarget) else None
        call = self.ctx.parent(parent)
        if line is creation:
            changes.drop.append(line)
        elif isinstance(parent, cst.Arg) and is_call_to(self.ctx, call, SET_LOOP) and whole_line(self.ctx, call):
            changes.drop.append(whole_line(self.ctx, call))
        elif isinstance(parent, cst.Attribute) and parent.attr.value == "close" and isinstance(call, cst.Call) \
                and not call.args and whole_line(self.ctx, call):
            changes.drop.append(whole_line(self.ctx, call))
        elif isinstance(parent, cst.Attribute) and parent.attr.value == "close" and _cleanup_line(self.ctx, call):
            changes.drop.append(_cleanup_line(self.ctx, call))
        elif isinstance(parent, cst.Attribute) and parent.attr.value == "run_until_complete" and isinstance(call, cst.Call):
            if not (method.name.value.startswith("test") or method.name.value in ASYNC_HOOKS):
                raise NoFix(f"`run_until_complete` in the helper `{method.name.value}`: its callers would have to await it")
            if in_comprehension(self.ctx, call, method):
                raise NoFix("`run_until_complete` in a comprehension")
            changes.awaits[call] = awaited(self.ctx, call)
        else:
            use = parent.attr.value if isinstance(parent, cst.Attribute) else None
            raise NoFix(f"the loop is also used for `{use}`" if use else "the loop is passed on or stored")


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
