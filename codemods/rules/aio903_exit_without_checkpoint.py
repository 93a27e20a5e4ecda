import libcst as cst
from ..lazy import matchers as m

from ..kit.checkpoint_flow import CheckpointFlow
from ..kit.checkpoints import (
    FIXTURES, add_checkpoint_after, add_checkpoint_before, exempt_from_checkpoint_rules, suspension_points,
)
from ..kit.findings import without_fix
from ..kit.scope import decorated_with
from ..model import Safety
from ..rule import Rule

MESSAGES = {
    "end": "`async def {}` can finish without a checkpoint (an `await`, `async for` or `async with`) on some path",
    "return": "`return` from `async def {}` reached without a checkpoint on some path",
    "yield": "`yield` in `async def {}` reached without a checkpoint since the start or the previous `yield`",
}


class ExitWithoutCheckpoint(Rule):
    """Flag coroutine paths that can finish, or yield, without passing an ``await`` (opt-in).

    ## Why
    Callers expect awaiting a coroutine to be a point where other tasks may run and where a
    timeout or ``task.cancel()`` can take effect. A coroutine with a path that returns
    without any ``await``, ``async for`` or ``async with`` (a cache hit, an early ``return``,
    an ``except`` that swallows the error) runs straight through on that path: a loop
    awaiting it can starve every other task, and a timeout around it never fires. In an
    async generator the same holds between one ``yield`` and the next. This is trio's
    checkpoint discipline applied to asyncio, an opinion, hence opt-in: ``--select AIO903``.
    flake8-async's ASYNC910 (functions) and ASYNC911 (async generators).

    ## Fix safety
    Unsafe: the fix puts ``await asyncio.sleep(0)`` on its own line before each unchecked
    ``return`` or ``yield``, and at the end of a body that can finish unchecked (flake8-async
    inserts trio's ``checkpoint()`` there, and refuses to for asyncio). The coroutine now yields
    to the event loop at that point: other tasks run there, and a pending cancellation or an
    expired timeout is delivered there, so the interleaving and the exceptions that can occur
    change; only timing changes when neither is pending. An exit that is not a statement of its
    own line (``if x: return``, a ``yield`` inside a larger statement with another) is reported
    without a fix.

    Example: `fixtures/aio903_exit_without_checkpoint/runs_the_same`.

    The difference from trio matters: in asyncio an ``await`` is only a potential checkpoint
    (awaiting a coroutine that never waits on an unfinished future does not suspend), and so are
    ``async for`` and ``async with``; this rule, like flake8-async, counts every one as a
    checkpoint, so a path it accepts is not proven to suspend. ``await asyncio.sleep(0)`` is the
    one form that always does.

    ## Limitations
    Paths are followed through ``if``/``elif``/``else``, loops (a ``for`` or ``while`` body may
    run zero times; ``else`` clauses, ``break`` and ``continue``), ``try`` (an exception may
    leave the body before anything in it ran, so every handler must checkpoint or raise),
    ``with`` and ``match``; ``and``/``or`` and conditional expressions count only their first
    operand. A ``raise`` is an accepted exit. Stubs, ``@overload`` signatures and pytest
    fixtures are left alone, and so is an ``__aenter__`` or ``__aexit__`` that never awaits when
    its partner in the class does (or is inherited: the class has a base), as flake8-async does.
    """

    code = "AIO903"
    name = "exit-without-checkpoint"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    selected_by_default = False
    equivalent_codes = ("ASYNC910", "ASYNC911")
    trigger_words = ("async",)
    needs_async_def = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is None or exempt_from_checkpoint_rules(self.ctx, node):
            return
        if decorated_with(self.ctx, node, FIXTURES) or self._context_manager_half(node):
            return
        for exit_node, kind in CheckpointFlow(self.ctx, node).unchecked:
            message = MESSAGES[kind].format(node.name.value)
            if kind == "end" and isinstance(node.body, cst.IndentedBlock):
                fix = self.fix(node.body.body[-1])
                add_checkpoint_after(fix, node.body.body[-1])
            elif not add_checkpoint_before(self.ctx, fix := self.fix(exit_node), self._own_line(exit_node)):
                self.report(exit_node, without_fix(message, "not on a line of its own"))
                continue
            self.report(exit_node, message, fix=fix)

    def _own_line(self, node: cst.CSTNode) -> cst.CSTNode:
        """The line ``node`` (a ``return`` or a ``yield``) is the only exit of, or ``node``."""
        line = node
        while line is not None and not isinstance(line, cst.BaseStatement):
            line = self.ctx.parent(line)
        only = isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1
        return line if only and len(m.findall(line, m.Yield())) <= 1 else node

    def _context_manager_half(self, node: cst.FunctionDef) -> bool:
        """An ``__aenter__``/``__aexit__`` that never awaits while its partner does: entering and
        leaving together still checkpoint. With neither awaiting, ``__aenter__`` alone is
        reported; a partner not in the class is taken as inherited when the class has a base."""
        partners = {"__aenter__": "__aexit__", "__aexit__": "__aenter__"}
        block = self.ctx.parent(node)
        owner = self.ctx.parent(block) if block is not None else None
        if node.name.value not in partners or not isinstance(owner, cst.ClassDef) or suspension_points(node.body):
            return False
        partner = next((s for s in block.body if m.matches(s, m.FunctionDef(m.Name(partners[node.name.value])))), None)
        if partner is None:
            return any(base.keyword is None for base in owner.bases)
        return bool(suspension_points(partner.body)) or node.name.value == "__aexit__"
