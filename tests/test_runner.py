"""The runner: outcomes in input order, one at a time as they are ready, and a worker that dies
costs one file, not the batch."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from pathlib import Path
from typing import List, Tuple

import pytest

from asyncio_upgrade.cli import runner as runner_module
from asyncio_upgrade.cli.files import Source
from asyncio_upgrade.cli.runner import Runner
from asyncio_upgrade.codemods.api import FileResult, Settings

FINDING = "import time\n\n\nasync def main():\n    time.sleep(1)\n"
PLAIN = "x = 1\n"


def sources(tmp_path: Path, count: int) -> List[Source]:
    found = []
    for index in range(count):
        path = tmp_path / f"f{index:03}.py"
        path.write_text(FINDING if index % 2 else PLAIN)
        found.append(Source(path))
    found.insert(3, Source(tmp_path / "missing.py", problem="no such file"))
    return found


class Defaults:
    def selection(self) -> Settings:
        return Settings()

    def __call__(self, data: bytes) -> Settings:
        return Settings()


def with_settings(given: List[Source]) -> List[Tuple[Source, Defaults]]:
    return [(source, Defaults()) for source in given]


def test_outcomes_come_in_input_order_from_the_pool(tmp_path: Path) -> None:
    given = sources(tmp_path, 40)
    outcomes = list(Runner(jobs=2).run(with_settings(given), fix=False))
    assert [o.path for o in outcomes] == [s.path for s in given]
    assert outcomes[3].problem == "no such file"
    for outcome in outcomes:
        if outcome.problem is None:
            assert len(outcome.result.findings) == (1 if outcome.path.read_text() == FINDING else 0)


def test_each_outcome_goes_out_when_it_is_ready(tmp_path: Path, monkeypatch) -> None:
    """In-process: the first outcome that needed parsing is out before the second is parsed."""
    calls: List[str] = []
    real_work = runner_module._work

    def counting(item):
        calls.append(item[0])
        return real_work(item)

    monkeypatch.setattr(runner_module, "_work", counting)
    run = Runner(jobs=1).run(with_settings(sources(tmp_path, 10)), fix=False)
    for outcome in run:
        if outcome.result is not None and outcome.result.findings:
            break
    assert len(calls) == 1


_REAL_WORK = runner_module._work


def _dying_on_f005(item):
    """Module level: the pool pickles it by name, and a forked worker finds it."""
    if item[0].endswith("f005.py"):
        os._exit(1)
    return _REAL_WORK(item)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="workers must inherit the patched _work")
def test_a_worker_that_dies_costs_one_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(runner_module, "_work", _dying_on_f005)
    given = sources(tmp_path, 20)
    outcomes = list(Runner(jobs=2).run(with_settings(given), fix=False))
    assert [o.path for o in outcomes] == [s.path for s in given]
    broken = [o for o in outcomes if o.result is not None and o.result.internal_error]
    assert [o.path.name for o in broken] == ["f005.py"]
    assert sum(bool(o.result and o.result.findings) for o in outcomes) == 9  # f001 ... f019 but f005


def test_the_cache_gives_back_every_field_of_a_result(tmp_path) -> None:
    from asyncio_upgrade.cli.cache import Cache
    from asyncio_upgrade.codemods.api import Settings, process_source

    source = b"import asyncio\n\n\nasync def main():\n    asyncio.ensure_future(main())\n    await asyncio.gather(main())\n"
    settings = Settings(target_version=(3, 11))
    result = process_source(source, settings, fix=True)
    assert result.new_source and result.findings_after and any(f.unsafe for f in result.findings)
    cache = Cache(tmp_path, "fingerprint")
    key = cache.key(hashlib.sha256(source), settings, True)
    cache.put(key, result)
    again = cache.get(key)
    assert (again.findings, again.findings_after, again.new_source, again.fixes_applied) == (
        result.findings, result.findings_after, result.new_source, result.fixes_applied
    )


def test_files_the_text_step_settles_are_remembered_in_one_file(tmp_path: Path, monkeypatch) -> None:
    from asyncio_upgrade.cli.cache import Cache

    given = sources(tmp_path, 6)
    (tmp_path / "latin1.py").write_bytes(b"x = '\xe9'\n")  # undecodable: reported on every run
    given.append(Source(tmp_path / "latin1.py"))
    first = list(Runner(jobs=1, cache=Cache(tmp_path / "cache", "one")).run(with_settings(given), fix=False))
    assert len(list((tmp_path / "cache").rglob("quiet.keys"))) == 1

    def forbidden(*_args, **_kwargs):
        raise AssertionError("the text step ran again")

    monkeypatch.setattr(runner_module, "prepare", forbidden)
    cache = Cache(tmp_path / "cache", "one")
    plain = [s for s in given if s.path.name.endswith(("0.py", "2.py", "4.py"))]
    assert [o.result for o in Runner(jobs=1, cache=cache).run(with_settings(plain), fix=False)] == [FileResult()] * 3
    assert cache.hits == 3
    monkeypatch.undo()
    # the rest come from the cache's entries, the undecodable file from its text again
    second = list(Runner(jobs=1, cache=Cache(tmp_path / "cache", "one")).run(with_settings(given), fix=False))
    assert [(o.result.findings, o.result.skipped) for o in second if o.result] == [
        (o.result.findings, o.result.skipped) for o in first if o.result
    ]
    assert second[-1].result.skipped and not any(o.result.parsed for o in second if o.result)
    # another version of the tool, or other settings, start afresh
    assert not Cache(tmp_path / "cache", "two").known_quiet(hashlib.sha256(PLAIN.encode()), Settings())
    assert not Cache(tmp_path / "cache", "one").known_quiet(hashlib.sha256(PLAIN.encode()), Settings(select=frozenset({"AIO301"})))
    assert Cache(tmp_path / "cache", "one").known_quiet(hashlib.sha256(PLAIN.encode()), Settings())


def test_an_unreadable_list_of_settled_contents_is_only_slower(tmp_path: Path) -> None:
    from asyncio_upgrade.cli.cache import Cache

    given = sources(tmp_path, 4)
    list(Runner(jobs=1, cache=Cache(tmp_path / "cache", "one")).run(with_settings(given), fix=False))
    (keys,) = (tmp_path / "cache").rglob("quiet.keys")
    keys.write_bytes(b"\xff\xfe garbage")
    cache = Cache(tmp_path / "cache", "one")
    again = list(Runner(jobs=1, cache=cache).run(with_settings(given), fix=False))
    assert [o.result.findings != [] for o in again if o.result] == [False, True, False, True]
    assert keys.read_text(encoding="ascii").startswith("one\n")
