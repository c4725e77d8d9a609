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
from db import permit_drafts as drafts_db
from db.permits import PermitRecord
from documents.models import DocumentKind
from documents.service import DocumentService, TooLarge, Unsupported
from domain.errors import DomainError, invalid
from domain.identity import Principal, Role
from domain.money import usd
from domain.permit import Stage
from domain.permit_policy import PermitPolicy
from domain.permit_rules import RuleCheck, submission_checks
from web import session
from web.i18n import Language, translate
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
PERMITS = "/permohonan"
READERS = permits_api.READERS
# The stages an application passes, in order (the stage diagram).
STAGES = [s for s in Stage if s is not Stage.CLOSED]

# A document shown in a frame of our own pages: no script, no plugin, nothing it may load.
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'self'; sandbox"

NAV.append(NavItem("nav.permits", PERMITS, frozenset(READERS) - {Role.AUDITOR}))
HOME[Role.EMPLOYER] = PERMITS


def _reader(principal: Principal) -> Any:
    return acting_as(*READERS)(principal)


def rule_checks(record: PermitRecord, policy: PermitPolicy) -> list[RuleCheck]:
    """The submission rules (the API's own) against the application as stored."""
    return submission_checks(
        position_title=record.position_title,
        position_kind=record.position_kind,
        duration_months=record.duration_months,
        in_kek=record.in_kek,
        pendamping_named=record.pendamping_name is not None,
        passport_no=record.passport_no,
        nationality=record.nationality,
        policy=policy,
    )


def check_texts(checks: list[RuleCheck], language: Language) -> list[tuple[bool, str]]:
    """Each check as a reviewer or the employer reads it, in the session's language."""
    return [
        (c.ok, translate(language, f"rule.{c.key}.{'ok' if c.ok else 'fail'}", **c.params))
        for c in checks
    ]


@router.get(PERMITS, response_class=HTMLResponse)
async def permits_page(request: Request, principal: PagePrincipal, pool: PoolDep) -> HTMLResponse:
    actor = await _reader(principal)
    result = await permits_api.list_applications(
        principal=principal, actor=actor, pool=pool, stage=None, open_only=False, limit=100,
        offset=0,
    )  # fmt: skip
    employer = actor.role is Role.EMPLOYER
    drafts = []
    if employer and principal.scope.employer_nib is not None:
        async with pool.acquire() as conn:
            drafts = await drafts_db.open_drafts(conn, principal.scope.employer_nib)
    return render(request, "permits.html",
                  {"items": result.items, "employer": employer, "drafts": drafts})  # fmt: skip


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
            "checks": check_texts(
                rule_checks(record, request.app.state.settings.permit_policy),
                session.language(request),
            ),
            "employer": actor.role is Role.EMPLOYER,
            # Imigrasi may end an active permit early too (the EPO is its own).
            "terminates": actor.role in (Role.EMPLOYER, Role.IMIGRASI_OFFICER),
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
    # Framed by the task page's viewer (same origin only); everything else stays refused.
    return Response(content, media_type=doc.content_type.value,
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                             "X-Frame-Options": "SAMEORIGIN",
                             "Content-Security-Policy": DOCUMENT_POLICY})  # fmt: skip


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


async def _decide_with_file(
    request: Request,
    application_id: str,
    principal: Principal,
    pool: Any,
    temporal: Any,
    route: DecisionRoute,
    body: dict[str, Any],
    upload: tuple[DocumentKind, UploadFile, str] | None,
) -> Response:
    """The employer's decision with a file: `upload` (its kind, the file, the form field
    that shows a refusal) is stored through the documents service first and named in the
    decision, which the API attaches to the application once the workflow accepts it."""
    if upload is not None:
        kind, file, field = upload
        actor = await acting_as(Role.EMPLOYER)(principal)
        # The application first (its scope rule, a 404 past it): no upload for another's case.
        await permits_api.get_application(application_id, principal, actor, pool)
        service: DocumentService = document_service_of(request)
        try:
            doc = await service.upload(actor, kind, file.filename or "", _chunks(file), file.size)
        except (TooLarge, Unsupported, DomainError) as error:
            message = error.message if isinstance(error, DomainError) else str(error)
            return await permit_page(request, application_id, principal, pool, temporal,
                                     errors=[{"field": field, "message": message}])  # fmt: skip
        body = body | {"document_ids": [doc.document_id]}
    return await _decide(request, application_id, principal, pool, temporal, route, body)


def _chosen(file: UploadFile | None) -> UploadFile | None:
    """The file of an optional file field, or None when none was chosen (a browser sends an
    empty part without a name)."""
    return file if file is not None and file.filename else None


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
    route = _route(permits_api.DECISION_ROUTES, "resubmission")
    body = {"documents": [kind.value], "reason": reason}
    return await _decide_with_file(request, application_id, principal, pool, temporal, route,
                                   body, (kind, file, "file"))  # fmt: skip


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
    file: UploadFile | None = None,
) -> Response:
    """The year's report, with the report document when one is chosen."""
    route = _route(life_api.LIFE_ROUTES, "annual-reports")
    chosen = _chosen(file)
    upload = (DocumentKind.ANNUAL_REPORT, chosen, "report-file") if chosen else None
    return await _decide_with_file(request, application_id, principal, pool, temporal, route,
                                   {"year": year, "reason": reason}, upload)  # fmt: skip


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
    file: UploadFile | None = None,
) -> Response:
    """An extension request, with the request letter when one is chosen."""
    route = _route(life_api.LIFE_ROUTES, "extension")
    chosen = _chosen(file)
    upload = (DocumentKind.EXTENSION_REQUEST, chosen, "extension-file") if chosen else None
    return await _decide_with_file(request, application_id, principal, pool, temporal, route,
                                   {"months": months, "reason": reason}, upload)  # fmt: skip


@router.post(PERMITS + "/{application_id}/pengakhiran")
async def termination_page(
    request: Request,
    application_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    temporal: TemporalDep,
    _: Annotated[None, Depends(check_csrf)],
    reason: Annotated[str, Form()],
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """Early termination (EPO), by the employer or by Imigrasi (the API's rule): it cannot be
    undone, so the form asks for a confirmation."""
    route = _route(permits_api.DECISION_ROUTES, "termination")
    await acting_as(*route.roles)(principal)
    if confirm != "ya":
        message = translate(session.language(request), "permit.termination_unconfirmed")
        unconfirmed = [{"field": "termination-confirm", "message": message}]
        return await permit_page(request, application_id, principal, pool, temporal,
                                 errors=unconfirmed)  # fmt: skip
    return await _decide(request, application_id, principal, pool, temporal, route,
                         {"reason": reason})  # fmt: skip
