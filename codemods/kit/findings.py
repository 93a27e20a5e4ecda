"""Shared ways of reporting: findings without a fix, and the report-every-use mixin."""

from __future__ import annotations

from typing import TYPE_CHECKING, FrozenSet

import libcst as cst

from .imports import OTHER_ASYNC_LIBRARIES, other_async_library

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Rule


def without_fix(message: str, reason: str) -> str:
    """The message of a finding reported without a fix, saying why: the one wording for it."""
    return f"{message} (no automatic fix: {reason})"


class ReportsApiUses:
    """Mixin for a rule: report every expression that names one of ``REPORTED_API``
    (import statements aside), except while ``api_uses_muted()`` says so."""

    REPORTED_API: FrozenSet[str] = frozenset()

    def visit_Name(self, node: cst.Name) -> None:
        if not isinstance(self.ctx.parent(node), (cst.ImportAlias, cst.AsName)):  # type: ignore[attr-defined]
            self.saw_reference(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.saw_reference(node)

    def api_uses_muted(self) -> bool:
        return False

    def api_use_message(self, spelling: str) -> str:
        raise NotImplementedError

    def saw_reference(self, node: cst.BaseExpression) -> None:
        ctx: FileContext = self.ctx  # type: ignore[attr-defined]
        if not self.api_uses_muted() and ctx.resolves_to(node, self.REPORTED_API):
            self.report(node, self.api_use_message(ctx.code_for(node)))  # type: ignore[attr-defined]


def reported_for_other_library(rule: "Rule", node: cst.CSTNode, message: str) -> bool:
    """Report ``node`` without a fix, and say so, when the file uses trio/anyio/curio."""
    text = rule.ctx.text()
    library = other_async_library(rule.ctx) if any(name in text for name in OTHER_ASYNC_LIBRARIES) else None
    if library:
        rule.report(node, without_fix(message, f"the file uses {library}"))
    return library is not None
