"""`sinergi up`: the whole stack on one machine, its state in one folder (settings.state_dir).

Start order: Postgres (embedded unless DATABASE_URL is set; migrated and seeded), the Temporal
dev server (unless TEMPORAL_ADDRESS is set), in development the local mail sink, the workers
(the enrolment worker, then Kemnaker's and Imigrasi's TKA permit workers, then the delivery
worker, each its own process), the API. Stop order is
the reverse, on SIGINT/SIGTERM, when anything dies, or when start-up fails half-way.
Postgres data and the Temporal database stay in the state folder, so cases survive a restart.

Layout of the state folder:
    postgres/      the Postgres data folder (its server log is postgres/log)
    temporal.db    the Temporal dev server's SQLite store
    logs/          temporal.log, worker.log, kemnaker-worker.log, imigrasi-worker.log,
                   delivery-worker.log, mail-sink.log, api.log
    mail/          development: every e-mail the local mail sink received, one .eml each
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import structlog

from config.settings import PROJECT_ROOT, Environment, Settings
from stack.postgres import (
    DATABASE_NAME,
    EmbeddedPostgres,
    PostgresService,
    ensure_database,
    migrate_and_seed,
)
from stack.supervisor import ChildProcess, RestartPolicy, StackError, Supervisor
from stack.temporal_server import TemporalDevServer, wait_for_temporal

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class AppCommands:
    """How our own processes start; tests put small stand-ins here."""

    worker: Sequence[str] = (sys.executable, "-m", "workers.main")
    api: Sequence[str] = (sys.executable, "-m", "api.main")
    # TKA permits: each ministry's worker is a process of its own, stopped or restarted alone.
    kemnaker_worker: Sequence[str] = (sys.executable, "-m", "workers.kemnaker")
    imigrasi_worker: Sequence[str] = (sys.executable, "-m", "workers.imigrasi")
    # Notifications: the delivery worker, and in development the local mail sink it sends to.
    delivery_worker: Sequence[str] = (sys.executable, "-m", "workers.delivery")
    mail_sink: Sequence[str] = (sys.executable, "-m", "workers.mail_sink")


@dataclass(frozen=True)
class StackInfo:
    """Where everything is, once the stack is up."""

    api_url: str
    docs_url: str
    temporal_address: str
    temporal_ui_url: str | None  # None when an external Temporal is used
    database_url: str
    state_dir: Path
    logs_dir: Path


def _local_host(host: str) -> str:
    """The address to reach a server bound to `host` from this machine."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - comparing only


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Same option the servers use, so a port left in TIME_WAIT does not count as taken.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


class EmbeddedStack:
    """Starts the stack step by step; `stop()` undoes whatever was started, in reverse."""

    def __init__(
        self,
        settings: Settings,
        *,
        commands: AppCommands | None = None,
        startup_timeout: float = 90.0,
        stop_timeout: float = 10.0,
        restart_backoff: float = 1.0,
    ) -> None:
        self.settings = settings
        self.restart_backoff = restart_backoff
        self.commands = commands or AppCommands()
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.supervisor = Supervisor()
        self.logs_dir = settings.state_dir / "logs"

    async def start(self) -> StackInfo:
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self._check_ports()
        database_url = await self._start_database()
        temporal_address, ui_url = await self._start_temporal()
        env = self._child_env(database_url, temporal_address)
        sink = [("mail-sink", self.commands.mail_sink)] if self.settings.mail_sink_enabled else []
        for name, argv in (
            *sink,
            ("worker", self.commands.worker),
            ("kemnaker-worker", self.commands.kemnaker_worker),
            ("imigrasi-worker", self.commands.imigrasi_worker),
            ("delivery-worker", self.commands.delivery_worker),
            ("api", self.commands.api),
        ):
            metrics = self.worker_metrics.get(name)
            child_env = env if metrics is None else {**env, "SINERGI_METRICS_BIND_ADDRESS": metrics}
            await self.supervisor.start_child(
                ChildProcess(
                    name,
                    argv,
                    log_path=self.logs_dir / f"{name}.log",
                    env=child_env,
                    cwd=PROJECT_ROOT,
                    stop_timeout=self.stop_timeout,
                    # A crashed worker or API is restarted with backoff; the stack gives up
                    # (and stops, naming it) only after repeated crashes.
                    restart=RestartPolicy(backoff=self.restart_backoff),
                )
            )
        api_url = f"http://{_local_host(self.settings.api_host)}:{self.settings.api_port}"
        await self._wait_for_api(api_url)
        return StackInfo(
            api_url=api_url,
            docs_url=f"{api_url}/docs",
            temporal_address=temporal_address,
            temporal_ui_url=ui_url,
            database_url=database_url,
            state_dir=self.settings.state_dir,
            logs_dir=self.logs_dir,
        )

    @property
    def worker_metrics(self) -> dict[str, str]:
        """Where each worker exports the Temporal SDK's metrics (Prometheus format)."""
        host, port = _local_host(self.settings.api_host), self.settings.worker_metrics_port
        names = ("worker", "kemnaker-worker", "imigrasi-worker")
        return {name: f"{host}:{port + i}" for i, name in enumerate(names)}

    async def stop(self) -> list[str]:
        """Stop everything; what ended abnormally (a child killed by a signal, a non-zero
        exit), as messages."""
        return await self.supervisor.stop_all()

    def _check_ports(self) -> None:
        wanted = [("API", self.settings.api_port, "SINERGI_API_PORT")]
        if self.settings.mail_sink_enabled:
            wanted.append(("mail sink", self.settings.smtp_port, "SINERGI_SMTP_PORT"))
        wanted += [
            (f"{name} metrics", int(address.rsplit(":", 1)[1]), "SINERGI_WORKER_METRICS_PORT")
            for name, address in self.worker_metrics.items()
        ]
        if self.settings.embedded_temporal:
            wanted += [
                ("Temporal", self.settings.temporal_port, "SINERGI_TEMPORAL_PORT"),
                ("Temporal UI", self.settings.temporal_ui_port, "SINERGI_TEMPORAL_UI_PORT"),
            ]
        host = _local_host(self.settings.api_host)
        for what, port, variable in wanted:
            if _port_in_use(host, port):
                raise StackError(
                    f"port {port} ({what}) is already in use: is another `sinergi up` running? "
                    f"Stop it, or pick another port with {variable}"
                )

    async def _start_database(self) -> str:
        if self.settings.database_dsn is not None:
            await migrate_and_seed(self.settings.database_dsn)
            return self.settings.database_dsn
        service = PostgresService(EmbeddedPostgres(self.settings.state_dir / "postgres"))
        self.supervisor.add(service)
        await service.start()
        await ensure_database(service.postgres.uri())
        dsn = service.postgres.uri(DATABASE_NAME)
        await migrate_and_seed(dsn)
        return dsn

    async def _start_temporal(self) -> tuple[str, str | None]:
        if self.settings.temporal_address is not None:
            address = self.settings.temporal_address
            try:
                await wait_for_temporal(address, self.settings.temporal_namespace, wait_seconds=15)
            except StackError as error:
                raise StackError(f"{error}; is TEMPORAL_ADDRESS right?") from None
            return address, None
        server = TemporalDevServer(self.settings)
        server.child.stop_timeout = self.stop_timeout
        await self.supervisor.start_child(server.child)
        await server.wait_ready(self.startup_timeout)
        return server.address, server.ui_url

    def _child_env(self, database_url: str, temporal_address: str) -> dict[str, str]:
        s = self.settings
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url,
            TEMPORAL_ADDRESS=temporal_address,
            SINERGI_TEMPORAL_NAMESPACE=s.temporal_namespace,
            SINERGI_ENVIRONMENT=s.environment.value,
            SINERGI_STATE_DIR=str(s.state_dir),
            SINERGI_API_HOST=s.api_host,
            SINERGI_API_PORT=str(s.api_port),
            # The API must accept the tokens `sinergi token` mints from these same settings.
            SINERGI_JWT_SECRET=s.jwt_secret.get_secret_value(),
            SINERGI_JWT_ISSUER=s.jwt_issuer,
            SINERGI_JWT_AUDIENCE=s.jwt_audience,
            # The delivery worker sends to (and the mail sink listens on) this address.
            SINERGI_SMTP_HOST=s.smtp_host,
            SINERGI_SMTP_PORT=str(s.smtp_port),
            SINERGI_MAIL_SINK=str(s.mail_sink_enabled).lower(),
            PYTHONUNBUFFERED="1",  # logs reach the log file as they happen
        )
        # The dev server's Web UI calls the API's codec server from the browser: allow its
        # origin, unless the operator chose the origins.
        if "SINERGI_CODEC_CORS_ORIGINS" not in os.environ:
            port = s.temporal_ui_port
            env["SINERGI_CODEC_CORS_ORIGINS"] = json.dumps(
                [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
            )
        # That UI has no login, so no token to pass: in development the codec decodes for its
        # origin as the operator "temporal-dev-ui" (api/codec.py; refused in production).
        if s.environment is Environment.DEVELOPMENT:
            env.setdefault("SINERGI_CODEC_DEV_UI_OPERATOR", "true")
        return env

    async def _wait_for_api(self, api_url: str) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer yet"
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                self.supervisor.check_alive()
                try:
                    response = await client.get(f"{api_url}/ready")
                    if response.status_code == 200:
                        log.info("api_ready", url=api_url)
                        return
                    last = f"HTTP {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as error:
                    last = f"{type(error).__name__}: {error}"
                if time.monotonic() >= deadline:
                    raise StackError(
                        f"the API at {api_url}/ready was not ready within "
                        f"{self.startup_timeout:.0f}s ({last}); see {self.logs_dir / 'api.log'}"
                    )
                await asyncio.sleep(0.3)


def _install_signal_handlers(
    loop: asyncio.AbstractEventLoop, stop: asyncio.Event
) -> list[signal.Signals]:
    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            continue
        installed.append(sig)
    return installed


async def run_stack(
    settings: Settings,
    *,
    on_ready: Callable[[StackInfo], None] | None = None,
    stop: asyncio.Event | None = None,
    commands: AppCommands | None = None,
    startup_timeout: float = 90.0,
    stop_timeout: float = 10.0,
    restart_backoff: float = 1.0,
) -> int:
    """Run until SIGINT/SIGTERM (or `stop` is set): 0. Start-up failed, a child died, or a
    child ended abnormally when stopped (killed by a signal, a non-zero exit): 1.

    Whatever happens, every process this started is stopped before it returns.
    """
    stop_event = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = _install_signal_handlers(loop, stop_event)
    stack = EmbeddedStack(
        settings,
        commands=commands,
        startup_timeout=startup_timeout,
        stop_timeout=stop_timeout,
        restart_backoff=restart_backoff,
    )
    problems: list[str] = []
    try:
        code = await _supervise(stack, stop_event, on_ready)
    finally:
        log.info("stack_stopping")
        problems = await stack.stop()
        for sig in installed:
            loop.remove_signal_handler(sig)
        log.info("stack_stopped", state_dir=str(settings.state_dir))
    if problems:
        # A process that dies at shutdown (e.g. a fatal error under a runtime thread) is a
        # bug to fix, not a normal stop: say so, and exit non-zero.
        for problem in problems:
            log.error("stack_stopped_abnormally", problem=problem)
        return 1
    return code


async def _supervise(
    stack: EmbeddedStack, stop: asyncio.Event, on_ready: Callable[[StackInfo], None] | None
) -> int:
    startup = asyncio.create_task(stack.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({startup, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if not startup.done():
        startup.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await startup
        log.info("startup_interrupted")
        return 0
    try:
        info = startup.result()
    except StackError as error:
        log.error("stack_failed", error=str(error))
        return 1
    except Exception as error:
        log.error("stack_failed", error=f"{type(error).__name__}: {error}", exc_info=True)
        return 1
    log.info(
        "stack_ready",
        api_docs=info.docs_url,
        temporal=info.temporal_address,
        temporal_ui=info.temporal_ui_url,
        state_dir=str(info.state_dir),
    )
    if on_ready is not None:
        on_ready(info)
    dead = await stack.supervisor.wait_for_exit(stop)
    if dead is None:
        return 0
    log.error(
        "child_exited_unexpectedly",
        child=dead.name,
        returncode=dead.exit_code(),
        log=str(dead.log_path),
        hint="the whole stack is stopping; read that log, fix, and run `sinergi up` again",
    )
    return 1
