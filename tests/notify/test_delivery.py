"""The delivery worker against a real Postgres and a real local SMTP server: who receives an
outbox row, in which language, under which Message-ID; the fallback when nobody holds the
role; retries and dead letters when the server refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from config.settings import Environment, Settings
from db import deliveries as deliveries_db
from db import notices as notices_db
from db import people as people_db
from db.deliveries import Channel, delivery_id
from domain.identity import Ministry, Principal, Role, Scope
from notices.kinds import TASK_ESCALATED
from tests.notify.smtp_support import Sink, smtp_server
from tests.temporal_support import until
from workers.delivery import DeliveryWorker
from workers.smtp import message_id_header

UPT = Scope(upt="LP-CIPINANG")
ESCALATION: dict[str, Any] = {
    "task_id": "ENR-7F3A:2",
    "case_kind": "enrolment",
    "case_id": "ENR-7F3A",
    "kind": "placement_review",
    "due_at": "2026-12-02T07:30:00+00:00",
    # What db/tasks.py puts in `message` can name an inmate's SDP number; never sent.
    "message": "the handover of inmate CPN-2024-00123 was not acknowledged",
}


def _settings(port: int, **overrides: Any) -> Settings:
    return Settings(
        environment=Environment.TEST,
        smtp_port=port,
        public_base_url="https://sinergi.example.go.id",
        delivery_backoff_base_seconds=0.01,
        **overrides,
    )


async def _person(pool: asyncpg.Pool, subject: str, role: Role, scope: Scope,
                  **claims: Any) -> None:  # fmt: skip
    async with pool.acquire() as conn:
        await people_db.upsert_from_claims(
            conn, Principal(subject=subject, roles={role}, scope=scope), claims
        )


async def _supervisors(pool: asyncpg.Pool) -> None:
    await _person(pool, "sup-ani", Role.SUPERVISOR, UPT, name="Ani Lestari",
                  email="ani@kemenimipas.go.id")  # fmt: skip
    await _person(pool, "sup-ben", Role.SUPERVISOR, UPT, name="Ben Tan",
                  email="ben@kemenimipas.go.id", locale="en")  # fmt: skip
    await _person(pool, "sup-gone", Role.SUPERVISOR, UPT, email="gone@kemenimipas.go.id")
    await pool.execute("UPDATE people SET active = false WHERE subject = 'sup-gone'")
    await _person(pool, "sup-other", Role.SUPERVISOR, Scope(upt="LP-SALEMBA"),
                  email="other@kemenimipas.go.id")  # fmt: skip


async def test_an_escalation_reaches_every_active_supervisor_of_the_scope_once(
    pool: asyncpg.Pool,
) -> None:
    await _supervisors(pool)
    await notices_db.write(pool, "escalation:ENR-7F3A:2", TASK_ESCALATED, Role.SUPERVISOR,
                           Scope(upt="LP-CIPINANG", lsp="LSP-PARIWISATA"), ESCALATION)  # fmt: skip
    with smtp_server() as sink:
        worker = DeliveryWorker(pool, _settings(sink.port), "test-worker")
        assert await worker.expand_once() == 1
        assert await worker.send_once() == 2
        # Again: nothing is left to expand or send.
        assert (await worker.expand_once(), await worker.send_once()) == (0, 0)
    by_address = {str(m["To"]): m for m in sink.accepted}
    assert sorted(by_address) == ["ani@kemenimipas.go.id", "ben@kemenimipas.go.id"]
    ani, ben = by_address["ani@kemenimipas.go.id"], by_address["ben@kemenimipas.go.id"]
    assert ani["Subject"] == "[Sinergi] Eskalasi: Sidang TPP penempatan terlambat (ENR-7F3A)"
    assert ben["Subject"] == "[Sinergi] Escalation: TPP placement review overdue (ENR-7F3A)"
    text = ani.get_content()
    assert "2 Desember 2026 pukul 14.30 WIB" in text
    assert "https://sinergi.example.go.id/tasks/ENR-7F3A:2" in text
    assert "2 December 2026, 14.30 WIB" in ben.get_content()
    for message in sink.accepted:  # no inmate identifier, no staff name
        body = message.get_content()
        assert "CPN-2024-00123" not in body and "Ani" not in body and "Ben Tan" not in body
    expected = delivery_id("escalation:ENR-7F3A:2", "sup-ani", Channel.EMAIL)
    assert ani["Message-ID"] == message_id_header(expected, worker.settings.smtp_from)
    in_app = await pool.fetch(
        "SELECT recipient_subject FROM deliveries WHERE channel = 'in_app' ORDER BY 1"
    )
    assert [r["recipient_subject"] for r in in_app] == ["sup-ani", "sup-ben"]


async def test_nobody_to_address_goes_to_the_ministrys_fallback_and_is_reported(
    pool: asyncpg.Pool,
) -> None:
    await notices_db.write(pool, "escalation:ENR-9:bnsp_sla", "case.escalated",
                           Role.KEMNAKER_OFFICER, Scope(ministry=Ministry.KEMNAKER),
                           {"case_kind": "enrolment", "case_id": "ENR-9", "kind": "bnsp_sla",
                            "raised_at": "2026-12-02T01:00:00+00:00"})  # fmt: skip
    with smtp_server() as sink, structlog.testing.capture_logs() as logs:
        worker = DeliveryWorker(pool, _settings(sink.port), "test-worker")
        await worker.expand_once()
        await worker.send_once()
    [message] = sink.accepted
    assert message["To"] == "notifikasi@kemnaker.go.id"
    assert message["Subject"] == "[Sinergi] Eskalasi: BNSP belum menjawab (ENR-9)"
    [report] = [e for e in logs if e["event"] == "notice_unaddressed"]
    assert (report["role"], report["ministry"]) == ("kemnaker_officer", "kemnaker")
    assert "notifikasi@" not in str(logs)  # addresses are not logged
    counts = await deliveries_db.counts(pool)
    assert counts["fallback"] == 1 and counts["email.sent"] == 1


async def test_a_permanent_refusal_is_a_dead_letter_at_once_and_an_operator_can_retry(
    pool: asyncpg.Pool,
) -> None:
    await _person(pool, "sup-ani", Role.SUPERVISOR, UPT, email="ani@kemenimipas.go.id")
    await notices_db.write(pool, "escalation:ENR-1:1", TASK_ESCALATED, Role.SUPERVISOR, UPT,
                           ESCALATION)  # fmt: skip
    with smtp_server(Sink(refuse_with="550 5.1.1 mailbox unavailable")) as sink:
        worker = DeliveryWorker(pool, _settings(sink.port), "test-worker")
        await worker.expand_once()
        await worker.send_once()
        [dead] = await deliveries_db.dead_letters(pool, 10, 0)
        assert (dead.attempts, dead.last_error) == (1, "550 5.1.1 mailbox unavailable")
        assert "ani@" not in dead.model_dump_json()  # the operator sees no address
        sink.refuse_with = None  # the mailbox is fixed
        revived = await deliveries_db.dead_letter_of(pool, dead.reference)
        assert revived is not None and await deliveries_db.retry_dead(pool, revived) == "revived"
        await worker.send_once()
    assert [str(m["To"]) for m in sink.accepted] == ["ani@kemenimipas.go.id"]
    assert await deliveries_db.dead_letters(pool, 10, 0) == []


async def test_a_temporary_refusal_is_retried_with_backoff_until_the_attempts_run_out(
    pool: asyncpg.Pool,
) -> None:
    await _person(pool, "sup-ani", Role.SUPERVISOR, UPT, email="ani@kemenimipas.go.id")
    await notices_db.write(pool, "escalation:ENR-1:1", TASK_ESCALATED, Role.SUPERVISOR, UPT,
                           ESCALATION)  # fmt: skip
    with smtp_server(Sink(refuse_with="451 4.3.0 try again later")) as sink:
        worker = DeliveryWorker(pool, _settings(sink.port, delivery_max_attempts=3), "w")
        await worker.expand_once()
        first = datetime.now(UTC)
        await worker.send_once()
        row = await pool.fetchrow("SELECT state, attempts, next_attempt_at FROM deliveries "
                                  "WHERE channel = 'email'")  # fmt: skip
        assert row is not None and (row["state"], row["attempts"]) == ("pending", 1)
        assert row["next_attempt_at"] > first  # not before the backoff

        async def attempt() -> list[deliveries_db.DeadLetter]:
            await worker.send_once()
            return await deliveries_db.dead_letters(pool, 10, 0)

        [dead] = await until(attempt, lambda d: len(d) == 1, "the third attempt")
    assert dead.attempts == 3 and dead.last_error == "451 4.3.0 try again later"
    assert sink.attempts == 3 and sink.accepted == []
