"""Matchers and structure helpers shared by rules. Add here, never copy into a rule."""

from __future__ import annotations

from typing import Iterable, Optional, Set, Tuple, Union

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


def binding_values(ctx: FileContext, name: cst.Name) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """The values of every binding ``name`` can refer to where it stands.

    Only when each binding is a plain ``name = value`` / ``name: T = value`` with a single
    target; None when any is something else (parameter, import, loop target, ``+=``,
    tuple unpacking, walrus...) or the name is unbound here.
    """
    scope = ctx.scope(name)
    if scope is None:
        return None
    bindings = scope[name.value]
    if not bindings:
        return None
    values = []
    for binding in bindings:
        target = getattr(binding, "node", None)
        if not isinstance(target, cst.Name):
            return None
        parent = ctx.parent(target)
        if isinstance(parent, cst.AssignTarget):
            assign = ctx.parent(parent)
            if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
                return None
            values.append(assign.value)
        elif isinstance(parent, cst.AnnAssign) and parent.target is target and parent.value is not None:
            values.append(parent.value)
        else:
            return None
    return tuple(values)


def function_of(ctx: FileContext, node: Optional[cst.CSTNode]) -> Optional[cst.FunctionDef]:
    """The innermost ``def`` holding ``node`` (found through parents, so usable from any hook)."""
    while node is not None and not isinstance(node, cst.FunctionDef):
        node = ctx.parent(node)
    return node


def self_attribute_values(
    ctx: FileContext, expr: cst.BaseExpression
) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """For ``self.attr`` in a method: the values of every ``self.attr = value`` in its class.

    ``self`` is the first parameter of the enclosing method, whose parent is a class body.
    None when ``expr`` is not such an attribute, or the class assigns it in any other way
    (augmented, unpacked, with another receiver name) or never.
    """
    if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
        return None
    method = function_of(ctx, expr)
    if method is None or not method.params.params:
        return None
    receiver = method.params.params[0].name.value
    block = ctx.parent(method)
    cls = ctx.parent(block) if block is not None else None
    if expr.value.value != receiver or not isinstance(cls, cst.ClassDef):
        return None
    attr = expr.attr.value
    found: list = []
    ok = [True]

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value != attr or not isinstance(node.value, cst.Name):
                return
            parent = ctx.parent(node)
            if isinstance(parent, cst.AssignTarget):
                assign = ctx.parent(parent)
                if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and node.value.value == receiver:
                    found.append(assign.value)
                else:
                    ok[0] = False
            elif isinstance(parent, (cst.AnnAssign, cst.AugAssign, cst.Element, cst.Del)) and (
                getattr(parent, "target", None) is node or isinstance(parent, (cst.Element, cst.Del))
            ):
                ok[0] = False

    cls.body.visit(Finder())
    return tuple(found) if ok[0] and found else None


_LOCKS = asyncio_names("Lock", "Semaphore", "BoundedSemaphore", "Condition")


def is_asyncio_lock(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is known to be an asyncio Lock, Semaphore, BoundedSemaphore or Condition.

    A name whose every binding is a constructor call, a ``self.attr`` only ever assigned one
    in its class, or a parameter annotated with one of these classes and never rebound.
    """
    if isinstance(expr, cst.Attribute):
        values = self_attribute_values(ctx, expr)
    elif isinstance(expr, cst.Name):
        scope = ctx.scope(expr)
        params = [getattr(b, "node", None) for b in (scope[expr.value] if scope is not None else ())]
        if len(params) == 1 and isinstance(params[0], cst.Param) and params[0].annotation is not None:
            return ctx.resolves_to(params[0].annotation.annotation, _LOCKS)
        values = binding_values(ctx, expr)
    else:
        return False
    return bool(values) and all(is_call_to(ctx, value, _LOCKS) for value in values)


def async_with_over(node: cst.With, exprs: Iterable[cst.BaseExpression]) -> cst.With:
    """``node`` as ``async with`` whose items hold ``exprs`` (one per item, in order).

    ``with (await lock):`` has its now useless parentheses (and a trailing comma in them)
    dropped, keeping a space after ``with``.
    """
    items = [item.with_changes(item=expr) for item, expr in zip(node.items, exprs)]
    new = node.with_changes(asynchronous=cst.Asynchronous(), items=items)
    if len(items) == 1 and isinstance(node.lpar, cst.LeftParen):
        new = new.with_changes(
            lpar=cst.MaybeSentinel.DEFAULT,
            rpar=cst.MaybeSentinel.DEFAULT,
            items=[items[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)],
            whitespace_after_with=cst.SimpleWhitespace(" "),
        )
    return new
