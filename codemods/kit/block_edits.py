"""Edits of a block's statements: where the blank lines and comments of removed or moved
statements go, whether a set of replacements keeps every comment, and the blocks a loop's runs
become (``with asyncio.Runner() as runner:``, a ``try`` left without its loop's close)."""

from __future__ import annotations

import libcst as cst

from .syntax import count_comments


def replacement_loses_comments(edits: dict) -> bool:
    """Do the replacements of an edit map hold fewer comments than the nodes they replace?"""
    before = sum(count_comments(old) for old in edits)
    after = 0
    for new in edits.values():
        if isinstance(new, cst.FlattenSentinel):
            after += sum(count_comments(n) for n in new.nodes)
        elif isinstance(new, cst.CSTNode):
            after += count_comments(new)
    return after < before


def carry_leading_lines(edits: dict, stmts: list, removed: list) -> None:
    """Blank lines and comments above the ``removed`` statements move to the next kept one
    (in ``edits``, which maps statements of ``stmts`` to their replacements); blank lines
    alone only where it has none of its own."""
    carried = [line for s in stmts if s in removed for line in s.leading_lines]
    last = max(stmts.index(s) for s in removed)
    following = next((s for s in stmts[last + 1:] if s not in removed), None)
    target = edits.get(following, following)
    if following is not None and following.leading_lines and all(line.comment is None for line in carried):
        return
    if not carried or following is None or isinstance(target, cst.RemovalSentinel):
        return
    if isinstance(target, cst.FlattenSentinel):
        nodes = list(target.nodes)
        nodes[0] = nodes[0].with_changes(leading_lines=[*carried, *nodes[0].leading_lines])
        edits[following] = cst.FlattenSentinel(nodes)
    else:
        edits[following] = target.with_changes(leading_lines=[*carried, *target.leading_lines])


def unindented_blanks(stmt: cst.BaseStatement) -> cst.BaseStatement:
    """Blank lines above ``stmt`` that stay blank when it moves into a block (no indentation)."""
    lines = [line.with_changes(indent=False) if line.comment is None else line for line in stmt.leading_lines]
    return stmt.with_changes(leading_lines=lines)


def with_blank_lines_before(lines, blank: int) -> list:
    """``lines`` with blank lines added in front to make ``blank`` of them before any comment."""
    lines = list(lines)
    leading = next((i for i, line in enumerate(lines) if line.comment), len(lines))
    return [cst.EmptyLine()] * max(0, blank - leading) + lines


def runner_block(runner: cst.BaseExpression, args: list, body: list, leading_lines) -> cst.With:
    """``with <runner>(<args>) as runner:`` holding ``body`` (the statements that ran the loop)."""
    return cst.With(
        [cst.WithItem(cst.Call(runner, args), asname=cst.AsName(cst.Name("runner")))],
        cst.IndentedBlock([body[0].with_changes(leading_lines=()), *body[1:]]),
        leading_lines=leading_lines,
    )


def edits_inside_try(trial: cst.Try, inner: list, lines: dict, closing: list, final: list, after_try: bool) -> dict:
    """The edits when the runs stand in ``trial``'s body (``inner``; ``lines``: its statements'
    replacements): the ``closing`` lines leave the ``finally`` (``final``) or, when they follow
    the ``try`` (``after_try``), the block; a ``try`` left with neither handlers nor
    ``finally`` gives way to its body."""
    edits: dict = {}
    new_inner = [lines.get(s, s) for s in inner if not isinstance(lines.get(s), cst.RemovalSentinel)]
    finalbody = trial.finalbody
    if closing and not after_try:
        moved: dict = {}
        carry_leading_lines(moved, final, closing)
        rest = [moved.get(s, s) for s in final if s not in closing]
        finalbody = finalbody.with_changes(body=finalbody.body.with_changes(body=rest)) if rest else None
    if finalbody is None and not trial.handlers:
        new_inner[0] = new_inner[0].with_changes(leading_lines=[*trial.leading_lines, *new_inner[0].leading_lines])
        edits[trial] = cst.FlattenSentinel(new_inner)
    else:
        edits[trial] = trial.with_changes(body=trial.body.with_changes(body=new_inner), finalbody=finalbody)
    if after_try:
        edits.update({line: cst.RemoveFromParent() for line in closing})
    return edits
