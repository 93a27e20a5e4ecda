"""AIO101's `run_forever` rewrites under Ctrl-C: each echo server among the `run_forever_*`
cases, original and rewritten, is started on every Python here, interrupted (SIGINT) once it
has echoed a line (its loop is then in `run_forever`, or in `main()`'s wait), and must print
the same and exit the same way (an uncaught `KeyboardInterrupt` exits by SIGINT, 1 on 3.7).

`asyncio.run` turns SIGINT into cancelling the main task from 3.11 on (before, the
`KeyboardInterrupt` is raised in the loop, as `run_forever` gets it): both must look alike.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import pytest

from golden import KNOWN_PYTHONS, all_cases, find_python, format_python

CASES = [
    case for case in all_cases()
    if case.key == "aio101_run_until_complete_to_run" and case.name.startswith("run_forever_")
    and b"ECHO_PORT" in case.input_path.read_bytes()
]


class Interrupted(NamedTuple):
    returncode: int
    stdout: str


def interrupted(program: Path, python: str) -> Interrupted:
    """Run ``program`` (an echo server on port ``$ECHO_PORT``) until it echoes a line, then
    send it SIGINT."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="interrupt-run-") as cwd:
        process = subprocess.Popen(
            [python, "-I", "-u", str(program)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
            env={**os.environ, "ECHO_PORT": str(port)},
            # A test run started in the background inherits SIGINT ignored, and so would the program.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        echoed = echo_once(port, process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert echoed, f"{program.name} never echoed:\n{stderr}"
    return Interrupted(process.returncode, stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def echo_once(port: int, process: subprocess.Popen) -> bool:
    """Connect (again, until the server listens), send a line, read it back."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
                connection.sendall(b"ping\n")
                return connection.makefile("rb").readline() == b"ping\n"
        except ConnectionRefusedError:
            time.sleep(0.05)
    return False


def test_there_are_cases() -> None:
    assert len(CASES) >= 4 and all(case.expected_path.exists() for case in CASES)


@pytest.mark.parametrize(
    ("case", "version"),
    [pytest.param(c, v, id=f"{c.name}-py{format_python(v)}") for c in CASES for v in KNOWN_PYTHONS if v >= (3, 7)],
)
def test_interrupt_while_serving(case, version) -> None:
    python = find_python(version)
    if python is None:
        pytest.skip(f"python{format_python(version)} not found")
    before = interrupted(case.input_path, python)
    after = interrupted(case.expected_path, python)
    assert "serving" in before.stdout
    assert after == before
