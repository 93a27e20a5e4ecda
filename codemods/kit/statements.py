"""Statements and blocks: the line an expression is the whole value of, a block's only statement,
the statement of a block that holds a node."""

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
    if not isinstance(line, cst.SimpleStatementLine) or only_statement(line) is None:
        return None
    if not isinstance(ctx.parent(line), (cst.IndentedBlock, cst.Module)):
        return None
    return line, small


def block_body(block: cst.CSTNode) -> Tuple[cst.BaseStatement, ...]:
    """The statements of an IndentedBlock or Module."""
    return tuple(block.body) if isinstance(block, (cst.IndentedBlock, cst.Module)) else ()


def only_statement(node: cst.CSTNode) -> Optional[cst.BaseSmallStatement]:
    """The one small statement of a line, a one-line suite or a block that holds nothing
    else (``x = f()``), else None."""
    if isinstance(node, cst.IndentedBlock) and len(node.body) == 1:
        node = node.body[0]
    if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) and len(node.body) == 1:
        return node.body[0]
    return None


def expression_line(ctx: FileContext, call: cst.BaseExpression) -> Optional[cst.SimpleStatementLine]:
    """The line whose only statement is ``call`` evaluated for its effect (``writer.close()``),
    where a statement can be added after it (see ``statement_holding``); else None."""
    holding = statement_holding(ctx, call)
    return holding[0] if holding is not None and isinstance(holding[1], cst.Expr) else None


def followed_by(line: cst.SimpleStatementLine, statement: cst.BaseStatement) -> cst.FlattenSentinel:
    """What replaces ``line`` to add ``statement`` right after it."""
    return cst.FlattenSentinel([line, statement])


def statement_in(ctx: FileContext, block: cst.CSTNode, node: Optional[cst.CSTNode]) -> Optional[cst.BaseStatement]:
    """The statement of ``block`` that holds ``node``, not across a def, class or lambda."""
    while node is not None:
        parent = ctx.parent(node)
        if parent is block:
            return node  # type: ignore[return-value]
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None
        node = parent
    return None
