from typing import List, Optional

import libcst as cst

from ..kit.bindings import drop_loop_binding_if_unused
from ..kit.findings import without_fix
from ..kit.names import GET_EVENT_LOOP, GET_RUNNING_LOOP
from ..kit.syntax import count_comments, is_literal, method_receiver
from ..kit.values import is_running_loop
from ..model import Safety
from ..rule import Fix, Rule

PARTIAL = frozenset({"functools.partial"})


class RunInExecutorDefault(Rule):
    """Use ``await asyncio.to_thread(fn, ...)`` instead of ``loop.run_in_executor(None, fn, ...)``.

    ## Why
    ``asyncio.to_thread`` (3.9) runs a blocking function in the default executor without
    fetching the loop first, and takes keyword arguments, so the ``functools.partial``
    wrapper becomes unnecessary: ``await loop.run_in_executor(None, partial(f, a, k=v))``
    reads ``await asyncio.to_thread(f, a, k=v)``.

    ## Fix safety
    Unsafe. Both run the function in the loop's default executor and cancelling the
    ``await`` does not stop the thread in either, but ``to_thread`` runs the function in a
    copy of the caller's ``contextvars`` context, while ``run_in_executor`` runs it in the
    worker thread's own context. Code in the function that reads context variables (the
    ``decimal`` context, request ids, tracing scopes) sees the caller's values after the fix,
    and values it sets no longer stay behind in the worker thread. A
    ``loop = asyncio.get_running_loop()`` line left unused is removed (in a coroutine it only
    binds the name), unless it holds a comment.

    ## Limitations
    Only ``None`` as the executor, only where the loop is provably the running loop
    (``asyncio.get_running_loop()``, or ``get_event_loop()`` in a coroutine, called on the
    spot or bound once in the same coroutine), and only where the call is awaited on the
    spot. A future that is stored or passed on (to ``gather``, say) is reported without a
    fix: ``to_thread`` returns a coroutine, which cannot be awaited twice or cancelled
    before it runs. A ``partial`` is unwrapped only when no argument order changes.
    """

    code = "AIO206"
    name = "run-in-executor-default"
    min_python = (3, 9)
    safety = Safety.UNSAFE
    trigger_words = ("run_in_executor",)
    anchors = tuple(GET_RUNNING_LOOP | GET_EVENT_LOOP)
    needs_async_def = True

    def visit_Call(self, node: cst.Call) -> None:
        loop = method_receiver(node, "run_in_executor")
        if loop is None or not self.ctx.in_coroutine() or not is_running_loop(self.ctx, loop):
            return
        args = node.args
        if len(args) < 2 or any(arg.keyword is not None for arg in args) or args[0].star or args[1].star:
            return
        if not is_literal(args[0].value, None):
            return
        message = "`run_in_executor(None, ...)` on the running loop: use `asyncio.to_thread()`"
        if not self.ctx.is_awaited(node):
            self.report(node, without_fix(message, "not awaited on the spot"))
            return
        fix = self.fix(node)
        new_args = self._unwrap_partial(args[1].value, list(args[2:]))
        if new_args is None:
            new_args = list(args[1:])
        else:
            self._drop_partial_import(fix, args[1].value)
        new_call = node.with_changes(func=fix.ref("asyncio.to_thread"), args=new_args)
        if count_comments(new_call) < count_comments(node):
            self.report(node, without_fix(message, "a comment would be lost"))
            return
        drop_loop_binding_if_unused(self.ctx, fix, loop)
        self.report(node, message, fix=fix.replace(node, new_call))

    def _unwrap_partial(self, fn: cst.BaseExpression, rest: List[cst.Arg]) -> Optional[List[cst.Arg]]:
        """``partial(f, a, k=v)`` plus ``rest`` as the arguments of ``to_thread``, or None."""
        if not isinstance(fn, cst.Call) or not self.ctx.resolves_to(fn.func, PARTIAL):
            return None
        inner = list(fn.args)
        if not inner or inner[0].keyword is not None or inner[0].star:
            return None
        has_keywords = any(arg.keyword is not None or arg.star == "**" for arg in inner)
        if has_keywords and rest:
            return None  # `rest` would move before the keywords: evaluation order changes
        return inner + rest

    @staticmethod
    def _drop_partial_import(fix: Fix, fn: cst.BaseExpression) -> None:
        if isinstance(fn, cst.Call) and isinstance(fn.func, cst.Name):
            fix.remove_import_if_unused("functools", "partial")
        elif isinstance(fn, cst.Call) and isinstance(fn.func, cst.Attribute):
            fix.remove_import_if_unused("functools")
