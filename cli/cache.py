"""Results cached by file content: a second run over unchanged files parses nothing.

One small JSON file per (content, settings, tool) key, written atomically, so concurrent runs
cannot corrupt each other; an unreadable entry is ignored and rebuilt. Contents with nothing to
do (most files of a tree) are not given an entry each: ``QuietContents`` keeps their keys in
one file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Set

if TYPE_CHECKING:
    from hashlib import _Hash

from asyncio_upgrade.codemods.api import Edit, FileResult, Finding, FixStatus, Settings

_FORMAT = 3


def default_cache_dir(project_root: Optional[Path]) -> Path:
    if project_root is not None:
        return project_root / ".asyncio_upgrade_cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "asyncio-upgrade"


def code_fingerprint() -> str:
    """Changes whenever the installed rules or engine change (also in an editable checkout)."""
    import asyncio_upgrade.codemods as package

    digest = hashlib.sha256(str(_FORMAT).encode())
    for folder in package.__path__:
        for path in sorted(Path(folder).rglob("*.py")):
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


class Cache:
    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder / f"v{_FORMAT}"
        self.fingerprint = fingerprint
        self.hits = 0
        self.quiet = QuietContents(self.folder, fingerprint)

    @staticmethod
    def content(data: bytes) -> "_Hash":
        """The file's bytes hashed, once for every key."""
        return hashlib.sha256(data)

    def key(self, content: "_Hash", settings: Settings, fix: bool) -> str:
        digest = content.copy()
        digest.update(f"|{self.fingerprint}|{fix}|{settings.key()}".encode())
        return digest.hexdigest()

    def get(self, key: str) -> Optional[FileResult]:
        path = self.folder / key[:2] / f"{key}.json"
        try:
            result = _from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # corrupt or from another format: recompute and overwrite
        self.hits += 1
        return result

    def known_quiet(self, content: "_Hash", settings: Settings) -> bool:
        """Whether the text step found nothing to do in this content under these settings."""
        if self.quiet.key(content, settings) in self.quiet:
            self.hits += 1
            return True
        return False

    def put_quiet(self, content: "_Hash", settings: Settings, result: FileResult) -> None:
        if result == FileResult():
            self.quiet.add(self.quiet.key(content, settings))

    def put(self, key: str, result: FileResult) -> None:
        if result.internal_error:
            return  # worth retrying once the tool is fixed
        folder = self.folder / key[:2]
        try:
            make_folder(self.folder.parent, folder)
            fd, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_to_dict(result), handle)
            os.replace(temp, folder / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written is only slower


class QuietContents:
    """The contents in which the text step found nothing to do, each under the settings it
    was asked with: one file per cache folder, read at the start of a run and written once at
    its end. A warm run then hashes such a file instead of searching it for every rule's words.

    Hazard: a hit stands for an empty result, so a key is only added for a result that is
    exactly empty (never an undecodable file or an internal error), and it covers the content,
    the tool (the fingerprint heads the file: another tool's keys are dropped) and the
    settings. Concurrent runs may each write the file: the last one wins, and a lost key only
    costs its file one text step.
    """

    # Keys from earlier runs (other folders of the tree, files since edited) are kept beside
    # this run's while the whole is at most this, or twice this run's: the file stays small.
    KEEP = 20_000

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.path = folder / "quiet.keys"
        self.fingerprint = fingerprint
        self._known: Set[str] = set()
        self._seen: Set[str] = set()
        self._added = False
        try:
            head, _, body = self.path.read_text(encoding="ascii").partition("\n")
        except (OSError, ValueError):
            return
        if head == fingerprint:
            self._known = set(body.split())

    @staticmethod
    def key(content: "_Hash", settings: Settings) -> str:
        digest = content.copy()
        digest.update(f"|quiet|{settings.key()}".encode())
        return digest.hexdigest()[:32]

    def __contains__(self, key: str) -> bool:
        if key in self._known:
            self._seen.add(key)
            return True
        return False

    def add(self, key: str) -> None:
        self._seen.add(key)
        self._added = True

    def save(self) -> None:
        if not self._added:
            return
        keys = self._seen | self._known
        if len(keys) > max(self.KEEP, 2 * len(self._seen)):
            keys = self._seen
        try:
            make_folder(self.path.parent.parent, self.path.parent)
            fd, temp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(self.fingerprint + "\n" + "\n".join(sorted(keys)))
            os.replace(temp, self.path)
        except OSError:
            pass  # only slower next time
        self._known, self._added = keys, False


def make_folder(top: Path, folder: Path) -> None:
    """``folder`` in the cache folder ``top``, which git is told to ignore when it is made."""
    if not top.exists():
        top.mkdir(parents=True, exist_ok=True)
        (top / ".gitignore").write_text("# created by asyncio-upgrade\n*\n")
    folder.mkdir(parents=True, exist_ok=True)


def _to_dict(result: FileResult) -> dict:
    data = asdict(result)
    data["findings"] = [_finding_dict(f) for f in result.findings]
    if result.findings_after is not None:
        data["findings_after"] = [_finding_dict(f) for f in result.findings_after]
    data["new_source"] = base64.b64encode(result.new_source).decode() if result.new_source is not None else None
    data["withheld_by_target"] = [[list(v), n] for v, n in result.withheld_by_target.items()]
    return data


def _finding_dict(finding: Finding) -> dict:
    return {**asdict(finding), "fix": finding.fix.value, "edits": [asdict(e) for e in finding.edits]}


def _finding(data: dict) -> Finding:
    return Finding(**{**data, "fix": FixStatus(data["fix"]), "edits": tuple(Edit(**e) for e in data["edits"])})


def _from_dict(data: dict) -> FileResult:
    after = data.get("findings_after")
    return FileResult(
        findings=[_finding(f) for f in data["findings"]],
        findings_after=[_finding(f) for f in after] if after is not None else None,
        new_source=base64.b64decode(data["new_source"]) if data["new_source"] is not None else None,
        fixes_applied=data["fixes_applied"],
        withheld_by_target={tuple(v): n for v, n in data["withheld_by_target"]},
        skipped=data["skipped"],
        internal_error=data["internal_error"],
        parsed=False,  # nothing was parsed to produce this result
    )
