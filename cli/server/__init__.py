"""`asyncio-upgrade server`: a language server over stdio (``protocol``, ``session``), with the
engine in worker processes (``documents``, ``workers``, ``work``). pygls, lsprotocol and
patiencediff come with the `lsp` extra and are imported only by this command."""

from __future__ import annotations

from ..options import UsageError

EXTRA_MISSING = "the server needs the `lsp` extra: pip install 'asyncio-upgrade[lsp]'"


def serve() -> int:
    """Serve one client on stdin/stdout until it says `exit`."""
    try:
        from .protocol import create
    except ImportError as exc:
        package = (exc.name or "").partition(".")[0]
        if package not in ("pygls", "lsprotocol", "patiencediff"):
            raise
        raise UsageError(f"{EXTRA_MISSING} ({package} is not installed)") from None
    create().start_io()
    return 0
