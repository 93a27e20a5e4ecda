"""Which paths through a coroutine reach an exit, or go round a loop, without passing a
checkpoint (an ``await``, ``async for`` or ``async with``): the analysis behind the opt-in
checkpoint rules, after flake8-async's ASYNC910, 911 and 913.

A path's state is True (it passed a checkpoint since the function started or since its last
``yield``), False (it did not) or None (it cannot get here: it returned, raised or broke out).
Statements are walked in order; an exception may leave ``try`` before anything in it ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional, Sequence, Tuple

import libcst as cst
from ..lazy import matchers as m

from .checkpoints import suspension_points
from .names import is_call_to

if TYPE_CHECKING:
    from ..context import FileContext

RANGE = frozenset({"builtins.range"})
SUPPRESS = frozenset({"contextlib.suppress"})

State = Optional[bool]


def join(*states: State) -> State:
    """The state where paths in these states meet: checkpointed only if all live ones are."""
    live = [state for state in states if state is not None]
    return all(live) if live else None


def then(state: State, checkpoint: bool) -> State:
    return None if state is None else state or checkpoint


def checkpoints(ctx: FileContext, node: Optional[cst.CSTNode]) -> bool:
    """Evaluating ``node`` passes a checkpoint whatever the values: an ``await`` that is not
    behind ``and``/``or``, one branch of a conditional, a comprehension's later parts, a lambda
    or a nested body."""
    if node is None or isinstance(node, cst.Lambda):
        return False
    if isinstance(node, cst.Await):
        return True
    if isinstance(node, cst.BooleanOperation):
        return checkpoints(ctx, node.left)
    if isinstance(node, cst.IfExp):
        return checkpoints(ctx, node.test) or checkpoints(ctx, node.body) and checkpoints(ctx, node.orelse)
    if isinstance(node, cst.BaseComp):
        return _comprehension_checkpoints(ctx, node)
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        head = [*node.decorators, node.params] if isinstance(node, cst.FunctionDef) else [*node.decorators, *node.bases]
        return any(checkpoints(ctx, part) for part in head)
    if isinstance(node, (cst.BaseSuite, cst.BaseCompoundStatement)):
        return False  # statements are walked by the analysis
    return any(checkpoints(ctx, child) for child in node.children)


def _comprehension_checkpoints(ctx: FileContext, node: cst.BaseComp) -> bool:
    """Only the first iterable runs for sure; each later clause runs if every loop before it
    has an element (a literal one) and the conditions before it let it through."""
    clause: Optional[cst.CompFor] = node.for_in
    if checkpoints(ctx, clause.iter) or isinstance(node, cst.GeneratorExp):
        return checkpoints(ctx, clause.iter)
    while clause is not None:
        if clause.asynchronous is not None:
            return True
        if not nonempty(ctx, clause.iter):
            return False
        if clause.ifs:
            return checkpoints(ctx, clause.ifs[0].test)
        clause = clause.inner_for_in
        if clause is not None and checkpoints(ctx, clause.iter):
            return True
    return any(checkpoints(ctx, getattr(node, part, None)) for part in ("elt", "key", "value"))


def nonempty(ctx: FileContext, iterable: cst.BaseExpression) -> bool:
    """A literal collection with elements, or a non-empty ``range()`` of number literals."""
    if isinstance(iterable, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
        return any(
            isinstance(element, (cst.Element, cst.DictElement)) or nonempty(ctx, element.value)
            for element in iterable.elements
        )
    if isinstance(iterable, cst.SimpleString):
        return bool(iterable.evaluated_value)
    if not isinstance(iterable, cst.Call) or not ctx.resolves_to(iterable.func, RANGE) or not 1 <= len(iterable.args) <= 3:
        return False
    numbers = [_integer(arg.value) if not arg.keyword and not arg.star else None for arg in iterable.args]
    return None not in numbers and numbers[2:] != [0] and bool(range(*numbers))


def _integer(expr: cst.BaseExpression) -> Optional[int]:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus, cst.BitInvert)):
        value = _integer(expr.expression)
        operations = {cst.Minus: lambda v: -v, cst.Plus: lambda v: v, cst.BitInvert: lambda v: ~v}
        return None if value is None else operations[type(expr.operator)](value)
    return expr.evaluated_value if isinstance(expr, cst.Integer) else None


def always_true(expr: cst.BaseExpression) -> bool:
    """``while True`` or ``while 1``: a loop test that never fails."""
    return m.matches(expr, m.Name("True")) or isinstance(expr, cst.Integer) and bool(expr.evaluated_value)


@dataclass
class _Loop:
    breaks: List[State] = field(default_factory=list)
    continues: List[State] = field(default_factory=list)
    ends: List[State] = field(default_factory=list)


class CheckpointFlow:
    """Walk one function body; ``unchecked`` lists exits (``return``, ``yield`` and the end, as
    the function's name) reached without a checkpoint, ``busy_loops`` the ``while True`` loops
    without ``break`` whose body can go round without one."""

    def __init__(self, ctx: FileContext, function: cst.FunctionDef) -> None:
        self.ctx = ctx
        self.unchecked: List[Tuple[cst.CSTNode, str]] = []
        self.busy_loops: List[cst.While] = []
        self._loops: List[_Loop] = []
        self._silent = 0
        self._rounds_only = False  # while asking whether a loop's every round checkpoints
        end = self._block(_statements(function.body), False)
        if end is False:
            self._report(function.name, "end")

    def _report(self, node: cst.CSTNode, kind: str) -> None:
        if not self._silent and all(found is not node for found, _ in self.unchecked):
            self.unchecked.append((node, kind))

    def _block(self, statements: Sequence[cst.CSTNode], state: State) -> State:
        for statement in statements:
            if state is None:
                break
            state = self._statement(statement, state)
        return state

    def _statement(self, node: cst.CSTNode, state: State) -> State:
        if isinstance(node, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            return self._block(node.body, state)
        if isinstance(node, (cst.Else, cst.Finally)):
            return self._block(_statements(node.body), state)
        if isinstance(node, cst.If):
            state = then(state, checkpoints(self.ctx, node.test))
            orelse = self._statement(node.orelse, state) if node.orelse is not None else state
            return join(self._block(_statements(node.body), state), orelse)
        if isinstance(node, (cst.While, cst.For)):
            return self._loop(node, state)
        if isinstance(node, cst.With):  # `async with` awaits on the way in and on the way out
            for item in node.items:
                state = self._small(item.item, state)
            body = self._block(_statements(node.body), then(state, node.asynchronous is not None))
            if any(is_call_to(self.ctx, item.item, SUPPRESS) for item in node.items):
                body = join(body, state)  # an exception may leave the body anywhere, and be swallowed
            return then(body, node.asynchronous is not None)
        if isinstance(node, (cst.Try, cst.TryStar)):
            # an exception may come before anything in the body ran, or after a yield in it
            raised = False if _yields_in(node.body) else state
            handlers = [self._block(_statements(h.body), raised) for h in node.handlers]
            body = self._block(_statements(node.body), state)
            normal = join(self._statement(node.orelse, body) if node.orelse else body, *handlers)
            if node.finalbody is None:
                return normal
            self._silent += normal is None
            catch_all = any(h.type is None or m.matches(h.type, m.Name("BaseException")) for h in node.handlers)
            self._statement(node.finalbody, normal if catch_all else join(raised, normal))  # the weaker start
            self._silent -= normal is None
            self._silent += 1
            after = self._statement(node.finalbody, normal) if normal is not None else None
            self._silent -= 1
            return after
        if isinstance(node, cst.Match):
            return self._match(node, then(state, checkpoints(self.ctx, node.subject)))
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return then(state, checkpoints(self.ctx, node))
        return self._small(node, state)

    def _match(self, node: cst.Match, state: State) -> State:
        """A case's guard runs only when its pattern matches; without a case that always
        matches (``case _``, ``case name``) no case may run at all."""
        ends, unmatched = [], state
        for case in node.cases:
            guarded = then(unmatched, checkpoints(self.ctx, case.guard))
            ends.append(self._block(_statements(case.body), guarded))
            if m.matches(case.pattern, m.MatchAs(pattern=None)):
                unmatched = None if case.guard is None else guarded
        return join(unmatched, *ends)

    def _small(self, node: cst.CSTNode, state: State) -> State:
        if isinstance(node, cst.Raise):
            return None
        if isinstance(node, (cst.Break, cst.Continue)):
            if self._loops:
                (self._loops[-1].breaks if isinstance(node, cst.Break) else self._loops[-1].continues).append(state)
            return None
        if isinstance(node, cst.Return):
            if not then(state, checkpoints(self.ctx, node.value)):
                self._report(node, "return")
            return None
        yields = [found for found in m.findall(node, m.Yield()) if _own(node, found)]
        before = state
        for found in yields:
            if not then(state, checkpoints(self.ctx, found.value) or self._checkpoint_before(node, found)):
                self._report(found, "yield")
            state = False
        if yields and self._rounds_only:  # for a busy loop, a yield neither is nor undoes a checkpoint
            return then(before, checkpoints(self.ctx, node))
        if yields:  # an `await` around the last yield runs after it: `await (yield)`
            return any(yields[-1] in m.findall(a, m.Yield()) for a in m.findall(node, m.Await()))
        return then(state, checkpoints(self.ctx, node))

    def _checkpoint_before(self, statement: cst.CSTNode, node: cst.CSTNode) -> bool:
        """Part of ``statement`` evaluated before ``node`` whatever the values passes a checkpoint:
        the test of a conditional expression, the left operand of ``and``/``or`` or of an operator,
        earlier arguments and elements."""
        child, parent = node, self.ctx.parent(node)
        while parent is not None and child is not statement:
            if isinstance(parent, cst.IfExp) and child is not parent.test:
                earlier = [parent.test]
            elif isinstance(parent, (cst.BooleanOperation, cst.BinaryOperation)) and child is parent.right:
                earlier = [parent.left]
            elif isinstance(parent, (cst.Call, cst.List, cst.Tuple, cst.Set)):
                parts = [parent.func, *parent.args] if isinstance(parent, cst.Call) else list(parent.elements)
                earlier = parts[: parts.index(child)] if child in parts else []
            else:
                earlier = []
            if any(checkpoints(self.ctx, part) for part in earlier):
                return True
            child, parent = parent, self.ctx.parent(parent)
        return False

    def _loop(self, node, state: State) -> State:
        is_for = isinstance(node, cst.For)
        head = node.iter if is_for else node.test
        step = is_for and node.asynchronous is not None  # each `async for` step awaits `__anext__`
        again = step if is_for else checkpoints(self.ctx, head)  # what runs between two rounds
        entry = then(state, checkpoints(self.ctx, head))
        self._silent += 1
        first = self._round(node, then(entry, step))  # rounds after the first start from these ends
        self._silent -= 1
        rounds = join(entry, *(then(end, again) for end in first.ends))
        last = self._round(node, then(rounds, step))
        infinite = not is_for and always_true(node.test)
        if infinite and not last.breaks and not self._silent:
            self._silent += 1
            self._rounds_only, outer = True, self._rounds_only
            if join(*self._round(node, False).ends) is False:
                self.busy_loops.append(node)
            self._silent -= 1
            self._rounds_only = outer
        runs_once = is_for and nonempty(self.ctx, node.iter)  # `for x in [1, 2]`, `for i in range(3)`
        skipped = None if infinite or runs_once and not step else then(entry, step)
        normal = None if infinite else join(skipped, *(then(end, again or step) for end in last.ends))
        finished = self._statement(node.orelse, normal) if node.orelse is not None and normal is not None else normal
        return join(finished, *last.breaks)

    def _round(self, node, start: State) -> _Loop:
        """One pass through a loop's body; ``ends`` are the states it comes round in."""
        self._loops.append(_Loop())
        end = self._block(_statements(node.body), start)
        loop = self._loops.pop()
        loop.ends = [end, *loop.continues]
        return loop


def _statements(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return body.body if isinstance(body, cst.IndentedBlock) else [body]


def _yields_in(body: cst.CSTNode) -> bool:
    return any(isinstance(point, cst.Yield) for point in suspension_points(body))


def _own(statement: cst.CSTNode, node: cst.CSTNode) -> bool:
    """``node`` runs as part of ``statement``, not in a lambda inside it."""
    lambdas = m.findall(statement, m.Lambda())
    return not any(node in m.findall(lam, m.Yield()) for lam in lambdas)
