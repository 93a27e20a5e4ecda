"""Event loops made outside coroutines and driven by hand (AIO101, AIO102): where a loop from
``get_event_loop()``/``new_event_loop()`` is bound, and what each use of its name does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

import libcst as cst

from .context import FileContext
from .kit.names import asyncio_names, is_call_to
from .kit.loop_param import passed_loop
from .kit.script_end import is_inert
from .kit.statements import block_body
from .lazy import matchers as m

LOOP_GETTERS = asyncio_names("get_event_loop")
LOOP_MAKERS = asyncio_names("new_event_loop")
SET_LOOP = asyncio_names("set_event_loop")
# Loop methods defined with ``async def`` (3.7+) that start serving or connect.
LOOP_COROUTINE_METHODS = frozenset({
    "create_server", "create_unix_server", "create_connection", "create_unix_connection", "create_datagram_endpoint",
})


class NoFix(Exception):
    """This site is reported without a fix, for the reason given."""


def method_call_on(ctx: FileContext, name: cst.Name) -> Optional[Tuple[str, cst.Call]]:
    """For a reference ``obj`` used as ``obj.method(...)``: (method, the call)."""
    attribute = ctx.parent(name)
    if not isinstance(attribute, cst.Attribute) or attribute.value is not name:
        return None
    call = ctx.parent(attribute)
    if not isinstance(call, cst.Call) or call.func is not attribute:
        return None
    return attribute.attr.value, call


def name_bound_to(ctx: FileContext, value: cst.BaseExpression) -> Optional[Tuple[cst.Name, list, bool]]:
    """For ``name = value`` (or ``name: T = value``) as a whole statement: the target,
    the references to every binding of ``name`` in its scope, and whether this is the
    only binding."""
    assign = ctx.parent(value)
    if isinstance(assign, cst.Assign) and len(assign.targets) == 1:
        target = assign.targets[0].target
    elif isinstance(assign, cst.AnnAssign):
        target = assign.target
    else:
        return None
    scope = ctx.scope(target)
    if assign.value is not value or not isinstance(target, cst.Name) or scope is None:
        return None
    assignments = list(scope[target.value])  # through `global` and `nonlocal`
    local = list(scope.assignments[target.value])
    only = len(assignments) == 1 and len(local) == 1 and local[0].node is target
    refs = {id(a.node): a.node for binding in assignments for a in binding.references}
    # libcst keeps references in sets: order them by position so results are deterministic
    ordered = sorted(refs.values(), key=lambda node: (ctx.position(node).start.line, ctx.position(node).start.column))
    return target, ordered, only


def run_calls(ctx: FileContext, refs: Sequence[cst.CSTNode]) -> List[cst.Call]:
    """The ``ref.run_until_complete(...)`` calls made on ``refs``, in their order."""
    uses = (method_call_on(ctx, ref) for ref in refs)  # type: ignore[arg-type]
    return [use[1] for use in uses if use and use[0] == "run_until_complete"]


def run_on_the_spot(ctx: FileContext, call: cst.Call) -> Optional[cst.Call]:
    """The ``run_until_complete(...)`` call in ``<call>.run_until_complete(...)``."""
    attribute = ctx.parent(call)
    if isinstance(attribute, cst.Attribute) and attribute.attr.value == "run_until_complete":
        run = ctx.parent(attribute)
        return run if isinstance(run, cst.Call) and run.func is attribute else None
    return None


def drives_loop(ctx: FileContext, call: cst.Call) -> bool:
    """``call`` makes a loop that ``run_until_complete`` is then called on, directly
    (``get_event_loop().run_until_complete(...)``) or through the name it is bound to."""
    attribute = ctx.parent(call)
    if isinstance(attribute, cst.Attribute) and attribute.attr.value == "run_until_complete":
        return isinstance(ctx.parent(attribute), cst.Call)
    bound = name_bound_to(ctx, call)
    return bound is not None and bool(run_calls(ctx, [ref for ref in bound[1] if isinstance(ref, cst.Name)]))


def shuts_down_asyncgens(run: Optional[cst.CSTNode], refs: Sequence[cst.CSTNode]) -> bool:
    """``run`` is ``loop.run_until_complete(loop.shutdown_asyncgens())`` on the loop of ``refs``."""
    if not isinstance(run, cst.Call) or not m.matches(run, m.Call(
            func=m.Attribute(attr=m.Name("run_until_complete")),
            args=[m.Arg(m.Call(func=m.Attribute(attr=m.Name("shutdown_asyncgens")), args=[]), keyword=None)])):
        return False
    return run.func.value in refs and run.args[0].value.func.value in refs  # type: ignore[attr-defined]


def run_on_the_spot_of(ctx: FileContext, call: cst.Call, refs: Sequence[cst.CSTNode]) -> bool:
    """``call`` is the argument of ``loop.run_until_complete(...)`` on the loop of ``refs``."""
    arg = ctx.parent(call)
    run = ctx.parent(arg) if isinstance(arg, cst.Arg) and arg.keyword is None else None
    return isinstance(run, cst.Call) and m.matches(run.func, m.Attribute(attr=m.Name("run_until_complete"))) \
        and run.func.value in refs  # type: ignore[attr-defined]


def line_of(ctx: FileContext, call: cst.Call, kinds: tuple = (cst.Expr,)) -> cst.SimpleStatementLine:
    """The line whose one small statement (of ``kinds``) has ``call`` as its whole value."""
    small = ctx.parent(call)
    line = ctx.parent(small)
    if isinstance(small, kinds) and small.value is call and isinstance(line, cst.SimpleStatementLine) \
            and len(line.body) == 1:
        return line
    raise NoFix("the loop is used inside a larger statement")


def statement_of(ctx: FileContext, node: cst.CSTNode, unsafe: List[str]) -> cst.SimpleStatementLine:
    """The simple statement line holding ``node``; notes in ``unsafe`` when a lambda or
    comprehension around it may run it later or several times."""
    while not isinstance(node, cst.SimpleStatementLine):
        if isinstance(node, (cst.BaseCompoundStatement, cst.Module)):
            raise NoFix("the loop runs in the header of a compound statement")
        if isinstance(node, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            unsafe.append("it may run later, or several times")
        node = ctx.parent(node)  # type: ignore[assignment]
    return node


@dataclass
class LoopUses:
    """What the name of a loop is used for, one statement per use."""

    runs: list = field(default_factory=list)  # (run_until_complete call, its statement)
    prefix: list = field(default_factory=list)  # `loop.set_debug(x)` and `set_event_loop(loop)` lines
    closes: list = field(default_factory=list)  # `loop.close()` lines
    cleanups: list = field(default_factory=list)  # `loop.run_until_complete(loop.shutdown_asyncgens())` lines
    forever: list = field(default_factory=list)  # `loop.run_forever()` lines
    passed: list = field(default_factory=list)  # `PassedLoop`s: `run(main(loop))`, `main` an `async def` here
    methods: list = field(default_factory=list)  # `loop.create_server` (...) run on the spot: `run(loop.create_server(...))`
    debug: Optional[cst.BaseExpression] = None
    made_current: bool = False


def loop_uses(
    ctx: FileContext, make: cst.Call, refs: Sequence[cst.CSTNode], unsafe: List[str], made_current: Callable[[], None]
) -> LoopUses:
    """Sort the references to the loop ``make`` creates by use; ``NoFix`` for a use that
    ``asyncio.run`` cannot stand for. ``made_current`` is called for ``set_event_loop(loop)``."""
    uses = LoopUses()
    for ref in refs:
        use = method_call_on(ctx, ref) if isinstance(ref, cst.Name) else None
        arg = ctx.parent(ref)
        passed = passed_loop(ctx, ref, lambda call: run_on_the_spot_of(ctx, call, refs)) if isinstance(arg, cst.Arg) else None
        if ctx.scope(ref) is not ctx.scope(make):
            raise NoFix("the loop is used in another function")
        if use and use[0] == "run_until_complete" and shuts_down_asyncgens(use[1], refs):
            uses.cleanups.append(line_of(ctx, use[1]))
        elif use and use[0] == "shutdown_asyncgens" and shuts_down_asyncgens(ctx.parent(ctx.parent(use[1])), refs):
            continue  # the argument of a cleanup run
        elif use and use[0] == "run_until_complete":
            uses.runs.append((use[1], statement_of(ctx, use[1], unsafe)))
        elif use and use[0] == "run_forever" and not use[1].args:
            uses.forever.append(line_of(ctx, use[1]))
        elif passed is not None:
            uses.passed.append(passed)
        elif use and use[0] in LOOP_COROUTINE_METHODS and run_on_the_spot_of(ctx, use[1], refs):
            uses.methods.append(use[1].func)
        elif use and use[0] == "close" and not use[1].args:
            uses.closes.append(line_of(ctx, use[1]))
        elif use and use[0] == "set_debug" and len(use[1].args) == 1 and uses.debug is None:
            uses.prefix.append(line_of(ctx, use[1]))
            uses.debug = use[1].args[0].value
        elif isinstance(arg, cst.Arg) and is_call_to(ctx, ctx.parent(arg), SET_LOOP) \
                and len(ctx.parent(arg).args) == 1 and not uses.made_current:  # type: ignore[union-attr]
            made_current()
            uses.prefix.append(line_of(ctx, ctx.parent(arg)))  # type: ignore[arg-type]
            uses.made_current = True
        elif use:
            raise NoFix(f"the loop is also used for `{use[0]}`")
        else:
            raise NoFix(passed_to(ctx, arg) if isinstance(arg, cst.Arg) else "the loop is used elsewhere")
    return uses


def passed_to(ctx: FileContext, arg: cst.Arg) -> str:
    """Why a loop passed as ``arg`` stops the fix."""
    call = ctx.parent(arg)
    callee = ctx.code_for(call.func) if isinstance(call, cst.Call) and arg.star == "" else ""
    if not callee or len(callee) > 40:
        return "the loop is passed to a function"
    return f"the loop is passed to `{callee}`, not to a coroutine function of this file that it runs and only it calls"


@dataclass
class RunLayout:
    """Where the runs, the set-up and the close of a named loop stand in the block that creates it."""

    block: cst.CSTNode  # the block holding the loop's creation
    trial: Optional[cst.Try]  # the `try` whose body holds the runs, if they are not in `block`
    inner: list  # the statements of the block holding the runs
    first: int  # index in `inner` of the first run's statement
    last: int  # ... and of the last one
    gap: bool  # code that is not inert runs between the loop's creation and the first run
    closing: list  # the cleanup and close lines, in order
    final: list  # the statements of the `try`'s `finally`
    after_try: bool  # the closing lines follow the `try`


def run_layout(ctx: FileContext, creation: cst.SimpleStatementLine, uses: LoopUses) -> RunLayout:
    """Check that the loop is set up, run and closed in one block, in that order (a ``try``
    around the runs allowed, with the close in its ``finally`` or right after it); else ``NoFix``."""
    block = ctx.parent(creation)
    stmts = block_body(block)
    runs, prefix, closes, cleanups = uses.runs, uses.prefix, uses.closes, uses.cleanups
    if len(closes) > 1 or any(ctx.parent(p) is not block for p in prefix):
        raise NoFix("the loop is used elsewhere")
    if len({id(line) for _, line in runs}) < len(runs):
        raise NoFix("several runs on one line")
    runs.sort(key=lambda r: (ctx.position(r[0]).start.line, ctx.position(r[0]).start.column))
    run_block = ctx.parent(runs[0][1])
    if any(ctx.parent(line) is not run_block for _, line in runs):
        raise NoFix("the runs are in different blocks")
    trial = ctx.parent(run_block) if run_block is not block else None
    if trial is not None and not (isinstance(trial, cst.Try) and trial.body is run_block
                                  and ctx.parent(trial) is block):
        raise NoFix("the run is not in the block that creates the loop")
    inner = list(block_body(run_block))  # type: ignore[arg-type]
    first = inner.index(runs[0][1])
    last = inner.index(runs[-1][1])
    start = stmts.index(creation)
    head = stmts.index(trial if trial else runs[0][1])
    if head <= start or not all(start < stmts.index(p) < head for p in prefix):
        raise NoFix("the loop is set up after it runs")
    between = [s for s in stmts[start + 1:head] if s not in prefix] + (inner[:first] if trial is not None else [])
    gap = not all(is_inert(ctx, s) for s in between)
    close = closes[0] if closes else None
    closing = [*cleanups, close] if close else cleanups  # `run_until_complete(shutdown_asyncgens())`
    final = list(trial.finalbody.body.body) if trial is not None and trial.finalbody else []
    after_try = False
    if closing:
        if close is None or len(cleanups) > 1:
            raise NoFix("the loop is cleaned up but not closed")
        if trial is None and inner[last + 1:last + 1 + len(closing)] == closing:
            pass
        elif closing[0] in final and final[final.index(closing[0]):][:len(closing)] == closing:
            pass
        elif trial is not None and list(stmts[head + 1:head + 1 + len(closing)]) == closing:
            after_try = True
        else:
            raise NoFix("the loop is closed elsewhere")
    return RunLayout(block, trial, inner, first, last, gap, closing, final, after_try)  # type: ignore[arg-type]
