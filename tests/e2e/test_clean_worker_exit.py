"""Ministry workers stop cleanly when told to in the middle of work: SIGTERM while their
polls and activities are in flight ends each with exit 0 and no fatal error (the reported
`Fatal Python error: PyGILState_Release`, exit -6, came from the interpreter finalising
under the Temporal runtime's threads; workers/process.py leaves without finalising)."""

from __future__ import annotations

import asyncio

from tests.api import permit_flows as flows
from tests.api.conftest import ApiStack
from tests.e2e.test_permit_across_ministries import WorkerProcess, stack

__all__ = ["stack"]  # the fixture, shared with the cross-ministry test


async def test_workers_stopped_mid_work_exit_0_without_a_fatal_error(
    stack: tuple[ApiStack, WorkerProcess, WorkerProcess],
) -> None:
    api, kemnaker, imigrasi = stack
    for round_ in range(3):
        # Work for both sides in flight: applications being verified and routed.
        ids = await asyncio.gather(*(flows.submit(api) for _ in range(4)))
        assert len(ids) == 4
        await asyncio.gather(kemnaker.stop(), imigrasi.stop())
        for worker in (kemnaker, imigrasi):
            assert worker.process is not None
            log = worker.log.read_text()
            assert worker.process.returncode == 0, f"round {round_}: {worker.module}\n{log}"
            assert "Fatal Python error" not in log, log
            assert log.count("worker_stopped") == round_ + 1
        await asyncio.gather(kemnaker.start(), imigrasi.start())
