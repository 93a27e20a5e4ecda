import libcst as cst

from ..kit.checkpoint_flow import CheckpointFlow
from ..kit.checkpoints import add_checkpoint_before
from ..kit.findings import without_fix
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
    Unsafe: the fix puts ``await asyncio.sleep(0)`` at the top of the loop's body, so every
    round lets other tasks run and lets a cancellation or an expired timeout in. That is the
    point, but it changes the interleaving, and a loop that used to run to its ``return`` in one
    go can now be cancelled on the way. A loop written on one line is reported without a fix.
    As with AIO903, an ``await`` counts as a checkpoint even though awaiting a coroutine that
    does not wait on an unfinished future does not suspend.

    Example: `fixtures/aio904_loop_without_checkpoint/runs_the_same`.

    ## Limitations
    Only ``while True`` (and ``while 1``) loops without a ``break`` of their own: a loop that can
    end is judged by AIO903 at the function's exits. Paths are followed as AIO903 does; a loop
    whose every path ends in an inner endless loop, a ``return`` or a ``raise`` is not
    reported.
    """

    code = "AIO904"
    name = "loop-without-checkpoint"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    selected_by_default = False
    equivalent_codes = ("ASYNC913",)
    trigger_words = ("while",)
    needs_async_def = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None:
            return
        for loop in CheckpointFlow(self.ctx, node).busy_loops:
            first = loop.body.body[0] if isinstance(loop.body, cst.IndentedBlock) else loop.body
            fix = self.fix(first)
            if add_checkpoint_before(self.ctx, fix, first):
                self.report(loop, MESSAGE, fix=fix)
            else:
                self.report(loop, without_fix(MESSAGE, "a one-line loop"))
