"""Custody lasts years: a journey with many custody events continues as new and loses
nothing on the way: events, enrolments, sanctions, ids and the read model's order."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import local_date
from domain.custody import ReleaseKind
from domain.enrolment import Outcome, PlacementDecision, Stage
from domain.identity import Actor, Role, Scope
from domain.journey import HandoverReceiver, JourneyEventKind, JourneyStatus
from domain.policy import JourneyPolicy
from tests.workflows.journey_support import (
    JourneyCase,
    acknowledgement,
    release,
    sanction,
    transfer,
)
from tests.workflows.support import OTHER_UPT, PROGRAMME, UPT, Harness, placement
from workflows.journey import InmateJourneyWorkflow

WELDING = PROGRAMME.model_copy(update={"code": "WELDING-2025", "name": "Las dasar"})
YEARS = 3
QUARTERS = 4 * YEARS


async def test_a_multi_year_journey_continues_as_new_and_loses_nothing(
    harness: Harness,
) -> None:
    for upt in (UPT, OTHER_UPT):
        harness.offerings.offered[upt].add(WELDING.code)
    # The smallest history the policy allows before continuing as new: many runs, quickly.
    journey = await JourneyCase.start(harness, JourneyPolicy(continue_as_new_after_events=50))
    barista = await journey.enrol()
    await barista.to_assessment()
    await barista.assess_due()
    certified = await barista.result()
    assert certified.outcome is Outcome.CERTIFIED

    sent = []
    welding = None
    here, there = UPT, OTHER_UPT
    for quarter in range(QUARTERS):
        until = local_date(await harness.now()) + timedelta(days=20)
        sent.append(sanction(f"F-{quarter:03d}", until=until))
        assert not (await journey.report(sent[-1])).duplicate
        await harness.skip(timedelta(days=25))
        sent.append(transfer(there))
        assert not (await journey.report(sent[-1])).duplicate
        here, there = there, here
        if quarter == QUARTERS // 2:  # a second programme, started in a later run
            request = (await harness.request()).model_copy(
                update={"programme": WELDING, "upt_code": here}
            )
            welding = await journey.enrol(request)
            await welding.place(_placement_at(here))
            await welding.at(Stage.TRAINING)
        await harness.skip(timedelta(days=60))
    await journey.quiet()
    state = await journey.state()

    assert state.runs > 3, f"expected several continue-as-new runs, got {state.runs}"
    assert [e.event_id for e in state.custody_events] == [e.event_id for e in sent]
    assert state.upt_code == here
    assert [e.programme_code for e in state.enrolments] == [PROGRAMME.code, WELDING.code]
    assert len(state.sanctions) <= 1, "ended sanctions do not pile up in the carried state"
    # an event applied in an earlier run is still recognised when delivered again
    again = await journey.handle.execute_update(
        InmateJourneyWorkflow.record_custody_event, sent[0], id="custody-redelivered-later"
    )
    assert again.duplicate

    assert welding is not None
    in_training = await welding.state()
    assert in_training.stage is Stage.TRAINING and in_training.upt_code == here
    moves_since_start = QUARTERS - (QUARTERS // 2 + 1)
    assert len(in_training.transfers) == moves_since_start

    await journey.report(release(ReleaseKind.FREE))
    ended_welding = await welding.result()
    assert ended_welding.outcome is Outcome.UNFINISHED_AT_RELEASE
    handover = await journey.until(lambda s: s.status is JourneyStatus.HANDOVER, "the handover")
    assert handover.package is not None
    assert [c.number for c in handover.package.certificates] == [certified.certificate.number]  # type: ignore[union-attr]
    await journey.quiet()
    ended = await journey.acknowledge(acknowledgement(HandoverReceiver.JOB_PLACEMENT))
    assert ended.status is JourneyStatus.ENDED

    # The read model saw every change exactly once and in order, across every run.
    events = journey.events()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    continued = [e for e in events if e.kind is JourneyEventKind.CONTINUED_AS_NEW]
    assert len(continued) == ended.runs - 1
    custody_logged = [e for e in events if e.kind is JourneyEventKind.CUSTODY_EVENT]
    assert len(custody_logged) == len(sent) + 1  # and the release
    task_ids = [t.task_id for t in harness.tasks.opened if t.case_id == journey.journey_id]
    assert len(task_ids) == len(set(task_ids)), "task ids stay unique across runs"


def _placement_at(upt: str) -> PlacementDecision:
    return placement(actor=Actor(subject=f"tpp-{upt}", role=Role.TPP_MEMBER, scope=Scope(upt=upt)))
