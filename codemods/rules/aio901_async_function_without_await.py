import libcst as cst

from ..kit.checkpoints import exempt_from_checkpoint_rules, suspension_points
from ..model import Safety
from ..rule import Rule

MESSAGE = "`async def {}` never awaits: a plain `def` would do, and be cheaper to call"


class AsyncFunctionWithoutAwait(Rule):
    """Flag an ``async def`` function that never awaits (opt-in).

    ## Why
    A coroutine function that contains no ``await``, ``async for`` or ``async with`` does
    all its work synchronously once awaited: calling it creates a coroutine object, and a
    caller that forgets the ``await`` silently skips the work. Unless an interface requires
    it to be a coroutine function, a plain ``def`` is simpler and cheaper. It is an opinion
    (framework hooks and overridable methods are often ``async`` on purpose), hence opt-in:
    ``--select AIO901``. flake8-async's ASYNC124 and ruff's RUF029.

    ## Fix safety
    Report only: making the function synchronous breaks every caller that awaits it.

    ## Limitations
    Methods (functions defined directly in a class body) are left alone, as flake8-async
    does: they usually implement an interface. So are stubs (a body of only a docstring,
    ``pass``, ``...`` or ``raise NotImplementedError``), ``@overload`` signatures and pytest
    fixtures that take other fixtures. An async generator with no ``await`` is reported (a
    plain generator would do). An ``await`` in a nested function counts for that function
    only; one in a nested function's default value counts for this one.
    """

    code = "AIO901"
    name = "async-function-without-await"
    min_python = (3, 7)
    safety = Safety.REPORT
    selected_by_default = False
    equivalent_codes = ("ASYNC124", "RUF029")
    trigger_words = ("async",)
    needs_async_def = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None or isinstance(self.ctx.parent(self.ctx.parent(node)), cst.ClassDef):
            return
        if exempt_from_checkpoint_rules(self.ctx, node) or suspension_points(node.body, yields=False):
            return
        self.report(node.name, MESSAGE.format(node.name.value))
