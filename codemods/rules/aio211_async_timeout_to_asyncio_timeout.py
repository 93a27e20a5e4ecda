from typing import Optional

import libcst as cst
from ..lazy import matchers as m

from ..kit.findings import without_fix
from ..kit.imports import drop_import_if_unused
from ..kit.reraise import timeout_caught_blindly
from ..kit.syntax import as_operand
from ..kit.threads import is_within
from ..model import Safety
from ..rule import Fix, Rule

FACTORIES = {"async_timeout.timeout": "asyncio.timeout", "async_timeout.timeout_at": "asyncio.timeout_at"}
# async_timeout's keyword for each factory, and asyncio's.
KEYWORDS = {"async_timeout.timeout": ("delay", "delay"), "async_timeout.timeout_at": ("deadline", "when")}
NATIVE = {"when", "reschedule"}  # asyncio.Timeout's own API (also on async_timeout 5): kept as is
class AsyncTimeoutPackage(Rule):
    """Use ``asyncio.timeout()`` / ``asyncio.timeout_at()`` instead of the ``async_timeout`` package.

    ## Why
    ``async_timeout`` was the model for ``asyncio.timeout`` (3.11). On 3.11+ the standard one
    needs no dependency, and async-timeout 5 is itself a thin subclass of ``asyncio.Timeout``.

    ## Fix safety
    ``async with async_timeout.timeout(t)`` becomes ``async with asyncio.timeout(t)`` (and
    ``timeout_at(deadline)`` becomes ``asyncio.timeout_at(deadline)``); the unused
    ``async_timeout`` import is dropped. Both fire at the same loop time and raise the same
    ``TimeoutError`` class, but not chained the same way: async-timeout 4 raises it inside
    ``__aexit__`` (``raise asyncio.TimeoutError``: the ``CancelledError`` is its
    ``__context__``, ``__suppress_context__`` is false), ``asyncio.timeout`` raises
    ``TimeoutError from`` the ``CancelledError`` (``__cause__`` set, ``__suppress_context__``
    true), so a printed or logged traceback reads differently and a handler can tell. The fix
    is therefore safe only where nobody can look: the block is in a ``try`` of the same function
    (through ``if``/``for``/``while`` only, no ``with`` in between) whose first handler that can
    catch the ``TimeoutError`` names it (``TimeoutError``, ``asyncio.TimeoutError``, ``OSError``,
    ``Exception``...; a type the rule does not know makes the site unsafe), binds no name,
    raises nothing, and reads no exception (``sys.exc_info``, ``traceback``, ``.exception()``,
    ``exc_info=``); a function that handler calls is trusted not to format the exception being
    handled.

    Example: `fixtures/aio211_async_timeout_to_asyncio_timeout/caught_where_it_fires`.

    Everything else is unsafe, the reason in the finding:
    `fixtures/aio211_async_timeout_to_asyncio_timeout/noop_escapes_the_function_safe_only`,
    `fixtures/aio211_async_timeout_to_asyncio_timeout/noop_handler_chains_exception_safe_only`,
    `fixtures/aio211_async_timeout_to_asyncio_timeout/noop_handler_logs_traceback_safe_only`.
    One more difference is a race, not a working program: when the task is also cancelled
    from outside just as the timeout fires, async-timeout 4 turned that cancellation into
    ``TimeoutError`` (losing it), while ``asyncio.timeout`` lets the ``CancelledError`` through.
    async-timeout 5 on 3.11+ is a thin subclass of ``asyncio.Timeout``, where nothing differs.
    (No case runs the original: async-timeout is not installed on the Pythons the harness runs.)

    The context object bound with ``as cm`` is an ``asyncio.Timeout`` afterwards, so its uses
    are rewritten in the same fix, per attribute:
    - ``cm.expired`` (a property) becomes ``cm.expired()`` (a method in asyncio; the bare
      attribute would always be true); ``cm.deadline`` becomes ``cm.when()``;
      ``cm.reject()`` becomes ``cm.reschedule(None)``; ``cm.update(d)`` becomes
      ``cm.reschedule(d)``. These are exactly what async-timeout 5 does on 3.11+: safe.
    - ``cm.shift(d)`` becomes ``cm.reschedule(cm.when() + d)``: unsafe, because with no deadline
      it raises ``TypeError`` where async-timeout raised ``RuntimeError``.
    - ``cm.expired()``, ``cm.when()``, ``cm.reschedule(d)`` already work on both and stay.
    - ``cm.reject()``/``cm.update()`` called after the block: unsafe, async-timeout refuses with
      ``RuntimeError("invalid state EXIT")``, asyncio with another message
      (`fixtures/aio211_async_timeout_to_asyncio_timeout/noop_reject_after_block_safe_only`).

    ## Limitations
    Reported without a fix: a call that is not directly an ``async with`` item (a sync ``with``,
    which ``asyncio.timeout`` does not support, or a stored timeout object), ``loop=``, ``*args``,
    and a bound ``cm`` used any other way (``remaining`` and ``timeout`` from async-timeout 3,
    passed to a function, rebound, bound to an attribute). ``async_timeout.Timeout`` is left
    alone. async-timeout before 2.0 treated ``timeout(0)`` as no timeout; that is not checked.
    """

    code = "AIO211"
    name = "async-timeout-package"
    min_python = (3, 11)
    safety = Safety.SAFE
    trigger_words = ("async_timeout",)
    anchors = tuple(set(FACTORIES))

    def visit_Call(self, node: cst.Call) -> None:
        name = self.ctx.call_name(node)
        if name not in FACTORIES:
            return
        message = f"`{name}()`: use `{FACTORIES[name]}()`"
        item = self.ctx.parent(node)
        statement = self.ctx.parent(item)
        fix = self.fix(node)
        args = _renamed_args(node, *KEYWORDS[name])
        unsafe: Optional[bool] = False
        in_async_with = isinstance(statement, cst.With) and statement.asynchronous is not None
        if not isinstance(item, cst.WithItem) or not in_async_with:
            why = "not an `async with` item"
        elif args is None:
            why = "arguments asyncio does not take"
        elif item.asname is not None and (unsafe := self._rewrite_uses(fix, item.asname.name)) is None:
            why = "the timeout object is used in a way asyncio lacks"
        else:
            why = None
        if why is not None:
            self.report(node, without_fix(message, why))
            return
        fix.replace(node, node.with_changes(func=fix.ref(FACTORIES[name]), args=args))
        drop_import_if_unused(self.ctx, fix, node.func)
        if unsafe:
            message += " (unsafe: `shift()` with no deadline raises `TypeError`, not `RuntimeError`)"
        elif not timeout_caught_blindly(self.ctx, statement):
            message += (
                " (unsafe: the `TimeoutError` now has the `CancelledError` as `__cause__`, not only"
                " as `__context__`, which a traceback or a handler outside this `try` can show)"
            )
            unsafe = True
        elif item.asname is not None and self._changes_state_after(statement, item.asname.name):
            message += " (unsafe: after the block, `reject()`/`update()` fail with another `RuntimeError`)"
            unsafe = True
        self.report(node, message, fix=fix, unsafe=unsafe)

    def _changes_state_after(self, statement: cst.With, target: cst.BaseExpression) -> bool:
        """Is ``cm.reject()``/``cm.update()`` called outside the block (where async-timeout
        and asyncio refuse with different errors)?"""
        scope = self.ctx.scope(target)
        if not isinstance(target, cst.Name) or scope is None:
            return False
        for assignment in scope.assignments[target.value]:
            for access in assignment.references:
                attr = self.ctx.parent(access.node)
                if isinstance(attr, cst.Attribute) and attr.attr.value in ("reject", "update"):
                    if not is_within(self.ctx, access.node, statement.body):
                        return True
        return False

    def _rewrite_uses(self, fix: Fix, target: cst.BaseExpression) -> Optional[bool]:
        """Edit every use of ``as target``; True if one is unsafe, None if one cannot be done."""
        scope = self.ctx.scope(target)
        if not isinstance(target, cst.Name) or scope is None or len(scope.assignments[target.value]) != 1:
            return None
        unsafe = False
        (assignment,) = scope.assignments[target.value]
        for access in assignment.references:
            attr = self.ctx.parent(access.node)
            if not isinstance(attr, cst.Attribute) or attr.value is not access.node:
                return None
            call = self.ctx.parent(attr)
            call = call if isinstance(call, cst.Call) and call.func is attr else None
            method = attr.with_changes(lpar=[], rpar=[])
            name = attr.attr.value
            if call is not None and (name in NATIVE or name == "expired" and not call.args):
                continue
            if isinstance(self.ctx.parent(attr), (cst.AssignTarget, cst.AugAssign, cst.Del)):
                return None
            if name in ("expired", "deadline") and call is None:
                new_name = cst.Name("expired" if name == "expired" else "when")
                new = cst.Call(method.with_changes(attr=new_name), lpar=attr.lpar, rpar=attr.rpar)
                fix.replace(attr, new)
                continue
            uses_itself = any(m.findall(a, m.Name(target.value)) for a in call.args) if call else False
            if call is None or uses_itself or any(a.keyword or a.star for a in call.args):
                return None  # keywords, or `cm` itself in the arguments (nested edits)
            if name == "reject" and not call.args:
                argument = cst.Name("None")
            elif name == "update" and len(call.args) == 1:
                argument = call.args[0].value
            elif name == "shift" and len(call.args) == 1:
                delay = call.args[0].value
                delay = as_operand(delay)
                when = cst.Call(method.with_changes(attr=cst.Name("when")))
                argument, unsafe = cst.BinaryOperation(when, cst.Add(), delay), True
            else:
                return None
            arg = call.args[0].with_changes(value=argument) if call.args else cst.Arg(argument)
            reschedule = method.with_changes(attr=cst.Name("reschedule"))
            fix.replace(call, call.with_changes(func=reschedule, args=[arg]))
        return unsafe


def _renamed_args(call: cst.Call, old: str, new: str) -> Optional[list]:
    """The call's single argument, its keyword renamed from async_timeout's to asyncio's."""
    if len(call.args) != 1 or call.args[0].star:
        return None
    arg = call.args[0]
    if arg.keyword is None:
        return [arg]
    return [arg.with_changes(keyword=cst.Name(new))] if arg.keyword.value == old else None
