"""Reading golden fixture cases: fixtures/<rule-key>/<case>.input.py (+ .expected.py, .stdout)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from asyncio_upgrade.codemods.api import NEWEST_TARGET, Settings, Version, parse_version

from conftest import FIXTURES

_HEADER = re.compile(rb"^#\s*(?P<key>[a-z-]+)(?::\s*(?P<value>\S+))?\s*$")
KNOWN_OPTIONS = {"target-version", "unsafe-fixes", "runnable", "input-python"}


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
    def runnable(self) -> bool:
        return "runnable" in self.options

    def settings(self, code: Optional[str], **changes: object) -> Settings:
        values = dict(
            target_version=self.target,
            select=frozenset({code}) if code else None,
            unsafe_fixes=self.unsafe,
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
    installed but not selected exists on PATH and fails), else None."""
    candidates = [shutil.which(f"python{version}")]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))
    for python in filter(None, candidates):
        try:
            if subprocess.run([python, "-c", ""], capture_output=True, timeout=30).returncode == 0:
                return python
        except OSError:
            continue
    return None
