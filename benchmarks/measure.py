"""Measuring helpers: percentiles, peak memory sampling, and the machine the figures came from."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import os
import platform
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import psutil

from stack.binaries import temporal_cli


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


@dataclass
class MemoryPeaks:
    peak: dict[str, int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)

    def mib(self, name: str, which: str = "peak") -> str:
        value = (self.peak if which == "peak" else self.last).get(name)
        return "n/a" if value is None else f"{value / 2**20:.0f} MiB"


def rss_with_children(process: psutil.Process) -> int:
    """The process's resident memory, with its children (the dev server is one process)."""
    total: int = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += child.memory_info().rss
    return total


@contextlib.asynccontextmanager
async def sample_memory(
    processes: dict[str, psutil.Process | None], every: float = 2.0
) -> AsyncIterator[MemoryPeaks]:
    peaks = MemoryPeaks()

    def sample() -> None:
        for name, process in processes.items():
            if process is None:
                continue
            with contextlib.suppress(psutil.Error):
                rss = rss_with_children(process)
                peaks.last[name] = rss
                peaks.peak[name] = max(rss, peaks.peak.get(name, 0))

    async def loop() -> None:
        while True:
            sample()
            await asyncio.sleep(every)

    task = asyncio.create_task(loop())
    try:
        yield peaks
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        sample()


def cpu_seconds(process: psutil.Process | None) -> float:
    """User + system CPU of a process and its children (the counters the kernel keeps);
    0 for a process that is not there."""
    if process is None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        total = process.cpu_times()
        used = total.user + total.system + total.children_user + total.children_system
        for child in process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                times = child.cpu_times()
                used += times.user + times.system
        return float(used)
    return 0.0


def machine() -> dict[str, str]:
    memory = psutil.virtual_memory()
    load = os.getloadavg()
    return {
        "CPUs": str(psutil.cpu_count()),
        "RAM": f"{memory.total / 2**30:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in load),
    }


def versions(postgres_version: str) -> dict[str, str]:
    try:
        cli = subprocess.run(  # noqa: S603 - our own pinned binary
            [temporal_cli(), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except OSError as error:
        cli = f"unknown ({error})"
    return {
        "temporalio (Python SDK)": importlib.metadata.version("temporalio"),
        "temporal CLI (dev server)": cli,
        "PostgreSQL": postgres_version,
        "FastAPI": importlib.metadata.version("fastapi"),
        "asyncpg": importlib.metadata.version("asyncpg"),
    }
