"""ruff's per-rule fix-safety overrides (`extend-safe-fixes`, `extend-unsafe-fixes`) from the
configuration and the command line, and first-party modules through the CLI: a project that
ships its own `async_timeout` is not rewritten as if it used the package."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app

from test_cli_config import tree

runner = CliRunner()

GATHER = b"import asyncio\n\n\nasync def a():\n    pass\n\n\nasync def main():\n    await asyncio.gather(a(), a())\n"  # AIO201, unsafe
ENSURE = b"import asyncio\n\n\nasync def a():\n    pass\n\n\nasync def main():\n    asyncio.ensure_future(a())\n"  # AIO203, safe
TIMEOUT_USE = (  # AIO211, a safe site: the handler cannot see how the TimeoutError was chained
    b"import async_timeout\n\n\nasync def main(work):\n    try:\n        async with async_timeout.timeout(1):\n"
    b"            await work()\n    except TimeoutError:\n        pass\n"
)


def run(*args: str):
    return runner.invoke(app, [*args[:1], "--no-cache", *args[1:]])


def test_extend_safe_fixes_in_the_configuration_applies_an_unsafe_rule(tmp_path: Path) -> None:
    plain = tree(tmp_path / "plain", {"app.py": GATHER})
    assert run("fix", str(plain)).exit_code == 0
    assert (plain / "app.py").read_bytes() == GATHER
    opted = tree(tmp_path / "opted", {"app.py": GATHER}, 'extend-safe-fixes = ["AIO2"]\n')
    checked = run("check", str(opted))
    (line,) = [line for line in checked.stdout.splitlines() if " AIO201 " in line]
    assert line.endswith(" [*]")
    assert run("fix", str(opted)).exit_code == 1
    assert b"TaskGroup" in (opted / "app.py").read_bytes()


def test_extend_unsafe_fixes_on_the_command_line_withholds_a_safe_fix(tmp_path: Path) -> None:
    root = tree(tmp_path, {"app.py": ENSURE})
    checked = run("check", "--extend-unsafe-fixes", "AIO203", str(root))
    assert "[* unsafe]" in checked.stdout
    assert run("fix", "--extend-unsafe-fixes", "AIO203", str(root)).exit_code == 0
    assert (root / "app.py").read_bytes() == ENSURE
    assert run("fix", "--extend-unsafe-fixes", "AIO203", "--unsafe-fixes", str(root)).exit_code == 1
    assert b"create_task" in (root / "app.py").read_bytes()


def test_the_more_specific_prefix_wins_and_a_tie_is_unsafe(tmp_path: Path) -> None:
    root = tree(tmp_path, {"app.py": GATHER}, 'extend-unsafe-fixes = ["AIO2"]\nextend-safe-fixes = ["AIO201"]\n')
    assert run("fix", str(root)).exit_code == 1
    tie = tree(tmp_path / "tie", {"app.py": GATHER}, 'extend-unsafe-fixes = ["AIO201"]\n')
    assert run("fix", "--extend-safe-fixes", "AIO201", str(tie)).exit_code == 0


def test_json_reports_the_overridden_applicability(tmp_path: Path) -> None:
    root = tree(tmp_path, {"app.py": GATHER}, 'extend-safe-fixes = ["AIO201"]\n')
    (finding,) = json.loads(run("check", "--output-format", "json", str(root)).stdout)
    assert finding["fix"]["applicability"] == "safe"


def test_an_unknown_code_is_a_one_line_usage_error(tmp_path: Path) -> None:
    root = tree(tmp_path, {"app.py": GATHER}, 'extend-safe-fixes = ["AIO999"]\n')
    result = run("check", str(root))
    assert result.exit_code == 2
    assert result.output.strip().endswith("`extend-safe-fixes`: unknown rule code or prefix `AIO999` (see `asyncio-upgrade rules`)")
    assert "Traceback" not in result.output


def test_rules_shows_the_overrides(tmp_path: Path, monkeypatch) -> None:
    tree(tmp_path, {}, 'extend-safe-fixes = ["AIO201"]\nextend-unsafe-fixes = ["AIO203"]\n')
    monkeypatch.chdir(tmp_path)
    listing = runner.invoke(app, ["rules"]).stdout
    assert [line.split()[3] for line in listing.splitlines() if line.startswith(("AIO201", "AIO203"))] == [
        "unsafe->safe", "safe->unsafe",
    ]


def test_a_projects_own_async_timeout_is_left_alone(tmp_path: Path) -> None:
    """The library that *is* async_timeout: its tests of its own API stay as they are."""
    own = tree(tmp_path / "lib", {"async_timeout/__init__.py": b"", "tests/test_timeout.py": TIMEOUT_USE})
    assert run("fix", str(own)).exit_code == 0
    assert (own / "tests" / "test_timeout.py").read_bytes() == TIMEOUT_USE
    single = run("fix", str(own / "tests" / "test_timeout.py"))
    assert single.exit_code == 0 and (own / "tests" / "test_timeout.py").read_bytes() == TIMEOUT_USE
    user = tree(tmp_path / "app", {"app.py": TIMEOUT_USE})
    assert run("fix", str(user)).exit_code == 1
    assert b"asyncio.timeout(1)" in (user / "app.py").read_bytes()


def test_stdin_finds_the_project_of_its_stdin_filename(tmp_path: Path) -> None:
    own = tree(tmp_path / "lib", {"async_timeout/__init__.py": b""})
    result = runner.invoke(
        app, ["fix", "--no-cache", "--stdin-filename", str(own / "tests" / "t.py"), "-"], input=TIMEOUT_USE.decode()
    )
    assert result.stdout == TIMEOUT_USE.decode()
