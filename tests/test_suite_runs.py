"""The tallies of test-module golden cases, read from what unittest and pytest print."""

from __future__ import annotations

from pathlib import Path

from suite_runs import PYTEST_TOOLS, pytest_tally, requirements, unittest_tally


def test_pytest_tally_reads_the_summary_line() -> None:
    output = "F.E.\n=== short test summary info ===\nFAILED t.py::a\n1 failed, 2 passed, 1 error in 0.12s\n"
    assert pytest_tally(output) == "passed=2 failed=1 errors=1 skipped=0\n"


def test_pytest_tally_counts_errors_and_skips() -> None:
    assert pytest_tally("3 passed, 2 skipped, 4 errors in 1.0s\n") == "passed=3 failed=0 errors=4 skipped=2\n"


def test_no_tally_when_nothing_ran() -> None:
    assert pytest_tally("ERROR: file not found\n") is None
    assert unittest_tally("Traceback (most recent call last):\nImportError\n") is None


def test_unittest_tally_is_the_driver_line() -> None:
    output = "..F\nRan 3 tests\nFAILED (failures=1)\npassed=2 failed=1 errors=0 skipped=0\n"
    assert unittest_tally(output) == "passed=2 failed=1 errors=0 skipped=0\n"


def test_each_side_gets_its_tools() -> None:
    assert requirements(Path("x.input.py"), "pytest", {"pytest"}) == PYTEST_TOOLS["input"]
    assert requirements(Path("x.expected.py"), "pytest", {"pytest"}) == PYTEST_TOOLS["expected"]
    assert requirements(Path("x.input.py"), "unittest", {"asynctest"}) == ("asynctest==0.13.0",)
    assert requirements(Path("x.expected.py"), "unittest", set()) == ()
