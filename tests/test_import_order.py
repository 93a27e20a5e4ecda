"""Added imports go where isort (default settings) would put them, else where libcst puts them."""

import sys

import libcst as cst
import pytest

from asyncio_upgrade.codemods.import_edits import with_imports_added
from asyncio_upgrade.codemods.import_order import placed_as_isort_would
from asyncio_upgrade.codemods.model import ImportRequest

pytestmark = pytest.mark.skipif(sys.version_info < (3, 10), reason="needs sys.stdlib_module_names")
ASYNCIO = [ImportRequest("asyncio", None, None)]


def added(code: str, requests=ASYNCIO) -> str:
    module = cst.parse_module(code)
    return placed_as_isort_would(module, with_imports_added(module, requests)).code


@pytest.mark.parametrize(
    "code, expected",
    [
        ("import json\nimport time\n\nx = 1\n", "import asyncio\nimport json\nimport time\n\nx = 1\n"),
        ("import abc\nimport time\n\nx = 1\n", "import abc\nimport asyncio\nimport time\n\nx = 1\n"),
        ("import time\nfrom asyncio import run\n\nx = 1\n", "import asyncio\nimport time\nfrom asyncio import run\n\nx = 1\n"),
        ("import requests\n\nx = 1\n", "import asyncio\n\nimport requests\n\nx = 1\n"),
        ('"""Doc."""\n\nimport time\n\nx = 1\n', '"""Doc."""\n\nimport asyncio\nimport time\n\nx = 1\n'),
        ("def f():\n    pass\n", "import asyncio\n\n\ndef f():\n    pass\n"),
    ],
    ids=["first", "middle", "straight-before-from", "before-third-party", "after-docstring", "two-lines-before-def"],
)
def test_added_import_is_placed_as_isort_would(code: str, expected: str) -> None:
    assert added(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "import time\nimport json\n\nx = 1\n",  # not sorted: isort would rewrite it anyway
        "import time\n# the clock\nimport zlib\n\nx = 1\n",  # a comment inside the block
        "import time, json\n\nx = 1\n",
        "from __future__ import annotations\n\nimport requests\n\nx = 1\n",
    ],
    ids=["unsorted", "comment", "two-names", "future-without-stdlib"],
)
def test_blocks_isort_would_change_keep_libcsts_placement(code: str) -> None:
    module = cst.parse_module(code)
    assert added(code) == with_imports_added(module, ASYNCIO).code
