"""Release and the handover: what the package holds, who receives it, acknowledgement within
7 days or escalation, the journey's end; and custody events that are duplicates or cannot
apply change nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.custody import CustodyEventKind, ReleaseKind
from domain.enrolment import Outcome, Stage
from domain.errors import Refusal
from domain.identity import Ministry, Role
from domain.journey import HandoverReceiver, JourneyEventKind, JourneyStatus
from tests.workflows.journey_support import (
    OTHER_BAPAS_OFFICER,
    JourneyCase,
    acknowledgement,
    custody,
    release,
    sanction,
    transfer,
)
from tests.workflows.support import (
    CASEWORKER,
    MODULES,
    OTHER_UPT,
    PROGRAMME,
    UNITS,
    Harness,
    attendance,
    module,
)
from workflows.journey import InmateJourneyWorkflow


async def test_supervised_release_hands_over_to_the_bapas_and_job_placement(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.approve()
    for session in (1, 2, 3):
        await case.attend(attendance(session, present=session != 2))
    await case.complete_module(module(MODULES[0]))
    outcome = await journey.report(release(ReleaseKind.PB))
    assert [a.effect.value for a in outcome.enrolments] == ["stopped"]
    closed = await case.result()
    assert closed.outcome is Outcome.UNFINISHED_AT_RELEASE
    assert closed.referral is not None and "BLK" in closed.referral

    state = await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    await journey.quiet()
    package = state.package
    assert package is not None and package.release_kind is ReleaseKind.PB
    [record] = package.training_records
    assert (record.attendance_present, record.attendance_recorded) == (2, 3)
    assert record.modules_completed == [MODULES[0]]
    assert record.stage_at_close is Stage.TRAINING and record.referral == closed.referral
    assert package.certificates == []
    assert package.skills_profile.unfinished_programmes == [PROGRAMME.code]

    tasks = {t.kind: t for t in harness.tasks.open_now()}
    assert set(tasks) == {"handover_bapas", "handover_job_placement"}
    assert tasks["handover_bapas"].required_role is Role.BAPAS_OFFICER
    assert tasks["handover_bapas"].scope.bapas == "BP-JAKBAR"
    assert tasks["handover_job_placement"].required_role is Role.KEMNAKER_OFFICER
    assert tasks["handover_job_placement"].scope.ministry is Ministry.KEMNAKER
    sent = {f"handover_{h.receiver.value}": h.sent_at for h in state.handovers}
    assert all(t.due_at == sent[kind] + timedelta(days=7) for kind, t in tasks.items())

    ack = InmateJourneyWorkflow.acknowledge_handover
    wrong = acknowledgement(HandoverReceiver.BAPAS, OTHER_BAPAS_OFFICER)
    assert await journey.refused(ack, wrong) == Refusal.FORBIDDEN
    after_one = await journey.acknowledge(acknowledgement(HandoverReceiver.BAPAS))
    assert after_one.status is JourneyStatus.HANDOVER
    assert await journey.refused(ack, acknowledgement(HandoverReceiver.BAPAS)) == Refusal.CONFLICT
    ended = await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT))
    assert ended.status is JourneyStatus.ENDED
    result = await journey.handle.result()
    assert all(h.acknowledged is not None for h in result.handovers)
    assert harness.tasks.open_now() == []
    assert journey.events()[-1].kind is JourneyEventKind.ENDED


async def test_a_free_release_hands_certificates_to_job_placement_only(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    await case.to_assessment()
    await case.assess_due()
    certified = await case.result()
    assert certified.certificate is not None
    await journey.until(lambda s: not s.active_enrolments(), "the enrolment's report")
    await journey.report(release(ReleaseKind.FREE))
    state = await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    assert [h.receiver for h in state.handovers] == [HandoverReceiver.JOB_PLACEMENT]
    assert state.package is not None
    [entry] = state.package.certificates
    assert (entry.number, entry.issued_on, entry.valid_until) == (
        certified.certificate.number,
        certified.certificate.issued_on,
        certified.certificate.valid_until,
    )
    assert state.package.skills_profile.certified_programmes == [PROGRAMME.code]
    assert state.package.skills_profile.competent_units == sorted(UNITS)
    await journey.quiet()
    ended = await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT))
    assert ended.status is JourneyStatus.ENDED


async def test_an_acknowledgement_while_the_handovers_are_still_going_out_is_taken(
    harness: Harness,
) -> None:
    journey = await JourneyCase.start(harness)
    await journey.enrol()
    harness.journey_projection.hold = JourneyEventKind.HANDOVER_SENT  # the Bapas's, first
    await journey.report(release(ReleaseKind.CB))
    await harness.journey_projection.holding.wait()
    acknowledging = asyncio.create_task(
        journey.acknowledge(acknowledgement(HandoverReceiver.BAPAS))
    )
    await journey.until(
        lambda s: any(h.acknowledged for h in s.handovers), "the Bapas acknowledgement"
    )
    harness.journey_projection.release.set()
    answered = await asyncio.wait_for(acknowledging, timeout=10)
    assert answered.status is JourneyStatus.HANDOVER
    await journey.quiet()
    assert harness.tasks.escalated == [], "an acknowledged handover never escalates"
    assert [t.kind for t in harness.tasks.open_now()] == ["handover_job_placement"]
    ended = await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT))
    assert ended.status is JourneyStatus.ENDED


async def test_an_unacknowledged_handover_escalates_after_seven_days(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    await journey.enrol()
    await journey.report(release(ReleaseKind.CB))
    await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    await journey.quiet()
    await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT))
    await harness.skip(timedelta(days=6, hours=23))
    await journey.quiet()
    assert harness.tasks.escalated == []
    await harness.skip(timedelta(hours=2))
    state = await journey.until(
        lambda s: all(h.escalated_at or h.acknowledged for h in s.handovers), "the escalation"
    )
    await journey.quiet()
    [escalation] = harness.tasks.escalated
    assert escalation.routed_to is Role.SUPERVISOR and "bapas" in escalation.message
    assert [e.kind for e in journey.events()].count(JourneyEventKind.HANDOVER_ESCALATED) == 1
    assert state.status is JourneyStatus.HANDOVER, "a late acknowledgement still counts"
    ended = await journey.acknowledge(acknowledgement(HandoverReceiver.BAPAS))
    assert ended.status is JourneyStatus.ENDED


async def test_duplicate_and_impossible_custody_events_change_nothing(harness: Harness) -> None:
    journey = await JourneyCase.start(harness)
    case = await journey.enrol()
    update = InmateJourneyWorkflow.record_custody_event
    moved = transfer(OTHER_UPT, event_id="SDP-TR-1")
    first = await journey.report(moved)
    assert not first.duplicate
    await journey.quiet()
    before, recorded = await journey.state(), len(journey.events())
    again = await journey.handle.execute_update(update, moved, id="custody-redelivery")
    assert again.duplicate
    await journey.quiet()
    assert await journey.state() == before and len(journey.events()) == recorded
    assert len((await case.state()).transfers) == 1
    # the same id with other content is a conflict, not a silent overwrite
    altered = transfer("LP-SALEMBA", event_id="SDP-TR-1")
    assert await journey.refused(update, altered) == Refusal.CONFLICT
    # a transfer to a unit that holds no inmates (a Bapas, or unknown) changes nothing
    assert await journey.refused(update, transfer("BP-JAKBAR")) == Refusal.INVALID
    # a transfer to where the inmate already is, and a caseworker of the UPT they left
    assert await journey.refused(update, transfer(OTHER_UPT)) == Refusal.CONFLICT
    from_elsewhere = sanction("F-9").model_copy(update={"actor": CASEWORKER})
    assert await journey.refused(update, from_elsewhere) == Refusal.FORBIDDEN
    # after release nothing more applies, but a redelivered release is still a duplicate
    freed = release(ReleaseKind.FREE)
    await journey.report(freed)
    await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    assert await journey.refused(update, transfer("LP-SALEMBA")) == Refusal.CONFLICT
    assert (await journey.handle.execute_update(update, freed, id="custody-again")).duplicate
    assert await journey.refused(
        update, custody(CustodyEventKind.SANCTION, sanction_ref="F-10")
    ) == (Refusal.CONFLICT)
