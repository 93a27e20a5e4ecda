import libcst as cst

from ..kit.checkpoint_flow import CheckpointFlow
from ..model import Safety
from ..rule import Rule

MESSAGE = "`while True` loop that can go round without an `await`: it blocks the event loop, and cannot be cancelled there"


class LoopWithoutCheckpoint(Rule):
    """Flag a ``while True`` loop in a coroutine that can go round without an ``await`` (opt-in).

    ## Why
    asyncio is cooperative: while a task runs, no other task, callback or I/O does. A
    ``while True`` loop whose body has a path without ``await``, ``async for`` or
    ``async with`` (waiting only in one branch, or not at all) can spin on that path forever,
    freezing the whole program, and neither a timeout nor ``task.cancel()`` can stop it, as
    both are delivered only at an ``await``. flake8-async's ASYNC913, opt-in there and here
    (``--select AIO904``) as a loop may be known to take the awaiting branch often enough.

    ## Fix safety
    Report only. Adding ``await asyncio.sleep(0)`` at the top of the loop would stop the
    freeze but changes the interleaving and lets cancellation strike there: never safe.
    As with AIO903, an ``await`` counts as a checkpoint even though awaiting a coroutine that
    does not wait on an unfinished future does not suspend.

    ## Limitations
    Only ``while True`` (and ``while 1``) loops without a ``break`` of their own: a loop that can
    end is judged by AIO903 at the function's exits. Paths are followed as AIO903 does; a loop
    whose every path ends in an inner endless loop, a ``return`` or a ``raise`` is not
    reported.
    """

    code = "AIO904"
    name = "loop-without-checkpoint"
    min_python = (3, 7)
    safety = Safety.REPORT
    selected_by_default = False
    equivalent_codes = ("ASYNC913",)
    trigger_words = ("while",)
    needs_async_def = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None:
            for loop in CheckpointFlow(self.ctx, node).busy_loops:
                self.report(loop, MESSAGE)
