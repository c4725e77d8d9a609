"""Which document is a handover's package PDF, and its SHA-256 on the journey's audit chain.

The PDF is kept once per handover: the first stored stays (the row's key is the handover),
and storing it appends one line to the journey's chain (`handover_document_stored`, its hash
in `detail.sha256`) in the same transaction, keyed by the handover, so it lands once.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg
from pydantic import BaseModel

from db import audit_trail
from db.connect import Connection
from documents.package_store import StoredDocument
from domain.audit_chain import AuditEntry
from domain.journey import JOURNEY_KIND

PACKAGE_PDF = "package_pdf"
STORED_KIND = "handover_document_stored"


class HandoverDocument(BaseModel):
    sha256: str
    key_id: str
    size_bytes: int
    media_type: str


async def package_pdf(conn: Connection | asyncpg.Pool, handover_id: str) -> HandoverDocument | None:
    row = await conn.fetchrow(
        """SELECT d.sha256, d.key_id, d.size_bytes, d.media_type
             FROM handover_documents h JOIN rendered_documents d USING (sha256)
            WHERE h.handover_id = $1 AND h.kind = $2""",
        handover_id,
        PACKAGE_PDF,
    )
    return HandoverDocument(**dict(row)) if row else None


async def record_package_pdf(
    conn: Connection, handover_id: str, journey_id: str, stored: StoredDocument, at: datetime
) -> HandoverDocument:
    """Record the stored PDF as the handover's package (the first one recorded wins)."""
    async with conn.transaction():
        await conn.execute(
            """INSERT INTO rendered_documents (sha256, media_type, size_bytes, key_id, stored_at)
               VALUES ($1, 'application/pdf', $2, $3, $4) ON CONFLICT (sha256) DO NOTHING""",
            stored.sha256,
            stored.size_bytes,
            stored.key_id,
            at,
        )
        first = await conn.fetchval(
            """INSERT INTO handover_documents (handover_id, journey_id, kind, sha256, created_at)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (handover_id, kind) DO NOTHING
               RETURNING true""",
            handover_id, journey_id, PACKAGE_PDF, stored.sha256, at,
        )  # fmt: skip
        if first:
            journey = await conn.fetchrow(
                "SELECT workflow_id, status FROM journeys WHERE journey_id = $1", journey_id
            )
            assert journey is not None  # the handover's journey row exists before it
            await audit_trail.append(
                conn,
                AuditEntry(
                    entry_key=f"{handover_id}:{PACKAGE_PDF}",
                    case_kind=JOURNEY_KIND,
                    case_id=journey_id,
                    workflow_id=journey["workflow_id"],
                    run_id=None,
                    kind=STORED_KIND,
                    at=at,
                    stage=journey["status"],
                    reason="the handover package was rendered as a PDF and stored",
                    detail={"handover_id": handover_id, "sha256": stored.sha256},
                ),
            )
        found = await package_pdf(conn, handover_id)
        assert found is not None
        return found
