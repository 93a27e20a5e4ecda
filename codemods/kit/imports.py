"""Import bindings: which import binds a name, and scheduling its removal once a fix leaves it unused."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Iterable, List, Optional, Tuple

import libcst as cst

from ..lazy import matchers as m

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix


def absolute_from_module(statement: cst.ImportFrom) -> Optional[str]:
    """``module`` of ``from module import names`` when it is absolute and not a star import."""
    if statement.relative or statement.module is None or isinstance(statement.names, cst.ImportStar):
        return None
    return cst.helpers.get_full_name_for_node(statement.module)


def import_binding(
    ctx: FileContext, name: cst.Name
) -> Optional[Tuple[str, Optional[str], Optional[str]]]:
    """How ``name`` is bound when a single import binds it: ``(module, obj, asname)``.

    ``import a.b as x`` -> ``("a.b", None, "x")``; ``from a import b`` -> ``("a", "b", None)``.
    The triple is what ``Fix.remove_import_if_unused`` takes. None for any other binding
    (an assignment, several bindings, a star or relative import).
    """
    from libcst.metadata import ImportAssignment

    scope = ctx.scope(name)
    if scope is None:
        return None
    assignments = list(scope[name.value])
    if len(assignments) != 1 or not isinstance(assignments[0], ImportAssignment):
        return None
    statement = assignments[0].node
    module = absolute_from_module(statement) if isinstance(statement, cst.ImportFrom) else None
    if isinstance(statement, cst.ImportFrom) and module is None:
        return None
    for alias in statement.names:  # type: ignore[union-attr]
        full = cst.helpers.get_full_name_for_node(alias.name) or ""
        bound = cst.helpers.get_full_name_for_node(alias.asname.name) if alias.asname else full
        asname = bound if alias.asname else None
        if isinstance(statement, cst.Import) and (bound == name.value or full.split(".")[0] == name.value):
            return full, None, asname
        if module and bound == name.value:
            return module, full, asname
    return None


def drop_import_if_unused(ctx: FileContext, fix: "Fix", expr: cst.BaseExpression) -> None:
    """Have ``fix`` remove the import binding ``expr``'s leftmost name once nothing uses it."""
    head = expr
    while isinstance(head, cst.Attribute):
        head = head.value
    binding = import_binding(ctx, head) if isinstance(head, cst.Name) else None
    if binding is not None:
        fix.remove_import_if_unused(*binding)


def from_import_binding(ctx: FileContext, name: cst.BaseExpression) -> Optional[Tuple[str, str, Optional[str]]]:
    """``(module, obj, asname)`` of the only ``from module import obj as asname`` binding
    the bare ``name`` where it stands, for ``Fix.remove_import_if_unused``; else None."""
    if not isinstance(name, cst.Name):
        return None
    statements = ctx.module_import_statements(name)
    if statements is None:
        scope = ctx.scope(name)
        if scope is None:
            return None
        statements = [assignment.node for assignment in scope[name.value]]
    if len(statements) != 1 or not isinstance(statements[0], cst.ImportFrom):
        return None
    stmt = statements[0]
    module = absolute_from_module(stmt)
    if module is None:
        return None
    for alias in stmt.names:
        obj = cst.helpers.get_full_name_for_node(alias.name)
        asname = cst.helpers.get_full_name_for_node(alias.asname.name) if alias.asname is not None else None
        if (asname or obj) == name.value and module and obj:
            return module, obj, asname
    return None


def remove_unused_from_imports(ctx: FileContext, fix: "Fix", removed: cst.CSTNode, names: Iterable[str]) -> None:
    """Schedule removing ``from x import y`` bindings of ``names`` used in the ``removed`` code,
    should no other use remain."""
    wanted = set(names)
    for name in m.findall(removed, m.Name()):
        binding = ctx.resolves_to(name, wanted) and from_import_binding(ctx, name)
        if binding:
            fix.remove_import_if_unused(*binding)


def remove_callee_import_if_unused(fix: "Fix", func: cst.BaseExpression, qualified: str) -> None:
    """Schedule removal of the import that binds ``func`` (``time.sleep`` or ``sleep``, resolving
    to ``qualified``) in case the rewrite leaves it unused."""
    module, _, obj = qualified.rpartition(".")
    if isinstance(func, cst.Name):
        fix.remove_import_if_unused(module, obj, func.value if func.value != obj else None)
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and "." not in module:
        fix.remove_import_if_unused(module, None, func.value.value if func.value.value != module else None)


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
