"""Every .py file of the standard library and of site-packages through `check` and
`fix --diff --unsafe-fixes`: files may be skipped (syntax errors, encodings), but the tool
must never fail internally."""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

CORPORA = {
    "stdlib": sysconfig.get_paths()["stdlib"],
    "site-packages": sysconfig.get_paths()["purelib"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", [["check"], ["fix", "--diff", "--unsafe-fixes"]], ids=["check", "fix-diff"])
@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_no_internal_errors(corpus: str, command, tmp_path: Path) -> None:
    root = Path(CORPORA[corpus])
    done = subprocess.run(
        [sys.executable, "-m", "asyncio_upgrade.cli", *command, "--isolated", "--no-cache", "-v",
         "--target-version", "py312", str(root)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode in (0, 1, 2), done.stderr[-2000:]
    internal = [line for line in done.stderr.splitlines() if "internal error" in line]
    assert not internal, "\n".join(internal[:20])
    assert "Traceback" not in done.stderr
    files = int(re.search(r"^(\d+) files", done.stderr, re.M).group(1))
    assert files > 200, f"only {files} files processed under {root}"
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


@pytest.mark.slow
@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_every_rule_on_every_file_never_fails_internally(corpus: str) -> None:
    """The CLI above prefilters most files away; here every rule runs on every file."""
    from concurrent.futures import ProcessPoolExecutor

    paths = [str(p) for p in sorted(Path(CORPORA[corpus]).rglob("*.py"))]
    assert len(paths) > 200
    with ProcessPoolExecutor() as pool:
        failures = [f for f in pool.map(_fix_without_prefilter, paths, chunksize=8) if f is not None]
    assert failures == []
