"""The benchmark stack: `sinergi up`'s embedded stack (stack/embedded.py) in `.bench/`, on
ports of its own, plus the floor worker; clients and tokens for the benchmarks."""

from __future__ import annotations

import compileall
import os
import shutil
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import psutil
import structlog
from temporalio.client import Client

from api.auth import mint_dev_token
from benchmarks.floor import QUEUE_VARIABLE, SECOND_TASK_QUEUE, TASK_QUEUE
from config.settings import PROJECT_ROOT, Settings
from domain.identity import Ministry, Role, Scope
from stack.embedded import EmbeddedStack, StackInfo
from stack.supervisor import ChildProcess
from workers.temporal_client import connect_temporal

log = structlog.get_logger(__name__)

STATE_DIR = PROJECT_ROOT / ".bench"
UPT = "LP-CIPINANG"


@dataclass
class Bench:
    info: StackInfo
    settings: Settings
    temporal: Client
    stack: EmbeddedStack

    def token(self, role: Role, **scope: str | Ministry) -> dict[str, str]:
        token = mint_dev_token(
            self.settings,
            f"bench-{role.value}",
            [role],
            Scope.model_validate(scope),
            timedelta(hours=12),
        )
        return {"Authorization": f"Bearer {token}"}

    def http(self, role: Role, **scope: str | Ministry) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        return httpx.AsyncClient(
            base_url=self.info.api_url,
            headers=self.token(role, **scope),
            timeout=900,
            limits=limits,
        )

    def process(self, name: str) -> psutil.Process | None:
        """A child of the stack by name (worker, api, temporal, floor-worker)."""
        for service in self.stack.supervisor.services:
            if service.name == name and isinstance(service, ChildProcess) and service.pid:
                return psutil.Process(service.pid)
        return None


@asynccontextmanager
async def bench_stack(synthetic_inmates: int, *, fresh: bool = True) -> AsyncIterator[Bench]:
    if fresh and STATE_DIR.exists():
        shutil.rmtree(STATE_DIR)
    # The API's SDP simulator knows the synthetic cohort (children inherit the environment).
    os.environ["SINERGI_SDP_SYNTHETIC_INMATES"] = str(synthetic_inmates)
    os.environ.setdefault("SINERGI_LOG_JSON", "true")
    # Another worktree's benchmark on the same machine: SINERGI_BENCH_PORT_OFFSET=50 moves
    # every port of this one by 50.
    offset = int(os.environ.get("SINERGI_BENCH_PORT_OFFSET", "0"))
    settings = Settings(
        state_dir=STATE_DIR,
        temporal_port=7433 + offset,
        temporal_ui_port=8433 + offset,
        api_port=8400 + offset,
        worker_metrics_port=9474 + offset,  # beside a `sinergi up` on 9464-9466
        smtp_port=8125 + offset,
        sdp_synthetic_inmates=synthetic_inmates,
    )
    # As the image does (Dockerfile): bytecode for the workflow modules, which the sandbox
    # imports afresh for every workflow it starts; under PYTHONDONTWRITEBYTECODE with no
    # bytecode it would compile them from source each time.
    compileall.compile_dir(PROJECT_ROOT / "workflows", quiet=1)
    stack = EmbeddedStack(settings, startup_timeout=180)
    try:
        info = await stack.start()
        env = dict(os.environ)
        env.update(DATABASE_URL=info.database_url, TEMPORAL_ADDRESS=info.temporal_address)
        for name, queue in (("floor-worker", TASK_QUEUE), ("floor-worker-2", SECOND_TASK_QUEUE)):
            await stack.supervisor.start_child(
                ChildProcess(
                    name,
                    (sys.executable, "-m", "benchmarks.floor"),
                    log_path=info.logs_dir / f"{name}.log",
                    env={**env, QUEUE_VARIABLE: queue},
                    cwd=PROJECT_ROOT,
                )
            )
        temporal = await connect_temporal(
            settings.model_copy(update={"temporal_address": info.temporal_address})
        )
        yield Bench(info, settings, temporal, stack)
    finally:
        # A worker dying at shutdown (e.g. the floor worker's fatal error) is reported.
        for problem in await stack.stop():
            log.error("bench_stack_stopped_abnormally", problem=problem)


def state_size(path: Path = STATE_DIR) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
