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


def _rule_modules_after(argv: list, cwd: Path) -> list:
    script = (
        "import sys\n"
        "from asyncio_upgrade.cli.app import main\n"
        f"sys.argv = {['asyncio-upgrade', *argv]!r}\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(','.join(sorted(m.rpartition('.')[2][:6] for m in sys.modules if '.codemods.rules.aio' in m)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=True)
    return [code for code in done.stdout.splitlines()[-1].split(",") if code]


def test_a_check_imports_only_the_rules_its_files_need(tmp_path: Path) -> None:
    (tmp_path / "finding.py").write_text("import time\n\n\nasync def main():\n    time.sleep(1)\n")
    assert _rule_modules_after(["check", "--isolated", "--no-cache", "finding.py"], tmp_path) == ["aio301"]


def test_a_fix_imports_the_rules_its_rewritten_file_may_need(tmp_path: Path) -> None:
    """A later pass asks the prefilter again over every selected rule (a fix can give another
    rule work), by their manifest entries: it imports only the rules the rewritten text may
    trigger. Here AIO402 makes `f` a coroutine, whose `time.sleep` AIO301 then finds."""
    (tmp_path / "fixed.py").write_text("import asyncio\n\n\nasync def f():\n    await asyncio.sleep(0, loop=None)\n")
    loaded = _rule_modules_after(["fix", "--isolated", "--no-cache", "--target-version", "py311", "fixed.py"], tmp_path)
    assert "aio401" in loaded and len(loaded) < 10
    assert (tmp_path / "fixed.py").read_text() == "import asyncio\n\n\nasync def f():\n    await asyncio.sleep(0)\n"
    (tmp_path / "gen.py").write_text(
        "import asyncio\nimport time\n\n\n@asyncio.coroutine\ndef f():\n    time.sleep(1)\n    yield from asyncio.sleep(0)\n"
    )
    loaded = _rule_modules_after(["fix", "--isolated", "--no-cache", "--target-version", "py311", "gen.py"], tmp_path)
    assert {"aio402", "aio301"} <= set(loaded) and len(loaded) < 10
    assert "async def f():\n    time.sleep(1)\n" in (tmp_path / "gen.py").read_text()
