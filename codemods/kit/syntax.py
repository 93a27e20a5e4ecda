"""Call shapes, literals, comments and new names: facts about a node read off the node itself."""

from __future__ import annotations

from typing import Iterable, Optional, Set

import libcst as cst

from ..lazy import matchers as m


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


def sole_positional_arg(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The value of ``call``'s argument when it has exactly one, neither keyword nor starred."""
    if len(call.args) == 1 and not call.args[0].star and call.args[0].keyword is None:
        return call.args[0].value
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def without_trailing_comma(args: Iterable[cst.Arg]) -> list:
    """Args as a list whose last element has no trailing comma (for rebuilt calls)."""
    result = list(args)
    if result and result[-1].comma is not cst.MaybeSentinel.DEFAULT:
        result[-1] = result[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return result


def as_operand(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` parenthesised unless it is already, or is an atom or a call: ready to follow
    ``await`` or an operator (``await (a or b)``, ``t + (x - y)``)."""
    atom = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString,
            cst.List, cst.Tuple, cst.Dict, cst.Set)
    if expr.lpar or isinstance(expr, atom):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def names_in(*nodes: Optional[cst.CSTNode]) -> Set[str]:
    """Every identifier spelled anywhere in ``nodes`` (to choose new names that clash with none)."""
    found: Set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)

    for node in nodes:
        if node is not None:
            node.visit(Collect())
    return found


def fresh_name(base: str, taken: Set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``… whichever is not in ``taken``; then mark it taken."""
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def method_receiver(node: cst.CSTNode, method: str) -> Optional[cst.BaseExpression]:
    """The receiver of ``receiver.method(...)``, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method:
        return node.func.value
    return None


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


def shift_aligned_lines(node: cst.CSTNode, bracket_column: int, indent: int, delta: int) -> cst.CSTNode:
    """``node`` (what follows an opening bracket at ``bracket_column`` that a fix moves
    ``delta`` columns right, in a statement indented ``indent`` columns) with every line it
    continues on that starts right of the bracket moved by ``delta`` too: lines aligned under
    the bracket, or under a bracket inside it, stay aligned. Lines left of it (a hanging
    indent) stay where they are. Columns count characters, so call it only for space indents.
    """
    if not delta:
        return node

    def column(indented: bool, whitespace: str) -> int:
        return (indent if indented else 0) + len(whitespace)

    class Shift(cst.CSTTransformer):
        def leave_ParenthesizedWhitespace(self, original, updated):  # type: ignore[override]
            if column(updated.indent, updated.last_line.value) <= bracket_column:
                return updated
            return updated.with_changes(last_line=cst.SimpleWhitespace(updated.last_line.value + " " * delta))

        def leave_EmptyLine(self, original, updated):  # type: ignore[override]
            if updated.comment is None or column(updated.indent, updated.whitespace.value) <= bracket_column:
                return updated
            return updated.with_changes(whitespace=cst.SimpleWhitespace(updated.whitespace.value + " " * delta))

    return node.visit(Shift())


def as_set_display(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The same items as a set: a list or tuple display becomes a set display, a list
    comprehension a set comprehension (items evaluated and added in the same order, brackets'
    whitespace kept); a set display or comprehension stays; None for anything else."""
    if isinstance(value, (cst.Set, cst.SetComp)):
        return value
    if isinstance(value, (cst.List, cst.ListComp)):
        lbrace = cst.LeftCurlyBrace(value.lbracket.whitespace_after)
        rbrace = cst.RightCurlyBrace(value.rbracket.whitespace_before)
        if isinstance(value, cst.List):
            return cst.Set(value.elements, lbrace, rbrace, value.lpar, value.rpar)
        return cst.SetComp(value.elt, value.for_in, lbrace, rbrace, value.lpar, value.rpar)
    if isinstance(value, cst.Tuple) and len(value.lpar) == 1:
        lbrace = cst.LeftCurlyBrace(value.lpar[0].whitespace_after)
        return cst.Set(value.elements, lbrace, cst.RightCurlyBrace(value.rpar[0].whitespace_before))
    return None


def append_keyword_arg(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``keyword=value`` added after its last argument, laid out like the
    arguments before it (one per line stays one per line)."""
    new = cst.Arg(
        value=value,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if not call.args:
        return call.with_changes(args=[new])
    args = list(call.args)
    last = args[-1]
    if last.comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return call.with_changes(args=[*args, new])
    before_last = args[-2].comma.whitespace_after if len(args) > 1 else call.whitespace_before_args
    if isinstance(before_last, cst.ParenthesizedWhitespace):  # same indent, without its comment
        before_last = before_last.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    elif isinstance(before_last, cst.SimpleWhitespace) and not before_last.value:
        before_last = cst.SimpleWhitespace(" ")
    args[-1] = last.with_changes(comma=cst.Comma(last.comma.whitespace_before, before_last))
    return call.with_changes(args=[*args, new.with_changes(comma=last.comma)])
