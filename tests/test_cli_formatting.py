"""`fix --format/--no-format` through the command line: a black-formatted file stays
black-formatted (with the options of `[tool.black]`), any other file gets only the edit."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from asyncio_upgrade.cli.app import app

runner = CliRunner()

PYPROJECT = '[project]\nname = "p"\nrequires-python = ">=3.12"\n'  # AIO202 is safe from 3.12
FORMATTED = (
    b"import asyncio\n\n\n"
    b"async def fetch_the_resource(session, url, retries):\n"
    b"    return session, url, retries\n\n\n"
    b"async def main(session):\n"
    b"    response = await asyncio.wait_for(\n"
    b'        fetch_the_resource(session, "https://example.com/a/long/path", retries=3),\n'
    b"        timeout=10,\n"
    b"    )\n"
    b"    return response\n"
)
EDIT = (
    b"    async with asyncio.timeout(10):\n"
    b'        response = await fetch_the_resource(session, "https://example.com/a/long/path", retries=3)\n'
)
BLACKENED = (
    b"    async with asyncio.timeout(10):\n"
    b"        response = await fetch_the_resource(\n"
    b'            session, "https://example.com/a/long/path", retries=3\n'
    b"        )\n"
)
WAIT_FOR = FORMATTED[FORMATTED.index(b"    response = await"):FORMATTED.index(b"    return response")]


def fix(tmp_path: Path, source: bytes, *args: str, pyproject: str = PYPROJECT) -> bytes:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    path = tmp_path / "app.py"
    path.write_bytes(source)
    result = runner.invoke(app, ["fix", "--no-cache", *args, str(path)])
    assert result.exit_code == 1, result.output
    return path.read_bytes()


def test_black_formatted_file_is_black_formatted_after_the_fix_by_default(tmp_path: Path) -> None:
    assert fix(tmp_path, FORMATTED) == FORMATTED.replace(WAIT_FOR, BLACKENED)
    assert fix(tmp_path, FORMATTED, "--format") == FORMATTED.replace(WAIT_FOR, BLACKENED)


def test_no_format_gives_only_the_edit(tmp_path: Path) -> None:
    assert fix(tmp_path, FORMATTED, "--no-format") == FORMATTED.replace(WAIT_FOR, EDIT)


def test_tool_black_options_are_used(tmp_path: Path) -> None:
    """With `line-length = 120` the rewritten line fits: black leaves it as the rule wrote it."""
    pyproject = PYPROJECT + "[tool.black]\nline-length = 120\n"
    assert fix(tmp_path, FORMATTED, pyproject=pyproject) == FORMATTED.replace(WAIT_FOR, EDIT)


def test_unformatted_file_gets_only_the_edit_and_keeps_its_odd_spacing(tmp_path: Path) -> None:
    odd = FORMATTED.replace(b"    return response\n", b"    return ( response )\n")
    assert fix(tmp_path, odd) == odd.replace(WAIT_FOR, EDIT)


def test_diff_shows_the_black_formatted_result(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "app.py").write_bytes(FORMATTED)
    result = runner.invoke(app, ["fix", "--diff", "--no-cache", str(tmp_path / "app.py")])
    assert "+        response = await fetch_the_resource(\n" in result.stdout
    plain = runner.invoke(app, ["fix", "--diff", "--no-cache", "--no-format", str(tmp_path / "app.py")])
    assert '+        response = await fetch_the_resource(session, "https://example.com' in plain.stdout
    assert (tmp_path / "app.py").read_bytes() == FORMATTED
