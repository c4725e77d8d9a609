"""Uploading and opening documents: the one place the API and the pages go through.

An upload is read with its size limit enforced while it streams in (a declared
Content-Length over the limit is refused before a byte is read), its type taken from its
first bytes, its name checked (a name is shown, never used as a path); only then is it
sealed (AES-256-GCM) and stored, and its row written. A refusal stores nothing."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
import structlog

from db import documents as document_db
from db.connect import Connection
from documents.access import check_may_open
from documents.crypto import DocumentCipher
from documents.models import DocumentKind, DocumentOpening, DocumentRecord
from documents.sniff import describe, sniff
from documents.store import BlobStore
from domain.errors import DomainError, Refusal, invalid, not_found
from domain.identity import Actor, HumanInput, Role
from domain.permit_life import DocumentRef

log = structlog.get_logger(__name__)

MAX_NAME = 200


class TooLarge(Exception):
    """The upload passed the size limit (HTTP 413): nothing was stored."""

    def __init__(self, limit: int) -> None:
        megabytes = limit / (1024 * 1024)
        super().__init__(
            f"the file is larger than the {megabytes:g} MB limit; send a smaller scan "
            "(PDF, JPEG or PNG); nothing was stored"
        )


class Unsupported(Exception):
    """Not a PDF, JPEG or PNG by its content (HTTP 415): nothing was stored."""


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, not yet stored."""

    record: DocumentRecord
    content: bytes


@dataclass(frozen=True)
class DocumentService:
    pool: asyncpg.Pool
    store: BlobStore
    cipher: DocumentCipher
    max_bytes: int

    async def upload(
        self,
        actor: Actor,
        kind: DocumentKind,
        file_name: str,
        chunks: AsyncIterator[bytes],
        declared_length: int | None,
    ) -> DocumentRecord:
        return await self.store_checked(
            await self.check(actor, kind, file_name, chunks, declared_length)
        )

    async def check(
        self,
        actor: Actor,
        kind: DocumentKind,
        file_name: str,
        chunks: AsyncIterator[bytes],
        declared_length: int | None,
    ) -> CheckedUpload:
        """Every check of an upload (owner, name, size, type by content), nothing stored: a
        form with several files checks them all before storing any."""
        nib = actor.scope.employer_nib
        if actor.role is not Role.EMPLOYER or nib is None:
            raise DomainError(Refusal.FORBIDDEN, "only an employer uploads its documents")
        name = clean_file_name(file_name)
        if declared_length is not None and declared_length > self.max_bytes:
            raise TooLarge(self.max_bytes)
        content = await read_limited(chunks, self.max_bytes)
        if not content:
            raise invalid("the file is empty (0 bytes); choose the scanned file again")
        content_type = sniff(content[:16])
        if content_type is None:
            raise Unsupported(
                f"the file's content is {describe(content[:16])}, whatever its name says: "
                "upload a PDF, JPEG or PNG; nothing was stored"
            )
        document_id = f"DOC-{secrets.token_hex(10).upper()}"
        record = DocumentRecord(
            document_id=document_id,
            owner_nib=nib,
            kind=kind,
            content_type=content_type,
            size_bytes=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            file_name=name,
            key_id=self.cipher.current_key_id,
            uploaded_by=actor.subject,
            uploaded_at=datetime.now(UTC),
        )
        return CheckedUpload(record, content)

    async def store_checked(self, upload: CheckedUpload) -> DocumentRecord:
        """Seal and store a checked upload, then write its row."""
        record = upload.record
        document_id = record.document_id
        await self.store.put(document_id, self.cipher.seal(document_id, upload.content))
        async with self.pool.acquire() as conn:
            await document_db.insert(conn, record)
        # The id and kind only: the name may carry the TKA's name.
        log.info("document_uploaded", document_id=document_id, kind=record.kind.value,
                 size_bytes=record.size_bytes)  # fmt: skip
        return record

    async def metadata(self, actor: Actor, document_id: str) -> DocumentRecord:
        async with self.pool.acquire() as conn:
            doc = await document_db.get(conn, document_id)
        if doc is None:
            raise not_found(f"document {document_id} does not exist or is not yours to open")
        check_may_open(actor, doc)
        return doc

    async def open(self, actor: Actor, document_id: str) -> tuple[DocumentRecord, bytes]:
        """The document's bytes for someone allowed; staff and auditors' openings are
        recorded (append-only) before the bytes are given."""
        doc = await self.metadata(actor, document_id)
        recorded = check_may_open(actor, doc)
        sealed = await self.store.get(document_id)
        if sealed is None:
            raise not_found(f"document {document_id} is missing from the document store")
        content = self.cipher.open(document_id, doc.key_id, sealed)
        if recorded:
            async with self.pool.acquire() as conn:
                await document_db.record_opening(
                    conn,
                    DocumentOpening(
                        document_id=document_id,
                        application_id=doc.application_id,
                        subject=actor.subject,
                        role=actor.role.value,
                        ministry=actor.scope.ministry.value if actor.scope.ministry else None,
                        opened_at=datetime.now(UTC),
                    ),
                )
        log.info("document_opened", document_id=document_id, role=actor.role.value)
        return doc, content


async def resolve(
    pool: asyncpg.Pool, owner_nib: str, document_ids: list[str], application_id: str | None
) -> list[DocumentRecord]:
    """The employer's own documents by id, for a submission, revision or report: not yet
    part of another application. Unknown or foreign ids are a 422 naming them."""
    if not document_ids:
        return []
    wanted = list(dict.fromkeys(document_ids))
    async with pool.acquire() as conn:
        found = {d.document_id: d for d in await document_db.many(conn, wanted)}
    bad = [
        i
        for i in wanted
        if i not in found
        or found[i].owner_nib != owner_nib
        or found[i].application_id not in (None, application_id)
    ]
    if bad:
        raise invalid(
            f"document_ids: {', '.join(bad)} is not a document you uploaded for this "
            "application; upload it first (POST /documents)"
        )
    return [found[i] for i in wanted]


async def attach(conn: Connection, application_id: str, documents: list[DocumentRecord]) -> None:
    if documents:
        await document_db.attach(conn, application_id, documents, datetime.now(UTC))


async def with_documents(
    pool: asyncpg.Pool, owner_nib: str, application_id: str, payload: HumanInput
) -> tuple[HumanInput, list[DocumentRecord]]:
    """A decision naming `document_ids`, with their references (id, kind, SHA-256) filled in
    for the workflow: `documents`, or `document_refs` where `documents` is taken."""
    ids: list[str] = getattr(payload, "document_ids", None) or []
    if not ids:
        return payload, []
    docs = await resolve(pool, owner_nib, ids, application_id)
    field = "document_refs" if "document_refs" in type(payload).model_fields else "documents"
    return payload.model_copy(update={field: refs(docs)}), docs


def refs(documents: list[DocumentRecord]) -> list[DocumentRef]:
    return [d.ref() for d in documents]


async def read_limited(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """Everything, or TooLarge as soon as one byte more than `limit` has arrived."""
    received = bytearray()
    async for chunk in chunks:
        received += chunk
        if len(received) > limit:
            raise TooLarge(limit)
    return bytes(received)


def clean_file_name(raw: str) -> str:
    """A display name: NFC unicode is welcome; path separators, control characters, a
    leading dot or a name too long are refused (422), so no name can act as a path."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise invalid("file_name: give the file's name, e.g. paspor.pdf")
    if "/" in name or "\\" in name:
        raise invalid(
            "file_name: a file name must not contain '/' or '\\' (no folders); "
            "send the name alone, e.g. paspor.pdf"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        raise invalid("file_name: a file name must not contain control characters")
    if name.startswith(".") or len(name) > MAX_NAME:
        raise invalid(f"file_name: start with a letter or digit, at most {MAX_NAME} characters")
    return name
