"""AIO205 and the project facts: a call of another module's plain generator is not wrapped
(asyncio refuses generators since 3.12, however wrapped); without the facts it is."""

from __future__ import annotations

from asyncio_upgrade.codemods.api import FixStatus, ProjectFacts, Settings, module_facts, parse_version, process_source

GEN = '''def numbers(fut):
    value = yield from fut
    return value


async def fetch(fut):
    return await fut
'''
APP = b'''import asyncio

from .gen import fetch, numbers


async def main(fut):
    await asyncio.wait([numbers(fut)])
    await asyncio.wait([fetch(fut)])
'''


def findings(facts: ProjectFacts | None) -> list:
    settings = Settings(target_version=parse_version("py311"), select=frozenset({"AIO205"}), facts=facts)
    return [(f.line, f.fix, f.message) for f in process_source(APP, settings, fix=False).findings]


def test_another_modules_generator_leaves_the_site_report_only() -> None:
    facts = ProjectFacts.of({"pkg.gen": module_facts(GEN, "pkg.gen")}, "pkg.app")
    (generator, fetched) = findings(facts)
    assert generator[:2] == (7, FixStatus.NONE) and "a plain generator" in generator[2]
    assert fetched[:2] == (8, FixStatus.AVAILABLE)


def test_without_facts_both_calls_may_be_coroutines() -> None:
    assert [(line, fix) for line, fix, _ in findings(None)] == [(7, FixStatus.AVAILABLE), (8, FixStatus.AVAILABLE)]
