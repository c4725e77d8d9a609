"""Process A, the inmate journey: the release handover.

At release the journey waits for its enrolments to stop, packages their certificates and
training records with a skills profile, and hands the package to each receiver (the Bapas
for supervised releases, Kemnaker job placement always) through an inbox task. Each has
`handover_ack_days` to acknowledge, else its task escalates once; the journey ends when
every receiver has acknowledged.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

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


with workflow.unsafe.imports_passed_through():
    from workflows.journey_case import JourneyCase

# How long the journey waits at release for its enrolments to report that they stopped
# (they stop at their next wait; longer means a worker or Postgres is down). Past it the
# handover goes out with the records it has; a late report still lands in the state.
_STOP_GRACE = timedelta(days=1)

_RECEIVER_WORK = {
    HandoverReceiver.BAPAS: Role.BAPAS_OFFICER,
    HandoverReceiver.JOB_PLACEMENT: Role.KEMNAKER_OFFICER,
}


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
            self._case.closed_handovers.add(handover.handover_id)

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
