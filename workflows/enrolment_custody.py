"""Process A, programme enrolment: custody events passed down by the inmate's journey.

The journey sends each custody event as a notice (a signal); the flow applies notices at
its next wait (`EnrolmentWorkflow._wait`), so they never race a stage change:
- a transfer moves the case, and its open inbox task, to the new UPT. Where the programme is
  not offered there, the case is suspended until the destination's TPP resumes or
  withdraws it;
- a sanction pauses the case until it ends; past the policy's threshold the TPP decides to
  continue or withdraw;
- release stops the case unfinished (the journey hands its training record over).
While a hold lasts the case's clocks stop: due dates, the planned end and the appeal window
move on by the time it stood still. History and progress are kept, never restarted.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from types import MappingProxyType

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from domain import enrolment_rules as rules
    from domain import search
    from domain.clock import start_of
    from domain.custody import (
        CustodyEvent,
        CustodyEventKind,
        Hold,
        HoldKind,
    )
    from domain.enrolment import (
        EventKind,
        Outcome,
        Stage,
        TransferRecord,
        UnitResult,
    )
    from domain.identity import Role, Scope
    from domain.journey import ENROLMENT_CLOSED_SIGNAL, TrainingRecord


with workflow.unsafe.imports_passed_through():
    from workflows.enrolment_case import EnrolmentCase

# Guards the flow's handling of custody notices; histories from before it have none.
CUSTODY_PATCH = "custody-events-v1"

# The inbox tasks of a hold decision, by hold kind.
REVIEW_KINDS = MappingProxyType(
    {HoldKind.TRANSFER: "transfer_review", HoldKind.SANCTION: "sanction_review"}
)


class Withdrawn(Exception):
    """Raised out of any wait once the TPP withdrew the enrolment; caught in `run`."""


class Released(Exception):
    """Raised out of any wait once the inmate was released; caught in `run`."""


class EnrolmentCustody:
    """Applies custody notices to the case it is given; held by `EnrolmentWorkflow`."""

    def __init__(self, case: EnrolmentCase) -> None:
        self._case = case

    # ------------------------------------------------------------ applying notices

    async def apply(self) -> timedelta:
        """Apply the notices received and sit out any hold: how long the case stood still."""
        # A lighter case (a later patch) applies notices from its start: no older marker.
        if not (self._case.events.local() or workflow.patched(CUSTODY_PATCH)):
            self._case.custody_inbox.clear()
            return timedelta(0)
        await self._apply_notices()
        if not self._case.state.holds:
            return timedelta(0)
        return await self._sit_out_holds()

    async def _apply_notices(self) -> None:
        while self._case.custody_inbox:
            notice = self._case.custody_inbox.pop(0)
            event = notice.event
            self._case.state.custody_event_ids.append(event.event_id)
            if event.kind is CustodyEventKind.TRANSFER:
                await self._transfer(event, notice.offered_at_destination is not False)
            elif event.kind is CustodyEventKind.SANCTION:
                await self._sanction(event)
            elif event.kind is CustodyEventKind.SANCTION_LIFTED:
                await self._lift(HoldKind.SANCTION, event.sanction_ref, "the sanction was lifted")
            else:
                self._case.release = event
                await self._case.record(
                    EventKind.RELEASED,
                    actor=event.actor,
                    reason=f"released ({event.release_kind})",
                    custody=event,
                )
        if self._case.release is not None:
            raise Released

    def _holds_apply(self) -> bool:
        # Once results are with BNSP nothing is left for the inmate to do: no hold applies.
        return self._case.state.stage is not Stage.CERTIFICATION

    async def _transfer(self, event: CustodyEvent, offered: bool) -> None:
        assert event.to_upt is not None
        old, new = self._case.state.upt_code, event.to_upt
        self._case.state.upt_code = new
        workflow.upsert_search_attributes([search.UPT.value_set(new)])
        self._case.state.transfers.append(
            TransferRecord(
                event_id=event.event_id,
                from_upt=old,
                to_upt=new,
                at=workflow.now(),
                continued=offered,
            )
        )
        # A later transfer replaces an earlier suspension: the latest destination decides.
        self._case.state.holds = [
            h for h in self._case.state.holds if h.kind is not HoldKind.TRANSFER
        ]
        if not offered and self._holds_apply():
            now = workflow.now()
            self._case.state.holds.append(
                Hold(kind=HoldKind.TRANSFER, event_id=event.event_id, since=now, ref=new,
                     review_from=now)
            )  # fmt: skip
        self._case.hold_version += 1
        where = "continues there" if offered else f"{new} does not offer the programme"
        await self._case.record(
            EventKind.TRANSFERRED,
            actor=event.actor,
            reason=f"transferred from {old} to {new}: {where}",
            custody=event,
        )
        await self._rehome_task(old)

    async def _rehome_task(self, old_upt: str) -> None:
        """The open task of a UPT's staff goes to the new UPT's: the old ones lose it."""
        work = self._case.state.awaiting
        if self._case.task_id is None or work is None or work.scope.upt != old_upt:
            return
        await self._case.tasks.close(
            self._case.task_id, None, f"transferred to {self._case.state.upt_code}"
        )
        work.scope = Scope(upt=self._case.state.upt_code)
        self._case.task_id = await self._case.tasks.open(work, self._case.state.stage.value)

    async def _sanction(self, event: CustodyEvent) -> None:
        assert event.sanction_ref is not None
        now = workflow.now()
        until = None
        if event.sanction_until is not None:
            until = start_of(event.sanction_until)
        threshold = timedelta(days=self._case.policy.sanction_review_after_days)
        # Declared longer than the threshold: the TPP decides at once, not a month later.
        review_from = now if until is not None and until - now > threshold else now + threshold
        if not self._holds_apply() or (until is not None and until <= now):
            return  # nothing left to pause (the journey's log keeps the event)
        hold = Hold(kind=HoldKind.SANCTION, event_id=event.event_id, since=now, until=until,
                    ref=event.sanction_ref, review_from=review_from)  # fmt: skip
        self._case.state.holds.append(hold)
        self._case.hold_version += 1
        lasting = f"until {event.sanction_until}" if event.sanction_until else "open-ended"
        await self._case.record(
            EventKind.HELD,
            actor=event.actor,
            reason=f"sanction {event.sanction_ref} ({lasting}): training pauses",
            custody=event,
            hold=hold,
        )

    async def _lift(self, kind: HoldKind, ref: str | None, why: str) -> None:
        for hold in [h for h in self._case.state.holds if h.kind is kind and h.ref == ref]:
            self._case.state.holds.remove(hold)
            self._case.hold_version += 1
            await self._case.record(EventKind.HOLD_LIFTED, reason=why, hold=hold)

    # ------------------------------------------------------------ standing still

    async def _sit_out_holds(self) -> timedelta:
        """Stand still while any hold lasts; then give the stage back with its clocks moved."""
        began = workflow.now()
        stage, work = self._case.state.stage, self._case.state.awaiting
        had_task = self._case.task_id is not None
        await self._case.drop_task(
            "on hold: " + ", ".join(h.kind.value for h in self._case.state.holds)
        )
        try:
            while self._case.state.holds:
                await self._hold_once()
        except (Withdrawn, Released):
            await self._case.drop_task("the enrolment stopped")
            raise
        held = workflow.now() - began
        self._case.held_total += held
        if work is not None:
            if work.due is not None:
                work.due += held
            if work.scope.upt is not None:
                work.scope = Scope(upt=self._case.state.upt_code)
        if not self._case.training_done:
            self._case.state.planned_end += timedelta(days=math.ceil(held / timedelta(days=1)))
        if self._case.state.appeal_open_until is not None:
            self._case.state.appeal_open_until += held
        await self._case.enter(stage, work)
        if had_task and work is not None:
            self._case.task_id = await self._case.tasks.open(work, stage.value)
        return held

    async def _hold_once(self) -> None:
        """One round of a hold: show it, open its review when due, wait for it to change."""
        now = workflow.now()
        review = rules.hold_awaiting_review(self._case.state, now)
        suspended = any(h.kind is HoldKind.TRANSFER for h in self._case.state.holds)
        work = None
        if review is not None:
            work = self._case.work(
                REVIEW_KINDS[review.kind], Role.TPP_MEMBER, Scope(upt=self._case.state.upt_code)
            )
        held_stage = Stage.SUSPENDED if suspended else Stage.PAUSED
        await self._case.enter(held_stage, work)
        if work is not None:
            self._case.task_id = await self._case.tasks.open(work, held_stage.value)
        version = self._case.hold_version
        wake = self._next_hold_moment(now)
        try:
            await workflow.wait_condition(
                lambda: (
                    self._case.hold_version != version
                    or bool(self._case.custody_inbox)
                    or self._case.withdrawal is not None
                ),
                timeout=None if wake is None else max(wake - now, timedelta(seconds=1)),
            )
        except TimeoutError:
            for hold in [
                h for h in self._case.state.holds if h.until and h.until <= workflow.now()
            ]:
                await self._lift(hold.kind, hold.ref, f"the sanction ended {hold.until}")
        if self._case.task_id is not None:
            settled, self._case.settled_by = self._case.settled_by, None
            await self._case.tasks.close(self._case.task_id, settled, "the hold changed")
            self._case.task_id = None
        if self._case.withdrawal is not None:
            raise Withdrawn
        await self._apply_notices()

    def _next_hold_moment(self, now: datetime) -> datetime | None:
        """When a hold changes by itself: a sanction ends, or its review falls due."""
        moments = [h.until for h in self._case.state.holds if h.until is not None]
        moments += [
            h.review_from
            for h in self._case.state.holds
            if h.review_from is not None and h.review_from > now and h.reviewed_by is None
        ]
        return min(moments, default=None)

    # ------------------------------------------------------------ closing

    def _release_referral(self) -> str:
        s = self._case.state
        if s.stage is Stage.CERTIFICATION and s.certification_ref is not None:
            return (
                f"assessed competent; BNSP submission {s.certification_ref} was pending at "
                "release: the certificate follows from BNSP"
            )
        return (
            f"finish {self._case.programme.name} ({self._case.programme.code}) at a Kemnaker BLK: "
            f"{len(s.modules_completed)} of {len(self._case.programme.modules)} modules done, "
            f"attended {s.attendance_present} of {len(s.attendance)} sessions recorded"
        )

    def _training_record(self, stage_at_close: Stage) -> TrainingRecord:
        s = self._case.state
        assert s.outcome is not None
        latest: dict[str, UnitResult] = {}
        for attempt in s.attempts:
            latest.update(attempt.results)
        return TrainingRecord(
            enrolment_id=s.enrolment_id,
            programme_code=s.programme_code,
            outcome=s.outcome,
            stage_at_close=stage_at_close,
            closed_at=workflow.now(),
            attendance_present=s.attendance_present,
            attendance_recorded=len(s.attendance),
            modules_completed=list(s.modules_completed),
            competent_units=sorted(u for u, r in latest.items() if r is UnitResult.K),
            certificate=s.certificate,
            certification_ref=s.certification_ref if s.certificate is None else None,
            referral=s.referral,
        )

    async def report_to_journey(self, stage_at_close: Stage) -> None:
        """Tell the journey this enrolment closed, with what it leaves behind."""
        if self._case.journey_id is None:
            return
        record = self._training_record(stage_at_close)
        journey = workflow.get_external_workflow_handle(self._case.journey_id)
        try:
            await journey.signal(ENROLMENT_CLOSED_SIGNAL, record)
        except FailureError as error:  # the journey is gone: the read model keeps the record
            workflow.logger.warning("journey did not take the closing report: %s", error)

    def unfinished(self) -> tuple[Outcome, str]:
        assert self._case.release is not None
        self._case.state.referral = self._release_referral()
        return (
            Outcome.UNFINISHED_AT_RELEASE,
            f"released ({self._case.release.release_kind}) at stage {self._case.state.stage.value}",
        )
