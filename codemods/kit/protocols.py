"""asyncio protocol classes: a method that is a callback of a class deriving from one directly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import libcst as cst

from .names import asyncio_names

if TYPE_CHECKING:
    from ..context import FileContext

PROTOCOLS = asyncio_names("BaseProtocol", "Protocol", "BufferedProtocol", "DatagramProtocol", "SubprocessProtocol")
CALLBACKS = frozenset({
    "connection_made", "connection_lost", "data_received", "eof_received", "get_buffer", "buffer_updated",
    "datagram_received", "error_received", "pause_writing", "resume_writing", "pipe_data_received",
    "pipe_connection_lost", "process_exited",
})


def protocol_class_of(ctx: FileContext, method: Optional[cst.FunctionDef]) -> Optional[cst.ClassDef]:
    """The class that plain ``def method`` is a callback of (named as one), when one of the
    class's own bases is an asyncio protocol; subclasses of such classes are not followed."""
    if method is None or method.asynchronous is not None or method.name.value not in CALLBACKS:
        return None
    block = ctx.parent(method)
    owner = ctx.parent(block) if isinstance(block, cst.IndentedBlock) else None
    if not isinstance(owner, cst.ClassDef):
        return None
    return owner if any(ctx.resolves_to(base.value, PROTOCOLS) for base in owner.bases) else None
