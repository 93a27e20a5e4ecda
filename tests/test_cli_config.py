"""Configuration through the command line: every key of `[tool.asyncio-upgrade]` on its own
(against a control without it), `--config PATH`, `--isolated`, flags over keys, and one-line
errors naming the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app

runner = CliRunner()

SLEEPY = b"import time\n\n\nasync def main():\n    time.sleep(1)\n"  # AIO301, unsafe
GATHER = b"import asyncio\n\n\nasync def a():\n    pass\n\n\nasync def main():\n    await asyncio.gather(a(), a())\n"  # AIO201, unsafe, py311
TIMEOUT = b"import asyncio\n\ntry:\n    pass\nexcept asyncio.TimeoutError:\n    pass\n"  # AIO405, py311
PROJECT = '[project]\nname = "p"\nrequires-python = ">=3.11"\n'


def tree(root: Path, files: dict, table: str = "", project: str = PROJECT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(project + ("[tool.asyncio-upgrade]\n" + table if table else ""))
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def check(*args: str):
    return runner.invoke(app, ["check", "--no-cache", *args])


def reported(result) -> set:
    """(file name, code) of every finding `check` printed."""
    found = set()
    for line in result.stdout.splitlines():
        if ": AIO" in line:
            where, _, rest = line.partition(": ")
            found.add((Path(where.split(":")[0]).name, rest.split()[0]))
    return found


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asyncio-upgrade: error: "), result.output
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --- each key, with and without it -----------------------------------------------------------


def test_target_version_key(tmp_path: Path) -> None:
    old = '[project]\nname = "p"\nrequires-python = ">=3.9"\n'
    without = check(str(tree(tmp_path / "a", {"t.py": TIMEOUT}, project=old)))
    assert reported(without) == set() and "need --target-version py311" in without.stderr
    with_key = check(str(tree(tmp_path / "b", {"t.py": TIMEOUT}, 'target-version = "py311"\n', project=old)))
    assert reported(with_key) == {("t.py", "AIO405")}


def test_select_key(tmp_path: Path) -> None:
    files = {"s.py": SLEEPY, "t.py": TIMEOUT}
    assert reported(check(str(tree(tmp_path / "a", files)))) == {("s.py", "AIO301"), ("t.py", "AIO405")}
    assert reported(check(str(tree(tmp_path / "b", files, 'select = ["AIO4"]\n')))) == {("t.py", "AIO405")}


def test_ignore_key(tmp_path: Path) -> None:
    files = {"s.py": SLEEPY, "g.py": GATHER}
    assert reported(check(str(tree(tmp_path / "a", files)))) == {("s.py", "AIO301"), ("g.py", "AIO201")}
    assert reported(check(str(tree(tmp_path / "b", files, 'ignore = ["AIO301"]\n')))) == {("g.py", "AIO201")}


def test_unsafe_fixes_key(tmp_path: Path) -> None:
    for table, fixed in (("", False), ("unsafe-fixes = false\n", False), ("unsafe-fixes = true\n", True)):
        root = tree(tmp_path / str(len(table)), {"g.py": GATHER}, table)
        result = runner.invoke(app, ["fix", "--no-cache", str(root)])
        assert (b"TaskGroup" in (root / "g.py").read_bytes()) is fixed, table
        assert result.exit_code == (1 if fixed else 0)


@pytest.mark.parametrize("key", ["exclude", "extend-exclude"])
def test_exclude_keys(tmp_path: Path, key: str) -> None:
    files = {"src/s.py": SLEEPY, "gen/s.py": SLEEPY, "src/skip_me.py": SLEEPY}
    assert check(str(tree(tmp_path / "a", files))).stdout.count("AIO301") == 3
    result = check(str(tree(tmp_path / "b", files, f'{key} = ["gen/", "*skip_me.py"]\n')))
    assert result.stdout.count("AIO301") == 1 and "src/s.py:5:5: AIO301" in result.stdout.replace("\\", "/")


def test_per_file_ignores_key(tmp_path: Path) -> None:
    both = b"import asyncio\n" + SLEEPY + b"\n\nasync def a():\n    pass\n\n\nasync def g():\n    await asyncio.gather(a(), a())\n"
    files = {"app.py": SLEEPY, "tests/test_x.py": both}
    without = reported(check(str(tree(tmp_path / "a", files))))
    assert without == {("app.py", "AIO301"), ("test_x.py", "AIO301"), ("test_x.py", "AIO201")}
    with_key = reported(check(str(tree(tmp_path / "b", files, 'per-file-ignores = { "tests/*" = ["AIO3"] }\n'))))
    assert with_key == {("app.py", "AIO301"), ("test_x.py", "AIO201")}  # only the listed codes, only there


# --- flags over keys -------------------------------------------------------------------------


def test_flags_override_keys(tmp_path: Path) -> None:
    root = tree(tmp_path, {"s.py": SLEEPY, "g.py": GATHER, "t.py": TIMEOUT},
                'target-version = "py311"\nselect = ["AIO3", "AIO4"]\nignore = ["AIO201"]\nunsafe-fixes = true\n')
    assert reported(check(str(root))) == {("s.py", "AIO301"), ("t.py", "AIO405")}
    assert reported(check("--target-version", "py39", str(root))) == {("s.py", "AIO301")}  # AIO405 withheld
    assert reported(check("--select", "AIO201", str(root))) == {("g.py", "AIO201")}  # re-enables the ignored rule
    assert reported(check("--ignore", "AIO4", str(root))) == {("s.py", "AIO301")}  # narrows the configured set
    assert "[* unsafe]" not in check("--select", "AIO201", str(root)).stdout  # unsafe-fixes = true: fixable
    assert "[* unsafe]" in check("--select", "AIO201", "--no-unsafe-fixes", str(root)).stdout
    runner.invoke(app, ["fix", "--no-cache", "--select", "AIO201", "--no-unsafe-fixes", str(root)])
    assert (root / "g.py").read_bytes() == GATHER


# --- --config and --isolated -----------------------------------------------------------------


def test_config_outside_the_tree_replaces_the_nearest_pyproject(tmp_path: Path, monkeypatch) -> None:
    old = '[project]\nname = "p"\nrequires-python = ">=3.9"\n'
    root = tree(tmp_path / "repo", {"s.py": SLEEPY, "t.py": TIMEOUT}, 'select = ["AIO3"]\n', project=old)
    outside = tmp_path / "elsewhere" / "strict.toml"
    outside.parent.mkdir()
    outside.write_text('[tool.asyncio-upgrade]\ntarget-version = "py311"\nselect = ["AIO4"]\n')
    assert reported(check(str(root))) == {("s.py", "AIO301")}
    result = check("-v", "--config", str(outside), str(root))
    assert reported(result) == {("t.py", "AIO405")}
    assert f"target py311 (target-version in {outside})" in result.stderr
    monkeypatch.chdir(tmp_path)  # a relative --config is relative to the working folder
    assert reported(check("--config", "elsewhere/strict.toml", "repo")) == {("t.py", "AIO405")}


def test_config_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    one_line_error(check("--config", str(missing), str(tmp_path)), f"{missing}: no such configuration file")
    one_line_error(check("--config", str(tmp_path), str(tmp_path)), f"{tmp_path}: no such configuration file")


def test_config_with_a_bad_key_or_value_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text('[tool.asyncio-upgrade]\ncolour = "red"\n')
    one_line_error(check("--config", str(path), str(tmp_path)), str(path), "unknown key `colour`")
    path.write_text('[tool.asyncio-upgrade]\nselect = ["AIO8"]\n')
    one_line_error(check("--config", str(path), str(tmp_path)), str(path), "`select`", "`AIO8`")


def test_isolated_ignores_the_pyproject(tmp_path: Path) -> None:
    old = '[project]\nname = "p"\nrequires-python = ">=3.11"\n'
    root = tree(tmp_path, {"s.py": SLEEPY, "t.py": TIMEOUT}, 'select = ["AIO4"]\n', project=old)
    assert reported(check(str(root))) == {("t.py", "AIO405")}
    isolated = check("-v", "--isolated", str(root))
    assert reported(isolated) == {("s.py", "AIO301")}  # every rule, default target py39: AIO405 withheld
    assert "target py39 (the default" in isolated.stderr
    (root / "pyproject.toml").write_text("[tool.asyncio-upgrade\nbroken")
    assert check("--isolated", str(root)).exit_code == 1  # not even read


def test_config_and_isolated_together_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text("[tool.asyncio-upgrade]\n")
    one_line_error(check("--isolated", "--config", str(path), str(tmp_path)), "--config and --isolated")


# --- bad keys and values: one line naming the file and the key -----------------------------------


@pytest.mark.parametrize(
    "body, key",
    [
        ('colour = "red"', "colour"),
        ('target-version = "py27"', "target-version"),
        ('target-version = "three"', "target-version"),
        ('select = "AIO1"', "select"),
        ('select = ["AIO999"]', "select"),
        ("ignore = [1]", "ignore"),
        ('ignore = ["XYZ"]', "ignore"),
        ('unsafe-fixes = "yes"', "unsafe-fixes"),
        ('exclude = "build/"', "exclude"),
        ("extend-exclude = [true]", "extend-exclude"),
        ('per-file-ignores = { "tests/*" = "AIO3" }', "per-file-ignores"),
        ('per-file-ignores = { "tests/*" = ["AIO0"] }', "per-file-ignores"),
    ],
)
def test_bad_key_or_value_names_file_and_key(tmp_path: Path, body: str, key: str) -> None:
    root = tree(tmp_path, {"s.py": SLEEPY}, body + "\n")
    for command in ("check", "fix"):
        result = runner.invoke(app, [command, "--no-cache", str(root)])
        one_line_error(result, str(root / "pyproject.toml"), f"`{key}`")
    assert (root / "s.py").read_bytes() == SLEEPY
