"""The command line without depending on any particular rule: discovery, configuration,
errors, exit codes and safe writing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app
from asyncio_upgrade.cli.config import ConfigError, load, minimum_python
from asyncio_upgrade.cli.files import discover
from asyncio_upgrade.cli.writer import write_if_unchanged

runner = CliRunner()


def invoke(*args: str, input: bytes | None = None):
    return runner.invoke(app, list(args), input=input)


def found(*paths, **kwargs):
    return sorted(str(s.path) for s in discover([str(p) for p in paths], **kwargs) if not s.problem)


def test_walk_honours_gitignore_and_skips_environments(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("ignored/\n*_gen.py\n")
    for rel in ["a.py", "pkg/b.py", "pkg/c_gen.py", "ignored/d.py", "build/e.py", ".tox/f.py",
                "node_modules/g.py", "env/lib/h.py", "pkg/notes.txt", "pkg/stub.pyi"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "pkg" / "sub").mkdir()
    (tmp_path / "pkg" / "sub" / ".gitignore").write_text("local.py\n")
    (tmp_path / "pkg" / "sub" / "local.py").write_text("x = 1\n")
    (tmp_path / "pkg" / "sub" / "kept.py").write_text("x = 1\n")
    rel = [str(Path(p).relative_to(tmp_path)) for p in found(tmp_path)]
    assert rel == ["a.py", "pkg/b.py", "pkg/stub.pyi", "pkg/sub/kept.py"]


def test_explicit_folder_is_walked_even_if_an_ignore_file_above_ignores_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("versions/\n")
    lib = tmp_path / "versions" / "lib"
    lib.mkdir(parents=True)
    (lib / "a.py").write_text("x = 1\n")
    (lib / ".gitignore").write_text("b.py\n")
    (lib / "b.py").write_text("x = 1\n")
    assert found(lib) == [str(lib / "a.py")]
    assert found(tmp_path) == []


def test_explicit_file_is_processed_even_if_ignored(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.py\n")
    (tmp_path / "x.py").write_text("x = 1\n")
    assert found(tmp_path / "x.py") == [str(tmp_path / "x.py")]


def test_symlinks_are_not_followed_when_walking(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.py").write_text("x = 1\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.py").symlink_to(outside / "o.py")
    (tree / "linkdir").symlink_to(outside, target_is_directory=True)
    assert found(tree) == []


def test_missing_path_and_fifo_are_problems(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    problems = {s.path.name: s.problem for s in discover([str(tmp_path / "nope.py"), str(fifo)])}
    assert problems == {"nope.py": "no such file or directory", "pipe.py": "not a regular file; skipped"}


@pytest.mark.parametrize(
    "spec, version",
    [(">=3.9", (3, 9)), (">=3.11", (3, 11)), ("~=3.10", (3, 10)), (">=3.8,<4", (3, 9)), (">3.11", (3, 11)),
     ("==3.12.*", (3, 12)), (">=3.12.1", (3, 12))],
)
def test_requires_python_gives_the_oldest_minor(spec: str, version) -> None:
    assert minimum_python(spec) == version


def test_config_is_read_from_the_nearest_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11"\n')
    (tmp_path / "src").mkdir()
    config = load([str(tmp_path / "src")])
    assert config.target_version == (3, 11) and "requires-python" in config.target_source


@pytest.mark.parametrize(
    "body, message",
    [
        ("[tool.asyncio-upgrade]\ncolour = 1\n", "unknown key `colour`"),
        ("[tool.asyncio-upgrade]\nselect = 'AIO1'\n", "`select` must be a list of strings"),
        ("[tool.asyncio-upgrade]\ntarget-version = 'py27'\n", "`target-version`"),
        ("[tool.asyncio-upgrade]\nunsafe-fixes = 'yes'\n", "`unsafe-fixes` must be true or false"),
        ("[tool.asyncio-upgrade\n", "cannot read"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(body)
    with pytest.raises(ConfigError, match="pyproject.toml") as info:
        load([str(tmp_path)])
    assert message in str(info.value)
    result = invoke("check", str(tmp_path))
    assert result.exit_code == 2
    assert "Traceback" not in result.output and message in result.output


def test_unknown_rule_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("check", "--isolated", "--select", "AIO000", str(tmp_path))
    assert result.exit_code == 2
    assert "unknown rule code or prefix `AIO000`" in result.output


def test_bad_target_version_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("check", "--target-version", "py27", str(tmp_path))
    assert result.exit_code == 2 and "py27 is not supported" in result.output


def test_missing_path_exits_2_with_one_line(tmp_path: Path) -> None:
    result = invoke("check", str(tmp_path / "missing.py"))
    assert result.exit_code == 2
    assert f"{tmp_path / 'missing.py'}: no such file or directory" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["check", "fix"])
def test_an_internal_error_is_one_line_unless_show_traceback_is_given(tmp_path: Path, monkeypatch, command: str) -> None:
    """The option itself is read, not the process's arguments (which here hold pytest's)."""
    from asyncio_upgrade.cli import run

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(run, "rule_infos", broken)
    plain = invoke(command, "--isolated", str(tmp_path))
    assert plain.exit_code == 2
    assert plain.output.strip() == (
        "asyncio-upgrade: error: internal error: RuntimeError: boom (run with --show-traceback for details)"
    )
    shown = invoke(command, "--isolated", "--show-traceback", str(tmp_path))
    assert shown.exit_code == 2
    assert shown.output.startswith("Traceback (most recent call last):") and "RuntimeError: boom" in shown.output


def test_unparsable_and_undecodable_files_are_reported_and_kept(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_bytes(b"import asyncio, time\nasync def f(:\n    time.sleep(1)\n    await asyncio.wait_for(g(), 1)\n    loop.run_until_complete(g())\n")
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"import asyncio\nname = 'caf\xe9'\n")
    good = tmp_path / "good.py"
    good.write_bytes(b"x = 1\n")
    before = {p: p.read_bytes() for p in (broken, latin, good)}
    for command in ("check", "fix"):
        result = invoke(command, "--isolated", "--select", "ALL", str(tmp_path))
        assert result.exit_code == 2, result.output
        assert f"{broken}: syntax error at 2:" in result.output
        assert f"{latin}: cannot decode byte 0xe9" in result.output and "no coding cookie" in result.output
        assert "Traceback" not in result.output
    assert {p: p.read_bytes() for p in before} == before


def test_stdin_passes_unchanged_source_through() -> None:
    source = b"import asyncio\r\n\r\nasync def main():\r\n    pass\r\n"
    result = runner.invoke(app, ["fix", "--isolated", "-"], input=source)
    assert result.exit_code == 0
    assert result.stdout_bytes == source


def test_rules_and_explain() -> None:
    assert invoke("rules").exit_code == 0
    result = invoke("explain", "AIO000")
    assert result.exit_code == 2 and "unknown rule `AIO000`" in result.output
    explained = invoke("explain", "AIO201")
    assert explained.exit_code == 0 and "## Fix safety" in explained.stdout
    assert explained.stdout.rstrip().endswith("docs/rules.md#aio201-gather-without-taskgroup")


def test_writer_refuses_read_only_and_concurrently_changed_files(tmp_path: Path) -> None:
    path = tmp_path / "x.py"
    path.write_bytes(b"old\n")
    assert write_if_unchanged(path, b"other\n", b"new\n").startswith("file changed on disk")
    assert path.read_bytes() == b"old\n"
    path.chmod(0o640)
    assert write_if_unchanged(path, b"old\n", b"new\n") is None
    assert path.read_bytes() == b"new\n"
    assert (path.stat().st_mode & 0o777) == 0o640
    if os.geteuid() != 0:  # root can write anything
        path.chmod(0o440)
        assert write_if_unchanged(path, b"new\n", b"newer\n") == "file is read-only; not rewritten"


def test_console_script_and_module_entry_points() -> None:
    scripts = Path(sys.executable).parent
    for command in ([str(scripts / "asyncio-upgrade"), "--version"], [sys.executable, "-m", "asyncio_upgrade.cli", "--version"]):
        done = subprocess.run(command, capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout.startswith("asyncio-upgrade ")


@pytest.mark.parametrize("flags", [[], ["-W", "error"]])
def test_python_warnings_about_the_code_read_are_not_printed(tmp_path: Path, flags: list) -> None:
    """CPython warns about code it parses (an invalid escape, ``is`` with a literal); those are
    the user's, not ours to print, and under ``-W error`` they must not become syntax errors
    that stop a fix."""
    source = tmp_path / "legacy.py"
    source.write_text(
        'import asyncio\n\nPATTERN = "\\d+"\n\n\nasync def main(flag):\n'
        '    if flag is "on":\n        return asyncio.get_event_loop()\n'
    )
    command = [sys.executable, *flags, "-m", "asyncio_upgrade.cli", "fix", "--isolated", "--no-cache"]
    done = subprocess.run([*command, "--target-version", "py311", str(source)], capture_output=True, text=True)
    assert "Warning" not in done.stderr and "Fixed 1 finding" in done.stderr, done.stderr
    assert "return asyncio.get_running_loop()" in source.read_text()


def test_a_reader_that_stops_early_ends_the_run_quietly() -> None:
    """`asyncio-upgrade fix --diff … | head`: no "internal error", the status of a filter
    killed by SIGPIPE."""
    command = [sys.executable, "-m", "asyncio_upgrade.cli", "fix", "--diff", "--no-cache", "--isolated",
               "--target-version", "py312", "fixtures/"]
    process = subprocess.Popen(command, cwd=Path(__file__).parent.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"--- ")
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait() == 141 and b"error" not in stderr, stderr
