import libcst as cst

from ..kit.names import CONTEXT_MANAGER_DECORATORS
from ..kit.scope import decorated_with, withs_around
from ..model import Safety
from ..rule import Rule

MESSAGE = (
    "`yield` inside a `with` block of an async generator: the block is only left when the consumer "
    "resumes or closes the generator, which may be never; use `@asynccontextmanager` or move the `yield` out"
)


class YieldInAsyncGeneratorWith(Rule):
    """Do not ``yield`` from inside a ``with`` or ``async with`` block of an async generator.

    ## Why
    An async generator suspended at a ``yield`` inside a ``with`` block keeps the block open
    until its consumer resumes it. A consumer that stops early (``break`` out of
    ``async for``, an exception, a timeout) leaves it suspended: the block is only closed
    when the generator is finalized, by ``aclose()`` or by the event loop's async-generator
    hooks at some later point, in another task, or at shutdown, and an ``async with`` whose
    exit awaits may then never run at all. Files, locks and connections stay held meanwhile.
    A generator that is a context manager (``@asynccontextmanager``) or a pytest fixture is
    driven to its end, so it is left alone. flake8-async's ASYNC119.

    ## Fix safety
    Report only: the fix is a redesign (``@asynccontextmanager``, a generator that collects
    its items before yielding, or ``contextlib.aclosing()`` at every consumer).

    ## Limitations
    Only ``async def`` generators; decorators are recognised by qualified name
    (``contextlib.asynccontextmanager``, ``pytest.fixture``, ``pytest_asyncio.fixture``), so a
    decorator of a project's own that drives the generator to its end is not: suppress there.
    A ``yield`` in a nested ``def`` belongs to that function.
    """

    code = "AIO215"
    name = "yield-in-async-generator-with"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC119",)
    trigger_words = ("yield",)
    needs_async_def = True

    def visit_Yield(self, node: cst.Yield) -> None:
        withs, function = withs_around(self.ctx, node)
        if not withs or function is None or function.asynchronous is None:
            return
        if not decorated_with(self.ctx, function, CONTEXT_MANAGER_DECORATORS):
            self.report(node, MESSAGE)
