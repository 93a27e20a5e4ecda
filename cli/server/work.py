"""What the server's worker processes do: run the engine on an editor's buffer with the
settings `asyncio-upgrade check PATH` would use for that file, and turn its fixes into changes
of the buffer's text. A fresh `Run` each time (a few milliseconds), so a changed
`pyproject.toml` counts at once. Plain, picklable data in and out."""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, TypeVar

from asyncio_upgrade.codemods.api import Edit, FileResult, Finding, Settings, decode_text, fix_one, noqa_edit, process_source

from .. import first_party
from ..files import relative_posix
from ..options import RunOptions, UsageError
from ..run import Run
from .text import Change, changes

R = TypeVar("R")
_generation = 0


@dataclass(frozen=True)
class Checked:
    """A buffer's findings; ``problem``: why there are none to show that the user should hear
    about (a configuration error). A source that does not parse has no findings and no problem:
    it is usually being typed."""

    findings: Tuple[Finding, ...] = ()
    problem: Optional[str] = None


def in_generation(generation: int, job: Callable[..., R], *args: Any) -> R:
    """``job(*args)``, after forgetting what this process remembers about projects if the
    server has seen a project file change since its last job (``generation`` went up)."""
    global _generation
    if generation != _generation:
        _generation = generation
        first_party.project_root.cache_clear()
        first_party._names_for_folder.cache_clear()  # (the CLI runs once; it never needs to forget)
    return job(*args)


def settings_for(path: str) -> Optional[Settings]:
    """The settings `check PATH` gives ``path``: the nearest pyproject.toml's, per-file-ignores
    and first-party names included. None for a file the configuration's `exclude` or
    `extend-exclude` leaves out (as walking its project would, and as ruff's server does).
    UsageError for a configuration `check` would refuse."""
    run = Run(RunOptions(paths=[path], no_cache=True, quiet=True))
    if run.exclude is not None and run.exclude.match_file(relative_posix(Path(path), run.config.root) or Path(path).as_posix()):
        return None
    return run.settings.for_path(Path(path))


def check(path: str, text: str) -> Checked:
    try:
        settings = settings_for(path)
    except UsageError as exc:
        return Checked(problem=str(exc))
    result = _process(text, settings, fix=False)
    return Checked(findings=tuple(result.findings) if result else ())


def warm_up() -> None:
    """Import the engine and every rule now, not on the first check a user waits for."""
    process_source(b"import asyncio\n\nasync def f():\n    asyncio.get_event_loop()\n", Settings(), fix=False)


def fix_all(path: str, text: str) -> Optional[List[Change]]:
    """What turns ``text`` into what `fix` would write (None: nothing to change, or it cannot be
    fixed)."""
    try:
        result = _process(text, settings_for(path), fix=True)
    except UsageError:
        return None
    return _changes(text, result.new_source if result else None)


def fix_finding(path: str, text: str, finding: Finding) -> Optional[List[Change]]:
    """What applies only ``finding``'s fix to ``text``, imports included (unsafe fixes too)."""
    data = _bytes(text)
    try:
        settings = settings_for(path)
    except UsageError:
        return None
    return _changes(text, fix_one(data, settings, finding) if data is not None and settings else None)


def noqa(path: str, text: str, finding: Finding) -> Optional[Edit]:
    """The `# noqa` edit that silences ``finding``."""
    return noqa_edit(text, (finding.line, finding.end_line), finding.code)


def _process(text: str, settings: Optional[Settings], *, fix: bool) -> Optional[FileResult]:
    data = _bytes(text)
    if data is None or settings is None:
        return None
    result = process_source(data, settings, fix=fix)
    return None if result.skipped else result


def _bytes(text: str) -> Optional[bytes]:
    """The bytes the file would hold: encoded as its coding cookie says (UTF-8 without one).
    None when the text cannot be (an unknown encoding, a character it lacks)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(text.encode("utf-8", "surrogatepass")).readline)
        return text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except (SyntaxError, UnicodeError, LookupError):
        return None


def _changes(text: str, fixed: Optional[bytes]) -> Optional[List[Change]]:
    return changes(text, decode_text(fixed)) if fixed is not None else None
