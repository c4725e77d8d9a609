"""The supervisor stops children in reverse order, kills the stubborn, and leaves nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from stack.supervisor import ChildExited, ChildProcess, Supervisor
from tests.stack.support import gone_soon, running, wait_for_file

# Writes "ready" to argv[1], then appends its name to argv[2] when asked to stop.
POLITE = """
import signal, sys, time
name, ready, journal = sys.argv[1], sys.argv[2], sys.argv[3]
def stop(*_):
    with open(journal, "a") as f:
        f.write(name + "\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
open(ready, "w").write("ready")
while True:
    time.sleep(1)
"""

STUBBORN = """
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
open(sys.argv[1], "w").write("ready")
time.sleep(120)
"""

# Starts a grandchild that ignores SIGTERM, records its pid, then dies on SIGTERM itself.
LEAVES_A_GRANDCHILD = """
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"])
time.sleep(0.2)  # let the grandchild install its handler
open(sys.argv[1], "w").write(str(grandchild.pid))
time.sleep(120)
"""


def _child(tmp_path: Path, name: str, code: str, *args: str, timeout: float = 5) -> ChildProcess:
    return ChildProcess(
        name,
        [sys.executable, "-c", code, *args],
        log_path=tmp_path / "logs" / f"{name}.log",
        stop_timeout=timeout,
    )


async def test_children_stop_in_reverse_start_order(tmp_path: Path) -> None:
    journal = tmp_path / "stopped"
    supervisor = Supervisor()
    for name in ("postgres", "temporal", "worker", "api"):
        ready = tmp_path / f"{name}.ready"
        await supervisor.start_child(_child(tmp_path, name, POLITE, name, str(ready), str(journal)))
        await wait_for_file(ready)
    await supervisor.stop_all()
    assert journal.read_text().split() == ["api", "worker", "temporal", "postgres"]


async def test_a_child_that_ignores_sigterm_is_killed_after_its_timeout(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    child = _child(tmp_path, "stubborn", STUBBORN, str(ready), timeout=0.5)
    await child.start()
    await wait_for_file(ready)
    await child.stop()
    assert child.exit_code() == -9
    assert child.pid is not None and not running(child.pid)


async def test_what_a_child_started_does_not_outlive_it(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    child = _child(tmp_path, "parent", LEAVES_A_GRANDCHILD, str(pid_file))
    await child.start()
    grandchild = int(await wait_for_file(pid_file))
    await child.stop()
    assert gone_soon(grandchild), "the grandchild survived its parent's stop"


async def test_when_a_child_dies_the_supervisor_names_it_and_stops_the_others(
    tmp_path: Path,
) -> None:
    ready = tmp_path / "sleeper.ready"
    supervisor = Supervisor()
    sleeper = await supervisor.start_child(
        _child(tmp_path, "sleeper", POLITE, "sleeper", str(ready), str(tmp_path / "journal"))
    )
    await wait_for_file(ready)
    await supervisor.start_child(
        _child(tmp_path, "crasher", "import sys; print('boom'); sys.exit(3)")
    )
    dead = await asyncio.wait_for(supervisor.wait_for_exit(asyncio.Event(), poll=0.05), 10)
    assert dead is not None and dead.name == "crasher" and dead.exit_code() == 3
    assert "boom" in dead.log_path.read_text()
    with pytest.raises(ChildExited, match=r"crasher exited with code 3; its log is .*crasher\.log"):
        supervisor.check_alive()
    await supervisor.stop_all()
    assert sleeper.pid is not None and not running(sleeper.pid)
    assert supervisor.services == ()


async def test_waiting_ends_quietly_when_a_stop_is_requested(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    supervisor = Supervisor()
    await supervisor.start_child(
        _child(tmp_path, "sleeper", POLITE, "sleeper", str(ready), str(tmp_path / "journal"))
    )
    await wait_for_file(ready)
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, stop.set)
    assert await asyncio.wait_for(supervisor.wait_for_exit(stop, poll=0.05), 5) is None
    await supervisor.stop_all()


# Dies of SIGABRT when asked to stop: what a fatal error at interpreter shutdown looks like.
ABORTS_ON_STOP = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, lambda *_: os.abort())
open(sys.argv[1], "w").write("ready")
time.sleep(120)
"""


async def test_a_child_that_dies_at_shutdown_is_reported_not_taken_for_a_normal_stop(
    tmp_path: Path,
) -> None:
    ready, polite_ready = tmp_path / "ready", tmp_path / "polite.ready"
    supervisor = Supervisor()
    await supervisor.start_child(_child(tmp_path, "polite", POLITE, "polite", str(polite_ready),
                                        str(tmp_path / "journal")))  # fmt: skip
    await supervisor.start_child(_child(tmp_path, "aborter", ABORTS_ON_STOP, str(ready)))
    await wait_for_file(ready)
    await wait_for_file(polite_ready)
    problems = await supervisor.stop_all()
    assert problems == [
        f"aborter was killed by SIGABRT (exit -6) when stopped; its log is "
        f"{tmp_path / 'logs' / 'aborter.log'}"
    ]


async def test_children_that_stop_cleanly_report_nothing(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    supervisor = Supervisor()
    await supervisor.start_child(
        _child(tmp_path, "polite", POLITE, "polite", str(ready), str(tmp_path / "journal"))
    )
    await wait_for_file(ready)
    assert await supervisor.stop_all() == []
