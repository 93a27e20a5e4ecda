"""Writing a rewritten file: atomically, keeping its mode, never over someone else's change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional


def write_if_unchanged(path: Path, original: bytes, new: bytes) -> Optional[str]:
    """Replace ``path``'s content with ``new``; a one-line reason if it was not written."""
    import tempfile  # here, not at start-up: `check` writes nothing (~1.3 ms with random)

    if not os.access(path, os.W_OK):
        return "file is read-only; not rewritten"
    try:
        if path.read_bytes() != original:
            return "file changed on disk while it was being processed; not rewritten"
        mode = path.stat().st_mode
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(new)
            os.chmod(temp, mode & 0o7777)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as exc:
        return f"cannot write: {exc.strerror or exc}"
    return None
