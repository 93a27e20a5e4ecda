"""The command line on a real (pseudo-)terminal: coloured diffs, the summary table and the
progress bar appear on a terminal only, never as control codes in piped output, and output
redirected to a file is never drawn on the terminal instead."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SLEEPY = b"import time\n\n\nasync def main():\n    time.sleep(1)  # wait\n"
COLUMNS = 100
SGR = re.compile(rb"\x1b\[[0-9;]*m")  # colours and bold only
ANY_CONTROL = re.compile(rb"\x1b\[|\r")


@dataclass
class Run:
    code: int
    tty: bytes  # everything written to the terminal (stdout and/or stderr), "\r\n" as the pty gives it
    stdout: bytes  # when stdout was a pipe
    stderr: bytes  # when stderr was a pipe

    @property
    def screen_text(self) -> str:
        """The terminal bytes without colour codes, lines joined by plain newlines."""
        return SGR.sub(b"", self.tty).replace(b"\r\n", b"\n").decode()


def run(cwd: Path, *args: str, stdout_tty: bool = True, stderr_tty: bool = True, env: dict | None = None) -> Run:
    """The CLI in a subprocess whose stdout and/or stderr is a pseudo-terminal 100 columns wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, COLUMNS, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE")}
    environment.update({"TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": "40"}, **(env or {}))
    process = subprocess.Popen(
        [sys.executable, "-m", "asyncio_upgrade.cli", *args], cwd=cwd, env=environment, stdin=subprocess.DEVNULL,
        stdout=slave if stdout_tty else subprocess.PIPE, stderr=slave if stderr_tty else subprocess.PIPE,
    )
    os.close(slave)
    chunks: list = []

    def read_terminal() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    stdout, stderr = process.communicate(timeout=300)
    reader.join(timeout=60)
    os.close(master)
    return Run(process.returncode, b"".join(chunks), stdout or b"", stderr or b"")


def project(tmp_path: Path, count: int) -> Path:
    (tmp_path / "pyproject.toml").write_text(  # AIO301 is unsafe; the project opts in
        '[project]\nname = "p"\nrequires-python = ">=3.11"\n[tool.asyncio-upgrade]\nextend-safe-fixes = ["AIO301"]\n'
    )
    (tmp_path / "pkg").mkdir()
    for i in range(count):
        (tmp_path / "pkg" / f"m{i:02}.py").write_bytes(SLEEPY)
    return tmp_path


def test_diff_is_coloured_on_a_terminal(tmp_path: Path) -> None:
    root = project(tmp_path, 1)
    result = run(root, "fix", "--diff", "--no-cache", "pkg/m00.py")
    assert result.code == 1
    assert b"\x1b[31m-    time.sleep(1)  # wait\x1b[0m\r\n" in result.tty  # red
    assert b"\x1b[32m+    await asyncio.sleep(1)  # wait\x1b[0m\r\n" in result.tty  # green
    assert b"\x1b[1m--- pkg/m00.py\x1b[0m" in result.tty and b"\x1b[36m@@ " in result.tty
    assert (root / "pkg" / "m00.py").read_bytes() == SLEEPY


def test_diff_is_plain_when_piped_or_no_color(tmp_path: Path) -> None:
    root = project(tmp_path, 1)
    piped = run(root, "fix", "--diff", "--no-cache", "pkg/m00.py", stdout_tty=False)
    assert piped.code == 1
    assert piped.stdout.startswith(b"--- pkg/m00.py\n+++ pkg/m00.py\n@@ ")
    assert b"+    await asyncio.sleep(1)  # wait\n" in piped.stdout and not ANY_CONTROL.search(piped.stdout)
    no_color = run(root, "fix", "--diff", "--no-cache", "pkg/m00.py", env={"NO_COLOR": "1"})
    assert no_color.screen_text == piped.stdout.decode() and b"\x1b[" not in no_color.tty


def numbers(text: str) -> dict:
    """The summary table's rows, `label: value`, read off the screen text."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^([a-z][a-z ]*[a-z]) +(\d+)$", text, re.M)}


def test_summary_table_on_a_terminal(tmp_path: Path) -> None:
    root = project(tmp_path, 3)
    (root / "pkg" / "clean.py").write_text("x = 1\n")
    checked = run(root, "check", "--no-cache", "pkg", stdout_tty=False)
    assert checked.code == 1 and checked.stdout.count(b"AIO301") == 3
    table = checked.screen_text
    assert numbers(table) == {
        "files scanned": 4, "findings": 3, "fixable": 3, "withheld as unsafe": 0, "withheld by target": 0,
        "could not be handled": 0,
    }
    assert re.search(r"^findings by rule\nAIO301 +3  blocking-sleep$", table, re.M), table
    assert not re.search(r" +$", table, re.M), "trailing blanks in the table"
    diff = run(root, "fix", "--diff", "--no-cache", "pkg", stdout_tty=False)
    assert {k: v for k, v in numbers(diff.screen_text).items() if k.startswith(("files", "fixes"))} == {
        "files scanned": 4, "files to change": 3, "fixes to apply": 3,
    }
    fixed = run(root, "fix", "--no-cache", "pkg", stdout_tty=False)
    assert "Fixed 3 findings in 3 files." in fixed.screen_text
    assert {k: v for k, v in numbers(fixed.screen_text).items() if k.startswith(("files", "fixes", "findings"))} == {
        "files scanned": 4, "files changed": 3, "fixes applied": 3, "findings left": 0,
    }


def test_no_table_when_stderr_is_not_a_terminal_or_quiet(tmp_path: Path) -> None:
    root = project(tmp_path, 3)
    piped = run(root, "check", "--no-cache", "pkg", stderr_tty=False)
    assert "files scanned" not in piped.screen_text and b"files scanned" not in piped.stderr
    assert not ANY_CONTROL.search(piped.stderr)
    quiet = run(root, "check", "--no-cache", "-q", "pkg")
    assert quiet.code == 1 and quiet.screen_text.count("AIO301") == 3
    assert "files scanned" not in quiet.screen_text and "Found" not in quiet.screen_text


def test_progress_bar_on_a_terminal_for_a_batch_only(tmp_path: Path) -> None:
    root = project(tmp_path, 30)
    batch = run(root, "check", "--no-cache", "pkg", stdout_tty=False)
    drawn = SGR.sub(b"", batch.tty)
    assert re.search(rb"(?<!\d)0/30 ", drawn) and re.search(rb"(?<!\d)30/30 ", drawn)  # first and last frame
    assert drawn.rstrip().endswith(b"blocking-sleep")  # then erased: the table is the last thing on the screen
    assert b"\x1b[?25h" in batch.tty  # and the cursor is shown again
    assert batch.stdout.count(b"AIO301") == 30 and not ANY_CONTROL.search(batch.stdout)
    small = run(root, "check", "--no-cache", "pkg/m00.py", "pkg/m01.py", stdout_tty=False)
    assert b"/2" not in small.tty and b"\x1b[2K" not in small.tty  # nothing drawn, nothing erased
    quiet = run(root, "check", "--no-cache", "-q", "pkg", stdout_tty=False)
    assert b"/30" not in quiet.tty


def test_no_progress_or_control_codes_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    root = project(tmp_path, 30)
    result = run(root, "fix", "--diff", "--no-cache", "pkg", stderr_tty=False)
    assert b"/30" not in result.stderr and not ANY_CONTROL.search(result.stderr)
    assert b"\x1b[2K" not in result.tty and result.screen_text.count("+++ pkg/") == 30  # the diff, coloured
    both_piped = run(root, "fix", "--diff", "--no-cache", "pkg", stdout_tty=False, stderr_tty=False)
    assert result.tty and not both_piped.tty
    assert not ANY_CONTROL.search(both_piped.stdout + both_piped.stderr)
    assert both_piped.stdout.count(b"+++ pkg/") == 30


def test_redirected_stdout_is_not_drawn_on_the_terminal_while_the_bar_runs(tmp_path: Path) -> None:
    """rich sends stdout through its live display; a diff redirected to a file must stay there."""
    root = project(tmp_path, 30)
    result = run(root, "fix", "--diff", "--no-cache", "pkg", stdout_tty=False)
    assert result.code == 1
    assert result.stdout.count(b"+++ pkg/") == 30 and not ANY_CONTROL.search(result.stdout)
    assert b"+++ pkg/" not in result.tty and b"/30" in result.tty


@pytest.mark.parametrize("command", [["fix", "--diff"], ["check"]])
def test_output_on_the_terminal_is_printed_above_the_bar(tmp_path: Path, command: list) -> None:
    """Each line of output starts a line of its own: after a newline, or after the bar was erased."""
    root = project(tmp_path, 30)
    result = run(root, *command, "--no-cache", "pkg")
    first_words = rb"--- pkg/" if command == ["fix", "--diff"] else rb"pkg/m\d\d\.py:5:5: AIO301"
    plain = SGR.sub(b"", result.tty)
    starts = [m.start() for m in re.finditer(first_words, plain)]
    assert len(starts) == 30
    for start in starts:
        before = plain[max(0, start - 4):start]
        assert start == 0 or before.endswith((b"\n", b"\x1b[2K")), plain[max(0, start - 80):start + 20]


def test_interrupt_erases_the_bar_and_says_so(tmp_path: Path) -> None:
    """Ctrl-C while a batch runs: the terminal's foreground group (the CLI and its workers) gets
    SIGINT; the bar is erased, the cursor shown again, one line says why, exit 130."""
    root = project(tmp_path, 0)
    # A few seconds of work at least, however fast the tool gets: SIGINT must land mid-run.
    busy = b"import asyncio\nimport time\n" + b"".join(
        b"\n\nasync def main%d():\n    time.sleep(1)\n    await asyncio.gather(main(), main())\n" % i for i in range(60)
    )
    for i in range(400):
        (root / "pkg" / f"b{i:03}.py").write_bytes(busy)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, COLUMNS, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "asyncio_upgrade.cli", "check", "--no-cache", "pkg"], cwd=root,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS)}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=slave, start_new_session=True,
        # A terminal's foreground job takes Ctrl-C; a test run started in the background of a
        # shell without job control inherits SIGINT ignored, and so would the CLI.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 120
    running = re.compile(rb"(?<![0-9])([0-9]{1,2}|[0-3][0-9]{2})/400")  # the bar is up, the run not done
    while not running.search(SGR.sub(b"", seen)) and time.monotonic() < deadline:
        seen += os.read(master, 65536)
    os.killpg(process.pid, signal.SIGINT)
    stdout, _ = process.communicate(timeout=120)
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        seen += data
    os.close(master)
    assert process.returncode == 130
    tail = seen[seen.rindex(b"/400"):]
    assert tail.endswith(b"\x1b[2Kasyncio-upgrade: error: interrupted\r\n"), tail[-200:]
    assert b"\x1b[?25h" in tail and b"Traceback" not in seen and stdout == b""
