"""Matchers and structure helpers shared by rules. Add here, never copy into a rule."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Callable, Collection, Iterable, List, Optional, Set, Tuple, Union

import libcst as cst

from .context import FileContext
from .lazy import matchers as m

if TYPE_CHECKING:
    from .rule import Fix, Rule

# Small statements whose whole value is one expression a rule may rewrite in place.
ValueStatement = Union[cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return]

_ASYNCIO_SUBMODULES = (
    "base_events", "coroutines", "events", "exceptions", "futures", "locks", "queues",
    "runners", "streams", "subprocess", "tasks", "taskgroups", "timeouts", "unix_events",
    "windows_events",
)


def asyncio_names(*attrs: str) -> Set[str]:
    """Every qualified name under which asyncio exports ``attr`` (``asyncio.tasks.gather``…)."""
    names = set()
    for attr in attrs:
        names.add(f"asyncio.{attr}")
        names.update(f"asyncio.{sub}.{attr}" for sub in _ASYNCIO_SUBMODULES)
    return names


def is_call_to(ctx: FileContext, node: cst.CSTNode, names: Iterable[str]) -> bool:
    """``node`` is a call whose callee can only be one of ``names``."""
    return isinstance(node, cst.Call) and ctx.resolves_to(node.func, set(names))


def statement_holding(
    ctx: FileContext, expr: cst.BaseExpression
) -> Optional[Tuple[cst.SimpleStatementLine, ValueStatement]]:
    """The line and small statement whose entire value is ``expr``.

    Only for a line that holds exactly one statement and sits in an indented block or
    at module level, so a rule can replace the whole line with a compound statement.
    """
    small = ctx.parent(expr)
    if not isinstance(small, (cst.Expr, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return)):
        return None
    if getattr(small, "value", None) is not expr:
        return None
    line = ctx.parent(small)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    if not isinstance(ctx.parent(line), (cst.IndentedBlock, cst.Module)):
        return None
    return line, small


def block_body(block: cst.CSTNode) -> Tuple[cst.BaseStatement, ...]:
    """The statements of an IndentedBlock or Module."""
    return tuple(block.body) if isinstance(block, (cst.IndentedBlock, cst.Module)) else ()


def count_comments(node: cst.CSTNode) -> int:
    class Counter(cst.CSTVisitor):
        found = 0

        def visit_Comment(self, node: cst.Comment) -> None:
            self.found += 1

    counter = Counter()
    node.visit(counter)
    return counter.found


def loses_comments(original: cst.CSTNode, kept: Iterable[cst.CSTNode]) -> bool:
    """Would rebuilding ``original`` from only the ``kept`` parts drop a comment?"""
    return count_comments(original) > sum(count_comments(k) for k in kept)


def is_literal(expr: Optional[cst.BaseExpression], value: object) -> bool:
    """``expr`` spells the constant ``value`` (True/False/None or a number)."""
    if expr is None:
        return False
    if value is None or isinstance(value, bool):
        return m.matches(expr, m.Name(str(value)))
    if isinstance(expr, (cst.Integer, cst.Float)):
        return expr.evaluated_value == value
    return False


def keyword_arg(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def sole_positional_arg(call: cst.Call) -> Optional[cst.BaseExpression]:
    """The value of ``call``'s argument when it has exactly one, neither keyword nor starred."""
    if len(call.args) == 1 and not call.args[0].star and call.args[0].keyword is None:
        return call.args[0].value
    return None


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def without_trailing_comma(args: Iterable[cst.Arg]) -> list:
    """Args as a list whose last element has no trailing comma (for rebuilt calls)."""
    result = list(args)
    if result and result[-1].comma is not cst.MaybeSentinel.DEFAULT:
        result[-1] = result[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return result


def replacement_loses_comments(edits: dict) -> bool:
    """Do the replacements of an edit map hold fewer comments than the nodes they replace?"""
    before = sum(count_comments(old) for old in edits)
    after = 0
    for new in edits.values():
        if isinstance(new, cst.FlattenSentinel):
            after += sum(count_comments(n) for n in new.nodes)
        elif isinstance(new, cst.CSTNode):
            after += count_comments(new)
    return after < before


def absolute_from_module(statement: cst.ImportFrom) -> Optional[str]:
    """``module`` of ``from module import names`` when it is absolute and not a star import."""
    if statement.relative or statement.module is None or isinstance(statement.names, cst.ImportStar):
        return None
    return cst.helpers.get_full_name_for_node(statement.module)


def import_binding(
    ctx: FileContext, name: cst.Name
) -> Optional[Tuple[str, Optional[str], Optional[str]]]:
    """How ``name`` is bound when a single import binds it: ``(module, obj, asname)``.

    ``import a.b as x`` -> ``("a.b", None, "x")``; ``from a import b`` -> ``("a", "b", None)``.
    The triple is what ``Fix.remove_import_if_unused`` takes. None for any other binding
    (an assignment, several bindings, a star or relative import).
    """
    from libcst.metadata import ImportAssignment

    scope = ctx.scope(name)
    if scope is None:
        return None
    assignments = list(scope[name.value])
    if len(assignments) != 1 or not isinstance(assignments[0], ImportAssignment):
        return None
    statement = assignments[0].node
    module = absolute_from_module(statement) if isinstance(statement, cst.ImportFrom) else None
    if isinstance(statement, cst.ImportFrom) and module is None:
        return None
    for alias in statement.names:  # type: ignore[union-attr]
        full = cst.helpers.get_full_name_for_node(alias.name) or ""
        bound = cst.helpers.get_full_name_for_node(alias.asname.name) if alias.asname else full
        asname = bound if alias.asname else None
        if isinstance(statement, cst.Import) and (bound == name.value or full.split(".")[0] == name.value):
            return full, None, asname
        if module and bound == name.value:
            return module, full, asname
    return None


def needs_parentheses(expr: cst.BaseExpression) -> bool:
    """``expr`` needs parentheses to follow ``await`` or ``-`` (it is not an atom or a call)."""
    if expr.lpar:
        return False
    return not isinstance(
        expr,
        (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString,
         cst.List, cst.Tuple, cst.Dict, cst.Set),
    )


def drop_import_if_unused(ctx: FileContext, fix: "Fix", expr: cst.BaseExpression) -> None:
    """Have ``fix`` remove the import binding ``expr``'s leftmost name once nothing uses it."""
    head = expr
    while isinstance(head, cst.Attribute):
        head = head.value
    binding = import_binding(ctx, head) if isinstance(head, cst.Name) else None
    if binding is not None:
        fix.remove_import_if_unused(*binding)


def comma_like(original: list, kept: list) -> list:
    """``kept`` (some of ``original``'s elements, args or import names) ending in a comma only
    if ``original`` did."""
    if original and original[-1].comma == cst.MaybeSentinel.DEFAULT:
        return without_trailing_comma(kept)
    return kept


def from_import_binding(ctx: FileContext, name: cst.BaseExpression) -> Optional[Tuple[str, str, Optional[str]]]:
    """``(module, obj, asname)`` of the only ``from module import obj as asname`` binding
    the bare ``name`` where it stands, for ``Fix.remove_import_if_unused``; else None."""
    if not isinstance(name, cst.Name):
        return None
    statements = ctx.module_import_statements(name)
    if statements is None:
        scope = ctx.scope(name)
        if scope is None:
            return None
        statements = [assignment.node for assignment in scope[name.value]]
    if len(statements) != 1 or not isinstance(statements[0], cst.ImportFrom):
        return None
    stmt = statements[0]
    module = absolute_from_module(stmt)
    if module is None:
        return None
    for alias in stmt.names:
        obj = cst.helpers.get_full_name_for_node(alias.name)
        asname = cst.helpers.get_full_name_for_node(alias.asname.name) if alias.asname is not None else None
        if (asname or obj) == name.value and module and obj:
            return module, obj, asname
    return None


def only_small_statement(stmt: cst.CSTNode) -> Optional[cst.BaseSmallStatement]:
    """The small statement of a line holding exactly one (``x = f()``), else None."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        return stmt.body[0]
    return None


def pass_line() -> cst.SimpleStatementLine:
    """A ``pass`` line, to stand in for the last statement removed from a block."""
    return cst.SimpleStatementLine([cst.Pass()])


def remove_unused_from_imports(ctx: FileContext, fix: "Fix", removed: cst.CSTNode, names: Iterable[str]) -> None:
    """Schedule removing ``from x import y`` bindings of ``names`` used in the ``removed`` code,
    should no other use remain."""
    wanted = set(names)
    for name in m.findall(removed, m.Name()):
        binding = ctx.resolves_to(name, wanted) and from_import_binding(ctx, name)
        if binding:
            fix.remove_import_if_unused(*binding)


def append_keyword_arg(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with ``keyword=value`` added after its last argument, laid out like the
    arguments before it (one per line stays one per line)."""
    new = cst.Arg(
        value=value,
        keyword=cst.Name(keyword),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if not call.args:
        return call.with_changes(args=[new])
    args = list(call.args)
    last = args[-1]
    if last.comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return call.with_changes(args=[*args, new])
    before_last = args[-2].comma.whitespace_after if len(args) > 1 else call.whitespace_before_args
    if isinstance(before_last, cst.ParenthesizedWhitespace):  # same indent, without its comment
        before_last = before_last.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    elif isinstance(before_last, cst.SimpleWhitespace) and not before_last.value:
        before_last = cst.SimpleWhitespace(" ")
    args[-1] = last.with_changes(comma=cst.Comma(last.comma.whitespace_before, before_last))
    return call.with_changes(args=[*args, new.with_changes(comma=last.comma)])


class ReportsApiUses:
    """Mixin for a rule: report every expression that names one of ``REPORTED_API``
    (import statements aside), except while ``api_uses_muted()`` says so."""

    REPORTED_API: Set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        if not isinstance(self.ctx.parent(node), (cst.ImportAlias, cst.AsName)):  # type: ignore[attr-defined]
            self.saw_reference(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.saw_reference(node)

    def api_uses_muted(self) -> bool:
        return False

    def api_use_message(self, spelling: str) -> str:
        raise NotImplementedError

    def saw_reference(self, node: cst.BaseExpression) -> None:
        ctx: FileContext = self.ctx  # type: ignore[attr-defined]
        if not self.api_uses_muted() and ctx.resolves_to(node, self.REPORTED_API):
            self.report(node, self.api_use_message(ctx.code_for(node)))  # type: ignore[attr-defined]


GATHER = asyncio_names("gather")


TASK_GROUP = asyncio_names("TaskGroup")


CREATE_TASK = asyncio_names("create_task")


# asyncio functions defined with ``async def``: calling one makes a coroutine object.
ASYNCIO_COROUTINE_FUNCTIONS = asyncio_names(
    "sleep", "wait_for", "wait", "to_thread", "open_connection", "start_server",
    "open_unix_connection", "start_unix_server", "create_subprocess_exec", "create_subprocess_shell",
)


def own_nodes(body: cst.CSTNode, kind: type) -> List[cst.CSTNode]:
    """Nodes of ``kind`` in ``body`` that belong to it, not to a nested def, lambda or class."""
    found: List[cst.CSTNode] = []

    class Finder(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, kind):
                found.append(node)
            return not isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef))

    body.visit(Finder())
    return found


def _is_coroutine_function_def(node: cst.CSTNode) -> bool:
    """An undecorated ``async def`` that does not ``yield`` (an async generator would)."""
    if not isinstance(node, cst.FunctionDef) or node.asynchronous is None or node.decorators:
        return False
    return not own_nodes(node.body, cst.Yield)


def is_coroutine_call(ctx: FileContext, node: cst.CSTNode) -> bool:
    """``node`` is a call that provably returns a coroutine object: a call of a plain name
    bound only to undecorated, non-generator ``async def``s of this file, or of a known
    asyncio coroutine function. Methods, imports and anything else are not proven."""
    if not isinstance(node, cst.Call):
        return False
    if ctx.resolves_to(node.func, ASYNCIO_COROUTINE_FUNCTIONS):
        return True
    if not isinstance(node.func, cst.Name):
        return False
    scope = ctx.scope(node.func)
    if scope is None:
        return False
    assignments = scope[node.func.value]
    return bool(assignments) and all(
        isinstance(a, cst.metadata.Assignment) and _is_coroutine_function_def(a.node) for a in assignments
    )


def names_in(*nodes: Optional[cst.CSTNode]) -> Set[str]:
    """Every identifier spelled anywhere in ``nodes`` (to choose new names that clash with none)."""
    found: Set[str] = set()

    class Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)

    for node in nodes:
        if node is not None:
            node.visit(Collect())
    return found


def fresh_name(base: str, taken: Set[str]) -> str:
    """``base``, or ``base_2``, ``base_3``… whichever is not in ``taken``; then mark it taken."""
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


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


def task_group_item(ctx: FileContext, node: cst.CSTNode) -> Optional[cst.WithItem]:
    """The ``asyncio.TaskGroup()`` item of an ``async with`` statement, if it has one."""
    if not isinstance(node, cst.With) or node.asynchronous is None:
        return None
    for item in node.items:
        if is_call_to(ctx, item.item, TASK_GROUP):
            return item
    return None


def only_statement(block: cst.BaseSuite) -> Optional[cst.BaseSmallStatement]:
    """The single small statement of a block that holds nothing else."""
    if isinstance(block, cst.SimpleStatementSuite):
        smalls = block.body
    elif (
        isinstance(block, cst.IndentedBlock)
        and len(block.body) == 1
        and isinstance(block.body[0], cst.SimpleStatementLine)
    ):
        smalls = block.body[0].body
    else:
        return None
    return smalls[0] if len(smalls) == 1 else None


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


GET_RUNNING_LOOP = asyncio_names("get_running_loop")


GET_EVENT_LOOP = asyncio_names("get_event_loop")


def innermost_def(ctx: FileContext) -> Optional[cst.FunctionDef]:
    """The ``def`` whose own body holds the node being visited (None inside a lambda,
    class body or generator expression, and at module level)."""
    inner = ctx.body_stack[-1] if ctx.body_stack else None
    return inner if isinstance(inner, cst.FunctionDef) else None


def is_loop_from(ctx: FileContext, expr: cst.BaseExpression, getters: Collection[str]) -> bool:
    """``expr`` is the loop one of ``getters`` returns, called with no arguments on the spot
    or bound once to a local of the function being visited (see ``sole_local_assignment``)."""
    if isinstance(expr, cst.Name):
        expr = sole_local_value(ctx, expr)  # type: ignore[assignment]
    return isinstance(expr, cst.Call) and not expr.args and ctx.resolves_to(expr.func, getters)


def is_running_loop(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is provably the running loop: ``asyncio.get_running_loop()``, or in a
    coroutine ``asyncio.get_event_loop()`` (see ``is_loop_from``)."""
    return is_loop_from(ctx, expr, GET_RUNNING_LOOP | GET_EVENT_LOOP if ctx.in_coroutine() else GET_RUNNING_LOOP)


def method_receiver(node: cst.CSTNode, method: str) -> Optional[cst.BaseExpression]:
    """The receiver of ``receiver.method(...)``, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == method:
        return node.func.value
    return None


def bound_to_call(
    ctx: FileContext,
    expr: cst.BaseExpression,
    names: Collection[str],
    is_value: Optional[Callable[[cst.BaseExpression], bool]] = None,
) -> bool:
    """``expr`` is a call to one of ``names``, or a name every binding of which is one (or
    is annotated with one of ``names``, for classes such as ``pathlib.Path``).

    ``is_value`` replaces "a call to one of ``names``" as the test of an assigned value.
    """
    if isinstance(expr, cst.Call):
        return is_call_to(ctx, expr, names)
    values = binding_sources(ctx, expr) if isinstance(expr, cst.Name) and ctx.may_refer_to(names) else None
    return bool(values) and all(
        ctx.resolves_to(declared_type(ctx, v), names)
        if isinstance(v, cst.Annotation)
        else (is_value(v) if is_value is not None else is_call_to(ctx, v, names))
        for v in values  # type: ignore[union-attr]
    )


def declared_type(ctx: FileContext, annotation: cst.Annotation) -> cst.BaseExpression:
    """The class an annotation names, seen through ``Optional[X]``, ``X | None``, ``None | X``."""
    expr = annotation.annotation
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.BitOr):
        if is_literal(expr.right, None):
            return expr.left
        if is_literal(expr.left, None):
            return expr.right
    if (
        isinstance(expr, cst.Subscript)
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
        and ctx.resolves_to(expr.value, {"typing.Optional"})
    ):
        return expr.slice[0].slice.value
    return expr


def is_dotted_name(expr: cst.BaseExpression) -> bool:
    """``a`` or ``a.b.c``: no call, subscript or other expression in the chain (libcst's
    qualified name of ``os.popen(cmd).read`` is ``os.popen.read``, calls dropped)."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


def blocking_call_site(ctx: FileContext, call: cst.Call) -> bool:
    """Could ``call`` block the event loop: lexically in a coroutine body and not awaited?"""
    return ctx.in_coroutine() and not ctx.is_awaited(call)


def function_of(ctx: FileContext, node: Optional[cst.CSTNode]) -> Optional[cst.FunctionDef]:
    """The innermost ``def`` holding ``node`` (found through parents, so usable from any hook)."""
    while node is not None and not isinstance(node, cst.FunctionDef):
        node = ctx.parent(node)
    return node


def self_attribute_values(
    ctx: FileContext, expr: cst.BaseExpression
) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """For ``self.attr`` in a method: the values of every ``self.attr = value`` in its class.

    ``self`` is the first parameter of the enclosing method, whose parent is a class body.
    None when ``expr`` is not such an attribute, or the class assigns it in any other way
    (augmented, unpacked, with another receiver name) or never.
    """
    if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)):
        return None
    method = function_of(ctx, expr)
    if method is None or not method.params.params:
        return None
    receiver = method.params.params[0].name.value
    block = ctx.parent(method)
    cls = ctx.parent(block) if block is not None else None
    if expr.value.value != receiver or not isinstance(cls, cst.ClassDef):
        return None
    attr = expr.attr.value
    found: list = []
    ok = [True]

    class Finder(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> None:
            if node.attr.value != attr or not isinstance(node.value, cst.Name):
                return
            parent = ctx.parent(node)
            if isinstance(parent, cst.AssignTarget):
                assign = ctx.parent(parent)
                if isinstance(assign, cst.Assign) and len(assign.targets) == 1 and node.value.value == receiver:
                    found.append(assign.value)
                else:
                    ok[0] = False
            elif isinstance(parent, (cst.AnnAssign, cst.AugAssign, cst.Element, cst.Del)) and (
                getattr(parent, "target", None) is node or isinstance(parent, (cst.Element, cst.Del))
            ):
                ok[0] = False

    cls.body.visit(Finder())
    return tuple(found) if ok[0] and found else None


ASYNCIO_LOCKS = asyncio_names("Lock", "Semaphore", "BoundedSemaphore", "Condition")


def is_asyncio_lock(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """``expr`` is known to be an asyncio Lock, Semaphore, BoundedSemaphore or Condition.

    A name whose every binding is a constructor call, a ``self.attr`` only ever assigned one
    in its class, or a parameter annotated with one of these classes and never rebound.
    """
    if isinstance(expr, cst.Attribute):
        values = self_attribute_values(ctx, expr)
    elif isinstance(expr, cst.Name):
        scope = ctx.scope(expr)
        params = [getattr(b, "node", None) for b in (scope[expr.value] if scope is not None else ())]
        if len(params) == 1 and isinstance(params[0], cst.Param) and params[0].annotation is not None:
            return ctx.resolves_to(params[0].annotation.annotation, ASYNCIO_LOCKS)
        values = binding_values(ctx, expr)
    else:
        return False
    return bool(values) and all(is_call_to(ctx, value, ASYNCIO_LOCKS) for value in values)


def async_with_over(node: cst.With, exprs: Iterable[cst.BaseExpression]) -> cst.With:
    """``node`` as ``async with`` whose items hold ``exprs`` (one per item, in order).

    ``with (await lock):`` has its now useless parentheses (and a trailing comma in them)
    dropped, keeping a space after ``with``.
    """
    items = [item.with_changes(item=expr) for item, expr in zip(node.items, exprs)]
    new = node.with_changes(asynchronous=cst.Asynchronous(), items=items)
    if len(items) == 1 and isinstance(node.lpar, cst.LeftParen):
        new = new.with_changes(
            lpar=cst.MaybeSentinel.DEFAULT,
            rpar=cst.MaybeSentinel.DEFAULT,
            items=[items[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)],
            whitespace_after_with=cst.SimpleWhitespace(" "),
        )
    return new


def remove_callee_import_if_unused(fix: "Fix", func: cst.BaseExpression, qualified: str) -> None:
    """Schedule removal of the import that binds ``func`` (``time.sleep`` or ``sleep``, resolving
    to ``qualified``) in case the rewrite leaves it unused."""
    module, _, obj = qualified.rpartition(".")
    if isinstance(func, cst.Name):
        fix.remove_import_if_unused(module, obj, func.value if func.value != obj else None)
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and "." not in module:
        fix.remove_import_if_unused(module, None, func.value.value if func.value.value != module else None)


def is_within(ctx: FileContext, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
    while node is not None:
        if node is ancestor:
            return True
        node = ctx.parent(node)  # type: ignore[assignment]
    return False


class _ThreadSafetyScan(cst.CSTVisitor):
    """Why a block cannot become the body of a sync function, or None."""

    def __init__(self, ctx: FileContext, outer_names: Set[str]) -> None:
        super().__init__()
        self.ctx = ctx
        self.outer_names = outer_names
        self.loops = 0
        self.reason: Optional[str] = None

    def _stop(self, reason: str) -> bool:
        self.reason = self.reason or reason
        return False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.reason:
            return False
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False  # their own `return`s and names are theirs
        if isinstance(node, (cst.Await, cst.Yield)):
            return self._stop("it awaits or yields")
        if isinstance(node, (cst.Return, cst.Global, cst.Nonlocal, cst.Del)):
            return self._stop(f"it has a `{type(node).__name__.lower()}` statement")
        if isinstance(node, (cst.For, cst.With, cst.CompFor)) and node.asynchronous is not None:
            return self._stop("it has `async for` or `async with`")
        if isinstance(node, (cst.Break, cst.Continue)) and not self.loops:
            return self._stop("it has `break` or `continue`")
        if isinstance(node, cst.Name):
            if node.value in ("super", "locals", "vars") or node.value in self.outer_names:
                return self._stop(f"it uses `{node.value}`")
            if any(q.startswith("asyncio") for q in self.ctx.qualified_names(node)):
                return self._stop("it uses asyncio")
        if isinstance(node, (cst.For, cst.While)):
            self.loops += 1
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.For, cst.While)):
            self.loops -= 1


def thread_helper_exports(
    ctx: FileContext, block: cst.BaseCompoundStatement
) -> Tuple[Optional[List[str]], str]:
    """Can ``block`` (a statement in a function body) move into a local sync function run by
    ``asyncio.to_thread``? Returns the names it binds that are used elsewhere (the helper
    returns them), or None and the reason why not.

    Refused: ``await``/``yield``/``return``/``del``/``global``/``nonlocal``, ``break`` or
    ``continue`` outside a loop of the block, asyncio names, ``super``/``locals``, a name of
    the function's ``global``/``nonlocal`` statements, and any name read or exported that the
    block does not certainly assign before (at its top level, not inside a branch).
    """
    function = ctx.enclosing_function()
    scope = ctx.scope(block)
    if function is None or not isinstance(scope, cst.metadata.FunctionScope):
        return None, "it is not in a function body"
    declared: Set[str] = set()
    for node in _walk(function.body):
        if isinstance(node, (cst.Global, cst.Nonlocal)):
            declared.update(n.name.value for n in node.names)
    scan = _ThreadSafetyScan(ctx, declared)
    block.visit(scan)
    if scan.reason:
        return None, scan.reason
    statements = list(block.body.body) if isinstance(block.body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else []

    def top_index(node: cst.CSTNode) -> Tuple[int, bool]:
        """(index of the top-level statement of ``block`` holding ``node``, unconditional?)"""
        unconditional = True
        while True:
            parent = ctx.parent(node)
            if parent is block or parent is None:
                return -1, unconditional
            if parent is block.body:
                return statements.index(node), unconditional  # type: ignore[arg-type]
            if isinstance(parent, (cst.BaseCompoundStatement, cst.NamedExpr)):
                unconditional = False
            node = parent

    definite: dict = {}
    inside: List[Tuple[int, str, bool]] = []
    for assignment in scope.assignments:
        node = getattr(assignment, "node", None)
        if node is None or not is_within(ctx, node, block):
            continue
        index, unconditional = top_index(node)
        if unconditional:
            definite[assignment.name] = min(index, definite.get(assignment.name, index))
        used_outside = any(not is_within(ctx, ref.node, block) for ref in assignment.references)
        inside.append((index, assignment.name, used_outside))
    for access in scope.accesses:
        name = access.node.value if isinstance(access.node, cst.Name) else None
        if name and is_within(ctx, access.node, block) and any(name == n for _, n, _ in inside):
            if not _assigned_before(ctx, access.node, name, block):
                return None, f"it reads `{name}` before certainly assigning it"
    exports: List[str] = []
    for _, name, used_outside in sorted(inside, key=lambda t: t[0]):
        if used_outside and name not in exports:
            if name not in definite:
                return None, f"it assigns `{name}`, used afterwards, only conditionally"
            exports.append(name)
    return exports, ""


def thread_helper_call(
    ctx: FileContext, fix: "Fix", node: cst.BaseCompoundStatement, helper: str, exports: List[str]
) -> cst.FlattenSentinel:
    """``def helper():`` holding ``node`` and returning ``exports``, then
    ``<exports> = await asyncio.to_thread(helper)``: what replaces ``node`` once
    ``thread_helper_exports`` allows it."""
    body = [node.with_changes(leading_lines=[]), fix.parse_statement(f"return {', '.join(exports)}")]
    if not exports:
        body.pop()
    siblings = getattr(ctx.parent(node), "body", ())
    spaced = node.leading_lines or not siblings or siblings[0] is node
    definition = cst.FunctionDef(
        name=cst.Name(helper), params=cst.Parameters(), body=cst.IndentedBlock(body=body),
        leading_lines=node.leading_lines if spaced else [cst.EmptyLine(indent=False)],
    )
    call = cst.Await(to_thread_call(fix.ref("asyncio.to_thread"), cst.Name(helper)))
    targets = fix.parse_expression(", ".join(exports)) if exports else None
    small = cst.Assign([cst.AssignTarget(targets)], call) if targets is not None else cst.Expr(call)
    statement = cst.SimpleStatementLine([small], leading_lines=[cst.EmptyLine(indent=False)])
    return cst.FlattenSentinel([definition, statement])


def _target_names(target: Optional[cst.CSTNode]) -> Set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_target_names(e.value) for e in target.elements))
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def _binds(statement: cst.CSTNode, name: str) -> bool:
    """Does ``statement`` (run to completion) certainly bind ``name``?"""
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.name.value == name
    smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else [statement]
    for small in smalls:
        if isinstance(small, cst.Assign) and any(name in _target_names(t.target) for t in small.targets):
            return True
        if isinstance(small, (cst.AnnAssign, cst.AugAssign)) and name in _target_names(small.target):
            return small.value is not None if isinstance(small, cst.AnnAssign) else True
    return False


def _assigned_before(ctx: FileContext, node: cst.CSTNode, name: str, block: cst.CSTNode) -> bool:
    """Is ``name`` certainly bound, within ``block``, before ``node`` runs?"""
    while node is not block:
        parent = ctx.parent(node)
        if parent is None:
            return False
        siblings = getattr(parent, "body", None)
        if isinstance(parent, (cst.IndentedBlock, cst.SimpleStatementLine, cst.SimpleStatementSuite)) and node in siblings:
            if any(_binds(s, name) for s in siblings[: siblings.index(node)]):
                return True
        if _binds_for_body(parent, node, name):
            return True
        node = parent
    return False


def _binds_for_body(parent: cst.CSTNode, body: cst.CSTNode, name: str) -> bool:
    """``parent`` is a ``for``/``with``/``except`` that binds ``name`` for its ``body``."""
    return body is getattr(parent, "body", None) and (
        isinstance(parent, cst.For) and name in _target_names(parent.target)
        or isinstance(parent, cst.With) and any(
            i.asname is not None and name in _target_names(i.asname.name) for i in parent.items
        )
        or isinstance(parent, cst.ExceptHandler) and parent.name is not None
        and name in _target_names(parent.name.name)
    )


def only_used_once_in(ctx: FileContext, target: cst.Name, statement: cst.CSTNode) -> bool:
    """The name ``target`` binds in ``statement`` is read exactly once there, and is read
    elsewhere only under a ``for``/``with``/``except`` that binds it again."""
    scope = ctx.scope(target)
    if scope is None:
        return False
    inside = 0
    for access in scope.accesses[target.value]:
        if is_within(ctx, access.node, statement):
            inside += 1
            continue
        node = access.node
        while node is not None and not _binds_for_body(ctx.parent(node), node, target.value):
            node = ctx.parent(node)
        if node is None:
            return False
    return inside == 1


def _walk(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


OTHER_ASYNC_LIBRARIES = ("trio", "anyio", "curio")


@functools.lru_cache(maxsize=8)
def other_async_library(module: cst.Module) -> Optional[str]:
    """The first of trio/anyio/curio the file imports: its coroutines may run on that library's
    loop, where an asyncio call (``asyncio.sleep``, ``asyncio.to_thread``) fails."""
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Import):
            names = [cst.helpers.get_full_name_for_node(alias.name) or "" for alias in node.names]
        elif isinstance(node, cst.ImportFrom) and node.module is not None and not node.relative:
            names = [cst.helpers.get_full_name_for_node(node.module) or ""]
        elif isinstance(node, cst.BaseExpression):
            continue
        else:
            stack.extend(reversed(node.children))
            continue
        for name in names:
            if name.split(".")[0] in OTHER_ASYNC_LIBRARIES:
                return name.split(".")[0]
    return None


def reported_for_other_library(rule: "Rule", node: cst.CSTNode, message: str) -> bool:
    """Report ``node`` without a fix, and say so, when the file uses trio/anyio/curio."""
    text = rule.ctx.text()
    library = other_async_library(rule.ctx.module) if any(name in text for name in OTHER_ASYNC_LIBRARIES) else None
    if library:
        rule.report(node, f"{message} (no automatic fix: the file uses {library})")
    return library is not None


TIMEOUT_SCOPES = asyncio_names("timeout", "timeout_at") | {"async_timeout.timeout", "async_timeout.timeout_at"}


def in_timeout_block(ctx: FileContext, node: cst.CSTNode) -> bool:
    """``node`` is in the body of an ``async with asyncio.timeout(...)`` (or ``async_timeout``) of
    its own function: a new ``await`` there is a point where the timeout can now fire."""
    child, parent = node, ctx.parent(node)
    while parent is not None and not isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
        if (
            isinstance(parent, cst.With)
            and parent.asynchronous is not None
            and child is parent.body
            and any(is_call_to(ctx, item.item, TIMEOUT_SCOPES) for item in parent.items)
        ):
            return True
        child, parent = parent, ctx.parent(parent)
    return False


# -- what values a name can hold --------------------------------------------------------
# Four answers that differ on purpose; a rule's safety argument rests on the one it uses:
#   binding_values         every binding the name's scope sees: `x = v` and `x: T = v` only
#   binding_sources        the same bindings, also parameters, `with v as x` and chained
#                          `a = x = v`; an annotated one gives its annotation, not its value
#   reaching_local_values  only the enclosing function's own `x = v`s that precede the read
#   sole_local_assignment  the one `=` statement binding the name in the def being visited
#                          (`sole_local_value` when the name is its whole target)
# All of them read a binding through `assignment_of` (`single_target_value` for a plain `x = v`).


def assignment_of(ctx: FileContext, target: Optional[cst.CSTNode]) -> Union[cst.Assign, cst.AnnAssign, None]:
    """The statement in which ``target`` (the node a scope binding records) is a whole target:
    ``target = value`` (also chained, ``a = target = value``) or ``target: T = value``.
    None for any other binding: unpacking, a bare annotation, ``for``, ``with``, import, walrus."""
    parent = ctx.parent(target) if isinstance(target, cst.Name) else None
    if isinstance(parent, cst.AssignTarget):
        return ctx.parent(parent)  # type: ignore[return-value]
    if isinstance(parent, cst.AnnAssign) and parent.target is target and parent.value is not None:
        return parent
    return None


def single_target_value(ctx: FileContext, target: Optional[cst.CSTNode]) -> Optional[cst.BaseExpression]:
    """``value`` of ``target = value`` (``target`` the node a scope binding records) with no
    other target; else None."""
    statement = assignment_of(ctx, target)
    return statement.value if isinstance(statement, cst.Assign) and len(statement.targets) == 1 else None


_NOT_UNDERSTOOD = object()


def _read_bindings(
    ctx: FileContext, name: cst.Name, read: Callable[[Optional[cst.CSTNode]], object]
) -> Optional[list]:
    """``read(node)`` for the node of every binding ``name`` can refer to where it stands
    (``scope[name]``, so through ``global``/``nonlocal`` and at module level too); None when
    the name is unbound here or ``read`` gives ``_NOT_UNDERSTOOD`` for a binding."""
    scope = ctx.scope(name)
    bindings = scope[name.value] if scope is not None else ()
    if not bindings:
        return None
    values = []
    for binding in bindings:
        value = read(getattr(binding, "node", None))
        if value is _NOT_UNDERSTOOD:
            return None
        values.append(value)
    return values


def binding_values(ctx: FileContext, name: cst.Name) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """The values of every binding ``name`` can refer to where it stands (see ``_read_bindings``).

    Only when each binding is a plain ``name = value`` / ``name: T = value`` with a single
    target; None when any is something else (parameter, import, loop target, ``+=``,
    tuple unpacking, walrus...) or the name is unbound here.
    """

    def value(node: Optional[cst.CSTNode]) -> object:
        statement = assignment_of(ctx, node)
        if statement is None or isinstance(statement, cst.Assign) and len(statement.targets) != 1:
            return _NOT_UNDERSTOOD
        return statement.value

    values = _read_bindings(ctx, name, value)
    return tuple(values) if values is not None else None


def binding_sources(ctx: FileContext, name: cst.Name) -> Optional[list]:
    """What each binding of ``name`` visible here assigns, or None if one is not understood.

    The bindings of ``binding_values``, read more leniently: ``x = value`` (also chained)
    and ``with value as x`` give ``value``; a parameter and ``x: T = value`` give the
    ``cst.Annotation`` (None when unannotated), the declared type. Loops, unpacking,
    imports and the like make the answer None.
    """

    def source(node: Optional[cst.CSTNode]) -> object:
        statement = assignment_of(ctx, node)
        holder = ctx.parent(node) if isinstance(node, cst.Name) else None
        if isinstance(node, cst.Param):
            return node.annotation
        if isinstance(statement, cst.Assign):
            return statement.value
        if isinstance(statement, cst.AnnAssign):
            return statement.annotation
        if isinstance(holder, cst.AsName) and isinstance(ctx.parent(holder), cst.WithItem):
            return ctx.parent(holder).item  # type: ignore[union-attr]
        return _NOT_UNDERSTOOD

    return _read_bindings(ctx, name, source)


def reaching_local_values(ctx: FileContext, name: cst.CSTNode) -> Optional[Tuple[cst.BaseExpression, ...]]:
    """The values a function-local ``name`` (a Name being read) can hold at this read.

    Stricter than ``binding_values``: only the assignments libcst says reach the read (the
    function's own bindings before it in the source), each a plain single-target
    ``name = value`` in the same function; None for a name of an enclosing or the module
    scope, a parameter, an annotated assignment, or anything else.
    """
    scope = ctx.scope(name)
    if not isinstance(name, cst.Name) or scope is None or not isinstance(scope, cst.metadata.FunctionScope):
        return None
    accesses = [a for a in scope.accesses[name.value] if a.node is name]
    if len(accesses) != 1 or not accesses[0].referents:
        return None
    values = []
    for assignment in accesses[0].referents:
        own = getattr(assignment, "scope", None) is scope
        value = single_target_value(ctx, getattr(assignment, "node", None)) if own else None
        if value is None:
            return None
        values.append(value)
    return tuple(values)


def _sole_local_target(ctx: FileContext, name: cst.Name) -> Optional[cst.Name]:
    """The target of the one plain assignment binding ``name``, when it is made in the def
    whose body is being visited (so not for parameters, globals, names bound twice or by
    ``for``/``with``/``import``, nor uses in nested functions)."""
    func = innermost_def(ctx)
    scope = ctx.scope(name)
    if func is None or scope is None:
        return None
    assignments = list(scope[name.value])
    if len(assignments) != 1 or type(assignments[0]) is not cst.metadata.Assignment:
        return None
    (assignment,) = assignments
    target = assignment.node
    owner = getattr(assignment.scope, "node", None)
    return target if owner is func and isinstance(target, cst.Name) else None


def sole_local_assignment(ctx: FileContext, name: cst.Name) -> Optional[Tuple[cst.Assign, cst.Name]]:
    """The one ``Assign`` that binds ``name`` in the function whose body holds it, with the
    target ``Name`` it binds (also inside a tuple target); see ``_sole_local_target``."""
    target = _sole_local_target(ctx, name)
    if target is None:
        return None
    node: Optional[cst.CSTNode] = ctx.parent(target)
    while isinstance(node, (cst.Element, cst.Tuple, cst.List, cst.AssignTarget)):
        node = ctx.parent(node)
    return (node, target) if isinstance(node, cst.Assign) and len(node.targets) == 1 else None


def sole_local_value(ctx: FileContext, name: cst.Name) -> Optional[cst.BaseExpression]:
    """The value of ``name = value`` when that is the sole local assignment of ``name``
    (``sole_local_assignment``) and ``name`` its whole target."""
    return single_target_value(ctx, _sole_local_target(ctx, name))


# -- pathlib.Path values ----------------------------------------------------------------
# Two tests that differ on purpose (see each rule's Limitations): AIO302 follows what a
# path expression is built from, AIO303 what a name is declared or bound to.

PATHLIB_PATHS = frozenset({"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"})

_PATH_RETURNING = {"absolute", "expanduser", "joinpath", "resolve", "with_name", "with_stem", "with_suffix"}


def is_built_pathlib_path(ctx: FileContext, expr: cst.BaseExpression, depth: int = 0) -> bool:
    """``expr`` is certainly a ``pathlib.Path`` by how it is built: ``Path(...)``,
    ``path / "x"``, ``path.with_suffix(...)``, ``path.parent``, or a local assigned only
    from such expressions before the read (``reaching_local_values``; parameters never)."""
    if depth > 5:
        return False
    if isinstance(expr, cst.Call):
        if is_call_to(ctx, expr, PATHLIB_PATHS):
            return True
        func = expr.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in _PATH_RETURNING
            and is_built_pathlib_path(ctx, func.value, depth + 1)
        )
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return is_built_pathlib_path(ctx, expr.left, depth + 1)
    if isinstance(expr, cst.Attribute) and expr.attr.value == "parent":
        return is_built_pathlib_path(ctx, expr.value, depth + 1)
    values = reaching_local_values(ctx, expr) if isinstance(expr, cst.Name) else None
    return bool(values) and all(is_built_pathlib_path(ctx, v, depth + 1) for v in values)  # type: ignore[union-attr]


def is_bound_pathlib_path(ctx: FileContext, expr: cst.BaseExpression, _depth: int = 0) -> bool:
    """``expr`` is a ``pathlib.Path`` by what its names are bound to: ``Path(...)``,
    ``<such a path> / part``, or a name every binding of which (``binding_sources``, any
    scope) is such a path or declares the type ``Path`` (an annotated parameter)."""
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Divide):
        return is_bound_pathlib_path(ctx, expr.left, _depth)  # `p = p / "x"`: the depth bounds it
    if isinstance(expr, cst.Name) and _depth < 4:
        return bound_to_call(ctx, expr, PATHLIB_PATHS, lambda value: is_bound_pathlib_path(ctx, value, _depth + 1))
    return is_call_to(ctx, expr, PATHLIB_PATHS)


# -- asyncio.to_thread and await --------------------------------------------------------


def _binds_tighter_than_await(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """The parent of ``node`` is ``node.attr``, ``node[i]`` or ``node(...)``."""
    parent = ctx.parent(node)
    return (isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node) or (
        isinstance(parent, cst.Call) and parent.func is node
    )


def await_needs_parens(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    """Would ``await <expr>`` put in place of ``expr`` bind wrongly (``f().x`` -> ``await f().x``)?

    Also true for the left operand of ``**``, where the parentheses are redundant (``await``
    binds tighter) but are what ``await_to_thread`` has always written.
    """
    parent = ctx.parent(expr)
    if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Power):
        return parent.left is expr
    return _binds_tighter_than_await(ctx, expr)


def _await_in_place_of(node: cst.BaseExpression, call: cst.BaseExpression, parenthesize: bool) -> cst.Await:
    """``await call`` carrying ``node``'s own parentheses, adding a pair if ``parenthesize``."""
    lpar, rpar = list(node.lpar), list(node.rpar)
    if parenthesize and not lpar:
        lpar, rpar = [cst.LeftParen()], [cst.RightParen()]
    return cst.Await(expression=call.with_changes(lpar=[], rpar=[]), lpar=lpar, rpar=rpar)


def awaited(ctx: FileContext, node: cst.BaseExpression, call: cst.BaseExpression) -> cst.Await:
    """``await call``, to stand where ``node`` stands.

    Keeps ``node``'s own parentheses, and adds some where the parent binds tighter than
    ``await`` (``x.attr``, ``x[i]``, ``x()``): ``input().strip()`` becomes
    ``(await asyncio.to_thread(input)).strip()``.
    """
    return _await_in_place_of(node, call, _binds_tighter_than_await(ctx, node))


def to_thread_call(
    func_ref: cst.BaseExpression, function: cst.BaseExpression, args: Iterable[cst.Arg] = ()
) -> cst.Call:
    """``asyncio.to_thread(function, *args)`` in libcst's default layout, with ``func_ref``
    spelling ``asyncio.to_thread`` (from ``Fix.ref``) and the given arguments kept as written.
    For a call moved as it stands, ``to_thread_call_like`` keeps its layout instead."""
    return cst.Call(func=func_ref, args=[cst.Arg(function), *args])


def to_thread_call_like(fix: "Fix", call: cst.Call) -> cst.Call:
    """``asyncio.to_thread(<callee>, <args>)`` laid out like ``call``.

    Every argument is kept as written (its spacing and comments too), and so is the space
    inside the parentheses; the callee is passed itself, not wrapped in a lambda.
    """
    before = call.whitespace_before_args
    if call.args and isinstance(before, cst.ParenthesizedWhitespace):
        # One argument a line stays one a line (a comment after "(" stays there, once).
        own_line = before.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=())
        comma = cst.Comma(whitespace_after=own_line)
    else:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    callee = cst.Arg(value=call.func, comma=comma if call.args else cst.MaybeSentinel.DEFAULT)
    return call.with_changes(func=fix.ref("asyncio.to_thread"), args=[callee, *call.args], lpar=(), rpar=())


def await_to_thread(fix: "Fix", call: cst.Call) -> cst.Await:
    """``await asyncio.to_thread(<callee>, <args>)`` to put in place of ``call``, laid out
    like it (``to_thread_call_like``) and parenthesised where an unparenthesised ``await``
    would bind differently (``await_needs_parens``). Use with ``fix.replace(call, ...)``."""
    return _await_in_place_of(call, to_thread_call_like(fix, call), await_needs_parens(fix.ctx, call))


def report_moved_to_thread(rule, call: cst.Call, message: str, *, unsafe: bool = False) -> None:
    """Report ``call`` with the fix ``await asyncio.to_thread(<callee>, <args>)``."""
    fix = rule.fix(call)
    fix.replace(call, await_to_thread(fix, call))
    rule.report(call, message, fix=fix, unsafe=unsafe)


# -- statements ---------------------------------------------------------------------------


def carry_leading_lines(edits: dict, stmts: list, removed: list) -> None:
    """Blank lines and comments above the ``removed`` statements move to the next kept one
    (in ``edits``, which maps statements of ``stmts`` to their replacements)."""
    carried = [line for s in stmts if s in removed for line in s.leading_lines]
    last = max(stmts.index(s) for s in removed)
    following = next((s for s in stmts[last + 1:] if s not in removed), None)
    target = edits.get(following, following)
    if not carried or following is None or isinstance(target, cst.RemovalSentinel):
        return
    if isinstance(target, cst.FlattenSentinel):
        nodes = list(target.nodes)
        nodes[0] = nodes[0].with_changes(leading_lines=[*carried, *nodes[0].leading_lines])
        edits[following] = cst.FlattenSentinel(nodes)
    else:
        edits[following] = target.with_changes(leading_lines=[*carried, *target.leading_lines])


def is_main_guard(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (any string)."""
    return m.matches(test, m.Comparison(m.Name("__name__"), [m.ComparisonTarget(m.Equal(), m.SimpleString())]))


def ends_script(ctx: FileContext, block: cst.CSTNode, tail: list) -> bool:
    """Nothing runs after ``tail`` (statements of ``block``): its last statement ends the module,
    or a final ``if __name__ == "__main__":`` block without ``else``."""
    stmts = block_body(block)
    main = ctx.parent(block)
    if isinstance(block, cst.IndentedBlock) and isinstance(main, cst.If) and not main.orelse \
            and is_main_guard(main.test):
        module = ctx.parent(main)
    else:
        main, module = None, block
    return bool(stmts and stmts[-1] in tail and isinstance(module, cst.Module)
                and module.body[-1] is (main or stmts[-1]))


def statement_in(ctx: FileContext, block: cst.CSTNode, node: Optional[cst.CSTNode]) -> Optional[cst.BaseStatement]:
    """The statement of ``block`` that holds ``node``, not across a def, class or lambda."""
    while node is not None:
        parent = ctx.parent(node)
        if parent is block:
            return node  # type: ignore[return-value]
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None
        node = parent
    return None


def used_only_within(ctx: FileContext, name: cst.Name, first: cst.CSTNode, last: cst.CSTNode, uses: int) -> bool:
    """``name`` is bound only here and read exactly ``uses`` times, all on the lines from
    ``first`` to ``last``."""
    scope = ctx.scope(name)
    bindings = list(scope[name.value]) if scope is not None else []
    if len(bindings) != 1 or bindings[0].node is not name:
        return False
    start = ctx.position(first).start.line
    end = ctx.position(last).end.line
    lines = [ctx.position(ref.node).start.line for ref in bindings[0].references]
    return len(lines) == uses and all(start <= line <= end for line in lines)


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
