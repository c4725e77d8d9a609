"""A case poisoned by text Postgres cannot store is seen as an incident and recovered.

The poison goes in the old way, past the API's text rule: the placement Update is sent
straight through the Temporal client with a NUL in its reason, as any client could before
domain/text.py existed. The workflow accepts it (its history is the record), the write that
carries it cannot store it, and without the incident path the case would stay where it was,
retried forever, silently.

The write takes one of three forms, by the patches a case started under: regular
activities (the oldest cases), local projections (`enrolment-local-projections-v1`) and one
local write per stage change (`enrolment-stage-write-v1`, today's). A local write Postgres
refuses goes on as a regular activity (`local-projection-incident-v1`), so every form ends as
incidents on regular activities: seen, repaired, resumed, with the case's history holding
still while it waits and nothing left running in the worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateHandle,
    WorkflowUpdateStage,
)

from db import incidents as incidents_db
from domain.enrolment import (
    RECORD_ENROLMENT_EVENT,
    WRITE_ENROLMENT_STAGE,
    EnrolmentState,
    PlacementChoice,
    PlacementDecision,
    enrolment_workflow_id,
)
from domain.identity import Actor, Role, Scope
from domain.tasks import CLOSE_TASK
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack
from tests.histories_support import patches, scheduled_activities
from tests.temporal_support import SETTLE_SECONDS, terminate, until
from workflows import enrolment_case
from workflows.case_events import LOCAL_INCIDENT_PATCH
from workflows.enrolment import EnrolmentWorkflow

# The form of a case's writes -> (patches off, i.e. the code it started on; the activities
# that cannot store the decision: the projection and the closing of the placement task, or
# the one stage write that holds both).
PATHS: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "regular_activity": (
        ("STAGE_WRITE_PATCH", "LOCAL_PROJECTIONS_PATCH"),
        {RECORD_ENROLMENT_EVENT, CLOSE_TASK},
    ),
    "local_projection": (("STAGE_WRITE_PATCH",), {RECORD_ENROLMENT_EVENT, CLOSE_TASK}),
    "stage_write": ((), {WRITE_ENROLMENT_STAGE}),
}
# Retries an incident waits for before its history is looked at again: in the worker of
# these tests (1 s apart) longer than a workflow task's timeout (10 s), past which a workflow
# task held open by a local activity would have been heartbeaten into history.
RETRIES_WATCHED = 12


def _operator(api: ApiStack) -> dict[str, str]:
    return api.headers("op-1", Role.OPERATOR)


async def _incidents(api: ApiStack) -> list[dict[str, Any]]:
    answer = await api.http.get("/incidents", headers=_operator(api))
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


async def _stage(api: ApiStack, enrolment_id: str) -> str:
    row = await api.pool.fetchrow(
        "SELECT stage FROM enrolments WHERE enrolment_id = $1", enrolment_id
    )
    assert row is not None
    return str(row["stage"])


@pytest.fixture
async def cases(api: ApiStack) -> AsyncIterator[list[WorkflowHandle[Any, Any]]]:
    """The enrolments a test started, terminated when it ends (before its worker stops),
    whether it passed or not; one that finished meanwhile is left as it is."""
    handles: list[WorkflowHandle[Any, Any]] = []
    yield handles
    for handle in handles:
        await terminate(handle)


async def _poison(
    api: ApiStack, cases: list[WorkflowHandle[Any, Any]]
) -> tuple[WorkflowHandle[Any, Any], str, WorkflowUpdateHandle[EnrolmentState]]:
    """A case waiting on its placement, decided with a NUL in the reason."""
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    handle = api_client(api).get_workflow_handle(enrolment_workflow_id(enrolment_id))
    cases.append(handle)
    await api.settled(enrolment_id)
    poisoned = PlacementDecision.model_construct(
        actor=Actor(
            subject="tpp-LP-CIPINANG", role=Role.TPP_MEMBER, scope=Scope(upt="LP-CIPINANG")
        ),
        decision=PlacementChoice.APPROVE,
        reason="approved\x00 after review",
        exception_granted=False,
        defer_until=None,
    )
    update = await handle.start_update(
        EnrolmentWorkflow.decide_placement,
        poisoned,
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
    )
    return handle, enrolment_id, update


@pytest.mark.parametrize("path", PATHS)
async def test_a_poisoned_case_is_an_incident_and_resumes_after_repair(
    api: ApiStack,
    cases: list[WorkflowHandle[Any, Any]],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
) -> None:
    patches_off, poisoned_activities = PATHS[path]
    for name in patches_off:  # the code the case started on
        monkeypatch.setattr(enrolment_case, name, None)
    handle, enrolment_id, update = await _poison(api, cases)

    # Seen: an incident per activity that cannot store the decision, naming the case and the
    # error, not the text.
    found = await until(
        lambda: _incidents(api),
        lambda items: (
            {i["activity_type"] for i in items} == poisoned_activities
            and all(i["attempts"] >= 2 for i in items)
        ),
        "an incident for each poisoned activity, retried",
        within=30,
    )
    assert len(found) == len(poisoned_activities), found
    for incident in found:
        assert (incident["case_kind"], incident["case_id"]) == ("enrolment", enrolment_id)
        assert incident["error_type"] in {
            "CharacterNotInRepertoireError",
            "UntranslatableCharacterError",
        }
        assert "approved" not in incident["message"]
    assert await incidents_db.count_open(api.pool) == {"enrolment": len(found)}
    # Each is a regular activity's, retried by the server: a local write was handed on.
    history = await handle.fetch_history()
    assert poisoned_activities <= set(scheduled_activities(history))
    assert (LOCAL_INCIDENT_PATCH in patches(history)) is (path != "regular_activity")
    # Waiting holds the case's history still (no workflow task kept open and heartbeaten
    # while a write retries inside the worker), however long the incident stays open.
    attempts = max(i["attempts"] for i in found)
    await until(
        lambda: _incidents(api),
        lambda items: min(i["attempts"] for i in items) >= attempts + RETRIES_WATCHED,
        "the incidents retried on",
        within=RETRIES_WATCHED * 3,
    )
    assert len((await handle.fetch_history()).events) == len(history.events)
    # Stuck: the read model did not move while the activities keep failing.
    assert await _stage(api, enrolment_id) == "placement_review"

    # Repaired and resumed by an operator: the case goes on from where it stood.
    retried = await api.http.post(
        f"/incidents/{found[0]['incident_id']}/retry", headers=_operator(api)
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["repair_requested_by"] == "op-1"
    # Every incident of the case is resolved by the one repair: the case is whole again.
    await until(lambda: _incidents(api), lambda items: items == [], "the incidents resolved")
    await api.settled(enrolment_id)
    assert await _stage(api, enrolment_id) == "training"
    async with asyncio.timeout(SETTLE_SECONDS):  # answered once the stage change is written
        state = await update.result()
    assert state.stage.value == "training"
    stored = await api.pool.fetchval(
        "SELECT reason FROM enrolment_events WHERE enrolment_id = $1 AND reason LIKE 'approved%'",
        enrolment_id,
    )
    assert stored == "approved after review"
    assert await incidents_db.count_open(api.pool) == {}


async def test_the_worker_stops_while_a_poisoned_case_waits(
    api: ApiStack, cases: list[WorkflowHandle[Any, Any]]
) -> None:
    """A deployment while a case waits on an incident: its worker stops within seconds and the
    case still waits, its write a regular activity the server keeps. (A local write retried
    in the worker held the worker's shutdown for as long as the incident lasted.)"""
    handle, _, _ = await _poison(api, cases)
    await until(
        lambda: _incidents(api),
        lambda items: len(items) == 1 and items[0]["attempts"] >= 2,
        "the poisoned stage write retried as an incident",
        within=30,
    )
    assert api.worker is not None
    async with asyncio.timeout(20):
        await api.worker.shutdown()
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    assert await incidents_db.count_open(api.pool) == {"enrolment": 1}


async def test_only_operators_see_and_retry_incidents(api: ApiStack) -> None:
    assert (await api.http.get("/incidents", headers=api.caseworker())).status_code == 403
    assert (await api.http.post("/incidents/1/retry", headers=api.tpp())).status_code == 403
    missing = await api.http.post("/incidents/999999/retry", headers=_operator(api))
    assert missing.status_code == 404
    beyond = await api.http.post(f"/incidents/{2**70}/retry", headers=_operator(api))
    assert beyond.status_code == 422


def api_client(api: ApiStack) -> Any:
    assert api.app is not None
    return api.app.state.temporal
