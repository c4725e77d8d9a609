"""Process A, the inmate journey: its rules, as pure functions.

The journey's update validators call the `check_*` functions, so an impossible custody
event or a wrong acknowledgement never enters history. `handover_package` builds what the
receivers get at release from the training records the enrolments reported.
"""

from __future__ import annotations

from datetime import datetime

from domain.clock import jakarta_today
from domain.custody import CustodyEvent, CustodyEventKind
from domain.enrolment import EnrolmentRequest, Outcome
from domain.enrolment_rules import check_no_active_enrolment
from domain.errors import conflict, forbidden, invalid
from domain.identity import Ministry, Role
from domain.journey import (
    CertificateEntry,
    CustodyEntry,
    Handover,
    HandoverAcknowledgement,
    HandoverPackage,
    HandoverReceiver,
    JourneyState,
    JourneyStatus,
    SkillsProfile,
)


def applied_entry(state: JourneyState, event_id: str) -> CustodyEntry | None:
    return next((e for e in state.custody_events if e.event_id == event_id), None)


def sanctions_in_force(state: JourneyState, now: datetime) -> list[str]:
    today = jakarta_today(now)
    return [s.ref for s in state.sanctions if s.until is None or s.until > today]


def check_enrolment_start(state: JourneyState, request: EnrolmentRequest, workflow_id: str) -> None:
    if request.inmate_sdp_no != state.inmate_sdp_no:
        raise invalid(
            f"this is the journey of inmate {state.inmate_sdp_no}, not {request.inmate_sdp_no}"
        )
    if request.journey_workflow_id != workflow_id:
        raise invalid(f"the enrolment must name its journey {workflow_id}")
    if state.status is not JourneyStatus.IN_CUSTODY:
        raise conflict(f"inmate {state.inmate_sdp_no} was released; no new enrolment can start")
    if request.upt_code != state.upt_code:
        raise conflict(
            f"inmate {state.inmate_sdp_no} is now held at UPT {state.upt_code}, not "
            f"{request.upt_code}: request the enrolment there"
        )
    if any(e.enrolment_id == request.enrolment_id for e in state.enrolments):
        raise conflict(f"enrolment {request.enrolment_id} was already started")
    active = [e for e in state.active_enrolments() if e.programme_code == request.programme.code]
    check_no_active_enrolment(
        state.inmate_sdp_no, request.programme.code, active[0].enrolment_id if active else None
    )


def check_custody_event(
    state: JourneyState, event: CustodyEvent, pending: list[CustodyEvent], now: datetime
) -> None:
    """Whether the event can apply. A redelivery of an applied event passes (it changes
    nothing); the same id with other content, or an event that cannot happen, is refused."""
    who = event.actor
    if who.role not in (Role.SDP_SYSTEM, Role.CASEWORKER):
        raise forbidden("custody events are reported by SDP or a caseworker of the inmate's UPT")
    if who.role is Role.CASEWORKER and who.scope.upt != state.upt_code:
        raise forbidden(
            f"inmate {state.inmate_sdp_no} is held at UPT {state.upt_code}; you are a "
            f"caseworker of UPT {who.scope.upt}"
        )
    if event.inmate_sdp_no != state.inmate_sdp_no:
        raise invalid(f"this is the journey of inmate {state.inmate_sdp_no}")
    earlier = applied_entry(state, event.event_id)
    if earlier is None:
        earlier_pending = next((p for p in pending if p.event_id == event.event_id), None)
        if earlier_pending is not None and not earlier_pending.same_as(event):
            raise conflict(f"event {event.event_id} is being applied with other content")
        if earlier_pending is not None:
            return
    elif earlier.fingerprint != event.fingerprint():
        raise conflict(
            f"event {event.event_id} was already applied with other content; a correction "
            "needs a new event id"
        )
    else:
        return  # a redelivery: answered as a duplicate
    if state.release is not None or any(p.kind is CustodyEventKind.RELEASE for p in pending):
        released = state.release.at.isoformat() if state.release else "just now"
        raise conflict(
            f"inmate {state.inmate_sdp_no} was released ({released}); a "
            f"{event.kind.value} cannot apply after release"
        )
    upt = next((p.to_upt for p in reversed(pending) if p.to_upt), state.upt_code)
    if event.kind is CustodyEventKind.TRANSFER and event.to_upt == upt:
        raise conflict(f"inmate {state.inmate_sdp_no} is already held at UPT {upt}")
    in_force = sanctions_in_force(state, now) + [
        p.sanction_ref
        for p in pending
        if p.kind is CustodyEventKind.SANCTION and p.sanction_ref is not None
    ]
    if event.kind is CustodyEventKind.SANCTION and event.sanction_ref in in_force:
        raise conflict(f"sanction {event.sanction_ref} is already in force")
    if event.kind is CustodyEventKind.SANCTION_LIFTED and event.sanction_ref not in in_force:
        raise conflict(f"no sanction {event.sanction_ref} is in force to lift")


def receivers(state: JourneyState) -> list[tuple[HandoverReceiver, str | None]]:
    """Who receives the handover: the Klien's Bapas when supervised, job placement always."""
    assert state.release is not None
    found: list[tuple[HandoverReceiver, str | None]] = []
    if state.release.bapas_code is not None:
        found.append((HandoverReceiver.BAPAS, state.release.bapas_code))
    found.append((HandoverReceiver.JOB_PLACEMENT, None))
    return found


def open_handover(state: JourneyState, receiver: HandoverReceiver) -> Handover | None:
    return next(
        (h for h in state.handovers if h.receiver is receiver and h.acknowledged is None), None
    )


def check_acknowledgement(state: JourneyState, ack: HandoverAcknowledgement) -> None:
    if state.status is not JourneyStatus.HANDOVER:
        raise conflict(
            f"the journey of inmate {state.inmate_sdp_no} has no handover awaiting "
            f"acknowledgement (status {state.status.value})"
        )
    handover = next((h for h in state.handovers if h.receiver is ack.receiver), None)
    if handover is None:
        raise conflict(f"this release has no {ack.receiver.value} handover")
    if handover.acknowledged is not None:
        raise conflict(
            f"the {ack.receiver.value} handover was already acknowledged by "
            f"{handover.acknowledged.actor.subject}"
        )
    who = ack.actor
    if ack.receiver is HandoverReceiver.BAPAS:
        if who.role is not Role.BAPAS_OFFICER or who.scope.bapas != handover.bapas_code:
            raise forbidden(
                f"the handover is for Bapas {handover.bapas_code}: a Bapas officer (PK) of it "
                "acknowledges"
            )
    elif who.role is not Role.KEMNAKER_OFFICER or who.scope.ministry is not Ministry.KEMNAKER:
        raise forbidden("job-placement handovers are acknowledged by a Kemnaker officer")


def handover_package(state: JourneyState) -> HandoverPackage:
    """Certificates with numbers and validity, every training record, and a skills profile."""
    assert state.release is not None
    records = [e.record for e in state.enrolments if e.record is not None]
    certificates = [
        CertificateEntry(
            programme_code=r.programme_code,
            number=r.certificate.number,
            issued_on=r.certificate.issued_on,
            valid_until=r.certificate.valid_until,
        )
        for r in records
        if r.certificate is not None
    ]
    return HandoverPackage(
        inmate_sdp_no=state.inmate_sdp_no,
        release_kind=state.release.kind,
        released_at=state.release.at,
        last_upt=state.upt_code,
        certificates=certificates,
        training_records=records,
        skills_profile=SkillsProfile(
            certified_programmes=sorted({c.programme_code for c in certificates}),
            competent_units=sorted({u for r in records for u in r.competent_units}),
            unfinished_programmes=sorted(
                {r.programme_code for r in records if r.outcome is Outcome.UNFINISHED_AT_RELEASE}
            ),
        ),
    )
