"""The open documents and the work done for each version: the check and the fixes run in
worker processes, so a slow file never holds up the server, and the newest version wins: a
change cancels what was queued for the version before it, and a result that arrives for a
replaced version is dropped."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List, Optional, TypeVar

from . import work
from .workers import Workers

# How long an edited buffer must stay unchanged before it is checked again: typing does not
# queue a check per keystroke. Opening and saving check at once.
DEBOUNCE_SECONDS = 0.3

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

    def uris(self) -> List[str]:
        return list(self._open)
