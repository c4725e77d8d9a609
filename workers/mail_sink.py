"""The local mail sink `sinergi up` runs in development: `python -m workers.mail_sink`.

An SMTP server (aiosmtpd) on SINERGI_SMTP_HOST:SINERGI_SMTP_PORT that accepts every message
and writes it as an .eml file under state_dir/mail, named by arrival time and Message-ID
digest; `GET /dev/mail` lists them. Nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import signal
import threading
import time
from pathlib import Path
from typing import Any

import structlog
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from config.log import configure_logging
from config.settings import get_settings

log = structlog.get_logger(__name__)


class FolderSink:
    """aiosmtpd handler: each accepted message becomes one file in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        digest = hashlib.sha256(content).hexdigest()[:12]
        name = f"{time.time_ns()}-{digest}.eml"
        (self.folder / name).write_bytes(content)
        log.info("mail_sink_stored", file=name, size=len(content))  # no addresses
        return "250 Message accepted for delivery"


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_json)
    controller = Controller(
        FolderSink(settings.mail_dir), hostname=settings.smtp_host, port=settings.smtp_port
    )
    controller.start()
    log.info("mail_sink_started", port=settings.smtp_port, folder=str(settings.mail_dir))
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()
    log.info("mail_sink_stopped")


if __name__ == "__main__":
    main()
