"""The Process A worker: the inmate journey, the enrolment workflows and their activities,
on one task queue (the journey starts enrolments as its children on the same queue)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from activities.audit_anchor import AuditAnchoring
from activities.certification import CertificationActivities
from activities.daily_notices import DailyNotices
from activities.enrolment_projection import EnrolmentProjection
from activities.enrolment_stage import EnrolmentStageWrites
from activities.journey_projection import JourneyProjection
from activities.reference_lookup import ReferenceLookup
from activities.tasks import TaskActivities
from activities.working_calendar import CalendarActivities, WorkingCalendar
from config.settings import WorkflowSandbox
from domain.enrolment import TASK_QUEUE
from domain.registries import BnspRegistry
from workers.incidents import INCIDENT_RETRY, IncidentInterceptor
from workers.log_context import LogContextInterceptor
from workers.workflow_runner import workflow_runner
from workflows.audit_anchor import AuditAnchorWorkflow
from workflows.daily_notices import DailyNoticesWorkflow
from workflows.enrolment import EnrolmentWorkflow
from workflows.journey import InmateJourneyWorkflow


def enrolment_worker(
    client: Client,
    pool: asyncpg.Pool,
    bnsp: BnspRegistry,
    calendar: WorkingCalendar,
    task_queue: str = TASK_QUEUE,
    *,
    incident_retry: timedelta = INCIDENT_RETRY,
    workflow_sandbox: WorkflowSandbox = WorkflowSandbox.ON,
    cached_workflows: int = 1000,
) -> Worker:
    """The worker; in Temporal's sandbox unless `workflow_sandbox` is off (the process passes
    SINERGI_WORKFLOW_SANDBOX, workers/workflow_runner.py), with a sticky cache of
    `cached_workflows` (SINERGI_WORKER_CACHED_WORKFLOWS)."""
    projection = EnrolmentProjection(pool)
    certification = CertificationActivities(bnsp)
    tasks = TaskActivities(pool)
    due_dates = CalendarActivities(calendar)
    return Worker(
        client,
        task_queue=task_queue,
        max_cached_workflows=cached_workflows,
        # The audit trail's anchoring (every process's chains) and the daily notices (every
        # person's digest, the permits ending) run here too.
        workflows=[
            InmateJourneyWorkflow,
            EnrolmentWorkflow,
            AuditAnchorWorkflow,
            DailyNoticesWorkflow,
        ],
        workflow_runner=workflow_runner(client.data_converter, workflow_sandbox),
        activities=[
            projection.record_event,
            JourneyProjection(pool).record_event,
            ReferenceLookup(pool).programmes_offered,
            certification.submit,
            certification.lookup,
            tasks.open_task,
            tasks.close_task,
            tasks.escalate_task,
            due_dates.compute_due_date,
            EnrolmentStageWrites(
                projection.record_event,
                tasks.close_task,
                tasks.open_task,
                due_dates.compute_due_date,
            ).write_stage,
            AuditAnchoring(pool).anchor,
            DailyNotices(pool).write,
        ],
        interceptors=[
            LogContextInterceptor(),
            IncidentInterceptor(pool, incident_retry=incident_retry),
        ],
    )
