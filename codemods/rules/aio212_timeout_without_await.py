from functools import lru_cache
from typing import FrozenSet, List, Optional, Union

import libcst as cst
from ..lazy import matchers as m

from ..kit.bindings import drop_loop_binding_if_unused
from ..kit.checkpoints import awaits_anything
from ..kit.findings import without_fix
from ..kit.names import asyncio_names, is_call_to
from ..kit.syntax import count_comments
from ..model import Safety
from ..rule import Rule

TIMEOUTS = asyncio_names("timeout", "timeout_at")
MESSAGE = "`asyncio.{}()` block with nothing to time out: no `await`, `async for` or `async with` in it"
SYNC_MESSAGE = "`asyncio.{}()` in a plain `with`: it is an async context manager, so this raises TypeError"


class TimeoutWithoutAwait(Rule):
    """Remove an ``asyncio.timeout()`` block around code that never suspends.

    ## Why
    A timeout can only interrupt a coroutine where it suspends. In a block with no ``await``,
    ``async for``, ``async with`` or ``yield`` the timeout never fires: it is dead code that
    suggests a protection that is not there, typically left over after the awaited call
    moved elsewhere or became synchronous. flake8-async's ASYNC100 reports it and removes it.
    ``asyncio.timeout()`` in a plain ``with`` is reported too: it raises ``TypeError``.

    Example: `fixtures/aio212_timeout_without_await/runs_the_same`.

    ## Fix safety
    Safe: the body moves out of the block unchanged. Entering and leaving an
    ``asyncio.timeout()``/``timeout_at()`` block does not suspend, and the callback that would
    cancel the task can only run when the task suspends, which the body never does, so the
    block can neither raise ``TimeoutError`` nor cancel anything. The timeout's argument is no
    longer evaluated: where it is anything but a number literal or ``None`` (a call with side
    effects, a name that may be unbound or not a number) the fix is unsafe. Only the last item
    of an ``async with`` is removed: an item after the timeout is itself an asynchronous context
    manager whose entry and exit the timeout covers.

    ## Limitations
    Reported without a fix: a timeout bound with ``as`` (its object may be read later), a
    block whose removal would drop a comment (one on the ``async with`` line), and a block
    around a call of what AIO207 or an AIO3xx rule looks for (``time.sleep(1)``,
    ``asyncio.sleep(1)`` without ``await``), selected or not: their fix adds the ``await`` the
    timeout was written for, so the block stays. A blocking method call on an object
    (``lock.acquire()``) is not seen. Only asyncio's own ``timeout``/``timeout_at``:
    ``async_timeout.timeout`` becomes one through AIO211 first.

    Example: `fixtures/aio212_timeout_without_await/noop_blocking_call_another_rule_converts`.
    """

    code = "AIO212"
    name = "timeout-without-await"
    min_python = (3, 7)
    safety = Safety.SAFE
    equivalent_codes = ("ASYNC100",)
    trigger_words = ("timeout",)
    anchors = tuple(TIMEOUTS)

    def visit_With(self, node: cst.With) -> None:
        timeouts = [item for item in node.items if is_call_to(self.ctx, item.item, TIMEOUTS)]
        if not timeouts:
            return
        if node.asynchronous is None:
            for item in timeouts:
                self.report(item, SYNC_MESSAGE.format(self.ctx.call_name(item.item).rpartition(".")[2]))
            return
        last = node.items[-1]
        if last not in timeouts or awaits_anything(node.body):
            return
        message = MESSAGE.format(self.ctx.call_name(last.item).rpartition(".")[2])
        why = self._why_not_fixed(node, last)
        if why is not None:
            self.report(last, without_fix(message, why))
            return
        fix = self.fix(node).replace(node, _without_last_item(node))
        for receiver in m.findall(last.item, m.Attribute(value=m.Name())):
            drop_loop_binding_if_unused(self.ctx, fix, receiver.value)  # `timeout_at(loop.time() + t)`
        self.report(last, message, fix=fix, unsafe=not all(map(_constant, last.item.args)))

    def _why_not_fixed(self, node: cst.With, item: cst.WithItem) -> Optional[str]:
        if item.asname is not None:
            return "the timeout is bound with `as`"
        if any(self._made_awaited(call) for call in m.findall(node.body, m.Call())):
            return "another rule's fix for a call in it adds the `await` the timeout is for"
        kept = _without_last_item(node)
        if count_comments(node) > sum(map(count_comments, kept.nodes if isinstance(kept, cst.FlattenSentinel) else [kept])):
            return "a comment would be lost"
        return None


    def _made_awaited(self, call: cst.Call) -> bool:
        names = self.ctx.qualified_names(call.func)
        return any(name == anchor or name.startswith(anchor + ".") for name in names for anchor in _await_adding_anchors())


@lru_cache(maxsize=1)
def _await_adding_anchors() -> FrozenSet[str]:
    """What the rules that turn a call into an awaited one look for (their anchors): AIO207 (a
    forgotten ``await``) and the AIO3xx blocking calls (``time.sleep`` -> ``await asyncio.sleep``)."""
    from ..registry import all_rules

    rules = [rule for rule in all_rules() if rule.code == "AIO207" or rule.code.startswith("AIO3")]
    return frozenset(anchor for rule in rules for anchor in rule.anchors if not anchor.startswith("await "))


def _without_last_item(node: cst.With) -> Union[cst.With, cst.FlattenSentinel]:
    """``node`` without its last item; without its only item, the body as statements of the
    enclosing block, the first one taking the lines above ``node``."""
    if len(node.items) > 1:
        return node.with_changes(items=[*node.items[:-2], node.items[-2].with_changes(comma=node.items[-1].comma)])
    if isinstance(node.body, cst.SimpleStatementSuite):
        statements: List[cst.BaseStatement] = [cst.SimpleStatementLine(body=node.body.body)]
    else:
        statements = list(node.body.body)
    first = statements[0]
    statements[0] = first.with_changes(leading_lines=[*node.leading_lines, *first.leading_lines])
    return cst.FlattenSentinel(statements)


def _constant(arg: cst.Arg) -> bool:
    value = arg.value
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, (cst.Minus, cst.Plus)):
        value = value.expression
    is_none = isinstance(value, cst.Name) and value.value == "None"
    return arg.star == "" and (isinstance(value, (cst.Integer, cst.Float)) or is_none)
