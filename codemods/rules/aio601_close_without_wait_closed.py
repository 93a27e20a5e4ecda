import libcst as cst

from ..kit.findings import without_fix
from ..kit.scope import innermost_def, own_nodes
from ..kit.statements import expression_line, followed_by
from ..kit.streams import OPEN_CONNECTION, START_SERVER, is_stream_writer
from ..kit.syntax import method_receiver
from ..model import Safety
from ..rule import Rule

MESSAGE = "`{writer}.close()` without `await {writer}.wait_closed()`: the connection may still be open here"


class CloseWithoutWaitClosed(Rule):
    """Wait for a StreamWriter to close: ``await writer.wait_closed()`` after ``writer.close()``.

    ## Why
    ``StreamWriter.close()`` only starts closing the connection: buffered data is still
    being written and the socket is still open when it returns. Code that goes on (opens
    the next connection, ends ``asyncio.run``) races with it, and errors of the close are
    never seen ("Task exception was never retrieved", or on Windows "unclosed transport"
    warnings). ``wait_closed()`` (3.7) waits until the transport is closed.

    Example: `fixtures/aio601_close_without_wait_closed/basic`.

    ## Fix safety
    Unsafe: ``await writer.wait_closed()`` is added after the ``close()`` line. The coroutine
    now waits for the close, and ``wait_closed()`` raises the error the connection ended
    with (``ConnectionResetError``, ``BrokenPipeError``) that was silent before; in a
    ``finally`` block such an error replaces the exception in flight.

    Example: `fixtures/aio601_close_without_wait_closed/runnable_server_and_client`.

    ## Limitations
    Only writers known to be StreamWriters: ``reader, writer = await
    asyncio.open_connection(...)`` (or ``open_unix_connection``, also inside
    ``asyncio.wait_for(..., t)``) in the same coroutine, or the
    second parameter of an ``async def`` passed by name to ``asyncio.start_server`` (or
    ``start_unix_server``) in the same file. A function that calls ``wait_closed()`` on the
    writer anywhere is left alone, as are sync functions. A ``close()`` that is not a
    statement of its own line is reported without a fix.
    """

    code = "AIO601"
    name = "close-without-wait-closed"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    trigger_words = ("close",)
    anchors = tuple(OPEN_CONNECTION | START_SERVER)
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        writer = method_receiver(node, "close")
        function = innermost_def(self.ctx)
        if not self.ctx.in_coroutine() or not is_stream_writer(self.ctx, writer):
            return
        if any(method_receiver(call, "wait_closed") is not None and _same_name(call, writer)
               for call in own_nodes(function.body, cst.Call)):
            return
        message = MESSAGE.format(writer=writer.value)
        line = expression_line(self.ctx, node)
        if line is None:
            self.report(node, without_fix(message, "the call is not a statement of its own line"))
            return
        fix = self.fix(node)
        fix.replace(line, followed_by(line, fix.parse_statement(f"await {writer.value}.wait_closed()\n")))
        self.report(node, message, fix=fix)


def _same_name(call: cst.Call, writer: cst.Name) -> bool:
    receiver = call.func.value
    return isinstance(receiver, cst.Name) and receiver.value == writer.value
