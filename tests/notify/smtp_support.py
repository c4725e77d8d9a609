"""A real local SMTP server for the tests (aiosmtpd on a free port) that keeps what it
accepted, and can answer a refusal instead."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from tests.e2e.ports import free_port


@dataclass
class Sink:
    """What reached the server: every accepted message (re-sends included), every attempt."""

    refuse_with: str | None = None  # e.g. "550 5.1.1 mailbox unavailable"
    delay: float = 0.0  # seconds to take over each message: makes a batch last
    accepted: list[EmailMessage] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.attempts += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.refuse_with is not None:
            return self.refuse_with
        parsed = BytesParser(policy=policy.default).parsebytes(envelope.original_content or b"")
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.accepted.append(parsed)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.accepted]


@contextmanager
def smtp_server(sink: Sink | None = None) -> Iterator[Sink]:
    sink = sink or Sink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
