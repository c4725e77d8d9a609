"""The employer's contact e-mail: the employer keeps it (API, on the audit trail, never in a
log), and every reminder addressed to the employer about its applications (revision
requested, payment due, annual report due, extension window, permit expiring) reaches it
exactly once at a real local SMTP server, beside the employer's own people; with nothing in
it that names the foreign worker."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from config.settings import Environment, Settings
from db import employer_contacts as contacts_db
from db import notices as notices_db
from db import people as people_db
from db import permits as permits_db
from db.connect import Connection
from domain.clock import local_date
from domain.identity import Principal, Role, Scope
from domain.people import ContactChange
from domain.permit import EventKind, PermitEvent, PermitReminder, PermitSummary, ReminderKind, Stage
from tests.api import flows
from tests.api.conftest import ApiStack
from tests.notify.permit_rows import IDENTIFYING, NIB, active_permit
from tests.notify.smtp_support import smtp_server
from workers.delivery import DeliveryWorker

SAME, ALONE = "9120007654321", "9120000000001"
CONTACT = "Kontak.HRD@maju.co.id"


def _employer(api: ApiStack, nib: str = NIB) -> dict[str, str]:
    return api.headers(f"emp-{nib}", Role.EMPLOYER, employer_nib=nib)


async def test_the_employer_keeps_its_contact_on_the_audit_trail_and_out_of_the_logs(
    api: ApiStack,
) -> None:
    with structlog.testing.capture_logs() as logs:
        assert (await api.http.get("/employer/contact", headers=_employer(api))).status_code == 404
        bad = await api.http.put("/employer/contact", headers=_employer(api),
                                 json={"email": "not-an-address"})  # fmt: skip
        assert bad.status_code == 422 and "not an e-mail address" in bad.text
        saved = await flows.ok(await api.http.put(
            "/employer/contact", headers=_employer(api), json={"email": CONTACT}))  # fmt: skip
        assert (saved["employer_nib"], saved["email"], saved["language"]) == (NIB, CONTACT, "id")
        same = {"email": CONTACT}  # saved again unchanged: no new entry
        await flows.ok(await api.http.put("/employer/contact", headers=_employer(api), json=same))
        await flows.ok(await api.http.put("/employer/contact", headers=_employer(api),
                                          json={"email": CONTACT, "language": "en"}))  # fmt: skip
        read = await flows.ok(await api.http.get("/employer/contact", headers=_employer(api)))
        # Another employer reads its own (none), never this one's.
        other = await api.http.get("/employer/contact", headers=_employer(api, SAME))
        verifier = api.headers("vera", Role.KEMNAKER_VERIFIER, ministry="kemnaker")
        refused = await api.http.put("/employer/contact", headers=verifier, json=same)
    assert read["language"] == "en"
    assert other.status_code == 404 and refused.status_code == 403
    trail = await api.pool.fetch(
        "SELECT kind, actor_subject, detail::text AS detail FROM audit_entries "
        "WHERE chain_id = $1 ORDER BY seq", f"employer:{NIB}")  # fmt: skip
    assert [(r["kind"], r["actor_subject"]) for r in trail] == [
        ("employer_contact_set", f"emp-{NIB}"),
        ("employer_contact_changed", f"emp-{NIB}"),
    ]
    assert all("maju.co.id" not in r["detail"] for r in trail)
    assert "maju.co.id" not in repr(logs).lower()


def _event(application_id: str, seq: int, kind: EventKind, **summary: Any) -> PermitEvent:
    at = datetime(2026, 12, 2, 3, tzinfo=UTC)
    fields: dict[str, Any] = {"stage": Stage.PAYMENT, "exempt": False, "awaiting_due": None,
              "payment_due": None} | summary  # fmt: skip
    # Only what db/notices.permit_event reads of an event matters here.
    return PermitEvent.model_construct(  # type: ignore[call-arg]
        event_id=f"{application_id}:{seq}", application_id=application_id, kind=kind, at=at,
        summary=PermitSummary.model_construct(**fields),
    )  # fmt: skip


async def _five_reminders(conn: Connection, application_id: str, nib: str) -> None:
    """Each reminder through the code path that writes it in the running system."""
    due = datetime(2026, 12, 16, 10, tzinfo=UTC)
    assert await notices_db.permit_event(
        conn,
        _event(application_id, 1, EventKind.STAGE_CHANGED, stage=Stage.REVISION, awaiting_due=due),
    )
    assert await notices_db.permit_event(conn, _event(
        application_id, 2, EventKind.BILLED, payment_due=due))  # fmt: skip
    for kind in ReminderKind:  # the permit workflow's annual report and extension window
        assert await permits_db.write_reminder(conn, PermitReminder(
            message_id=f"permit-reminder:{application_id}:{kind.value}",
            application_id=application_id, employer_nib=nib, kind=kind,
            due_on=date(2027, 1, 29), at=due))  # fmt: skip


async def test_every_reminder_to_an_employer_reaches_its_contact_exactly_once(
    pool: asyncpg.Pool,
) -> None:
    today = local_date(datetime.now(UTC))
    actor = Principal(subject="x", roles={Role.EMPLOYER}).acting_as(Role.EMPLOYER)
    async with pool.acquire() as conn:
        # NIB: one of its people (their own address) and a contact address.
        hrd = Principal(subject="hrd-maju", roles={Role.EMPLOYER}, scope=Scope(employer_nib=NIB))
        await people_db.upsert_from_claims(conn, hrd, {"email": "hrd@maju.co.id"})
        # SAME: its one person's address is the contact's: that address gets one e-mail.
        boss = Principal(subject="boss-lain", roles={Role.EMPLOYER}, scope=Scope(employer_nib=SAME))
        await people_db.upsert_from_claims(conn, boss, {"email": "boss@lain.co.id"})
        # ALONE: nobody signed in yet; the contact, not the ministry's fallback, is told.
        for nib, address in ((NIB, CONTACT), (SAME, "BOSS@lain.co.id"), (ALONE, "ops@alone.id")):
            await contacts_db.set_contact(conn, nib, ContactChange(email=address), actor)
        for application_id, nib in (("TKA-A", NIB), ("TKA-S", SAME), ("TKA-L", ALONE)):
            await active_permit(pool, application_id, today + timedelta(days=10), nib)
        await _five_reminders(conn, "TKA-A", NIB)
        await _five_reminders(conn, "TKA-S", SAME)
        await notices_db.write(conn, "payment-alone", "permit.reminder", Role.EMPLOYER,
                               Scope(employer_nib=ALONE), {"application_id": "TKA-L",
                               "kind": "payment_due", "due_at": None})  # fmt: skip
        assert await notices_db.permits_expiring(conn, today, 14) == 3  # the fifth kind

    with smtp_server() as sink, structlog.testing.capture_logs() as logs:
        settings = Settings(environment=Environment.TEST, smtp_port=sink.port)
        workers = [DeliveryWorker(pool, settings, name) for name in ("w1", "w2")]
        for _ in range(3):  # two replicas at once, and passes with nothing left to do
            await asyncio.gather(*(w.expand_once() for w in workers))
            await asyncio.gather(*(w.send_once() for w in workers))

    by_address: dict[str, list[str]] = {}
    for message in sink.accepted:
        by_address.setdefault(str(message["To"]).lower(), []).append(str(message["Subject"]))
    assert len(by_address[CONTACT.lower()]) == 5  # one per kind
    assert len(by_address["hrd@maju.co.id"]) == 5  # the employer's person, as before
    assert len(by_address["boss@lain.co.id"]) == 5  # not ten: one address, one e-mail each
    assert len(by_address["ops@alone.id"]) == 2  # payment due, permit expiring
    assert "notifikasi@kemnaker.go.id" not in by_address  # nobody unaddressed
    assert len(sink.message_ids()) == len(set(sink.message_ids())) == 17
    subjects = by_address[CONTACT.lower()]
    assert sorted(subjects) == sorted([
        "[Sinergi] Permohonan TKA-A perlu perbaikan", "[Sinergi] Pembayaran DKPTKA untuk TKA-A",
        "[Sinergi] Laporan tahunan TKA TKA-A jatuh tempo",
        "[Sinergi] Masa pengajuan perpanjangan izin TKA-A dibuka",
        "[Sinergi] Izin TKA TKA-A segera berakhir"])  # fmt: skip
    for message in sink.accepted:
        text = str(message)
        assert not any(word in text for word in IDENTIFYING), message["Subject"]
    assert "maju.co.id" not in repr(logs).lower() and "alone.id" not in repr(logs).lower()
