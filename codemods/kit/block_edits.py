"""Edits of a block's statements: where the blank lines and comments of removed or moved
statements go, and whether a set of replacements keeps every comment."""

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
