"""The inmate journey read model on a real Postgres: idempotent projection, events landing
out of order, handovers, one open journey per inmate; and the offerings lookup activity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from activities.journey_projection import JourneyProjection
from activities.reference_lookup import ReferenceLookup
from db import custody_events as custody_db
from db import enrolments as enrolment_db
from db import handovers as handover_db
from db import journeys as journey_db
from db import reference as reference_db
from db.handovers import HandoverFilter, HandoverState
from db.journeys import JourneyFilter
from domain.custody import CustodyEvent, CustodyEventFields, CustodyEventKind, ReleaseKind
from domain.enrolment import (
    Certificate,
    EnrolmentEvent,
    EnrolmentRequest,
    EnrolmentSummary,
    EventKind,
    Outcome,
    Stage,
)
from domain.identity import Actor, Ministry, Role, Scope
from domain.journey import (
    Acknowledgement,
    CertificateEntry,
    EnrolmentLink,
    Handover,
    HandoverPackage,
    HandoverReceiver,
    JourneyEvent,
    JourneyEventKind,
    JourneyStatus,
    ProgrammesOfferedQuery,
    SkillsProfile,
    TrainingRecord,
)

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
SDP = "CPN-2024-00123"
SYSTEM = Actor(subject="sdp-gateway", role=Role.SDP_SYSTEM)
CASEWORKER = Actor(subject="cw-1", role=Role.CASEWORKER, scope=Scope(upt="LP-CIPINANG"))
PK = Actor(subject="pk-1", role=Role.BAPAS_OFFICER, scope=Scope(bapas="BP-JAKBAR"))
PLACEMENT = Actor(
    subject="kn-1", role=Role.KEMNAKER_OFFICER, scope=Scope(ministry=Ministry.KEMNAKER)
)


def _event(
    seq: int,
    kind: JourneyEventKind,
    *,
    journey_id: str = "JRN-1",
    upt: str = "LP-CIPINANG",
    status: JourneyStatus = JourneyStatus.IN_CUSTODY,
    sdp: str = SDP,
    **detail: Any,
) -> JourneyEvent:
    return JourneyEvent.model_validate(
        {
            "event_id": f"{journey_id}:{seq}",
            "journey_id": journey_id,
            "workflow_id": f"journey-{sdp}",
            "inmate_sdp_no": sdp,
            "seq": seq,
            "kind": kind,
            "at": T0 + timedelta(hours=seq),
            "upt_code": upt,
            "status": status,
            **detail,
        }
    )


def _custody(event_id: str, kind: CustodyEventKind, **fields: Any) -> CustodyEvent:
    return CustodyEvent(
        event_id=event_id,
        inmate_sdp_no=SDP,
        kind=kind,
        occurred_at=T0 + timedelta(days=1),
        actor=SYSTEM,
        **fields,
    )


def _record(outcome: Outcome, certificate: Certificate | None = None) -> TrainingRecord:
    return TrainingRecord(
        enrolment_id="ENR-1",
        programme_code="BARISTA",
        outcome=outcome,
        stage_at_close=Stage.CERTIFICATION if certificate else Stage.TRAINING,
        closed_at=T0 + timedelta(days=30),
        attendance_present=18,
        attendance_recorded=20,
        modules_completed=["BRS-M1", "BRS-M2"],
        competent_units=["U1", "U2"] if certificate else [],
        certificate=certificate,
    )


CERT = Certificate(number="BNSP/1", issued_on=date(2027, 1, 5), valid_until=date(2030, 1, 5))
PACKAGE = HandoverPackage(
    inmate_sdp_no=SDP,
    release_kind=ReleaseKind.PB,
    released_at=T0 + timedelta(days=40),
    last_upt="LP-SALEMBA",
    certificates=[
        CertificateEntry(programme_code="BARISTA", number=CERT.number, issued_on=CERT.issued_on,
                         valid_until=CERT.valid_until)
    ],
    training_records=[_record(Outcome.CERTIFIED, CERT)],
    skills_profile=SkillsProfile(certified_programmes=["BARISTA"], competent_units=["U1", "U2"],
                                 unfinished_programmes=[]),
)  # fmt: skip


def _handover(
    receiver: HandoverReceiver,
    *,
    escalated: bool = False,
    acknowledged_by: Actor | None = None,
) -> Handover:
    sent = T0 + timedelta(days=40)
    return Handover(
        handover_id=f"JRN-1:{receiver.value}",
        receiver=receiver,
        bapas_code="BP-JAKBAR" if receiver is HandoverReceiver.BAPAS else None,
        sent_at=sent,
        due_at=sent + timedelta(days=7),
        task_id=f"JRN-1:t-{receiver.value}",
        escalated_at=sent + timedelta(days=7) if escalated else None,
        acknowledged=Acknowledgement(
            actor=acknowledged_by, at=sent + timedelta(days=8), reason="registered as Klien"
        )
        if acknowledged_by
        else None,
    )


async def _apply(pool: asyncpg.Pool, *events: JourneyEvent) -> list[bool]:
    async with pool.acquire() as conn:
        return [await journey_db.apply_event(conn, e) for e in events]


async def _count(pool: asyncpg.Pool, table: str) -> int:
    value = await pool.fetchval(f"SELECT count(*) FROM {table}")
    assert isinstance(value, int)
    return value


# ---------------------------------------------------------------- idempotence and order


async def test_the_projection_activity_retried_writes_each_event_once(pool: asyncpg.Pool) -> None:
    activity = JourneyProjection(pool)
    env = ActivityEnvironment()
    transfer = _custody("SDP-EV-1", CustodyEventKind.TRANSFER, to_upt="LP-SALEMBA")
    events = [
        _event(1, JourneyEventKind.STARTED),
        _event(2, JourneyEventKind.CUSTODY_EVENT, upt="LP-SALEMBA", custody=transfer,
               actor=SYSTEM, reason="transferred"),
    ]  # fmt: skip
    for event in events:
        await env.run(activity.record_event, event)
        await env.run(activity.record_event, event)  # a retry after a lost reply

    assert await _count(pool, "journeys") == 1
    assert await _count(pool, "journey_events") == 2
    assert await _count(pool, "custody_events") == 1
    journey = await journey_db.current_journey(pool, SDP)
    assert journey is not None
    assert journey.upt_code == "LP-SALEMBA"
    log = await journey_db.list_journey_events(pool, "JRN-1")
    assert [(e.seq, e.kind) for e in log] == [
        (1, JourneyEventKind.STARTED),
        (2, JourneyEventKind.CUSTODY_EVENT),
    ]
    assert log[1].actor_role == "sdp_system"
    assert log[1].detail["custody_event_id"] == "SDP-EV-1"


async def test_an_older_event_landing_late_does_not_move_the_journey_back(
    pool: asyncpg.Pool,
) -> None:
    transfer = _custody("SDP-EV-2", CustodyEventKind.TRANSFER, to_upt="LP-SALEMBA")
    # The transfer (seq 3) lands before the enrolment start (seq 2), which still says Cipinang.
    applied = await _apply(
        pool,
        _event(3, JourneyEventKind.CUSTODY_EVENT, upt="LP-SALEMBA", custody=transfer),
        _event(2, JourneyEventKind.ENROLMENT_STARTED,
               enrolment=EnrolmentLink(enrolment_id="ENR-1", workflow_id="enrolment-ENR-1",
                                       programme_code="BARISTA", started_at=T0)),
        _event(1, JourneyEventKind.STARTED),
    )  # fmt: skip
    assert applied == [True, True, True]
    journey = await journey_db.current_journey(pool, SDP)
    assert journey is not None
    assert journey.upt_code == "LP-SALEMBA"
    assert journey.started_at == T0 + timedelta(hours=1)  # from STARTED, though it came last
    linked = await journey_db.list_journey_enrolments(pool, "JRN-1")
    assert [e.enrolment_id for e in linked] == ["ENR-1"]


async def test_release_and_enrolment_close_are_recorded_on_the_journey(pool: asyncpg.Pool) -> None:
    release = _custody(
        "SDP-EV-3", CustodyEventKind.RELEASE, release_kind=ReleaseKind.PB, bapas_code="BP-JAKBAR"
    )
    link = EnrolmentLink(enrolment_id="ENR-1", workflow_id="enrolment-ENR-1",
                         programme_code="BARISTA", started_at=T0)  # fmt: skip
    closed = link.model_copy(update={"record": _record(Outcome.UNFINISHED_AT_RELEASE)})
    await _apply(
        pool,
        _event(1, JourneyEventKind.STARTED),
        _event(2, JourneyEventKind.ENROLMENT_STARTED, enrolment=link),
        _event(3, JourneyEventKind.CUSTODY_EVENT, status=JourneyStatus.RELEASING,
               custody=release),
        _event(4, JourneyEventKind.ENROLMENT_CLOSED, status=JourneyStatus.RELEASING,
               enrolment=closed),
    )  # fmt: skip
    journey = await journey_db.current_journey(pool, SDP)
    assert journey is not None
    assert journey.status is JourneyStatus.RELEASING
    assert journey.release_kind is ReleaseKind.PB
    assert journey.bapas_code == "BP-JAKBAR"
    assert journey.released_at == release.occurred_at
    (enrolment,) = await journey_db.list_journey_enrolments(pool, "JRN-1")
    assert enrolment.outcome == "unfinished_at_release"
    assert enrolment.training_record is not None
    assert enrolment.training_record.attendance_present == 18
    stored = await custody_db.get_custody_event(pool, "SDP-EV-3")
    assert stored is not None
    assert stored.reported_by == "sdp-gateway"
    # The stored content is the event as reported: a redelivery can be compared with it.
    assert stored.fields().same_as(
        CustodyEventFields.model_validate(
            release.model_dump(include=set(CustodyEventFields.model_fields))
        )
    )
    assert not stored.fields().same_as(
        CustodyEventFields.model_validate(
            release.model_dump(include=set(CustodyEventFields.model_fields))
            | {"bapas_code": "BP-BANDUNG"}
        )
    )


# ---------------------------------------------------------------- handovers


async def _released_with_handovers(pool: asyncpg.Pool) -> None:
    bapas, placement = HandoverReceiver.BAPAS, HandoverReceiver.JOB_PLACEMENT
    await _apply(
        pool,
        _event(1, JourneyEventKind.STARTED),
        _event(2, JourneyEventKind.HANDOVER_SENT, status=JourneyStatus.HANDOVER,
               handover=_handover(bapas), package=PACKAGE),
        _event(3, JourneyEventKind.HANDOVER_SENT, status=JourneyStatus.HANDOVER,
               handover=_handover(placement), package=PACKAGE),
    )  # fmt: skip


async def test_handovers_keep_the_package_and_every_later_fact(pool: asyncpg.Pool) -> None:
    await _released_with_handovers(pool)
    bapas = HandoverReceiver.BAPAS
    # Acknowledged (seq 5) lands before escalated (seq 4); neither erases the other.
    await _apply(
        pool,
        _event(5, JourneyEventKind.HANDOVER_ACKNOWLEDGED, status=JourneyStatus.HANDOVER,
               handover=_handover(bapas, escalated=True, acknowledged_by=PK), actor=PK),
        _event(4, JourneyEventKind.HANDOVER_ESCALATED, status=JourneyStatus.HANDOVER,
               handover=_handover(bapas, escalated=True)),
    )  # fmt: skip
    now = T0 + timedelta(days=60)
    detail = await handover_db.get_handover(pool, "JRN-1:bapas", now)
    assert detail is not None
    assert detail.state is HandoverState.ACKNOWLEDGED
    assert detail.acknowledged_by == "pk-1"
    assert detail.acknowledged_role == "bapas_officer"
    assert detail.ack_reason == "registered as Klien"
    assert detail.escalated_at is not None
    assert detail.package == PACKAGE
    assert detail.package.certificates[0].number == "BNSP/1"

    # A replayed escalation after the acknowledgement changes nothing either.
    again = _event(6, JourneyEventKind.HANDOVER_ESCALATED, status=JourneyStatus.HANDOVER,
                   handover=_handover(bapas, escalated=True))  # fmt: skip
    await _apply(pool, again)
    assert await handover_db.get_handover(pool, "JRN-1:bapas", now) == detail


async def test_handover_lists_filter_by_receiver_bapas_and_state(pool: asyncpg.Pool) -> None:
    await _released_with_handovers(pool)
    await _apply(
        pool,
        _event(4, JourneyEventKind.HANDOVER_ACKNOWLEDGED, status=JourneyStatus.HANDOVER,
               handover=_handover(HandoverReceiver.BAPAS, acknowledged_by=PK), actor=PK),
    )  # fmt: skip
    before_due, after_due = T0 + timedelta(days=41), T0 + timedelta(days=48)

    async def ids(**where: Any) -> list[str]:
        found = await handover_db.list_handovers(pool, HandoverFilter(**where))
        return [h.handover_id for h in found]

    assert await ids(now=before_due) == ["JRN-1:job_placement", "JRN-1:bapas"]  # open first
    assert await ids(now=before_due, bapas_code="BP-JAKBAR") == ["JRN-1:bapas"]
    assert await ids(now=before_due, bapas_code="BP-BANDUNG") == []
    assert await ids(now=before_due, receiver=HandoverReceiver.JOB_PLACEMENT) == [
        "JRN-1:job_placement"
    ]
    assert await ids(now=before_due, state=HandoverState.OPEN) == ["JRN-1:job_placement"]
    assert await ids(now=before_due, state=HandoverState.OVERDUE) == []
    assert await ids(now=after_due, state=HandoverState.OVERDUE) == ["JRN-1:job_placement"]
    assert await ids(now=after_due, state=HandoverState.ACKNOWLEDGED) == ["JRN-1:bapas"]
    assert await ids(now=before_due, limit=1, offset=1) == ["JRN-1:bapas"]
    ours = await handover_db.handover_of(pool, "JRN-1", HandoverReceiver.BAPAS, before_due)
    assert ours is not None
    assert ours.handover_id == "JRN-1:bapas"


async def test_a_bapas_handover_without_its_bapas_is_refused(pool: asyncpg.Pool) -> None:
    """Nobody could ever see or acknowledge it: the projection fails loudly (and retries)."""
    nowhere = _handover(HandoverReceiver.BAPAS).model_copy(update={"bapas_code": None})
    with pytest.raises(asyncpg.CheckViolationError):
        await _apply(
            pool,
            _event(1, JourneyEventKind.HANDOVER_SENT, handover=nowhere, package=PACKAGE),
        )
    assert await _count(pool, "journey_events") == 0  # the whole event rolled back


# ---------------------------------------------------------------- one journey per inmate


async def test_an_inmate_has_at_most_one_journey_that_has_not_ended(pool: asyncpg.Pool) -> None:
    await _apply(pool, _event(1, JourneyEventKind.STARTED))
    with pytest.raises(asyncpg.UniqueViolationError):
        await _apply(pool, _event(1, JourneyEventKind.STARTED, journey_id="JRN-2"))
    assert await _count(pool, "journeys") == 1

    # Once the first has ended (released, handed over), a new custody spell may begin.
    await _apply(pool, _event(2, JourneyEventKind.ENDED, status=JourneyStatus.ENDED))
    ended = await journey_db.current_journey(pool, SDP)
    assert ended is not None
    assert ended.journey_id == "JRN-1"
    assert ended.ended_at == T0 + timedelta(hours=2)
    later = _event(1, JourneyEventKind.STARTED, journey_id="JRN-2").model_copy(
        update={"at": T0 + timedelta(days=900)}
    )
    await _apply(pool, later)
    current = await journey_db.current_journey(pool, SDP)
    assert current is not None
    assert current.journey_id == "JRN-2"
    listed = await journey_db.list_journeys(pool, JourneyFilter(inmate_sdp_no=SDP))
    assert [j.journey_id for j in listed] == ["JRN-2", "JRN-1"]  # newest first
    in_custody = await journey_db.list_journeys(
        pool, JourneyFilter(status=JourneyStatus.IN_CUSTODY)
    )
    assert [j.journey_id for j in in_custody] == ["JRN-2"]
    elsewhere = await journey_db.list_journeys(pool, JourneyFilter(upt_code="LP-SALEMBA"))
    assert elsewhere == []


# ---------------------------------------------------------------- the enrolment's UPT


async def test_a_transferred_enrolment_moves_to_the_new_upt_case_list(pool: asyncpg.Pool) -> None:
    programme = await reference_db.get_programme(pool, "BARISTA")
    assert programme is not None
    request = EnrolmentRequest(
        enrolment_id="ENR-9", inmate_sdp_no=SDP, programme=programme, upt_code="LP-CIPINANG",
        lsp_code="LSP-PARIWISATA", planned_start=date(2026, 12, 8), planned_end=date(2027, 3, 8),
        expected_release=None, release_flagged=False, requested_by=CASEWORKER, reason="keen",
    )  # fmt: skip

    def summary(upt: str | None) -> EnrolmentSummary:
        return EnrolmentSummary(
            stage=Stage.TRAINING, outcome=None, attendance_present=0, attendance_recorded=0,
            modules_completed=0, reassessments_used=0, exception_granted=False,
            awaiting_kind=None, awaiting_role=None, awaiting_due=None, upt_code=upt,
        )  # fmt: skip

    def event(seq: int, kind: EventKind, upt: str | None, **extra: Any) -> EnrolmentEvent:
        return EnrolmentEvent.model_validate(
            {"event_id": f"ENR-9:{seq}", "enrolment_id": "ENR-9", "seq": seq, "kind": kind,
             "workflow_id": "enrolment-ENR-9", "at": T0 + timedelta(hours=seq),
             "summary": summary(upt), **extra}
        )  # fmt: skip

    async with pool.acquire() as conn:
        await enrolment_db.apply_event(conn, event(1, EventKind.REQUESTED, None, request=request))
        await enrolment_db.apply_event(conn, event(3, EventKind.TRANSFERRED, "LP-SALEMBA"))
        # An older event without a UPT, landing late, leaves the case where it moved.
        await enrolment_db.apply_event(conn, event(2, EventKind.STAGE_CHANGED, None))
    record = await enrolment_db.get_enrolment(pool, "ENR-9")
    assert record is not None
    assert record.upt_code == "LP-SALEMBA"
    listed = await enrolment_db.list_enrolments(
        pool, enrolment_db.EnrolmentFilter(upt_code="LP-CIPINANG")
    )
    assert listed == []


# ---------------------------------------------------------------- offerings at a UPT


async def test_programmes_offered_answers_for_known_upts_only(pool: asyncpg.Pool) -> None:
    lookup = ReferenceLookup(pool)
    env = ActivityEnvironment()

    async def ask(upt: str) -> tuple[bool, list[str]]:
        query = ProgrammesOfferedQuery(upt_code=upt, programme_codes=["WELDING", "BARISTA"])
        answer = await env.run(lookup.programmes_offered, query)
        return answer.upt_known, answer.offered

    assert await ask("LP-CIPINANG") == (True, ["WELDING", "BARISTA"])
    assert await ask("LP-SALEMBA") == (True, ["BARISTA"])  # Salemba has no welding
    assert await ask("LP-SUKAMISKIN") == (True, [])
    assert await ask("LP-NOWHERE") == (False, [])
    assert await ask("BP-JAKBAR") == (False, [])  # a Bapas holds no inmates


async def test_a_handover_the_journey_escalated_is_overdue_whatever_the_readers_clock(
    pool: asyncpg.Pool,
) -> None:
    """The journey's clock decides (it may run ahead, e.g. time skipped): escalated is overdue."""
    await _released_with_handovers(pool)
    placement = _handover(HandoverReceiver.JOB_PLACEMENT, escalated=True)
    await _apply(
        pool,
        _event(4, JourneyEventKind.HANDOVER_ESCALATED, status=JourneyStatus.HANDOVER,
               handover=placement),
    )  # fmt: skip
    early = T0 + timedelta(days=41)  # before the due date on the reader's clock
    overdue = await handover_db.list_handovers(
        pool, HandoverFilter(now=early, state=HandoverState.OVERDUE)
    )
    assert [h.handover_id for h in overdue] == ["JRN-1:job_placement"]
    still_open = await handover_db.list_handovers(
        pool, HandoverFilter(now=early, state=HandoverState.OPEN)
    )
    assert [h.handover_id for h in still_open] == ["JRN-1:bapas"]
