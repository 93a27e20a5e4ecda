"""Runs the engine over files: cache first, then in-process for a handful of files or a
process pool for batches. Outcomes come back in input order, a chunk at a time, so memory
stays flat however many files there are."""

from __future__ import annotations

import os
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, List, Optional, Protocol, Tuple, Union

from asyncio_upgrade.codemods.api import FileResult, Prepared, Settings, prepare, process_prepared

from .files import Source

if TYPE_CHECKING:
    # Imported when a pool starts: with multiprocessing, ~9 ms that small batches need not pay.
    from concurrent.futures import ProcessPoolExecutor

    from .cache import Cache

CHUNK = 512
# Below this many files that need parsing, starting worker processes costs more than it saves.
POOL_THRESHOLD = 8


class SettingsFor(Protocol):
    """The settings the run chose for one file."""

    def selection(self) -> Settings:
        """Enough for the text step (which rules, and how they are chosen): costs nothing."""

    def __call__(self, data: bytes) -> Settings:
        """All of them, given the file's bytes (read once, here: which project facts a file
        is handed depends on its words): only files the text step keeps pay for them."""


Work = Tuple[Source, SettingsFor]


@dataclass
class Outcome:
    path: Path
    original: Optional[bytes]
    result: Optional[FileResult]
    problem: Optional[str] = None  # a file we could not even read
    stdin: bool = False


# What a worker gets: the path (for messages), the source decoded and text-filtered once in
# the parent, its settings, and whether to fix.
Job = Tuple[str, Prepared, Settings, bool]


def _work(job: Job) -> FileResult:
    _, prepared, settings, fix = job
    return process_prepared(prepared, settings, fix=fix)


class Runner:
    def __init__(self, *, jobs: Optional[int] = None, cache: Optional[Cache] = None) -> None:
        self.jobs = jobs or os.cpu_count() or 1
        self.cache = cache
        self._pool: Optional[ProcessPoolExecutor] = None

    def run(self, work: Iterable[Work], *, fix: bool) -> Iterator[Outcome]:
        """An outcome for each file, in the order given, with the settings given for it."""
        iterator = iter(work)
        try:
            while True:
                chunk = list(islice(iterator, CHUNK))
                if not chunk:
                    if self.cache is not None:
                        self.cache.quiet.save()
                    return
                yield from self._run_chunk(chunk, fix)
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None

    def _run_chunk(self, chunk: List[Work], fix: bool) -> Iterator[Outcome]:
        outcomes: List[Optional[Outcome]] = []
        pending: List[Tuple[int, str, Job]] = []
        for source, settings_for in chunk:
            if source.problem:
                outcomes.append(Outcome(source.path, None, None, source.problem))
                continue
            try:
                data = source.path.read_bytes()
            except OSError as exc:
                outcomes.append(Outcome(source.path, None, None, f"cannot read: {exc.strerror or exc}"))
                continue
            job = self._prepare(source, data, settings_for, fix)
            if isinstance(job, FileResult):
                outcomes.append(Outcome(source.path, data, job))
            else:
                outcomes.append(Outcome(source.path, data, None))
                pending.append((len(outcomes) - 1, job[0], job[1]))

        # Each outcome goes out as soon as its own result and those before it are in: a progress
        # bar moves file by file, not a chunk at a time.
        results = self._compute([item for _, _, item in pending])
        upcoming = iter(pending)
        following = next(upcoming, None)
        for index, outcome in enumerate(outcomes):
            if following is not None and following[0] == index:
                outcome.result = next(results)  # type: ignore[union-attr]
                if self.cache:
                    self.cache.put(following[1], outcome.result)  # type: ignore[union-attr,arg-type]
                following = next(upcoming, None)
            yield outcome  # type: ignore[misc]

    def _prepare(self, source: Source, data: bytes, settings_for: SettingsFor, fix: bool) -> Union[FileResult, Tuple[str, Job]]:
        """The result, when the cache or the text step has it, else the cache key and the job.
        Most files are answered from their text (no rule's words in it); the cache remembers
        those in one file (``QuietContents``): hashing costs less than the text step. Where
        "async" is written, the text step looks for many words: the cache is asked first."""
        cache = self.cache
        selection = settings_for.selection()
        content = cache.content(data) if cache is not None else None
        if cache is not None and cache.known_quiet(content, selection):
            return FileResult()
        prepared = prepare(data, selection) if b"async" not in data else None
        if not isinstance(prepared, FileResult):
            settings = settings_for(data)
            key = cache.key(content, settings, fix) if cache is not None else ""
            cached = cache.get(key) if cache is not None else None
            if cached is not None:
                return cached
            if prepared is None:
                prepared = prepare(data, selection)
            if isinstance(prepared, Prepared):
                return key, (str(source.path), prepared, settings, fix)
        if cache is not None:
            cache.put_quiet(content, selection, prepared)
        return prepared

    def _compute(self, items: List[Job]) -> Iterator[FileResult]:
        """The results, in order, as they come."""
        if self.jobs <= 1 or (len(items) < POOL_THRESHOLD and self._pool is None):
            yield from map(_work, items)
            return
        from concurrent.futures.process import BrokenProcessPool

        done = 0
        try:
            for result in self._pool_map(items):
                done += 1
                yield result
        except BrokenProcessPool:
            # A worker died (the native parser can, on pathological input): find the file
            # that kills it, one at a time, and report it instead of losing the batch.
            self._pool = None
            for item in items[done:]:
                try:
                    yield from list(self._pool_map([item]))
                except BrokenProcessPool:
                    self._pool = None
                    yield FileResult(skipped="internal error: the worker process crashed on this file; left unchanged", internal_error=True)

    def _pool_map(self, items):
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.jobs)
        # Small chunks: the files that reach here all need parsing, and a few big ones can take
        # most of the time; large chunks would leave one worker with all of them.
        return self._pool.map(_work, items, chunksize=max(1, len(items) // (self.jobs * 16)))
