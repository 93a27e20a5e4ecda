"""Reading golden fixture cases: fixtures/<rule-key>/<case>.input.py (+ .expected.py, .stdout)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from asyncio_upgrade.codemods.api import NEWEST_TARGET, Settings, Version, parse_version
from asyncio_upgrade.codemods.formatting import DEFAULT_BLACK

from conftest import FIXTURES

_HEADER = re.compile(rb"^#\s*(?P<key>[a-z-]+)(?::\s*(?P<value>\S+))?\s*$")
KNOWN_OPTIONS = {"target-version", "unsafe-fixes", "runnable", "input-python", "format"}
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
        return "runnable" in self.options

    def settings(self, code: Optional[str], **changes: object) -> Settings:
        values = dict(
            target_version=self.target,
            select=frozenset({code}) if code else None,
            unsafe_fixes=self.unsafe,
            black=DEFAULT_BLACK if self.black else None,
        )
        values.update(changes)
        return Settings(**values)  # type: ignore[arg-type]


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


def run_program(path: Path, python: str = sys.executable) -> str:
    done = subprocess.run(
        [python, str(path)], capture_output=True, text=True, timeout=60, cwd=path.parent
    )
    assert done.returncode == 0, f"{path.name} failed under {python}:\n{done.stderr}"
    return done.stdout


def find_python(version: str) -> Optional[str]:
    """An interpreter for ``version`` that really runs (a pyenv shim for a version that is
    installed but not selected fails), or None."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(str(p) for p in Path.home().glob(f".pyenv/versions/{version}.*/bin/python{version}"))
    for python in filter(None, candidates):
        done = subprocess.run([python, "-c", "pass"], capture_output=True, timeout=60)
        if done.returncode == 0:
            return python
    return None
