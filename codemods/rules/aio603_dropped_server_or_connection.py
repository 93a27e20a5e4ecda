from typing import Optional

import libcst as cst

from ..kit.streams import OPEN_CONNECTION, START_SERVER
from ..kit.values import local_reads
from ..model import Safety
from ..rule import Rule


class DroppedServerOrConnection(Rule):
    """Keep the server of ``asyncio.start_server()`` and the writer of ``open_connection()``.

    ## Why
    ``await asyncio.start_server(...)`` starts listening at once and returns the ``Server``
    that is the only way to stop it. Thrown away, the server can never be closed: it accepts
    connections until the event loop itself is closed, and nothing waits for it (``async
    with server:`` closes it at the end of the block, ``await server.serve_forever()`` serves
    until cancelled). Likewise a connection from ``asyncio.open_connection()`` whose writer is
    thrown away can never be closed, so the socket stays open until the process ends.

    Example: `fixtures/aio603_dropped_server_or_connection/basic`.

    ## Fix safety
    Report only: how long the server should live (a block, ``serve_forever()``, an
    attribute) is for the author to decide.

    ## Limitations
    Reported: an awaited ``asyncio.start_server``/``start_unix_server`` or
    ``open_connection``/``open_unix_connection`` on a line of its own, and one assigned to a
    local variable (the writer, for a connection) that the function never reads. A result
    passed on, returned or stored in an attribute is left alone, and so is
    ``loop.run_until_complete(asyncio.start_server(...))``.
    """

    code = "AIO603"
    name = "dropped-server-or-connection"
    min_python = (3, 7)
    safety = Safety.REPORT
    trigger_words = ("start_server", "start_unix_server", "open_connection", "open_unix_connection")
    anchors = tuple(START_SERVER | OPEN_CONNECTION)
    needs_async_def = True

    def visit_Await(self, node: cst.Await) -> None:
        call = node.expression
        if not isinstance(call, cst.Call):
            return
        if self.ctx.resolves_to(call.func, START_SERVER):
            what = "server"
        elif self.ctx.resolves_to(call.func, OPEN_CONNECTION):
            what = "connection"
        else:
            return
        dropped = self._dropped(node, what)
        if dropped is not None:
            name = self.ctx.code_for(call.func)
            remedy = "keep it and use `async with server:`" if what == "server" else "keep the writer and close it"
            self.report(call, f"the {what} `{name}()` opens is {dropped}: it can never be closed; {remedy}")

    def _dropped(self, node: cst.Await, what: str) -> Optional[str]:
        """How the result is dropped: "thrown away", "never used", or None when it is kept."""
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Expr):
            return "thrown away"
        if not isinstance(parent, cst.Assign) or len(parent.targets) != 1 or parent.value is not node:
            return None
        target = parent.targets[0].target
        if what == "connection" and isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
            target = target.elements[1].value
        reads = local_reads(self.ctx, target) if isinstance(target, cst.Name) else None
        return "never used" if reads == [] else None
