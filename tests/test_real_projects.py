"""Real projects' own test suites before and after `asyncio-upgrade fix` (safe fixes, py311).

For each pinned sdist: install it with its test tools in a fresh virtual environment, run its
tests, rewrite its source and tests, reinstall, run the tests again. Every test that passed
before must pass after. Slow (downloads and installs); also runnable by hand:

    python tests/test_real_projects.py [NAME==VERSION ...]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import List, Set, Tuple
from xml.etree import ElementTree

import corpus
import pytest

# (sdist pin, test requirements, test folder)
PROJECTS: List[Tuple[str, Tuple[str, ...], str]] = [
    ("aiolimiter==1.3.0", ("pytest", "pytest-asyncio", "pytest-cov", "toml", "dunamai"), "tests"),
    ("asyncstdlib==3.10.9", ("pytest", "pytest-cov"), "unittests"),
    ("aiostream==0.6.4", ("pytest", "pytest-asyncio", "pytest-cov"), "tests"),
    ("pyee==9.0.4", ("pytest<8", "pytest-asyncio<0.22", "pytest-cov", "pytest-trio", "trio", "twisted", "mock"), "tests"),
]


@dataclass
class Report:
    project: str
    passed_before: int
    passed_after: int
    broken: Set[str]
    rewritten: List[str]


def _run(command, cwd=None, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _passed(python: Path, project: Path, tests: str, report: Path) -> Set[str]:
    done = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--continue-on-collection-errors",
                 f"--junitxml={report}", tests], cwd=project, check=False)
    if not report.exists():
        raise RuntimeError(f"the test suite did not run:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    passed = set()
    for case in ElementTree.parse(report).iter("testcase"):
        if not any(child.tag in ("failure", "error", "skipped") for child in case):
            passed.add(f"{case.get('classname')}::{case.get('name')}")
    return passed


def check_project(spec: str, requirements, tests: str, work: Path) -> Report:
    project = work / "src"
    shutil.copytree(corpus.unpacked(spec), project)
    env = work / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", str(project), *requirements])
    before = _passed(python, project, tests, work / "before.xml")

    fixed = _run([sys.executable, "-m", "asyncio_upgrade.cli", "fix", "--isolated", "--no-cache",
                  "--target-version", "py311", str(project)], check=False)
    assert fixed.returncode in (0, 1), fixed.stderr
    rewritten = [line.split(" ", 1)[1] for line in fixed.stderr.splitlines() if line.startswith("Rewriting ")]
    _run([python, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(project)])
    after = _passed(python, project, tests, work / "after.xml")
    return Report(spec, len(before), len(after & before), before - after, rewritten)


SAMPLE = "aiolimiter==1.3.0"  # the default tier's bounded sample; --full runs every project


@pytest.mark.parametrize(
    "spec, requirements, tests",
    [pytest.param(*p, marks=() if p[0] == SAMPLE else pytest.mark.slow, id=p[0]) for p in PROJECTS],
)
def test_tests_that_passed_still_pass(spec, requirements, tests, tmp_path: Path) -> None:
    report = check_project(spec, requirements, tests, tmp_path)
    print(f"\n{report.project}: {report.passed_before} passed before, {report.passed_after} of them after; "
          f"{len(report.rewritten)} files rewritten: {', '.join(Path(p).name for p in report.rewritten)}")
    assert report.passed_before > 0, "the project's tests did not run here"
    assert not report.broken, f"tests broken by the fixes: {sorted(report.broken)}"


if __name__ == "__main__":
    chosen = [p for p in PROJECTS if not sys.argv[1:] or p[0] in sys.argv[1:]]
    for spec, requirements, tests in chosen:
        with tempfile.TemporaryDirectory() as folder:
            report = check_project(spec, requirements, tests, Path(folder))
            print(f"{report.project}: passed {report.passed_before} before, {report.passed_after} of them after, "
                  f"broken {sorted(report.broken)}; rewritten {len(report.rewritten)} files")
