"""Permohonan saya (the employer's applications) and an application's page, for the employer
and the ministries' reviewers, beside api/permits.py, api/permit_life.py and api/documents.py.

Every page and action calls the JSON routes' own functions (`api.permits.list_applications`,
`get_application`, `send_decision`, `DocumentService.open`/`upload`), so the scope checks and
rules are the API's; the pages only lay them out. Documents open inline from the page
(staff and auditors' openings recorded by the service)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import permit_life as life_api
from api import permits as permits_api
from api.decision_routes import DecisionRoute
from api.deps import PoolDep, TemporalDep, acting_as
from api.documents import document_service_of
from db import documents as document_db
from db.permits import PermitRecord
from documents.models import DocumentKind
from documents.service import DocumentService, TooLarge, Unsupported
from domain.errors import DomainError, invalid
from domain.identity import Principal, Role
from domain.money import usd
from domain.permit import Stage
from domain.permit_policy import PermitPolicy
from domain.permit_rules import PASSPORT_PATTERN, _normalised
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
PERMITS = "/permohonan"
READERS = permits_api.READERS
# The stages an application passes, in order (the stage diagram).
STAGES = [s for s in Stage if s is not Stage.CLOSED]

NAV.append(NavItem("nav.permits", PERMITS, frozenset(READERS) - {Role.AUDITOR}))
HOME[Role.EMPLOYER] = PERMITS


def _reader(principal: Principal) -> Any:
    return acting_as(*READERS)(principal)


def rule_checks(record: PermitRecord, policy: PermitPolicy) -> list[tuple[bool, str]]:
    """The submission rules as a reviewer reads them, each with its verdict."""
    closed = {_normalised(p) for p in policy.closed_positions}
    limit = policy.max_duration_months_kek if record.in_kek else policy.max_duration_months
    pendamping_needed = record.position_kind.value not in ("director", "commissioner")
    return [
        (_normalised(record.position_title) not in closed,
         f"position {record.position_title!r} not on the closed list"),
        (record.duration_months <= limit,
         f"duration {record.duration_months} months ≤ {limit}"
         + (" (KEK)" if record.in_kek else "")),
        (record.pendamping_name is not None or not pendamping_needed,
         "pendamping named" if pendamping_needed
         else "no pendamping needed (director/commissioner)"),
        (bool(PASSPORT_PATTERN.match(record.passport_no)), "passport number well formed"),
        (len(record.nationality) == 2 and record.nationality.isalpha()
         and record.nationality.isupper(), f"nationality {record.nationality} (ISO 3166 alpha-2)"),
    ]  # fmt: skip


@router.get(PERMITS, response_class=HTMLResponse)
async def permits_page(request: Request, principal: PagePrincipal, pool: PoolDep) -> HTMLResponse:
    actor = await _reader(principal)
    result = await permits_api.list_applications(
        principal=principal, actor=actor, pool=pool, stage=None, open_only=False, limit=100,
        offset=0,
    )  # fmt: skip
    return render(request, "permits.html", {"items": result.items,
                                            "employer": actor.role is Role.EMPLOYER})  # fmt: skip


@router.get(PERMITS + "/{application_id}", response_class=HTMLResponse)
async def permit_page(
    request: Request,
    application_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    errors: list[Any] | None = None,
) -> HTMLResponse:
    actor = await _reader(principal)
    record = await permits_api.get_application(application_id, principal, actor, pool)
    state = await permits_api.get_live_state(application_id, principal, actor, pool, temporal)
    decisions = await permits_api.list_decisions(application_id, principal, actor, pool)
    async with pool.acquire() as conn:
        documents = await document_db.of_application(conn, application_id)
    revision_reason = next(
        (d.reason for d in reversed(decisions) if d.decision == "request_revision"), None
    )
    due_reports = [r.year for r in state.annual_reports if r.submitted_at is None]
    return render(
        request,
        "permit.html",
        {
            "record": record,
            "state": state,
            "decisions": decisions,
            "documents": documents,
            "stages": STAGES,
            "current": STAGES.index(record.stage) if record.stage in STAGES else len(STAGES),
            "checks": rule_checks(record, request.app.state.settings.permit_policy),
            "employer": actor.role is Role.EMPLOYER,
            "amount": usd(record.amount_usd) if record.amount_usd is not None else None,
            "revision_reason": revision_reason,
            "due_reports": due_reports,
            "document_kinds": list(DocumentKind),
            "errors": errors or [],
        },
    )


@router.get(PERMITS + "/{application_id}/dokumen/{document_id}")
async def document_page(
    request: Request, application_id: str, document_id: str, principal: PagePrincipal
) -> Response:
    """The document inline, through the same service (and scope rule) as the API."""
    actor = await acting_as(*READERS, Role.KEMNAKER_OFFICER)(principal)
    service: DocumentService = document_service_of(request)
    doc, content = await service.open(actor, document_id)
    if doc.application_id != application_id:
        raise invalid(f"document {document_id} is not part of application {application_id}")
    return Response(content, media_type=doc.content_type.value,
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                             "Content-Security-Policy": "default-src 'none'; sandbox"})  # fmt: skip


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(256 * 1024):
        yield chunk


async def _decide(
    request: Request,
    application_id: str,
    principal: Principal,
    pool: Any,
    temporal: Any,
    route: DecisionRoute,
    body: dict[str, Any],
) -> Response:
    actor = await acting_as(*route.roles)(principal)
    payload = route.payload(actor=actor, **route.fields.model_validate(body).model_dump())
    try:
        await permits_api.send_decision(pool, temporal, application_id, route, payload)
    except DomainError as error:
        return await permit_page(request, application_id, principal, pool, temporal,
                                 errors=[{"field": None, "message": error.message}])  # fmt: skip
    return RedirectResponse(f"{PERMITS}/{application_id}", status_code=303)


def _route(routes: tuple[DecisionRoute, ...], path: str) -> DecisionRoute:
    return next(r for r in routes if r.path == path)


@router.post(PERMITS + "/{application_id}/perbaikan")
async def resubmit_page(
    request: Request,
    application_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Annotated[None, Depends(check_csrf)],
    kind: Annotated[DocumentKind, Form()],
    reason: Annotated[str, Form()],
    file: UploadFile,
) -> Response:
    """A revision with a replaced document: upload it, then resubmit naming it."""
    actor = await acting_as(Role.EMPLOYER)(principal)
    # The application first (its scope rule, a 404 past it): no upload for another's case.
    await permits_api.get_application(application_id, principal, actor, pool)
    service: DocumentService = document_service_of(request)
    try:
        doc = await service.upload(actor, kind, file.filename or "", _chunks(file), file.size)
    except (TooLarge, Unsupported) as error:
        return await permit_page(request, application_id, principal, pool, temporal,
                                 errors=[{"field": "file", "message": str(error)}])  # fmt: skip
    except DomainError as error:
        return await permit_page(request, application_id, principal, pool, temporal,
                                 errors=[{"field": "file", "message": error.message}])  # fmt: skip
    body = {"documents": [kind.value], "reason": reason, "document_ids": [doc.document_id]}
    route = _route(permits_api.DECISION_ROUTES, "resubmission")
    return await _decide(request, application_id, principal, pool, temporal, route, body)


@router.post(PERMITS + "/{application_id}/laporan-tahunan")
async def annual_report_page(
    request: Request,
    application_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Annotated[None, Depends(check_csrf)],
    year: Annotated[int, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    route = _route(life_api.LIFE_ROUTES, "annual-reports")
    body = {"year": year, "reason": reason}
    return await _decide(request, application_id, principal, pool, temporal, route, body)


@router.post(PERMITS + "/{application_id}/perpanjangan")
async def extension_page(
    request: Request,
    application_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Annotated[None, Depends(check_csrf)],
    months: Annotated[int, Form()],
    reason: Annotated[str, Form()],
) -> Response:
    route = _route(life_api.LIFE_ROUTES, "extension")
    body = {"months": months, "reason": reason}
    return await _decide(request, application_id, principal, pool, temporal, route, body)
