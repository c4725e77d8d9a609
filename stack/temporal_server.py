"""The Temporal dev server (`temporal server start-dev`), file-backed under the state folder."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import structlog
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from config.settings import Settings
from domain import search
from stack.binaries import temporal_cli
from stack.supervisor import ChildExited, ChildProcess, StackError

log = structlog.get_logger(__name__)

HOST = "127.0.0.1"

# SQLite tuning for the file-backed store: write-ahead logging with normal fsync roughly
# tripled the workflow start rate here, and stays safe against a crash of the server.
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")


def temporal_db_path(state_dir: Path) -> Path:
    return state_dir / "temporal.db"


def codec_endpoint(settings: Settings) -> str:
    """The API's codec server as seen from this machine (the UI calls it from the browser)."""
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::", "") else settings.api_host  # noqa: S104
    return f"http://{host}:{settings.api_port}/codec"


def dev_server_command(settings: Settings, cli: str) -> list[str]:
    """The command line of the dev server: persistent, loopback only, Web UI on."""
    argv = [
        cli,
        "server",
        "start-dev",
        "--db-filename",
        str(temporal_db_path(settings.state_dir)),
        "--ip",
        HOST,
        "--port",
        str(settings.temporal_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--ui-disable-news-fetch",  # no call out to the internet from the UI
        # The UI decodes payloads through the API's codec server (api/codec.py), which
        # answers operators and auditors of all ministries only.
        "--ui-codec-endpoint",
        codec_endpoint(settings),
        "--log-level",
        "warn",
    ]
    for pragma in SQLITE_PRAGMAS:
        argv += ["--sqlite-pragma", pragma]
    for key in search.ALL:
        argv += ["--search-attribute", f"{key.name}=Keyword"]
    if settings.temporal_namespace != "default":  # "default" always exists
        argv += ["--namespace", settings.temporal_namespace]
    return argv


class TemporalDevServer:
    """Owns the dev server child and knows when it accepts work."""

    def __init__(self, settings: Settings, *, cli: str | None = None) -> None:
        self.settings = settings
        self.child = ChildProcess(
            "temporal",
            dev_server_command(settings, cli or temporal_cli()),
            log_path=settings.state_dir / "logs" / "temporal.log",
        )

    @property
    def address(self) -> str:
        return f"{HOST}:{self.settings.temporal_port}"

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.settings.temporal_ui_port}"

    async def wait_ready(self, wait_seconds: float = 60.0) -> None:
        """Until the frontend answers for our namespace; fails fast if the server exits."""
        await wait_for_temporal(
            self.address, self.settings.temporal_namespace, wait_seconds, child=self.child
        )
        log.info("temporal_ready", address=self.address, ui=self.ui_url)


async def wait_for_temporal(
    address: str, namespace: str, wait_seconds: float, *, child: ChildProcess | None = None
) -> None:
    deadline = time.monotonic() + wait_seconds
    last_error = "no attempt made"
    while True:
        if child is not None and child.exit_code() is not None:
            raise ChildExited(child.name, child.exit_code(), child.log_path)
        try:
            await asyncio.wait_for(_describe_namespace(address, namespace), timeout=5)
            return
        except Exception as error:  # any failure means "not yet": we retry to the deadline
            last_error = f"{type(error).__name__}: {error}"
        if time.monotonic() >= deadline:
            where = f"; see {child.log_path}" if child is not None else ""
            raise StackError(
                f"Temporal at {address} did not answer within {wait_seconds:.0f}s "
                f"({last_error}){where}"
            )
        await asyncio.sleep(0.25)


async def _describe_namespace(address: str, namespace: str) -> None:
    client = await Client.connect(address, namespace=namespace)
    await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=namespace))
