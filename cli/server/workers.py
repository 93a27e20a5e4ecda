"""Worker processes for the engine, one job at a time each. The server never waits on the
engine itself, a worker that dies (the native parser can, on pathological input) costs only its
own job, and a job nobody wants any more that has run for a while is stopped with its process
(a long file edited again, the server shutting down) rather than left to hold a worker."""

from __future__ import annotations

import asyncio
import time
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any, Callable, List, Optional, TypeVar

from . import work

COUNT = 2  # one long file does not hold up the others, and the machine keeps a core
# A cancelled job that has run this long is stopped by ending its process; a shorter one is let
# finish (starting a new worker costs more: it imports the engine).
STOP_AFTER_SECONDS = 1.0

R = TypeVar("R")
# spawn: the server has threads, and forking a process with threads is unsafe
_CONTEXT = get_context("spawn")


class Worker:
    def __init__(self) -> None:
        self._connection, child = _CONTEXT.Pipe()
        self._process = _CONTEXT.Process(target=_serve, args=(child,), daemon=True, name="asyncio-upgrade worker")
        self._process.start()
        child.close()

    async def run(self, job: Callable[..., R], *args: Any) -> R:
        """EOFError if the process died."""
        self._connection.send((job, args))
        return await asyncio.to_thread(self._connection.recv)

    def stop(self) -> None:
        """End the process (a job it runs is lost: its caller gets EOFError)."""
        self._process.kill()
        self._process.join()


class Workers:
    def __init__(self, count: int = COUNT) -> None:
        self._count = count
        self._idle: Optional["asyncio.Queue[Worker]"] = None
        self._all: List[Worker] = []
        self._generation = 0
        self._closed = False

    async def run(self, job: Callable[..., R], on_crash: R, *args: Any) -> R:
        """``job(*args)`` in the next free worker; ``on_crash`` if the worker died on it."""
        idle = self._start()
        worker = await idle.get()
        started = time.monotonic()
        running = asyncio.ensure_future(worker.run(work.in_generation, self._generation, job, *args))
        try:
            result = await asyncio.shield(running)
        except asyncio.CancelledError:
            self._give_up(running, worker, STOP_AFTER_SECONDS - (time.monotonic() - started))
            raise
        except (EOFError, OSError):
            idle.put_nowait(self._replace(worker))
            return on_crash
        idle.put_nowait(worker)
        return result

    def _give_up(self, running: "asyncio.Future[Any]", worker: Worker, grace: float) -> None:
        """Nobody wants the job ``worker`` is running: it may finish within ``grace`` seconds
        (then the worker is free again), else its process is ended and another started."""
        deadline = asyncio.get_running_loop().call_later(max(grace, 0), worker.stop)

        def done(job: "asyncio.Future[Any]") -> None:
            deadline.cancel()
            assert self._idle is not None
            self._idle.put_nowait(worker if _finished(job) else self._replace(worker))

        running.add_done_callback(done)

    def warm_up(self) -> None:
        self._start()

    def forget_projects(self) -> None:
        """Make every worker read again what it remembers about projects (their roots and
        first-party names) before its next job."""
        self._generation += 1

    def shutdown(self) -> None:
        self._closed = True
        for worker in self._all:
            worker.stop()
        self._all.clear()

    def _start(self) -> "asyncio.Queue[Worker]":
        if self._idle is None:
            self._idle = asyncio.Queue()
            for _ in range(self._count):
                self._idle.put_nowait(self._new())
        return self._idle

    def _new(self) -> Worker:
        worker = Worker()
        self._all.append(worker)
        return worker

    def _replace(self, worker: Worker) -> Worker:
        """A new worker in place of ``worker`` (the same, stopped, once the server is closing)."""
        worker.stop()
        if self._closed:
            return worker
        self._all.remove(worker)
        return self._new()


def _finished(job: "asyncio.Future[Any]") -> bool:
    """Whether a job nobody waits for any more ended with its worker alive."""
    return job.cancelled() or job.exception() is None


def _serve(connection: Connection) -> None:
    """A worker process: imports the engine, then answers jobs until the server goes."""
    work.warm_up()
    while True:
        try:
            job, args = connection.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        connection.send(job(*args))
