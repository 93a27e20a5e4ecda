"""Results cached by file content: a second run over unchanged files parses nothing.

One small JSON file per (content, settings, tool) key, written atomically, so concurrent runs
cannot corrupt each other; an unreadable entry is ignored and rebuilt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Optional

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

    def key(self, data: bytes, settings: Settings, fix: bool) -> str:
        digest = hashlib.sha256(data)
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

    def put(self, key: str, result: FileResult) -> None:
        if result.internal_error:
            return  # worth retrying once the tool is fixed
        folder = self.folder / key[:2]
        try:
            if not self.folder.parent.exists():
                self.folder.parent.mkdir(parents=True, exist_ok=True)
                (self.folder.parent / ".gitignore").write_text("# created by asyncio-upgrade\n*\n")
            folder.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_to_dict(result), handle)
            os.replace(temp, folder / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written is only slower


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
