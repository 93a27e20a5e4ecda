import libcst as cst

from ..kit.findings import without_fix
from ..kit.names import GATHER
from ..kit.statements import statement_holding
from ..kit.syntax import count_comments, fresh_name, is_literal, names_in
from ..kit.values import collection_items, is_coroutine_call
from ..model import Safety
from ..rule import Rule


class GatherWithoutTaskGroup(Rule):
    """Run the coroutines of an awaited ``asyncio.gather(...)`` in an ``asyncio.TaskGroup``.

    ## Why
    When one awaitable of ``gather`` fails, the others keep running unsupervised: nobody
    awaits them, their errors are lost and they may outlive the caller. A ``TaskGroup``
    (Python 3.11) cancels the siblings, waits for all of them and reports every error.
    ``await asyncio.gather(a(), b())`` as a statement, an assignment (tuple unpacking
    included) or a ``return`` becomes ``async with asyncio.TaskGroup() as tg:`` with one
    ``tg.create_task(...)`` a coroutine, and the result is rebuilt from ``.result()`` in the
    same order and shape (a list, as gather returns; nothing when it was discarded).
    ``*[c(x) for x in xs]``, ``*(c(x) for x in xs)`` and ``*coros`` become one comprehension of
    ``create_task`` calls, where ``coros`` is a local list of such calls (bound by ``=``, filled
    by ``.append()``, elsewhere only tested or passed to ``len``: nothing else can be in it).
    Example: `fixtures/aio201_gather_to_taskgroup/starred_appended`.

    ## Fix safety
    Unsafe: errors arrive as `ExceptionGroup` (callers' `except` clauses may need `except*`),
    siblings are cancelled on the first failure (gather lets them run on), results are the
    same and in the same order otherwise, and the tasks start at `create_task` time.
    For example ``gather(ok(), boom())`` under ``except ValueError`` catches the error and
    ``ok()`` finishes; after the fix ``ok()`` is cancelled and an ``ExceptionGroup`` that the
    ``except ValueError`` does not catch propagates (fixture ``failure_changes``:
    ``.input.stdout`` is what the original prints, ``.stdout`` what the fixed code prints).
    One more difference: a task cancelled by someone else (not by the group) makes gather
    raise ``CancelledError``; the group ignores it, so a discarded result raises nothing and
    a rebuilt one raises ``CancelledError`` at ``.result()`` (fixture ``cancelled_child_changes``).

    ## Limitations
    Reported without a fix: gather not awaited on the spot (kept as a future, passed on,
    run by ``run_until_complete``), gather inside a larger expression or on a line shared
    with other statements, ``return_exceptions=`` anything but literal ``False`` (a
    ``TaskGroup`` has no equivalent), other keywords, arguments that are not provably
    coroutine calls (futures, tasks, names, methods: ``create_task`` needs a coroutine; only
    asyncio's coroutine functions and plain ``async def``s are proven: of this file, or of
    another module of the project when the CLI's project facts say so, not decorated and
    not async generators), a starred list that is also filled or handed on otherwise (``.insert``,
    ``.extend``, ``+=``, item assignment, a call that gets the list: fixture
    ``noop_starred_list_changed``), mixed literal and starred arguments, arguments that
    ``await``, comments inside the statement, gather outside an ``async def`` body, and
    gather of a single awaitable (a one-task group would be as pointless: await it directly,
    as AIO208 says).
    """

    code = "AIO201"
    name = "gather-without-taskgroup"
    min_python = (3, 11)
    safety = Safety.UNSAFE
    trigger_words = ("gather",)
    anchors = tuple(GATHER)
    facts_words = ("gather",)

    def visit_Call(self, node: cst.Call) -> None:
        if not self.ctx.resolves_to(node.func, GATHER):
            return
        message = "`asyncio.gather()`: an `asyncio.TaskGroup` cancels the siblings when one task fails"
        why = self._cannot_fix(node)
        if why:
            self.report(node, without_fix(message, why))
            return
        awaited = self.ctx.parent(node)
        line, small = statement_holding(self.ctx, awaited)
        taken = names_in(self.ctx.enclosing_function())
        fix = self.fix(node)
        ind, nl = self.ctx.module.default_indent, self.ctx.module.default_newline
        holes = {"TaskGroup": fix.ref("asyncio.TaskGroup")}
        tg = fresh_name("tg", taken)
        discard = isinstance(small, cst.Expr)
        args = [arg for arg in node.args if arg.keyword is None]
        star = args[0] if args[0].star else None
        if star is None:
            body, results = [], []
            for i, arg in enumerate(args, 1):
                holes[f"arg{i}"] = arg.value
                task = "" if discard else fresh_name(f"task_{i}", taken)
                body.append(f"{task} = {tg}.create_task({{arg{i}}})" if task else f"{tg}.create_task({{arg{i}}})")
                results.append(f"{task}.result()")
            unpack = isinstance(small, cst.Assign) and isinstance(small.targets[0].target, (cst.Tuple, cst.List))
            result = ", ".join(results) if unpack else f"[{', '.join(results)}]"
        else:
            tasks = fresh_name("tasks", taken)
            if isinstance(star.value, cst.Name):
                creation = cst.parse_expression(f"[{tg}.create_task(coro) for coro in {star.value.value}]")
            else:
                elt = cst.Call(cst.parse_expression(f"{tg}.create_task"), [cst.Arg(star.value.elt)])
                creation = cst.ListComp(elt=elt, for_in=star.value.for_in)
            holes["creation"] = creation
            body = ["{creation}" if discard else f"{tasks} = {{creation}}"]
            result = f"[task.result() for task in {tasks}]"
        code = f"async with {{TaskGroup}}() as {tg}:{nl}" + "".join(f"{ind}{b}{nl}" for b in body)
        block = fix.parse_statement(code, **holes).with_changes(leading_lines=line.leading_lines)
        if discard:
            block = block.with_changes(body=block.body.with_changes(header=line.trailing_whitespace))
            fix.replace(line, block)
        else:
            value = fix.parse_expression(result)
            rest = line.with_changes(body=[small.with_changes(value=value)], leading_lines=())
            fix.replace(line, cst.FlattenSentinel([block, rest]))
        fix.remove_import_if_unused("asyncio", "gather")
        self.report(node, message, fix=fix)

    def _cannot_fix(self, node: cst.Call) -> str:
        awaited = self.ctx.parent(node)
        if not isinstance(awaited, cst.Await):
            return "not awaited on the spot"
        if not self.ctx.in_coroutine():
            return "not in an `async def` body"
        held = statement_holding(self.ctx, awaited)
        if held is None:
            return "inside an expression or a shared line"
        for arg in node.args:
            if arg.keyword is None:
                continue
            if arg.keyword.value != "return_exceptions":
                return f"`{arg.keyword.value}=` argument"
            if not is_literal(arg.value, False):
                return "`return_exceptions=` has no TaskGroup equivalent"
        args = [arg for arg in node.args if arg.keyword is None]
        if not args or count_comments(held[1]):
            return "no arguments" if not args else "comments inside the statement"
        if len(args) == 1 and not args[0].star:
            return "one awaitable: await it directly (AIO208)"
        if any(arg.star for arg in args):
            if len(args) != 1 or args[0].star != "*" or not self._proven_star(args[0].value):
                return "starred arguments not provably coroutines"
        elif not all(is_coroutine_call(self.ctx, arg.value) for arg in args):
            return "arguments not provably coroutine calls"
        if any(contains_await(arg.value) for arg in args):
            return "an argument awaits"
        if isinstance(held[1], cst.AugAssign) or len(getattr(held[1], "targets", ())) > 1:
            return "augmented or chained assignment"
        return ""

    def _proven_star(self, value: cst.BaseExpression) -> bool:
        if isinstance(value, (cst.ListComp, cst.GeneratorExp)):
            return is_coroutine_call(self.ctx, value.elt)
        items = collection_items(self.ctx, value) if isinstance(value, cst.Name) else None
        return items is not None and all(is_coroutine_call(self.ctx, item) for item in items)


def contains_await(node: cst.CSTNode) -> bool:
    """``node`` holds an ``await``, ``async for`` or ``yield`` (it can suspend) outside nested defs."""

    class Find(cst.CSTVisitor):
        found = False

        def visit_Await(self, node: cst.Await) -> None:
            self.found = True

        def visit_Yield(self, node: cst.Yield) -> None:
            self.found = True

        def visit_CompFor(self, node: cst.CompFor) -> None:
            if node.asynchronous is not None:
                self.found = True

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    finder = Find()
    node.visit(finder)
    return finder.found
