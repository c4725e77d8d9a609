"""The delivery worker: `python -m workers.delivery`. Several replicas may run at once.

Each pass:
1. expand: takes a batch of outbox rows (FOR UPDATE SKIP LOCKED: replicas never take the same
   row, nor wait on each other) and, in that short transaction, writes one in-app
   notification and one e-mail for every active person holding the addressed role in the
   addressed scope (or the one person a row names), in the person's language, and for a
   notice to an employer one e-mail to its contact address (unless one of its people has
   that address); when nobody is addressed, one e-mail to the ministry's fallback address,
   logged (without personal data) and counted (`fallback` in GET /deliveries/summary);
2. send: leases a batch of due e-mails, sends each over SMTP under its deterministic
   Message-ID and records it sent once the server accepted it; a failure is retried with
   exponential backoff, and after `delivery_max_attempts` (at once on a 5xx refusal) the
   e-mail is a dead letter an operator sees (GET /deliveries/dead-letters, the workspace's
   /operasi/surat-gagal) and can retry.
(The daily digests and permit-expiry notices are written to the outbox by a Temporal
Schedule's workflow, workflows/daily_notices.py; this worker delivers them like any row.)

Exactly once, and where it is only at least once: a row is expanded once (its deliveries are
keyed), an in-app notification exists once, and an e-mail is recorded sent once. A worker
that dies after the SMTP server accepted an e-mail and before it recorded that leaves the
e-mail leased; when the lease runs out another worker sends it again, with the same
Message-ID. So e-mail is at-least-once on that boundary, with an id by which it can be
recognised; nothing else is sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket

import asyncpg
import structlog
from jinja2 import TemplateError
from pydantic import ValidationError

from config.log import configure_logging
from config.settings import Settings, get_settings
from db import deliveries as deliveries_db
from db import employer_contacts as contacts_db
from db import people as people_db
from db.connect import Connection, create_pool
from db.deliveries import (
    Channel,
    DeliveryState,
    EmailJob,
    NewDelivery,
    OutboxRow,
    delivery_id,
    reference,
)
from domain.identity import Role
from domain.people import Language, Person, RoleGrant, administering_ministry
from notices.kinds import Notice, notice_of
from notices.render import Message, render
from workers import smtp

log = structlog.get_logger(__name__)


class DeliveryWorker:
    def __init__(self, pool: asyncpg.Pool, settings: Settings, owner: str) -> None:
        self.pool = pool
        self.settings = settings
        self.owner = owner

    # ------------------------------------------------------------ 1. expand

    async def expand_once(self) -> int:
        """Expand one batch of outbox rows; how many were taken."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await deliveries_db.take_outbox(conn, self.settings.delivery_batch_size)
            for row in rows:
                made = await self._deliveries_of(conn, row)
                await deliveries_db.record_expansion(conn, row.message_id, made)
        return len(rows)

    async def _recipients(self, conn: Connection, row: OutboxRow) -> list[Person]:
        if row.recipient_subject is not None:
            person = await people_db.get_person(conn, row.recipient_subject)
            return [person] if person is not None and person.active else []
        if row.recipient_role is None:
            return []
        return await people_db.holders(conn, row.recipient_role, row.scope)

    async def _deliveries_of(self, conn: Connection, row: OutboxRow) -> list[NewDelivery]:
        try:
            notice = notice_of(row.topic, row.payload)
            self._text(notice, Language.INDONESIAN)  # a template that fails, fails here
        except (ValueError, KeyError, ValidationError, TemplateError) as error:
            # Nothing can be said of it: reported, and not retried forever.
            log.error("notice_unreadable", message_id=row.message_id, topic=row.topic,
                      error_type=type(error).__name__)  # fmt: skip
            return []
        people = await self._recipients(conn, row)
        made: list[NewDelivery] = []
        for person in people:
            text = self._text(notice, person.language)
            made.append(self._delivery(row, notice, text, Channel.IN_APP, person.subject,
                                       None, person.language))  # fmt: skip
            if person.email is not None:
                made.append(self._delivery(row, notice, text, Channel.EMAIL, person.subject,
                                           person.email, person.language))  # fmt: skip
        contact = await self._employer_contact(conn, row, notice, made)
        made.extend(contact)
        if not people and not contact:
            made.extend(self._fallback(row, notice))
        return made

    async def _employer_contact(
        self, conn: Connection, row: OutboxRow, notice: Notice, made: list[NewDelivery]
    ) -> list[NewDelivery]:
        """A notice to an employer also goes to its contact e-mail, once: not when one of
        its people already gets it at that address."""
        nib = row.scope.employer_nib
        if row.recipient_role is not Role.EMPLOYER or row.recipient_subject or nib is None:
            return []
        contact = await contacts_db.get_contact(conn, nib)
        if contact is None:
            return []
        if any((d.address or "").lower() == contact.email.lower() for d in made):
            return []
        text = self._text(notice, contact.language)
        return [self._delivery(row, notice, text, Channel.EMAIL, None, contact.email,
                               contact.language, key=f"contact:{nib}")]  # fmt: skip

    def _text(self, notice: Notice, language: Language) -> Message:
        return render(notice, language, self.settings.public_base_url)

    def _delivery(
        self, row: OutboxRow, notice: Notice, text: Message, channel: Channel,
        recipient: str | None, address: str | None, language: Language, *, fallback: bool = False,
        key: str | None = None,
    ) -> NewDelivery:  # fmt: skip
        key = key or (recipient if recipient is not None else f"fallback:{address}")
        return NewDelivery(
            delivery_id=delivery_id(row.message_id, key, channel),
            message_id=row.message_id,
            channel=channel,
            recipient_subject=recipient,
            address=address,
            fallback=fallback,
            topic=row.topic,
            notice_kind=notice.kind.value,
            language=language.value,
            title=text.title,
            body=text.body,
            link=text.link,
        )

    def _fallback(self, row: OutboxRow, notice: Notice) -> list[NewDelivery]:
        """Nobody holds the role in the scope (or the named person is gone): the ministry's
        fallback address, in Indonesian."""
        grants = [RoleGrant(role=row.recipient_role, scope=row.scope)] if row.recipient_role else []
        ministry = administering_ministry(grants)
        address = self.settings.notify_fallback_addresses.get(ministry.value if ministry else "")
        log.warning(
            "notice_unaddressed",
            message_id=row.message_id,
            topic=row.topic,
            role=row.recipient_role.value if row.recipient_role else None,
            ministry=ministry.value if ministry else None,
            fallback_configured=address is not None,
        )
        if address is None:
            return []
        text = self._text(notice, Language.INDONESIAN)
        return [self._delivery(row, notice, text, Channel.EMAIL, None, address,
                               Language.INDONESIAN, fallback=True)]  # fmt: skip

    # ------------------------------------------------------------ 2. send

    async def send_once(self, stop: asyncio.Event | None = None) -> int:
        """Send one leased batch of e-mails; how many were leased."""
        s = self.settings
        jobs = await deliveries_db.lease_emails(
            self.pool, self.owner, s.delivery_batch_size, s.delivery_lease_seconds
        )
        connection = smtp.SmtpConnection(s)  # one session for the batch
        try:
            for job in jobs:
                if stop is not None and stop.is_set():
                    break  # the rest stay leased until the lease runs out; never sent half
                await self._send(connection, job)
        finally:
            await connection.close()
        return len(jobs)

    async def _send(self, connection: smtp.SmtpConnection, job: EmailJob) -> None:
        s = self.settings
        failure = await connection.send(smtp.build_message(job, s))
        ref = reference(job.delivery_id)
        if failure is None:
            recorded = await deliveries_db.mark_sent(self.pool, job.delivery_id)
            log.info("email_sent", delivery=ref, message_id=job.message_id,
                     attempt=job.attempts, recorded=recorded)  # fmt: skip
            return
        state = await deliveries_db.mark_failed(
            self.pool, job.delivery_id, self.owner, failure.error, permanent=failure.permanent,
            max_attempts=s.delivery_max_attempts, backoff_base=s.delivery_backoff_base_seconds,
            backoff_max=s.delivery_backoff_max_seconds,
        )  # fmt: skip
        log.warning(
            "email_dead_letter" if state is DeliveryState.DEAD else "email_retry_later",
            delivery=ref, message_id=job.message_id, attempt=job.attempts, error=failure.error,
        )  # fmt: skip

    # ------------------------------------------------------------ the loop

    async def run(self, stop: asyncio.Event) -> None:
        log.info("delivery_worker_started", owner=self.owner)
        while not stop.is_set():
            busy = 0
            try:
                busy += await self.expand_once()
                busy += await self.send_once(stop)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                # The database went away for a moment: try again at the next pass.
                log.warning("delivery_pass_failed", error_type=type(error).__name__)
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.delivery_poll_seconds)
        log.info("delivery_worker_stopped", owner=self.owner)


async def serve(settings: Settings) -> None:
    dsn = settings.database_dsn
    if dsn is None:
        raise SystemExit("DATABASE_URL is not set: start the stack with `sinergi up`")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    pool = await create_pool(dsn, max_size=4)
    try:
        owner = f"{socket.gethostname()}:{os.getpid()}"
        await DeliveryWorker(pool, settings, owner).run(stop)
    finally:
        await pool.close()


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_json)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
