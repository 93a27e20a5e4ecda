from typing import Set

import libcst as cst

from ..kit.names import EXCEPTION_GROUPS, catches_exception_group
from ..prefilter import EXCEPT_STAR
from ..model import Safety
from ..rule import Rule

MESSAGE = (
    "raising an exception taken out of an exception group replaces its context and extends its "
    "traceback: raise the group, or a new exception `from` it"
)


class RaiseExceptionGroupChild(Rule):
    """Do not re-raise an exception taken out of a caught ``ExceptionGroup``.

    ## Why
    A ``TaskGroup`` reports its tasks' failures as an ``ExceptionGroup``. Unwrapping it with
    ``raise group.exceptions[0]`` in the handler looks like getting the original error back,
    but raising that exception object again sets its ``__context__`` to the group (whose
    ``exceptions`` hold it: the chain now loops back to itself), and appends the handler's
    frame to its ``__traceback__``; the other exceptions of the group are dropped silently.
    Raise the group as it is (``raise``), handle each exception with ``except*``, or raise a new
    exception ``from`` the group. flake8-async's ASYNC123.

    ## Fix safety
    Report only: which of the group's exceptions matter is the author's decision.

    ## Limitations
    Followed inside one handler, in source order: the handler's name (in any ``except*``
    clause, or an ``except`` clause for ``ExceptionGroup``/``BaseExceptionGroup``, the builtins
    or the ``exceptiongroup`` backport), names assigned from it, ``.exceptions`` of any of those,
    ``.subgroup()``/``.split()`` results, an index into such a list and the loop variable over
    it. A copy (``copy.copy(exc)``) or an exception passed through a function is not reported;
    unpacking with ``*`` and attributes of other objects are not followed.
    """

    code = "AIO217"
    name = "raise-exception-group-child"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC123",)
    trigger_words = ("ExceptionGroup", EXCEPT_STAR)
    anchors = (*EXCEPTION_GROUPS, EXCEPT_STAR)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._check(node)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._check(node)

    def _check(self, handler) -> None:
        if not isinstance(handler.name, cst.AsName) or not catches_exception_group(self.ctx, handler):
            return
        tracker = _Children(handler.name.name.value)
        handler.body.visit(tracker)
        for raise_ in tracker.raised_children:
            self.report(raise_, MESSAGE)


class _Children(cst.CSTVisitor):
    """Names bound to groups, to lists of a group's exceptions and to single exceptions, as a
    handler's body assigns them in source order; the ``raise`` statements of a single one."""

    def __init__(self, group: str) -> None:
        self.groups: Set[str] = {group}
        self.lists: Set[str] = set()
        self.children: Set[str] = set()
        self.raised_children = []

    def is_group(self, expr: cst.BaseExpression) -> bool:
        func = expr.func if isinstance(expr, cst.Call) else None
        if isinstance(func, cst.Attribute) and func.attr.value in ("subgroup", "split"):
            return self.is_group(func.value)
        return isinstance(expr, cst.Name) and expr.value in self.groups or self.is_child(expr)

    def is_list(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Attribute) and expr.attr.value == "exceptions":
            return self.is_group(expr.value)
        return isinstance(expr, cst.Name) and expr.value in self.lists

    def is_child(self, expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Subscript):
            return self.is_list(expr.value)
        return isinstance(expr, cst.Name) and expr.value in self.children

    def visit_Raise(self, node: cst.Raise) -> None:
        if node.exc is not None and self.is_child(node.exc):
            self.raised_children.append(node)

    def leave_Assign(self, node: cst.Assign) -> None:
        self.bind([target.target for target in node.targets], node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.bind([node.target], node.value)

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.target, cst.Name) and self.is_list(node.iter):
            self.children.add(node.target.value)

    def bind(self, targets, value: cst.BaseExpression) -> None:
        names = [t.value for t in targets if isinstance(t, cst.Name)]
        if len(targets) == 1 and names and self.is_child(value):
            self.children.add(names[0])
        elif len(targets) == 1 and names and self.is_list(value):
            self.lists.add(names[0])
        elif self.is_group(value):
            for target in targets:
                elements = [e.value for e in target.elements] if isinstance(target, cst.Tuple) else [target]
                self.groups.update(e.value for e in elements if isinstance(e, cst.Name))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False
