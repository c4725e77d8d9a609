"""After release: Kemnaker job placement's follow-up of one released person.

Started by the inmate's journey when job placement acknowledges the release handover (one
per journey, `placement-PLC-{journey_id}`, on Kemnaker's task queue). Without the person's
consent to be contacted it keeps the certificates and closes at once. Otherwise a check-in
opens as an inbox task at 1, 3 and 6 months (due in working days, escalated to the Kemnaker
supervisor when overdue; a check-in still open when the next one opens is missed); the case
closes at the last check-in, or earlier at a check-in that confirms a job held 3 months.
Contacts, referrals and the outcome are recorded at any time while it is open
(`placement_decisions.py`). The rules are `domain/placement_rules.py`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import placement_rules as rules
    from domain import search
    from domain.enrolment import AwaitedWork
    from domain.identity import Ministry, Role, Scope
    from domain.placement import (
        CHECK_IN_TASK,
        PLACEMENT_KIND,
        CheckIn,
        CloseReason,
        PlacementEventKind,
        PlacementStart,
        PlacementState,
        PlacementStatus,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.placement_decisions import PlacementDecisions

_KEMNAKER = Scope(ministry=Ministry.KEMNAKER)


@workflow.defn
class PlacementWorkflow(PlacementDecisions):
    @workflow.run
    async def run(self, start: PlacementStart) -> PlacementState:
        workflow.upsert_search_attributes(
            [
                search.KIND.value_set(PLACEMENT_KIND),
                search.STAGE.value_set(self._state.status.value),
            ]
        )
        await self._emit(
            PlacementEventKind.STARTED,
            actor=start.acknowledged_by,
            reason="job placement took the release handover over",
            start=start,
        )
        if not start.contact_consent:
            await self._close(CloseReason.NO_CONSENT)
            return self._state
        months = sorted(set(self._policy.check_in_months))
        for index, month in enumerate(months):
            await self._sleep_until(rules.add_months(self._state.started_at, month))
            last = index == len(months) - 1
            next_opens = (
                None if last else rules.add_months(self._state.started_at, months[index + 1])
            )
            if await self._check_in(month, next_opens) and rules.job_held(
                self._state, workflow.now(), self._policy.job_held_months
            ):
                await self._close(CloseReason.JOB_HELD)
                break
            self._answer_check_in()
        else:
            await self._close(CloseReason.FOLLOW_UP_ENDED)
        self._answer_check_in()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    async def _sleep_until(self, moment: datetime) -> None:
        while (left := moment - workflow.now()) > timedelta(0):
            await workflow.sleep(left)

    async def _check_in(self, month: int, next_opens: datetime | None) -> bool:
        """Open the month's check-in and wait for it: escalate when it falls due, give it up
        when the next check-in opens (or, for the last, a grace period past its due date).
        True when it was recorded."""
        now = workflow.now()
        work = AwaitedWork(
            kind=CHECK_IN_TASK, role=Role.KEMNAKER_OFFICER, scope=_KEMNAKER, since=now
        )
        task_id = await self._tasks.open(work, PlacementStatus.FOLLOWING_UP.value)
        check_in = CheckIn(month=month, opened_at=now, task_id=task_id, due_at=work.due)
        self._state.check_ins.append(check_in)
        await self._emit(PlacementEventKind.CHECK_IN_OPENED, check_in=check_in)
        grace = timedelta(days=self._policy.final_check_in_grace_days)
        gives_up = next_opens or (check_in.due_at or now) + grace
        while check_in.open:
            moments = [gives_up]
            if check_in.escalated_at is None and check_in.due_at is not None:
                moments.append(check_in.due_at)
            wake = min(moments)
            try:
                await workflow.wait_condition(
                    lambda: not check_in.open,
                    timeout=max(wake - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                await self._overdue(check_in, gives_up)
        if check_in.recorded is None:
            return False
        await self._tasks.close(task_id, self._settled[task_id], "")
        return True

    async def _overdue(self, check_in: CheckIn, gives_up: datetime) -> None:
        now = workflow.now()
        due = check_in.due_at
        if check_in.open and check_in.escalated_at is None and due is not None and now >= due:
            check_in.escalated_at = now
            await self._tasks.escalate(
                check_in.task_id,
                Role.SUPERVISOR,
                f"the {check_in.month}-month check-in of placement {self._state.placement_id} "
                f"was not recorded within {self._policy.check_in_working_days} working days",
            )
            await self._emit(PlacementEventKind.CHECK_IN_ESCALATED, check_in=check_in)
        if check_in.open and workflow.now() >= gives_up:
            check_in.missed_at = workflow.now()
            await self._tasks.close(
                check_in.task_id, None, f"the {check_in.month}-month check-in was not recorded"
            )
            await self._emit(PlacementEventKind.CHECK_IN_MISSED, check_in=check_in)

    def _answer_check_in(self) -> None:
        """Let the recorded check-in's Update answer, with the case as it now stands."""
        self._closed_tasks.update(self._settled)

    async def _close(self, reason: CloseReason) -> None:
        self._state.closed_at = workflow.now()
        self._state.close_reason = reason
        await self._set_status(PlacementStatus.CLOSED)
        what = {
            CloseReason.NO_CONSENT: "no consent to be contacted: the certificates are kept",
            CloseReason.FOLLOW_UP_ENDED: "the follow-up ended with its last check-in",
            CloseReason.JOB_HELD: "a job held for "
            f"{self._policy.job_held_months} months was confirmed",
        }[reason]
        await self._emit(PlacementEventKind.CLOSED, reason=what, close_reason=reason)
