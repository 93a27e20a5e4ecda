import libcst as cst

from ..model import Safety
from ..rule import Rule

MESSAGE = "coroutine function with a `timeout` parameter: let the caller bound it with `asyncio.timeout()`"


class TimeoutParameter(Rule):
    """Let callers bound a coroutine with ``asyncio.timeout()`` instead of a ``timeout`` parameter.

    ## Why
    With ``asyncio.timeout()`` (3.11) the caller decides how long a whole piece of work may
    take, however many awaits it makes: ``async with asyncio.timeout(5): await fetch(url)``.
    A ``timeout`` parameter of a coroutine function each callee has to thread through to
    every wait it makes, where it is easy to apply to one wait and forget the others, and it
    composes badly: two nested timeouts each start their own clock. flake8-async's ASYNC109.

    ## Fix safety
    Report only: removing a parameter changes every caller, and the function may be an API
    others call with ``timeout=``.

    ## Limitations
    Only ``async def`` functions without decorators are checked (a decorator may turn the
    function into something else, such as a fixture or an overridden method whose signature is
    given), and only parameters named exactly ``timeout``; ``**kwargs`` and ``*args`` are not.
    A method implementing a protocol that requires the parameter is reported: suppress it there.
    """

    code = "AIO213"
    name = "timeout-parameter"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC109",)
    trigger_words = ("timeout",)
    needs_async_def = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None or node.decorators:
            return
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == "timeout":
                self.report(param, MESSAGE)
