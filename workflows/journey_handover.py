"""Process A, the inmate journey: the release handover.

At release the journey waits for its enrolments to stop, packages their certificates and
training records with a skills profile, and hands the package to each receiver (the Bapas
for supervised releases, Kemnaker job placement always) through an inbox task. Each has
`handover_ack_days` to acknowledge, else its task escalates once; the journey ends when
every receiver has acknowledged.
"""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from domain import journey_rules as rules
    from domain.enrolment import AwaitedWork
    from domain.identity import Ministry, Role, Scope
    from domain.journey import (
        Handover,
        HandoverReceiver,
        JourneyEventKind,
        JourneyStatus,
    )
    from domain.placement import PlacementStart, placement_id_for, placement_workflow_id


with workflow.unsafe.imports_passed_through():
    from workflows.journey_case import JourneyCase
    from workflows.placement import PlacementWorkflow

# How long the journey waits at release for its enrolments to report that they stopped
# (they stop at their next wait; longer means a worker or Postgres is down). Past it the
# handover goes out with the records it has; a late report still lands in the state.
_STOP_GRACE = timedelta(days=1)

# Job placement's acknowledgement starts the placement follow-up (added after journeys were
# running: histories from before it end without one).
PLACEMENT_PATCH = "placement-follow-up-v1"

_RECEIVER_WORK = MappingProxyType(
    {
        HandoverReceiver.BAPAS: Role.BAPAS_OFFICER,
        HandoverReceiver.JOB_PLACEMENT: Role.KEMNAKER_OFFICER,
    }
)


class JourneyHandover:
    """The release handover of the case it is given; held by `InmateJourneyWorkflow`."""

    def __init__(self, case: JourneyCase) -> None:
        self._case = case

    async def hand_over(self) -> None:
        await workflow.wait_condition(
            lambda: not self._case.state.active_enrolments(), timeout=_STOP_GRACE
        )
        self._case.state.package = rules.handover_package(self._case.state)
        now = workflow.now()
        due = now + timedelta(days=self._case.policy.handover_ack_days)
        self._case.state.handovers = [
            Handover(
                handover_id=f"{self._case.state.journey_id}:{receiver.value}",
                receiver=receiver,
                bapas_code=bapas_code,
                sent_at=now,
                due_at=due,
            )
            for receiver, bapas_code in rules.receivers(self._case.state)
        ]
        await self._case.set_status(JourneyStatus.HANDOVER)
        for handover in self._case.state.handovers:
            await self._send(handover)
        while (
            any(h.acknowledged is None for h in self._case.state.handovers)
            or self._unclosed_acknowledgements()
        ):
            await self._await_acknowledgements()
        await self._case.set_status(JourneyStatus.ENDED)
        await self._case.record(JourneyEventKind.ENDED, reason="every handover was acknowledged")

    async def _send(self, handover: Handover) -> None:
        """Open the receiver's inbox task and project the handover with its package."""
        if handover.bapas_code is not None:
            scope = Scope(bapas=handover.bapas_code)
        else:
            scope = Scope(ministry=Ministry.KEMNAKER)
        work = AwaitedWork(
            kind=f"handover_{handover.receiver.value}",
            role=_RECEIVER_WORK[handover.receiver],
            scope=scope,
            since=handover.sent_at,
            due=handover.due_at,
        )
        handover.task_id = await self._case.tasks.open(work, JourneyStatus.HANDOVER.value)
        await self._case.record(
            JourneyEventKind.HANDOVER_SENT, handover=handover, package=self._case.state.package
        )

    def _unclosed_acknowledgements(self) -> list[Handover]:
        """Acknowledged handovers whose inbox task is still open."""
        return [
            h
            for h in self._case.state.handovers
            if h.handover_id in self._case.acks and h.handover_id not in self._case.closed_handovers
        ]

    async def _await_acknowledgements(self) -> None:
        """Wait for the next acknowledgement (escalating what falls due), then close the
        inbox task of every acknowledged handover. An acknowledgement may already have
        arrived while the handovers were being sent: then there is nothing to wait for."""
        if not self._unclosed_acknowledgements():
            unescalated = [
                h.due_at
                for h in self._case.state.handovers
                if h.acknowledged is None and h.escalated_at is None
            ]
            next_due = min(unescalated, default=None)
            try:
                await workflow.wait_condition(
                    lambda: bool(self._unclosed_acknowledgements()),
                    timeout=None
                    if next_due is None
                    else max(next_due - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                for handover in self._case.state.handovers:
                    overdue = handover.due_at <= workflow.now()
                    if overdue and handover.acknowledged is None and not handover.escalated_at:
                        await self._escalate(handover)
        for handover in self._unclosed_acknowledgements():
            assert handover.task_id is not None
            await self._case.tasks.close(
                handover.task_id, self._case.acks[handover.handover_id], ""
            )
            if handover.receiver is HandoverReceiver.JOB_PLACEMENT and workflow.patched(
                PLACEMENT_PATCH
            ):
                await self._start_placement(handover)
            self._case.closed_handovers.add(handover.handover_id)

    async def _start_placement(self, handover: Handover) -> None:
        """Start job placement's follow-up on Kemnaker's queue. It outlives the journey
        (ABANDON) and its id comes from the journey's, so it is started once."""
        state, policy = self._case.state, self._case.policy
        ack, release, package = handover.acknowledged, state.release, state.package
        assert ack is not None and release is not None and package is not None
        placement_id = placement_id_for(state.journey_id)
        start = PlacementStart(
            placement_id=placement_id,
            journey_id=state.journey_id,
            journey_workflow_id=workflow.info().workflow_id,
            inmate_sdp_no=state.inmate_sdp_no,
            release_kind=release.kind,
            released_at=release.at,
            last_upt=state.upt_code,
            programme_codes=sorted({e.programme_code for e in state.enrolments}),
            certificates=package.certificates,
            contact_consent=bool(ack.contact_consent),  # unknown: not to be contacted
            acknowledged_by=ack.actor,
            acknowledged_at=ack.at,
            policy=policy.placement,
        )
        try:
            await workflow.start_child_workflow(
                PlacementWorkflow.run,
                start,
                id=placement_workflow_id(placement_id),
                task_queue=policy.placement_task_queue,
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        except WorkflowAlreadyStartedError:
            workflow.logger.info("placement %s was already started", placement_id)
        await self._case.record(
            JourneyEventKind.PLACEMENT_STARTED,
            reason=f"placement follow-up {placement_id} "
            + ("started" if start.contact_consent else "kept the certificates (no consent)"),
        )

    async def _escalate(self, handover: Handover) -> None:
        handover.escalated_at = workflow.now()
        assert handover.task_id is not None
        await self._case.tasks.escalate(
            handover.task_id,
            Role.SUPERVISOR,
            f"the {handover.receiver.value} handover of inmate {self._case.state.inmate_sdp_no} "
            f"was not acknowledged within {self._case.policy.handover_ack_days} days",
        )
        await self._case.record(JourneyEventKind.HANDOVER_ESCALATED, handover=handover)
