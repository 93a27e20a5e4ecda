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


# -- structured concurrency (gather, wait, TaskGroup, create_task) -------------------------

GATHER = asyncio_names("gather")
TASK_GROUP = asyncio_names("TaskGroup")
CREATE_TASK = asyncio_names("create_task")

# asyncio functions defined with ``async def``: calling one makes a coroutine object.
ASYNCIO_COROUTINE_FUNCTIONS = asyncio_names(
    "sleep", "wait_for", "wait", "to_thread", "open_connection", "start_server",
    "open_unix_connection", "start_unix_server", "create_subprocess_exec", "create_subprocess_shell",
)


def _is_coroutine_function_def(node: cst.CSTNode) -> bool:
    """An undecorated ``async def`` that does not ``yield`` (an async generator would)."""
    if not isinstance(node, cst.FunctionDef) or node.asynchronous is None or node.decorators:
        return False

    class FindYield(cst.CSTVisitor):
        found = False

        def visit_Yield(self, node: cst.Yield) -> None:
            self.found = True

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False  # a nested def's yield is its own

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    finder = FindYield()
    node.body.visit(finder)
    return not finder.found


def is_coroutine_call(ctx: FileContext, node: cst.CSTNode) -> bool:
    """``node`` is a call that provably returns a coroutine object: a call of a plain name
    bound only to undecorated, non-generator ``async def``s of this file, or of a known
    asyncio coroutine function. Methods, imports and anything else are not proven."""
    if not isinstance(node, cst.Call):
        return False
    if ctx.resolves_to(node.func, ASYNCIO_COROUTINE_FUNCTIONS):
        return True
    if not isinstance(node.func, cst.Name):
        return False
    scope = ctx.scope(node.func)
    if scope is None:
        return False
    assignments = scope[node.func.value]
    return bool(assignments) and all(
        isinstance(a, cst.metadata.Assignment) and _is_coroutine_function_def(a.node) for a in assignments
    )


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


def contains_await(node: cst.CSTNode) -> bool:
    """``node`` holds an ``await``, ``async for`` or ``yield`` (it can suspend) outside nested defs."""

    class Find(cst.CSTVisitor):
        found = False

        def visit_Await(self, node: cst.Await) -> None:
            self.found = True

        def visit_Yield(self, node: cst.Yield) -> None:
            self.found = True

        def visit_CompFor(self, node: cst.CompFor) -> None:
            if node.asynchronous is not None:
                self.found = True

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    finder = Find()
    node.visit(finder)
    return finder.found


# -- the running event loop ------------------------------------------------------------

GET_RUNNING_LOOP = asyncio_names("get_running_loop")
GET_EVENT_LOOP = asyncio_names("get_event_loop")


def innermost_def(ctx: FileContext) -> Optional[cst.FunctionDef]:
    """The ``def`` whose own body holds the node being visited (None inside a lambda,
    class body or generator expression, and at module level)."""
    inner = ctx.body_stack[-1] if ctx.body_stack else None
    return inner if isinstance(inner, cst.FunctionDef) else None


def local_binding(ctx: FileContext, name: cst.Name) -> Optional[Tuple[cst.Assign, cst.Name]]:
    """The one ``Assign`` that binds ``name`` in the function whose body holds it, with the
    target ``Name`` it binds (also inside a tuple target). None for parameters, globals,
    names bound twice or by ``for``/``with``/``import``, and uses in nested functions."""
    func = innermost_def(ctx)
    scope = ctx.scope(name)
    if func is None or scope is None:
        return None
    assignments = list(scope[name.value])
    if len(assignments) != 1 or type(assignments[0]) is not cst.metadata.Assignment:
        return None
    (assignment,) = assignments
    target = assignment.node
    owner = getattr(assignment.scope, "node", None)
    if owner is not func or not isinstance(target, cst.Name):
        return None
    node: Optional[cst.CSTNode] = ctx.parent(target)
    while isinstance(node, (cst.Element, cst.Tuple, cst.List, cst.AssignTarget)):
        node = ctx.parent(node)
    return (node, target) if isinstance(node, cst.Assign) and len(node.targets) == 1 else None


def local_value(ctx: FileContext, name: cst.Name) -> Optional[cst.BaseExpression]:
    """The value of ``name = value``, the only binding of local ``name`` (see ``local_binding``)."""
    binding = local_binding(ctx, name)
    if binding is None or binding[0].targets[0].target is not binding[1]:
        return None
    return binding[0].value


def is_loop_from(ctx: FileContext, expr: cst.BaseExpression, getters: Collection[str]) -> bool:
    """``expr`` is the loop one of ``getters`` returns, called with no arguments on the spot
    or bound once to a local of the function being visited (see ``local_binding``)."""
    if isinstance(expr, cst.Name):
        expr = local_value(ctx, expr)  # type: ignore[assignment]
    return isinstance(expr, cst.Call) and not expr.args and ctx.resolves_to(expr.func, getters)


def is_running_loop(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is provably the running loop: ``asyncio.get_running_loop()``, or in a
    coroutine ``asyncio.get_event_loop()`` (see ``is_loop_from``)."""
    return is_loop_from(ctx, expr, GET_RUNNING_LOOP | GET_EVENT_LOOP if ctx.in_coroutine() else GET_RUNNING_LOOP)


def method_receiver(node: cst.CSTNode, method: str) -> Optional[cst.BaseExpression]:
    """The receiver of ``receiver.method(...)``, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method:
        return node.func.value
    return None
