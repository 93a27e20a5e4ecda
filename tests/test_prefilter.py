"""The prefilter keeps every rule that could fire and drops the rest, without libcst."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import pytest

from asyncio_upgrade.codemods.kit.names import asyncio_names
from asyncio_upgrade.codemods.prefilter import (
    EXCEPT_STAR,
    SourceFacts,
    awaited_method,
    expanded_anchors,
    rules_by_text,
    rules_that_may_fire,
    short_anchors,
)


@dataclass(frozen=True)
class Rule:
    trigger_words: Tuple[str, ...]
    anchors: Tuple[str, ...] = ()
    needs_async_def: bool = False


GATHER = Rule(("gather",), ("asyncio.gather", "asyncio.tasks.gather"))
SLEEP = Rule(("sleep",), ("time.sleep",), needs_async_def=True)
OPEN = Rule(("open", "read_", "write_"), ("builtins.open", "pathlib"), needs_async_def=True)
GATHER_EVERY_SPELLING = Rule(("gather",), tuple(sorted(asyncio_names("gather"))))
ACQUIRE = Rule(("await", "yield from", "acquire"), ("asyncio.Lock", awaited_method("acquire")))


def fires(source: str, rule: Rule) -> bool:
    return rules_that_may_fire(source, [rule]) == [rule]


@pytest.mark.parametrize(
    "source",
    [
        "import asyncio\nasyncio.gather(a(), b())\n",
        "import asyncio as aio\naio.gather(a())\n",
        "from asyncio import gather\ngather(a())\n",
        "from asyncio import gather as g\ng(a())\n",
        "import asyncio.tasks\nasyncio.tasks.gather(a())\n",
        "def f():\n    import asyncio\n    return asyncio.gather(a())\n",
        "from asyncio import gather\n",  # the import alone (rules may report or rewrite it)
        "import asyncio\nx: 'asyncio.gather'\n",  # names in string annotations count too
        "import asyncio\n(asyncio).gather(a())\n",
    ],
)
def test_keeps_every_spelling_of_a_reference(source: str) -> None:
    assert fires(source, GATHER)


@pytest.mark.parametrize(
    "source",
    [
        "def gather(*a): pass\ngather(a())\n",  # a local lookalike
        "import trio\ntrio.gather(a())\n",
        "import asyncio\nasyncio.gathering()\n",  # a prefix of the word is not the name
        "from mylib import gather\ngather(a())\n",
        "# asyncio.gather(a())\nx = 'asyncio.gather is nice'\n",  # comment and prose
        "from . import asyncio\nasyncio.gather(a())\n",  # relative: not the stdlib module
    ],
)
def test_drops_lookalikes(source: str) -> None:
    assert not fires(source, GATHER)


def test_coroutine_rules_need_an_async_def() -> None:
    assert fires("import time\nasync def f():\n    time.sleep(1)\n", SLEEP)
    assert not fires("import time\ndef f():\n    time.sleep(1)\n", SLEEP)
    assert not fires("import time\nasync_mode = 1\ntime.sleep(1)\n", SLEEP)


def test_builtins_and_packages() -> None:
    assert fires("async def f():\n    open('x')\n", OPEN)
    assert fires("from pathlib import Path\nasync def f(p: Path):\n    p.read_text()\n", OPEN)
    assert fires("import pathlib\nasync def f():\n    pathlib.Path('x').open()\n", OPEN)
    assert not fires("import os\nasync def f():\n    os.open('x', 0)\n", OPEN)


def test_awaited_method_anchor() -> None:
    assert fires("async def f(lock):\n    await lock.acquire()\n", ACQUIRE)
    assert fires("import asyncio\nlock = asyncio.Lock()\nasync def f():\n    with await lock:\n        pass\n", ACQUIRE)
    assert not fires("def f(lock):\n    lock.acquire()\n", ACQUIRE)


EXCEPT_STAR_RULE = Rule((EXCEPT_STAR,), (EXCEPT_STAR,))
YIELD_FROM = Rule(("yield from",))


@pytest.mark.parametrize("source", ["except* E:", "except *E:", "except  *(A, B):", "except \\" "\n    *E:"])
def test_except_star_however_spaced(source: str) -> None:
    assert fires(f"try:\n    pass\n{source}\n    pass\n", EXCEPT_STAR_RULE)


def test_except_star_is_syntax_not_text() -> None:
    assert not fires("try:\n    pass\nexcept E:\n    pass\n", EXCEPT_STAR_RULE)
    assert not fires("doc = 'write except* E: to catch part of a group'\n", EXCEPT_STAR_RULE)


@pytest.mark.parametrize("source", ["yield from g()", "yield  from g()", "yield \\" "\n        from g()"])
def test_yield_from_however_spaced(source: str) -> None:
    assert fires(f"def f():\n    x = {source}\n", YIELD_FROM)


def test_unparsable_source_keeps_the_rules_its_words_allow() -> None:
    source = "import asyncio\nprint 'py2'\nasyncio.gather()\n"
    assert SourceFacts.read(source) is None
    assert fires(source, GATHER)


def test_text_step_needs_the_anchor_package() -> None:
    assert rules_by_text("gather()\n", [GATHER]) == []
    assert rules_by_text("import asyncio\ngather()\n", [GATHER]) == [GATHER]


# Rules whose shapes no import names, so their files are chosen by trigger words (and an
# `async def`) alone: why each has no anchors.
ANCHORLESS = {
    "AIO213": "a parameter named `timeout` of any `async def`",
    "AIO215": "a `yield` in any `with` block of an async generator",
    "AIO901": "any `async def`",
    "AIO902": "any async generator",
    "AIO903": "any `async def`",
    "AIO904": "any `while True` in an `async def`",
}


def test_every_rule_declares_anchors_or_says_why_not() -> None:
    from asyncio_upgrade.codemods.registry import all_rules

    assert {rule.code for rule in all_rules() if not rule.anchors} == set(ANCHORLESS)


def test_short_anchors_spell_out_to_exactly_the_rules_anchors() -> None:
    """The manifest stores ``asyncio.*.gather``; the prefilter must read it as the very names
    the rule declared (an incomplete family, like AIO404's, stays as written)."""
    from asyncio_upgrade.codemods.registry import all_rules

    for rule in all_rules():
        short = rule.info().anchors
        assert expanded_anchors(short) == set(rule.anchors), rule.code
        assert len(short) <= len(set(rule.anchors))
    assert short_anchors(asyncio_names("gather") | {"asyncio.tasks.Task.all_tasks", "time.sleep"}) == (
        "asyncio.*.gather", "asyncio.tasks.Task.all_tasks", "time.sleep",
    )


def test_short_and_expanded_anchors_give_the_same_answers() -> None:
    short = Rule(("gather",), ("asyncio.*.gather",))
    for source in ("import asyncio\nasyncio.gather()\n", "from asyncio.tasks import gather\ngather()\n",
                   "from asyncio import tasks\ntasks.gather()\n", "import asyncio\nasyncio.gathering()\n",
                   "from asyncio import tasks\n# gather\n"):
        assert fires(source, short) == fires(source, GATHER_EVERY_SPELLING), source


def test_the_prefilter_knows_the_submodules_the_rules_spell() -> None:
    assert expanded_anchors(("asyncio.*.sleep",)) == asyncio_names("sleep")
