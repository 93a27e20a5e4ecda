"""Matchers and structure helpers shared by rules. Add here, never copy into a rule."""

from __future__ import annotations

import functools

from typing import TYPE_CHECKING, Iterable, List, Optional, Set, Tuple, Union

import libcst as cst
import libcst.matchers as m

from .context import FileContext

if TYPE_CHECKING:
    from .rule import Fix, Rule

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


PATH_CLASSES = {"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"}
_PATH_RETURNING = {"absolute", "expanduser", "joinpath", "resolve", "with_name", "with_stem", "with_suffix"}


def is_within(ctx: FileContext, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = ctx.parent(node)  # type: ignore[assignment]
    return False


def assigned_values(ctx: FileContext, name: cst.CSTNode) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """The values a local ``name`` (a Name being read) can hold, when every assignment it
    can see is a plain ``name = value`` in the same function; else None."""
    scope = ctx.scope(name)
    if not isinstance(name, cst.Name) or scope is None or not isinstance(scope, cst.metadata.FunctionScope):
        return None
    accesses = [a for a in scope.accesses[name.value] if a.node is name]
    if len(accesses) != 1 or not accesses[0].referents:
        return None
    values = []
    for assignment in accesses[0].referents:
        target = getattr(assignment, "node", None)
        holder = ctx.parent(ctx.parent(target)) if target is not None else None
        if (
            getattr(assignment, "scope", None) is not scope
            or not isinstance(holder, cst.Assign)
            or len(holder.targets) != 1
            or holder.targets[0].target is not target
        ):
            return None
        values.append(holder.value)
    return tuple(values)


def is_pathlib_path(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """``expr`` is certainly a ``pathlib.Path``: ``Path(...)``, ``path / "x"``,
    ``path.with_suffix(...)``, or a local assigned only from such expressions."""
    if depth > 5:
        return False
    if isinstance(expr, cst.Call):
        if ctx.resolves_to(expr.func, PATH_CLASSES):
            return True
        func = expr.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in _PATH_RETURNING
            and is_pathlib_path(ctx, func.value, depth + 1)
        )
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return is_pathlib_path(ctx, expr.left, depth + 1)
    if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
        return is_pathlib_path(ctx, expr.value, depth + 1)
    values = assigned_values(ctx, expr) if isinstance(expr, cst.Name) else None
    return bool(values) and all(is_pathlib_path(ctx, v, depth + 1) for v in values)  # type: ignore[union-attr]


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


def _walk(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


OTHER_ASYNC_LIBRARIES = ("trio", "anyio", "curio")


@functools.lru_cache(maxsize=8)
def other_async_library(module: cst.Module) -> Optional[str]:
    """The first of trio/anyio/curio the file imports: its coroutines may run on that library's
    loop, where an asyncio call (``asyncio.sleep``, ``asyncio.to_thread``) fails."""
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Import):
            names = [cst.helpers.get_full_name_for_node(alias.name) or "" for alias in node.names]
        elif isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
            names = [cst.helpers.get_full_name_for_node(node.module) or ""]
        elif isinstance(node, cst.BaseExpression):
            continue
        else:
            stack.extend(reversed(node.children))
            continue
        for name in names:
            if name.split(".")[0] in OTHER_ASYNC_LIBRARIES:
                return name.split(".")[0]
    return None


def reported_for_other_library(rule: "Rule", node: cst.CSTNode, message: str) -> bool:
    """Report ``node`` without a fix, and say so, when the file uses trio/anyio/curio."""
    library = other_async_library(rule.ctx.module)
    if library:
        rule.report(node, f"{message} (no automatic fix: the file uses {library})")
    return library is not None


TIMEOUT_SCOPES = asyncio_names("timeout", "timeout_at") | {"async_timeout.timeout", "async_timeout.timeout_at"}


def in_timeout_block(ctx: FileContext, node: cst.CSTNode) -> bool:
    """``node`` is in the body of an ``async with asyncio.timeout(...)`` (or ``async_timeout``) of
    its own function: a new ``await`` there is a point where the timeout can now fire."""
    child, parent = node, ctx.parent(node)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if (
            isinstance(parent, cst.With)
            and parent.asynchronous is not None
            and child is parent.body
            and any(is_call_to(ctx, item.item, TIMEOUT_SCOPES) for item in parent.items)
        ):
            return True
        child, parent = parent, ctx.parent(parent)
    return False
