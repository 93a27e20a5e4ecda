"""Import bindings: which import binds a name, and scheduling its removal once a fix leaves it unused."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

import libcst as cst

from ..context import once_per_file
from ..traversal import TypeTest

if TYPE_CHECKING:
    from ..context import FileContext
    from ..model import ImportRequest
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
    statements = ctx.module_import_statements(name)  # no scope analysis when it can tell
    if statements is None:
        from libcst.metadata import ImportAssignment

        scope = ctx.scope(name)
        bindings = list(scope[name.value]) if scope is not None else []
        if len(bindings) != 1 or not isinstance(bindings[0], ImportAssignment):
            return None
        statements = [bindings[0].node]
    if len(statements) != 1:
        return None
    statement = statements[0]
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
    """Have ``fix`` remove the import binding ``expr``'s leftmost name (``sleep``, ``time`` of
    ``time.sleep``) once nothing uses it. The one way a rule removes an import it made unused."""
    head = expr
    while isinstance(head, cst.Attribute):
        head = head.value
    binding = import_binding(ctx, head) if isinstance(head, cst.Name) else None
    if binding is not None:
        fix.remove_import_if_unused(*binding)


def imports_made_unused(
    ctx: FileContext, old: cst.CSTNode, new: Union[cst.CSTNode, cst.RemovalSentinel, cst.FlattenSentinel]
) -> List["ImportRequest"]:
    """The imports to remove if unused after ``old`` becomes ``new``: those binding a name that
    ``old`` reads more often than ``new`` does (``asyncio`` of ``asyncio.TimeoutError`` rewritten
    to the builtin). Such an import was in use before the edit, so removing it once nothing
    else reads it only undoes what the fix made unused. The engine asks this of every edit."""
    from ..model import ImportRequest

    replacements = () if isinstance(new, cst.RemovalSentinel) else new.nodes if isinstance(new, cst.FlattenSentinel) else (new,)
    before = _names_read(old)
    after: Counter = Counter()
    for node in replacements:
        after.update(node.value for node in _names_read(node))
    requests = []
    seen = set()
    for name in before:
        if name.value in seen or sum(n.value == name.value for n in before) <= after[name.value]:
            continue
        seen.add(name.value)
        binding = import_binding(ctx, name)
        if binding is not None:
            requests.append(ImportRequest(*binding))
    return requests


def _names_read(node: cst.CSTNode) -> List[cst.Name]:
    """The ``Name`` nodes in ``node`` but attribute names, keywords and import parts (the
    heads of ``a.b.c`` included)."""
    found: List[cst.Name] = []

    class Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            attribute.value.visit(self)
            return False

        def visit_Arg(self, arg: cst.Arg) -> bool:
            arg.value.visit(self)
            return False

        def visit_Import(self, _: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, _: cst.ImportFrom) -> bool:
            return False

    if isinstance(node, cst.Name):
        return [node]
    node.visit(Collect())
    return found


OTHER_ASYNC_LIBRARIES = ("trio", "anyio", "curio")


def other_async_library(ctx: FileContext) -> Optional[str]:
    """The first of trio/anyio/curio the file imports: its coroutines may run on that library's
    loop, where an asyncio call (``asyncio.sleep``, ``asyncio.to_thread``) fails."""
    return next((name for name in imported_packages(ctx) if name in OTHER_ASYNC_LIBRARIES), None)


_IS_EXPRESSION = TypeTest(cst.BaseExpression)


@once_per_file
def imported_packages(ctx: FileContext) -> Tuple[str, ...]:
    """The top-level packages the file imports anywhere (in functions too), in source order,
    relative imports aside. Once per file: rules ask once per node they look at."""
    found: Dict[str, None] = {}
    stack: List[cst.CSTNode] = [ctx.module]
    while stack:
        node = stack.pop()
        if type(node) is cst.Import:
            names = [cst.helpers.get_full_name_for_node(alias.name) or "" for alias in node.names]
        elif type(node) is cst.ImportFrom and node.module is not None and not node.relative:
            names = [cst.helpers.get_full_name_for_node(node.module) or ""]
        elif _IS_EXPRESSION[type(node)]:
            continue
        else:
            stack.extend(reversed(node.children))
            continue
        found.update(dict.fromkeys(name.split(".")[0] for name in names))
    return tuple(found)
