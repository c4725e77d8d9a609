"""`sinergi up` end to end, with small stand-ins for the worker and the API: the real Temporal
dev server starts and stops, children get the addresses, and nothing outlives the stack."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path

from structlog.testing import capture_logs

from config.settings import Settings
from db.migrate import discover
from stack.embedded import AppCommands, StackInfo, run_stack
from stack.postgres import migrate_database
from tests.stack.support import processes_mentioning

# Each stand-in stops as the real processes do when the stack stops them: SIGTERM, exit 0
# (a child that dies of the signal instead is reported as an abnormal stop).
ON_SIGTERM_EXIT_0 = "import signal, sys; signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))\n"

# Serves GET /ready on the address the stack gives it, after noting its environment.
API = (
    ON_SIGTERM_EXIT_0
    + """
import http.server, json, os, sys
json.dump({k: os.environ[k] for k in ("DATABASE_URL", "TEMPORAL_ADDRESS")}, open(sys.argv[1], "w"))
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/ready" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
address = (os.environ["SINERGI_API_HOST"], int(os.environ["SINERGI_API_PORT"]))
http.server.HTTPServer(address, Health).serve_forever()
"""
)

# Runs until the file argv[1] appears, then exits with code 3.
WORKER = (
    ON_SIGTERM_EXIT_0
    + """
import os, sys, time
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
sys.exit(3)
"""
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _settings(tmp_path: Path, database_dsn: str) -> Settings:
    return Settings.model_validate(
        {
            "state_dir": tmp_path / "state",
            "DATABASE_URL": database_dsn,
            "temporal_port": _free_port(),
            "temporal_ui_port": _free_port(),
            "api_port": _free_port(),
            "smtp_port": _free_port(),
            "worker_metrics_port": _free_port(),  # and the next two
        }
    )


# Stands in for a ministry's TKA permit worker: notes that it ran, then idles.
MINISTRY_WORKER = (
    ON_SIGTERM_EXIT_0
    + """
import sys, time
open(sys.argv[1], "w").close()
while True:
    time.sleep(0.1)
"""
)


def _commands(tmp_path: Path, api: str = API) -> AppCommands:
    return AppCommands(
        worker=(sys.executable, "-c", WORKER, str(tmp_path / "worker-may-die")),
        api=(sys.executable, "-c", api, str(tmp_path / "api-env.json")),
        kemnaker_worker=(sys.executable, "-c", MINISTRY_WORKER, str(tmp_path / "kemnaker-ran")),
        imigrasi_worker=(sys.executable, "-c", MINISTRY_WORKER, str(tmp_path / "imigrasi-ran")),
        delivery_worker=(sys.executable, "-c", MINISTRY_WORKER, str(tmp_path / "delivery-ran")),
        mail_sink=(sys.executable, "-c", MINISTRY_WORKER, str(tmp_path / "sink-ran")),
    )


async def test_the_stack_serves_until_asked_to_stop_and_then_leaves_nothing_running(
    tmp_path: Path, database_dsn: str
) -> None:
    settings = _settings(tmp_path, database_dsn)
    stop = asyncio.Event()
    seen: list[StackInfo] = []

    def on_ready(info: StackInfo) -> None:
        seen.append(info)
        stop.set()

    code = await run_stack(
        settings, on_ready=on_ready, stop=stop, commands=_commands(tmp_path), startup_timeout=30
    )

    assert code == 0
    [info] = seen
    assert info.docs_url == f"http://127.0.0.1:{settings.api_port}/docs"
    assert info.temporal_ui_url == f"http://127.0.0.1:{settings.temporal_ui_port}"
    env = json.loads((tmp_path / "api-env.json").read_text())
    assert env == {
        "DATABASE_URL": database_dsn,
        "TEMPORAL_ADDRESS": f"127.0.0.1:{settings.temporal_port}",
    }
    assert (settings.state_dir / "temporal.db").exists(), "Temporal state is not file-backed"
    # Each ministry's TKA permit worker ran as a process of its own, with its own log.
    assert (tmp_path / "kemnaker-ran").exists() and (tmp_path / "imigrasi-ran").exists()
    logs = settings.state_dir / "logs"
    assert (logs / "kemnaker-worker.log").exists() and (logs / "imigrasi-worker.log").exists()
    # So did the delivery worker, and (in development) the local mail sink.
    assert (tmp_path / "delivery-ran").exists() and (tmp_path / "sink-ran").exists()
    assert (logs / "delivery-worker.log").exists() and (logs / "mail-sink.log").exists()
    assert processes_mentioning(str(tmp_path)) == []


async def test_when_the_worker_keeps_dying_everything_stops_and_the_exit_code_says_which(
    tmp_path: Path, database_dsn: str
) -> None:
    """A crashed worker is restarted with backoff; one that crashes on every start is given up
    after the policy's crashes, and then the whole stack stops."""
    settings = _settings(tmp_path, database_dsn)

    def kill_the_worker(info: StackInfo) -> None:
        (tmp_path / "worker-may-die").touch()

    with capture_logs() as logs:
        code = await run_stack(
            settings,
            on_ready=kill_the_worker,
            commands=_commands(tmp_path),
            startup_timeout=30,
            restart_backoff=0.05,
        )

    assert code == 1
    restarts = [e for e in logs if e["event"] == "child_crashed_restarting"]
    assert [e["child"] for e in restarts] == ["worker"] * 5
    [died] = [e for e in logs if e["event"] == "child_exited_unexpectedly"]
    assert died["child"] == "worker" and died["returncode"] == 3
    assert died["log"] == str(settings.state_dir / "logs" / "worker.log")
    assert processes_mentioning(str(tmp_path)) == []


async def test_a_start_that_fails_half_way_stops_what_had_started(
    tmp_path: Path, database_dsn: str
) -> None:
    settings = _settings(tmp_path, database_dsn)
    broken_api = "import sys; sys.exit('cannot import api.main')"

    with capture_logs() as logs:
        code = await run_stack(
            settings, commands=_commands(tmp_path, api=broken_api), startup_timeout=30
        )

    assert code == 1
    [failed] = [e for e in logs if e["event"] == "stack_failed"]
    assert "api exited with code 1" in failed["error"]
    assert str(settings.state_dir / "logs" / "api.log") in failed["error"]
    assert "cannot import api.main" in (settings.state_dir / "logs" / "api.log").read_text()
    assert processes_mentioning(str(tmp_path)) == []


async def test_embedded_postgres_keeps_its_data_between_runs_and_stops_after_migrating(
    tmp_path: Path,
) -> None:
    settings = Settings.model_validate({"state_dir": tmp_path / "state"})
    pgdata = settings.state_dir / "postgres"

    first = await migrate_database(settings)
    assert first == [m.version for m in discover()]
    assert processes_mentioning(str(pgdata)) == []

    assert await migrate_database(settings) == []
    assert processes_mentioning(str(pgdata)) == []
