"""Test methods that are plain generators (AIO701): asynctest runs what a test method returns
when ``asyncio.iscoroutine`` says it is a coroutine, which a generator is to 3.10, so an
undecorated ``def test_x(self): ... yield from f()`` ran as a task. As ``async def`` with
``await f()`` it runs the same, where every operand is proven awaitable (``await`` takes no
plain generator)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Union

import libcst as cst

from .awaitables import certainly_awaitable
from .loop_tests import awaited_in_place
from .scope import own_nodes
from .syntax import count_comments

if TYPE_CHECKING:
    from ..context import FileContext

# Decorators that leave the function to the test case (skip it, or mark it), so that asynctest
# ran the generator as a test of its own.
MARKING_DECORATORS = frozenset(
    f"{module}.{name}"
    for module in ("unittest", "asynctest", "asynctest.case")
    for name in ("skip", "skipIf", "skipUnless", "expectedFailure")
)


def is_generator_test(func: cst.FunctionDef) -> bool:
    """A plain ``def test...`` whose own body yields: what asynctest ran as a coroutine."""
    return func.asynchronous is None and func.name.value.startswith("test") and bool(own_nodes(func.body, cst.Yield))


def awaits_for_yields(ctx: FileContext, func: cst.FunctionDef) -> Union[Dict[cst.Yield, cst.Await], str]:
    """``await x`` for each ``yield from x`` of the test's own body, or why it cannot become a
    coroutine that does the same."""
    name = func.name.value
    for decorator in func.decorators:
        target = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
        names = ctx.qualified_names(target)
        if not names or not all(n in MARKING_DECORATORS or n.startswith("pytest.mark.") for n in names):
            return f"`{name}` is a generator under a decorator that may wrap it: make it `async def` by hand"
    if "\n" in ctx.code_for(func.params):
        return f"`{name}` is a generator whose parameters span lines: make it `async def` by hand"
    yields: List[cst.Yield] = own_nodes(func.body, cst.Yield)  # type: ignore[assignment]
    if any(not isinstance(y.value, cst.From) for y in yields):
        return f"`{name}` is a generator with a plain `yield`: make it `async def` by hand"
    awaits = {}
    for y in yields:
        operand = y.value.item  # type: ignore[union-attr]
        if not certainly_awaitable(ctx, operand):
            return f"`{name}` is a generator whose `yield from {ctx.code_for(operand)}` is not proven awaitable"
        awaits[y] = awaited_in_place(ctx, y, operand)
        if count_comments(y) > count_comments(operand):
            return "a comment would be lost"
    return awaits
