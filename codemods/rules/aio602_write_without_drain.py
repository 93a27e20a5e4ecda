from typing import Optional, Union

import libcst as cst

from ..kit.findings import without_fix
from ..kit.statements import expression_line, followed_by
from ..kit.streams import OPEN_CONNECTION, START_SERVER, is_stream_writer
from ..kit.syntax import method_receiver
from ..model import Safety
from ..rule import Rule

Loop = Union[cst.For, cst.While]
MESSAGE = "`{writer}.{method}()` in a loop that never awaits `{writer}.drain()`: the write buffer can grow without bound"


class WriteWithoutDrain(Rule):
    """Await ``writer.drain()`` in a loop that writes to a StreamWriter.

    ## Why
    ``StreamWriter.write()`` never blocks: it appends to the transport's buffer. A loop
    that writes without ``await writer.drain()`` ignores flow control, so a slow or stalled
    peer makes the buffer, and the process's memory, grow without limit; and errors of the
    connection (the peer is gone) are never raised, the data is silently dropped.
    ``drain()`` waits while the buffer is above its high-water mark and raises the
    connection's error.

    Example: `fixtures/aio602_write_without_drain/basic`.

    ## Fix safety
    Unsafe: ``await writer.drain()`` is added after the write when the write is the last
    statement of the loop body. The coroutine now pauses while the buffer is full (other
    tasks run there), and a lost connection now raises ``ConnectionResetError`` (or the
    error it ended with) where the writes were silently dropped.

    Example: `fixtures/aio602_write_without_drain/runnable_lost_connection_now_raises`.

    ## Limitations
    Only writers known to be StreamWriters (as for AIO601). A loop that calls ``drain()`` on
    the writer anywhere inside it is left alone. A write that is not the last statement of
    the loop body, or not a statement of its own line, is reported without a fix.
    """

    code = "AIO602"
    name = "write-without-drain"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    trigger_words = ("write",)
    anchors = tuple(OPEN_CONNECTION | START_SERVER)
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        writer = method_receiver(node, method) if method in ("write", "writelines") else None
        if writer is None or not self.ctx.in_coroutine() or not is_stream_writer(self.ctx, writer):
            return
        loop = self._enclosing_loop(node)
        if loop is None or _drains(loop, writer.value):
            return
        message = MESSAGE.format(writer=writer.value, method=method)
        line = expression_line(self.ctx, node)
        if line is None or line is not loop.body.body[-1]:
            self.report(node, without_fix(message, "the write is not the last statement of the loop body"))
            return
        fix = self.fix(node)
        fix.replace(line, followed_by(line, fix.parse_statement(f"await {writer.value}.drain()\n")))
        self.report(node, message, fix=fix)

    def _enclosing_loop(self, node: cst.CSTNode) -> Optional[Loop]:
        """The innermost ``for``/``while`` whose body holds ``node``, in the same function."""
        child, parent = node, self.ctx.parent(node)
        while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            if isinstance(parent, (cst.For, cst.While)) and child is parent.body:
                return parent
            child, parent = parent, self.ctx.parent(parent)
        return None


def _drains(loop: Loop, writer: str) -> bool:
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            receiver = method_receiver(node, "drain")
            if isinstance(receiver, cst.Name) and receiver.value == writer:
                found.append(node)

    loop.visit(Finder())
    return bool(found)
