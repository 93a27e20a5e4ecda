"""Property tests: generated programs never crash the tool, fixed output compiles, a second
run changes nothing, and with no rule enabled the bytes are identical."""

from __future__ import annotations

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asyncio_upgrade.codemods.api import NEWEST_TARGET, OLDEST_TARGET, Settings, process_source

# Statements that may stand in an `async def` body: anti-patterns and their near misses.
IN_COROUTINE = [
    "time.sleep({n})",
    "await asyncio.sleep({n})",
    "asyncio.sleep({n})",
    "await asyncio.wait_for(work(), {n})",
    "value = await asyncio.wait_for(work(), timeout={n})",
    "a, b = await asyncio.gather(work(), work())",
    "await asyncio.gather(*[work() for _ in range({n})])",
    "asyncio.ensure_future(work())",
    "asyncio.create_task(work())",
    "loop = asyncio.get_event_loop()",
    "fut = asyncio.Future()",
    "await loop.run_in_executor(None, print, {n})",
    "with open('{name}.txt') as fh:\n    data = fh.read()",
    "data = open('{name}.txt').read()",
    "os.path.exists('{name}')",
    "subprocess.run(['true'])",
    "answer = input('{name}? ')",
    "requests.get('http://localhost/{name}')",
    "try:\n    await work()\nexcept asyncio.TimeoutError:\n    pass",
    "with await lock:\n    pass",
    "async with asyncio.timeout({n}):\n    await work()",
    "def helper():\n    time.sleep({n})\n    return open('{name}')",
    "callback = lambda: time.sleep({n})",
    "if asyncio.iscoroutinefunction(work):\n    pass",
    "tasks = asyncio.Task.all_tasks()",
    "await asyncio.wait([work(), work()])",
    "print({n})  # noqa",
    "sleep = {n}",
]
AT_MODULE = [
    "loop = asyncio.get_event_loop()\nloop.run_until_complete(main())\nloop.close()",
    "asyncio.get_event_loop().run_until_complete(main())",
    "asyncio.run(main())",
    "if __name__ == '__main__':\n    loop = asyncio.new_event_loop()\n    try:\n        loop.run_until_complete(main())\n    finally:\n        loop.close()",
    "asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())",
    "x = {n}",
]
WRAPPERS = ["{s}", "if flag:\n{s}", "for _ in range(2):\n{s}", "try:\n{s}\nfinally:\n    pass", "while False:\n{s}"]
IMPORTS = [
    "import asyncio\n", "import asyncio as aio\n", "from asyncio import sleep, gather, wait_for\n",
]


def indent(block: str, unit: str) -> str:
    return "\n".join(unit + line if line else line for line in block.split("\n"))


@st.composite
def programs(draw) -> bytes:
    unit = draw(st.sampled_from(["    ", "  ", "\t"]))
    n = draw(st.integers(0, 3))
    name = draw(st.sampled_from(["a", "data", "config"]))
    body = []
    for _ in range(draw(st.integers(1, 6))):
        stmt = draw(st.sampled_from(IN_COROUTINE)).format(n=n, name=name)
        wrapper = draw(st.sampled_from(WRAPPERS))
        stmt = wrapper.format(s=indent(stmt, unit)) if wrapper != "{s}" else stmt
        if draw(st.booleans()):
            stmt = f"# {name} comment\n{stmt}"
        body.append(stmt)
    header = "".join(draw(st.lists(st.sampled_from(IMPORTS), min_size=1, max_size=2, unique=True)))
    header += "import os, subprocess, time\nimport requests\n\nlock = None\nflag = True\n\n"
    header += "async def work():\n" + unit + "return 1\n\n"
    main = "async def main():\n" + indent("\n".join(body), unit) + "\n"
    tail = "\n".join(draw(st.lists(st.sampled_from(AT_MODULE), max_size=2))).format(n=n)
    text = header + main + "\n" + tail + "\n"
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text.encode()


def check_properties(source: bytes, unsafe: bool, target) -> None:
    chosen = Settings(target_version=target, unsafe_fixes=unsafe)
    first = process_source(source, chosen, fix=True)
    assert not first.internal_error, first.skipped
    if first.new_source is not None:
        compile(first.new_source, "<fixed>", "exec", dont_inherit=True)
        second = process_source(first.new_source, chosen, fix=True)
        assert not second.internal_error, second.skipped
        assert second.new_source is None, "a second run changed the output again"
    nothing = process_source(source, Settings(target_version=target, select=frozenset()), fix=True)
    assert nothing.new_source is None and not nothing.findings


@given(
    source=programs(),
    unsafe=st.booleans(),
    target=st.sampled_from([OLDEST_TARGET, (3, 11), (3, 12), NEWEST_TARGET]),
)
def test_templated_asyncio_programs(source: bytes, unsafe: bool, target) -> None:
    check_properties(source, unsafe, target)


@settings(suppress_health_check=list(HealthCheck))  # examples: the tier's profile (tests/conftest.py)
@given(source=hypothesmith.from_grammar().map(lambda s: s.encode()), unsafe=st.booleans())
def test_arbitrary_programs(source: bytes, unsafe: bool) -> None:
    check_properties(source, unsafe, NEWEST_TARGET)
