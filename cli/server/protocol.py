"""The language server: LSP messages in, the engine's answers out (pygls over stdio).

Diagnostics are pulled where the client can (`textDocument/diagnostic`) and pushed otherwise,
on open, on save and, debounced, on change. Nothing is ever written to disk: every fix goes to
the client as an edit of the buffer it was computed for."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, List, Optional, Set, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace.position_codec import PositionCodec

from asyncio_upgrade.codemods.api import FixStatus, noqa_edit

from ..version import installed_version
from . import actions, work
from .documents import Documents, Version
from .text import Lines, text_edits

# Files whose change can change a file's settings or its project's first-party names.
WATCHED = ("**/pyproject.toml", "**/setup.py", "**/setup.cfg")


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

    def lines(self, text: str) -> Lines:
        return Lines(text, PositionCodec(self.workspace.position_encoding).client_num_units)

    def track(self, uri: str, *, debounce: bool) -> None:
        """Check the document's current text; push the result unless the client pulls."""
        document = self.workspace.get_text_document(uri)
        path = to_fs_path(uri) or str(Path.cwd() / Path(uri).name)
        version = self.documents.update(uri, document.version or 0, document.source, path, debounce=debounce)
        if not self.pulls:
            asyncio.ensure_future(self._push(version))

    async def settled(self, uri: str) -> Optional[Tuple[Version, work.Checked]]:
        """The current version of a document once it is checked (a newer one, if the document
        changes meanwhile); None for a document that is not open."""
        while True:
            version = self.documents.current(uri)
            if version is None:
                return None
            try:
                checked = await asyncio.shield(version.checked)
            except asyncio.CancelledError:
                if not version.checked.cancelled():
                    raise  # this request was cancelled
                continue  # that version was replaced
            if self.documents.is_current(version):
                self._tell(checked.problem)
                return version, checked

    def diagnostics(self, version: Version, checked: work.Checked) -> List[types.Diagnostic]:
        lines = self.lines(version.text)
        return [actions.diagnostic(lines, finding) for finding in checked.findings]

    async def _push(self, version: Version) -> None:
        try:
            checked = await version.checked
        except asyncio.CancelledError:
            return  # replaced by a newer version, which pushes its own
        if self.documents.is_current(version):
            self._tell(checked.problem)
            params = types.PublishDiagnosticsParams(
                uri=version.uri, version=version.version, diagnostics=self.diagnostics(version, checked)
            )
            self.text_document_publish_diagnostics(params)

    def _tell(self, problem: Optional[str]) -> None:
        if problem and problem not in self._told:
            self._told.add(problem)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"asyncio-upgrade: {problem}"))

    def edit_for(self, version: Version) -> actions.EditFor:
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace else None
        return actions.EditFor(version.uri, version.version, bool(edit and edit.document_changes))

    async def code_actions(self, params: types.CodeActionParams) -> List[types.CodeAction]:
        settled = await self.settled(params.text_document.uri)
        if settled is None:
            return []
        version, checked = settled
        lines, edit, only = self.lines(version.text), self.edit_for(version), params.context.only
        found: List[types.CodeAction] = []
        for finding in _findings_at(lines, checked, params):
            if actions.has_fix(finding) and actions.wanted(types.CodeActionKind.QuickFix, only):
                fixed = await version.answer(("fix", finding), work.fix_finding, finding)
                if fixed is not None:
                    found.append(actions.quick_fix(lines, finding, fixed, edit))
            noqa = noqa_edit(version.text, (finding.line, finding.end_line), finding.code)
            if noqa is not None and actions.wanted(types.CodeActionKind.QuickFix, only):
                found.append(actions.noqa_action(lines, finding, noqa, edit))
        if actions.wanted(actions.FIX_ALL_KIND, only) and any(f.fix is FixStatus.AVAILABLE for f in checked.findings):
            fixed = await version.answer("fix all", work.fix_all)
            if fixed is not None:
                found.append(actions.fix_all_action(lines, fixed, edit))
        return found

    async def fix_all_edit(self, uri: str) -> Optional[types.WorkspaceEdit]:
        settled = await self.settled(uri)
        if settled is None:
            return None
        version = settled[0]
        fixed = await version.answer("fix all", work.fix_all)
        return self.edit_for(version)(text_edits(self.lines(version.text), fixed)) if fixed else None

    def settings_changed(self) -> None:
        """A project file changed: check every open document again."""
        self.documents.workers.forget_projects()
        self._told.clear()
        for uri in self.documents.uris():
            self.track(uri, debounce=False)
        workspace = self.client_capabilities.workspace
        if self.pulls and workspace and workspace.diagnostics and workspace.diagnostics.refresh_support:
            self.workspace_diagnostic_refresh(None)


def _findings_at(lines: Lines, checked: work.Checked, params: types.CodeActionParams):
    """The findings whose range meets the requested one, or that the client names among the
    diagnostics it asks about (a cursor anywhere on their line, in some clients)."""
    asked = params.range
    named = {
        (d.code, d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in params.context.diagnostics
        if d.source == actions.SOURCE
    }
    for finding in checked.findings:
        where = actions.finding_range(lines, finding)
        key = (finding.code, where.start.line, where.start.character, where.end.line, where.end.character)
        if key in named or _meets(where, asked):
            yield finding


def _meets(a: types.Range, b: types.Range) -> bool:
    def at(position: types.Position) -> Tuple[int, int]:
        return position.line, position.character

    return at(a.start) <= at(b.end) and at(b.start) <= at(a.end)


def create() -> Server:
    server = Server()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: Server, params: types.InitializedParams) -> None:
        ls.documents.workers.warm_up()
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched and watched.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
            )
            registration = types.Registration(
                id="asyncio-upgrade-settings", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
            )
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: Server, params: types.DidOpenTextDocumentParams) -> None:
        ls.track(params.text_document.uri, debounce=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: Server, params: types.DidChangeTextDocumentParams) -> None:
        ls.track(params.text_document.uri, debounce=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: Server, params: types.DidSaveTextDocumentParams) -> None:
        current = ls.documents.current(params.text_document.uri)
        if current is None or not current.checked.done():
            ls.track(params.text_document.uri, debounce=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: Server, params: types.DidCloseTextDocumentParams) -> None:
        ls.documents.close(params.text_document.uri)
        if not ls.pulls:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(identifier=actions.SOURCE, inter_file_dependencies=False, workspace_diagnostics=False),
    )
    async def diagnostic(ls: Server, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        settled = await ls.settled(params.text_document.uri)
        items = ls.diagnostics(*settled) if settled else []
        return types.RelatedFullDocumentDiagnosticReport(items=items)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND]),
    )
    async def code_action(ls: Server, params: types.CodeActionParams) -> List[types.CodeAction]:
        return await ls.code_actions(params)

    @server.command(actions.FIX_ALL_COMMAND)
    async def fix_all(ls: Server, document: types.TextDocumentIdentifier) -> None:
        edit = await ls.fix_all_edit(document.uri)
        if edit is not None:
            await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label="asyncio-upgrade: fix all"))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_changed(ls: Server, params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.endswith(tuple(p.rpartition("/")[2] for p in WATCHED)) for change in params.changes):
            ls.settings_changed()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: Server, params: Any) -> None:
        ls.documents.workers.shutdown()

    return server
