"""Where a node stands: the enclosing function, nodes a body owns (not its nested defs), blocks around it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Collection, List, Optional, Tuple

import libcst as cst

from .names import TASK_GROUP, TIMEOUT_SCOPES, is_call_to

if TYPE_CHECKING:
    from ..context import FileContext


def own_nodes(body: cst.CSTNode, kind: type) -> List[cst.CSTNode]:
    """Nodes of ``kind`` in ``body`` that belong to it, not to a nested def, lambda or class."""
    found: List[cst.CSTNode] = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, kind):
                found.append(node)
            return not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef))

    body.visit(Finder())
    return found


def task_group_item(ctx: FileContext, node: cst.CSTNode) -> Optional[cst.WithItem]:
    """The ``asyncio.TaskGroup()`` item of an ``async with`` statement, if it has one."""
    if not isinstance(node, cst.With) or node.asynchronous is None:
        return None
    for item in node.items:
        if is_call_to(ctx, item.item, TASK_GROUP):
            return item
    return None


def innermost_def(ctx: FileContext) -> Optional[cst.FunctionDef]:
    """The ``def`` whose own body holds the node being visited (None inside a lambda,
    class body or generator expression, and at module level)."""
    inner = ctx.body_stack[-1] if ctx.body_stack else None
    return inner if isinstance(inner, cst.FunctionDef) else None


def function_of(ctx: FileContext, node: Optional[cst.CSTNode]) -> Optional[cst.FunctionDef]:
    """The innermost ``def`` holding ``node`` (found through parents, so usable from any hook)."""
    while node is not None and not isinstance(node, cst.FunctionDef):
        node = ctx.parent(node)
    return node


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


def withs_around(ctx: FileContext, node: cst.CSTNode) -> Tuple[List[cst.With], Optional[cst.FunctionDef]]:
    """The ``with``/``async with`` statements whose body holds ``node``, innermost first, up to
    the function that owns ``node``, and that function (None at module level or in a lambda,
    class body or comprehension: nothing is collected there)."""
    withs: List[cst.With] = []
    child, parent = node, ctx.parent(node)
    while parent is not None and not isinstance(parent, cst.FunctionDef):
        if isinstance(parent, (cst.Lambda, cst.ClassDef, cst.BaseComp)):
            return [], None
        if isinstance(parent, cst.With) and child is parent.body:
            withs.append(parent)
        child, parent = parent, ctx.parent(parent)
    return withs, parent


def decorated_with(ctx: FileContext, function: cst.FunctionDef, names: Collection[str]) -> bool:
    """One of ``function``'s decorators is one of ``names``, called (``@pytest.fixture()``) or not."""
    for decorator in function.decorators:
        expr = decorator.decorator
        if ctx.resolves_to(expr.func if isinstance(expr, cst.Call) else expr, names):
            return True
    return False
