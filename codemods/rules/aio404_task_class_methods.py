import libcst as cst
from ..lazy import matchers as m

from ..model import Safety
from ..rule import Rule

OLD = {
    f"{prefix}.{method}": method
    for prefix in ("asyncio.Task", "asyncio.tasks.Task")
    for method in ("all_tasks", "current_task")
}


class TaskClassMethods(Rule):
    """Replace ``asyncio.Task.all_tasks()`` / ``asyncio.Task.current_task()`` with the module functions.

    ## Why
    The class methods were deprecated in 3.7 and removed in 3.9: calling them raises
    ``AttributeError``. ``asyncio.all_tasks()`` and ``asyncio.current_task()`` (3.7+) replace
    them and take the same optional ``loop`` argument, which the rewrite keeps as written.

    ## Fix safety
    Without a loop argument the old methods used ``get_event_loop()``; the functions use
    ``get_running_loop()`` and raise ``RuntimeError`` when no loop is running.

    - ``current_task()`` inside a coroutine, or with a loop argument anywhere: safe (same
      loop, same answer).
    - ``all_tasks()`` returns only *pending* tasks, the old method also finished ones that were
      still alive. Safe only where that cannot matter: inside a coroutine (or with a loop
      argument) as the iterable of a ``for`` loop whose body only calls ``.cancel()`` on the
      loop variable, perhaps under an ``if`` whose test calls nothing (cancelling a finished
      task does nothing). Unsafe elsewhere (``len()``,
      ``gather(*...)``, sets kept for later can change).
    - Outside a coroutine without a loop argument (a sync callback, shutdown code after the
      loop stopped): unsafe, the new call raises unless a loop is running in this thread.
      Passing that loop explicitly (``asyncio.all_tasks(loop)``) is the manual fix.

    ## Limitations
    Only calls are rewritten; a bare reference (``get = asyncio.Task.all_tasks``) is reported
    without a fix. Subclasses of ``Task`` and a user class named ``Task`` are left alone.
    """

    code = "AIO404"
    name = "task-all-tasks-current-task"
    min_python = (3, 7)
    safety = Safety.SAFE
    trigger_words = ("all_tasks", "current_task")
    anchors = tuple(set(OLD))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value not in ("all_tasks", "current_task"):
            return
        names = self.ctx.qualified_names(node)
        if not names or not names <= OLD.keys():
            return
        method = OLD[next(iter(names))]
        call = self.ctx.parent(node)
        old = f"`Task.{method}()` was removed in Python 3.9"
        if not (isinstance(call, cst.Call) and call.func is node):
            self.report(node, f"{old}: use `asyncio.{method}()`")
            return
        fix = self.fix(node)
        fix.replace(node, fix.ref(f"asyncio.{method}"))
        fix.remove_import_if_unused("asyncio", "Task")
        has_loop = bool(call.args) and not m.matches(call.args[0].value, m.Name("None"))
        in_coroutine = self.ctx.in_coroutine()
        if not in_coroutine and not has_loop:
            self.report(
                call, f"{old}; `asyncio.{method}()` raises outside a running loop", fix=fix, unsafe=True
            )
        elif method == "all_tasks" and not self._only_cancelled(call):
            self.report(call, f"{old}; `asyncio.all_tasks()` returns only pending tasks", fix=fix, unsafe=True)
        else:
            self.report(call, f"{old}: use `asyncio.{method}()`", fix=fix)

    def _only_cancelled(self, call: cst.Call) -> bool:
        """``for t in <call>: t.cancel()`` (only such statements in the body, no else)."""
        loop = self.ctx.parent(call)
        if not isinstance(loop, cst.For) or loop.iter is not call or loop.orelse is not None:
            return False
        if not isinstance(loop.target, cst.Name) or not isinstance(loop.body, cst.IndentedBlock):
            return False
        cancel = m.SimpleStatementLine(
            body=[m.Expr(m.Call(func=m.Attribute(m.Name(loop.target.value), m.Name("cancel")), args=[]))]
        )
        guarded = m.If(test=~m.MatchIfTrue(_has_call), body=m.IndentedBlock(body=[cancel]), orelse=None)
        return all(m.matches(stmt, cancel | guarded) for stmt in loop.body.body)


def _has_call(node: cst.CSTNode) -> bool:
    return bool(m.findall(node, m.Call() | m.Await() | m.NamedExpr()))
