"""Where a coroutine may suspend: the points at which another task can run and a timeout or a
cancellation can reach it (``await``, ``async for``, ``async with``, ``yield`` in an async generator)."""

from __future__ import annotations

from typing import List

import libcst as cst

from .scope import own_nodes


def is_suspension_point(node: cst.CSTNode) -> bool:
    if isinstance(node, (cst.Await, cst.Yield)):
        return True
    return isinstance(node, (cst.For, cst.With, cst.CompFor)) and node.asynchronous is not None


def suspension_points(body: cst.CSTNode) -> List[cst.CSTNode]:
    """The points of ``body`` (not of a nested def, lambda or class) where a coroutine may
    suspend, ``body`` itself included when it is an ``async for``/``async with``."""
    return [node for node in own_nodes(body, cst.CSTNode) if is_suspension_point(node)]


def awaits_anything(body: cst.CSTNode) -> bool:
    return bool(suspension_points(body))
