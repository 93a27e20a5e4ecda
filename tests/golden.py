"""Reading golden fixture cases: fixtures/<rule-key>/<case>.input.py (+ .expected.py, .stdout)."""

from __future__ import annotations

import ast
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from asyncio_upgrade.codemods.api import NEWEST_TARGET, Settings, Version, parse_version, rule_infos
from asyncio_upgrade.codemods.formatting import DEFAULT_BLACK

import suite_runs
from conftest import FIXTURES
from suite_runs import TEST_RUNNERS

_HEADER = re.compile(rb"^#\s*(?P<key>[a-z-]+)(?::\s*(?P<value>\S+))?\s*$")
KNOWN_OPTIONS = {"target-version", "unsafe-fixes", "runnable", "input-python", "format", "test-module"}
FORMATS = {"black"}  # `# format: black`: run with black formatting on (`fix --format`, black's defaults)


@dataclass
class Case:
    key: str
    name: str
    input_path: Path
    options: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.key}/{self.name}"

    @property
    def is_noop(self) -> bool:
        return self.name.startswith("noop_")

    @property
    def expected_path(self) -> Path:
        return self.input_path.with_name(f"{self.name}.expected.py")

    @property
    def findings_path(self) -> Path:
        """Optional: what `check` reports for the rule, one ``LINE:COL CODE STATUS MESSAGE`` a line
        (an empty file: nothing). Tests report-only cases and near misses that must stay silent."""
        return self.input_path.with_name(f"{self.name}.findings")

    @property
    def report_only(self) -> bool:
        """Not a near miss, yet must not change: its findings file is the test."""
        return not self.is_noop and self.findings_path.exists() and not self.expected_path.exists()

    @property
    def changes(self) -> bool:
        return not self.is_noop and not self.report_only

    @property
    def input_stdout_path(self) -> Path:
        """Optional, with ``# unsafe-fixes``: what the original printed where the unsafe fix's
        documented change makes the output differ (``.stdout`` holds the new output)."""
        return self.input_path.with_name(f"{self.name}.input.stdout")

    @property
    def stdout_path(self) -> Path:
        return self.input_path.with_name(f"{self.name}.stdout")

    @property
    def target(self) -> Version:
        value = self.options.get("target-version")
        return parse_version(value) if value else NEWEST_TARGET

    @property
    def unsafe(self) -> bool:
        return "unsafe-fixes" in self.options

    @property
    def black(self) -> bool:
        value = self.options.get("format")
        assert value in (None, *FORMATS), f"unknown `# format: {value}` header (known: {', '.join(sorted(FORMATS))})"
        return value == "black"

    @property
    def runnable(self) -> bool:
        return "runnable" in self.options or self.test_runner is not None

    @property
    def test_runner(self) -> Optional[str]:
        """``# test-module: unittest`` (or ``pytest``): the case is a test module, run by that
        runner; what it "prints" is how many of its tests passed, failed and were skipped."""
        value = self.options.get("test-module")
        assert value in (None, *TEST_RUNNERS), f"unknown `# test-module: {value}` (known: {', '.join(TEST_RUNNERS)})"
        return value

    @property
    def input_python(self) -> Version:
        """The newest Python where the original runs: ``# input-python: 3.8`` for a form that
        later Pythons removed (that version and older ran it), else the current one."""
        value = self.options.get("input-python")
        return parse_version(value) if value else (sys.version_info[0], sys.version_info[1])

    def settings(self, code: Optional[str], **changes: object) -> Settings:
        """The case's options for rule ``code`` alone, or (None) for every rule a user runs with
        it: the default selection and the case's own rule, an opt-in included."""
        values = dict(
            target_version=self.target,
            select=frozenset({code}) if code else _default_codes() | {self.key[:6].upper()},
            unsafe_fixes=self.unsafe,
            black=DEFAULT_BLACK if self.black else None,
        )
        values.update(changes)
        return Settings(**values)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1)
def _default_codes() -> FrozenSet[str]:
    return frozenset(info.code for info in rule_infos() if info.selected_by_default)


def read_options(source: bytes) -> dict:
    """Header comments at the top of an input: ``# target-version: py310``, ``# unsafe-fixes``."""
    options = {}
    for line in source.splitlines():
        match = _HEADER.match(line.strip())
        if not match:
            break
        key = match.group("key").decode()
        if key in KNOWN_OPTIONS:
            value = match.group("value")
            options[key] = value.decode() if value else True
    return options


def all_cases() -> List[Case]:
    cases = []
    for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*.input.py")):
            name = path.name[: -len(".input.py")]
            cases.append(Case(folder.name, name, path, read_options(path.read_bytes())))
    return cases


NEWEST_PYTHON: Version = (3, 13)
KNOWN_PYTHONS: Tuple[Version, ...] = tuple((3, minor) for minor in range(6, NEWEST_PYTHON[1] + 1))


def format_python(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


@dataclass(frozen=True)
class Ran:
    """What one program did on one interpreter."""

    returncode: int
    stdout: str
    stderr: str


_RUNS: Dict[Tuple[Path, str], "Future[Ran]"] = {}
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="golden-run")


def start_program(path: Path, python: str, runner: Optional[str] = None) -> "Future[Ran]":
    """Start running ``path`` on ``python`` in the background, once per session: a case's runs on
    every Python go at once, and the tests that read them wait only for their own. ``runner``:
    run it as a test module (``run_tests``)."""
    if (path, python) not in _RUNS:
        _RUNS[path, python] = _POOL.submit(run_tests if runner else _run, path, python, *([runner] if runner else []))
    return _RUNS[path, python]


def run_program(path: Path, python: str, runner: Optional[str] = None) -> Ran:
    return start_program(path, python, runner).result()


def _run(path: Path, python: str) -> Ran:
    """``-I``: no PYTHON* variables, no user site; a fresh working directory for each run."""
    with tempfile.TemporaryDirectory(prefix="golden-run-") as cwd:
        done = subprocess.run(
            [python, "-I", str(path)], capture_output=True, text=True, timeout=60, cwd=cwd
        )
    return Ran(done.returncode, done.stdout, done.stderr)


def run_tests(path: Path, python: str, runner: str) -> Ran:
    """Run the test module ``path`` with ``runner``; what it printed is the tally of outcomes."""
    done, tally = suite_runs.run_module(path, python, runner)
    return Ran(0 if tally else done.returncode or 1, tally or done.stdout, done.stderr)


def pyenv_root() -> Path:
    """``pyenv root`` when pyenv is on PATH, else ``$PYENV_ROOT``, else ``~/.pyenv``."""
    if shutil.which("pyenv"):
        done = subprocess.run(["pyenv", "root"], capture_output=True, text=True, timeout=60)
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip())
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _patch_level(path: Path) -> Tuple[int, ...]:
    release = path.parents[1].name  # versions/3.8.18/bin/python3.8
    return tuple(int(part) if part.isdigit() else -1 for part in release.split("."))


@functools.lru_cache(maxsize=None)
def find_python(version: Version) -> Optional[str]:
    """An interpreter for ``version`` that really runs and is that version (a pyenv shim on PATH
    for a version that is installed but not selected fails), or None. The current interpreter
    stands for its own version: it is the one the test tools are installed in."""
    if tuple(sys.version_info[:2]) == version:
        return sys.executable
    name = f"python{format_python(version)}"
    installed = pyenv_root().glob(f"versions/{format_python(version)}.*/bin/{name}")
    candidates = [str(p) for p in sorted(installed, key=_patch_level, reverse=True)]
    candidates.append(shutil.which(name))
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    for python in filter(None, candidates):
        try:
            done = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip() == format_python(version):
            return python
    return None


def third_party_imports(path: Path) -> FrozenSet[str]:
    """Top-level modules the program imports that are not in the standard library."""
    stdlib = getattr(sys, "stdlib_module_names", frozenset())
    found = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.partition(".")[0])
    return frozenset(name for name in found if name not in stdlib and name != "__future__")


@functools.lru_cache(maxsize=None)
def can_import(python: str, module: str) -> bool:
    done = subprocess.run([python, "-I", "-c", f"import {module}"], capture_output=True, timeout=60)
    return done.returncode == 0
