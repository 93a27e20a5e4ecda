"""Module facts kept by content, beside the result cache: a second run over an unchanged tree
reads the facts of every module it needs from here instead of parsing them again.

One small JSON file per (content, module name, tool) key, written atomically like the result
cache; an unreadable or foreign entry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Optional

from asyncio_upgrade.codemods.api import ClassFacts, ModuleFacts


class FactsCache:
    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder / "facts"
        self.fingerprint = fingerprint

    def _path(self, data: bytes, module: str, is_package: bool) -> Path:
        digest = hashlib.sha256(data)
        digest.update(f"|{self.fingerprint}|{module}|{is_package}".encode())
        key = digest.hexdigest()
        return self.folder / key[:2] / f"{key}.json"

    def get(self, data: bytes, module: str, is_package: bool) -> Optional[ModuleFacts]:
        try:
            raw = json.loads(self._path(data, module, is_package).read_text(encoding="utf-8"))
            return _from_dict(raw)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, data: bytes, module: str, is_package: bool, facts: ModuleFacts) -> None:
        path = self._path(data, module, is_package)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(facts), handle)
            os.replace(temp, path)
        except OSError:
            pass  # a cache that cannot be written is only slower


def _from_dict(raw: dict) -> ModuleFacts:
    exports = raw["exports"]
    return ModuleFacts(
        functions=tuple((name, kind) for name, kind in raw["functions"]),
        imports=tuple((local, target) for local, target in raw["imports"]),
        classes=tuple(
            (name, ClassFacts(bases=tuple(c["bases"]), members=tuple(c["members"]), opaque=c["opaque"]))
            for name, c in raw["classes"]
        ),
        star_imports=tuple(raw["star_imports"]),
        exports=tuple(exports) if exports is not None else None,
        calls=tuple((callee, use) for callee, use in raw["calls"]),
    )
