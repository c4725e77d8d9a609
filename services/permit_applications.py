"""Submitting a TKA permit application (Process B, step 1): the rules and the start, for
`POST /permits` and the employer's application form (web/application_pages.py) alike.

`start_application` runs inside the caller's transaction: the read-model row is reserved and
the documents attached in it, then the workflow is started; if the start fails the
transaction rolls back and nothing is stored. The form's drafts lock their row in the same
transaction, so a draft submitted twice starts one application (its id derives from the
draft's)."""

from __future__ import annotations

import uuid

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

from config.settings import Settings
from db import permits as permit_db
from db.connect import Connection
from documents import service as documents_service
from domain.identity import Actor
from domain.permit import PermitApplication, PermitApplicationFields, PermitRun, permit_workflow_id
from domain.permit_rules import check_submission
from workflows.permit import PermitWorkflow

log = structlog.get_logger(__name__)


def new_application_id() -> str:
    return f"TKA-{uuid.uuid4().hex[:12].upper()}"


async def start_application(
    conn: Connection,
    pool: asyncpg.Pool,
    temporal: Client,
    settings: Settings,
    employer_nib: str | None,
    actor: Actor,
    body: PermitApplicationFields,
    application_id: str,
) -> PermitApplication:
    """Check every rule (one 422 naming each broken one), reserve the row, attach the
    documents and start the workflow, in `conn`'s transaction."""
    policy = settings.permit_policy
    nib = check_submission(body, employer_nib, policy)
    attached = await documents_service.resolve(pool, nib, body.document_ids, None)
    application = PermitApplication(
        **body.model_dump(),
        documents=documents_service.refs(attached),
        application_id=application_id,
        employer_nib=nib,
        submitted_by=actor,
        policy=policy,
        imigrasi_task_queue=settings.imigrasi_task_queue,
    )
    workflow_id = permit_workflow_id(application_id)
    await permit_db.reserve(conn, application, workflow_id)
    await documents_service.attach(conn, application_id, attached)
    await temporal.start_workflow(
        PermitWorkflow.run,
        PermitRun(application=application),
        id=workflow_id,
        task_queue=settings.kemnaker_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    # Ids only: the passport and names stay in the read model.
    log.info("permit_submitted", application_id=application_id, employer_nib=nib)
    return application
