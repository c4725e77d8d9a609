"""Helpers to check that processes really are gone (zombies count as gone)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path


def running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def gone_soon(pid: int, within: float = 5.0) -> bool:
    """A process re-parented to init is reaped by it a moment later."""
    deadline = time.monotonic() + within
    while running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def processes_mentioning(marker: str) -> list[str]:
    """Command lines of live processes that contain `marker`."""
    found: list[str] = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline and running(int(proc.name)):
            found.append(f"{proc.name}: {cmdline}")
    return found


def _contents(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


async def wait_for_file(path: Path, within: float = 10.0) -> str:
    """The file's text once a child has written it (children signal "ready" this way)."""
    deadline = time.monotonic() + within
    while not (text := _contents(path)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        await asyncio.sleep(0.02)
    return text
