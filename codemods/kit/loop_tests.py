"""Tests that drive an event loop by hand (AIO702): which uses of the loop a migration to
``IsolatedAsyncioTestCase`` can drop or turn into ``await``, and the rewritten methods."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Set

import libcst as cst

from ..loops import NoFix
from .names import asyncio_names, is_call_to
from .syntax import as_operand, count_comments, sole_positional_arg
from .testcases import ASYNC_HOOKS, NestingVisitor, methods, receiver

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix

SET_LOOP = asyncio_names("set_event_loop")
# Decorators known to take a coroutine function as well as a plain one.
COROUTINE_SAFE_DECORATORS = frozenset({
    "unittest.skip", "unittest.skipIf", "unittest.skipUnless", "unittest.expectedFailure",
    "unittest.mock.patch", "unittest.mock.patch.object", "unittest.mock.patch.dict", "unittest.mock.patch.multiple",
    "mock.patch", "mock.patch.object", "mock.patch.dict", "mock.patch.multiple",
    "pytest.mark.skip", "pytest.mark.skipif", "pytest.mark.xfail", "pytest.mark.filterwarnings",
})


@dataclass
class MethodEdits:
    """What becomes of one method: lines dropped, ``run_until_complete`` calls awaited."""

    drop: List[cst.SimpleStatementLine] = field(default_factory=list)
    awaits: Dict[cst.Call, cst.BaseExpression] = field(default_factory=dict)
    lines: Dict[cst.SimpleStatementLine, cst.BaseStatement] = field(default_factory=dict)  # rewritten whole
    runners: List[cst.Call] = field(default_factory=list)  # calls that run the loop they are handed


def awaited(ctx: FileContext, run: cst.Call) -> cst.BaseExpression:
    """``await <arg>`` for ``loop.run_until_complete(<arg>)``, parenthesised where it is the
    target of an attribute, subscript or call."""
    arg = sole_positional_arg(run)
    if arg is None:
        raise NoFix("`run_until_complete` takes one argument")
    return awaited_in_place(ctx, run, arg)


def awaited_in_place(ctx: FileContext, old: cst.BaseExpression, operand: cst.BaseExpression) -> cst.Await:
    """``await <operand>`` to stand where ``old`` is, parenthesised where it is the target of an
    attribute, subscript or call."""
    new = cst.Await(as_operand(operand))
    parent = ctx.parent(old)
    if isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is old or \
            isinstance(parent, cst.Call) and parent.func is old:
        new = new.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return new


def whole_line(ctx: FileContext, expr: cst.CSTNode) -> Optional[cst.SimpleStatementLine]:
    """The line whose one statement is ``expr`` (an expression statement or an assignment)."""
    small = ctx.parent(expr)
    line = ctx.parent(small)
    if isinstance(small, (cst.Expr, cst.Assign)) and small.value is expr and isinstance(line, cst.SimpleStatementLine) \
            and len(line.body) == 1:
        return line
    return None


def in_comprehension(ctx: FileContext, node: cst.CSTNode, method: cst.FunctionDef) -> bool:
    while node is not None and node is not method:
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            return True
        node = ctx.parent(node)
    return False


def set_loop_lines(ctx: FileContext, method: cst.FunctionDef) -> List[cst.SimpleStatementLine]:
    """``asyncio.set_event_loop(...)`` statements of the method's own body."""
    lines = []
    for stmt in method.body.body:
        small = stmt.body[0] if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 else None
        if isinstance(small, cst.Expr) and is_call_to(ctx, small.value, SET_LOOP):
            lines.append(stmt)
    return lines


def rewritten_method(method: cst.FunctionDef, edits: MethodEdits) -> Optional[cst.FunctionDef]:
    """The method with its edits applied, made ``async def`` (a hook renamed) when it now awaits;
    None when nothing is left of its body. ``NoFix`` when a dropped line holds a comment."""
    if any(count_comments(line) for line in edits.drop):
        raise NoFix("a comment would be lost")
    dropped: Set[int] = {id(line) for line in edits.drop}

    class Apply(cst.CSTTransformer):
        def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
            return edits.awaits.get(original, updated)

        def leave_SimpleStatementLine(self, original, updated):  # type: ignore[override]
            return cst.RemoveFromParent() if id(original) in dropped else edits.lines.get(original, updated)

    body = method.body.visit(Apply())
    if not body.body:
        return None
    new = method.with_changes(body=body)
    if edits.awaits or edits.lines:
        name = ASYNC_HOOKS.get(method.name.value, method.name.value)
        new = new.with_changes(asynchronous=cst.Asynchronous(), name=method.name.with_changes(value=name))
    return new


def check_conversions(ctx: FileContext, family: List[cst.ClassDef], edits: Dict[cst.FunctionDef, MethodEdits]) -> None:
    """``NoFix`` unless every method that will await can become a coroutine: a test that is a
    plain ``def`` whose decorators take coroutine functions too, or a hook (``setUp``) that no
    other class of the family also defines."""
    hooks = Counter(m.name.value for cls in family for m in methods(cls))
    for method, changes in edits.items():
        name = method.name.value
        if not (changes.awaits or changes.lines):
            continue
        if name in ASYNC_HOOKS and (hooks[name] > 1 or hooks[ASYNC_HOOKS[name]]):
            raise NoFix("set-up split over several classes")
        if name not in ASYNC_HOOKS:
            check_test(ctx, method)


def check_test(ctx: FileContext, method: cst.FunctionDef) -> None:
    if method.asynchronous is not None:
        raise NoFix(f"`{method.name.value}` is an `async def` test that unittest never ran")
    for decorator in method.decorators:
        target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        if not ctx.resolves_to(target, COROUTINE_SAFE_DECORATORS):
            raise NoFix(f"`{method.name.value}` has a decorator that may not take a coroutine function")


def replace_methods(fix: "Fix", family: List[cst.ClassDef], new: Dict[cst.FunctionDef, Optional[cst.FunctionDef]]) -> None:
    """Have ``fix`` put each method of ``new`` in its place (None: remove it). A statement after
    removed methods takes the blank lines above the first of them (its own comments kept), so
    no blank line opens a class body."""
    for cls in family:
        removed_run: List[cst.CSTNode] = []
        stmts = list(cls.body.body)
        for stmt in stmts:
            replacement = new.get(stmt, stmt)
            if replacement is None and all(new.get(s, s) is None for s in stmts):
                replacement = cst.SimpleStatementLine([cst.Pass()]) if stmt is stmts[-1] else None  # an empty body
                if replacement is not None:
                    replacement = replacement.with_changes(leading_lines=stmts[0].leading_lines)
                    fix.replace(stmt, replacement)
                    continue
            if replacement is None:
                fix.remove(stmt)
                removed_run.append(stmt)
                continue
            if removed_run:
                replacement = folded(fix, replacement) if replacement is stmt else replacement
                kept = [line for line in replacement.leading_lines if line.comment is not None]
                replacement = replacement.with_changes(leading_lines=[*removed_run[0].leading_lines, *kept])
                removed_run = []
            if replacement is not stmt:
                fix.replace(stmt, replacement)


def folded(fix: "Fix", stmt: cst.CSTNode, rebuilt: Optional[Dict[cst.CSTNode, Callable]] = None) -> cst.CSTNode:
    """``stmt`` with the fix's edits of nodes inside it applied, and those edits taken out of the
    fix (so that ``stmt`` itself can be replaced); each node of ``rebuilt`` becomes what its
    function makes of the node with the edits inside it applied."""
    inside: Set[int] = set()

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            inside.add(id(node))
            return True

    stmt.visit(Collect())
    # one pass: a transformer rebuilds every node above an edit, so the next edit's node would
    # be gone from a tree that one edit was applied to
    edits = {old: fix.edits.pop(old) for old in [old for old in fix.edits if id(old) in inside and old is not stmt]}
    rebuilt = rebuilt or {}

    class Apply(cst.CSTTransformer):
        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[override]
            if original in rebuilt:
                return rebuilt[original](updated)
            return edits.get(original, updated)

    return stmt.visit(Apply())


def awaited_in_assert_raises(ctx: FileContext, call: cst.Call, runs) -> Optional[cst.With]:
    """``with self.assertRaises(E): await x`` for the line ``self.assertRaises(E, <run>, x)``, where
    ``runs(<run>)`` says the callable runs its argument on a loop; else None."""
    line = whole_line(ctx, call)
    func = call.func
    if line is None or not (isinstance(func, cst.Attribute) and func.attr.value in ("assertRaises", "assertRaisesRegex")):
        return None
    count = 3 if func.attr.value == "assertRaises" else 4
    if len(call.args) != count or any(arg.keyword or arg.star for arg in call.args) or not runs(call.args[-2].value):
        return None
    manager = call.with_changes(args=[*call.args[:-3], call.args[-3].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    if count == 4:
        manager = call.with_changes(args=[call.args[0], call.args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    if isinstance(manager.whitespace_before_args, cst.ParenthesizedWhitespace):  # what is left fits on the line
        manager = manager.with_changes(whitespace_before_args=cst.SimpleWhitespace(""))
    body = cst.SimpleStatementLine([cst.Expr(cst.Await(as_operand(call.args[-1].value)))])
    return cst.With([cst.WithItem(manager)], cst.IndentedBlock([body]), leading_lines=line.leading_lines)


def calls_in(method: cst.FunctionDef, names: set) -> list:
    """(call, in a nested function) for each call of one of ``names`` (a bare name or a method)."""
    found = []

    class Finder(NestingVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else None
            if name in names:
                found.append((node, self.depth > 0))

    method.body.visit(Finder())
    return found


def mentions(method: cst.FunctionDef, names: set) -> int:
    """How often the method names one of ``names`` (a bare name or an attribute)."""
    count = 0

    class Counter(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            nonlocal count
            count += node.value in names

    method.body.visit(Counter())
    return count


def one_round(ctx: FileContext, call: cst.CSTNode, loop: cst.BaseExpression) -> Optional[tuple]:
    """(the ``loop.stop()`` line, the ``loop.run_forever()`` line right after it) when ``call`` is
    either: the pair that runs the loop one more round; else None."""
    line = whole_line(ctx, call)
    block = ctx.parent(line) if line is not None else None
    if not isinstance(block, cst.IndentedBlock) or not isinstance(call, cst.Call) or call.args:
        return None
    index = next(i for i, stmt in enumerate(block.body) if stmt is line)
    first = index - (call.func.attr.value == "run_forever")
    pair = block.body[first:first + 2] if first >= 0 else []
    expected = [cst.Call(cst.Attribute(loop, cst.Name(name))) for name in ("stop", "run_forever")]
    if len(pair) == 2 and all(
        isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)
        and stmt.body[0].value.deep_equals(want) for stmt, want in zip(pair, expected)
    ):
        return pair[0], pair[1]
    return None


def bind_running_loop(fix: "Fix", cls: cst.ClassDef, attr: str) -> bool:
    """Have ``fix`` bind ``self.<attr>`` to the running loop as the class's ``asyncSetUp`` starts:
    the first line of its coroutine ``setUp`` (which the fix renames), else a new ``asyncSetUp``
    after its sync ``setUp`` or before its first method. False when the class has no method."""
    funcs = list(methods(cls))
    setup = next((f for f in funcs if f.name.value == "setUp"), None)
    if setup is not None and setup.asynchronous is not None:
        first = next((s for s in setup.body.body if not is_docstring(s)), None)
    else:
        first = setup or next(iter(funcs), None)
    if first is None:
        return False
    name = receiver(setup) if setup is not None and setup.asynchronous is not None else "self"
    binding = fix.parse_statement(f"{name}.{attr} = {{get}}()\n", get=fix.ref("asyncio.get_running_loop"))
    current = fix.edits.pop(first, None) or folded(fix, first)
    if first is not setup and first in funcs:  # a new asyncSetUp before the first method
        blank = [cst.EmptyLine(indent=False)]
        method = _async_setup(binding).with_changes(leading_lines=[l for l in current.leading_lines if l.comment is None])
        kept = current.leading_lines if current.leading_lines and current.leading_lines[0].comment is None else \
            [*blank, *current.leading_lines]
        new = [method, current.with_changes(leading_lines=kept)]
    elif first is setup:  # after the sync setUp
        new = [current, _async_setup(binding).with_changes(leading_lines=[cst.EmptyLine(indent=False)])]
    else:
        new = [binding.with_changes(leading_lines=current.leading_lines), current.with_changes(leading_lines=())]
    fix.replace(first, cst.FlattenSentinel(new))
    return True


def _async_setup(line: cst.BaseStatement) -> cst.FunctionDef:
    return cst.FunctionDef(cst.Name("asyncSetUp"), cst.Parameters([cst.Param(cst.Name("self"))]),
                           cst.IndentedBlock([line]), asynchronous=cst.Asynchronous())


def is_docstring(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


@functools.lru_cache(maxsize=8)
def loop_running_functions(module: cst.Module) -> frozenset:
    """Names of the module-level functions that run a loop they are handed: one of their
    parameters is called ``.run_until_complete(...)`` or ``.run_forever()`` in their body."""
    found = set()
    for func in (stmt for stmt in module.body if isinstance(stmt, cst.FunctionDef)):
        params = {p.name.value for p in (*func.params.params, *func.params.kwonly_params, *func.params.posonly_params)}

        class Finder(cst.CSTVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                callee = node.func
                if isinstance(callee, cst.Attribute) and callee.attr.value in ("run_until_complete", "run_forever") \
                        and isinstance(callee.value, cst.Name) and callee.value.value in params:
                    found.add(func.name.value)

        func.body.visit(Finder())
    return frozenset(found)
