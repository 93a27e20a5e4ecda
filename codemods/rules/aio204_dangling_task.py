import re
from collections import Counter
from typing import Optional, Tuple

import libcst as cst
from ..lazy import matchers as m

from ..kit.findings import without_fix
from ..kit.names import GET_EVENT_LOOP, GET_RUNNING_LOOP, asyncio_names
from ..kit.scope import innermost_def
from ..kit.statements import statement_holding
from ..kit.syntax import fresh_name, method_receiver, names_in
from ..kit.values import is_loop_from
from ..model import Safety
from ..rule import Rule

TASK_CREATORS = asyncio_names("create_task", "ensure_future", "Task")
SET_NAME = "_background_tasks"
_OUR_SET = re.compile(rf"^{SET_NAME}(_[0-9]+)?$")


class DanglingTask(Rule):
    """Keep a reference to every task you create.

    ## Why
    The event loop keeps only a weak reference to a task: a task whose result is thrown
    away (``asyncio.create_task(work())`` on a line of its own) can be garbage-collected
    before it finishes, and its exceptions are never seen. The fix is the pattern the
    ``asyncio.create_task`` documentation gives::

        task = asyncio.create_task(work())
        _background_tasks.add(task)
        task.add_done_callback(_background_tasks.discard)

    with one module-level ``_background_tasks: set = set()``, added once after the imports
    and reused by every later fix (``_background_tasks_2`` if the name is taken).

    ## Fix safety
    Unsafe: it is a design choice, so it is opt-in (ruff's RUF006 has no fix at all). The
    task now lives until it is done instead of until the collector finds it: a task that
    never ends stays in memory, and one the collector used to destroy mid-way ("Task was
    destroyed but it is pending!") now runs to the end. The module gains a global set and
    the function a local variable (``task``, or ``task_2`` if ``task`` is used there).

    ## Limitations
    A task that is only tested (``x if create_task(...) else y``), collected into a list or
    generator that is itself thrown away, or used as a context manager is reported without a
    fix. Only ``asyncio.create_task``, ``asyncio.ensure_future``, ``asyncio.Task`` and
    ``create_task`` on a loop from ``asyncio.get_running_loop()`` / ``get_event_loop()``
    are recognised; ``tg.create_task`` in a TaskGroup and tasks that are stored, passed,
    awaited or returned are left alone. A set per instance would suit methods better; a
    module-level set is used everywhere. Sites at module level, in a class body, sharing
    their line with other statements, in a module with no docstring or import block to put
    the set after, or where the set's name is a local variable are reported without a fix.
    """

    code = "AIO204"
    name = "dangling-task"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    equivalent_codes = ("RUF006", "ASYNC300")
    trigger_words = ("create_task", "ensure_future", "Task")
    anchors = tuple(TASK_CREATORS | GET_RUNNING_LOOP | GET_EVENT_LOOP)

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._set: Optional[Tuple[Optional[str], Optional[cst.BaseStatement]]] = None

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        receiver = method_receiver(call, "create_task")
        if not isinstance(call, cst.Call) or not (
            self.ctx.resolves_to(call.func, TASK_CREATORS)
            or receiver is not None and is_loop_from(self.ctx, receiver, GET_RUNNING_LOOP | GET_EVENT_LOOP)
        ):
            return
        message = "task created and thrown away: keep a reference until it is done"
        holding, func = statement_holding(self.ctx, call), innermost_def(self.ctx)
        set_name, anchor = self._module_set()
        scope = self.ctx.scope(call)
        if holding is None or func is None:
            reason = "not a statement of its own in a function"
        elif set_name is None:
            reason = "no import block to put the task set after"
        elif scope is None or any(not isinstance(a.scope, cst.metadata.GlobalScope) for a in scope[set_name]):
            reason = f"`{set_name}` is local here"
        else:
            reason = None
        if reason is not None:
            self.report(call, without_fix(message, reason))
            return
        fix = self.fix(call)
        if anchor is not None:
            declaration = fix.parse_statement("{name}: set = {set}()\n", name=cst.Name(set_name), set=fix.ref("set"))
            fix.replace(anchor, cst.FlattenSentinel([anchor, declaration.with_changes(leading_lines=[cst.EmptyLine()])]))
        task = self._task_name(func, set_name)
        line, small = holding
        first = line.with_changes(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(task))], value=call)])
        if isinstance(small.semicolon, cst.Semicolon):  # a lone `;` goes, its spacing stays
            spaces = small.semicolon.whitespace_before.value + small.semicolon.whitespace_after.value
            trailing = line.trailing_whitespace
            first = first.with_changes(trailing_whitespace=trailing.with_changes(
                whitespace=cst.SimpleWhitespace(spaces + trailing.whitespace.value)))
        add = fix.parse_statement(f"{set_name}.add({task})\n")
        discard = fix.parse_statement(f"{task}.add_done_callback({set_name}.discard)\n")
        fix.replace(line, cst.FlattenSentinel([first, add, discard]))
        self.report(call, message, fix=fix)

    def visit_Call(self, node: cst.Call) -> None:
        """Tasks lost in other ways: only tested, collected into a container or generator that
        is itself thrown away, or entered as a context manager (a TypeError)."""
        parent = self.ctx.parent(node)
        if isinstance(parent, cst.Element):
            parent = self.ctx.parent(parent)
        lost = (
            isinstance(parent, cst.IfExp) and parent.test is node
            or isinstance(parent, (cst.CompIf, cst.WithItem))
            or isinstance(parent, (cst.List, cst.Tuple, cst.Set, cst.ListComp, cst.SetComp, cst.GeneratorExp))
            and isinstance(self.ctx.parent(parent), cst.Expr)
        )
        if lost and self.ctx.resolves_to(node.func, TASK_CREATORS):
            self.report(node, without_fix("task created and thrown away: keep a reference until it is done", "not a statement of its own"))

    def _module_set(self) -> Tuple[Optional[str], Optional[cst.BaseStatement]]:
        """The set's name and the statement to declare it after (None: it exists); no name
        when the module has no docstring or import block to put it after."""
        if self._set is not None:
            return self._set
        module = self.ctx.module
        for stmt in module.body:
            if m.matches(stmt, m.SimpleStatementLine([m.Assign([m.AssignTarget(m.Name())]) | m.AnnAssign(m.Name())])):
                small = stmt.body[0]
                target = small.targets[0].target if isinstance(small, cst.Assign) else small.target
                scope = self.ctx.scope(target)
                if (
                    _OUR_SET.match(target.value)
                    and m.matches(small.value, m.Call(m.Name("set"), args=[]))
                    and scope is not None
                    and len(scope.assignments[target.value]) == 1
                ):
                    self._set = (target.value, None)
                    return self._set
        header = import_block_end(module)
        self._set = (fresh_name(SET_NAME, names_in(module)), header) if header is not None else (None, None)
        return self._set

    def _task_name(self, func: cst.FunctionDef, set_name: str) -> str:
        """``task`` (or ``task_2``…) unused in ``func`` except by this rule's own fixes."""
        counts: Counter = Counter()
        ours: Counter = Counter()

        class Count(cst.CSTVisitor):
            def visit_Name(self, node: cst.Name) -> None:
                counts[node.value] += 1

            def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
                body = node.body
                for first, add, discard in zip(body, body[1:], body[2:]):
                    name = _pattern_name(first, add, discard, set_name)
                    if name:
                        ours[name] += 3

        func.visit(Count())
        taken = {name for name in counts if counts[name] != ours[name]}
        return fresh_name("task", taken)


def _pattern_name(first: cst.CSTNode, add: cst.CSTNode, discard: cst.CSTNode, set_name: str) -> Optional[str]:
    """The task variable of ``t = ...; S.add(t); t.add_done_callback(S.discard)``, else None."""
    if not m.matches(first, m.SimpleStatementLine([m.Assign([m.AssignTarget(m.Name())])])):
        return None
    task = first.body[0].targets[0].target.value

    def line_calling(func: m.BaseMatcherNode, arg: m.BaseMatcherNode) -> m.BaseMatcherNode:
        return m.SimpleStatementLine([m.Expr(m.Call(func=func, args=[m.Arg(arg)]))])

    set_method = m.Attribute(m.Name(set_name), m.Name("add"))
    adds = m.matches(add, line_calling(set_method, m.Name(task)))
    callback = m.Attribute(m.Name(task), m.Name("add_done_callback"))
    discards = m.matches(discard, line_calling(callback, m.Attribute(m.Name(set_name), m.Name("discard"))))
    return task if adds and discards else None


def import_block_end(module: cst.Module) -> Optional[cst.BaseStatement]:
    """The last statement of the module's opening docstring and import lines, where a new
    module-level statement can go; None when the module starts with neither."""
    header: Optional[cst.BaseStatement] = None
    for index, stmt in enumerate(module.body):
        is_import = m.matches(stmt, m.SimpleStatementLine([m.OneOf(m.Import(), m.ImportFrom())]))
        if not (is_import or index == 0 and m.matches(stmt, m.SimpleStatementLine([m.Expr(m.SimpleString())]))):
            break
        header = stmt
    return header
