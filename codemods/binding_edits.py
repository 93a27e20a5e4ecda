"""Remove a local ``loop = asyncio.get_running_loop()`` once the fixes of a pass leave it unused.

A rule that rewrites a use of such a local (``loop.create_task`` -> ``asyncio.create_task``)
asks for it with ``kit.bindings.drop_loop_binding_if_unused``; whether the name is still used
can only be told after every edit of the pass, so the engine decides here, on the rewritten
function, the way it removes imports the edits made unused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Set, Tuple

import libcst as cst

from .model import ImportRequest

# Calls that can read a function's locals by name: a local they may see is never unused.
_READS_LOCALS = frozenset({"locals", "vars", "eval", "exec", "dir"})


@dataclass(frozen=True)
class BindingRemoval:
    """Remove ``line`` (the sole assignment of ``name``, in ``function``) if nothing else in
    the rewritten function spells ``name``; ``imports``: what to remove then if unused."""

    line: cst.SimpleStatementLine
    function: cst.FunctionDef
    name: str
    imports: Tuple[ImportRequest, ...] = field(default=())


def watched_nodes(requests: Sequence[BindingRemoval]) -> Set[cst.CSTNode]:
    """The original nodes whose rewritten versions ``with_bindings_removed`` needs."""
    return {node for request in requests for node in (request.line, request.function)}


def with_bindings_removed(
    module: cst.Module, requests: Sequence[BindingRemoval], rewritten: Dict[cst.CSTNode, object]
) -> Tuple[cst.Module, List[cst.SimpleStatementLine], List[ImportRequest]]:
    """``module`` (the pass's edits applied; ``rewritten`` maps each watched original node to
    what it became) without the requested lines whose name nothing else spells any more; the
    original lines removed; and the imports to remove if unused because they went. A line
    another edit removed, or in a function an edit replaced, is left to that edit. A line
    another edit changed inside (``get_event_loop`` -> ``get_running_loop``) still goes: it
    bound the same loop."""
    doomed: Set[cst.CSTNode] = set()
    removed: List[cst.SimpleStatementLine] = []
    imports: List[ImportRequest] = []
    for request in requests:
        line, function = rewritten.get(request.line), rewritten.get(request.function)
        if not isinstance(line, cst.SimpleStatementLine) or not isinstance(function, cst.FunctionDef):
            continue
        if line in doomed:
            continue
        spelled = _names_spelled(function)
        if spelled.get(request.name, 0) == 1 and not _READS_LOCALS & spelled.keys():
            doomed.add(line)
            removed.append(request.line)
            imports.extend(request.imports)
    if not doomed:
        return module, [], []
    return module.visit(_RemoveLines(doomed)), removed, imports


def _names_spelled(node: cst.CSTNode) -> Dict[str, int]:
    counts: Dict[str, int] = {}

    class Count(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            counts[name.value] = counts.get(name.value, 0) + 1

    node.visit(Count())
    return counts


class _RemoveLines(cst.CSTTransformer):
    def __init__(self, doomed: Set[cst.CSTNode]) -> None:
        super().__init__()
        self._doomed = doomed

    def leave_IndentedBlock(self, original_node, updated_node):  # type: ignore[override]
        """Drop the doomed lines of the block; the lines above one (comments, blank lines) move
        to the statement after it. A doomed last line with lines above it stays, and so does a
        block that would be left empty."""
        kept: List[cst.BaseStatement] = []
        carried: List[cst.EmptyLine] = []
        pairs = list(zip(original_node.body, updated_node.body))
        for index, (original, updated) in enumerate(pairs):
            if original in self._doomed and (index + 1 < len(pairs) or not updated.leading_lines):
                carried.extend(updated.leading_lines)
                continue
            if carried:
                updated = updated.with_changes(leading_lines=[*carried, *updated.leading_lines])
                carried = []
            kept.append(updated)
        if not kept:
            return original_node
        return updated_node.with_changes(body=kept)
