"""Cohort rows queued in the inmate's journey (a signal, sent with start): the journey starts
each one or refuses it later by the rule of its `enrol` update, in order, under its lock, and
projects the row's outcome with the event that records it."""

from __future__ import annotations

from domain.cohort import RowOutcome
from domain.custody import ReleaseKind
from domain.enrolment import Stage
from domain.journey import JourneyEventKind
from tests.workflows.journey_support import (
    JourneyCase,
    cohort_row,
    new_journey_workflow_id,
    release,
    transfer,
)
from tests.workflows.support import NO_PROGRAMME_UPT, Harness
from workflows.journey import InmateJourneyWorkflow


async def test_a_row_sent_with_start_starts_its_enrolment_once(harness: Harness) -> None:
    workflow_id = new_journey_workflow_id()
    first = cohort_row(await harness.request(), workflow_id)
    journey = await JourneyCase.start(harness, workflow_id=workflow_id, queued=first)
    case = await journey.started_case(first)
    await case.at(Stage.PLACEMENT_REVIEW)
    await journey.handle.signal(InmateJourneyWorkflow.queue_enrolment, first)  # redelivered
    again = await journey.queue(await harness.request())  # the same programme, a new request
    refused = await journey.outcome(again)
    assert refused.kind is JourneyEventKind.ENROLMENT_REFUSED
    assert refused.cohort_row is not None and refused.cohort_row.outcome is RowOutcome.REFUSED
    assert "already has an active enrolment" in (refused.cohort_row.reason or "")
    started = await journey.outcome(first)
    assert started.kind is JourneyEventKind.ENROLMENT_STARTED
    assert started.cohort_row is not None and started.cohort_row.outcome is RowOutcome.STARTED
    assert started.cohort_row.cohort_id == "COH-TEST-1"
    await journey.quiet()
    state = await journey.state()
    assert [e.enrolment_id for e in state.enrolments] == [first.request.enrolment_id]
    kinds = [e.kind for e in journey.events()]
    assert kinds.count(JourneyEventKind.ENROLMENT_STARTED) == 1


async def test_rows_are_checked_against_custody_applied_before_them(harness: Harness) -> None:
    """A transfer applied before a row refuses it (held elsewhere now); after release every
    row is refused, including those that arrive once the journey left its loop."""
    journey = await JourneyCase.start(harness)
    await journey.report(transfer(NO_PROGRAMME_UPT))
    moved = await journey.outcome(await journey.queue(await harness.request()))
    assert moved.cohort_row is not None and moved.cohort_row.outcome is RowOutcome.REFUSED
    assert f"now held at UPT {NO_PROGRAMME_UPT}" in (moved.cohort_row.reason or "")
    await journey.report(release(ReleaseKind.FREE))
    await journey.quiet()
    late = await journey.outcome(await journey.queue(await harness.request()))
    assert late.cohort_row is not None and late.cohort_row.outcome is RowOutcome.REFUSED
    assert "was released" in (late.cohort_row.reason or "")
    assert (await journey.state()).enrolments == []


async def test_a_refused_row_handed_over_again_is_skipped_not_refused_twice(
    harness: Harness,
) -> None:
    """The cohort dispatcher may send a row again (it died before marking it sent): the
    journey that refused it already records nothing more (patch journey-cohort-redelivery-v1)."""
    journey = await JourneyCase.start(harness)
    await journey.report(transfer(NO_PROGRAMME_UPT))
    row = await journey.queue(await harness.request())
    await journey.outcome(row)
    await journey.handle.signal(InmateJourneyWorkflow.queue_enrolment, row)  # again
    later = await journey.queue(await harness.request())  # a new row after the copy
    await journey.outcome(later)
    await journey.quiet()
    refusals = [
        e
        for e in journey.events()
        if e.cohort_row is not None and e.cohort_row.enrolment_id == row.request.enrolment_id
    ]
    assert [e.kind for e in refusals] == [JourneyEventKind.ENROLMENT_REFUSED]
    assert (await journey.state()).refused_rows == [
        row.request.enrolment_id,
        later.request.enrolment_id,
    ]
