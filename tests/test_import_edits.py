"""codemods/import_edits.py gives libcst's AddImportsVisitor / RemoveImportsVisitor results
byte for byte, and answers (rather than falling back to libcst) where it can be sure."""

from __future__ import annotations

import itertools
from typing import List, Optional, Sequence

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from asyncio_upgrade.codemods import import_edits
from asyncio_upgrade.codemods.api import process_source
from asyncio_upgrade.codemods.rule import ImportRequest

from golden import all_cases

R = ImportRequest


def libcst_added(code: str, requests: Sequence[ImportRequest]) -> str:
    context = CodemodContext()
    for r in requests:
        AddImportsVisitor.add_needed_import(context, r.module, r.obj, r.asname)
    return AddImportsVisitor(context).transform_module(cst.parse_module(code)).code


def libcst_removed(code: str, requests: Sequence[ImportRequest]) -> str:
    context = CodemodContext()
    for r in requests:
        RemoveImportsVisitor.remove_unused_import(context, r.module, r.obj, r.asname)
    return RemoveImportsVisitor(context).transform_module(cst.parse_module(code)).code


def ours_added(code: str, requests: Sequence[ImportRequest]) -> Optional[str]:
    module = import_edits.add_imports(cst.parse_module(code), requests)
    return None if module is None else module.code


def ours_removed(code: str, requests: Sequence[ImportRequest]) -> Optional[str]:
    module = import_edits.remove_unused_imports(cst.parse_module(code), requests)
    return None if module is None else module.code


HEADS = [
    "",
    '"""Docstring."""\n',
    "#!/usr/bin/env python\n# comment\n\n",
    "__strict__ = True\n",
    '"""Doc."""\nfrom __future__ import annotations\n',
    "'''doc''' ; x = 1\n",
    "f'not a docstring'\n",
]
IMPORT_BLOCKS = [
    "",
    "import os\n",
    "import time\n",
    "import asyncio\nimport time\n",
    "import asyncio as aio\n",
    "from asyncio import gather\n",
    "from asyncio import gather, sleep\n",
    "from asyncio import (\n    gather,  # first\n    sleep,\n)\n",
    "from asyncio import (  # why\n    gather,\n    # keep me\n    sleep,  # s\n)\n",
    "from asyncio import sleep as nap, gather\n",
    "from asyncio import *\n",
    "from . import time\n",
    "from .asyncio import gather\n",
    "import os, time\n",
    "import time, os  # two\n",
    "import time; import os\n",
    "from functools import partial\nimport functools\n",
    "try:\n    import time\nexcept ImportError:\n    time = None\n",
    "# lead\nimport time  # trail\n",
    "import time\nimport time\n",
    "from time import time\n",
    "import a.b\nimport a.b as c\n",
]
BODIES = [
    "\nx = 1\n",
    "# a comment first\nx = 1\n",
    "\n\ndef f():\n    return time.time()\n",
    "\n\nclass C:\n    t = time\n",
    "\n\ndef f():\n    import time\n    return 1\n",
    "\n\ndef f(time):\n    return time\n",
    "\n\ndef f():\n    time = 1\n    return time\n",
    "\nprint(gather, sleep, nap)\n",
    "\nx: 'gather' = 1\n",
    "\n__all__ = ['time', 'gather']\n",
    "\nloop.time()  # time\n",
    "\nvalues = [gather for _ in range(3)]\n",
    "\nf = lambda: aio.run\n",
    "\n\ndef g():\n    global time\n    time = 2\n",
    "\ndel time\n",
    "\nif True:\n    import asyncio\n",
    "\n\nasync def main():\n    await asyncio.sleep(1)\n",
    "\nfunctools.partial\npartial\n",
    "\n\nclass K:\n    def m(self):\n        return time\n",
]
ADD_REQUESTS = [
    [R("asyncio")],
    [R("asyncio"), R("asyncio")],
    [R("time"), R("asyncio")],
    [R("asyncio", "gather")],
    [R("asyncio", "TaskGroup"), R("asyncio", "timeout"), R("contextlib", "suppress")],
    [R("asyncio", None, "aio")],
    [R("asyncio", "sleep", "nap")],
    [R("asyncio", "run", "arun"), R("asyncio", "gather")],
    [R("functools", "partial"), R("functools")],
    [R("a.b")],
]
REMOVE_REQUESTS = [
    [R("time")],
    [R("asyncio", "gather")],
    [R("asyncio", "gather"), R("asyncio", "sleep")],
    [R("asyncio", "sleep", "nap")],
    [R("asyncio", None, "aio")],
    [R("asyncio")],
    [R("functools", "partial"), R("functools")],
    [R("os"), R("time")],
    [R("time", "time")],
    [R("a.b"), R("a.b", None, "c")],
]


def modules() -> List[str]:
    found = []
    """A third of the pairs of import block and body (each block meets six or seven bodies),
    each under one of the heads: libcst's visitors take ~50 ms a module."""
    for (i, block), (j, body) in itertools.product(enumerate(IMPORT_BLOCKS), enumerate(BODIES)):
        if (i + j) % 3:
            continue
        code = HEADS[(i + j) // 3 % len(HEADS)] + block + body
        try:
            compile(code, "<case>", "exec")
        except SyntaxError:
            continue
        found.append(code)
    return found


MODULES = modules()


@pytest.mark.parametrize("requests", ADD_REQUESTS, ids=repr)
def test_adding_imports_is_libcsts_result(requests: List[ImportRequest]) -> None:
    for code in MODULES:
        assert ours_added(code, requests) == libcst_added(code, requests), code


@pytest.mark.parametrize("requests", REMOVE_REQUESTS, ids=repr)
def test_removing_imports_is_libcsts_result_where_it_answers(requests: List[ImportRequest]) -> None:
    answered = 0
    for code in MODULES:
        ours = ours_removed(code, requests)
        if ours is not None:
            answered += 1
            assert ours == libcst_removed(code, requests), code
    assert answered > len(MODULES) // 3


@pytest.mark.parametrize(
    "code, requests, expected",
    [
        ("import time\n\nx = 1\n", [R("time")], "\nx = 1\n"),
        ("import time\n\ntime.time()\n", [R("time")], "import time\n\ntime.time()\n"),
        ("import time\n\n\ndef f():\n    return time.time()\n", [R("time")], "import time\n\n\ndef f():\n    return time.time()\n"),
        ("from asyncio import gather, sleep\n\nsleep\n", [R("asyncio", "gather")], "from asyncio import sleep\n\nsleep\n"),
        ("import asyncio as aio\n\nx = 1\n", [R("asyncio", None, "aio")], "\nx = 1\n"),
        ("import time\n\nloop.time()\n", [R("time")], "\nloop.time()\n"),  # an attribute is no use
    ],
)
def test_sure_answers_are_given_not_left_to_libcst(code: str, requests: List[ImportRequest], expected: str) -> None:
    assert ours_removed(code, requests) == expected == libcst_removed(code, requests)


@pytest.mark.parametrize(
    "code",
    [
        "import time\n\nx = 'time'\n",  # a string: libcst decides (it could be an annotation)
        "import time\n\n\ndef f():\n    import time\n",  # an import inside a function: libcst's walk
        "import time\n# time\n",
        "import time; x = 1\n",
    ],
)
def test_unsure_removals_are_left_to_libcst(code: str) -> None:
    assert ours_removed(code, [R("time")]) is None


def test_every_golden_fix_is_the_same_without_the_fast_path(monkeypatch) -> None:
    """All golden inputs, fixed with every rule: the same bytes whether imports are edited here
    or by libcst's visitors; and here answers almost every time."""
    calls = {"add": 0, "add answered": 0, "remove": 0, "remove answered": 0}
    real_add, real_remove = import_edits.add_imports, import_edits.remove_unused_imports

    def counting(kind, real):
        def wrapper(module, requests):
            calls[kind] += 1
            answer = real(module, requests)
            calls[f"{kind} answered"] += answer is not None
            return answer

        return wrapper

    cases = [c for c in all_cases() if c.changes]
    fast = {}
    monkeypatch.setattr(import_edits, "add_imports", counting("add", real_add))
    monkeypatch.setattr(import_edits, "remove_unused_imports", counting("remove", real_remove))
    for case in cases:
        fast[case.id] = process_source(case.input_path.read_bytes(), case.settings(None, black=None), fix=True)
    monkeypatch.setattr(import_edits, "add_imports", lambda module, requests: None)
    monkeypatch.setattr(import_edits, "remove_unused_imports", lambda module, requests: None)
    for case in cases:
        slow = process_source(case.input_path.read_bytes(), case.settings(None, black=None), fix=True)
        assert fast[case.id].new_source == slow.new_source, case.id
        assert fast[case.id].skipped == slow.skipped, case.id
    assert calls["add"] > 50 and calls["add answered"] == calls["add"], calls
    assert calls["remove"] > 50 and calls["remove answered"] >= 0.9 * calls["remove"], calls


def test_syntax_this_python_cannot_parse_is_left_to_libcst() -> None:
    """libcst parses 3.12's `type` statement; Python 3.11's ast and symtable do not."""
    code = "import time\n\ntype Seconds = float\n"
    try:
        compile(code, "<case>", "exec")
    except SyntaxError:
        assert ours_removed(code, [R("time")]) is None
    else:
        assert ours_removed(code, [R("time")]) == libcst_removed(code, [R("time")])
