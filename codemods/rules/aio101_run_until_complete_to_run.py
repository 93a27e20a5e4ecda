import libcst as cst

from ..kit.findings import without_fix
from ..kit.block_edits import carry_leading_lines, edits_inside_try, replacement_loses_comments, runner_block
from ..kit.forever import forever_layout
from ..kit.forever_main import main_and_run
from ..kit.loop_param import callee_edits, without_loop_args
from ..kit.names import ASYNCIO_COROUTINE_FUNCTIONS, asyncio_names, is_call_to
from ..kit.script_end import only_inert_after
from ..kit.statements import block_body
from ..kit.syntax import sole_positional_arg
from ..kit.values import is_coroutine_call
from ..loops import (
    LOOP_GETTERS, LOOP_MAKERS, SET_LOOP, NoFix, line_of, loop_uses, name_bound_to, run_calls, run_layout,
    run_on_the_spot, statement_of,
)
from ..model import Safety
from ..rule import Rule

NOT_COROUTINES = asyncio_names(
    "gather", "ensure_future", "shield", "create_task", "Task", "Future", "wrap_future", "as_completed",
    "run_coroutine_threadsafe",
)
# Calls that bind nothing to a loop: setting one up, or making a coroutine object.
_LOOP_SETUP = LOOP_GETTERS | LOOP_MAKERS | SET_LOOP | ASYNCIO_COROUTINE_FUNCTIONS
_NO_SPACE = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
AFTER_RUN = "code after it may use the current event loop, which `asyncio.run` unsets"


class RunUntilCompleteToRun(Rule):
    """Run an entry point with ``asyncio.run()`` instead of driving an event loop by hand.

    ## Why
    ``loop = asyncio.get_event_loop()`` + ``loop.run_until_complete(main())`` + ``loop.close()``
    is the pre-3.7 way to run a program. ``get_event_loop()`` without a running loop warns since
    3.12 and raises since 3.14, and the hand-made version leaks pending tasks, async generators
    and the default executor. ``asyncio.run(main())`` (several runs: ``asyncio.Runner``, 3.11)
    does all of it. ``loop.set_debug(x)`` becomes ``debug=x``.

    ## Fix safety
    ``asyncio.run`` and ``asyncio.Runner`` run on a fresh loop, current while it runs, then cancel
    the tasks still pending (the original left them pending), finalize async generators and (3.9+)
    shut down the default executor, waiting for its jobs, close the loop and leave no current
    loop: ``get_event_loop()`` outside a coroutine raises afterwards. They need a coroutine. On
    3.7, ``asyncio.run`` also turns debug mode off unless ``debug=True`` is passed.
    Safe when all of these hold: each run's argument is a call to an undecorated ``async def``
    of this file or to an asyncio coroutine function; this file has no other ``get_event_loop()``
    outside a coroutine and, for the default loop, no other ``set_event_loop()`` outside a
    coroutine and no asyncio call outside functions (it may bind an object to that loop, as
    ``asyncio.Event()`` does before 3.10); a loop that is current (``get_event_loop()``,
    ``set_event_loop(loop)``) runs only inert code between its creation and the run (code that
    calls only builtins and ``sys.exit``, and undecorated ``def``s); and either the original
    leaves that current loop closed (``close()`` right after the run, in the ``finally``, or right
    after the ``try``) or only inert code runs after the site until the script ends (out of ``if``
    branches, such as ``if __name__ == "__main__":``, and through the handlers and ``finally`` of
    a ``try``). Otherwise the fix is unsafe, and the finding says which condition failed.

    Example: `fixtures/aio101_run_until_complete_to_run/try_except_exit_at_end`.

    A loop started, then run forever (a server) becomes ``async def main()``: it awaits the start
    and then ``asyncio.Event().wait()``, which, like ``run_forever``, waits until interrupted; a
    ``finally`` that closes the server (``close()``, ``wait_closed()``) moves with it, and
    ``asyncio.run(main())`` takes the place of ``run_forever`` under its ``except
    KeyboardInterrupt``; a start ``loop.create_server(...)`` is awaited as
    ``asyncio.get_running_loop().create_server(...)``. The start's handlers move into ``main()``
    and must name exceptions that are neither an interrupt nor a cancellation; they, the lines
    between the start and ``run_forever`` (which move too, and may bind no name) and the ``except
    KeyboardInterrupt`` body must be inert; nothing in this file may stop a loop (``asyncio.run``
    would raise where ``run_forever`` returned). On Ctrl-C while
    serving, the same lines print in the same order and the program exits the same way, from 3.7
    (``KeyboardInterrupt`` raised in the loop) and from 3.11 (the main task cancelled, then
    ``KeyboardInterrupt``): ``tests/test_aio101_interrupt.py`` interrupts both programs on each
    Python. What differs: the server closes before the ``except KeyboardInterrupt`` body runs
    instead of after, tasks still pending (open connections) are cancelled, and an interrupt
    during the start is caught by that ``except`` too.

    Example: `fixtures/aio101_run_until_complete_to_run/run_forever_server_closed_on_interrupt`.

    A loop passed to the coroutine it runs (``loop.run_until_complete(main(loop))``, ``main`` an
    undecorated ``async def`` of this file named nowhere else) is dropped from the call and from
    ``main``'s parameters, and ``main`` starts with ``loop = asyncio.get_running_loop()``: inside
    ``main`` the parameter was the running loop, the very object that call returns, whatever
    ``main`` does with it. Unsafe when another module could import ``main`` (it is a module
    attribute, outside ``if __name__ == "__main__":``), as it would now refuse a loop argument.

    Example: `fixtures/aio101_run_until_complete_to_run/loop_passed_in_main_block`.

    Several runs on one loop become one ``asyncio.Runner`` (3.11), always unsafe: ``Runner.run``
    runs every coroutine in the runner's one context (copied at its first run), where each
    ``run_until_complete`` ran in a fresh copy of the caller's, so a context variable one run
    sets is seen by the next, and one set between the runs is not.

    Example: `fixtures/aio101_run_until_complete_to_run/runner_shares_context`.

    A safe fix still differs in the ways listed first, and code elsewhere that later asks for
    the current loop gets ``RuntimeError`` instead of the closed loop; objects that imported
    modules bound to the default loop before the run would be on another loop.

    ## Limitations
    Report only: a loop used for anything else (``call_soon``, passed to any other function,
    used in another function or thread, bound twice), ``gather(...)``/``ensure_future(...)`` arguments,
    several entry points on the default loop, runs in different blocks, a rewrite that would
    lose a comment, several runs below a 3.11 target, and ``run_forever`` after more than one
    start or with a ``finally`` that does more than close the server and the loop. Module-level
    loops another module imports are not seen, nor code in other modules that stops the loop.
    Runs inside a coroutine are another rule's business.
    """

    code = "AIO101"
    name = "run-until-complete-entry-point"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("run_until_complete",)
    anchors = tuple(LOOP_GETTERS | LOOP_MAKERS)
    facts_words = ("run_until_complete",)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.sites: list = []  # (report node, uses default loop, edits or NoFix, unsafe reasons)
        self.default_loop_calls = 0
        self.module_asyncio_calls = 0  # e.g. `asyncio.Queue()` outside functions: may bind the default loop
        self.set_loop_calls = [0, 0]  # `set_event_loop(...)` outside coroutines: all, part of a site

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.in_coroutine():
            return
        default = is_call_to(self.ctx, node, LOOP_GETTERS)
        self.default_loop_calls += default
        self.set_loop_calls[0] += is_call_to(self.ctx, node, SET_LOOP)
        name = self.ctx.call_name(node) or ""
        if self.ctx.enclosing_function() is None and name.startswith("asyncio.") \
                and not any(name == n or name.startswith((f"{n}.", f"{n}().")) for n in _LOOP_SETUP):
            self.module_asyncio_calls += 1
        if node.args or not (default or is_call_to(self.ctx, node, LOOP_MAKERS)):
            return
        run = run_on_the_spot(self.ctx, node)
        bound = name_bound_to(self.ctx, node) if run is None else None
        if run is not None:
            self._plan(run, default, lambda: self._one_liner(run))
        elif bound is not None and run_calls(self.ctx, bound[1]):
            _, refs, only = bound
            self._plan(run_calls(self.ctx, refs)[0], default, lambda: self._variable(node, refs, default, only))

    def _plan(self, anchor, default, build) -> None:
        if any(site[0] is anchor for site in self.sites):
            return  # a loop name bound more than once: reported once
        self.unsafe = []
        try:
            result = build()
        except NoFix as reason:
            result = reason
        self.sites.append((anchor, default, result, self.unsafe))

    def leave_Module(self, node: cst.Module) -> None:
        shared = sum(default for _, default, _, _ in self.sites)
        for anchor, default, result, unsafe in self.sites:
            if default and shared > 1:
                result = NoFix(f"{shared} entry points share the default loop; use one `asyncio.Runner`")
            if default and self.module_asyncio_calls:
                unsafe.append("asyncio objects made outside functions may be bound to the default loop")
            if default and self.set_loop_calls[0] > self.set_loop_calls[1]:
                unsafe.append("this file sets the current loop elsewhere")
            if self.default_loop_calls > shared:
                unsafe.append("`get_event_loop()` is used elsewhere here, and raises after `asyncio.run`")
            message = "event loop driven by hand: use `asyncio.run()`"
            if isinstance(result, NoFix):
                self.report(anchor, without_fix(message, str(result)))
                continue
            fix, runner = result
            if runner:
                message = "several `run_until_complete` on one loop: use `asyncio.Runner`"
                unsafe.append("the runs would share one context, so a context variable one run sets is seen by the next")
            if unsafe:
                message += f" (unsafe: {'; '.join(dict.fromkeys(unsafe))})"
            self.report(anchor, message, fix=fix, unsafe=bool(unsafe), min_python=(3, 11) if runner else None)

    # -- building the fix ----------------------------------------------------------------
    def _run_call(self, fix, run, debug=None, runner=False, passed=()):
        """``asyncio.run(arg, debug=...)`` / ``runner.run(arg)`` from ``loop.run_until_complete(arg)``
        (``main(loop)``, ``passed`` a loop: ``main()``)."""
        if sole_positional_arg(run) is None:
            raise NoFix("`run_until_complete` takes one argument")
        arg = run.args[0]
        if is_call_to(self.ctx, arg.value, NOT_COROUTINES):
            raise NoFix("the argument is a future, and `asyncio.run` needs a coroutine")
        if not is_coroutine_call(self.ctx, arg.value):
            self.unsafe.append("the argument may not be a coroutine")
        arg = arg.with_changes(value=without_loop_args(arg.value, passed))
        if runner:
            return run.with_changes(func=cst.Attribute(cst.Name("runner"), cst.Name("run")), args=[arg])
        args = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        if debug is not None:
            args = [arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Arg(debug, keyword=cst.Name("debug"), equal=_NO_SPACE)]
        return run.with_changes(func=fix.ref("asyncio.run"), args=args)

    def _one_liner(self, run):
        try:
            line = statement_of(self.ctx, run, self.unsafe)
        except NoFix:
            self.unsafe.append(AFTER_RUN)
        else:
            self._check_ends_script(line)
        fix = self.fix(run)
        edits = {run: self._run_call(fix, run)}
        return self._finish(fix, edits), False

    def _finish(self, fix, edits):
        if replacement_loses_comments(edits):
            raise NoFix("the rewrite would lose a comment")
        for old, new in edits.items():
            fix.replace(old, new)
        for name in ("get_event_loop", "new_event_loop", "set_event_loop"):
            fix.remove_import_if_unused("asyncio", name)
        return fix

    def _check_ends_script(self, last, removed=()) -> None:
        """Afterwards, ``asyncio.run`` leaves no current loop (``get_event_loop()`` raises) where
        the original left the current loop alone or open: unsafe unless only inert code runs
        after the ``last`` run (the ``removed`` statements aside)."""
        if not only_inert_after(self.ctx, last, removed):
            self.unsafe.append(AFTER_RUN)

    def _variable(self, make, refs, default, only):
        if not only:
            raise NoFix("the loop's name is bound more than once, or declared `global`")
        creation = line_of(self.ctx, make, (cst.Assign, cst.AnnAssign))
        block = self.ctx.parent(creation)
        stmts = block_body(block)
        if not stmts:
            raise NoFix("the loop is not created in a block")
        uses = loop_uses(self.ctx, make, refs, self.unsafe, self._made_current)
        if uses.forever:
            return self._forever(creation, uses, default), False
        if uses.methods:
            raise NoFix(f"the loop is also used for `{uses.methods[0].attr.value}`")
        layout = run_layout(self.ctx, creation, uses)
        if layout.gap and (default or uses.made_current):
            self.unsafe.append("other statements run between the loop's creation and the run")
        runs, prefix, closing, trial, inner = uses.runs, uses.prefix, layout.closing, layout.trial, layout.inner
        first, last, final, after_try = layout.first, layout.last, layout.final, layout.after_try
        if not (uses.closes and (default or uses.made_current)):
            self._check_ends_script(runs[-1][1], closing)

        fix = self.fix(runs[0][0])
        runner = len(runs) > 1
        scope = self.ctx.scope(creation)
        if runner and ("runner" in scope or scope.accesses["runner"]):
            raise NoFix("the name `runner` is taken")
        calls = {line: (call, self._run_call(fix, call, uses.debug, runner, uses.passed)) for call, line in runs}

        def rewritten(line):
            call, new = calls[line]
            return line.deep_replace(call, new)

        lines = {}  # statements of the run block -> replacement
        if trial is None:
            lines.update({line: cst.RemoveFromParent() for line in closing})
        if runner:
            body = [rewritten(line) if line in calls else line for line in inner[first:last + 1]]
            debug = [] if uses.debug is None else [cst.Arg(uses.debug, keyword=cst.Name("debug"), equal=_NO_SPACE)]
            lines[inner[first]] = runner_block(fix.ref("asyncio.Runner"), debug, body, inner[first].leading_lines)
            lines.update({line: cst.RemoveFromParent() for line in inner[first + 1:last + 1]})
        else:
            lines[inner[first]] = rewritten(inner[first])

        edits = lines if trial is None else edits_inside_try(trial, inner, lines, closing, final, after_try)
        for line in [creation, *prefix]:
            edits[line] = cst.RemoveFromParent()
        edits.update(self._callee_edits(fix, uses.passed))
        carry_leading_lines(edits, stmts, [creation, *prefix])
        if closing and (trial is None or after_try):
            carry_leading_lines(edits, stmts, closing)
        return self._finish(fix, edits), runner

    def _forever(self, creation, uses, default):
        """Started, then run forever: ``async def main()`` run by ``asyncio.run``."""
        found = forever_layout(self.ctx, creation, uses)
        arg = found.run.args[0].value if sole_positional_arg(found.run) is not None else None
        if arg is None:
            raise NoFix("`run_until_complete` takes one argument")
        if not (is_coroutine_call(self.ctx, arg) or is_call_to(self.ctx, arg, NOT_COROUTINES)
                or any(arg.func is method for method in uses.methods)):  # type: ignore[attr-defined]
            self.unsafe.append("the argument may not be awaitable")
        if not (uses.closes and (default or uses.made_current)):
            self._check_ends_script(found.removed[-1], found.removed)
        fix = self.fix(found.run)
        debug = [] if uses.debug is None else [cst.Arg(uses.debug, keyword=cst.Name("debug"), equal=_NO_SPACE)]
        edits = {creation: main_and_run(self.ctx, fix, creation, found, uses, debug)}
        edits.update({line: cst.RemoveFromParent() for line in [*uses.prefix, *found.removed]})
        edits.update(self._callee_edits(fix, uses.passed))
        return self._finish(fix, edits)

    def _callee_edits(self, fix, passed) -> dict:
        """``async def main(loop)`` run as ``main(loop)`` becomes ``async def main()`` binding
        ``loop = asyncio.get_running_loop()``."""
        edits: dict = {}
        for loop in passed:
            callee = callee_edits(self.ctx, fix, loop)
            if callee is None:
                raise NoFix(f"`{loop.function.name.value}` has its body on the `def` line")
            if loop.importable:
                self.unsafe.append(f"another module may call `{loop.function.name.value}` with a loop")
            edits.update(callee)
        return edits

    def _made_current(self) -> None:
        self.set_loop_calls[1] += 1

