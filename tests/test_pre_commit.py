"""The real pre-commit, installing our hook from this checkout, on a real `git commit`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

ANTI_PATTERN = b"import time\n\n\nasync def main():\n    time.sleep(1)  # blocks the loop\n"
FIXED = b"import asyncio\n\n\nasync def main():\n    await asyncio.sleep(1)  # blocks the loop\n"


IDENTITY = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def git(cwd: Path, *args: str, env: dict = {}, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **IDENTITY, **env},
                          capture_output=True, text=True, check=check)


def snapshot_of_this_checkout(tmp_path: Path) -> tuple:
    """A repository holding the working tree as it is now, and the commit to pin."""
    repo = tmp_path / "hook-repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info",
                                                              "__pycache__", ".asyncio_upgrade_cache"))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "snapshot")
    return repo, git(repo, "rev-parse", "HEAD").stdout.strip()


def test_manifest_declares_both_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["asyncio-upgrade"]["entry"] == "asyncio-upgrade fix"
    assert hooks["asyncio-upgrade-check"]["entry"] == "asyncio-upgrade check"
    for hook in hooks.values():
        assert hook["language"] == "python" and "python" in hook["types_or"]


def test_our_own_hooks_leave_fixtures_alone() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    assert config["exclude"] == "^fixtures/"


def test_commit_fails_with_the_file_fixed_then_passes(tmp_path: Path) -> None:
    hook_repo, rev = snapshot_of_this_checkout(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "asyncio-upgrade"}]}]})
    )
    (project / "pyproject.toml").write_text(  # a team that applies the blocking-call fixes on commit
        '[project]\nname = "p"\nrequires-python = ">=3.11"\n[tool.asyncio-upgrade]\nextend-safe-fixes = ["AIO3"]\n'
    )
    (project / "app.py").write_bytes(ANTI_PATTERN)
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env={**os.environ, **env},
                   check=True, capture_output=True)
    git(project, "add", "-A")

    first = git(project, "commit", "-qm", "first", env=env, check=False)
    assert first.returncode != 0, first.stdout + first.stderr
    assert "Rewriting app.py" in first.stdout + first.stderr
    assert (project / "app.py").read_bytes() == FIXED

    git(project, "add", "-A")
    second = git(project, "commit", "-qm", "second", env=env, check=False)
    assert second.returncode == 0, second.stdout + second.stderr

