"""The ``async def main()`` and ``asyncio.run(main())`` that replace a loop started, then
run forever (AIO101; the layout is checked by ``kit.forever``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..loops import NoFix, name_bound_to
from .block_edits import unindented_blanks, with_blank_lines_before
from .forever import Forever, waits_server_closed
from .loop_param import without_loop_args
from .syntax import fresh_name, names_in
from .threads import awaited

if TYPE_CHECKING:
    from ..context import FileContext
    from ..loops import LoopUses
    from ..rule import Fix


def main_and_run(ctx: FileContext, fix: Fix, creation: cst.BaseStatement, found: Forever, uses: LoopUses,
                 run_keywords: list) -> cst.FlattenSentinel:
    """``async def main(): ...`` and the ``asyncio.run(main())`` that replace the loop's
    creation (the rest of the driver is removed)."""
    name = fresh_name("main", names_in(ctx.module))
    running = cst.Call(fix.ref("asyncio.get_running_loop"))
    arg = without_loop_args(found.run.args[0].value, uses.passed)
    for method in uses.methods:  # `loop.create_server` -> `asyncio.get_running_loop().create_server`
        arg = arg.deep_replace(method, method.with_changes(value=running))  # type: ignore[assignment]
    assign = ctx.parent(found.run)
    start_await = awaited(ctx, found.run, arg)
    if found.server is not None and not _read_in(ctx, found.run, found.server, found.removed):
        start = found.start.deep_replace(assign, cst.Expr(start_await))  # `server` is never read
    else:
        start = found.start.deep_replace(found.run, start_await)
    event = cst.Call(fix.ref("asyncio.Event"))
    forever = found.forever.with_changes(body=[cst.Expr(cst.Await(cst.Call(cst.Attribute(event, cst.Name("wait")))))])
    trial = found.trial
    if trial is not None and found.cleanup:
        cleanup = [_awaiting_run(ctx, line) if waits_server_closed(line, found.server) else line for line in found.cleanup]
        final = trial.finalbody.with_changes(body=trial.finalbody.body.with_changes(body=cleanup))  # type: ignore[union-attr]
        forever = trial.with_changes(body=trial.body.with_changes(body=[forever]), handlers=[], finalbody=final)
    elif trial is not None:
        forever = forever.with_changes(leading_lines=[*trial.leading_lines, *forever.leading_lines])
    body = [unindented_blanks(s) for s in (start, *found.between, forever)]
    body[0] = body[0].with_changes(leading_lines=[line for line in body[0].leading_lines if line.comment])
    module_level = isinstance(ctx.parent(creation), cst.Module)
    blank = [cst.EmptyLine(indent=False)] * (2 if module_level else 1)
    main = cst.FunctionDef(
        cst.Name(name), cst.Parameters(), cst.IndentedBlock(body), asynchronous=cst.Asynchronous(),
        leading_lines=with_blank_lines_before(creation.leading_lines, len(blank)) if module_level else creation.leading_lines,
    )
    run = cst.SimpleStatementLine([cst.Expr(cst.Call(fix.ref("asyncio.run"), [cst.Arg(cst.Call(cst.Name(name))), *run_keywords]))])
    if trial is not None and trial.handlers:
        outer = trial.with_changes(body=trial.body.with_changes(body=[run]), finalbody=None, leading_lines=blank)
    else:
        outer = run.with_changes(leading_lines=blank)
    return cst.FlattenSentinel([main, outer])


def _awaiting_run(ctx: FileContext, line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    """``loop.run_until_complete(x)`` -> ``await x``."""
    run = line.body[0].value  # type: ignore[union-attr]
    return line.deep_replace(run, awaited(ctx, run, run.args[0].value))  # type: ignore[return-value]


def _read_in(ctx: FileContext, value: cst.Call, target: cst.Name, stmts: list) -> bool:
    """``target = value`` is read somewhere; ``NoFix`` if anywhere but in ``stmts`` (it
    becomes local to ``main``)."""
    bound = name_bound_to(ctx, value)
    if bound is None or not bound[2]:
        raise NoFix(f"`{target.value}` is bound more than once")
    for ref in bound[1]:
        node = ref
        while node is not None and node not in stmts:
            node = ctx.parent(node)
        if node is None:
            raise NoFix(f"`{target.value}` is used after the loop stops")
    return bool(bound[1])

