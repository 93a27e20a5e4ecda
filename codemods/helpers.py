"""Matchers and structure helpers shared by rules. Add here, never copy into a rule."""

from __future__ import annotations

from typing import Collection, Iterable, Optional, Set, Tuple, Union

import libcst as cst
import libcst.matchers as m

from .context import FileContext

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


# -- moving a blocking call to a worker thread (AIO3xx) ------------------------------------

def await_needs_parens(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """Would ``await <expr>`` put in place of ``expr`` bind wrongly (``f().x`` -> ``await f().x``)?"""
    parent = ctx.parent(expr)
    if isinstance(parent, (cst.Attribute, cst.Subscript)):
        return parent.value is expr
    if isinstance(parent, cst.Call):
        return parent.func is expr
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Power):
        return parent.left is expr
    return False


def await_to_thread(fix, call: cst.Call) -> cst.Await:
    """``await asyncio.to_thread(<callee>, <args>)`` to put in place of ``call``.

    Every argument is kept as written (its spacing and comments too); the callee is
    passed itself, not wrapped in a lambda. The result is parenthesised where an
    unparenthesised ``await`` would bind differently. Use with ``fix.replace(call, ...)``.
    """
    before = call.whitespace_before_args
    if call.args and isinstance(before, cst.ParenthesizedWhitespace):
        # One argument a line stays one a line (a comment after "(" stays there, once).
        own_line = before.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
        comma = cst.Comma(whitespace_after=own_line)
    else:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    callee = cst.Arg(value=call.func, comma=comma if call.args else cst.MaybeSentinel.DEFAULT)
    inner = call.with_changes(func=fix.ref("asyncio.to_thread"), args=[callee, *call.args], lpar=(), rpar=())
    lpar, rpar = call.lpar, call.rpar
    if not lpar and await_needs_parens(fix.ctx, call):
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
    return cst.Await(expression=inner, lpar=lpar, rpar=rpar)


def binding_sources(ctx: FileContext, name: cst.Name) -> Optional[list]:
    """What each binding of ``name`` visible here assigns, or None if one is not understood.

    Understood: ``x = value`` (also chained) and ``with value as x`` give ``value``; a
    parameter and ``x: T = value`` give the ``cst.Annotation`` (None when unannotated). Loops,
    unpacking, imports and the like make the answer None.
    """
    scope = ctx.scope(name)
    bindings = scope[name.value] if scope is not None else ()
    if not bindings:
        return None
    values = []
    for binding in bindings:
        node = getattr(binding, "node", None)
        holder = ctx.parent(node) if isinstance(node, cst.Name) else None
        if isinstance(node, cst.Param):
            values.append(node.annotation)
        elif isinstance(holder, cst.AssignTarget):
            values.append(ctx.parent(holder).value)  # type: ignore[union-attr]
        elif isinstance(holder, cst.AnnAssign) and holder.target is node and holder.value is not None:
            values.append(holder.annotation)  # the declared type, as for a parameter
        elif isinstance(holder, cst.AsName) and isinstance(ctx.parent(holder), cst.WithItem):
            values.append(ctx.parent(holder).item)  # type: ignore[union-attr]
        else:
            return None
    return values


def bound_to_call(ctx: FileContext, expr: cst.BaseExpression, names: Collection[str]) -> bool:
    """``expr`` is a call to one of ``names``, or a name every binding of which is one (or
    is annotated with one of ``names``, for classes such as ``pathlib.Path``)."""
    if isinstance(expr, cst.Call):
        return is_call_to(ctx, expr, names)
    values = binding_sources(ctx, expr) if isinstance(expr, cst.Name) else None
    return bool(values) and all(
        ctx.resolves_to(declared_type(ctx, v), names)
        if isinstance(v, cst.Annotation)
        else is_call_to(ctx, v, names)
        for v in values  # type: ignore[union-attr]
    )


def declared_type(ctx: FileContext, annotation: cst.Annotation) -> cst.BaseExpression:
    """The class an annotation names, seen through ``Optional[X]``, ``X | None``, ``None | X``."""
    expr = annotation.annotation
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        if is_literal(expr.right, None):
            return expr.left
        if is_literal(expr.left, None):
            return expr.right
    if (
        isinstance(expr, cst.Subscript)
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
        and ctx.resolves_to(expr.value, {"typing.Optional"})
    ):
        return expr.slice[0].slice.value
    return expr


PATHLIB_PATHS = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})


def is_known_pathlib_path(ctx: FileContext, expr: cst.BaseExpression, _depth: int = 0) -> bool:
    """``expr`` is a concrete ``pathlib.Path`` we can identify: ``Path(...)``, a name bound
    only to ``Path(...)`` (or a parameter annotated ``Path``), or ``<such a path> / part``."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return is_known_pathlib_path(ctx, expr.left)
    if isinstance(expr, cst.Name) and _depth < 4:
        values = binding_sources(ctx, expr)
        return bool(values) and all(
            ctx.resolves_to(declared_type(ctx, v), PATHLIB_PATHS)
            if isinstance(v, cst.Annotation)
            else is_known_pathlib_path(ctx, v, _depth + 1)
            for v in values  # type: ignore[union-attr]
        )
    return is_call_to(ctx, expr, PATHLIB_PATHS)


def is_dotted_name(expr: cst.BaseExpression) -> bool:
    """``a`` or ``a.b.c``: no call, subscript or other expression in the chain (libcst's
    qualified name of ``os.popen(cmd).read`` is ``os.popen.read``, calls dropped)."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


def blocking_call_site(ctx: FileContext, call: cst.Call) -> bool:
    """Could ``call`` block the event loop: lexically in a coroutine body and not awaited?"""
    return ctx.in_coroutine() and not ctx.is_awaited(call)


def report_moved_to_thread(rule, call: cst.Call, message: str, *, unsafe: bool = False) -> None:
    """Report ``call`` with the fix ``await asyncio.to_thread(<callee>, <args>)``."""
    fix = rule.fix(call)
    fix.replace(call, await_to_thread(fix, call))
    rule.report(call, message, fix=fix, unsafe=unsafe)
