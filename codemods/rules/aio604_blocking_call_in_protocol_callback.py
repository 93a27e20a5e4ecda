import libcst as cst

from ..kit.blocking import HTTP_FUNCTIONS, INPUT, SUBPROCESS_CALLS, TIME_SLEEP
from ..kit.names import is_dotted_name
from ..kit.protocols import PROTOCOLS, protocol_class_of
from ..kit.scope import innermost_def
from ..model import Safety
from ..rule import Rule

BLOCKING = frozenset(TIME_SLEEP | SUBPROCESS_CALLS | INPUT | HTTP_FUNCTIONS)


class BlockingCallInProtocolCallback(Rule):
    """Do not block in the callbacks of an asyncio protocol.

    ## Why
    The methods asyncio calls on a ``Protocol`` (``data_received``, ``connection_made``,
    ``datagram_received``…) run on the event loop itself, like the code of a coroutine:
    ``time.sleep()``, ``subprocess.run()``, ``input()`` or a ``requests`` call there stops
    every other task and connection until it returns. The AIO3xx rules find these calls in
    ``async def``; a protocol callback is a plain ``def``, so they cannot see it.

    Example: `fixtures/aio604_blocking_call_in_protocol_callback/basic`.

    ## Fix safety
    Report only: a callback cannot ``await``. Start a task for the work
    (``asyncio.get_running_loop().create_task(...)``, keeping a reference) or hand it to a
    thread with ``loop.run_in_executor``.

    ## Limitations
    Only methods with a callback's name, defined in a class whose own bases include
    ``asyncio.Protocol``, ``BaseProtocol``, ``BufferedProtocol``, ``DatagramProtocol`` or
    ``SubprocessProtocol``; subclasses of such a class are not followed. The calls are those
    AIO301, AIO304, AIO305 and AIO306 move to a thread in a coroutine (``time.sleep``,
    blocking subprocess calls, ``input``, ``requests``/``httpx``/``urllib`` functions). Code in
    a nested function or lambda is left alone.
    """

    code = "AIO604"
    name = "blocking-call-in-protocol-callback"
    min_python = (3, 7)
    safety = Safety.REPORT
    trigger_words = ("Protocol",)
    anchors = tuple(PROTOCOLS)

    def visit_Call(self, node: cst.Call) -> None:
        if not is_dotted_name(node.func) or not self.ctx.resolves_to(node.func, BLOCKING):
            return
        method = innermost_def(self.ctx)
        owner = protocol_class_of(self.ctx, method)
        if owner is not None:
            self.report(
                node,
                f"`{self.ctx.code_for(node.func)}()` in `{owner.name.value}.{method.name.value}` blocks the event loop:"
                " protocol callbacks run on it",
            )
