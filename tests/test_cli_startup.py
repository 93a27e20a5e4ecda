"""What the command imports at start-up. A pre-commit hook starts it on every commit for a few
files: modules that only some runs need (walking folders, a process pool, a cache, a config
file, a machine format, the version) are imported by those runs, not by every one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

IMPORTED_ON_DEMAND = (
    "pathspec",  # patterns: .gitignore files, exclude, per-file-ignores
    "concurrent.futures",  # a process pool, for batches
    "multiprocessing",
    "tomllib",  # a pyproject.toml
    "hashlib",  # the cache
    "json",  # the cache; the json and sarif formats
    "xml.etree.ElementTree",  # the junit format
    "tempfile",  # writing a fixed file or a cache entry
    "importlib.metadata",  # --version, the sarif format
    "rich",  # a terminal
)


def loaded_after(code: str, cwd: Path) -> list[str]:
    """Which of those modules a fresh interpreter holds after running ``code``."""
    script = f"{code}\nimport sys\nprint(','.join(m for m in {IMPORTED_ON_DEMAND!r} if m in sys.modules))\n"
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True)
    last_line = done.stdout.splitlines()[-1]  # after whatever the command printed
    return [name for name in last_line.split(",") if name]


def test_importing_the_command_imports_none_of_them(tmp_path: Path) -> None:
    assert loaded_after("import asyncio_upgrade.cli.app\n", tmp_path) == []


def test_checking_a_file_without_findings_imports_none_of_them(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("import os\n\n\ndef f(x):\n    return os.path.join(x, 'y')\n")
    check = (
        "import sys\n"
        "from asyncio_upgrade.cli.app import main\n"
        "sys.argv = ['asyncio-upgrade', 'check', '--isolated', '--no-cache', 'plain.py']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
    )
    assert loaded_after(check, tmp_path) == []
