"""A retried workflow task that numbers its events differently loses nothing: the real
workflow, the real worker and real Postgres.

The incident of benchmarks/NOTES.md ("A local write's task that never completed"): a case's
first workflow task stored its local writes (the request, the stage change to placement
review, the review's inbox task), the worker died before the task completed, and the next
attempt carried the TPP's decision as well, which took event number 2. The stored writes are
set down here as that attempt left them, a little earlier; the retry is the real workflow's,
with the decision delivered with its start. The first-task patch keeps this case from
renumbering (tests/workflows/test_enrolment_first_task.py), so it is switched off here, as a
worker without it (or a later task, where the same can happen) would run.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
import pytest
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment

from activities.working_calendar import WorkingCalendar
from db import audit_trail, tasks
from db import enrolments as enrolment_db
from domain.audit_chain import chain_id
from domain.enrolment import (
    EnrolmentEvent,
    EnrolmentRequest,
    EnrolmentSummary,
    EventKind,
    PlacementChoice,
    PlacementDecision,
    Stage,
    enrolment_workflow_id,
)
from domain.identity import Actor, Role, Scope
from domain.tasks import TaskOpening, TaskState
from registries.bnsp import BnspSimulator
from tests.enrolment_rows import CASEWORKER, UPT, barista_request, summary
from tests.temporal_support import terminate, until
from workers.enrolment import enrolment_worker
from workflows import enrolment_case
from workflows.enrolment import EnrolmentWorkflow

TPP = Actor(subject="tpp-1", role=Role.TPP_MEMBER, scope=Scope(upt=UPT))


def _summary(awaiting: str | None) -> EnrolmentSummary:
    return summary(
        Stage.PLACEMENT_REVIEW,
        awaiting=awaiting,
        awaiting_role=Role.TPP_MEMBER if awaiting else None,
    )


async def _dead_attempt(pool: asyncpg.Pool, request: EnrolmentRequest, at: datetime) -> None:
    """What the first attempt stored before its worker died (its local stage write)."""
    eid = request.enrolment_id

    def event(seq: int, kind: EventKind, **detail: object) -> EnrolmentEvent:
        return EnrolmentEvent.model_validate(
            {"event_id": f"{eid}:{seq}", "enrolment_id": eid,
             "workflow_id": enrolment_workflow_id(eid), "seq": seq, "kind": kind, "at": at}
            | detail
        )  # fmt: skip

    async with pool.acquire() as conn:
        await enrolment_db.apply_event(
            conn,
            event(
                1,
                EventKind.REQUESTED,
                summary=_summary(None),
                request=request,
                actor=CASEWORKER,
                reason=request.reason,
            ),
        )
        await enrolment_db.apply_event(
            conn, event(2, EventKind.STAGE_CHANGED, summary=_summary("placement_review"))
        )
        await tasks.open_task(
            conn,
            TaskOpening(
                task_id=f"{eid}:task:1",
                case_kind="enrolment",
                case_id=eid,
                workflow_id=enrolment_workflow_id(eid),
                kind="placement_review",
                stage=Stage.PLACEMENT_REVIEW.value,
                required_role=Role.TPP_MEMBER,
                scope=Scope(upt=UPT),
                opened_at=at,
            ),
        )


async def test_a_decision_the_retry_numbered_differently_is_in_the_read_model_and_the_trail(
    pool: asyncpg.Pool, time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(enrolment_case, "DECISION_AFTER_FIRST_WAIT_PATCH", None)
    env = time_skipping_env
    queue = f"retried-task-{uuid.uuid4().hex[:8]}"
    now = await env.get_current_time()
    request = await barista_request(
        pool,
        f"ENR-{uuid.uuid4().hex[:8].upper()}",
        "CPN-2024-00123",
        start=now.date(),
        reason="wants to work",
    )
    eid = request.enrolment_id
    await _dead_attempt(pool, request, now - timedelta(seconds=30))

    worker = enrolment_worker(env.client, pool, BnspSimulator(), WorkingCalendar(), queue)
    async with worker:
        start = WithStartWorkflowOperation(
            EnrolmentWorkflow.run,
            request,
            id=enrolment_workflow_id(eid),
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            task_queue=queue,
        )
        decision = PlacementDecision(
            actor=TPP, decision=PlacementChoice.APPROVE, reason="fits the inmate's plan"
        )
        try:
            await env.client.execute_update_with_start_workflow(
                EnrolmentWorkflow.decide_placement, decision, start_workflow_operation=start
            )

            async def events() -> list[tuple[int, str]]:
                rows = await pool.fetch(
                    "SELECT seq, kind FROM enrolment_events WHERE enrolment_id = $1 ORDER BY seq",
                    eid,
                )
                return [(r["seq"], r["kind"]) for r in rows]

            # The retry numbered the decision 2, as in the incident.
            assert await until(
                events, lambda e: len(e) >= 4, "the retry's writes", within=60, called="events"
            ) == [(1, "requested"), (2, "placement_decided"), (3, "stage_changed"),
                  (4, "stage_changed")]  # fmt: skip
        finally:
            await terminate(await start.workflow_handle())

    record = await enrolment_db.get_enrolment(pool, eid)
    assert record is not None
    assert record.stage is Stage.TRAINING
    review = await tasks.get_task(pool, f"{eid}:task:1")
    assert review is not None
    assert (review.state, review.decided_by) == (TaskState.DECIDED, "tpp-1")
    training = await tasks.get_task(pool, f"{eid}:task:2")
    assert training is not None
    assert training.state is TaskState.OPEN
    trail = await audit_trail.case_trail(pool, chain_id("enrolment", eid))
    read = [(e.detail.get("event_seq"), e.kind) for e in trail]
    assert read.index((2, "stage_changed")) < read.index((2, "superseded"))
    assert read.index((2, "superseded")) < read.index((2, "placement_decided"))
    assert (await audit_trail.verify(pool, chain=chain_id("enrolment", eid))).ok
