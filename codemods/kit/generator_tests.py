"""Test methods that are plain generators (AIO701): asynctest runs what a test method returns
when ``asyncio.iscoroutine`` says it is a coroutine, which a generator is to 3.10, so an
undecorated ``def test_x(self): ... yield from f()`` ran as a task. As ``async def`` with
``await f()`` it runs the same, where every operand is proven awaitable (``await`` takes no
plain generator)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, List, Union

import libcst as cst

from .awaitables import certainly_awaitable
from .loop_tests import awaited_in_place, folded
from .scope import own_nodes
from .syntax import count_comments

if TYPE_CHECKING:
    from ..context import FileContext
    from ..rule import Fix

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


def convertible_yields(ctx: FileContext, func: cst.FunctionDef) -> Union[List[cst.Yield], str]:
    """The ``yield from`` of the test's own body, each to become an ``await``, or why the test
    cannot become a coroutine that does the same."""
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
    for y in yields:
        operand = y.value.item  # type: ignore[union-attr]
        if not certainly_awaitable(ctx, operand):
            return f"`{name}` is a generator whose `yield from {ctx.code_for(operand)}` is not proven awaitable"
        if count_comments(y) > count_comments(operand):
            return "a comment would be lost"
    return yields


def as_coroutine(ctx: FileContext, fix: "Fix", func: cst.FunctionDef, yields: List[cst.Yield]) -> cst.FunctionDef:
    """``func`` as ``async def``, each of ``yields`` an ``await`` of its operand, with the fix's
    edits inside it applied (and taken out of the fix)."""
    awaits = {y: functools.partial(_awaited_operand, ctx, y) for y in yields}
    return folded(fix, func, awaits).with_changes(asynchronous=cst.Asynchronous())  # type: ignore[return-value]


def _awaited_operand(ctx: FileContext, original: cst.Yield, updated: cst.Yield) -> cst.Await:
    return awaited_in_place(ctx, original, updated.value.item)  # type: ignore[union-attr]
