from typing import Any, List, Optional, Tuple, Union

import libcst as cst
from ..lazy import matchers as m

from ..kit.findings import ReportsApiUses, without_fix
from ..kit.imports import drop_import_if_unused
from ..kit.names import asyncio_names
from ..kit.statements import statement_in
from ..kit.syntax import append_keyword_arg, count_comments, is_literal, keyword_arg, sole_positional_arg
from ..model import Safety
from ..rule import Fix, Rule

SET_POLICY = asyncio_names("set_event_loop_policy") | {"uvloop.install"}
SELECTOR_POLICY = asyncio_names("WindowsSelectorEventLoopPolicy")
UVLOOP_POLICY = frozenset({"uvloop.EventLoopPolicy"})
POLICY_API = SET_POLICY | SELECTOR_POLICY | UVLOOP_POLICY | asyncio_names(
    "get_event_loop_policy", "DefaultEventLoopPolicy", "AbstractEventLoopPolicy", "BaseDefaultEventLoopPolicy",
    "WindowsProactorEventLoopPolicy",
)
RUN = asyncio_names("run")
# Anything else that makes a loop from the policy, so the policy is not set for one run alone.
OTHER_LOOPS = asyncio_names("new_event_loop", "Runner", "get_event_loop_policy") | {"uvloop.run", "uvloop.new_event_loop"}
GET_LOOP = asyncio_names("get_event_loop")
PURE_CALLS = frozenset({"platform.system", "builtins.hasattr"})


class EventLoopPolicy(ReportsApiUses, Rule):
    """Pass ``loop_factory=`` to ``asyncio.run`` instead of setting an event-loop policy for it.

    ## Why
    Event-loop policies are deprecated since Python 3.14 (removal 3.16). A policy set just so
    that the module's one ``asyncio.run`` gets a certain loop becomes a loop factory (3.12);
    the policy is deleted, and a platform test guarding it moves into the factory:

    Example: `fixtures/aio103_event_loop_policy/basic`.
    Example: `fixtures/aio103_event_loop_policy/platform_guard`.

    uvloop's ``install()`` or policy becomes ``uvloop.run`` (guarded: ``loop_factory=uvloop.new_event_loop``):

    Example: `fixtures/aio103_event_loop_policy/uvloop_install_attribute`.
    Example: `fixtures/aio103_event_loop_policy/uvloop_policy`.
    Example: `fixtures/aio103_event_loop_policy/uvloop_guarded`.

    The Windows selector policy's loop is ``SelectorEventLoop``, and off Windows that name is
    the default loop, so the factory is right everywhere. Other policy uses
    (``get_event_loop_policy()``, custom/default/Proactor policies, ``set_event_loop_policy(None)``)
    are reported.

    ## Fix safety
    Unsafe: a policy is process-wide, a factory serves one run. Loops made elsewhere (a
    library calling ``new_event_loop()`` or ``asyncio.run`` in a thread, code reading
    ``get_event_loop_policy()``) no longer get the policy's loop (on Windows: Proactor again),
    and with a factory the runner does not ``set_event_loop`` its loop. ``uvloop.run`` needs
    uvloop >= 0.18. Offered only when the module has exactly one ``asyncio.run`` and no other
    ``Runner``, ``new_event_loop``, ``get_event_loop_policy``, ``uvloop.run`` or sync
    ``get_event_loop`` (calls or references), and the run follows the policy in the same
    function body (possibly inside ``try``/``with``/``if``), never in a ``def`` below it.

    ## Limitations
    A guard is kept only for an ``if`` without ``else`` holding just the policy call, right
    before the run, whose test calls nothing but ``startswith``, ``hasattr`` or
    ``platform.system()``. Policies set in ``try``/``except ImportError``, lines with a trailing
    or inner comment, and runs with ``loop_factory=`` or ``**kwargs`` are reported. Below a
    3.12 target nothing is reported, since the replacement needs 3.12.
    """

    code = "AIO103"
    name = "event-loop-policy"
    min_python = (3, 12)
    safety = Safety.UNSAFE
    trigger_words = ("EventLoopPolicy", "event_loop_policy", "uvloop")
    anchors = tuple(POLICY_API)
    REPORTED_API = POLICY_API - SET_POLICY  # setters are reported as a whole

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self._setters: List[cst.Call] = []
        self._runs: List[cst.Call] = []
        self._loop_makers = 0
        self._in_setter = 0

    def visit_Call(self, node: cst.Call) -> None:
        names = self.ctx.qualified_names(node.func)
        if names and names <= SET_POLICY:
            self._setters.append(node)
            self._in_setter += 1
        elif names and names <= RUN:
            self._runs.append(node)

    def saw_reference(self, node: cst.BaseExpression) -> None:
        names = self.ctx.qualified_names(node)
        if names and (names <= RUN | OTHER_LOOPS or (names <= GET_LOOP and not self.ctx.in_coroutine())):
            self._loop_makers += 1  # calls, and references such as Thread(target=asyncio.run)
        super().saw_reference(node)

    def leave_Call(self, node: cst.Call) -> None:
        if self._setters and self._setters[-1] is node:
            self._in_setter -= 1

    def api_uses_muted(self) -> bool:
        return bool(self._in_setter)

    def api_use_message(self, spelling: str) -> str:
        return f"`{spelling}`: event-loop policies are deprecated (3.14)"

    def leave_Module(self, node: cst.Module) -> None:
        for setter in self._setters:
            message = "event-loop policy: pass `loop_factory=` to `asyncio.run` instead (policies deprecated 3.14)"
            fix = self._fix(setter)
            if isinstance(fix, str):
                self.report(setter, without_fix(message, fix))
            else:
                self.report(setter, message, fix=fix)

    def _fix(self, setter: cst.Call) -> Union[Fix, str]:
        factory = self._factory(setter)
        if factory is None and len(setter.args) == 1 and is_literal(setter.args[0].value, None):
            return "it restores the default policy; drop it once nothing sets one"
        if factory is None:
            return "not a WindowsSelectorEventLoopPolicy or uvloop policy"
        if not self._runs:
            return "no `asyncio.run` in this module to give a loop factory to"
        if len(self._setters) > 1 or len(self._runs) > 1 or self._loop_makers != 1:
            return "the module sets a policy or makes a loop more than once"
        run = self._runs[0]
        if keyword_arg(run, "loop_factory") or any(arg.star == "**" for arg in run.args):
            return "`asyncio.run` already has loop_factory= or **kwargs"
        found = self._statements(setter, run)
        if found is None:
            return "`asyncio.run` does not follow it in the same block, or a comment would be lost"
        removed, later, test = found
        fix = self.fix(run)
        if factory == "uvloop" and test is None:
            new_run = run.with_changes(func=fix.ref("uvloop.run"))
        else:
            value = fix.ref("uvloop.new_event_loop" if factory == "uvloop" else "asyncio.SelectorEventLoop")
            if test is not None:
                value = cst.IfExp(test=test, body=value, orelse=cst.Name("None"))
            new_run = append_keyword_arg(run, "loop_factory", value)
        if removed.leading_lines:  # keep the blank and comment lines above the deleted statement
            lines = [*removed.leading_lines, *later.leading_lines]
            fix.replace(later, later.deep_replace(run, new_run).with_changes(leading_lines=lines))
        else:
            fix.replace(run, new_run)
        fix.remove(removed)
        for name in m.findall(removed, m.Name()):
            if self.ctx.resolves_to(name, POLICY_API):
                drop_import_if_unused(self.ctx, fix, name)
        return fix

    def _factory(self, setter: cst.Call) -> Optional[str]:
        if self.ctx.resolves_to(setter.func, {"uvloop.install"}):
            return None if setter.args else "uvloop"
        policy = sole_positional_arg(setter)
        if not isinstance(policy, cst.Call) or policy.args:
            return None
        if self.ctx.resolves_to(policy.func, SELECTOR_POLICY):
            return "selector"
        return "uvloop" if self.ctx.resolves_to(policy.func, UVLOOP_POLICY) else None

    def _statements(self, setter: cst.Call, run: cst.Call) -> Optional[Tuple[Any, Any, Optional[cst.BaseExpression]]]:
        """(statement to delete, statement holding ``run``, guard test or None) when ``run``
        follows ``setter`` in one block."""
        expr = self.ctx.parent(setter)
        holder = self.ctx.parent(expr)
        if not isinstance(expr, cst.Expr) or len(getattr(holder, "body", ())) != 1:
            return None
        removed, test = holder, None
        block = self.ctx.parent(holder)
        guard = block if isinstance(holder, cst.SimpleStatementSuite) else self.ctx.parent(block)
        if isinstance(holder, cst.SimpleStatementSuite) or (isinstance(guard, cst.If) and len(block.body) == 1):
            if not (isinstance(guard, cst.If) and guard.orelse is None and self._pure(guard.test)):
                return None
            removed, test = guard, guard.test
            block = self.ctx.parent(guard)
        if not isinstance(block, (cst.IndentedBlock, cst.Module)) or count_comments(
            removed.with_changes(leading_lines=[])  # the lines above move down, comments and all
        ):
            return None
        later = statement_in(self.ctx, block, run)
        if later is None:
            return None
        body = list(block.body)
        index = body.index(removed)
        if body.index(later) <= index or (test is not None and body.index(later) != index + 1):
            return None
        return removed, later, test

    def _pure(self, test: cst.BaseExpression) -> bool:
        if m.findall(test, m.Await() | m.NamedExpr() | m.Yield() | m.Lambda() | m.IfExp()):
            return False
        for call in m.findall(test, m.Call()):
            if self.ctx.call_name(call) not in PURE_CALLS and not m.matches(
                call.func, m.Attribute(attr=m.Name("startswith"))
            ):
                return False
        return True
