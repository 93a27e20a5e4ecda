from typing import Optional

import libcst as cst
from ..lazy import matchers as m

from ..kit.names import asyncio_names
from ..kit.statements import block_body
from ..model import Safety
from ..rule import Rule

CREATE_TASK = asyncio_names("create_task")


class CreateTaskAwaitedAtOnce(Rule):
    """Flag a task that is awaited as soon as it is created: sequential code in disguise.

    ## Why
    ``await asyncio.create_task(fetch())``, or ``task = asyncio.create_task(fetch())``
    followed at once by ``await task``, looks concurrent but is not: nothing else is
    started before the task is awaited, so the caller simply waits for it, as
    ``await fetch()`` would, with an extra task on top. In a loop the "tasks" run one after
    another. It usually means ``asyncio.gather``/``TaskGroup`` (start them all, then wait)
    was intended, or the task is pointless.

    ## Fix safety
    Report only, never rewritten. ``await fetch()`` is not exactly the same: the task runs in
    a copy of the ``contextvars`` context, has its own ``asyncio.current_task()``, and an
    eager task factory or a task name may be the point. If the loop was meant to run
    concurrently, the restructuring is the author's.

    ## Limitations
    Only ``asyncio.create_task`` (any import spelling), awaited on the spot or assigned to a
    plain name that the very next simple statement (on the same line or the next) awaits
    before it awaits anything else: ``await task``, ``x = await task``,
    ``results.append(await task)``, ``return await task``. Tasks awaited later,
    through ``wait_for``/``shield``, or created with ``loop.create_task``/``ensure_future``/a
    ``TaskGroup`` are left alone.
    """

    code = "AIO210"
    name = "create-task-awaited-at-once"
    min_python = (3, 7)
    safety = Safety.REPORT
    trigger_words = ("create_task",)
    anchors = tuple(CREATE_TASK)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, CREATE_TASK):
            return
        small = self.ctx.parent(node)
        if isinstance(small, cst.Await):
            self.report(node, "`await asyncio.create_task(...)` runs alone: `await` the coroutine itself")
            return
        if not (isinstance(small, cst.Assign) and small.value is node and len(small.targets) == 1):
            return
        target = small.targets[0].target
        after = self._next_statement(small)
        awaited = first_await(after) if after is not None else None
        if isinstance(target, cst.Name) and m.matches(awaited, m.Await(expression=m.Name(target.value))):
            self.report(node, f"task `{target.value}` is awaited at once: nothing runs beside it")

    def _next_statement(self, small: cst.BaseSmallStatement) -> Optional[cst.BaseSmallStatement]:
        line = self.ctx.parent(small)
        if not isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return None
        index = line.body.index(small)
        if index + 1 < len(line.body):
            return line.body[index + 1]
        statements = block_body(self.ctx.parent(line))
        if line not in statements:
            return None
        position = statements.index(line) + 1
        following = statements[position] if position < len(statements) else None
        return following.body[0] if isinstance(following, cst.SimpleStatementLine) else None


def first_await(node: cst.CSTNode) -> Optional[cst.Await]:
    """The first ``await`` in ``node`` in source order, outside nested defs and lambdas."""

    class Find(cst.CSTVisitor):
        found: Optional[cst.Await] = None

        def visit_Await(self, node: cst.Await) -> bool:
            if self.found is None:
                self.found = node
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    finder = Find()
    node.visit(finder)
    return finder.found
