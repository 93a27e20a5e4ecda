"""Branches that test ``sys.version_info``: which ones can never run on the target."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple

import libcst as cst

if TYPE_CHECKING:
    from ..context import FileContext
    from ..model import Version

_VERSION_INFO = frozenset({"sys.version_info"})


def dead_version_branch(ctx: FileContext, node: cst.CSTNode) -> Optional[cst.If]:
    """The innermost ``if`` around ``node`` whose body ``node`` is in and whose test is a
    ``sys.version_info`` comparison false on the target and every later Python (``if
    sys.version_info < (3, 5, 3):``, ``if not sys.version_info >= (3, 7):``); None if none."""
    child, parent = node, ctx.parent(node)
    while parent is not None:
        if isinstance(parent, cst.If) and child is parent.body:
            if never_true_from(ctx, parent.test, ctx.settings.target_version):
                return parent
        child, parent = parent, ctx.parent(parent)
    return None


def never_true_from(ctx: FileContext, test: cst.BaseExpression, target: Version) -> bool:
    """``test`` is false on ``target`` and every later Python: ``sys.version_info`` (or a
    ``[:n]`` slice of it) ``<`` / ``<=`` a tuple of ints, or ``not`` of ``>`` / ``>=``. Such a
    comparison only becomes false as versions grow, so the oldest release of ``target``
    decides it."""
    negated = False
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, negated = test.expression, True
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    operator = test.comparisons[0].operator
    bound = _int_tuple(test.comparisons[0].comparator)
    oldest = _oldest_value(ctx, test.left, target)
    if bound is None or len(bound) > 3 or oldest is None:
        return False
    if not negated and isinstance(operator, cst.LessThan):
        return not oldest < bound
    if not negated and isinstance(operator, cst.LessThanEqual):
        return not oldest <= bound
    if negated and isinstance(operator, cst.GreaterThan):
        return oldest > bound
    if negated and isinstance(operator, cst.GreaterThanEqual):
        return oldest >= bound
    return False


def _oldest_value(ctx: FileContext, expr: cst.BaseExpression, target: Version) -> Optional[Tuple[int, ...]]:
    """What ``expr`` compares like on the oldest release of ``target`` (a first alpha):
    ``sys.version_info`` as ``(3, 11, 0, 0)`` (longer than any bound of up to three ints, as
    the real five-tuple is), ``sys.version_info[:n]`` as ``(3, 11, 0)[:n]``."""
    major, minor = target
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        part = expr.slice[0].slice
        if not isinstance(part, cst.Slice) or part.lower is not None or part.step is not None:
            return None
        if not isinstance(part.upper, cst.Integer) or not ctx.resolves_to(expr.value, _VERSION_INFO):
            return None
        return (major, minor, 0)[: int(part.upper.value)]
    return (major, minor, 0, 0) if ctx.resolves_to(expr, _VERSION_INFO) else None


def _int_tuple(expr: cst.BaseExpression) -> Optional[Tuple[int, ...]]:
    if not isinstance(expr, cst.Tuple) or not expr.elements:
        return None
    values = []
    for element in expr.elements:
        if not isinstance(element.value, cst.Integer):
            return None
        values.append(int(element.value.value))
    return tuple(values)
