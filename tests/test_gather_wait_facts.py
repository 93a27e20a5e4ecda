"""AIO201 and AIO205 with the project facts: a call of another module's plain ``async def``
is a coroutine (a TaskGroup can run it), a call of its plain generator is not wrapped
(asyncio refuses generators since 3.12, however wrapped); without the facts neither is known."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app
from asyncio_upgrade.cli.project_facts import ProjectFactsFinder
from asyncio_upgrade.codemods.api import FixStatus, ProjectFacts, Settings, module_facts, parse_version, process_source
from test_project_facts import layout

runner = CliRunner()

JOBS = '''import functools


def numbers(fut):
    value = yield from fut
    return value


async def fetch(fut):
    return await fut


async def stream():
    yield 1


@functools.lru_cache
async def cached():
    return 1
'''
WAIT = b'''import asyncio

from .jobs import fetch, numbers


async def main(fut):
    await asyncio.wait([numbers(fut)])
    await asyncio.wait([fetch(fut)])
'''
GATHER = b'''import asyncio

from . import jobs
from .jobs import cached, fetch, stream


async def main(fut):
    await asyncio.gather(fetch(fut), jobs.fetch(fut))
    await asyncio.gather(fetch(fut), stream())
    await asyncio.gather(fetch(fut), cached())
    await asyncio.gather(fetch(fut), jobs.numbers(fut))
'''
FACTS = ProjectFacts.of({"pkg.jobs": module_facts(JOBS, "pkg.jobs")}, "pkg.app")


def findings(source: bytes, code: str, facts: Optional[ProjectFacts]) -> list:
    settings = Settings(target_version=parse_version("py311"), select=frozenset({code}), facts=facts)
    return [(f.line, f.fix, f.message) for f in process_source(source, settings, fix=False).findings]


def test_another_modules_generator_leaves_the_wait_report_only() -> None:
    (generator, fetched) = findings(WAIT, "AIO205", FACTS)
    assert generator[:2] == (7, FixStatus.NONE) and "a plain generator" in generator[2]
    assert fetched[:2] == (8, FixStatus.AVAILABLE)


def test_without_facts_both_waited_calls_may_be_coroutines() -> None:
    assert [(line, fix) for line, fix, _ in findings(WAIT, "AIO205", None)] == [
        (7, FixStatus.AVAILABLE), (8, FixStatus.AVAILABLE),
    ]


def test_only_another_modules_plain_async_def_is_a_coroutine_for_a_task_group() -> None:
    found = {line: (fix, message) for line, fix, message in findings(GATHER, "AIO201", FACTS)}
    assert found[8][0] is FixStatus.UNSAFE  # fetch() and jobs.fetch(): an unsafe fix, as in-file calls
    for line in (9, 10, 11):  # an async generator, a decorated async def, a generator
        assert found[line][0] is FixStatus.NONE and "not provably coroutine calls" in found[line][1]


def test_without_facts_another_modules_functions_are_not_proven() -> None:
    assert {fix for _, fix, _ in findings(GATHER, "AIO201", None)} == {FixStatus.NONE}


def test_the_cli_hands_facts_to_a_file_that_gathers(tmp_path: Path) -> None:
    """No `yield from` or `coroutine` in the file: AIO201's word `gather` asks for the facts."""
    root = layout(tmp_path, {"pkg/__init__.py": b"", "pkg/jobs.py": JOBS.encode(), "pkg/app.py": GATHER})
    result = runner.invoke(app, ["check", "--no-cache", "--select", "AIO201", str(root / "pkg" / "app.py")])
    assert result.stdout.count("[* unsafe]") == 1, result.stdout
    assert ProjectFactsFinder().for_file(root / "pkg" / "app.py", asked_by=(b"yield from",)) is None


ENSURE = b'''import asyncio

from .jobs import fetch, numbers


async def main(fut):
    asyncio.ensure_future(fetch(fut))
    asyncio.ensure_future(numbers(fut))
'''


def test_the_cli_hands_facts_to_a_file_that_ensures_futures(tmp_path: Path) -> None:
    """AIO203's word `ensure_future` asks for the facts: another module's plain `async def` is a
    coroutine, so its task is made by `create_task`; its generator stays with `ensure_future`."""
    root = layout(tmp_path, {"pkg/__init__.py": b"", "pkg/jobs.py": JOBS.encode(), "pkg/app.py": ENSURE})
    result = runner.invoke(app, ["fix", "--no-cache", "--select", "AIO203", str(root / "pkg" / "app.py")])
    fixed = (root / "pkg" / "app.py").read_text()
    assert "asyncio.create_task(fetch(fut))" in fixed and "asyncio.ensure_future(numbers(fut))" in fixed, result.stdout
