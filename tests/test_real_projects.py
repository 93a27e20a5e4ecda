"""Real projects' own test suites before and after `asyncio-upgrade fix` (safe fixes, py311).

For each pinned sdist: install it with its test tools in a fresh virtual environment of the
Python its tests run on pristine (3.7 or 3.8 for the old releases dense in removed APIs, else
3.11), run its tests, rewrite its source and tests with the safe fixes at py311, then install it
afresh on 3.11 and 3.13 and run the tests again there. Every test that passed before must pass
after, except the ones a project lists with the reason they cannot pass on a new Python. A
project whose migration the safe fixes cannot finish (sites rightly left unsafe) says why; the
tests that passed unfixed on 3.11 must still pass after the safe fixes, and after the unsafe
fixes on top, every test that passed before. Pythons are found at run time under `pyenv
root`; a missing one skips with the reason.

The default tier runs one small project; the rest are slow (`--full`). By hand, with a report:

    python -m pytest tests/test_real_projects.py --full -p no:xdist -s [-k janus]
    python tests/test_real_projects.py [NAME==VERSION ...] [--select AIO401] [--unsafe-fixes]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import List

import conftest  # noqa: F401  (puts bench/ on sys.path when run by hand)
import pytest
from golden import find_python, format_python
from real_projects import AFTER_PYTHONS, TARGET, Project, check_project

PY37, PY313 = (3, 7), (3, 13)
OLD_PYTEST = ("pytest<7", "pytest-asyncio<0.17")
NEW_PYTEST = ("pytest<8", "pytest-asyncio<0.22")  # the last that still give tests an `event_loop` fixture
TEST_MIGRATIONS = ("--extend-safe-fixes", "AIO7")
PYEE_TOOLS = ("pytest-cov", "pytest-trio", "trio", "twisted", "mock")
PYMODBUS_TOOLS = ("mock", "tornado==4.5.3", "twisted", "pyserial-asyncio")
ENGINEIO_TOOLS = ("mock", "eventlet", "aiohttp", "tornado", "requests", "websocket-client", "websockets<9")

PROJECTS: List[Project] = [
    Project("aiolimiter==1.3.0", "tests",
            ("pytest", "pytest-asyncio", "pytest-cov", "toml", "dunamai", "typing_extensions")),
    Project("asyncstdlib==3.10.9", "unittests", ("pytest", "pytest-cov"), cannot_pass_after={
        f"unittests.test_functools_lru::test_method_discard[classmethod_counter-{size}]": (
            PY313, "no file is rewritten; Python 3.13 no longer lets classmethod wrap another descriptor"
        ) for size in ("3", "10", "None")
    }),
    Project("aiostream==0.6.4", "tests", ("pytest", "pytest-asyncio", "pytest-cov")),
    # Its asyncio tests request pytest-asyncio's `event_loop` (AIO705), and so does a trio test
    # that never reads it (dropped as an unsafe fix, opted in): they run before with
    # pytest-asyncio 0.21, and after with 1.x, which no longer has the fixture.
    Project("pyee==9.0.4", "tests", (*PYEE_TOOLS, "pytest", "pytest-asyncio>=1"),
            before_requirements=(*PYEE_TOOLS, *NEW_PYTEST), fix_options=TEST_MIGRATIONS),
    # Old releases dense in removed APIs, whose tests pass pristine only on an old Python.
    Project("janus==0.3.2", "tests", ("pytest",), before_python=PY37, before_requirements=OLD_PYTEST,
            incomplete="three coroutines lock `self._parent._async_not_full`, where `_parent` is a parameter "
                       "(`yield from` of an object of unknown class: AIO402 unsafe)"),
    # Its unittest classes make a loop in setUp, give it an executor and hand it to
    # janus.Queue(loop=...) (AIO702 keeps `self.loop`, bound to the running loop in asyncSetUp,
    # and awaits a helper method that ran the loop): 69 pass on 3.7, and after on 3.11 and 3.13.
    Project("janus==0.4.0", "tests", ("pytest",), before_python=PY37, before_requirements=OLD_PYTEST,
            fix_options=TEST_MIGRATIONS),
    Project("async-timeout==3.0.1", "tests", (*NEW_PYTEST, "pytest-cov"),
            before_python=PY37, before_requirements=(*OLD_PYTEST, "pytest-cov")),
    # Unfixed on 3.11, 108 of its 176 tests fail (`loop=`); pytest 5 collects its own test hook.
    Project("aiorwlock==0.6.0", "tests", ("pytest<6", "uvloop"), before_python=PY37,
            pytest_options=("--assert=plain",)),  # pytest 5's assertion rewriting fails on 3.11+
    # aiosmtplib 1.0.6 sets StreamReaderProtocol._stream_reader, read-only since 3.8: with `loop=`
    # gone (the safe fixes do that now), 53 of its 177 tests pass fixed on 3.11 (52 unfixed, none
    # of which fails fixed); the other 124 fail in ways excused below. To be replaced by a release that runs on 3.8 (the lead's call); kept so the suite has 8 projects.
    Project("aiosmtplib==1.0.6", "tests", (*NEW_PYTEST, "aiosmtpd", "hypothesis"),
            before_python=PY37, before_requirements=(*OLD_PYTEST, "aiosmtpd", "hypothesis"),
            pytest_options=("--ignore=tests/test_live.py",),  # logs in to gmail and qq.com
            # Fixed, on 3.12.1+ its suite hangs in the teardown of `echo_server` after
            # test_protocol_connect: `Server.wait_closed()` now waits for every connection, and the
            # client's stays open when SMTPProtocol's constructor fails (the read-only property
            # below). pytest-timeout's signal cannot end it. Unfixed, those tests fail earlier, at `loop=`.
            newest_python=(3, 11),
            # Since the safe fixes drop `loop=`, most of its tests get as far as SMTPProtocol's
            # constructor, which 3.8+ refuses (unfixed on 3.11 they fail before, at `loop=`).
            cannot_pass_failing_with={
                "'_stream_reader' of 'SMTPProtocol' object has no setter": (
                    (3, 8), "SMTPProtocol sets StreamReaderProtocol._stream_reader, a read-only property since 3.8"),
            },
            cannot_pass_after={
                f"tests.test_protocol::test_protocol_{name}": (
                    (3, 8), "SMTPProtocol sets StreamReaderProtocol._stream_reader, a read-only property since 3.8"
                ) for name in (
                    "connected_check_on_read_response", "connected_check_on_write_and_drain",
                    "reader_connected_check_on_upgrade_transport", "writer_connected_check_on_upgrade_transport",
                    "reader_connected_check_on_starttls", "writer_connected_check_on_starttls",
                    "connected_check_on_drain_writer", "reader_connected_check_on_connection_made",
                    "reader_connected_check_on_readline", "writer_connected_check_on_readline",
                )
            } | {
                # its `python -m aiosmtplib` subprocess fails in SMTPProtocol's constructor
                "tests.test_main::test_command_line_send": (
                    (3, 8), "SMTPProtocol sets StreamReaderProtocol._stream_reader, a read-only property since 3.8"),
            }),
    # Test suites migrated by the AIO7xx rules, opted in as a team would (their fixes are unsafe).
    # Its asyncio tests run each coroutine through a module-level `_run(coro)` on the default loop
    # (AIO703). They still run on 3.11 (429 of the 435 that pass on 3.7: six hit APIs that other
    # rules leave to --unsafe-fixes or report), where `get_event_loop()` is not yet deprecated.
    Project("python-engineio==3.10.0", "tests", (*ENGINEIO_TOOLS, "pytest"), fix_options=TEST_MIGRATIONS,
            changed_by_unsafe_fix={
                f"tests.asyncio.test_asyncio_{module}::test_{name}": (
                    "AIO703: a task the awaited call starts no longer gets a step before the test's next "
                    "statement, as it did in the loop's last round of `run_until_complete`"
                ) for module, name in (
                    *(("client.TestAsyncClient", name) for name in (
                        "polling_connection_not_upgraded", "polling_connection_successful",
                        "polling_https_noverify_connection_successful", "websocket_connection_successful",
                        "websocket_https_noverify_connection_successful", "websocket_upgrade_successful",
                    )),
                    ("server.TestAsyncServer", "service_task_started"),  # on 3.13
                )
            }),
    # Its asyncio tests are `async def` methods of `unittest.TestCase` run by an `@asynctest`
    # decorator of the same module that calls `get_event_loop().run_until_complete` (AIO703: the
    # decorator is dropped, the classes become `IsolatedAsyncioTestCase`). All 108 tests pass on
    # 3.7, and after the fix on 3.11 and 3.13 (unfixed they still run there: the decorator's
    # `get_event_loop()` only warns before 3.14).
    Project("tenacity==8.2.3", "tests", ("pytest", "tornado"), before_python=PY37, fix_options=TEST_MIGRATIONS),
    # asynctest (AIO701): its asyncio server tests are an `asynctest.TestCase` with generator-based
    # tests, `CoroutineMock` and asynctest's `patch`, and some replace `self.loop` with a mock of it.
    # The sdist lacks test/modbus_mocks.py: 9 of its test modules fail to import before and after.
    # Tornado 4.5.3 (which it pins) falls back to backports.ssl_match_hostname on 3.12+.
    Project("pymodbus==2.5.3", "test", (*PYMODBUS_TOOLS, "pytest", "backports.ssl_match_hostname"), before_python=PY37,
            before_requirements=(*PYMODBUS_TOOLS, "pytest<7", "asynctest"), build_requirements=("six",),
            fix_options=TEST_MIGRATIONS,
            incomplete="its generator-based tests `yield from server.serving`, an attribute the tool cannot "
                       "prove a future (AIO402 unsafe), so AIO701 leaves the class until they are `async def`",
            cannot_pass_failing_with={
                "unexpected keyword argument 'reuse_address'": (
                    (3, 11), "its UDP server passes `reuse_address` to `create_datagram_endpoint`, removed in 3.11"),
            },
            cannot_pass_after={
                **{f"test.test_client_sync.SynchronousClientTest::test{kind}ClientRegister": (
                    (3, 12), "calls `mock.called_once_with`, which mock refuses as a misspelt assertion since 3.12"
                ) for kind in ("Tcp", "Tls")},
                "test.test_server_sync.SynchronousServerTest::testSerialServerConnect": (
                    (3, 12), "calls `assertEquals`, removed in 3.12"),
            }),
]

SAMPLE = "aiolimiter==1.3.0"  # the default tier's bounded sample, on 3.11 only; --full runs every project


@pytest.mark.parametrize(
    "project", [pytest.param(p, marks=() if p.spec == SAMPLE else pytest.mark.slow, id=p.spec) for p in PROJECTS]
)
def test_tests_that_passed_still_pass(project: Project, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if find_python(project.before_python) is None:
        pytest.skip(f"no Python {format_python(project.before_python)} here to run {project.spec}'s tests pristine")
    after_pythons = AFTER_PYTHONS if request.config.getoption("--full") else (TARGET,)
    report = check_project(project, tmp_path, after_pythons=after_pythons)
    print("\n" + "\n".join(report.lines()))
    assert report.before.passed, "the project's tests did not run here"
    assert report.after, "no Python from 3.11 up to run the rewritten tests on"
    assert not report.changed_on_target(), "tests that passed unfixed on 3.11 fail after the fixes"
    for run in report.after_unsafe if project.incomplete else report.after:
        assert not report.broken(run), f"tests broken by the fixes on {format_python(run.python)}"


def main(argv: List[str]) -> None:
    parser = argparse.ArgumentParser(description="Run real projects' tests before and after the fixes.")
    parser.add_argument("projects", nargs="*", help="NAME==VERSION (default: all)")
    parser.add_argument("--unsafe-fixes", action="store_true", help="also apply the unsafe fixes (to diagnose)")
    parser.add_argument("--select", help="fix only these rule codes or prefixes (to find the rule that broke a test)")
    parser.add_argument("--show-failures", action="store_true", help="each broken test with what it raised")
    args = parser.parse_args(argv)
    fix_options = (*(["--unsafe-fixes"] if args.unsafe_fixes else []), *(["--select", args.select] if args.select else []))
    for project in [p for p in PROJECTS if not args.projects or p.spec in args.projects]:
        with tempfile.TemporaryDirectory() as folder:
            report = check_project(project, Path(folder), fix_options)
            print("\n".join(report.lines() + (report.failure_lines() if args.show_failures else [])), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
