"""Name resolution stays exact while scope analysis is skipped where the spelling already
answers: aliases, `from` imports, star imports, shadowing, and when scopes are computed."""

from __future__ import annotations

import libcst as cst
import pytest
from libcst.metadata import ScopeProvider

from asyncio_upgrade.codemods.api import process_source
from asyncio_upgrade.codemods.model import Safety, Settings
from asyncio_upgrade.codemods.rule import Rule

WANTED = frozenset({"asyncio.wait", "threading.Event.wait"})


class FindWait(Rule):
    """Reports calls of ``asyncio.wait`` or ``threading.Event.wait``.

    ## Why
    Test rule.

    ## Fix safety
    Test rule.

    ## Limitations
    Test rule.
    """

    code = "AIO998"
    name = "test-find-wait"
    safety = Safety.REPORT
    trigger_words = ("wait",)

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.resolves_to(node.func, WANTED):
            self.report(node, "wait")


def lines(source: str) -> list:
    result = process_source(source.encode(), Settings(), fix=False, rules=[FindWait])
    assert result.skipped is None, result.skipped
    return [f.line for f in result.findings]


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import asyncio\nasyncio.wait(x)\n", [2]),
        ("import asyncio as aio\naio.wait(x)\n", [2]),
        ("from asyncio import wait\nwait(x)\n", [2]),
        ("from asyncio import wait as w\nw(x)\n", [2]),
        ("from asyncio import (\n    sleep,\n    wait as \\\n    w,\n)\nw(x)\n", [6]),
        ("import threading\nthreading.Event.wait(e)\n", [2]),
        ("from threading import Event\nEvent.wait(e)\n", [2]),
        ("from asyncio import *\nwait(x)\n", []),
        ("self.event.wait()\n", []),
        ("import os\nos.wait()\n", []),
        ("import os, threading\nos.wait()\n", []),
        ("def f(asyncio):\n    asyncio.wait(x)\n", []),
        ("import asyncio\n\ndef f():\n    asyncio = None\n    asyncio.wait(x)\n", []),
        ("import asyncio\nfoo().wait(x)\n", []),
        ("import asyncio\nasyncio.wait_for(x, 1)\n", []),
        ("def f():\n    import asyncio as a\n    a.wait(x)\n", [3]),
    ],
)
def test_resolution_matches_scope_analysis(source: str, expected: list) -> None:
    assert lines(source) == expected


def test_no_scope_analysis_when_the_spelling_rules_it_out(monkeypatch) -> None:
    from asyncio_upgrade.codemods import context

    resolved = []
    original = context.resolve_scopes  # scope analysis, both of its providers

    def spy(wrapper):
        resolved.append(ScopeProvider)
        return original(wrapper)

    monkeypatch.setattr(context, "resolve_scopes", spy)
    assert lines("import os\n\ndef f(done):\n    done.wait()\n    os.getcwd()\n") == []
    assert ScopeProvider not in resolved
    assert lines("import asyncio\nasyncio.wait(x)\n") == [2]
    assert ScopeProvider not in resolved  # `asyncio` is bound only by a module-level import
    assert lines("import asyncio\n\ndef f():\n    asyncio.wait(x)\n    asyncio = 1\n") == []
    assert ScopeProvider in resolved  # a function rebinds `asyncio`: libcst's scopes decide
