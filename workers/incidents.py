"""Every activity's failure classified: an outage is retried soon, a failure no retry can cure
becomes an incident an operator sees, repairs and resumes.

Why an interceptor and not a non-retryable error: a non-retryable failure would fail the
workflow's `execute_activity`, and no workflow of Sinergi handles that (a running case would
notice: its code would have to change behind a patch). Instead the activity stays retryable
with the same retry policy, every workflow untouched, and this worker decides the pace:

- Postgres unavailable (connection refused or lost, restarting, pool exhausted): the next
  attempt in `outage_retry` (1 s), so a case catches up within seconds of Postgres coming back
  instead of at the retry policy's 30 s maximum interval;
- Postgres refused the data (`DataError` and its kin: NUL, untranslatable characters, numbers
  beyond the column, invalid input; text Python cannot encode): error type `PoisonedInput`, an
  incident row, and the next attempt only in `incident_retry` (10 s): the case waits visibly.
  `POST /incidents/{id}/retry` marks the incident for repair; the next attempt runs on the
  input repaired by `domain.text.sanitise` and, once it succeeds, the incident is resolved and
  the case goes on from where it stood. A local write that Postgres refuses is no incident of
  its own: it fails at once and its workflow runs it again as a regular activity, which is
  (see `_handed_on` and workflows/case_events.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import structlog
from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from db import incidents
from db.failures import is_outage, is_permanent
from domain.errors import POISONED_INPUT
from domain.text import RECORDED_CONTEXT, sanitise

log = structlog.get_logger(__name__)

POSTGRES_UNAVAILABLE = "PostgresUnavailable"
INCIDENT_RETRY = timedelta(seconds=10)
OUTAGE_RETRY = timedelta(seconds=1)


def repaired(value: Any) -> Any:
    """The argument with every string sanitised, models rebuilt as they were read."""
    if isinstance(value, BaseModel):
        data = repaired(value.model_dump(mode="json"))
        return type(value).model_validate(data, context=RECORDED_CONTEXT)
    if isinstance(value, str):
        return sanitise(value)
    if isinstance(value, dict):
        return {repaired(k): repaired(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(repaired(v) for v in value)
    return value


class _ClassifyFailures(ActivityInboundInterceptor):
    def __init__(
        self,
        next: ActivityInboundInterceptor,
        pool: asyncpg.Pool,
        incident_retry: timedelta,
        outage_retry: timedelta,
    ) -> None:
        super().__init__(next)
        self._pool = pool
        self._incident_retry = incident_retry
        self._outage_retry = outage_retry

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        ref = incidents.ActivityRef(
            workflow_id=info.workflow_id or "",
            run_id=info.workflow_run_id or "",
            activity_id=info.activity_id,
            activity_type=info.activity_type,
        )
        retrying = info.attempt > 1  # an incident needs a first failure: skip the look-up
        if retrying and await self._repair_requested(ref):
            input.args = [repaired(arg) for arg in input.args]
            log.warning("activity_input_repaired", incident_activity=ref.activity_id)
        try:
            result = await self.next.execute_activity(input)
        except Exception as error:
            raise await self._classified(ref, error) from error
        if retrying:
            await self._resolve(ref)
        return result

    async def _classified(self, ref: incidents.ActivityRef, error: Exception) -> Exception:
        if is_permanent(error) and _handed_on():
            # A local write the workflow will run again as a regular activity (see
            # workflows/case_events.py): that activity is the incident, not this attempt.
            log.warning("local_activity_poisoned_handed_on", error_type=type(error).__name__)
            return ApplicationError(
                f"{type(error).__name__}: Postgres refused this local write's data; "
                "the workflow runs it again as an activity",
                type=POISONED_INPUT,
                non_retryable=True,
            )
        if is_permanent(error):
            kind = type(error).__name__
            try:
                incident_id = await incidents.record(self._pool, ref, kind, str(error))
            except (OSError, asyncpg.PostgresError) as unrecorded:  # retried next attempt
                log.error("incident_not_recorded", error=type(unrecorded).__name__)
                incident_id = None
            log.error("activity_poisoned", incident_id=incident_id, error_type=kind)
            return ApplicationError(
                f"{kind}: Postgres refused this activity's data; incident {incident_id}. "
                "Repair and resume with POST /incidents/{id}/retry",
                type=POISONED_INPUT,
                next_retry_delay=self._incident_retry,
            )
        if is_outage(error):
            return ApplicationError(
                f"Postgres unavailable ({type(error).__name__}); retrying",
                type=POSTGRES_UNAVAILABLE,
                next_retry_delay=self._outage_retry,
            )
        return error

    async def _repair_requested(self, ref: incidents.ActivityRef) -> bool:
        try:
            return await incidents.repair_requested(self._pool, ref)
        except (OSError, asyncpg.PostgresError):
            return False  # an outage: the activity will meet it and say so

    async def _resolve(self, ref: incidents.ActivityRef) -> None:
        try:
            await incidents.resolve(self._pool, ref, "succeeded on retry")
        except (OSError, asyncpg.PostgresError) as error:
            log.error("incident_not_resolved", error=type(error).__name__)


def _handed_on() -> bool:
    """Whether this is a local activity whose workflow hands a poisoned write on to a regular
    activity (it said so: its retry policy does not retry `PoisonedInput`). A local activity
    that did not say so is retried in the worker and is an incident itself, as before."""
    info = activity.info()
    policy = info.retry_policy
    return (
        info.is_local
        and policy is not None
        and POISONED_INPUT in (policy.non_retryable_error_types or ())
    )


class IncidentInterceptor(Interceptor):
    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        incident_retry: timedelta = INCIDENT_RETRY,
        outage_retry: timedelta = OUTAGE_RETRY,
    ) -> None:
        self._pool = pool
        self._incident_retry = incident_retry
        self._outage_retry = outage_retry

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ClassifyFailures(next, self._pool, self._incident_retry, self._outage_retry)
