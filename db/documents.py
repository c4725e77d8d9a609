"""Documents and their openings: explicit columns, `$n` parameters. The openings table is
append-only (V14's triggers)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from db.connect import Connection
from documents.models import DocumentOpening, DocumentRecord

_COLUMNS = """document_id, owner_nib, kind, content_type, size_bytes, sha256, file_name, key_id,
    uploaded_by, uploaded_at, application_id, attached_at, superseded_by, superseded_at"""


def _record(row: asyncpg.Record) -> DocumentRecord:
    return DocumentRecord.model_validate(dict(row))


async def insert(conn: Connection, doc: DocumentRecord) -> None:
    await conn.execute(
        f"""INSERT INTO documents ({_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, NULL, NULL)
            ON CONFLICT (document_id) DO NOTHING""",  # noqa: S608 - columns are constants
        doc.document_id, doc.owner_nib, doc.kind.value, doc.content_type.value, doc.size_bytes,
        doc.sha256, doc.file_name, doc.key_id, doc.uploaded_by, doc.uploaded_at,
    )  # fmt: skip


async def get(conn: Connection, document_id: str) -> DocumentRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM documents WHERE document_id = $1",  # noqa: S608
        document_id,
    )
    return _record(row) if row else None


async def many(conn: Connection, document_ids: list[str]) -> list[DocumentRecord]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM documents WHERE document_id = ANY($1::text[])",  # noqa: S608
        document_ids,
    )
    return [_record(r) for r in rows]


async def of_application(conn: Connection, application_id: str) -> list[DocumentRecord]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM documents WHERE application_id = $1
             ORDER BY kind, uploaded_at""",  # noqa: S608
        application_id,
    )
    return [_record(r) for r in rows]


async def attach(
    conn: Connection, application_id: str, documents: list[DocumentRecord], at: datetime
) -> None:
    """Attach to the application; a document of a kind already attached replaces the
    earlier one (kept, marked superseded). Repeating it changes nothing."""
    async with conn.transaction():
        for doc in documents:
            attached = await conn.fetchval(
                """UPDATE documents SET application_id = $2, attached_at = $3
                    WHERE document_id = $1 AND application_id IS NULL RETURNING true""",
                doc.document_id, application_id, at,
            )  # fmt: skip
            if not attached:
                continue
            await conn.execute(
                """UPDATE documents SET superseded_by = $3, superseded_at = $4
                    WHERE application_id = $1 AND kind = $2 AND document_id <> $3
                      AND superseded_by IS NULL AND attached_at < $4""",
                application_id, doc.kind.value, doc.document_id, at,
            )  # fmt: skip


async def record_opening(conn: Connection, opening: DocumentOpening) -> None:
    await conn.execute(
        """INSERT INTO document_openings (document_id, application_id, subject, role, ministry,
                                          opened_at)
           VALUES ($1, $2, $3, $4, $5, $6)""",
        opening.document_id, opening.application_id, opening.subject, opening.role,
        opening.ministry, opening.opened_at,
    )  # fmt: skip


async def openings(conn: Connection, document_id: str) -> list[DocumentOpening]:
    rows = await conn.fetch(
        """SELECT document_id, application_id, subject, role, ministry, opened_at
             FROM document_openings WHERE document_id = $1 ORDER BY opening_id""",
        document_id,
    )
    return [DocumentOpening.model_validate(dict(r)) for r in rows]
