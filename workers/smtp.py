"""E-mail over SMTP: the message a delivery becomes, and sending it.

The Message-ID is derived from the delivery id (outbox message id, recipient, channel), so
every (re)send of one delivery carries the same Message-ID: a receiving system that
de-duplicates by Message-ID shows it once (see README, "Notifications": the boundary between
the SMTP accept and recording it is at-least-once).

smtplib runs in a thread: it blocks, and the worker's loop must keep its leases moving.
"""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from pydantic import BaseModel

from config.settings import Settings
from db.deliveries import EmailJob


class SendFailure(BaseModel):
    """Why a send failed; `permanent` when the server refused for good (5xx)."""

    permanent: bool
    error: str  # an SMTP code and text, or an exception's type: never the address


def message_id_header(delivery_id: str, from_address: str) -> str:
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "sinergi.invalid"
    digest = hashlib.sha256(delivery_id.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_message(job: EmailJob, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = job.address
    message["Subject"] = job.title
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id_header(job.delivery_id, settings.smtp_from)
    message["Content-Language"] = job.language
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(job.body)
    return message


class SmtpConnection:
    """One SMTP session for a batch of e-mails (connect, STARTTLS and login once), opened on
    the first send and opened again after any failure. Blocking calls run in a thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:  # unset or empty (compose's default): no login
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                smtp.login(s.smtp_username, password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _send_blocking(self, message: EmailMessage) -> SendFailure | None:
        try:
            if self._smtp is None:
                self._smtp = self._open()
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            self._drop()
            codes = [code for code, _ in error.recipients.values()]
            code = codes[0] if codes else 550
            return SendFailure(permanent=code >= 500, error=f"recipient refused: {code}")
        except smtplib.SMTPResponseException as error:
            self._drop()
            raw = error.smtp_error
            text = (raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw))[:200]
            return SendFailure(permanent=error.smtp_code >= 500, error=f"{error.smtp_code} {text}")
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            return SendFailure(permanent=False, error=f"{type(error).__name__}")
        return None

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _close_blocking(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the server went first: nothing to say goodbye to
            self._drop()

    async def send(self, message: EmailMessage) -> SendFailure | None:
        """None once the server accepted the message; otherwise why not."""
        return await asyncio.to_thread(self._send_blocking, message)

    async def close(self) -> None:
        await asyncio.to_thread(self._close_blocking)


async def send(settings: Settings, message: EmailMessage) -> SendFailure | None:
    """One message on a connection of its own."""
    connection = SmtpConnection(settings)
    try:
        return await connection.send(message)
    finally:
        await connection.close()
