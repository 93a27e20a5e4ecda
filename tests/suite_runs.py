"""Golden cases that are test modules (``# test-module: unittest`` or ``pytest``): the tools they
need, in virtual environments made on demand and kept outside the repository, and a run's tally.

A test module's input runs where it works (asynctest 0.13 on 3.7/3.8, pytest-asyncio before 0.22,
which still gives tests an ``event_loop`` fixture) and its output with today's tools; the harness
compares how many tests passed, failed, errored and were skipped. An environment that cannot be
made (no network) is a skip, never a failure.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, Optional, Tuple

TEST_RUNNERS = ("unittest", "pytest")
# What a test module's third-party imports need installed (top-level module -> requirement).
PACKAGES: Dict[str, str] = {"asynctest": "asynctest==0.13.0"}
# pytest and its asyncio plugin on each side of a fix: the input with the last pytest-asyncio that
# has the `event_loop` fixture, the output with 1.x, which removed it.
PYTEST_TOOLS = {"input": ("pytest<8", "pytest-asyncio==0.21.2"), "expected": ("pytest", "pytest-asyncio>=1.0")}
MODULE_NAME = "test_golden_case.py"  # what both runners collect by default
# unittest's own summary cannot be compared across versions (3.12 stopped counting skipped tests
# in "Ran N tests"): count each outcome (any Python 3).
UNITTEST_TALLY = """
import sys, unittest
class Tally(unittest.TextTestResult):
    passed = 0
    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
suite = unittest.defaultTestLoader.discover(sys.argv[1], pattern=sys.argv[2])
result = unittest.TextTestRunner(resultclass=Tally).run(suite)
print("passed=%d failed=%d errors=%d skipped=%d" % (
    result.passed, len(result.failures), len(result.errors), len(result.skipped)))
"""


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "asyncio-upgrade" / "test-venvs"


def requirements(program: Path, runner: str, imports) -> Tuple[str, ...]:
    """What running ``program`` (a case's ``.input.py`` or ``.expected.py``) needs installed."""
    side = "input" if program.name.endswith(".input.py") else "expected"
    tools = PYTEST_TOOLS[side] if runner == "pytest" else ()
    return (*tools, *sorted(PACKAGES[name] for name in imports if name in PACKAGES))


def environment(python: str, needs: Tuple[str, ...]) -> Tuple[Optional[str], str]:
    """(the Python of a virtual environment of ``python`` with ``needs`` installed, or None; why
    not). Made once per (Python, requirements) and reused; a lock keeps parallel runs apart."""
    if not needs:
        return python, ""
    key = hashlib.sha256("\n".join((os.path.realpath(python), *needs)).encode()).hexdigest()[:16]
    folder = cache_dir() / key
    inside = folder / "bin" / "python"
    ready = folder / ".ready"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists():
            return str(inside), ""
        shutil.rmtree(folder, ignore_errors=True)
        for command in ([python, "-m", "venv", str(folder)], [str(inside), "-m", "pip", "install", "-q", *needs]):
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                shutil.rmtree(folder, ignore_errors=True)
                return None, f"could not install {' '.join(needs)} for {python}: {done.stderr.strip()[-300:]}"
        ready.write_text(" ".join(needs) + "\n")
    return str(inside), ""


def run_module(path: Path, python: str, runner: str) -> Tuple[subprocess.CompletedProcess, Optional[str]]:
    """Run the tests of ``path`` with ``runner`` in a fresh folder; (the run, its tally or None)."""
    with tempfile.TemporaryDirectory(prefix="golden-tests-") as cwd:
        shutil.copyfile(path, Path(cwd) / MODULE_NAME)
        if runner == "unittest":
            command = [python, "-I", "-c", UNITTEST_TALLY, cwd, MODULE_NAME]
        else:
            command = [python, "-I", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "ignore", MODULE_NAME]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd)
    return done, (unittest_tally if runner == "unittest" else pytest_tally)(done.stdout + done.stderr)


def unittest_tally(output: str) -> Optional[str]:
    found = re.findall(r"^passed=\d+ failed=\d+ errors=\d+ skipped=\d+$", output, re.M)
    return found[-1] + "\n" if found else None


def pytest_tally(output: str) -> Optional[str]:
    lines = [line for line in output.splitlines() if re.search(r"\d+ (passed|failed|errors?|skipped)\b", line)]
    if not lines:
        return None
    counts = {word.rstrip("s"): int(n) for n, word in re.findall(r"(\d+) (passed|failed|errors?|skipped)", lines[-1])}
    return tally(passed=counts.get("passed", 0), failed=counts.get("failed", 0), errors=counts.get("error", 0),
                 skipped=counts.get("skipped", 0))


def tally(**counts: int) -> str:
    return " ".join(f"{name}={count}" for name, count in counts.items()) + "\n"
