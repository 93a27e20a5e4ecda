"""``await``, ``asyncio.to_thread(...)``, and moving a block into a sync helper run in a thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, List, Optional, Set, Tuple

import libcst as cst

from .syntax import shift_aligned_lines

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix


class _ThreadSafetyScan(cst.CSTVisitor):
    """Why a block cannot become the body of a sync function, or None."""

    def __init__(self, ctx: FileContext, outer_names: Set[str]) -> None:
        super().__init__()
        self.ctx = ctx
        self.outer_names = outer_names
        self.loops = 0
        self.reason: Optional[str] = None

    def _stop(self, reason: str) -> bool:
        self.reason = self.reason or reason
        return False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.reason:
            return False
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False  # their own `return`s and names are theirs
        if isinstance(node, (cst.Await, cst.Yield)):
            return self._stop("it awaits or yields")
        if isinstance(node, (cst.Return, cst.Global, cst.Nonlocal, cst.Del)):
            return self._stop(f"it has a `{type(node).__name__.lower()}` statement")
        if isinstance(node, (cst.For, cst.With, cst.CompFor)) and node.asynchronous is not None:
            return self._stop("it has `async for` or `async with`")
        if isinstance(node, (cst.Break, cst.Continue)) and not self.loops:
            return self._stop("it has `break` or `continue`")
        if isinstance(node, cst.Name):
            if node.value in ("super", "locals", "vars") or node.value in self.outer_names:
                return self._stop(f"it uses `{node.value}`")
            if any(q.startswith("asyncio") for q in self.ctx.qualified_names(node)):
                return self._stop("it uses asyncio")
        if isinstance(node, (cst.For, cst.While)):
            self.loops += 1
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.For, cst.While)):
            self.loops -= 1


def thread_helper_exports(
    ctx: FileContext, block: cst.BaseCompoundStatement
) -> Tuple[Optional[List[str]], str]:
    """Can ``block`` (a statement in a function body) move into a local sync function run by
    ``asyncio.to_thread``? Returns the names it binds that are used elsewhere (the helper
    returns them), or None and the reason why not.

    Refused: ``await``/``yield``/``return``/``del``/``global``/``nonlocal``, ``break`` or
    ``continue`` outside a loop of the block, asyncio names, ``super``/``locals``, a name of
    the function's ``global``/``nonlocal`` statements, and any name read or exported that the
    block does not certainly assign before (at its top level, not inside a branch).
    """
    function = ctx.enclosing_function()
    scope = ctx.scope(block)
    if function is None or not isinstance(scope, cst.metadata.FunctionScope):
        return None, "it is not in a function body"
    declared: Set[str] = set()
    for node in _walk(function.body):
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            declared.update(n.name.value for n in node.names)
    scan = _ThreadSafetyScan(ctx, declared)
    block.visit(scan)
    if scan.reason:
        return None, scan.reason
    statements = list(block.body.body) if isinstance(block.body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else []

    def top_index(node: cst.CSTNode) -> Tuple[int, bool]:
        """(index of the top-level statement of ``block`` holding ``node``, unconditional?)"""
        unconditional = True
        while True:
            parent = ctx.parent(node)
            if parent is block or parent is None:
                return -1, unconditional
            if parent is block.body:
                return statements.index(node), unconditional  # type: ignore[arg-type]
            if isinstance(parent, (cst.BaseCompoundStatement, cst.NamedExpr)):
                unconditional = False
            node = parent

    definite: dict = {}
    inside: List[Tuple[int, str, bool]] = []
    for assignment in scope.assignments:
        node = getattr(assignment, "node", None)
        if node is None or not is_within(ctx, node, block):
            continue
        index, unconditional = top_index(node)
        if unconditional:
            definite[assignment.name] = min(index, definite.get(assignment.name, index))
        used_outside = any(not is_within(ctx, ref.node, block) for ref in assignment.references)
        inside.append((index, assignment.name, used_outside))
    for access in scope.accesses:
        name = access.node.value if isinstance(access.node, cst.Name) else None
        if name and is_within(ctx, access.node, block) and any(name == n for _, n, _ in inside):
            if not _assigned_before(ctx, access.node, name, block):
                return None, f"it reads `{name}` before certainly assigning it"
    exports: List[str] = []
    for _, name, used_outside in sorted(inside, key=lambda t: t[0]):
        if used_outside and name not in exports:
            if name not in definite:
                return None, f"it assigns `{name}`, used afterwards, only conditionally"
            exports.append(name)
    return exports, ""


def thread_helper_call(
    ctx: FileContext, fix: "Fix", node: cst.BaseCompoundStatement, helper: str, exports: List[str]
) -> cst.FlattenSentinel:
    """``def helper():`` holding ``node`` and returning ``exports``, then
    ``<exports> = await asyncio.to_thread(helper)``: what replaces ``node`` once
    ``thread_helper_exports`` allows it."""
    body = [node.with_changes(leading_lines=[]), fix.parse_statement(f"return {', '.join(exports)}")]
    if not exports:
        body.pop()
    siblings = getattr(ctx.parent(node), "body", ())
    spaced = node.leading_lines or not siblings or siblings[0] is node
    definition = cst.FunctionDef(
        name=cst.Name(helper), params=cst.Parameters(), body=cst.IndentedBlock(body=body),
        leading_lines=node.leading_lines if spaced else [cst.EmptyLine(indent=False)],
    )
    call = cst.Await(to_thread_call(fix.ref("asyncio.to_thread"), cst.Name(helper)))
    targets = fix.parse_expression(", ".join(exports)) if exports else None
    small = cst.Assign([cst.AssignTarget(targets)], call) if targets is not None else cst.Expr(call)
    statement = cst.SimpleStatementLine([small], leading_lines=[cst.EmptyLine(indent=False)])
    return cst.FlattenSentinel([definition, statement])


def _target_names(target: Optional[cst.CSTNode]) -> Set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_target_names(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def _binds(statement: cst.CSTNode, name: str) -> bool:
    """Does ``statement`` (run to completion) certainly bind ``name``?"""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.name.value == name
    smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
    for small in smalls:
        if isinstance(small, cst.Assign) and any(name in _target_names(t.target) for t in small.targets):
            return True
        if isinstance(small, (cst.AnnAssign, cst.AugAssign)) and name in _target_names(small.target):
            return small.value is not None if isinstance(small, cst.AnnAssign) else True
    return False


def _assigned_before(ctx: FileContext, node: cst.CSTNode, name: str, block: cst.CSTNode) -> bool:
    """Is ``name`` certainly bound, within ``block``, before ``node`` runs?"""
    while node is not block:
        parent = ctx.parent(node)
        if parent is None:
            return False
        siblings = getattr(parent, "body", None)
        if isinstance(parent, (cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)) and node in siblings:
            if any(_binds(s, name) for s in siblings[: siblings.index(node)]):
                return True
        if _binds_for_body(parent, node, name):
            return True
        node = parent
    return False


def _binds_for_body(parent: cst.CSTNode, body: cst.CSTNode, name: str) -> bool:
    """``parent`` is a ``for``/``with``/``except`` that binds ``name`` for its ``body``."""
    return body is getattr(parent, "body", None) and (
        isinstance(parent, cst.For) and name in _target_names(parent.target)
        or isinstance(parent, cst.With) and any(
            i.asname is not None and name in _target_names(i.asname.name) for i in parent.items
        )
        or isinstance(parent, cst.ExceptHandler) and parent.name is not None
        and name in _target_names(parent.name.name)
    )


def only_used_once_in(ctx: FileContext, target: cst.Name, statement: cst.CSTNode) -> bool:
    """The name ``target`` binds in ``statement`` is read exactly once there, and is read
    elsewhere only under a ``for``/``with``/``except`` that binds it again."""
    scope = ctx.scope(target)
    if scope is None:
        return False
    inside = 0
    for access in scope.accesses[target.value]:
        if is_within(ctx, access.node, statement):
            inside += 1
            continue
        node = access.node
        while node is not None and not _binds_for_body(ctx.parent(node), node, target.value):
            node = ctx.parent(node)
        if node is None:
            return False
    return inside == 1


def await_needs_parens(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """Would ``await <expr>`` put in place of ``expr`` bind wrongly? Its parent binds tighter
    than ``await`` (``x.attr``, ``x[i]``, ``x()``: ``f().x`` -> ``await f().x``).

    Also true for the left operand of ``**``, where the parentheses are redundant (``await``
    binds tighter) but are what the to_thread fixes have always written.
    """
    parent = ctx.parent(expr)
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Power):
        return parent.left is expr
    return (isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is expr) or (
        isinstance(parent, cst.Call) and parent.func is expr
    )


def awaited(ctx: FileContext, node: cst.BaseExpression, call: cst.BaseExpression) -> cst.Await:
    """``await call``, to stand where ``node`` stands.

    Keeps ``node``'s own parentheses, and adds some where ``await_needs_parens``:
    ``input().strip()`` becomes ``(await asyncio.to_thread(input)).strip()``.
    """
    lpar, rpar = list(node.lpar), list(node.rpar)
    if not lpar and await_needs_parens(ctx, node):
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
    return cst.Await(expression=call.with_changes(lpar=[], rpar=[]), lpar=lpar, rpar=rpar)


def to_thread_call(
    func_ref: cst.BaseExpression, function: cst.BaseExpression, args: Iterable[cst.Arg] = ()
) -> cst.Call:
    """``asyncio.to_thread(function, *args)`` in libcst's default layout, with ``func_ref``
    spelling ``asyncio.to_thread`` (from ``Fix.ref``) and the given arguments kept as written.
    For a call moved as it stands, ``await_to_thread`` keeps its layout instead."""
    return cst.Call(func=func_ref, args=[cst.Arg(function), *args])


def await_to_thread(fix: "Fix", call: cst.Call) -> cst.Await:
    """``await asyncio.to_thread(<callee>, <args>)`` to put in place of ``call`` (with
    ``fix.replace``), laid out like ``call`` and parenthesised as ``awaited`` does.

    Every argument is kept as written (its spacing and comments too), and so is the space
    inside the parentheses; the callee is passed itself, not wrapped in a lambda.
    """
    before = call.whitespace_before_args
    if call.args and isinstance(before, cst.ParenthesizedWhitespace):
        # One argument a line stays one a line (a comment after "(" stays there, once).
        own_line = before.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
        comma = cst.Comma(whitespace_after=own_line)
    else:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    callee = cst.Arg(value=call.func, comma=comma if call.args else cst.MaybeSentinel.DEFAULT)
    to_thread = fix.ref("asyncio.to_thread")
    args = list(call.args)
    if args and not isinstance(before, cst.ParenthesizedWhitespace):
        args = _realigned(fix.ctx, call, to_thread, args)
    moved = call.with_changes(func=to_thread, args=[callee, *args], lpar=(), rpar=())
    return awaited(fix.ctx, call, moved)


def _realigned(ctx: FileContext, call: cst.Call, to_thread: cst.BaseExpression, args: List[cst.Arg]) -> List[cst.Arg]:
    """``args`` with the lines aligned under the call's first argument moved right as far as
    that argument moves: ``f(a,`` becomes ``await asyncio.to_thread(f, a,``."""
    func = ctx.code_for(call.func)
    spelled = "".join(ctx.code_for(arg) for arg in args)
    if "\n" not in spelled or "\n" in func or "\t" in spelled:
        return args  # one line, or columns that would not count characters
    statement = ctx.parent(call)
    while statement is not None and not isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        statement = ctx.parent(statement)
    if statement is None:
        return args
    indent = ctx.position(statement).start.column
    bracket = ctx.position(call.func).end.column + len(call.whitespace_after_func.value)
    parentheses = 0 if call.lpar or not await_needs_parens(ctx, call) else 1
    delta = parentheses + len("await ") + len(cst.Module([]).code_for_node(to_thread)) + len(", ")
    return [shift_aligned_lines(arg, bracket, indent, delta) for arg in args]


def is_within(ctx: FileContext, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = ctx.parent(node)  # type: ignore[assignment]
    return False


def _walk(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)
