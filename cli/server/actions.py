"""Findings as LSP diagnostics, and the code actions on them: a quick fix per fixable finding
(the rule's own fix, imports included; unsafe ones labelled and never preferred), "Disable
CODE for this line" (a `# noqa`), and the fix-all source action."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

from lsprotocol import types

from asyncio_upgrade.codemods.api import Edit, Finding, FixStatus, rule_infos

from .text import Change, Lines, text_edits

SOURCE = "asyncio-upgrade"
FIX_ALL_KIND = "source.fixAll.asyncio-upgrade"
FIX_ALL_COMMAND = "asyncio-upgrade.applyAutofix"
_RULES_DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def diagnostic(lines: Lines, finding: Finding) -> types.Diagnostic:
    return types.Diagnostic(
        range=finding_range(lines, finding),
        message=finding.message,
        severity=types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=_docs().get(finding.code),
        source=SOURCE,
    )


def finding_range(lines: Lines, finding: Finding) -> types.Range:
    return lines.range(
        lines.offset(finding.line, finding.column - 1), lines.offset(finding.end_line, finding.end_column - 1)
    )


def has_fix(finding: Finding) -> bool:
    return finding.fix in (FixStatus.AVAILABLE, FixStatus.UNSAFE)


def quick_fix(lines: Lines, finding: Finding, changes: List[Change], edit: "EditFor") -> types.CodeAction:
    unsafe = finding.unsafe or finding.fix is FixStatus.UNSAFE
    return types.CodeAction(
        title=f"Fix {finding.code}: {finding.message}{' (unsafe fix)' if unsafe else ''}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(lines, finding)],
        is_preferred=not unsafe,
        edit=edit(text_edits(lines, changes)),
    )


def noqa_action(lines: Lines, finding: Finding, noqa: Edit, edit: "EditFor") -> types.CodeAction:
    start, end = lines.offset(noqa.line, noqa.column), lines.offset(noqa.end_line, noqa.end_column)
    return types.CodeAction(
        title=f"Disable {finding.code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic(lines, finding)],
        edit=edit([types.TextEdit(range=lines.range(start, end), new_text=noqa.content)]),
    )


def fix_all_action(lines: Lines, changes: List[Change], edit: "EditFor") -> types.CodeAction:
    return types.CodeAction(
        title="asyncio-upgrade: fix all auto-fixable problems", kind=FIX_ALL_KIND, edit=edit(text_edits(lines, changes))
    )


class EditFor:
    """Text edits of one document version as a workspace edit the client takes: versioned
    document changes where it supports them (it refuses them for a changed document), else
    plain changes."""

    def __init__(self, uri: str, version: int, document_changes: bool) -> None:
        self.uri, self.version, self.document_changes = uri, version, document_changes

    def __call__(self, edits: List[types.TextEdit]) -> types.WorkspaceEdit:
        if not self.document_changes:
            return types.WorkspaceEdit(changes={self.uri: edits})
        document = types.OptionalVersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])


def wanted(kind: str, only: Optional[List[str]]) -> bool:
    """Whether a client that asked for ``only`` these kinds wants an action of ``kind``."""
    return only is None or any(kind == asked or kind.startswith(f"{asked}.") for asked in only)


_docs_cache: Dict[str, types.CodeDescription] = {}


def _docs() -> Dict[str, types.CodeDescription]:
    """Each rule's section of the reference, where the reference is on this machine (a source
    checkout; the wheel ships no docs, and the project has no published address yet)."""
    if not _docs_cache and _RULES_DOC.is_file():
        for info in rule_infos():
            href = f"{_RULES_DOC.as_uri()}#{info.code.lower()}-{info.name}"
            _docs_cache[info.code] = types.CodeDescription(href=href)
    return _docs_cache
