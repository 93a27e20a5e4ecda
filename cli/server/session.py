"""The server's state and behaviour: which documents are open, their diagnostics (pulled where
the client can, pushed otherwise) and their code actions. Nothing is ever written to disk:
every fix goes to the client as an edit of the buffer version it was computed for."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Iterator, List, Optional, Set, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from asyncio_upgrade.codemods.api import Finding, FixStatus

from ..version import installed_version
from . import actions, work
from .documents import Documents, Snapshot
from .text import Lines, text_edits

_background_tasks: set = set()

QUICK_FIX = types.CodeActionKind.QuickFix


class Server(LanguageServer):
    def __init__(self) -> None:
        super().__init__("asyncio-upgrade", installed_version(), text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.documents = Documents()
        self._told: Set[str] = set()  # configuration problems already shown

    @property
    def pulls(self) -> bool:
        """Whether the client pulls diagnostics (else they are pushed)."""
        text_document = self.client_capabilities.text_document
        return text_document is not None and text_document.diagnostic is not None

    def track(self, uri: str, *, debounce: bool) -> None:
        """Check the document's current text; push the result unless the client pulls."""
        document = self.workspace.get_text_document(uri)
        path = to_fs_path(uri) or str(Path.cwd() / Path(uri).name)
        snapshot = self.documents.update(uri, document.version or 0, document.source, path, debounce=debounce)
        if not self.pulls:
            task = asyncio.ensure_future(self._push(snapshot))
            _background_tasks.add(task)
            task.add_done_callback(_background_tasks.discard)

    async def settled(self, uri: str) -> Optional[Tuple[Snapshot, work.Checked]]:
        """The document's current snapshot once it is checked (a newer one, if the document
        changes meanwhile); None for a document that is not open."""
        while True:
            snapshot = self.documents.current(uri)
            if snapshot is None:
                return None
            try:
                checked = await asyncio.shield(snapshot.checked)
            except asyncio.CancelledError:
                if not snapshot.checked.cancelled():
                    raise  # this request was cancelled
                continue  # that snapshot was replaced
            if self.documents.is_current(snapshot):
                self._tell(checked.problem)
                return snapshot, checked

    def diagnostics(self, snapshot: Snapshot, checked: work.Checked) -> List[types.Diagnostic]:
        lines = self._lines(snapshot.text)
        return [actions.diagnostic(lines, finding) for finding in checked.findings]

    async def code_actions(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        settled = await self.settled(params.text_document.uri)
        if settled is None:
            return []
        snapshot, checked = settled
        lines, edit, only = self._lines(snapshot.text), self._edit_for(snapshot), params.context.only
        found: List[types.CodeAction] = []
        for finding in _findings_at(lines, checked, params) if actions.wanted(QUICK_FIX, only) else ():
            if actions.has_fix(finding):
                changes = await snapshot.answer(("fix", finding), work.fix_finding, finding)
                if changes:
                    found.append(actions.quick_fix(lines, finding, changes, edit))
            noqa = await snapshot.answer(("noqa", finding), work.noqa, finding)
            if noqa is not None:
                found.append(actions.noqa_action(lines, finding, noqa, edit))
        # A light bulb's automatic request shows no source action: fix-all is worked out when
        # asked for by kind (on save), or when the user asks for every action.
        automatic = only is None and params.context.trigger_kind == types.CodeActionTriggerKind.Automatic
        fixable = any(f.fix is FixStatus.AVAILABLE for f in checked.findings)
        if not automatic and fixable and actions.wanted(actions.FIX_ALL_KIND, only):
            changes = await snapshot.answer("fix all", work.fix_all)
            if changes:
                found.append(actions.fix_all_action(lines, changes, edit))
        return found

    async def fix_all_edit(self, uri: str) -> Optional[types.WorkspaceEdit]:
        """`fix`'s result for the document, as an edit (None: nothing to fix)."""
        settled = await self.settled(uri)
        if settled is None:
            return None
        snapshot = settled[0]
        changes = await snapshot.answer("fix all", work.fix_all)
        return self._edit_for(snapshot)(text_edits(self._lines(snapshot.text), changes)) if changes else None

    def settings_changed(self) -> None:
        """A project file changed: check every open document again."""
        self.documents.workers.forget_projects()
        self._told.clear()
        for uri in self.documents.uris():
            self.track(uri, debounce=False)
        workspace = self.client_capabilities.workspace
        if self.pulls and workspace and workspace.diagnostics and workspace.diagnostics.refresh_support:
            self.workspace_diagnostic_refresh(None)

    def shutdown(self) -> None:
        self.documents.workers.shutdown()
        super().shutdown()

    async def _push(self, snapshot: Snapshot) -> None:
        try:
            checked = await snapshot.checked
        except asyncio.CancelledError:
            return  # replaced by a newer snapshot, which pushes its own
        if self.documents.is_current(snapshot):
            self._tell(checked.problem)
            params = types.PublishDiagnosticsParams(
                uri=snapshot.uri, version=snapshot.version, diagnostics=self.diagnostics(snapshot, checked)
            )
            self.text_document_publish_diagnostics(params)

    def _tell(self, problem: Optional[str]) -> None:
        if problem and problem not in self._told:
            self._told.add(problem)
            message = types.ShowMessageParams(type=types.MessageType.Error, message=f"asyncio-upgrade: {problem}")
            self.window_show_message(message)

    def _lines(self, text: str) -> Lines:
        return Lines(text, PositionCodec(self.workspace.position_encoding).client_num_units)

    def _edit_for(self, snapshot: Snapshot) -> actions.EditFor:
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return actions.EditFor(snapshot.uri, snapshot.version, bool(edit and edit.document_changes))


def _findings_at(lines: Lines, checked: work.Checked, params: types.CodeActionParams) -> Iterator[Finding]:
    """The findings whose range meets the requested one, or that the client names among the
    diagnostics it asks about (some clients send the cursor and the diagnostics on its line)."""
    named = {_key(d.code, d.range) for d in params.context.diagnostics if d.source == actions.SOURCE}
    for finding in checked.findings:
        where = actions.finding_range(lines, finding)
        if _key(finding.code, where) in named or _meets(where, params.range):
            yield finding


def _key(code: object, where: types.Range) -> tuple:
    return code, where.start.line, where.start.character, where.end.line, where.end.character


def _meets(a: types.Range, b: types.Range) -> bool:
    def at(position: types.Position) -> Tuple[int, int]:
        return position.line, position.character

    return at(a.start) <= at(b.end) and at(b.start) <= at(a.end)
