"""`fix --output-format`: what `fix --diff` would fix (with its edits) and what is left, in every
machine format; what plain `fix` leaves behind, at its positions in the rewritten file.
The same file throughout: two safe AIO301 fixes, one unsafe AIO201 fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app

from conftest import ROOT

runner = CliRunner()

SOURCE = (
    b"import asyncio\nimport time\n\n\nasync def a():\n    pass\n\n\n"
    b"async def main():\n"
    b"    time.sleep(1)  # wait\n"  # line 10: AIO301, safe
    b"    await asyncio.gather(a(), a())\n"  # line 11: AIO201, unsafe
    b"    time.sleep(2)\n"  # line 12: AIO301, safe
)
FIXED = (
    b"import asyncio\n\n\nasync def a():\n    pass\n\n\n"
    b"async def main():\n"
    b"    await asyncio.sleep(1)  # wait\n"
    b"    await asyncio.gather(a(), a())\n"  # now line 10: `import time` is gone
    b"    await asyncio.sleep(2)\n"
)
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())


OPTED_IN = '[tool.asyncio-upgrade]\nextend-safe-fixes = ["AIO301"]\n'


def project(tmp_path: Path, source: bytes = SOURCE) -> Path:
    # AIO301 is unsafe by the definition of safe; the project opts in, as a team would
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nrequires-python = ">=3.11"\n' + OPTED_IN)
    (tmp_path / "app.py").write_bytes(source)
    return tmp_path / "app.py"


def fix(path: Path, *args: str, input: bytes | None = None):
    return runner.invoke(app, ["fix", "--no-cache", *args, str(path)], input=input)


def brief(findings: list) -> list:
    return [(f["code"], f["line"], f["column"], f["fix"] and f["fix"]["applicability"], f["fix"] and f["fix"]["applied"])
            for f in findings]


def test_diff_json_reports_what_would_be_fixed_with_edits_and_the_rest_and_writes_nothing(tmp_path: Path) -> None:
    path = project(tmp_path)
    before = path.stat().st_mtime_ns
    result = fix(path, "--diff", "--output-format", "json")
    assert result.exit_code == 1  # would change, as with the text diff
    assert path.read_bytes() == SOURCE and path.stat().st_mtime_ns == before
    assert not list(tmp_path.glob("*.tmp*")) and sorted(p.name for p in tmp_path.iterdir()) == ["app.py", "pyproject.toml"]
    findings = json.loads(result.stdout)  # stdout holds the JSON only: no diff
    assert brief(findings) == [
        ("AIO301", 10, 5, "safe", True), ("AIO201", 11, 11, "unsafe", False), ("AIO301", 12, 5, "safe", True),
    ]
    assert findings[0]["fix"]["edits"] == [
        {"content": "await asyncio.sleep(1)", "line": 10, "column": 5, "end_line": 10, "end_column": 18}
    ]
    assert findings[0]["path"] == str(path) and findings[0]["end_line"] == 10 and findings[0]["end_column"] == 18
    assert "Rewriting" not in result.stderr and "---" not in result.stdout


def test_diff_json_with_unsafe_fixes_reports_unsafe_applicability(tmp_path: Path) -> None:
    path = project(tmp_path)
    findings = json.loads(fix(path, "--diff", "--unsafe-fixes", "--output-format", "json").stdout)
    assert brief(findings) == [
        ("AIO301", 10, 5, "safe", True), ("AIO201", 11, 11, "unsafe", True), ("AIO301", 12, 5, "safe", True),
    ]
    assert path.read_bytes() == SOURCE


def test_a_safe_rules_site_downgraded_to_unsafe_stays_unsafe_with_unsafe_fixes(tmp_path: Path) -> None:
    """AIO401 is a safe rule, but `loop=` on a `gather` not awaited on the spot is an unsafe site."""
    source = (b"import asyncio\n\n\nasync def a():\n    pass\n\n\nasync def main(loop):\n"
              b"    await asyncio.sleep(1, loop=loop)\n    future = asyncio.gather(a(), loop=loop)  # noqa: AIO201\n"
              b"    await future\n")
    path = project(tmp_path, source)
    for command in (["fix", "--diff"], ["check"]):
        result = runner.invoke(app, [*command, "--no-cache", "--unsafe-fixes", "--output-format", "json", str(path)])
        assert [(f["line"], f["fix"]["applicability"]) for f in json.loads(result.stdout)] == [(9, "safe"), (10, "unsafe")]


def test_fix_json_reports_what_is_left_at_its_position_in_the_rewritten_file(tmp_path: Path) -> None:
    path = project(tmp_path)
    result = fix(path, "--output-format", "json")
    assert result.exit_code == 1
    assert path.read_bytes() == FIXED
    findings = json.loads(result.stdout)
    assert brief(findings) == [("AIO201", 10, 11, "unsafe", False)]
    assert FIXED.splitlines()[findings[0]["line"] - 1].strip().startswith(b"await asyncio.gather(")
    assert f"Rewriting {path}" in result.stderr and "1 finding left" in result.stderr
    again = fix(path, "--output-format", "json")  # nothing to fix: the same finding, exit 0
    assert again.exit_code == 0 and brief(json.loads(again.stdout)) == brief(findings)
    clean = fix(path, "--unsafe-fixes", "--output-format", "json")
    assert clean.exit_code == 1 and json.loads(clean.stdout) == []


def test_fix_json_for_stdin_goes_to_stderr_beside_the_fixed_source(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["fix", "--isolated", "--extend-safe-fixes", "AIO301", "--target-version", "py311", "--output-format", "json", "--stdin-filename", "x.py", "-"],
        input=SOURCE,
    )
    assert result.exit_code == 1
    assert result.stdout_bytes == FIXED
    report, end = json.JSONDecoder().raw_decode(result.stderr)  # then the summary line
    assert result.stderr[end:].strip().startswith("Fixed 2 findings in 1 file")
    (left,) = report
    assert (left["path"], left["code"], left["line"]) == ("x.py", "AIO201", 10)
    diff = runner.invoke(app, ["fix", "--isolated", "--extend-safe-fixes", "AIO301", "--target-version", "py311", "--diff", "--output-format", "json", "-"],
                         input=SOURCE)
    assert diff.exit_code == 1 and len(json.loads(diff.stdout)) == 3


@pytest.mark.parametrize("args", [["--diff"], []], ids=["diff", "fix"])
def test_github_annotations(tmp_path: Path, args: list) -> None:
    path = project(tmp_path)
    result = fix(path, *args, "--output-format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    pattern = r"^::warning title=asyncio-upgrade \(AIO\d{3}\),file=[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+::.+$"
    assert lines and all(re.match(pattern, line) for line in lines), lines
    where = [re.search(r"\((AIO\d+)\),file=[^,]+,line=(\d+)", line).groups() for line in lines]
    if args:
        assert where == [("AIO301", "10"), ("AIO201", "11"), ("AIO301", "12")]
        assert lines[0].endswith("[*]") and lines[1].endswith("[* unsafe]")
        assert path.read_bytes() == SOURCE
    else:
        assert where == [("AIO201", "10")] and path.read_bytes() == FIXED


@pytest.mark.parametrize("args", [["--diff"], []], ids=["diff", "fix"])
def test_sarif_validates_and_carries_the_fixes(tmp_path: Path, args: list) -> None:
    path = project(tmp_path)
    result = fix(path, *args, "--output-format", "sarif")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    results = document["runs"][0]["results"]
    located = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results]
    if args:
        assert located == [("AIO301", 10), ("AIO201", 11), ("AIO301", 12)]
        assert [r["properties"] for r in results] == [
            {"fix": "safe", "applied": True}, {"fix": "unsafe", "applied": False}, {"fix": "safe", "applied": True},
        ]
        (change,) = results[0]["fixes"][0]["artifactChanges"]
        assert change["replacements"] == [
            {"deletedRegion": {"startLine": 10, "startColumn": 5, "endLine": 10, "endColumn": 18},
             "insertedContent": {"text": "await asyncio.sleep(1)"}}
        ]
        assert path.read_bytes() == SOURCE
    else:
        assert located == [("AIO201", 10)] and path.read_bytes() == FIXED


@pytest.mark.parametrize("args", [["--diff"], []], ids=["diff", "fix"])
def test_junit(tmp_path: Path, args: list) -> None:
    path = project(tmp_path)
    result = fix(path, *args, "--output-format", "junit")
    assert result.exit_code == 1
    tree = ElementTree.fromstring(result.stdout.split("\n", 1)[1])
    cases = [case.get("name").split()[0] + "@" + case.get("classname").rsplit(":", 2)[1] for case in tree.iter("testcase")]
    if args:
        assert cases == ["AIO301@10", "AIO201@11", "AIO301@12"] and tree.get("failures") == "3"
        assert path.read_bytes() == SOURCE
    else:
        assert cases == ["AIO201@10"] and tree.get("failures") == "1"
        assert path.read_bytes() == FIXED


def test_text_is_the_default_and_keeps_the_diff(tmp_path: Path) -> None:
    path = project(tmp_path)
    default = fix(path, "--diff")
    text = fix(path, "--diff", "--output-format", "text")
    assert text.exit_code == default.exit_code == 1
    assert text.stdout == default.stdout and text.stdout.startswith(f"--- {path}\n+++ {path}\n")


def test_nothing_to_fix_is_an_empty_report_and_exit_0(tmp_path: Path) -> None:
    path = project(tmp_path, b"x = 1\n")
    for args in (["--diff"], []):
        result = fix(path, *args, "--output-format", "json")
        assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_unknown_output_format_is_a_usage_error(tmp_path: Path) -> None:
    result = fix(project(tmp_path), "--output-format", "xml")
    assert result.exit_code == 2
    assert result.output.strip() == "asyncio-upgrade: error: --output-format must be one of text, json, github, sarif, junit"
    assert (tmp_path / "app.py").read_bytes() == SOURCE


def test_diff_sarif_on_our_fixtures_validates(tmp_path: Path) -> None:
    """The repository's own fixtures, as `fix --diff` sees them: SARIF validates, with fixes on
    what the diff would apply; not a byte is written."""
    from conftest import FIXTURES

    before = {p: p.read_bytes() for p in FIXTURES.rglob("*.py")}
    sarif = runner.invoke(app, ["fix", "--diff", "--no-cache", "--isolated", "--unsafe-fixes", "--target-version",
                                "py312", "--output-format", "sarif", str(FIXTURES)])
    assert sarif.exit_code == 1
    document = json.loads(sarif.stdout)
    jsonschema.validate(document, SCHEMA)
    results = document["runs"][0]["results"]
    applied = [r for r in results if r.get("properties", {}).get("applied")]
    assert len(applied) > 100 and all(r["fixes"] for r in applied)
    assert {r["properties"]["fix"] for r in applied} == {"safe", "unsafe"}
    assert {p: p.read_bytes() for p in FIXTURES.rglob("*.py")} == before


def test_fix_counts_as_left_only_what_check_then_finds(tmp_path: Path) -> None:
    """AIO101 is unsafe on the first pass (`main` may not be a coroutine) and safe once AIO402
    has made `main` an `async def`: it is fixed, not left."""
    path = tmp_path / "app.py"
    path.write_bytes(
        b"import asyncio\n\n\n@asyncio.coroutine\ndef main():\n    yield from asyncio.sleep(0)\n\n\n"
        b"loop = asyncio.get_event_loop()\nloop.run_until_complete(main())\nloop.close()\n"
    )
    result = runner.invoke(app, ["fix", "--no-cache", "--isolated", "--target-version", "py311", str(path)])
    assert result.stderr.endswith("Fixed 2 findings in 1 file.\n")
    assert b"asyncio.run(main())" in path.read_bytes()
    assert runner.invoke(app, ["check", "--no-cache", "--isolated", "--target-version", "py311", str(path)]).exit_code == 0
