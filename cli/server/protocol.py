"""The LSP messages the server answers, each handed to the ``Server`` (``session``)."""

from __future__ import annotations

from typing import Any, List

from lsprotocol import types

from . import actions
from .session import Server

# Files whose change can change a file's settings or its project's first-party names.
WATCHED = ("pyproject.toml", "setup.py", "setup.cfg")


def create() -> Server:
    server = Server()

    @server.feature(types.INITIALIZED)
    async def initialized(ls: Server, params: types.InitializedParams) -> None:
        ls.documents.workers.warm_up()
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched and watched.dynamic_registration:
            options = types.DidChangeWatchedFilesRegistrationOptions(
                watchers=[types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in WATCHED]
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
        if current is None or not current.checked.done():  # still waiting out the debounce
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
        return types.RelatedFullDocumentDiagnosticReport(items=ls.diagnostics(*settled) if settled else [])

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
        if any(change.uri.rpartition("/")[2] in WATCHED for change in params.changes):
            ls.settings_changed()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: Server, params: Any) -> None:
        ls.documents.workers.shutdown()

    return server
