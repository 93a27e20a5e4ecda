import libcst as cst

from ..kit.names import TASK_GROUP
from ..kit.scope import task_group_item
from ..model import Safety
from ..rule import Rule


class ReturnInTaskGroup(Rule):
    """Flag ``return``, ``break`` and ``continue`` that leave an ``asyncio.TaskGroup`` body early.

    ## Why
    Leaving the body of ``async with asyncio.TaskGroup() as tg:`` does not leave the tasks
    behind: ``__aexit__`` first waits for every task of the group. So a ``return`` in it

    Example: `fixtures/aio209_return_in_task_group/basic`.

    returns only when ``refresh()`` is done, as late as the slowest task, and when a task fails the return value is thrown
    away and an ``ExceptionGroup`` is raised instead. A ``break`` or ``continue`` that leaves
    the group (its loop is outside the ``async with``) likewise waits for all the group's
    tasks before the loop goes on. Code written as an "early exit" rarely means that; if the
    tasks should be abandoned, cancel them (or leave the block by raising) explicitly, and
    if the wait is wanted, moving the statement after the block says so.

    ## Fix safety
    Report only, never rewritten: whether waiting is intended cannot be known.

    ## Limitations
    A statement in a nested ``def``, ``lambda`` or class body is not in the group and is
    left alone, as is a ``break``/``continue`` whose loop is itself inside the body (it does
    not leave the group). Task groups of other libraries (``anyio``, ``trio`` nurseries) and
    groups held in a variable and entered elsewhere are not recognised.
    """

    code = "AIO209"
    name = "return-in-task-group"
    min_python = (3, 11)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC121",)
    trigger_words = ("TaskGroup",)
    anchors = tuple(TASK_GROUP)

    def visit_Return(self, node: cst.Return) -> None:
        self._check(node, "return")

    def visit_Break(self, node: cst.Break) -> None:
        self._check(node, "break")

    def visit_Continue(self, node: cst.Continue) -> None:
        self._check(node, "continue")

    def _check(self, node: cst.CSTNode, word: str) -> None:
        child, parent = node, self.ctx.parent(node)
        while parent is not None:
            if isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return
            if isinstance(parent, (cst.For, cst.While)) and child is parent.body and word != "return":
                return
            if isinstance(parent, cst.With) and child is parent.body and task_group_item(self.ctx, parent):
                self.report(
                    node,
                    f"`{word}` inside an `asyncio.TaskGroup` body: it waits for every task of the group first",
                )
                return
            child, parent = parent, self.ctx.parent(parent)
