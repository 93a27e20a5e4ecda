import libcst as cst

from ..kit.protocols import PROTOCOLS, protocol_class_of
from ..kit.scope import function_of, innermost_def
from ..kit.syntax import method_receiver
from ..kit.values import self_attribute_values
from ..model import Safety
from ..rule import Rule

WRITES = ("write", "writelines", "write_eof", "sendto")


class WriteInConnectionLost(Rule):
    """Do not write to a protocol's transport in ``connection_lost``.

    ## Why
    asyncio calls ``connection_lost()`` once the transport is closed. Writing to it there
    (``self.transport.write(b"bye")``) sends nothing: the data is dropped without an error
    (after a few such writes asyncio only logs "socket.send() raised exception."). A goodbye
    message belongs before the transport is closed, in the code that closes it.

    Example: `fixtures/aio605_write_in_connection_lost/basic`.

    ## Fix safety
    Report only: the write does nothing, but where the message should go instead is for the
    author to decide.

    ## Limitations
    Only in ``connection_lost`` itself of a class deriving directly from an asyncio protocol,
    and only on ``self.<attr>`` where every assignment of that attribute in the class is the
    ``transport`` parameter of its ``connection_made``. Writes after the connection is lost
    made from other methods, callbacks or tasks cannot be told apart and are left alone.
    """

    code = "AIO605"
    name = "write-in-connection-lost"
    min_python = (3, 7)
    safety = Safety.REPORT
    trigger_words = ("connection_lost",)
    anchors = tuple(PROTOCOLS)

    def visit_Call(self, node: cst.Call) -> None:
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        transport = method_receiver(node, method) if method in WRITES else None
        callback = innermost_def(self.ctx)
        if transport is None or callback is None or callback.name.value != "connection_lost":
            return
        owner = protocol_class_of(self.ctx, callback)
        values = self_attribute_values(self.ctx, transport) if owner is not None else None
        if values and all(_is_transport_parameter(self.ctx, value) for value in values):
            self.report(
                node,
                f"`{self.ctx.code_for(node.func)}()` in `connection_lost`: the transport is closed, nothing is sent",
            )


def _is_transport_parameter(ctx, value: cst.BaseExpression) -> bool:
    """``value`` is the second parameter (after ``self``) of the ``connection_made`` it is read in."""
    method = function_of(ctx, value)
    if not isinstance(value, cst.Name) or method is None or method.name.value != "connection_made":
        return False
    params = method.params.params
    scope = ctx.scope(value)
    bindings = list(scope[value.value]) if scope is not None else []
    return (
        len(params) == 2
        and len(bindings) == 1
        and getattr(bindings[0], "node", None) is params[1]
    )
