"""Running a real project's own tests before and after `asyncio-upgrade fix` (safe fixes, py311).

A project's tests run pristine on one Python (an old one for the releases dense in removed APIs,
where they still run), then its tree is rewritten, and its tests run again on each new Python
from py311 up. Each run gets a fresh virtual environment of that Python, with the project
installed from the tree and the test requirements for that Python.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Set, Tuple
from xml.etree import ElementTree

import corpus
from golden import find_python, format_python

from asyncio_upgrade.codemods.api import Version

TARGET: Version = (3, 11)
AFTER_PYTHONS: Tuple[Version, ...] = ((3, 11), (3, 13))
TEST_TIMEOUT = 60  # seconds per test (pytest-timeout): a test that hangs fails instead of the whole run
SUITE_TIMEOUT = 1200


@dataclass(frozen=True)
class Project:
    spec: str
    tests: str
    requirements: Tuple[str, ...]  # test tools on the new Pythons
    before_python: Version = TARGET  # where the pristine tests run: the newest where they still run
    before_requirements: Optional[Tuple[str, ...]] = None  # test tools there, if not the same
    # What its setup.py imports (pymodbus's `six`): installed first, then the project is built
    # without build isolation (with them and the setuptools they bring).
    build_requirements: Tuple[str, ...] = ()
    pytest_options: Tuple[str, ...] = ()  # e.g. leaving out tests that need the network
    fix_options: Tuple[str, ...] = ()  # more options for `fix`: ("--extend-safe-fixes", "AIO7") opts in to rules
    # Tests that passed before and cannot pass from some new Python up whatever the fixes do:
    # test id -> (the first Python where it cannot, why).
    cannot_pass_after: Mapping[str, Tuple[Version, str]] = field(default_factory=dict)
    # The same for every test that fails with an exception of the project's own making that a new
    # Python raises whatever the fixes do: a part of its message -> (the first such Python, why).
    cannot_pass_failing_with: Mapping[str, Tuple[Version, str]] = field(default_factory=dict)
    # Why the safe fixes alone cannot finish this project's migration (sites the tool rightly
    # leaves unsafe); then the unsafe fixes are applied on top and must make every test pass.
    incomplete: str = ""
    # Tests whose outcome an opted-in unsafe fix changes in the way its docs say: test id -> how.
    changed_by_unsafe_fix: Mapping[str, str] = field(default_factory=dict)
    # The newest Python its fixed suite can run to its end on, where a newer one hangs in tests
    # that cannot pass anyway (the reason in a comment at the project); None: every one.
    newest_python: Optional[Version] = None

    @property
    def tools_before(self) -> Tuple[str, ...]:
        return self.requirements if self.before_requirements is None else self.before_requirements


@dataclass
class Run:
    python: Version
    passed: Set[str]
    failures: Dict[str, str]  # test id -> the exception it failed with, e.g. "TypeError: ... 'loop'"


@dataclass
class Report:
    project: Project
    before: Run
    # An old project's untouched tests on 3.11, with the tools of after (pytest-asyncio 1.x where
    # before had 0.21): what the fixes start from
    pristine_on_target: Optional[Run]
    after: List[Run]
    after_unsafe: List[Run]  # for an incomplete project: with the unsafe fixes applied too
    rewritten: List[str]
    findings: Dict[str, Counter]  # rule code -> Counter of "safe" / "unsafe" / "report-only"
    missing_pythons: List[Version]

    def broken(self, run: Run) -> Set[str]:
        excused = {test for test, (since, _) in self.project.cannot_pass_after.items() if run.python >= since}
        excused |= {test for test, failure in run.failures.items()
                    for part, (since, _) in self.project.cannot_pass_failing_with.items()
                    if run.python >= since and part in failure}
        return self.before.passed - run.passed - excused - set(self.project.changed_by_unsafe_fix)

    def changed_on_target(self) -> Set[str]:
        """Tests that passed unfixed on 3.11 and fail fixed on 3.11: what the fixes alone changed."""
        fixed = next((run for run in self.after if run.python == TARGET), None)
        if self.pristine_on_target is None or fixed is None:
            return set()
        return self.pristine_on_target.passed - fixed.passed - set(self.project.changed_by_unsafe_fix)

    def lines(self) -> List[str]:
        spec = self.project.spec
        lines = [f"{spec}: {len(self.before.passed)} passed before on {format_python(self.before.python)}"]
        if self.pristine_on_target:
            changed = sorted(self.changed_on_target())
            lines.append(f"  unfixed on {format_python(TARGET)}: {len(self.pristine_on_target.passed)} pass, "
                         f"{len(changed)} of them fail fixed: {changed or 'none'}")
        for runs, what in ((self.after, ""), (self.after_unsafe, " with the unsafe fixes too")):
            for run in runs:
                kept = len(self.before.passed & run.passed)
                broken = sorted(self.broken(run))
                lines.append(f"  after{what} on {format_python(run.python)}: {kept} of them pass "
                             f"({len(run.passed)} in all), {len(broken)} broken: {broken[:8] or 'none'}")
                reasons = Counter(run.failures[test] for test in broken if test in run.failures)
                lines.extend(f"    {count} x {reason}" for reason, count in reasons.most_common(6))
        if self.project.incomplete:
            lines.append(f"  incomplete with the safe fixes alone: {self.project.incomplete}")
        for python in self.missing_pythons:
            lines.append(f"  after on {format_python(python)}: skipped, no such Python here")
        if self.project.newest_python is not None:
            lines.append(f"  after on Pythons newer than {format_python(self.project.newest_python)}: not run (see the project)")
        for test, (since, reason) in sorted(self.project.cannot_pass_after.items()):
            lines.append(f"  excused from {format_python(since)} up: {test}: {reason}")
        for part, (since, reason) in sorted(self.project.cannot_pass_failing_with.items()):
            lines.append(f"  excused from {format_python(since)} up, failing with {part!r}: {reason}")
        for test, how in sorted(self.project.changed_by_unsafe_fix.items()):
            passed = [format_python(run.python) for run in self.after if test in run.passed]
            lines.append(f"  changed by an opted-in unsafe fix ({how}): {test}; passes after on {passed or 'none'}")
        lines.append(f"  {len(self.rewritten)} files rewritten: {', '.join(sorted(self.rewritten))}")
        for code, counts in sorted(self.findings.items()):
            lines.append(f"  check {code}: " + ", ".join(f"{counts[kind]} {kind}" for kind in FINDING_KINDS))
        return lines

    def failure_lines(self) -> List[str]:
        return [f"  {format_python(run.python)} {test}: {run.failures.get(test, '?')}"
                for run in self.after for test in sorted(self.broken(run))]


FINDING_KINDS = ("safe", "unsafe", "report-only")


def _run(command, cwd=None, check=True) -> subprocess.CompletedProcess:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _environment(python: str, folder: Path, project: Path, requirements, build_requirements=()) -> Path:
    """A fresh virtual environment of ``python`` with the project (as it is now) and ``requirements``."""
    _run([python, "-m", "venv", str(folder)])
    inside = folder / "bin" / "python"
    isolation = []
    if build_requirements:
        _run([inside, "-m", "pip", "install", "-q", "setuptools", "wheel", *build_requirements])
        isolation = ["--no-build-isolation"]
    _run([inside, "-m", "pip", "install", "-q", *isolation, str(project), *requirements, "pytest-timeout"])
    return inside


def _outcomes(python: Path, project: Project, tree: Path, report: Path) -> Tuple[Set[str], Dict[str, str]]:
    done = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--continue-on-collection-errors",
                 f"--timeout={TEST_TIMEOUT}", f"--junitxml={report}", *project.pytest_options, project.tests],
                cwd=tree, check=False)
    if not report.exists():
        raise RuntimeError(f"the test suite did not run:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    passed, failures = set(), {}
    for case in ElementTree.parse(report).iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        outcomes = [child for child in case if child.tag in ("failure", "error", "skipped")]
        if not outcomes:
            passed.add(test)
        for outcome in outcomes:
            if outcome.tag != "skipped":
                failures[test] = _reason(outcome)
    return passed, failures


def _reason(outcome: ElementTree.Element) -> str:
    """The exception a failure ended in: its message, or for an error in collection or a fixture
    (message "collection failure", "failed on setup ...") the last `E   ` line of its traceback."""
    message = (outcome.get("message") or "").strip()
    raised = [line[1:].strip() for line in (outcome.text or "").splitlines() if line.startswith("E  ")]
    if outcome.tag == "error" and raised:
        message = raised[-1]
    return message.splitlines()[0][:160] if message else "?"


def _tests_on(python_version: Version, requirements, project: Project, tree: Path, work: Path) -> Run:
    python = find_python(python_version)
    assert python, f"no Python {format_python(python_version)}"
    name = f"py{python_version[0]}{python_version[1]}"
    folder = work / f"venv-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    inside = _environment(python, folder, tree, requirements, project.build_requirements)
    report = work / f"{name}.xml"
    report.unlink(missing_ok=True)
    return Run(python_version, *_outcomes(inside, project, tree, report))


def _findings(project: Path) -> Dict[str, Counter]:
    done = _run([sys.executable, "-m", "asyncio_upgrade.cli", "check", "--isolated", "--no-cache", "--exit-zero",
                 "--target-version", f"py{TARGET[0]}{TARGET[1]}", "--output-format", "json", str(project)])
    counts: Dict[str, Counter] = {}
    for finding in json.loads(done.stdout):
        fix = finding["fix"]
        counts.setdefault(finding["code"], Counter())[fix["applicability"] if fix else "report-only"] += 1
    return counts


def check_project(project: Project, work: Path, fix_options: Tuple[str, ...] = (),
                  after_pythons: Tuple[Version, ...] = AFTER_PYTHONS) -> Report:
    """``fix_options``: more options for `fix` (by hand, e.g. ``--unsafe-fixes --select AIO402``,
    to see what the fixes that are not safe would do to the project's tests)."""
    tree = work / "src"
    shutil.copytree(corpus.unpacked(project.spec), tree)
    findings = _findings(tree)
    before = _tests_on(project.before_python, project.tools_before, project, tree, work)
    pristine_on_target = None
    if (project.before_python != TARGET or project.before_requirements is not None) and find_python(TARGET):
        pristine_on_target = _tests_on(TARGET, project.requirements, project, tree, work)
    for built in ("build", *(p.name for p in tree.glob("*.egg-info"))):
        shutil.rmtree(tree / built, ignore_errors=True)  # left by pip; the fix and the next builds see sources only

    fix_options = (*project.fix_options, *fix_options)
    rewritten = _fix(tree, fix_options)
    present = [v for v in after_pythons if find_python(v) and v <= (project.newest_python or v)]
    after = [_tests_on(v, project.requirements, project, tree, work) for v in present]
    after_unsafe = []
    if project.incomplete and "--unsafe-fixes" not in fix_options:
        rewritten = sorted({*rewritten, *_fix(tree, (*fix_options, "--unsafe-fixes"))})
        after_unsafe = [_tests_on(v, project.requirements, project, tree, work) for v in present]
    missing = [v for v in after_pythons if not find_python(v)]
    return Report(project, before, pristine_on_target, after, after_unsafe, rewritten, findings, missing)


def _fix(tree: Path, fix_options: Tuple[str, ...]) -> List[str]:
    """Run `fix` over ``tree``; the files it rewrote, relative to it."""
    fixed = _run([sys.executable, "-m", "asyncio_upgrade.cli", "fix", "--isolated", "--no-cache",
                  "--target-version", f"py{TARGET[0]}{TARGET[1]}", *fix_options, str(tree)], check=False)
    assert fixed.returncode in (0, 1), fixed.stderr
    return [str(Path(line.split(" ", 1)[1]).relative_to(tree))
            for line in fixed.stderr.splitlines() if line.startswith("Rewriting ")]
