"""Every .py file of the standard library and of this environment's site-packages through
`check` and `fix --diff --unsafe-fixes`: files may be skipped (syntax errors, encodings), but the
tool must never fail internally.

The default tier runs a fixed slice of the standard library (every STEP-th file) and this
environment's site-packages; ``--full`` runs every file."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List

import pytest

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
CLI_STEP = 8  # the default tier's slices
EVERY_RULE_STEP = 25


def stdlib_files(step: int = 1) -> List[str]:
    """The standard library's own files (not the interpreter's site-packages), every step-th."""
    files = sorted(p for p in STDLIB.rglob("*.py") if "site-packages" not in p.relative_to(STDLIB).parts)
    return [str(p) for p in files[::step]]


def site_packages_files(step: int = 1) -> List[str]:
    return [str(p) for p in sorted(SITE_PACKAGES.rglob("*.py"))[::step]]


CORPORA = {
    "stdlib-slice": lambda: stdlib_files(CLI_STEP),
    "site-packages": lambda: [str(SITE_PACKAGES)],
    "stdlib": stdlib_files,
}
SLOW = pytest.mark.slow


@pytest.mark.parametrize("command", [["check"], ["fix", "--diff", "--unsafe-fixes"]], ids=["check", "fix-diff"])
@pytest.mark.parametrize("corpus", ["stdlib-slice", "site-packages", pytest.param("stdlib", marks=SLOW)])
def test_no_internal_errors(corpus: str, command, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asyncio_upgrade.cli", *command, "--isolated", "--no-cache", "-v",
         "--target-version", "py312", *CORPORA[corpus]()],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1, 2), done.stderr[-2000:]
    internal = [line for line in done.stderr.splitlines() if "internal error" in line]
    assert not internal, "\n".join(internal[:20])
    assert "Traceback" not in done.stderr
    files = int(re.search(r"^(\d+) files", done.stderr, re.M).group(1))
    assert files > 200, f"only {files} files processed in {corpus}"
    if command == ["check"]:
        assert done.stdout.strip(), "check printed no summary"


def _fix_without_prefilter(path: str):
    from asyncio_upgrade.codemods.api import Settings, process_source

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    result = process_source(data, Settings(target_version=(3, 12), unsafe_fixes=True, prefilter=False), fix=True)
    return (path, result.skipped) if result.internal_error else None


@pytest.mark.parametrize(
    "paths",
    [
        pytest.param(lambda: stdlib_files(EVERY_RULE_STEP), id="stdlib-slice"),
        pytest.param(stdlib_files, id="stdlib", marks=SLOW),
        pytest.param(site_packages_files, id="site-packages", marks=SLOW),
    ],
)
def test_every_rule_on_every_file_never_fails_internally(paths) -> None:
    """The CLI above prefilters most files away; here every rule runs on every file."""
    from concurrent.futures import ProcessPoolExecutor

    chosen = paths()
    assert len(chosen) > 50
    with ProcessPoolExecutor(max_workers=2) as pool:
        failures = [f for f in pool.map(_fix_without_prefilter, chosen, chunksize=4) if f is not None]
    assert failures == []
