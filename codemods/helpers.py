"""Matchers and structure helpers shared by rules. Add here, never copy into a rule."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Optional, Set, Tuple, Union

import libcst as cst
import libcst.matchers as m

from .context import FileContext

if TYPE_CHECKING:
    from .rule import Fix

# Small statements whose whole value is one expression a rule may rewrite in place.
ValueStatement = Union[cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return]

_ASYNCIO_SUBMODULES = (
    "base_events", "coroutines", "events", "exceptions", "futures", "locks", "queues",
    "runners", "streams", "subprocess", "tasks", "taskgroups", "timeouts", "unix_events",
    "windows_events",
)


def asyncio_names(*attrs: str) -> Set[str]:
    """Every qualified name under which asyncio exports ``attr`` (``asyncio.tasks.gather``…)."""
    names = set()
    for attr in attrs:
        names.add(f"asyncio.{attr}")
        names.update(f"asyncio.{sub}.{attr}" for sub in _ASYNCIO_SUBMODULES)
    return names


def is_call_to(ctx: FileContext, node: cst.CSTNode, names: Iterable[str]) -> bool:
    """``node`` is a call whose callee can only be one of ``names``."""
    return isinstance(node, cst.Call) and ctx.resolves_to(node.func, set(names))


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


def count_comments(node: cst.CSTNode) -> int:
    class Counter(cst.CSTVisitor):
        found = 0

        def visit_Comment(self, node: cst.Comment) -> None:
            self.found += 1

    counter = Counter()
    node.visit(counter)
    return counter.found


def loses_comments(original: cst.CSTNode, kept: Iterable[cst.CSTNode]) -> bool:
    """Would rebuilding ``original`` from only the ``kept`` parts drop a comment?"""
    return count_comments(original) > sum(count_comments(k) for k in kept)


def is_literal(expr: Optional[cst.BaseExpression], value: object) -> bool:
    """``expr`` spells the constant ``value`` (True/False/None or a number)."""
    if expr is None:
        return False
    if value is None or isinstance(value, bool):
        return m.matches(expr, m.Name(str(value)))
    if isinstance(expr, (cst.Integer, cst.Float)):
        return expr.evaluated_value == value
    return False


def keyword_arg(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def without_trailing_comma(args: Iterable[cst.Arg]) -> list:
    """Args as a list whose last element has no trailing comma (for rebuilt calls)."""
    result = list(args)
    if result and result[-1].comma is not cst.MaybeSentinel.DEFAULT:
        result[-1] = result[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return result


def awaited(ctx: FileContext, node: cst.BaseExpression, call: cst.BaseExpression) -> cst.Await:
    """``await call``, to stand where ``node`` stands.

    Keeps ``node``'s own parentheses, and adds some where the parent binds tighter than
    ``await`` (``x.attr``, ``x[i]``, ``x()``): ``input().strip()`` becomes
    ``(await asyncio.to_thread(input)).strip()``.
    """
    parent = ctx.parent(node)
    binds_tighter = (
        isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node
    ) or (isinstance(parent, cst.Call) and parent.func is node)
    lpar, rpar = list(node.lpar), list(node.rpar)
    if binds_tighter and not lpar:
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
    return cst.Await(expression=call.with_changes(lpar=[], rpar=[]), lpar=lpar, rpar=rpar)


def to_thread_call(
    func_ref: cst.BaseExpression, function: cst.BaseExpression, args: Iterable[cst.Arg] = ()
) -> cst.Call:
    """``asyncio.to_thread(function, *args)``, with ``func_ref`` spelling ``asyncio.to_thread``
    (from ``Fix.ref``) and the original arguments kept as written."""
    return cst.Call(func=func_ref, args=[cst.Arg(function), *args])


def remove_callee_import_if_unused(fix: "Fix", func: cst.BaseExpression, qualified: str) -> None:
    """Schedule removal of the import that binds ``func`` (``time.sleep`` or ``sleep``, resolving
    to ``qualified``) in case the rewrite leaves it unused."""
    module, _, obj = qualified.rpartition(".")
    if isinstance(func, cst.Name):
        fix.remove_import_if_unused(module, obj, func.value if func.value != obj else None)
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and "." not in module:
        fix.remove_import_if_unused(module, None, func.value.value if func.value.value != module else None)
