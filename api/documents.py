"""Documents over HTTP: an employer uploads (the body is the file itself), its staff and
auditors open them. Ids are opaque (`DOC-…`); names, passport numbers and kinds of person
never appear in a URL or a log.

    POST /documents?kind=passport_scan      body: the file; X-File-Name: percent-encoded UTF-8
    GET  /documents/{id}                    what it is (kind, type, size, SHA-256, name)
    GET  /documents/{id}/content            the file, inline (staff and auditors: recorded)
    GET  /documents/{id}/openings           who opened it (auditors of Process B)
    GET  /permits/{application_id}/documents every version attached to an application
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, unquote

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status

from api.auth import CurrentPrincipal
from api.deps import PoolDep, acting_as
from api.permits import READERS, get_application
from db import documents as document_db
from documents.models import DocumentKind, DocumentOpening, DocumentRecord
from documents.service import DocumentService, TooLarge, Unsupported
from domain.errors import forbidden, invalid
from domain.identity import Actor, Role
from domain.permit_rules import audits_process_b

router = APIRouter(tags=["documents"])

FILE_NAME_HEADER = "X-File-Name"
OPENERS = (
    Role.EMPLOYER,
    Role.KEMNAKER_VERIFIER,
    Role.KEMNAKER_DIRECTOR,
    Role.IMIGRASI_OFFICER,
    Role.KEMNAKER_OFFICER,
    Role.AUDITOR,
)


def document_service_of(request: Request) -> DocumentService:
    service: DocumentService | None = request.app.state.documents
    if service is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "documents are not configured (SINERGI_DOCUMENTS__KEYS); nothing was stored",
        )
    return service


DocumentsDep = Annotated[DocumentService, Depends(document_service_of)]
Opener = Annotated[Actor, Depends(acting_as(*OPENERS))]


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise invalid("Content-Length must be a number of bytes") from None


@router.post("/documents", status_code=status.HTTP_201_CREATED, response_model=DocumentRecord)
async def upload_document(
    request: Request,
    actor: Annotated[Actor, Depends(acting_as(Role.EMPLOYER))],
    documents: DocumentsDep,
    kind: DocumentKind | None = None,
    file_name: Annotated[str | None, Header(alias=FILE_NAME_HEADER)] = None,
) -> DocumentRecord:
    """Upload one document of the employer's NIB: PDF, JPEG or PNG by its content, at most
    the configured size (10 MB). Answers its id and SHA-256; attach it by listing its id in
    `document_ids` of a submission, resubmission, annual report or extension request."""
    if kind is None:
        kinds = ", ".join(k.value for k in DocumentKind)
        raise invalid(f"kind: say which document this is ({kinds})")
    if file_name is None:
        raise invalid(f"{FILE_NAME_HEADER}: give the file's name (percent-encoded UTF-8)")
    try:
        name = unquote(file_name, errors="strict")
    except UnicodeDecodeError:
        raise invalid(f"{FILE_NAME_HEADER}: the name is not percent-encoded UTF-8") from None
    try:
        return await documents.upload(
            actor, kind, name, request.stream(), _declared_length(request)
        )
    except TooLarge as error:
        raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, str(error)) from None
    except Unsupported as error:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(error)) from None


@router.get("/documents/{document_id}", response_model=DocumentRecord)
async def document_metadata(
    document_id: str, actor: Opener, documents: DocumentsDep
) -> DocumentRecord:
    return await documents.metadata(actor, document_id)


@router.get("/documents/{document_id}/content", response_class=Response)
async def document_content(document_id: str, actor: Opener, documents: DocumentsDep) -> Response:
    """The file itself, shown inline; ministry staff's and auditors' openings are recorded."""
    doc, content = await documents.open(actor, document_id)
    return Response(
        content,
        media_type=doc.content_type.value,
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(doc.file_name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@router.get("/documents/{document_id}/openings", response_model=list[DocumentOpening])
async def document_openings(
    document_id: str,
    actor: Annotated[Actor, Depends(acting_as(Role.AUDITOR))],
    documents: DocumentsDep,
    pool: PoolDep,
) -> list[DocumentOpening]:
    """Who opened the document, when, in which role (auditors of Process B)."""
    if not audits_process_b(actor.scope):
        raise forbidden("your ministry does not audit TKA permits")
    await documents.metadata(actor, document_id)
    async with pool.acquire() as conn:
        return await document_db.openings(conn, document_id)


@router.get("/permits/{application_id}/documents", response_model=list[DocumentRecord])
async def application_documents(
    application_id: str,
    principal: CurrentPrincipal,
    actor: Annotated[Actor, Depends(acting_as(*READERS))],
    pool: PoolDep,
) -> list[DocumentRecord]:
    """Every document of the application, replaced versions included (`superseded_by`)."""
    await get_application(application_id, principal, actor, pool)
    async with pool.acquire() as conn:
        return await document_db.of_application(conn, application_id)
