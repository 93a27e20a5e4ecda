from typing import List

import libcst as cst

from ..model import Safety
from ..prefilter import EXCEPT_STAR
from ..rule import Rule

# What an exception group has: its own API and BaseException's.
GROUP_ATTRIBUTES = frozenset({
    "message", "exceptions", "subgroup", "split", "derive", "args", "with_traceback", "add_note",
})
MESSAGE = "`{}`: in an `except*` clause `{}` is an exception group, not the exception it matched"


class ExceptStarAttribute(Rule):
    """Do not read an exception's attributes from the group an ``except*`` clause binds.

    ## Why
    ``except* OSError as e`` binds ``e`` to an ``ExceptionGroup`` of the matching exceptions,
    never to an ``OSError``, even when only one was raised. ``e.errno`` or ``e.response`` is
    an ``AttributeError`` raised from the handler, which replaces the error being handled.
    Iterate over ``e.exceptions`` instead. flake8-async's ASYNC400.

    ## Fix safety
    Report only: the handler has to loop over the group's exceptions, or pick one.

    ## Limitations
    Attributes other than the group's own (``message``, ``exceptions``, ``subgroup``,
    ``split``, ``derive``, ``args``, ``with_traceback``, ``add_note``) and dunders are
    reported, read straight off the clause's name, until the name is bound again (an
    assignment, ``with ... as``, a loop or a nested handler of the same name), in source order.
    Nested functions and lambdas are not looked into.
    """

    code = "AIO219"
    name = "except-star-attribute"
    min_python = (3, 7)
    safety = Safety.REPORT
    equivalent_codes = ("ASYNC400",)
    trigger_words = (EXCEPT_STAR,)
    anchors = (EXCEPT_STAR,)

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        if node.name is None or not isinstance(node.name.name, cst.Name):
            return
        name = node.name.name.value
        finder = _GroupAttributes(name)
        node.body.visit(finder)
        for attribute in finder.found:
            self.report(attribute, MESSAGE.format(self.ctx.code_for(attribute), name))


class _GroupAttributes(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.live = True
        self.found: List[cst.Attribute] = []

    def binds(self, target: cst.CSTNode) -> bool:
        if isinstance(target, (cst.Tuple, cst.List)):
            return any(self.binds(element.value) for element in target.elements)
        return isinstance(target, cst.Name) and target.value == self.name

    def visit_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        dunder = attr.startswith("__") and attr.endswith("__")
        if self.live and self.binds(node.value) and attr not in GROUP_ATTRIBUTES and not dunder:
            self.found.append(node)

    def leave_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.live &= not self.binds(node.target)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.live &= not self.binds(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self.live &= not self.binds(node.name)

    def visit_For(self, node: cst.For) -> None:
        self.live &= not self.binds(node.target)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> bool:
        return node.name is None or not self.binds(node.name.name)

    visit_ExceptStarHandler = visit_ExceptHandler

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False
