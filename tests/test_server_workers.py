"""The server's worker processes: a job nobody wants any more that runs on is stopped with its
process, so the next job gets a worker; a worker that dies costs only its own job."""

from __future__ import annotations

import asyncio
import operator
import os
import time

from asyncio_upgrade.cli.server.workers import Workers

HANG_GUARD = 120  # seconds: only a broken worker pool waits this long (the jobs below never end)


def in_loop(scenario):
    async def guarded():
        return await asyncio.wait_for(scenario(), HANG_GUARD)

    return asyncio.run(guarded())


def test_an_unwanted_job_that_runs_on_is_stopped_and_the_next_job_runs() -> None:
    async def scenario():
        workers = Workers(count=1)
        endless = asyncio.ensure_future(workers.run(time.sleep, None, 10**6))
        await asyncio.sleep(0)  # it has the worker
        endless.cancel()
        try:
            return await workers.run(operator.add, None, 1, 2)
        finally:
            workers.shutdown()

    assert in_loop(scenario) == 3


def test_a_worker_that_dies_costs_only_its_job() -> None:
    async def scenario():
        workers = Workers(count=1)
        try:
            return await workers.run(os._exit, "crashed", 1), await workers.run(operator.add, None, 1, 2)
        finally:
            workers.shutdown()

    assert in_loop(scenario) == ("crashed", 3)
