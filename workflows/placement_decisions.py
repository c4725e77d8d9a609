"""After release, the placement follow-up: its state, its projection and the officer's
decisions (Updates whose validators run `domain/placement_rules.py`, so a refused decision
never enters history). The flow (check-ins, closing) is `placement.py`.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain import placement_rules as rules
    from domain import search
    from domain.placement import (
        PLACEMENT_KIND,
        RECORD_PLACEMENT_EVENT,
        CheckInInput,
        CheckInRecord,
        Contact,
        ContactInput,
        Outcome,
        OutcomeInput,
        PlacementEvent,
        PlacementEventKind,
        PlacementStart,
        PlacementState,
        PlacementStatus,
        Referral,
        ReferralInput,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.refusals import check
    from workflows.reviewer_tasks import ReviewerTasks, Settlement

ACTIVITY_RETRY = RetryPolicy(maximum_interval=timedelta(seconds=30))
ACTIVITY_TIMEOUT = timedelta(seconds=30)


class PlacementDecisions:
    @workflow.init
    def __init__(self, start: PlacementStart) -> None:
        self._start = start
        self._policy = start.policy
        self._state = PlacementState(
            placement_id=start.placement_id,
            journey_id=start.journey_id,
            inmate_sdp_no=start.inmate_sdp_no,
            release_kind=start.release_kind,
            released_at=start.released_at,
            last_upt=start.last_upt,
            programme_codes=start.programme_codes,
            certificates=start.certificates,
            contact_consent=start.contact_consent,
            started_at=workflow.now(),
        )
        self._tasks = ReviewerTasks(
            PLACEMENT_KIND,
            start.placement_id,
            {"placement_check_in": self._policy.check_in_working_days},
            events_seen=lambda: self._state.event_seq,
        )
        # Check-in tasks the flow has closed after their record: their Update answers then.
        self._settled: dict[str, Settlement] = {}
        self._closed_tasks: set[str] = set()

    # ------------------------------------------------------------ read model

    async def _set_status(self, status: PlacementStatus) -> None:
        self._state.status = status
        workflow.upsert_search_attributes([search.STAGE.value_set(status.value)])

    async def _emit(self, kind: PlacementEventKind, **detail: object) -> None:
        """Project one change; the event id is deterministic, so retries write once."""
        self._state.event_seq += 1
        seq = self._state.event_seq
        event = PlacementEvent.model_validate(
            {
                "event_id": f"{self._state.placement_id}:{seq}",
                "placement_id": self._state.placement_id,
                "workflow_id": workflow.info().workflow_id,
                "journey_id": self._state.journey_id,
                "inmate_sdp_no": self._state.inmate_sdp_no,
                "seq": seq,
                "kind": kind,
                "at": workflow.now(),
                "status": self._state.status,
                **detail,
            }
        )
        await workflow.execute_activity(
            RECORD_PLACEMENT_EVENT,
            event,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    @workflow.query
    def state(self) -> PlacementState:
        return self._state

    # ------------------------------------------------------------ the officer's decisions

    @workflow.update
    async def record_contact(self, contact: ContactInput) -> PlacementState:
        entry = Contact(
            actor=contact.actor,
            at=workflow.now(),
            reason=contact.reason,
            channel=contact.channel,
            reached=contact.reached,
        )
        self._state.contacts.append(entry)
        await self._emit(
            PlacementEventKind.CONTACT_RECORDED,
            actor=contact.actor,
            reason=contact.reason,
            contact=entry,
        )
        return self._state

    @record_contact.validator
    def validate_contact(self, contact: ContactInput) -> None:
        check(lambda: rules.check_officer(self._state, contact.actor))

    @workflow.update
    async def record_referral(self, referral: ReferralInput) -> PlacementState:
        entry = Referral(
            actor=referral.actor,
            at=workflow.now(),
            reason=referral.reason,
            kind=referral.kind,
            to=referral.to,
        )
        self._state.referrals.append(entry)
        await self._emit(
            PlacementEventKind.REFERRAL_RECORDED,
            actor=referral.actor,
            reason=referral.reason,
            referral=entry,
        )
        return self._state

    @record_referral.validator
    def validate_referral(self, referral: ReferralInput) -> None:
        check(lambda: rules.check_officer(self._state, referral.actor))

    @workflow.update
    async def record_outcome(self, outcome: OutcomeInput) -> PlacementState:
        entry = Outcome(
            actor=outcome.actor,
            at=workflow.now(),
            **outcome.model_dump(exclude={"actor"}),
        )
        self._state.outcome = entry
        await self._emit(
            PlacementEventKind.OUTCOME_RECORDED,
            actor=outcome.actor,
            reason=outcome.reason,
            outcome=entry,
        )
        return self._state

    @record_outcome.validator
    def validate_outcome(self, outcome: OutcomeInput) -> None:
        check(lambda: rules.check_outcome(self._state, outcome, workflow.now()))

    @workflow.update
    async def record_check_in(self, check_in: CheckInInput) -> PlacementState:
        current = self._state.open_check_in()
        assert current is not None  # the validator saw it open; nothing awaited since
        current.recorded = CheckInRecord(
            actor=check_in.actor,
            at=workflow.now(),
            reason=check_in.reason,
            reached=check_in.reached,
            job_confirmed=check_in.job_confirmed,
        )
        self._settled[current.task_id] = Settlement("recorded", check_in.actor, check_in.reason)
        await self._emit(
            PlacementEventKind.CHECK_IN_RECORDED,
            actor=check_in.actor,
            reason=check_in.reason,
            check_in=current,
        )
        # Answer once the flow has closed its inbox task (and closed the case, if it did).
        await workflow.wait_condition(lambda: current.task_id in self._closed_tasks)
        return self._state

    @record_check_in.validator
    def validate_check_in(self, check_in: CheckInInput) -> None:
        check(lambda: rules.check_check_in(self._state, check_in))
