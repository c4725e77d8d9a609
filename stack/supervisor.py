"""Child processes of the local stack, started in order and stopped in reverse.

Each child runs in its own process group, so a Ctrl-C at the terminal reaches only the
supervisor, which then stops the children one by one (API before worker before Temporal
before Postgres) instead of all of them at once. On Linux each child is also asked to get
SIGTERM if the supervisor itself dies, so even a `kill -9` leaves nothing running.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)

_PR_SET_PDEATHSIG = 1


class StackError(Exception):
    """The stack could not start or keep running; the message says what to look at."""


class ChildExited(StackError):
    def __init__(self, name: str, returncode: int | None, log_path: Path) -> None:
        self.name = name
        self.returncode = returncode
        self.log_path = log_path
        super().__init__(f"{name} exited with code {returncode}; its log is {log_path}")


class Service(Protocol):
    """Something the supervisor watches and stops: a child process or the embedded Postgres."""

    @property
    def name(self) -> str: ...

    @property
    def log_path(self) -> Path: ...

    def exit_code(self) -> int | None:
        """None while it runs; its exit code once it has stopped."""
        ...

    async def stop(self) -> None: ...


def _parent_death_signal() -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to SIGTERM the child when its parent dies."""
    if not sys.platform.startswith("linux"):
        return None
    # Loaded here, before any fork: the hook itself must only make one system call.
    libc = ctypes.CDLL(None, use_errno=True)

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return hook


class ChildProcess:
    """One supervised subprocess with its output appended to a log file."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        stop_timeout: float = 10.0,
    ) -> None:
        self._name = name
        self.argv = list(argv)
        self._log_path = log_path
        self.env = dict(env) if env is not None else None
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.stop_failure: str | None = None  # set by stop(): how it ended, if abnormally
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def log_path(self) -> Path:
        return self._log_path

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> None:
        if self._proc is not None:
            raise RuntimeError(f"{self.name} was already started")
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as out:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            out.write(f"--- {stamp} starting: {' '.join(self.argv)}\n".encode())
            out.flush()
            # The child keeps its own copy of the descriptor; ours closes when we leave.
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_parent_death_signal(),
            )
        log.info("child_started", child=self.name, pid=self._proc.pid, log=str(self._log_path))

    def exit_code(self) -> int | None:
        if self._proc is None:
            return None
        return self._proc.returncode

    async def wait(self) -> int:
        if self._proc is None:
            raise RuntimeError(f"{self.name} was never started")
        return await self._proc.wait()

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL after stop_timeout; then clear out the process group."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            self._signal_group(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), self.stop_timeout)
            except TimeoutError:
                log.warning("child_killed", child=self.name, after_seconds=self.stop_timeout)
                self._signal_group(proc.pid, signal.SIGKILL)
                await proc.wait()
        # Anything the child started and left behind in its group goes too.
        if _group_alive(proc.pid):
            self._signal_group(proc.pid, signal.SIGKILL)
        self.stop_failure = abnormal_stop(self.name, proc.returncode, self.log_path)
        if self.stop_failure is None:
            log.info("child_stopped", child=self.name, returncode=proc.returncode)
        else:
            log.error("child_stopped_abnormally", child=self.name, returncode=proc.returncode,
                      problem=self.stop_failure)  # fmt: skip

    @staticmethod
    def _signal_group(pgid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)


def abnormal_stop(name: str, returncode: int | None, log_path: Path) -> str | None:
    """What was wrong with how a child ended when asked to stop (SIGTERM): None for exit 0.
    Killed by a signal (a negative code: SIGKILL after the stop timeout, SIGABRT from a
    fatal error) or a non-zero exit is an error, named with its log."""
    if returncode == 0:
        return None
    if returncode is None:
        how = "did not exit"
    elif returncode < 0:
        how = f"was killed by {_signal_name(-returncode)} (exit {returncode})"
    else:
        how = f"exited with code {returncode}"
    return f"{name} {how} when stopped; its log is {log_path}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Supervisor:
    """Services in start order; stops them in reverse and reports the first that dies."""

    def __init__(self) -> None:
        self._services: list[Service] = []

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(self._services)

    def add(self, service: Service) -> None:
        """Register before starting it, so a start that fails half-way is still cleaned up."""
        self._services.append(service)

    async def start_child(self, child: ChildProcess) -> ChildProcess:
        self.add(child)
        await child.start()
        return child

    def first_exited(self) -> Service | None:
        for service in self._services:
            if service.exit_code() is not None:
                return service
        return None

    def check_alive(self) -> None:
        """Raise ChildExited if any service has stopped on its own."""
        dead = self.first_exited()
        if dead is not None:
            raise ChildExited(dead.name, dead.exit_code(), dead.log_path)

    async def wait_for_exit(self, stop: asyncio.Event, poll: float = 0.5) -> Service | None:
        """The first service that stops on its own, or None once `stop` is set."""
        while not stop.is_set():
            dead = self.first_exited()
            if dead is not None:
                return dead
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll)
        return None

    async def stop_all(self) -> list[str]:
        """Reverse start order. One service failing to stop does not keep the rest running.
        Returns what went wrong: a stop that failed, a child that ended abnormally."""
        problems: list[str] = []
        while self._services:
            service = self._services.pop()
            try:
                await service.stop()
            except Exception as error:
                log.exception("stop_failed", service=service.name)
                problems.append(f"{service.name} failed to stop: {error}")
                continue
            failure = getattr(service, "stop_failure", None)
            if failure is not None:
                problems.append(failure)
        return problems
