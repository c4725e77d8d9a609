"""The enrolment worker: Process A's workflow and its activities on one task queue."""

from __future__ import annotations

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from activities.certification import CertificationActivities
from activities.enrolment_projection import EnrolmentProjection
from domain.enrolment import TASK_QUEUE
from domain.registries import BnspRegistry
from workers.log_context import LogContextInterceptor
from workflows.enrolment import EnrolmentWorkflow


def enrolment_worker(
    client: Client, pool: asyncpg.Pool, bnsp: BnspRegistry, task_queue: str = TASK_QUEUE
) -> Worker:
    projection = EnrolmentProjection(pool)
    certification = CertificationActivities(bnsp)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[EnrolmentWorkflow],
        activities=[projection.record_event, certification.submit, certification.lookup],
        interceptors=[LogContextInterceptor()],
    )
