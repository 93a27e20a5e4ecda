"""`asyncio-upgrade server` driven by a real LSP client (pygls's) over stdio, as an editor drives
it: initialize, open, diagnostics (pushed, or pulled where the client can), the quick fix, the
`# noqa` action and fix-all applied client-side and compared byte for byte with what
`asyncio-upgrade fix` writes for the same file, settings from pyproject.toml re-read when it
changes, a file that does not parse, a cancelled request, shutdown and exit. One server per
client kind serves every test of this module; each test has its own folder."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient
from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app

SERVER = [sys.executable, "-m", "asyncio_upgrade.cli", "server"]
runner = CliRunner()  # `fix` and `check`, to compare with
HANG_GUARD = 120  # seconds: only a server that stopped answering makes a test wait this long
PROJECT = '[project]\nname = "demo"\nrequires-python = ">=3.11"\n'
UNSAFE_PROJECT = PROJECT + "\n[tool.asyncio-upgrade]\nunsafe-fixes = true\n"
# AIO406 (asyncio.iscoroutinefunction -> inspect's; its fix adds `import inspect` and drops the
# unused `import asyncio`) after non-ASCII text on its line, one astral character (two UTF-16
# units) among them; and AIO405 (asyncio.TimeoutError -> TimeoutError, a safe fix).
SOURCE = (
    "import asyncio\n"
    "\n"
    "\n"
    "def check(handler):\n"
    '    print("ünïcödé 😀", asyncio.iscoroutinefunction(handler))\n'
    "    try:\n"
    "        pass\n"
    "    except asyncio.TimeoutError:\n"
    "        pass\n"
)


class Client:
    """A language client on its own event loop, for plain (synchronous) tests."""

    def __init__(self, capabilities: types.ClientCapabilities) -> None:
        self.loop = asyncio.new_event_loop()
        self.lsp = LanguageClient("asyncio-upgrade-tests", "1")
        self.pushed: Dict[str, List[types.PublishDiagnosticsParams]] = {}
        self.messages: List[str] = []
        self.applied: List[types.WorkspaceEdit] = []
        self.refreshed = 0  # workspace/diagnostic/refresh requests
        self._arrived = self.run(_event())  # made in its loop (Python 3.9 binds it on creation)
        self._versions: Dict[str, int] = {}
        self._ids = itertools.count(1000)

        @self.lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            self.pushed.setdefault(params.uri, []).append(params)
            self._arrived.set()

        @self.lsp.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            self.messages.append(params.message)

        @self.lsp.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            return None

        @self.lsp.feature(types.WORKSPACE_DIAGNOSTIC_REFRESH)
        def refresh(params: None) -> None:
            self.refreshed += 1
            self._arrived.set()

        @self.lsp.feature(types.WORKSPACE_APPLY_EDIT)
        def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.applied.append(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

        self.run(self.lsp.start_io(*SERVER))
        self.initialized = self.run(self.lsp.initialize_async(types.InitializeParams(capabilities=capabilities)))
        self.lsp.initialized(types.InitializedParams())

    def run(self, awaitable):
        return self.loop.run_until_complete(asyncio.wait_for(awaitable, HANG_GUARD))

    def open(self, path: Path) -> str:
        uri = path.resolve().as_uri()
        self._versions[uri] = 1
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=path.read_bytes().decode("utf-8"))
        self.lsp.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return uri

    def change(self, uri: str, text: str) -> int:
        version = self._versions[uri] = self._versions[uri] + 1
        document = types.VersionedTextDocumentIdentifier(uri=uri, version=version)
        change = types.TextDocumentContentChangeWholeDocument(text=text)
        self.lsp.text_document_did_change(types.DidChangeTextDocumentParams(text_document=document, content_changes=[change]))
        return version

    def diagnostics(self, uri: str, version: Optional[int] = None) -> List[types.Diagnostic]:
        """Pushed for ``version`` (by default the newest sent), waited for."""
        wanted = version or self._versions[uri]

        async def arrived() -> List[types.Diagnostic]:
            while True:
                for params in self.pushed.get(uri, []):
                    if params.version == wanted:
                        return list(params.diagnostics)
                self._arrived.clear()
                await self._arrived.wait()

        return self.run(arrived())

    def pull(self, uri: str) -> List[types.Diagnostic]:
        params = types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        return list(self.run(self.lsp.text_document_diagnostic_async(params)).items)

    def actions(
        self, uri: str, where: types.Range, only: Optional[List[str]] = None, trigger: Optional[types.CodeActionTriggerKind] = None
    ) -> List[types.CodeAction]:
        context = types.CodeActionContext(diagnostics=[], only=only, trigger_kind=trigger)
        params = types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri), range=where, context=context)
        return list(self.run(self.lsp.text_document_code_action_async(params)) or [])

    def cancelled_request(self, uri: str, where: types.Range):
        """A code action request cancelled as soon as it is sent: its answer (an error, or the
        result if it was done first)."""
        msg_id = next(self._ids)
        context = types.CodeActionContext(diagnostics=[])
        params = types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri), range=where, context=context)
        future = self.lsp.protocol.send_request(types.TEXT_DOCUMENT_CODE_ACTION, params, msg_id=msg_id)
        self.lsp.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))

        async def answer():
            try:
                return await asyncio.wrap_future(future)
            except Exception as exc:
                return exc

        return self.run(answer())

    def execute(self, command: str, *arguments) -> None:
        self.run(self.lsp.workspace_execute_command_async(types.ExecuteCommandParams(command=command, arguments=list(arguments))))

    def watched_file_changed(self, path: Path) -> None:
        change = types.FileEvent(uri=path.resolve().as_uri(), type=types.FileChangeType.Changed)
        self.lsp.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))

    def close(self, uri: str) -> None:
        self.lsp.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))

    def wait(self, condition) -> None:
        """Until ``condition()`` holds, checked as each message from the server arrives."""

        async def waited() -> None:
            while not condition():
                self._arrived.clear()
                await self._arrived.wait()

        self.run(waited())

    def stop(self) -> int:
        self.run(self.lsp.shutdown_async(None))
        self.lsp.exit(None)
        self.run(self.lsp.stop())
        code = self.lsp._server.returncode  # the server process pygls started
        self.loop.close()
        return code


async def _event() -> asyncio.Event:
    return asyncio.Event()


def _capabilities(*, pull: bool) -> types.ClientCapabilities:
    """The puller also prefers UTF-8 positions (as Neovim does); the other client says nothing,
    which means UTF-16."""
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=["utf-8", "utf-16"]) if pull else None,
        workspace=types.WorkspaceClientCapabilities(
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=True) if pull else None,
        ),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
        ),
    )


@pytest.fixture(scope="module")
def client():
    """A client that takes pushed diagnostics; the server must exit 0 on `exit` after `shutdown`."""
    started = Client(_capabilities(pull=False))
    yield started
    assert started.stop() == 0


@pytest.fixture(scope="module")
def puller():
    started = Client(_capabilities(pull=True))
    yield started
    assert started.stop() == 0


def project(folder: Path, source: str, config: str = PROJECT, newline: str = "\n") -> Path:
    (folder / "pyproject.toml").write_text(config)
    path = folder / "app.py"
    path.write_bytes(source.replace("\n", newline).encode("utf-8"))
    return path


def fixed_by_cli(path: Path) -> bytes:
    """What `asyncio-upgrade fix` writes for a copy of ``path`` beside it."""
    copy = path.with_name("copy_" + path.name)
    copy.write_bytes(path.read_bytes())
    done = runner.invoke(app, ["fix", "--no-cache", str(copy)])
    assert done.exit_code in (0, 1), done.output
    fixed = copy.read_bytes()
    copy.unlink()
    return fixed


def checked_by_cli(path: Path) -> List[tuple]:
    """What `asyncio-upgrade check` reports for ``path``: code, line, message."""
    done = runner.invoke(app, ["check", "--no-cache", "--output-format", "json", str(path)])
    assert done.exit_code in (0, 1), done.output
    return [(f["code"], f["line"], f["message"]) for f in json.loads(done.stdout)]


def seen(diagnostics: List[types.Diagnostic]) -> List[tuple]:
    return [(d.code, d.range.start.line + 1, d.message) for d in diagnostics]


def applied(text: str, edit: types.WorkspaceEdit, encoding: str = "utf-16-le") -> str:
    """``text`` with the edit's text edits applied, as a client applies them: positions in
    UTF-16 code units (or ``encoding``'s), lines ending at \\n, \\r\\n or \\r."""
    (document,) = edit.document_changes
    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    unit = 2 if encoding == "utf-16-le" else 1

    def offset(position: types.Position) -> int:
        at, units = starts[position.line], 0
        while units < position.character:
            units += len(text[at].encode(encoding)) // unit
            at += 1
        return at

    for change in sorted(document.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(change.range.start)] + change.new_text + text[offset(change.range.end) :]
    return text


def finding(diagnostics: List[types.Diagnostic], code: str) -> types.Diagnostic:
    return next(d for d in diagnostics if d.code == code)


def test_initialize_advertises_the_features(client: Client) -> None:
    capabilities = client.initialized.capabilities
    assert capabilities.text_document_sync.change == types.TextDocumentSyncKind.Full
    assert set(capabilities.code_action_provider.code_action_kinds) == {"quickfix", "source.fixAll.asyncio-upgrade"}
    assert list(capabilities.execute_command_provider.commands) == ["asyncio-upgrade.applyAutofix"]
    assert capabilities.diagnostic_provider.identifier == "asyncio-upgrade"
    assert client.initialized.server_info.name == "asyncio-upgrade"


def test_pushed_diagnostics_are_checks_findings_in_utf16(client: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE)
    diagnostics = client.diagnostics(client.open(path))
    assert seen(diagnostics) == checked_by_cli(path)
    first = finding(diagnostics, "AIO406")
    # `asyncio.iscoroutinefunction` starts after `    print("ünïcödé 😀", `: 23 code points, 24 UTF-16 units
    assert (first.range.start.line, first.range.start.character) == (4, 24)
    assert first.range.end.character == 24 + len("asyncio.iscoroutinefunction(handler)")
    assert (first.severity, first.source) == (types.DiagnosticSeverity.Warning, "asyncio-upgrade")
    assert first.code_description.href.endswith("docs/rules.md#aio406-asyncio-iscoroutinefunction")


def test_pulled_diagnostics_where_the_client_pulls(puller: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE)
    uri = puller.open(path)
    pulled = puller.pull(uri)
    assert seen(pulled) == checked_by_cli(path)
    assert puller.pushed == {}
    assert puller.initialized.capabilities.position_encoding == "utf-8"
    # after `    print("ünïcödé 😀", `: 30 bytes in UTF-8
    assert finding(pulled, "AIO406").range.start == types.Position(line=4, character=30)
    fix = puller.actions(uri, finding(pulled, "AIO406").range, only=["quickfix"])[0]
    expected = SOURCE.replace("asyncio.iscoroutinefunction", "inspect.iscoroutinefunction")
    assert applied(SOURCE, fix.edit, "utf-8") == expected.replace("import asyncio\n", "import asyncio\nimport inspect\n")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_the_quick_fix_is_the_rules_fix_with_its_imports_as_fix_writes_it(client: Client, tmp_path: Path, newline: str) -> None:
    source = SOURCE.replace("    except asyncio.TimeoutError:\n", "    except TimeoutError:\n")  # AIO406 alone
    path = project(tmp_path, source, UNSAFE_PROJECT, newline)
    uri = client.open(path)
    diagnostics = client.diagnostics(uri)
    (fix, noqa, fix_all) = client.actions(uri, finding(diagnostics, "AIO406").range)
    assert fix.kind == "quickfix" and fix.title.startswith("Fix AIO406: ") and fix.title.endswith("(unsafe fix)")
    assert not fix.is_preferred and fix.diagnostics[0].code == "AIO406"
    assert fix.edit.document_changes[0].text_document.version == 1
    original = path.read_bytes()
    assert applied(original.decode(), fix.edit).encode() == fixed_by_cli(path)
    assert path.read_bytes() == original  # the server writes nothing
    assert noqa.title == "Disable AIO406 for this line"
    assert fix_all.kind == "source.fixAll.asyncio-upgrade"
    automatic = client.actions(uri, finding(diagnostics, "AIO406").range, trigger=types.CodeActionTriggerKind.Automatic)
    assert [action.title for action in automatic] == [fix.title, noqa.title]  # a light bulb shows no source action


def test_a_safe_quick_fix_is_preferred_and_unsafe_ones_are_offered_without_the_setting(client: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE)  # unsafe fixes off
    uri = client.open(path)
    diagnostics = client.diagnostics(uri)
    safe = client.actions(uri, finding(diagnostics, "AIO405").range, only=["quickfix"])[0]
    unsafe = client.actions(uri, finding(diagnostics, "AIO406").range, only=["quickfix"])[0]
    assert safe.is_preferred and not safe.title.endswith("(unsafe fix)")
    assert "except TimeoutError:" in applied(SOURCE, safe.edit)
    assert not unsafe.is_preferred and unsafe.title.endswith("(unsafe fix)")
    assert "inspect.iscoroutinefunction" in applied(SOURCE, unsafe.edit)


@pytest.mark.parametrize("config", [PROJECT, UNSAFE_PROJECT], ids=["safe", "unsafe-fixes"])
def test_fix_all_is_what_fix_writes(client: Client, tmp_path: Path, config: str) -> None:
    path = project(tmp_path, SOURCE, config)
    uri = client.open(path)
    client.diagnostics(uri)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    (fix_all,) = client.actions(uri, whole, only=["source.fixAll"])
    assert fix_all.kind == "source.fixAll.asyncio-upgrade"
    assert applied(SOURCE, fix_all.edit).encode() == fixed_by_cli(path)
    assert path.read_bytes() == SOURCE.encode()


def test_the_fix_all_command_sends_the_edit_to_the_client(client: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE)
    uri = client.open(path)
    client.diagnostics(uri)
    client.applied.clear()
    client.execute("asyncio-upgrade.applyAutofix", {"uri": uri})
    (edit,) = client.applied
    assert applied(SOURCE, edit).encode() == fixed_by_cli(path)
    assert path.read_bytes() == SOURCE.encode()


@pytest.mark.parametrize(
    "line, expected",
    [
        ("    print(asyncio.iscoroutinefunction(handler))", "    print(asyncio.iscoroutinefunction(handler))  # noqa: AIO406"),
        ("    print(asyncio.iscoroutinefunction(handler))  # why", "    print(asyncio.iscoroutinefunction(handler))  # why  # noqa: AIO406"),
        ("    print(asyncio.iscoroutinefunction(handler))  # noqa: AIO101", "    print(asyncio.iscoroutinefunction(handler))  # noqa: AIO101,AIO406"),
        ("    print(asyncio.iscoroutinefunction(  # noqa: ASYNC1, UP2\n        handler))", "    print(asyncio.iscoroutinefunction(  # noqa: ASYNC1, UP2, AIO406\n        handler))"),
        ('    print(asyncio.iscoroutinefunction("""\n    """))', '    print(asyncio.iscoroutinefunction("""\n    """))  # noqa: AIO406'),
    ],
    ids=["added", "after-a-comment", "extended", "extended-on-the-first-line", "last-line-when-the-first-is-in-a-string"],
)
def test_the_noqa_action_silences_the_finding_where_check_honours_it(client: Client, tmp_path: Path, line: str, expected: str) -> None:
    source = SOURCE.replace('    print("ünïcödé 😀", asyncio.iscoroutinefunction(handler))', line)
    path = project(tmp_path, source)
    uri = client.open(path)
    target = finding(client.diagnostics(uri), "AIO406")
    (noqa,) = [a for a in client.actions(uri, target.range) if a.title.startswith("Disable")]
    silenced = applied(source, noqa.edit)
    assert silenced == source.replace(line, expected)
    (tmp_path / "silenced.py").write_text(silenced, encoding="utf-8")
    assert [d.code for d in client.diagnostics(client.open(tmp_path / "silenced.py"))] == ["AIO405"]


def test_settings_come_from_pyproject_and_are_read_again_when_it_changes(client: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE, PROJECT + '\n[tool.asyncio-upgrade]\nignore = ["AIO405"]\n')
    uri = client.open(path)
    assert seen(client.diagnostics(uri)) == checked_by_cli(path) != []
    assert [d.code for d in client.diagnostics(uri)] == ["AIO406"]
    config = tmp_path / "pyproject.toml"
    config.write_text(PROJECT.replace(">=3.11", ">=3.9"))  # AIO405's fix needs 3.11: withheld
    before = len(client.pushed[uri])
    client.watched_file_changed(config)
    client.wait(lambda: len(client.pushed[uri]) > before)
    assert seen(client.pushed[uri][-1].diagnostics) == checked_by_cli(path)


def test_a_client_that_pulls_is_asked_to_pull_again_when_settings_change(puller: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE, PROJECT + '\n[tool.asyncio-upgrade]\nignore = ["AIO405"]\n')
    uri = puller.open(path)
    assert [d.code for d in puller.pull(uri)] == ["AIO406"]
    before = puller.refreshed
    (tmp_path / "pyproject.toml").write_text(PROJECT)
    puller.watched_file_changed(tmp_path / "pyproject.toml")
    puller.wait(lambda: puller.refreshed > before)
    assert sorted(d.code for d in puller.pull(uri)) == ["AIO405", "AIO406"]


def test_closing_a_document_clears_its_pushed_diagnostics(client: Client, tmp_path: Path) -> None:
    uri = client.open(project(tmp_path, SOURCE))
    assert client.diagnostics(uri) != []
    client.close(uri)
    client.wait(lambda: len(client.pushed[uri][-1].diagnostics) == 0)


def test_a_configuration_error_is_shown_once_and_gives_no_diagnostics(client: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE, PROJECT + "\n[tool.asyncio-upgrade]\nselct = []\n")
    uri = client.open(path)
    assert client.diagnostics(uri) == []
    assert [m for m in client.messages if "unknown key `selct`" in m] == [f"asyncio-upgrade: {path.parent / 'pyproject.toml'}: unknown key `selct` in [tool.asyncio-upgrade] (known: exclude, extend-exclude, extend-safe-fixes, extend-unsafe-fixes, ignore, per-file-ignores, select, target-version, unsafe-fixes)"]


def test_a_file_that_does_not_parse_has_no_diagnostics_and_the_server_goes_on(client: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE + "def broken(:\n")
    uri = client.open(path)
    assert client.diagnostics(uri) == []
    version = client.change(uri, SOURCE)
    assert len(client.diagnostics(uri, version)) == 2


def test_the_newest_version_wins(client: Client, tmp_path: Path) -> None:
    """Each push names its version and holds that version's findings; the last is the newest."""
    path = project(tmp_path, SOURCE)
    uri = client.open(path)
    texts = {1: SOURCE}
    for text in (SOURCE.replace("asyncio.TimeoutError", "TimeoutError"), "import asyncio\n", SOURCE):
        texts[client.change(uri, text)] = text
    client.diagnostics(uri, max(texts))
    for params in client.pushed[uri]:
        expected = {1: 2, 2: 1, 3: 0, 4: 2}[params.version]
        assert len(params.diagnostics) == expected, (params.version, texts[params.version])
    assert client.pushed[uri][-1].version == max(texts)


def test_a_cancelled_request_does_not_disturb_the_server(client: Client, tmp_path: Path) -> None:
    path = project(tmp_path, SOURCE)
    uri = client.open(path)
    diagnostics = client.diagnostics(uri)
    answer = client.cancelled_request(uri, diagnostics[0].range)
    assert isinstance(answer, Exception) and "cancel" in str(answer).lower() or isinstance(answer, list), answer
    assert len(client.actions(uri, diagnostics[0].range, only=["quickfix"])) == 2


def test_without_the_lsp_extra_the_command_says_which_extra_to_install(tmp_path: Path) -> None:
    script = (
        "import sys\nsys.modules['pygls'] = None\n"
        "from asyncio_upgrade.cli.app import main\nsys.argv = ['asyncio-upgrade', 'server']\nmain()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "asyncio-upgrade: error: the server needs the `lsp` extra: pip install 'asyncio-upgrade[lsp]' (pygls is not installed)"
    ]


def test_check_does_not_import_the_server(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE, encoding="utf-8")
    script = (
        "import sys\nfrom asyncio_upgrade.cli.app import main\n"
        "sys.argv = ['asyncio-upgrade', 'check', '--isolated', '--no-cache', 'app.py']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs')"
        " or m.startswith('asyncio_upgrade.cli.server')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.stdout.splitlines()[-1] == "[]", done.stdout + done.stderr


def test_a_file_the_configuration_excludes_has_no_diagnostics(client: Client, tmp_path: Path) -> None:
    project(tmp_path, SOURCE, PROJECT + '\n[tool.asyncio-upgrade]\nextend-exclude = ["generated/"]\n')
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "app.py").write_text(SOURCE, encoding="utf-8")
    assert client.diagnostics(client.open(tmp_path / "generated" / "app.py")) == []
    assert len(client.diagnostics(client.open(tmp_path / "app.py"))) == 2
