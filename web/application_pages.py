"""A new TKA permit application in the employer's browser, with drafts and documents, beside
api/permits.py (POST /permits) and api/documents.py.

    GET  /permohonan/baru              an empty form (a fresh draft id, nothing stored yet)
    GET  /permohonan/draf/{draft_id}   a saved draft, to go on with
    POST /permohonan/draf/{draft_id}   `action=simpan` saves it, `action=kirim` submits it

The rules shown beside each field and the refusals tied to it are domain/permit_rules.py's
`submission_checks` (the API's own 422); the submission is
`services.permit_applications.start_application`, the API's start. Every file is checked
(size, type by content, name) and every rule run before anything is stored: a refusal
stores nothing. Submitting locks the draft's row, and the application id derives from the
draft's: a draft sent twice (a double click, a retry) starts one application."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.deps import PoolDep, SettingsDep, TemporalDep, acting_as
from api.documents import document_service_of
from db import documents as document_db
from db import permit_drafts as drafts_db
from db.permit_drafts import DraftRecord
from documents.models import DocumentKind, DocumentRecord
from documents.service import CheckedUpload, DocumentService, TooLarge, Unsupported
from domain.errors import DomainError, invalid, not_found
from domain.identity import Actor, Role
from domain.permit import EmployerCategory, PermitApplicationFields, PositionKind
from domain.permit_policy import PermitPolicy
from domain.permit_rules import checks_of, submission_checks
from domain.permit_supervision import PROVINCES, SECTORS
from services import permit_applications
from web import session
from web.i18n import Language, translate
from web.permit_pages import check_texts
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal
from web.task_pages import FieldError

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]
# What a form may carry besides its files: the fields, the multipart framing.
FIELDS_MARGIN = 64 * 1024
NEW = "/permohonan/baru"
DRAFT = "/permohonan/draf/{draft_id}"
_DRAFT_ID = re.compile(r"^DRF-([0-9A-F]{12})$")
# The documents of a submission (annual reports and extension letters come later).
FORM_KINDS = (
    DocumentKind.PASSPORT_SCAN,
    DocumentKind.CV,
    DocumentKind.DIPLOMA,
    DocumentKind.PENDAMPING_STATEMENT,
    DocumentKind.RPTKA_PLAN,
)
TEXT_FIELDS = (
    "position_title", "position_kind", "tka_name", "passport_no", "nationality",
    "duration_months", "work_location", "in_kek", "pendamping_name", "pendamping_position",
    "employer_category", "province", "sector",
)  # fmt: skip


# Validator error types worded in the catalogue (the rest keep pydantic's English).
_PROBLEM = {
    "missing": "application.problem.required",
    "string_too_short": "application.problem.required",
    "int_parsing": "application.problem.number",
    "int_type": "application.problem.number",
    "greater_than_equal": "application.problem.number",
    "enum": "application.problem.choose",
}


def application_fields(
    form: dict[str, str], document_ids: list[str], language: Language
) -> PermitApplicationFields | list[FieldError]:
    """The API's request body from the form's values, or the fields it refuses (by id)."""
    duration = form.get("duration_months", "").strip()
    pendamping = {"name": form.get("pendamping_name", "").strip(),
                  "position": form.get("pendamping_position", "").strip()}  # fmt: skip
    body: dict[str, Any] = {
        "position_title": form.get("position_title", "").strip(),
        "position_kind": form.get("position_kind", ""),
        "tka_name": form.get("tka_name", "").strip(),
        "passport_no": form.get("passport_no", "").strip(),
        "nationality": form.get("nationality", "").strip(),
        "duration_months": int(duration) if duration.isdigit() else duration,
        "work_location": form.get("work_location", "").strip(),
        "in_kek": form.get("in_kek") == "ya",
        "pendamping": pendamping if any(pendamping.values()) else None,
        "employer_category": form.get("employer_category") or EmployerCategory.COMPANY.value,
        # For the TKA supervision reports; optional in the API (older clients send neither).
        "province": form.get("province") or None,
        "sector": form.get("sector") or None,
        "document_ids": document_ids,
    }
    try:
        return PermitApplicationFields.model_validate(body)
    except ValidationError as error:
        errors = []
        for e in error.errors():
            field = "_".join(str(p) for p in e["loc"][:2])  # pendamping.name -> pendamping_name
            field = field if field in TEXT_FIELDS else str(e["loc"][0])
            if field == "nationality":  # the rule's own words, not the validator's
                message = translate(language, "rule.nationality.fail", code=body[field])
            else:  # the catalogue's words for the usual cases, else the validator's
                said = _PROBLEM.get(e["type"])
                problem = translate(language, said) if said else e["msg"]
                message = f"{translate(language, 'application.' + field)}: {problem}"
            errors.append(FieldError(message=message, field=field))
        return errors


def refusals(
    form: dict[str, str], document_ids: list[str], policy: PermitPolicy, language: Language
) -> PermitApplicationFields | list[FieldError]:
    """The submission the rules accept, or each refusal beside its field: the malformed
    fields and, at once, every rule the well-formed ones break."""
    fields = application_fields(form, document_ids, language)
    if not isinstance(fields, list):
        checks = checks_of(fields, policy)
        errors: list[FieldError] = []
    else:
        errors = fields
        kinds = {k.value: k for k in PositionKind}
        kind = kinds.get(form.get("position_kind", ""))
        duration = form.get("duration_months", "").strip()
        checks = [
            c
            for c in submission_checks(
                position_title=form.get("position_title", "").strip(),
                position_kind=kind or PositionKind.MANAGER,
                duration_months=int(duration) if duration.isdigit() else 0,
                in_kek=form.get("in_kek") == "ya",
                pendamping_named=bool(form.get("pendamping_name", "").strip()),
                passport_no=form.get("passport_no", "").strip(),
                nationality=form.get("nationality", "").strip().upper(),
                policy=policy,
            )
            # A rule on a malformed field is that field's error already.
            if c.field not in {e.field for e in errors}
            and not (c.field == "pendamping_name" and kind is None)
        ]
    broken = [c for c in checks if not c.ok]
    if not broken and not errors:
        return fields
    texts = check_texts(broken, language)
    return errors + [
        FieldError(message=text, field=c.field) for c, (_, text) in zip(broken, texts, strict=True)
    ]


def _employer(actor: Actor) -> str:
    nib = actor.scope.employer_nib
    if nib is None:
        raise not_found("no draft: your account names no employer NIB")
    return nib


def _checked_id(draft_id: str) -> str:
    if not _DRAFT_ID.match(draft_id):
        raise not_found(f"draft {draft_id} does not exist")
    return draft_id


async def _documents(pool: Any, draft: DraftRecord | None) -> dict[str, DocumentRecord]:
    if draft is None or not draft.documents:
        return {}
    async with pool.acquire() as conn:
        found = await document_db.many(conn, list(draft.documents.values()))
    return {d.kind.value: d for d in found}


async def _form_page(
    request: Request,
    pool: Any,
    draft_id: str,
    form: dict[str, str],
    draft: DraftRecord | None,
    *,
    errors: list[FieldError] | None = None,
    saved: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    policy: PermitPolicy = request.app.state.settings.permit_policy
    return render(
        request,
        "application_form.html",
        {
            "draft_id": draft_id,
            "form": form,
            "errors": errors or [],
            "saved": saved,
            "uploaded": await _documents(pool, draft),
            "kinds": FORM_KINDS,
            "position_kinds": list(PositionKind),
            "categories": list(EmployerCategory),
            "provinces": sorted(PROVINCES.items(), key=lambda item: item[1]),
            "sectors": SECTORS,
            "closed_positions": ", ".join(policy.closed_positions),
            "max_months": policy.max_duration_months,
            "max_months_kek": policy.max_duration_months_kek,
        },
        status_code=status_code,
    )


@router.get(NEW, response_class=HTMLResponse)
async def new_application_page(
    request: Request, principal: PagePrincipal, pool: PoolDep
) -> HTMLResponse:
    _employer(await acting_as(Role.EMPLOYER)(principal))
    draft_id = "DRF-" + permit_applications.new_application_id().removeprefix("TKA-")
    return await _form_page(request, pool, draft_id, {}, None)


@router.get(DRAFT, response_class=HTMLResponse)
async def draft_page(
    request: Request, draft_id: str, principal: PagePrincipal, pool: PoolDep, disimpan: int = 0
) -> Response:
    nib = _employer(await acting_as(Role.EMPLOYER)(principal))
    async with pool.acquire() as conn:
        draft = await drafts_db.get(conn, _checked_id(draft_id), nib)
    if draft is None:
        raise not_found(f"draft {draft_id} does not exist")
    if draft.application_id is not None:
        return RedirectResponse(f"/permohonan/{draft.application_id}", status_code=303)
    return await _form_page(request, pool, draft_id, draft.fields, draft, saved=bool(disimpan))


async def within_limit(request: Request) -> None:
    """A form whose declared size cannot fit (every document at the size limit, and the
    fields) is refused before a byte of it is read or spooled; a file over the limit in a
    form that fits is refused beside its field (DocumentService.check)."""
    service = request.app.state.documents
    if service is None:
        return  # no document store: the form's files are refused with a 503 further on
    limit = service.max_bytes * len(FORM_KINDS) + FIELDS_MARGIN
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        megabytes = limit / (1024 * 1024)
        raise invalid(
            f"the form with its files is larger than {megabytes:.1f} MB: each document may be "
            "at most the size limit; nothing was read or stored"
        )


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(256 * 1024):
        yield chunk


async def _check_files(
    service: DocumentService, actor: Actor, uploads: dict[DocumentKind, UploadFile]
) -> tuple[dict[DocumentKind, CheckedUpload], list[FieldError]]:
    """Every chosen file checked, none stored."""
    checked: dict[DocumentKind, CheckedUpload] = {}
    errors: list[FieldError] = []
    for kind, upload in uploads.items():
        field = f"doc_{kind.value}"
        try:
            checked[kind] = await service.check(
                actor, kind, upload.filename or "", _chunks(upload), upload.size
            )
        except (TooLarge, Unsupported) as error:
            errors.append(FieldError(message=str(error), field=field))
        except DomainError as error:
            errors.append(FieldError(message=error.message, field=field))
    return checked, errors


@router.post(DRAFT)
async def save_or_submit(
    request: Request,
    draft_id: str,
    principal: PagePrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    _size: Annotated[None, Depends(within_limit)],  # before the CSRF check reads the form
    _: Csrf,
) -> Response:
    actor = await acting_as(Role.EMPLOYER)(principal)
    nib = _employer(actor)
    async with pool.acquire() as conn:
        draft = await drafts_db.get(conn, _checked_id(draft_id), nib)
    if draft is not None and draft.application_id is not None:
        return RedirectResponse(f"/permohonan/{draft.application_id}", status_code=303)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if k in TEXT_FIELDS and isinstance(v, str)}
    uploads = {
        kind: value
        for kind in FORM_KINDS
        if isinstance(value := raw.get(f"doc_{kind.value}"), UploadFile) and value.filename
    }
    submit = raw.get("action") == "kirim"
    language = session.language(request)
    documents = dict(draft.documents) if draft else {}
    errors: list[FieldError] = []
    if submit:  # the rules first: a refused submission stores neither files nor draft
        found = refusals(form, [], settings.permit_policy, language)
        errors = found if isinstance(found, list) else []
    service = document_service_of(request)
    checked, file_errors = await _check_files(service, actor, uploads)
    if errors or file_errors:
        return await _form_page(request, pool, draft_id, form, draft,
                                errors=errors + file_errors, status_code=422)  # fmt: skip
    for kind, upload in checked.items():
        documents[kind.value] = (await service.store_checked(upload)).document_id
    async with pool.acquire() as conn:
        if not await drafts_db.save(conn, draft_id, nib, form, documents, actor.subject):
            return await _submitted_or_missing(pool, draft_id, nib)
    if not submit:
        return RedirectResponse(f"/permohonan/draf/{draft_id}?disimpan=1", status_code=303)
    return await _submit(request, draft_id, nib, actor, settings, pool, temporal)


async def _submitted_or_missing(pool: Any, draft_id: str, nib: str) -> Response:
    async with pool.acquire() as conn:
        draft = await drafts_db.get(conn, draft_id, nib)
    if draft is None or draft.application_id is None:
        raise not_found(f"draft {draft_id} does not exist")
    return RedirectResponse(f"/permohonan/{draft.application_id}", status_code=303)


async def _submit(
    request: Request,
    draft_id: str,
    nib: str,
    actor: Actor,
    settings: Any,
    pool: Any,
    temporal: Any,
) -> Response:
    """Start the application from the draft as stored (locked): one application per draft."""
    application_id = "TKA-" + draft_id.removeprefix("DRF-")
    try:
        async with pool.acquire() as conn, conn.transaction():
            draft = await drafts_db.lock(conn, draft_id, nib)
            if draft is None:
                raise not_found(f"draft {draft_id} does not exist")
            if draft.application_id is not None:  # a second click, after the first
                return RedirectResponse(f"/permohonan/{draft.application_id}", status_code=303)
            language = session.language(request)
            fields = refusals(draft.fields, list(draft.documents.values()),
                              settings.permit_policy, language)  # fmt: skip
            if isinstance(fields, list):
                return await _form_page(request, pool, draft_id, draft.fields, draft,
                                        errors=fields, status_code=422)  # fmt: skip
            await permit_applications.start_application(
                conn, pool, temporal, settings, nib, actor, fields, application_id
            )
            await drafts_db.mark_submitted(conn, draft_id, application_id)
    except DomainError as error:  # e.g. a document no longer the draft's to attach
        async with pool.acquire() as conn:
            draft = await drafts_db.get(conn, draft_id, nib)
        refused = [FieldError(message=error.message)]
        return await _form_page(request, pool, draft_id, draft.fields if draft else {}, draft,
                                errors=refused, status_code=422)  # fmt: skip
    return RedirectResponse(f"/permohonan/{application_id}", status_code=303)
