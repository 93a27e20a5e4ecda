"""The command line with real rules: AIO301 (time.sleep in a coroutine, safe), AIO201
(gather -> TaskGroup, unsafe, 3.11) and AIO405 (asyncio.TimeoutError, 3.11)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app

from conftest import FIXTURES, ROOT

runner = CliRunner()

SLEEPY = b"import asyncio\nimport time\n\n\nasync def main():\n    time.sleep(1)  # wait\n"
FIXED = b"import asyncio\n\n\nasync def main():\n    await asyncio.sleep(1)  # wait\n"  # `import time` became unused
GATHER = b"import asyncio\n\n\nasync def a():\n    pass\n\n\nasync def main():\n    await asyncio.gather(a(), a())\n"
TIMEOUT = b"import asyncio\n\ntry:\n    pass\nexcept asyncio.TimeoutError:\n    pass\n"


def invoke(*args: str, input: bytes | None = None):
    return runner.invoke(app, ["--no-cache" if False else args[0], *args[1:]], input=input)


# AIO301 (time.sleep) is unsafe by the definition of safe; these tests use it as the team that
# opts in with extend-safe-fixes does.
OPTED_IN = '[tool.asyncio-upgrade]\nextend-safe-fixes = ["AIO301"]\n'


def project(tmp_path: Path, files: dict, pyproject: str = '[project]\nname = "p"\nrequires-python = ">=3.11"\n' + OPTED_IN) -> Path:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return tmp_path


def test_check_reports_and_exits_1(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY})
    result = invoke("check", "--no-cache", str(root))
    assert result.exit_code == 1
    assert f"{root / 'app.py'}:6:5: AIO301 " in result.stdout and "[*]" in result.stdout
    assert "Found 1 finding." in result.stdout


def test_fix_rewrites_in_place_and_exits_1(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY, "clean.py": b"x = 1\n"})
    result = invoke("fix", "--no-cache", str(root))
    assert result.exit_code == 1
    assert f"Rewriting {root / 'app.py'}" in result.stderr
    assert (root / "app.py").read_bytes() == FIXED
    assert invoke("fix", "--no-cache", str(root)).exit_code == 0  # nothing left to do
    assert invoke("fix", "--no-cache", "--exit-zero-even-if-changed", str(root)).exit_code == 0


def test_diff_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY})
    result = invoke("fix", "--diff", "--no-cache", str(root))
    assert result.exit_code == 1
    assert f"--- {root / 'app.py'}\n+++ {root / 'app.py'}\n" in result.stdout
    assert "-    time.sleep(1)  # wait\n+    await asyncio.sleep(1)  # wait\n" in result.stdout
    assert (root / "app.py").read_bytes() == SLEEPY


def test_stdin_to_stdout() -> None:
    result = runner.invoke(app, ["fix", "--isolated", "--extend-safe-fixes", "AIO301", "--target-version", "py311", "-"], input=SLEEPY)
    assert result.stdout_bytes == FIXED and result.exit_code == 1
    checked = runner.invoke(app, ["check", "--isolated", "--extend-safe-fixes", "AIO301", "--stdin-filename", "x.py", "-"], input=SLEEPY)
    assert "x.py:6:5: AIO301" in checked.stdout


def test_target_version_withholds_and_says_so(tmp_path: Path) -> None:
    root = project(tmp_path, {"t.py": TIMEOUT}, pyproject='[project]\nname = "p"\nrequires-python = ">=3.9"\n')
    result = invoke("fix", "--no-cache", str(root))
    assert result.exit_code == 0 and (root / "t.py").read_bytes() == TIMEOUT
    assert "1 fix need --target-version py311" in result.stderr or "1 fix needs" in result.stderr or "need --target-version py311" in result.stderr
    assert invoke("fix", "--no-cache", "--target-version", "py311", str(root)).exit_code == 1
    assert b"except TimeoutError:" in (root / "t.py").read_bytes()


def test_unsafe_fix_needs_the_flag(tmp_path: Path) -> None:
    root = project(tmp_path, {"g.py": GATHER})
    checked = invoke("check", "--no-cache", str(root))
    assert "AIO201" in checked.stdout and "[* unsafe]" in checked.stdout and "more with `--unsafe-fixes`" in checked.stdout
    assert invoke("fix", "--no-cache", str(root)).exit_code == 0
    assert invoke("fix", "--no-cache", "--unsafe-fixes", str(root)).exit_code == 1
    assert b"TaskGroup" in (root / "g.py").read_bytes()


def test_select_and_ignore_by_prefix(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY, "g.py": GATHER})
    assert "AIO301" not in invoke("check", "--no-cache", "--select", "AIO2", str(root)).stdout
    assert "AIO201" in invoke("check", "--no-cache", "--select", "AIO2", str(root)).stdout
    assert invoke("check", "--no-cache", "--ignore", "AIO3,AIO201", str(root)).exit_code == 0


def test_config_keys(tmp_path: Path) -> None:
    pyproject = (
        '[project]\nname = "p"\nrequires-python = ">=3.9"\n'
        "[tool.asyncio-upgrade]\n"
        'target-version = "py311"\nselect = ["AIO3", "AIO4"]\nignore = ["AIO302"]\nunsafe-fixes = true\n'
        'exclude = ["skipped/"]\nextend-exclude = ["also/*.py"]\n'
        'per-file-ignores = { "tests/*" = ["AIO301"] }\n'
    )
    root = project(tmp_path, {"app.py": SLEEPY, "t.py": TIMEOUT, "g.py": GATHER, "skipped/s.py": SLEEPY,
                              "also/a.py": SLEEPY, "tests/test_x.py": SLEEPY}, pyproject)
    result = invoke("check", "--no-cache", str(root))
    out = result.stdout
    assert "app.py:6:5: AIO301" in out  # select AIO3
    assert "t.py:5:8: AIO405" in out  # target py311 from config, AIO4 selected
    assert "AIO201" not in out  # not selected
    assert "skipped" not in out and "also" not in out  # exclude, extend-exclude
    assert "test_x.py" not in out  # per-file-ignores
    flags = invoke("check", "--no-cache", "--select", "AIO201", str(root))
    assert "g.py" in flags.stdout  # CLI flags override config
    assert invoke("check", "--no-cache", "--isolated", "--select", "AIO405", str(root)).exit_code == 0  # py39


@pytest.mark.parametrize(
    "comment, suppressed",
    [("# noqa", True), ("# noqa: AIO301", True), ("# noqa: ASYNC251", True), ("# NOQA:AIO999,AIO301", True),
     ("# noqa: AIO201", False)],
)
def test_noqa_forms(tmp_path: Path, comment: str, suppressed: bool) -> None:
    source = SLEEPY.replace(b"# wait", comment.encode())
    root = project(tmp_path, {"app.py": source})
    result = invoke("fix", "--no-cache", str(root))
    assert ((root / "app.py").read_bytes() == source) is suppressed


def test_noqa_on_last_line_of_a_multiline_statement(tmp_path: Path) -> None:
    source = b"import time\n\n\nasync def main():\n    time.sleep(\n        1\n    )  # noqa: AIO301\n"
    root = project(tmp_path, {"app.py": source})
    assert invoke("check", "--no-cache", str(root)).exit_code == 0


def test_skip_file_and_generated(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": b"# asyncio-upgrade: skip-file\n" + SLEEPY, "b.py": b"# @generated\n" + SLEEPY})
    assert invoke("check", "--no-cache", str(root)).exit_code == 0
    assert "b.py" in invoke("check", "--no-cache", "--include-generated", str(root)).stdout


def test_json_output(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY})
    result = invoke("check", "--no-cache", "--output-format", "json", str(root))
    (finding,) = json.loads(result.stdout)
    assert finding["code"] == "AIO301" and finding["line"] == 6 and finding["column"] == 5
    assert finding["fix"]["applicability"] == "safe"
    assert finding["fix"]["edits"][0]["content"] == "await asyncio.sleep(1)"


def test_github_annotations(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY})
    result = invoke("check", "--no-cache", "--output-format", "github", str(root))
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"::warning title=asyncio-upgrade (AIO301),file={root / 'app.py'},line=6,col=5,endLine=6,")
    assert "::" in line[len("::warning"):]


def test_sarif_on_our_fixtures_validates_against_the_schema(tmp_path: Path) -> None:
    result = invoke("check", "--no-cache", "--isolated", "--unsafe-fixes", "--target-version", "py312",
                    "--output-format", "sarif", str(FIXTURES))
    document = json.loads(result.stdout)
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    results = document["runs"][0]["results"]
    assert len(results) > 100
    assert {r["ruleId"] for r in results} <= {rule["id"] for rule in document["runs"][0]["tool"]["driver"]["rules"]}


def test_github_annotations_on_our_fixtures_are_well_formed() -> None:
    result = invoke("check", "--no-cache", "--isolated", "--target-version", "py312", "--output-format", "github",
                    str(FIXTURES))
    lines = result.stdout.splitlines()
    assert len(lines) > 100
    pattern = r"^::warning title=asyncio-upgrade \(AIO\d{3}\),file=[^,]+,line=\d+,col=\d+,endLine=\d+,endColumn=\d+::.+$"
    import re

    assert all(re.match(pattern, line) for line in lines), [l for l in lines if not re.match(pattern, l)][:3]


def test_junit_output(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY, "clean.py": b"x = 1\n"})
    result = invoke("check", "--no-cache", "--output-format", "junit", str(root))
    tree = ElementTree.fromstring(result.stdout.split("\n", 1)[1])
    assert tree.get("failures") == "1"
    assert [s.get("name").endswith("app.py") for s in tree.iter("testsuite")].count(True) == 1


def test_statistics(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.py": SLEEPY, "b.py": SLEEPY})
    result = invoke("check", "--no-cache", "--statistics", str(root))
    assert "2  AIO301  blocking-sleep" in result.stdout


def test_show_fixes(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY})
    assert "| await asyncio.sleep(1)" in invoke("check", "--no-cache", "--show-fixes", str(root)).stdout
    result = invoke("fix", "--no-cache", "--show-fixes", str(root))
    assert "1 × AIO301 (blocking-sleep)" in result.stderr


def test_quiet_and_verbose(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": SLEEPY})
    quiet = invoke("check", "--no-cache", "-q", str(root))
    assert "Found" not in quiet.stdout and "AIO301" in quiet.stdout
    verbose = invoke("check", "-v", "--cache-dir", str(tmp_path / "c"), str(root))
    assert "target py311 (requires-python in" in verbose.stderr


def test_second_run_is_answered_by_the_cache(tmp_path: Path) -> None:
    root = project(tmp_path, {f"m{i}.py": SLEEPY for i in range(3)})
    cache = tmp_path / "cache"
    first = invoke("check", "-v", "--cache-dir", str(cache), str(root))
    second = invoke("check", "-v", "--cache-dir", str(cache), str(root))
    assert first.stdout == second.stdout
    assert "3 files; 0 answered from the cache" in first.stderr
    assert "3 files; 3 answered from the cache" in second.stderr
    for entry in cache.rglob("*.json"):
        entry.write_text("{corrupt")
    third = invoke("check", "-v", "--cache-dir", str(cache), str(root))
    assert third.stdout == first.stdout and "0 answered from the cache" in third.stderr


def test_process_pool_gives_the_same_results(tmp_path: Path) -> None:
    root = project(tmp_path, {f"pkg/m{i:02}.py": SLEEPY if i % 3 else b"x = 1\n" for i in range(30)})
    serial = invoke("check", "--no-cache", "-j", "1", str(root))
    pooled = invoke("check", "--no-cache", "-j", "2", str(root))
    assert serial.stdout == pooled.stdout and serial.stdout.count("AIO301") == 20


def test_readme_quick_start_dry_run_shows_diffs() -> None:
    """The README's first command, minus the install: a dry run over our own fixtures."""
    done = subprocess.run(
        [sys.executable, "-m", "asyncio_upgrade.cli", "fix", "--diff", "--no-cache", "--target-version", "py312",
         "fixtures/"], cwd=ROOT, capture_output=True, text=True,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("\n+++ ") > 50
    assert "internal error" not in done.stderr
