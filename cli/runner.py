"""Runs the engine over files and yields one outcome per file, in input order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from asyncio_upgrade.codemods.api import FileResult, Settings, process_source

from .files import Source


@dataclass
class Outcome:
    path: Path
    original: Optional[bytes]
    result: Optional[FileResult]
    problem: Optional[str] = None  # a file we could not even read


def run(sources: Iterable[Source], settings_for: Callable[[Path], Settings], *, fix: bool) -> Iterator[Outcome]:
    for source in sources:
        if source.problem:
            yield Outcome(source.path, None, None, source.problem)
            continue
        try:
            data = source.path.read_bytes()
        except OSError as exc:
            yield Outcome(source.path, None, None, f"cannot read: {exc.strerror or exc}")
            continue
        yield Outcome(source.path, data, process_source(data, settings_for(source.path), fix=fix))
