import libcst as cst

from ..kit.imports import drop_import_if_unused
from ..kit.names import asyncio_names
from ..model import Safety
from ..rule import Rule

ISCOROUTINEFUNCTION = asyncio_names("iscoroutinefunction")


class AsyncioIscoroutinefunction(Rule):
    """Use ``inspect.iscoroutinefunction`` instead of the deprecated ``asyncio.iscoroutinefunction``.

    ## Why
    ``asyncio.iscoroutinefunction`` is deprecated since Python 3.14 and will be removed in
    3.16; it only existed to recognise generator-based ``@asyncio.coroutine`` functions,
    which were removed in 3.11. ``inspect.iscoroutinefunction`` is the supported check
    (``import inspect`` added, or reused):

    Example: `fixtures/aio406_asyncio_iscoroutinefunction/basic`.
    Example: `fixtures/aio406_asyncio_iscoroutinefunction/reuses_inspect_import`.

    A ``from asyncio import iscoroutinefunction`` that is no longer used is removed:

    Example: `fixtures/aio406_asyncio_iscoroutinefunction/from_import_removed`.

    ## Fix safety
    Unsafe: the two functions disagree on some objects. ``asyncio.iscoroutinefunction``
    also returns True for any callable whose ``_is_coroutine`` attribute is the private
    ``asyncio.coroutines._is_coroutine`` marker. Besides the legacy ``@asyncio.coroutine``
    decorator (gone since 3.11), that marker is set by ``asgiref.sync.markcoroutinefunction``
    on Python < 3.12 (Django's ``sync_to_async`` wrappers and async views) and by
    Cython-compiled ``async def`` functions; for those ``inspect.iscoroutinefunction``
    returns False, so a dispatcher may call an async handler without awaiting it.
    ``unittest.mock.AsyncMock`` is a coroutine function to both (checked on 3.10–3.13).
    Functions marked with ``inspect.markcoroutinefunction`` (3.12) are coroutine functions
    to both, because ``asyncio``'s version asks ``inspect`` first. The fix stays unsafe at
    every target, even 3.11+ where ``@asyncio.coroutine`` is gone: Cython and older asgiref
    releases still set the private marker. Apply it when no such callables reach the check.

    ## Limitations
    Only calls are rewritten; a bare reference (``check = asyncio.iscoroutinefunction``)
    is left alone. ``import asyncio`` is kept even when the rewrite leaves it unused.
    ``asyncio.iscoroutine`` is not deprecated and is not touched.
    """

    code = "AIO406"
    name = "asyncio-iscoroutinefunction"
    min_python = (3, 7)
    safety = Safety.UNSAFE
    trigger_words = ("iscoroutinefunction",)
    anchors = tuple(ISCOROUTINEFUNCTION)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        if not self.ctx.resolves_to(func, ISCOROUTINEFUNCTION):
            return
        fix = self.fix(node)
        fix.replace(func, fix.ref("inspect.iscoroutinefunction"))
        if isinstance(func, cst.Name):
            drop_import_if_unused(self.ctx, fix, func)
        self.report(
            node,
            "`asyncio.iscoroutinefunction` is deprecated (3.14): use `inspect.iscoroutinefunction`",
            fix=fix,
        )
