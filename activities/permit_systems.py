"""The ministries' systems behind a TKA permit, as activities.

`KemnakerSystems` (SIMPONI billing, the working-day calendar) run on Kemnaker's worker;
`ImigrasiSystems` (SIMKIM) only on Imigrasi's: each worker registers only its own, so a call
to Imigrasi's systems can never run on Kemnaker's side. A refusal from a system (a 4xx) will
not change on retry: it fails the activity for a person to look at; unavailability retries.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.working_calendar import WorkingCalendar
from domain.permit import (
    COMPUTE_WORKING_DAYS_BEFORE,
    CREATE_BILLING,
    ISSUE_EPO,
    ISSUE_ITAS,
    ISSUE_VISA,
    NOTIFY_SIMKIM,
    RUN_IMMIGRATION_CHECKS,
    SIMKIM_UNKNOWN_REFERENCE,
    BillingCode,
    BillingRequest,
    CalendarDay,
    ChecksRequest,
    DocumentNumber,
    DocumentRequest,
    ImmigrationChecks,
    KemnakerNotification,
    SimkimReceipt,
    WorkingDaysBefore,
)
from domain.permit_registries import SimkimRegistry, SimponiRegistry
from domain.working_days import subtract_working_days
from registries.errors import RegistryRejected

log = structlog.get_logger(__name__)
T = TypeVar("T")


async def _refusals_final(call: Awaitable[T]) -> T:
    try:
        return await call
    except RegistryRejected as error:
        # A 404 from SIMKIM is an unknown reference (it lost the notification, e.g. a
        # simulator restarted with Imigrasi's worker): the workflow can notify again.
        kind = SIMKIM_UNKNOWN_REFERENCE if error.status_code == 404 else "SystemRejected"
        raise ApplicationError(str(error), type=kind, non_retryable=True) from None


class KemnakerSystems:
    def __init__(self, simponi: SimponiRegistry, calendar: WorkingCalendar) -> None:
        self._simponi = simponi
        self._calendar = calendar

    @activity.defn(name=CREATE_BILLING)
    async def create_billing(self, request: BillingRequest) -> BillingCode:
        # The idempotency key travels to SIMPONI: a retried request gets the same code.
        code = await _refusals_final(self._simponi.create_billing(request))
        log.info("dkptka_billed", application_id=request.application_id, amount=request.amount_usd)
        return code

    @activity.defn(name=COMPUTE_WORKING_DAYS_BEFORE)
    async def working_days_before(self, request: WorkingDaysBefore) -> CalendarDay:
        # In an activity, like every due date: a calendar change never alters a replay.
        return CalendarDay(
            day=subtract_working_days(request.day, request.working_days, self._calendar)
        )


class ImigrasiSystems:
    def __init__(self, simkim: SimkimRegistry) -> None:
        self._simkim = simkim

    @activity.defn(name=NOTIFY_SIMKIM)
    async def notify(self, notification: KemnakerNotification) -> SimkimReceipt:
        receipt = await _refusals_final(self._simkim.notify(notification))
        log.info("simkim_notified", application_id=notification.application_id)
        return receipt

    @activity.defn(name=RUN_IMMIGRATION_CHECKS)
    async def run_checks(self, request: ChecksRequest) -> ImmigrationChecks:
        return await _refusals_final(self._simkim.run_checks(request))

    @activity.defn(name=ISSUE_VISA)
    async def issue_visa(self, request: DocumentRequest) -> DocumentNumber:
        return await _refusals_final(self._simkim.issue_visa(request))

    @activity.defn(name=ISSUE_ITAS)
    async def issue_itas(self, request: DocumentRequest) -> DocumentNumber:
        return await _refusals_final(self._simkim.issue_itas(request))

    @activity.defn(name=ISSUE_EPO)
    async def issue_epo(self, request: DocumentRequest) -> DocumentNumber:
        return await _refusals_final(self._simkim.issue_epo(request))
