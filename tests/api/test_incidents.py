"""A case poisoned by text Postgres cannot store is seen as an incident and recovered.

The poison goes in the old way, past the API's text rule: the placement Update is sent
straight through the Temporal client with a NUL in its reason, as any client could before
domain/text.py existed. The workflow accepts it (its history is the record), the projection
activity cannot store it, and without the incident path the case would stay where it was,
retried forever, silently.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import WorkflowUpdateStage

from db import incidents as incidents_db
from domain.enrolment import PlacementChoice, PlacementDecision, enrolment_workflow_id
from domain.identity import Actor, Role, Scope
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack
from tests.temporal_support import until
from workflows.enrolment import EnrolmentWorkflow

POISONED_ACTIVITIES = {"record_enrolment_event", "close_task"}


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


async def test_a_poisoned_case_is_an_incident_and_resumes_after_repair(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await api.settled(enrolment_id)
    handle = api_client(api).get_workflow_handle(enrolment_workflow_id(enrolment_id))
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

    # Seen: an incident per activity that cannot store the decision (the projection and the
    # closing of the placement task), naming the case and the error, not the text.
    found = await until(
        lambda: _incidents(api),
        lambda items: (
            {i["activity_type"] for i in items} == POISONED_ACTIVITIES
            and all(i["attempts"] >= 2 for i in items)
        ),
        "an incident for each poisoned activity, retried",
        within=30,
    )
    for incident in found:
        assert (incident["case_kind"], incident["case_id"]) == ("enrolment", enrolment_id)
        assert incident["error_type"] in {
            "CharacterNotInRepertoireError",
            "UntranslatableCharacterError",
        }
        assert "approved" not in incident["message"]
    assert await incidents_db.count_open(api.pool) == {"enrolment": len(found)}
    # Stuck: the read model did not move while the activities keep failing.
    assert await _stage(api, enrolment_id) == "placement_review"
    incident = next(i for i in found if i["activity_type"] == "record_enrolment_event")

    # Repaired and resumed by an operator: the case goes on from where it stood.
    retried = await api.http.post(
        f"/incidents/{incident['incident_id']}/retry", headers=_operator(api)
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["repair_requested_by"] == "op-1"
    # Every incident of the case is resolved by the one repair: the case is whole again.
    await until(lambda: _incidents(api), lambda items: items == [], "the incidents resolved")
    state = await update.result()
    assert state.stage.value == "training"
    await api.settled(enrolment_id)
    assert await _stage(api, enrolment_id) == "training"
    stored = await api.pool.fetchval(
        "SELECT reason FROM enrolment_events WHERE enrolment_id = $1 AND reason LIKE 'approved%'",
        enrolment_id,
    )
    assert stored == "approved after review"
    assert await incidents_db.count_open(api.pool) == {}


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
