"""StatementPositions gives libcst's PositionProvider and WhitespaceInclusivePositionProvider
ranges for every node, asked in any order."""

from __future__ import annotations

import random
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, WhitespaceInclusivePositionProvider

from asyncio_upgrade.codemods.context import parent_map
from asyncio_upgrade.codemods.positions import StatementPositions

from conftest import FIXTURES

STDLIB = Path(sysconfig.get_paths()["stdlib"])
STDLIB_FILES = ["asyncio/base_events.py", "asyncio/locks.py", "unittest/mock.py", "textwrap.py", "tokenize.py"]
ODD_SOURCES = {
    "empty": "",
    "only a comment": "# just this",
    "header and footer": "#!/usr/bin/env python\n\n# header\nx = 1\n\n# footer\n",
    "crlf": "import asyncio\r\n\r\nasync def f():\r\n    await asyncio.sleep(1)\r\n",
    "lone cr": "x = 1\ry = (2,\r     3)\r",
    "no trailing newline": "def f():\n    return 1",
    "continuations": "x = 1 + \\\n    2\nif x: y = 3; z = 4\n",
    "form feed and tabs": "\x0c\ndef f():\n\tif True:\n\t\treturn '''a\nb'''\n",
    "decorated and nested": "@a\n@b(1)\nclass C(\n    D,\n):\n    '''doc'''\n\n    @property\n    def p(self): ...\n",
    "semicolons": "import os; import sys;\nx = [\n    1,  # one\n    2,\n]\n",
}


def assert_same_ranges(code: str, seed: int = 0) -> None:
    module = cst.parse_module(code)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    syntactic = wrapper.resolve(PositionProvider)
    inclusive = wrapper.resolve(WhitespaceInclusivePositionProvider)
    nodes = [module, *parent_map(module)]
    random.Random(seed).shuffle(nodes)
    positions = StatementPositions(module, parent_map(module).get)
    for node in nodes:
        assert positions.syntactic(node) == syntactic[node], node
        assert positions.inclusive(node) == inclusive[node], node


@pytest.mark.parametrize("name", sorted(ODD_SOURCES))
def test_odd_sources(name: str) -> None:
    assert_same_ranges(ODD_SOURCES[name])


def test_nodes_of_one_statement_first() -> None:
    """Asking about nodes statement by statement (the usual order) before the module itself."""
    code = ODD_SOURCES["header and footer"] + ODD_SOURCES["decorated and nested"]
    module = cst.parse_module(code)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    parents = parent_map(module)
    positions = StatementPositions(module, parents.get)
    for node in [*parents, module]:
        assert positions.syntactic(node) == expected[node]


def test_every_golden_input() -> None:
    paths = sorted(FIXTURES.glob("*/*.input.py"))
    assert len(paths) > 500
    for seed, path in enumerate(paths):
        assert_same_ranges(path.read_bytes().decode("utf-8"), seed)


@pytest.mark.parametrize("relative", STDLIB_FILES)
def test_standard_library_files(relative: str) -> None:
    path = STDLIB / relative
    if not path.exists():
        pytest.skip(f"{relative} not in this Python")
    assert_same_ranges(path.read_text(encoding="utf-8"))


def test_a_node_not_in_the_tree_is_a_key_error() -> None:
    module = cst.parse_module("x = 1\n")
    positions = StatementPositions(module, parent_map(module).get)
    with pytest.raises(KeyError):
        positions.syntactic(cst.Name("stray"))
