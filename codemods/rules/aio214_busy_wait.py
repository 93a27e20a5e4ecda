import libcst as cst

from ..kit.names import asyncio_names, is_call_to
from ..kit.statements import only_statement
from ..model import Safety
from ..rule import Rule

SLEEP = asyncio_names("sleep")
MESSAGE = "`while` loop that only sleeps: wait for an `asyncio.Event` (or `Condition`) set where the state changes"


class BusyWait(Rule):
    """Wait for an ``asyncio.Event`` instead of polling in a ``while`` loop that only sleeps.

    ## Why
    ``while not ready: await asyncio.sleep(0.1)`` wakes the task again and again to look at a
    flag: it reacts up to one interval late and spends the loop's time in between. An
    ``asyncio.Event`` (or ``asyncio.Condition`` for richer states) set by the code that changes
    the state wakes the waiter exactly once, at the right moment: ``await ready.wait()``.
    ruff's and flake8-async's ASYNC110 (ruff applies it to asyncio).

    Example: `fixtures/aio214_busy_wait/basic`.

    ## Fix safety
    Report only: the fix needs the code that changes the state to set the event.

    ## Limitations
    Only a ``while`` whose whole body is one ``await asyncio.sleep(...)`` (any import spelling);
    a loop that also does work between sleeps (a real polling loop, a retry with backoff) is
    left alone. A ``while`` with an ``else`` is reported, as ruff and flake8-async do: the
    ``else`` runs once the wait is over.
    """

    code = "AIO214"
    name = "busy-wait"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC110",)
    trigger_words = ("sleep",)
    anchors = tuple(SLEEP)
    needs_async_def = True

    def visit_While(self, node: cst.While) -> None:
        statement = only_statement(node.body)
        if not isinstance(statement, cst.Expr) or not isinstance(statement.value, cst.Await):
            return
        if is_call_to(self.ctx, statement.value.expression, SLEEP):
            self.report(node, MESSAGE)
