"""Statements and blocks: the line an expression is the whole value of, a block's only statement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple, Union

import libcst as cst

if TYPE_CHECKING:
    from ..context import FileContext


# Small statements whose whole value is one expression a rule may rewrite in place.
ValueStatement = Union[cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return]


def statement_holding(
    ctx: FileContext, expr: cst.BaseExpression
) -> Optional[Tuple[cst.SimpleStatementLine, ValueStatement]]:
    """The line and small statement whose entire value is ``expr``.

    Only for a line that holds exactly one statement and sits in an indented block or
    at module level, so a rule can replace the whole line with a compound statement.
    """
    small = ctx.parent(expr)
    if not isinstance(small, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return)):
        return None
    if getattr(small, "value", None) is not expr:
        return None
    line = ctx.parent(small)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    if not isinstance(ctx.parent(line), (cst.IndentedBlock, cst.Module)):
        return None
    return line, small


def block_body(block: cst.CSTNode) -> Tuple[cst.BaseStatement, ...]:
    """The statements of an IndentedBlock or Module."""
    return tuple(block.body) if isinstance(block, (cst.IndentedBlock, cst.Module)) else ()


def only_small_statement(stmt: cst.CSTNode) -> Optional[cst.BaseSmallStatement]:
    """The small statement of a line holding exactly one (``x = f()``), else None."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        return stmt.body[0]
    return None


def only_statement(block: cst.BaseSuite) -> Optional[cst.BaseSmallStatement]:
    """The single small statement of a block that holds nothing else."""
    if isinstance(block, cst.SimpleStatementSuite):
        smalls = block.body
    elif (
        isinstance(block, cst.IndentedBlock)
        and len(block.body) == 1
        and isinstance(block.body[0], cst.SimpleStatementLine)
    ):
        smalls = block.body[0].body
    else:
        return None
    return smalls[0] if len(smalls) == 1 else None
