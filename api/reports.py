"""The auditors' reports, as JSON or CSV (`?format=csv`, or `Accept: text/csv`): the
certification funnel per UPT and programme, the funnel to work (placed within 6 months of
release) per UPT, programme and release kind, the TKA pipeline per stage, and SLA compliance per
step and ministry, and the TKA supervision reports (active permits by province and sector,
permits expiring soon, overdue annual reports). Auditors only, within their scope: a report on
a process the auditor does not audit is a 403; SLA compliance counts only the kinds of case
they audit."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.audit import audited_kinds
from api.audit_trail import Auditor
from api.auth import CurrentPrincipal
from api.deps import PoolDep
from db import placement_reports
from db import reports as reports_db
from db import supervision_reports as supervision
from db.audit_search import CaseKind
from db.placement_reports import PlacementFunnelRow, ReleasePeriod
from db.reports import FunnelRow, PipelineRow, ReportPeriod, SlaRow
from db.supervision_reports import ActivePermitsRow, ExpiringPermitRow, OverdueAnnualReportRow
from domain.clock import local_date
from domain.custody import ReleaseKind
from domain.errors import forbidden
from domain.identity import Principal

router = APIRouter(prefix="/reports", tags=["auditors"])


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


class FunnelReport(BaseModel):
    rows: list[FunnelRow]


class PlacementFunnelReport(BaseModel):
    rows: list[PlacementFunnelRow]


class PipelineReport(BaseModel):
    rows: list[PipelineRow]


class SlaReport(BaseModel):
    rows: list[SlaRow]


class ActivePermitsReport(BaseModel):
    rows: list[ActivePermitsRow]


class ExpiringPermitsReport(BaseModel):
    within_days: int
    rows: list[ExpiringPermitRow]


class OverdueAnnualReportsReport(BaseModel):
    rows: list[OverdueAnnualReportRow]


FormatParam = Annotated[
    ReportFormat | None, Query(alias="format", description="json or csv; default: by Accept")
]
OpenedFrom = Annotated[datetime | None, Query(description="cases opened at or after")]
OpenedUntil = Annotated[datetime | None, Query(description="cases opened before")]

_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV on request"}
}


def _answer(
    request: Request, wanted: ReportFormat | None, name: str, report: BaseModel
) -> Response:
    """`report` as JSON, or its `rows` as CSV (`name`.csv) with a column per field of the row
    model its `rows: list[...]` names, header first, even when there are no rows."""
    as_csv = wanted is ReportFormat.CSV or (
        wanted is None and "text/csv" in request.headers.get("accept", "")
    )
    if not as_csv:
        return JSONResponse(report.model_dump(mode="json"))
    rows: Sequence[BaseModel] = getattr(report, "rows")  # noqa: B009 - every report has rows
    (columns,) = get_args(type(report).model_fields["rows"].annotation)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns.model_fields), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump(mode="json"))
    return Response(
        content=out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def _refuse_unless_audited(principal: Principal, kind: CaseKind, report: str) -> None:
    if kind not in audited_kinds(principal.scope):
        raise forbidden(f"the {report} report is on {kind.value} cases, outside your scope")


@router.get("/certification-funnel", response_model=FunnelReport, responses=_CSV_RESPONSE)
async def certification_funnel(
    request: Request,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    upt: str | None = None,
    programme: str | None = None,
    opened_from: OpenedFrom = None,
    opened_until: OpenedUntil = None,
    report_format: FormatParam = None,
) -> Response:
    """Per UPT and programme: enrolled, placed, trained, assessed, competent, certified,
    released with a certificate (each stage counts the cases that reached it)."""
    _refuse_unless_audited(principal, CaseKind.ENROLMENT, "certification funnel")
    period = ReportPeriod(opened_from=opened_from, opened_until=opened_until)
    rows = await reports_db.certification_funnel(pool, period, upt=upt, programme=programme)
    return _answer(request, report_format, "certification-funnel", FunnelReport(rows=rows))


@router.get("/placement-funnel", response_model=PlacementFunnelReport, responses=_CSV_RESPONSE)
async def placement_funnel(
    request: Request,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    upt: str | None = None,
    programme: str | None = None,
    release_kind: ReleaseKind | None = None,
    released_from: Annotated[datetime | None, Query(description="released at or after")] = None,
    released_until: Annotated[datetime | None, Query(description="released before")] = None,
    report_format: FormatParam = None,
) -> Response:
    """The funnel to work, per UPT, programme and release kind: handed over to job
    placement, with a certificate, consented to follow-up, placed (employed or
    self-employed) within 6 months of release, each latest outcome, still followed up."""
    _refuse_unless_audited(principal, CaseKind.JOURNEY, "placement funnel")
    period = ReleasePeriod(released_from=released_from, released_until=released_until)
    rows = await placement_reports.placement_funnel(
        pool, period, upt=upt, programme=programme, release_kind=release_kind
    )
    return _answer(request, report_format, "placement-funnel", PlacementFunnelReport(rows=rows))


@router.get("/tka-pipeline", response_model=PipelineReport, responses=_CSV_RESPONSE)
async def tka_pipeline(
    request: Request,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    employer_nib: str | None = None,
    opened_from: OpenedFrom = None,
    opened_until: OpenedUntil = None,
    report_format: FormatParam = None,
) -> Response:
    """Per stage of a TKA permit: applications that reached it, there now, and overdue;
    then the closed ones by outcome."""
    _refuse_unless_audited(principal, CaseKind.TKA_PERMIT, "TKA pipeline")
    period = ReportPeriod(opened_from=opened_from, opened_until=opened_until)
    rows = await reports_db.tka_pipeline(pool, period, datetime.now(UTC), employer_nib)
    return _answer(request, report_format, "tka-pipeline", PipelineReport(rows=rows))


@router.get("/sla-compliance", response_model=SlaReport, responses=_CSV_RESPONSE)
async def sla_compliance(
    request: Request,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    opened_from: Annotated[datetime | None, Query(description="tasks opened at or after")] = None,
    opened_until: Annotated[datetime | None, Query(description="tasks opened before")] = None,
    report_format: FormatParam = None,
) -> Response:
    """Per step (task kind) and ministry: tasks with a due date decided on time, late, open
    within or past it, cancelled, escalated, and the compliance rate."""
    period = ReportPeriod(opened_from=opened_from, opened_until=opened_until)
    kinds = audited_kinds(principal.scope)
    rows = await reports_db.sla_compliance(pool, kinds, period, datetime.now(UTC))
    return _answer(request, report_format, "sla-compliance", SlaReport(rows=rows))


@router.get("/tka-active-permits", response_model=ActivePermitsReport, responses=_CSV_RESPONSE)
async def tka_active_permits(
    request: Request,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    report_format: FormatParam = None,
) -> Response:
    """Active TKA permits (ITAS issued, not ended) per province of the work location
    (Kemendagri code) and sector of the employer (KBLI 2020 section); `-`: not recorded on
    the application."""
    _refuse_unless_audited(principal, CaseKind.TKA_PERMIT, "active TKA permits")
    rows = await supervision.active_permits(pool)
    return _answer(request, report_format, "tka-active-permits", ActivePermitsReport(rows=rows))


@router.get("/tka-expiring-permits", response_model=ExpiringPermitsReport, responses=_CSV_RESPONSE)
async def tka_expiring_permits(
    request: Request,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    within_days: Annotated[
        int, Query(ge=1, le=366, description="the last valid day within this many days")
    ] = 90,
    report_format: FormatParam = None,
) -> Response:
    """Active TKA permits whose last valid day falls within `within_days` (default 90) of
    today (Jakarta), soonest first, each saying whether an extension is under review."""
    _refuse_unless_audited(principal, CaseKind.TKA_PERMIT, "expiring TKA permits")
    today = local_date(datetime.now(UTC))
    rows = await supervision.expiring_permits(pool, today, within_days)
    return _answer(
        request,
        report_format,
        "tka-expiring-permits",
        ExpiringPermitsReport(within_days=within_days, rows=rows),
    )


@router.get(
    "/tka-overdue-annual-reports",
    response_model=OverdueAnnualReportsReport,
    responses=_CSV_RESPONSE,
)
async def tka_overdue_annual_reports(
    request: Request,
    principal: CurrentPrincipal,
    _: Auditor,
    pool: PoolDep,
    report_format: FormatParam = None,
) -> Response:
    """Annual reports on the use of a TKA not filed by their due date (the employer's task
    still open), oldest due first, with the permit's province and sector and whether the
    report was escalated to Kemnaker's officers."""
    _refuse_unless_audited(principal, CaseKind.TKA_PERMIT, "overdue annual reports")
    rows = await supervision.overdue_annual_reports(pool, datetime.now(UTC))
    return _answer(
        request, report_format, "tka-overdue-annual-reports", OverdueAnnualReportsReport(rows=rows)
    )
