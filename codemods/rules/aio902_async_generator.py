import libcst as cst

from ..kit.checkpoints import suspension_points
from ..kit.names import CONTEXT_MANAGER_DECORATORS
from ..kit.scope import decorated_with
from ..model import Safety
from ..rule import Rule

MESSAGE = "async generator `{}`: its cleanup runs only when it is exhausted or closed; prefer a context manager or a queue"


class AsyncGenerator(Rule):
    """Flag async generators that are not context managers or fixtures (opt-in).

    ## Why
    An async generator's ``finally`` blocks and ``async with`` exits run only when it is
    exhausted or closed. A consumer that stops early leaves it suspended, and the event loop
    finalizes it later, at garbage collection or shutdown, in another task where its
    cancellation and timeouts no longer apply; errors raised there are only logged. Code that
    must clean up reliably either wraps the generator in ``contextlib.aclosing()`` at every
    use, or avoids async generators: a context manager, or a producer task feeding an
    ``asyncio.Queue``. A project-wide policy, hence opt-in: ``--select AIO902``.
    flake8-async's ASYNC900.

    ## Fix safety
    Report only: the replacement is a design choice.

    ## Limitations
    Generators decorated with ``contextlib.asynccontextmanager`` or a pytest fixture
    decorator (recognised by qualified name) are allowed. The definition is reported once,
    however many ``yield`` statements it has; a ``yield`` in a nested function belongs to that
    function.
    """

    code = "AIO902"
    name = "async-generator"
    min_python = (3, 7)
    safety = Safety.REPORT
    selected_by_default = False
    equivalent_codes = ("ASYNC900",)
    trigger_words = ("yield",)
    needs_async_def = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None or decorated_with(self.ctx, node, CONTEXT_MANAGER_DECORATORS):
            return
        if any(isinstance(point, cst.Yield) for point in suspension_points(node.body)):
            self.report(node.name, MESSAGE.format(node.name.value))
