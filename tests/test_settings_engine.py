"""Settings the engine honours beyond selection: first-party modules that share a matched
name, and ruff's per-rule fix-safety overrides."""

from __future__ import annotations

import dataclasses

from asyncio_upgrade.codemods.api import FixStatus, Settings, process_source

ASYNC_TIMEOUT = b"""import async_timeout


async def main(work):
    try:
        async with async_timeout.timeout(1):
            await work()
    except TimeoutError:
        pass
"""  # a safe AIO211 site: the handler cannot see how the TimeoutError is chained
BLOCKING = b"""import time


async def main():
    time.sleep(1)
"""
PY311 = (3, 11)


def test_a_first_party_module_is_not_the_package_of_that_name() -> None:
    third_party = process_source(ASYNC_TIMEOUT, Settings(target_version=PY311), fix=True)
    assert [f.code for f in third_party.findings] == ["AIO211"] and third_party.new_source
    own = process_source(ASYNC_TIMEOUT, Settings(target_version=PY311, first_party=frozenset({"async_timeout"})), fix=True)
    assert own.findings == [] and own.new_source is None


def test_first_party_leaves_other_packages_matched() -> None:
    source = BLOCKING.replace(b"import time", b"import time\nimport async_timeout")
    result = process_source(source, Settings(target_version=PY311, first_party=frozenset({"async_timeout"})), fix=False)
    assert [f.code for f in result.findings] == ["AIO301"]


def _status(source: bytes, **settings) -> FixStatus:
    (finding,) = process_source(source, Settings(target_version=PY311, **settings), fix=False).findings
    return finding.fix


def test_extend_unsafe_fixes_demotes_a_safe_fix() -> None:
    assert _status(ASYNC_TIMEOUT) is FixStatus.AVAILABLE
    assert _status(ASYNC_TIMEOUT, extend_unsafe_fixes=frozenset({"AIO211"})) is FixStatus.UNSAFE
    demoted = Settings(target_version=PY311, extend_unsafe_fixes=frozenset({"AIO211"}))
    assert process_source(ASYNC_TIMEOUT, demoted, fix=True).new_source is None
    both = dataclasses.replace(demoted, unsafe_fixes=True)
    assert process_source(ASYNC_TIMEOUT, both, fix=True).new_source is not None


def test_extend_safe_fixes_promotes_an_unsafe_fix() -> None:
    unsafe_site = b"import asyncio\n\n\nasync def double(n):\n    return n * 2\n\n\nasync def main():\n    await asyncio.gather(double(1), double(2))\n"
    status = _status(unsafe_site)
    assert status is FixStatus.UNSAFE
    promoted = Settings(target_version=PY311, extend_safe_fixes=frozenset({"AIO201"}))
    assert _status(unsafe_site, extend_safe_fixes=frozenset({"AIO201"})) is FixStatus.AVAILABLE
    assert process_source(unsafe_site, promoted, fix=True).new_source is not None


def test_the_settings_key_spells_every_field_the_same_way_every_time() -> None:
    settings = Settings(select=frozenset({"AIO201", "AIO101", "AIO3"}), first_party=frozenset({"b", "a"}))
    key = settings.key()
    assert all(f"{field.name}=" in key for field in dataclasses.fields(Settings))
    assert "select=['AIO101', 'AIO201', 'AIO3']" in key and "first_party=['a', 'b']" in key
    assert Settings(first_party=frozenset({"a", "b"})).key() != Settings().key()
