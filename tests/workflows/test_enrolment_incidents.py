"""A local write Postgres refuses goes on as a regular activity (`local-projection-incident-v1`).

A local activity's retries live in the worker, inside a workflow task kept open for them: a
write that can never succeed would hold that task (and the worker's shutdown) for ever, out of
reach of the incident machinery an operator sees. The rule protected here: such a write fails
once as a local activity, goes on as a regular activity the server retries (an incident in
production, tests/api/test_incidents.py) and, once repaired, the case carries on from where
it stood; a case that meets no poison records nothing of this.
"""

from __future__ import annotations

import asyncio

import pytest

from domain.enrolment import (
    RECORD_ENROLMENT_EVENT,
    WRITE_ENROLMENT_STAGE,
    EnrolmentEvent,
    EventKind,
    Outcome,
    Stage,
)
from tests.histories_support import local_activity_markers, patches, scheduled_activities
from tests.temporal_support import until
from tests.workflows.support import Case, Harness
from workflows import enrolment_case
from workflows.case_events import LOCAL_INCIDENT_PATCH

# How the case writes (the code it started on: patches off) -> the local write that carries
# the placement decision, and the patch the case runs under.
PATHS = {
    "stage_write": ((), WRITE_ENROLMENT_STAGE, enrolment_case.STAGE_WRITE_PATCH),
    "local_projection": (
        ("STAGE_WRITE_PATCH",),
        RECORD_ENROLMENT_EVENT,
        enrolment_case.LOCAL_PROJECTIONS_PATCH,
    ),
}


async def _decided(case: Case) -> list[EnrolmentEvent]:
    return case.events_of(EventKind.PLACEMENT_DECIDED)


@pytest.mark.parametrize("path", PATHS)
async def test_a_local_write_postgres_refuses_goes_on_as_an_activity_until_repaired(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    patches_off, write, case_patch = PATHS[path]
    for name in patches_off:
        monkeypatch.setattr(enrolment_case, name, None)
    case = await harness.start()
    await case.settled()
    update = await case.place_poisoned()
    await case.refused_as_activity()

    history = await case.handle.fetch_history()
    # Refused once as a local activity, not retried in the worker; then a regular activity.
    assert harness.projection.refused[0] is True
    assert harness.projection.refused.count(True) == 1, harness.projection.refused
    assert [m for m in local_activity_markers(history) if m[1]] == [(write, True)]
    assert write in scheduled_activities(history)
    assert patches(history) == [case_patch, LOCAL_INCIDENT_PATCH]

    # Repaired: the write lands (sanitised) and the case stands in training.
    await until(
        lambda: _decided(case),
        lambda decided: len(decided) == 1,
        "the placement decision written",
    )
    [decided] = case.events_of(EventKind.PLACEMENT_DECIDED)
    assert decided.reason == "approved after review"
    async with asyncio.timeout(10):
        state = await update.result()
    assert state.stage is Stage.TRAINING
    await case.settled()
    # The case goes on as any other.
    await case.train()
    await case.complete_training()
    await case.at(Stage.ASSESSMENT)
    await case.assess_due()
    assert (await case.result()).outcome is Outcome.CERTIFIED


async def test_a_case_that_meets_no_poison_records_nothing_of_it(harness: Harness) -> None:
    case = await harness.start()
    await case.to_assessment()
    await case.assess_due()
    assert (await case.result()).outcome is Outcome.CERTIFIED
    history = await case.handle.fetch_history()
    assert patches(history) == [enrolment_case.STAGE_WRITE_PATCH]
    assert not any(failed for _, failed in local_activity_markers(history))
    assert harness.projection.refused == []
