"""The open documents and the work done for each version: the check and the fixes run in
worker processes, so a slow file never holds up the server, and the newest version wins: a
change cancels what was queued for the version before it, and a result that arrives for a
replaced version is dropped."""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any, Callable, Dict, Optional, TypeVar

from . import work

# How long an edited buffer must stay unchanged before it is checked again: typing does not
# queue a check per keystroke. Opening and saving check at once.
DEBOUNCE_SECONDS = 0.3
# Two workers: one long file does not hold up the others, and the machine keeps a core.
WORKERS = 2

R = TypeVar("R")


class Snapshot:
    """One version of an open document and what has been worked out for it, each piece once."""

    def __init__(self, workers: "Workers", uri: str, version: int, text: str, path: str, delay: float) -> None:
        self.uri, self.version, self.text, self.path = uri, version, text, path
        self._workers = workers
        self.checked: "asyncio.Task[work.Checked]" = asyncio.ensure_future(self._check(delay))
        self._answers: Dict[object, asyncio.Future] = {}

    async def _check(self, delay: float) -> work.Checked:
        if delay:
            await asyncio.sleep(delay)
        return await self._workers.run(work.check, work.Checked(), self.path, self.text)

    def answer(self, key: object, job: Callable[..., R], *args: Any) -> "asyncio.Future[Optional[R]]":
        """``job(path, text, *args)`` in a worker, once for this version (a request cancelled
        while it waits leaves the answer to the next one)."""
        if key not in self._answers:
            self._answers[key] = asyncio.ensure_future(self._workers.run(job, None, self.path, self.text, *args))
        return asyncio.shield(self._answers[key])

    def cancel(self) -> None:
        for future in (self.checked, *self._answers.values()):
            future.cancel()


class Documents:
    def __init__(self) -> None:
        self.workers = Workers()
        self._open: Dict[str, Snapshot] = {}

    def update(self, uri: str, version: int, text: str, path: str, *, debounce: bool) -> Snapshot:
        self.close(uri)
        current = self._open[uri] = Snapshot(self.workers, uri, version, text, path, DEBOUNCE_SECONDS if debounce else 0)
        return current

    def current(self, uri: str) -> Optional[Snapshot]:
        return self._open.get(uri)

    def is_current(self, snapshot: Snapshot) -> bool:
        return self._open.get(snapshot.uri) is snapshot

    def close(self, uri: str) -> None:
        old = self._open.pop(uri, None)
        if old is not None:
            old.cancel()

    def uris(self):
        return list(self._open)


class Workers:
    """A pool of worker processes, started on first use. A worker that dies (the native parser
    can, on pathological input) costs that one answer: the pool is started again."""

    def __init__(self) -> None:
        self._pool: Optional[ProcessPoolExecutor] = None
        self._generation = 0

    async def run(self, job: Callable[..., R], on_crash: R, *args: Any) -> R:
        if self._pool is None:
            # spawn: the server has threads, and forking a process with threads is unsafe
            self._pool = ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn"))
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, work.in_generation, self._generation, job, *args)
        except BrokenProcessPool:
            if self._pool is pool:
                self._pool = None
            return on_crash

    def warm_up(self) -> None:
        for _ in range(WORKERS):
            asyncio.ensure_future(self.run(work.warm_up, None))

    def forget_projects(self) -> None:
        """Make every worker read again what it remembers about projects (their roots and
        first-party names) before its next job."""
        self._generation += 1

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
