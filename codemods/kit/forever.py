"""A script that starts serving on a loop, then runs it forever (AIO101): the layout it must
have for ``kit.forever_main`` to put an ``async def main()`` that ``asyncio.run`` runs in its place.

    loop = asyncio.get_event_loop()
    [try:] [server =] loop.run_until_complete(start(...)) [except E: <inert>]
    <inert statements>
    [try:] loop.run_forever() [except KeyboardInterrupt: <inert>] [finally: <close the server and the loop>]

``main()`` awaits the start, then ``asyncio.Event().wait()`` (what ``run_forever`` does:
nothing, until interrupted) in the ``finally`` that closes the server; ``asyncio.run(main())``
stands under the ``except KeyboardInterrupt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional

import libcst as cst

from ..lazy import matchers as m
from ..loops import NoFix
from .names import GET_EVENT_LOOP, GET_RUNNING_LOOP, asyncio_names, is_call_to
from .script_end import is_inert, suite_statements
from .statements import block_body

if TYPE_CHECKING:
    from ..context import FileContext
    from ..loops import LoopUses

# What an interrupt raises (or, under ``asyncio.run``, a cancellation): a handler for one of
# them around the start would catch it in one program and not in the other.
_INTERRUPTS = frozenset({
    "builtins.BaseException", "builtins.KeyboardInterrupt", "builtins.SystemExit", "builtins.GeneratorExit",
    "concurrent.futures.CancelledError", "concurrent.futures._base.CancelledError",
    *asyncio_names("CancelledError"),
})


@dataclass
class Forever:
    start: cst.BaseStatement  # the line of the start run, or the `try` around it
    run: cst.Call  # the start's `loop.run_until_complete(...)`
    between: List[cst.BaseStatement]  # inert statements between the start and `run_forever`
    forever: cst.SimpleStatementLine  # the `loop.run_forever()` line
    trial: Optional[cst.Try]  # the `try` around `run_forever`
    server: Optional[cst.Name]  # what the start is assigned to
    cleanup: list = field(default_factory=list)  # the finally's lines kept: `server.close()`, its `wait_closed()` run
    removed: list = field(default_factory=list)  # the driver's statements, start to end


def forever_layout(ctx: FileContext, creation: cst.BaseStatement, uses: LoopUses) -> Forever:
    """The layout above, after the loop's creation and set-up lines; else ``NoFix``."""
    stmts = list(block_body(ctx.parent(creation)))
    rest = [s for s in stmts[stmts.index(creation) + 1:] if s not in uses.prefix]
    forever = uses.forever[0]
    trial = _around(ctx, forever)
    driver = trial or forever
    if len(uses.forever) > 1 or driver not in rest:
        raise NoFix("the loop runs forever more than once, or in another block")
    start, between = rest[0], rest[1:rest.index(driver)]
    starts = [(call, line) for call, line in uses.runs if start in (line, _around(ctx, line))]
    if len(starts) != 1 or any(line in between or _around(ctx, line) in between for _, line in uses.runs):
        raise NoFix("the loop runs more than a start before `run_forever`")
    if not all(_moves_into_main(ctx, s) for s in between):
        raise NoFix("a statement between the start and `run_forever` binds a name or calls more than builtins")
    if any(stmts.index(line) > stmts.index(start) for line in uses.prefix if line in stmts) \
            or not all(line in stmts for line in uses.prefix):
        raise NoFix("the loop is set up after it starts, or in another block")
    if start is not starts[0][1]:
        _check_handlers(ctx, start, "the start")  # type: ignore[arg-type]
    found = Forever(start, starts[0][0], between, forever, trial, _assigned_name(ctx, starts[0][0]))
    closing = [*uses.closes, *uses.cleanups]
    final = suite_statements(trial.finalbody.body) if trial and trial.finalbody else []
    if trial is not None:
        _check_handlers(ctx, trial, "`run_forever`")
    for line in final:
        if line not in closing and not closes_server(line, found.server) and not waits_server_closed(line, found.server):
            raise NoFix("the `finally` does more than close the server and the loop")
    found.cleanup = [line for line in final if line not in closing]
    tail = [s for s in rest[rest.index(driver) + 1:][:len(closing)] if s in closing]
    if any(line not in final and line not in tail for line in closing):
        raise NoFix("the loop is closed elsewhere")
    if len(uses.runs) != 1 + sum(waits_server_closed(line, found.server) for line in found.cleanup):
        raise NoFix("the loop runs more than a start before `run_forever`")
    if stops_a_loop(ctx):
        raise NoFix("this file may stop the loop, which `asyncio.run` would take for an error")
    found.removed = [*rest[:rest.index(driver) + 1], *tail]
    return found


def _around(ctx: FileContext, line: cst.CSTNode) -> Optional[cst.Try]:
    """The ``try`` whose body is ``line`` alone."""
    block = ctx.parent(line)
    trial = ctx.parent(block) if block is not None else None
    if isinstance(trial, cst.Try) and trial.body is block and list(block_body(block)) == [line]:
        return trial
    return None


def _check_handlers(ctx: FileContext, trial: cst.Try, what: str) -> None:
    """Around the start (its handlers move into ``main()``), each handler names exceptions, none
    an interrupt or a cancellation; around ``run_forever``, the one handler is ``except
    KeyboardInterrupt``. Every handler is inert, and there is no ``else``."""
    forever = what == "`run_forever`"
    if trial.orelse or (trial.finalbody and not forever) or (forever and len(trial.handlers) > 1):
        raise NoFix(f"the `try` around {what} has other parts")
    for handler in trial.handlers:
        types = handler.type
        names = [] if types is None else [e.value for e in types.elements] if isinstance(types, cst.Tuple) else [types]
        meanings = [ctx.qualified_names(name) for name in names]
        if forever and meanings != [{"builtins.KeyboardInterrupt"}]:
            raise NoFix("the `try` around `run_forever` handles more than `KeyboardInterrupt`")
        if not forever and (not names or any(not found or found & _INTERRUPTS for found in meanings)):
            raise NoFix("a handler around the start may catch an interrupt")
        if not all(_moves_into_main(ctx, s) if not forever else is_inert(ctx, s) for s in suite_statements(handler.body)):
            raise NoFix(f"a handler around {what} does more than print or exit")


def _moves_into_main(ctx: FileContext, stmt: cst.CSTNode) -> bool:
    """Inert and binding no name (in ``main()`` a name would be local, no longer global)."""
    return isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and is_inert(ctx, stmt) \
        and all(isinstance(small, (cst.Expr, cst.Pass, cst.Raise)) for small in stmt.body)


def _assigned_name(ctx: FileContext, run: cst.Call) -> Optional[cst.Name]:
    assign = ctx.parent(run)
    if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name):
        return assign.targets[0].target
    return None


def _server_call(server: Optional[cst.Name], method: str) -> m.Call:
    name = server.value if server is not None else ""
    return m.Call(func=m.Attribute(value=m.Name(name), attr=m.Name(method)), args=[])


def closes_server(line: cst.CSTNode, server: Optional[cst.Name]) -> bool:
    """``server.close()``."""
    return server is not None and m.matches(line, m.SimpleStatementLine(body=[m.Expr(_server_call(server, "close"))]))


def waits_server_closed(line: cst.CSTNode, server: Optional[cst.Name]) -> bool:
    """``<loop>.run_until_complete(server.wait_closed())``."""
    run = m.Call(func=m.Attribute(attr=m.Name("run_until_complete")), args=[m.Arg(_server_call(server, "wait_closed"))])
    return server is not None and m.matches(line, m.SimpleStatementLine(body=[m.Expr(run)]))


def stops_a_loop(ctx: FileContext) -> bool:
    """Anything here spelled ``<loop>.stop`` (``loop``, ``self._loop``, ``get_event_loop()``...)."""
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value == "stop" and _is_loopish(ctx, node.value):
                found.append(node)

    ctx.module.visit(Finder())
    return bool(found)


def _is_loopish(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Call):
        return is_call_to(ctx, expr, GET_EVENT_LOOP | GET_RUNNING_LOOP)
    name = expr.attr.value if isinstance(expr, cst.Attribute) else getattr(expr, "value", "")
    return isinstance(name, str) and name.lower().endswith("loop")

