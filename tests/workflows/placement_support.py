"""Builders and a driver for the placement follow-up tests (on top of `support.py`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain import placement_rules as rules
from domain.clock import local_date
from domain.custody import ReleaseKind
from domain.identity import Actor, Ministry, Role, Scope
from domain.journey import CertificateEntry
from domain.placement import (
    CheckIn,
    CheckInInput,
    ContactChannel,
    ContactInput,
    OutcomeInput,
    OutcomeKind,
    PlacementEvent,
    PlacementStart,
    PlacementState,
    ReferralInput,
    ReferralKind,
    placement_workflow_id,
)
from domain.policy import PlacementPolicy
from tests.temporal_support import quiet, until
from tests.workflows.support import INMATE_SDP_NO, UPT, Harness
from workflows.placement import PlacementWorkflow

OFFICER = Actor(
    subject="placement-1", role=Role.KEMNAKER_OFFICER, scope=Scope(ministry=Ministry.KEMNAKER)
)
NOT_KEMNAKER = Actor(
    subject="placement-x", role=Role.KEMNAKER_OFFICER, scope=Scope(ministry=Ministry.IMIGRASI)
)
CERTIFICATE = CertificateEntry(
    programme_code="BARISTA-2025",
    number="CERT/BNSP-SUB-TEST",
    issued_on=date(2026, 1, 10),
    valid_until=date(2029, 1, 10),
)

PlacementHandle = WorkflowHandle[PlacementWorkflow, PlacementState]


def contact(reached: bool = True) -> ContactInput:
    return ContactInput(
        actor=OFFICER, channel=ContactChannel.PHONE, reached=reached, reason="first call"
    )


def referral(kind: ReferralKind = ReferralKind.VACANCY) -> ReferralInput:
    return ReferralInput(
        actor=OFFICER, kind=kind, to="Barista, Kopi Nusantara Cikini", reason="fits the profile"
    )


def outcome(kind: OutcomeKind, *, start_date: date | None = None, **fields: Any) -> OutcomeInput:
    if kind is OutcomeKind.EMPLOYED:
        fields = {"employer": "PT Kopi Nusantara", "sector": "food and beverage"} | fields
        fields["start_date"] = start_date
    if kind is OutcomeKind.FURTHER_TRAINING:
        fields = {"training": "BLK Bekasi, barista lanjutan"} | fields
    return OutcomeInput(actor=OFFICER, outcome=kind, reason="confirmed by phone", **fields)


def check_in(month: int, *, reached: bool = True, job_confirmed: bool = False) -> CheckInInput:
    return CheckInInput(
        actor=OFFICER,
        month=month,
        reached=reached,
        job_confirmed=job_confirmed,
        reason="called the person" if reached else "no answer after three calls",
    )


class PlacementCase:
    """One placement case started directly (as a journey's acknowledgement would)."""

    def __init__(self, harness: Harness, handle: PlacementHandle, placement_id: str) -> None:
        self.harness = harness
        self.handle = handle
        self.placement_id = placement_id

    @classmethod
    async def start(
        cls, harness: Harness, *, consent: bool = True, policy: PlacementPolicy | None = None
    ) -> PlacementCase:
        now = await harness.now()
        journey_id = f"JRN-{uuid.uuid4().hex[:10]}"
        start = PlacementStart(
            placement_id=f"PLC-{journey_id}",
            journey_id=journey_id,
            journey_workflow_id=f"journey-{INMATE_SDP_NO}",
            inmate_sdp_no=INMATE_SDP_NO,
            release_kind=ReleaseKind.PB,
            released_at=now - timedelta(days=2),
            last_upt=UPT,
            programme_codes=[CERTIFICATE.programme_code],
            certificates=[CERTIFICATE],
            contact_consent=consent,
            acknowledged_by=OFFICER,
            acknowledged_at=now,
            policy=policy or PlacementPolicy(),
        )
        handle = await harness.env.client.start_workflow(
            PlacementWorkflow.run,
            start,
            id=placement_workflow_id(start.placement_id),
            task_queue=harness.task_queue,
        )
        harness.others.append(handle)  # type: ignore[arg-type]
        return cls(harness, handle, start.placement_id)

    async def state(self) -> PlacementState:
        return await self.handle.query(PlacementWorkflow.state)

    def events(self) -> list[PlacementEvent]:
        return self.harness.placements.events(self.placement_id)

    async def until(
        self, ready: Callable[[PlacementState], bool], what: str, within: float = 10.0
    ) -> PlacementState:
        return await until(self.state, ready, what, within, called="placement")

    async def update(self, update: Any, arg: Any) -> PlacementState:
        result: PlacementState = await self.handle.execute_update(update, arg)
        return result

    async def to_check_in(self, month: int) -> CheckIn:
        """Skip to the month's check-in; wait until its inbox task is open."""
        state = await self.state()
        await self.harness.skip_to(rules.add_months(state.started_at, month) + timedelta(minutes=1))
        state = await self.until(
            lambda s: any(c.month == month for c in s.check_ins), f"the {month}-month check-in"
        )
        current = next(c for c in state.check_ins if c.month == month)
        await until(
            lambda: asyncio.sleep(0, self.harness.tasks.open_now()),
            lambda tasks: any(t.task_id == current.task_id for t in tasks),
            "its inbox task",
        )
        return current

    async def record_check_in(self, arg: CheckInInput) -> PlacementState:
        return await self.update(PlacementWorkflow.record_check_in, arg)

    async def refused(self, update: Any, arg: Any) -> str:
        """Send an update that must be refused; prove nothing changed; return the refusal."""
        await quiet(self.handle)
        before, recorded = await self.state(), len(self.events())
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            async with asyncio.timeout(10):
                await self.handle.execute_update(update, arg)
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and cause.type is not None, cause
        await quiet(self.handle)
        assert await self.state() == before, "a refused input changed the placement"
        assert len(self.events()) == recorded, "a refused input was projected"
        return cause.type

    async def closed(self) -> PlacementState:
        result: PlacementState = await self.handle.result()
        return result


def today(moment: datetime) -> date:
    return local_date(moment)
