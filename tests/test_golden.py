"""Every golden case of every rule: byte-exact output and the properties around it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from asyncio_upgrade.codemods.api import OLDEST_TARGET, FixStatus, Safety, Version, process_source
from asyncio_upgrade.codemods.registry import rules_by_code

from conftest import FIXTURES
from golden import (
    KNOWN_PYTHONS,
    NEWEST_PYTHON,
    Case,
    all_cases,
    can_import,
    find_python,
    format_python,
    pyenv_root,
    run_program,
    start_program,
    third_party_imports,
)
from suite_runs import environment, requirements
from sweeps import all_rules, fixed_input

CASES = all_cases()
RULES = {rule.key: rule for rule in rules_by_code().values()}


def fix(data: bytes, settings) -> bytes:
    result = process_source(data, settings, fix=True)
    assert result.skipped is None, result.skipped
    return result.new_source if result.new_source is not None else data


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_output(case: Case, update_goldens: bool) -> None:
    rule = RULES[case.key]
    source = case.input_path.read_bytes()
    output = fix(source, case.settings(rule.code))
    if not case.changes:
        assert not case.expected_path.exists(), "a noop_ or report-only case has no expected file"
        assert output == source, "a noop_ or report-only case must not change"
        return
    if update_goldens:
        case.expected_path.write_bytes(output)
    assert case.expected_path.exists(), "an input needs an expected file or a noop_ name"
    expected = case.expected_path.read_bytes()
    assert output == expected
    assert output != source, "a case that changes nothing must be named noop_"


@pytest.mark.parametrize("case", [c for c in CASES if c.changes], ids=lambda c: c.id)
def test_expected_is_stable(case: Case) -> None:
    """The expected file compiles; neither its rule nor all rules together change it; and all
    rules together turn the input into the expected file too, so the fix creates no work for
    another rule and blocks none."""
    rule = RULES[case.key]
    expected = case.expected_path.read_bytes()
    compile(expected, str(case.expected_path), "exec", dont_inherit=True)
    assert fix(expected, case.settings(rule.code)) == expected, "the rule is not idempotent"
    everything = case.settings(None)
    assert fix(expected, everything) == expected, (
        "all rules together change the expected file (keep other rules' anti-patterns out of the case, "
        "or mark an incidental one `# noqa: AIOxxx`)"
    )
    assert fixed_input(case) == expected, (
        "this rule's fix makes other rules act differently on the input (new findings, or blocked ones)"
    )


@pytest.mark.parametrize("case", [c for c in CASES if c.changes], ids=lambda c: c.id)
def test_gates(case: Case) -> None:
    """Nothing changes below the rule's min_python, or without --unsafe-fixes when needed,
    and `check` reports what `fix` fixes."""
    rule = RULES[case.key]
    source = case.input_path.read_bytes()
    major, minor = rule.min_python
    below = case.settings(rule.code, target_version=(major, minor - 1))
    assert fix(source, below) == source, f"changed with a target below {rule.min_python}"
    if rule.safety is Safety.UNSAFE:
        assert fix(source, case.settings(rule.code, unsafe_fixes=False)) == source
    elif case.unsafe:
        safe_only = fix(source, case.settings(rule.code, unsafe_fixes=False))
        assert safe_only != case.expected_path.read_bytes(), "# unsafe-fixes header on a case needing none"
    checked = process_source(source, case.settings(rule.code), fix=False)
    fixable = [f for f in checked.findings if f.code == rule.code and f.fix is FixStatus.AVAILABLE]
    assert fixable, "check reports no fixable finding for a case that fix changes"


def black_formatted(source: bytes) -> bool:
    import black

    try:
        black.format_file_contents(source.decode(), fast=True, mode=black.Mode())
    except black.NothingChanged:
        return True
    return False


@pytest.mark.parametrize("case", [c for c in CASES if c.black and c.changes], ids=lambda c: c.id)
def test_black_formatting(case: Case) -> None:
    """`# format: black`: a black-formatted input gives a black-formatted result (which the rule's
    edits alone would not); any other input gets the rule's edits only, the rest kept byte for byte."""
    rule = RULES[case.key]
    source = case.input_path.read_bytes()
    expected = case.expected_path.read_bytes()
    edits_only = fix(source, case.settings(rule.code, black=None))
    if black_formatted(source):
        assert black_formatted(expected), "black-formatted before the fix, not after"
        assert edits_only != expected, "black changes nothing here: the `# format: black` header is not needed"
    else:
        assert edits_only == expected, "an unformatted file was reformatted"


def output_floor(case: Case) -> Version:
    """The oldest Python the case's output is made for: its ``# target-version`` header, else the
    oldest supported target at which the rule writes the expected file (a site may need a newer
    Python than its rule does, e.g. ``asyncio.Runner``)."""
    if "target-version" in case.options:
        return case.target
    rule = RULES[case.key]
    oldest = max(rule.min_python, OLDEST_TARGET)
    if not case.expected_path.exists():
        return oldest  # test_output says it is missing (or writes it, with --update-goldens)
    source, expected = case.input_path.read_bytes(), case.expected_path.read_bytes()
    for version in (v for v in KNOWN_PYTHONS if v >= oldest):
        if fix(source, case.settings(rule.code, target_version=version)) == expected:
            return version
    return case.target


def output_pythons(case: Case) -> List[Version]:
    """The output of a case that changes runs on every Python from its target up to the newest;
    a noop_ or report-only case runs its input where the input runs."""
    if not case.changes:
        return [case.input_python]
    floor = output_floor(case)
    return [v for v in KNOWN_PYTHONS if v >= floor] or [floor]


RUNNABLE = {case.id: (case, output_pythons(case)) for case in CASES if case.runnable}


def program_of(case: Case) -> Path:
    return case.expected_path if case.changes else case.input_path


def missing_for(program: Path, version: Version, runner: Optional[str] = None) -> Optional[str]:
    """Why ``program`` cannot run on Python ``version`` here, or None."""
    python = find_python(version)
    if python is None:
        return f"python{format_python(version)} not found (under {pyenv_root()}/versions or on PATH)"
    python, why = python_for(program, version, runner)
    if python is None:
        return why
    for module in sorted(third_party_imports(program)):
        if not can_import(python, module):
            return f"{program.name} imports {module}, which {python} does not have"
    return None


def tools_tier(case: Case, version: Version) -> tuple:
    """A pytest test module's output needs a tool environment per Python, made on first use (about
    a minute each): the default tier makes the one of 3.11, ``--full`` all of them."""
    return (pytest.mark.slow,) if case.test_runner == "pytest" and version != (3, 11) else ()


def start_case(case: Case, versions: List[Version]) -> None:
    """Start all of a case's runs at once, unless pytest-xdist spreads its tests over workers
    (each worker would run them all)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    runs = [(program_of(case), v) for v in versions] + [(case.input_path, case.input_python)]
    for program, version in runs:
        if missing_for(program, version, case.test_runner) is None:
            start_program(program, python_for(program, version, case.test_runner)[0], case.test_runner)


def python_for(program: Path, version: Version, runner: Optional[str]) -> Tuple[Optional[str], str]:
    """The interpreter that runs ``program``: Python ``version``, or for a test module a virtual
    environment of it with the tools the module needs (``suite_runs``); else (None, why)."""
    python = find_python(version)
    if runner is None or python is None:
        return python, ""
    return environment(python, requirements(program, runner, third_party_imports(program)))


def printed_by(program: Path, version: Version, runner: Optional[str] = None) -> str:
    """What ``program`` prints on Python ``version`` (a test module: its tally); a skip naming
    what is missing."""
    missing = missing_for(program, version, runner)
    if missing:
        pytest.skip(missing)
    python = python_for(program, version, runner)[0]
    ran = run_program(program, python, runner)
    assert ran.returncode == 0, f"{program.name} failed under {python}:\n{ran.stderr}"
    return ran.stdout


@pytest.mark.parametrize(
    ("case", "version"),
    [pytest.param(c, v, id=f"{c.id}-py{format_python(v)}", marks=tools_tier(c, v))
     for c, pythons in RUNNABLE.values() for v in pythons],
)
def test_runnable(case: Case, version: Version) -> None:
    """The rewritten program, run on each Python from the case's target up, prints what the
    original printed on the newest Python where it ran (and what ``.stdout`` says it prints)."""
    start_case(case, RUNNABLE[case.id][1])
    newest = format_python(NEWEST_PYTHON)
    assert version <= NEWEST_PYTHON, f"output made for {format_python(version)}: no Python up to {newest} runs it"
    if "input-python" in case.options:
        assert case.stdout_path.exists(), "an input-python case needs a .stdout file"
    after = printed_by(program_of(case), version, case.test_runner)
    if case.stdout_path.exists():
        assert after == case.stdout_path.read_text()
    if find_python(case.input_python) is None and case.stdout_path.exists():
        missing = format_python(case.input_python)
        pytest.skip(f"the input's python{missing} not found: output checked against .stdout only")
    before = printed_by(case.input_path, case.input_python, case.test_runner)
    if case.input_stdout_path.exists():
        assert case.unsafe and case.stdout_path.exists(), "an .input.stdout needs # unsafe-fixes and a .stdout"
        assert before == case.input_stdout_path.read_text() and after != before
        return
    assert after == before


@pytest.mark.parametrize("case", [c for c in CASES if c.findings_path.exists()], ids=lambda c: c.id)
def test_findings(case: Case, update_goldens: bool) -> None:
    """What `check` reports for the rule on the input, where the case lists it (.findings)."""
    rule = RULES[case.key]
    checked = process_source(case.input_path.read_bytes(), case.settings(rule.code), fix=False)
    assert checked.skipped is None, checked.skipped
    found = "".join(f"{f.line}:{f.column} {f.code} {f.fix.value} {f.message}\n" for f in checked.findings)
    if update_goldens:
        case.findings_path.write_text(found)
    assert found == case.findings_path.read_text()
    if case.report_only:
        assert found, "a report-only case must report something"


def test_every_fixture_file_has_a_fate() -> None:
    for path in FIXTURES.glob("*/*"):
        name = path.name
        assert name.endswith((".input.py", ".expected.py", ".stdout", ".findings")), f"stray fixture file {path}"
        if name.endswith(".expected.py"):
            assert path.with_name(name.replace(".expected.py", ".input.py")).exists(), f"{path} has no input"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_prefilter_drops_nothing(case: Case) -> None:
    """Every rule together, with and without the text prefilter: the same findings and output."""
    for fix_mode in (False, True):
        with_filter = all_rules(case, fix=fix_mode)
        without = all_rules(case, fix=fix_mode, prefilter=False)
        assert (with_filter.findings, with_filter.new_source, with_filter.skipped) == (
            without.findings, without.new_source, without.skipped
        )
