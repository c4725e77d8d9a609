"""For auditors: the case search, a case's Temporal history (a timeline, and the raw JSON
Temporal's Replayer and `temporal workflow show` read), and the log of auditors' requests.

Auditors only: every route here needs the auditor role, and a case is read only when the
auditor's scope audits its kind (`case_kinds.audits`). A history holds the case's inputs as
the workflow received them, personal data included (a TKA's passport number and name),
encrypted with the payload key: the timeline decrypts them to name who decided what and why
(never copying the personal data), the raw JSON is served as stored. Both are for auditors in
scope only, and reading them is itself recorded (api/auditor_log.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from temporalio.client import Client, WorkflowHistory

from api import case_kinds
from api.audit_trail import Auditor
from api.auth import CurrentPrincipal
from api.case_history import decoder, fetch_chain
from api.deps import PoolDep, TemporalDep
from api.paging import Offset
from db import audit_search, trail_decisions
from db import auditor_requests as requests_db
from db.audit_search import AuditCase, CaseKind, CaseSearch
from db.auditor_requests import AuditorRequest, AuditorRequestFilter
from domain.case_history import TimelineEntry, chain_timeline, ending, event_time
from domain.decision_check import ConsistencyReport, compare, history_decisions
from domain.errors import forbidden, not_found
from domain.identity import Principal, Scope

router = APIRouter(prefix="/audit", tags=["auditors"])


class CasePage(BaseModel):
    items: list[AuditCase]
    limit: int
    offset: int


class RunSummary(BaseModel):
    run_id: str
    started_at: datetime
    last_event_at: datetime
    events: int
    ended_by: str | None  # continued_as_new, workflow_completed, ...; None while running


class CaseHistory(BaseModel):
    case_kind: CaseKind
    case_id: str
    workflow_id: str
    runs: list[RunSummary]  # first run first; each continued as new into the next
    events: list[TimelineEntry]


class RequestPage(BaseModel):
    items: list[AuditorRequest]
    limit: int
    offset: int


def audited_kinds(scope: Scope) -> frozenset[CaseKind]:
    return frozenset(k for k in CaseKind if case_kinds.audits(k.value, scope))


def _refuse_unless_audited(principal: Principal, kind: CaseKind) -> None:
    if not case_kinds.audits(kind.value, principal.scope):
        ministry = principal.scope.ministry
        raise forbidden(
            f"{kind.value} cases are outside your scope (an auditor of "
            f"{ministry.value if ministry else 'all ministries'})"
        )


@router.get("/cases", response_model=CasePage)
async def search_cases(
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    kind: CaseKind | None = None,
    stage: str | None = None,
    upt: str | None = None,
    programme: str | None = None,
    employer_nib: str | None = None,
    opened_from: Annotated[datetime | None, Query(description="opened at or after")] = None,
    opened_until: Annotated[datetime | None, Query(description="opened before")] = None,
    sla_breached: Annotated[
        bool | None, Query(description="a task escalated, late, or open past its due date")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> CasePage:
    """Every case the auditor's scope audits (enrolments, journeys, TKA permits), newest
    first. A filter a kind has no column for (a programme, an employer) leaves that kind out."""
    kinds = audited_kinds(principal.scope)
    if kind is not None:
        _refuse_unless_audited(principal, kind)
        kinds = frozenset({kind})
    where = CaseSearch(
        kinds=kinds, stage=stage, upt=upt, programme=programme, employer_nib=employer_nib,
        opened_from=opened_from, opened_until=opened_until, sla_breached=sla_breached,
        now=datetime.now(UTC), limit=limit, offset=offset,
    )  # fmt: skip
    items = await audit_search.search_cases(pool, where)
    return CasePage(items=items, limit=limit, offset=offset)


async def case_chain(
    pool: PoolDep,
    temporal: Client,
    principal: Principal,
    case_kind: CaseKind,
    case_id: str,
) -> tuple[str, list[WorkflowHistory]]:
    """The case's workflow id and every run of its chain, for an auditor of its kind."""
    _refuse_unless_audited(principal, case_kind)
    label = f"{case_kind.value} {case_id}"
    workflow_id = await audit_search.workflow_of(pool, case_kind, case_id)
    if workflow_id is None:
        raise not_found(f"{label} does not exist")

    def belongs(start_input: Any) -> bool:
        # A journey's workflow id is its inmate's, shared by later custody spells.
        return case_kind is not CaseKind.JOURNEY or (
            isinstance(start_input, dict) and start_input.get("journey_id") == case_id
        )

    return workflow_id, await fetch_chain(temporal, workflow_id, label, belongs)


def _run_summary(history: WorkflowHistory) -> RunSummary:
    return RunSummary(
        run_id=history.run_id,
        started_at=event_time(history.events[0]),
        last_event_at=event_time(history.events[-1]),
        events=len(history.events),
        ended_by=ending(history.events[-1]),
    )


@router.get("/cases/{case_kind}/{case_id}/history", response_model=CaseHistory)
async def case_history(
    case_kind: CaseKind,
    case_id: str,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    temporal: TemporalDep,
) -> CaseHistory:
    """The case's Temporal history as a timeline, across every run of its chain: when, who
    (subject and role, for human inputs), what, which decision and why."""
    workflow_id, chain = await case_chain(pool, temporal, principal, case_kind, case_id)
    return CaseHistory(
        case_kind=case_kind,
        case_id=case_id,
        workflow_id=workflow_id,
        runs=[_run_summary(h) for h in chain],
        events=await chain_timeline(chain, decoder(temporal)),
    )


@router.get("/cases/{case_kind}/{case_id}/history/raw")
async def raw_history(
    case_kind: CaseKind,
    case_id: str,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    temporal: TemporalDep,
    run_id: Annotated[
        str | None, Query(description="a run of the chain (see .../history); default: the last")
    ] = None,
) -> Response:
    """One run's history in Temporal's JSON form: what `temporal workflow show --output json`
    prints, and what `WorkflowHistory.from_json` and the Replayer read. The workflow and run
    ids are in the X-Workflow-Id and X-Run-Id headers."""
    workflow_id, chain = await case_chain(pool, temporal, principal, case_kind, case_id)
    runs = {h.run_id: h for h in chain}
    if run_id is not None and run_id not in runs:
        raise not_found(f"run {run_id} is not a run of {case_kind.value} {case_id}")
    history = runs[run_id] if run_id is not None else chain[-1]
    return Response(
        content=history.to_json(),
        media_type="application/json",
        headers={"X-Workflow-Id": workflow_id, "X-Run-Id": history.run_id},
    )


class CaseConsistency(ConsistencyReport):
    case_kind: CaseKind
    case_id: str
    workflow_id: str


@router.get("/cases/{case_kind}/{case_id}/history/consistency", response_model=CaseConsistency)
async def history_consistency(
    case_kind: CaseKind,
    case_id: str,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    temporal: TemporalDep,
) -> CaseConsistency:
    """Every decision in the case's history (an Update accepted and completed, sent by a
    person) is in its audit trail, and every decision in the trail is in the history; each
    one missing either way, or named differently, is listed."""
    workflow_id, chain = await case_chain(pool, temporal, principal, case_kind, case_id)
    decisions = await history_decisions(chain, decoder(temporal))
    trail = await trail_decisions.trail_of(pool, case_kind, case_id)
    report = compare(decisions, trail)
    return CaseConsistency(
        **report.model_dump(), case_kind=case_kind, case_id=case_id, workflow_id=workflow_id
    )


@router.get("/reads", response_model=RequestPage)
async def auditor_reads(
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    subject: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> RequestPage:
    """Every request an auditor made (who, role and scope, method, path and query, status,
    when), newest first. An auditor of all ministries reads everyone's; an auditor of one
    ministry reads those of that ministry's auditors: auditors answer to their own ministry
    and to the all-ministries audit, not to each other's ministries."""
    where = AuditorRequestFilter(
        scope_ministry=principal.scope.ministry, subject=subject, since=since, until=until,
        limit=limit, offset=offset,
    )  # fmt: skip
    items = await requests_db.list_requests(pool, where)
    return RequestPage(items=items, limit=limit, offset=offset)
