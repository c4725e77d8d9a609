"""The log of every payload decode the codec server made (api/codec.py): who, in which role
and scope, for which namespace and workflow (when the caller said), how many payloads.
Append-only (V12's trigger refuses UPDATE, DELETE and TRUNCATE); keyed by the request's id."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from domain.identity import Scope


class CodecDecode(BaseModel):
    request_id: uuid.UUID
    at: datetime
    subject: str
    role: str
    scope: Scope
    namespace: str
    workflow_id: str | None
    payloads: int


async def record(conn: Connection | asyncpg.Pool, entry: CodecDecode) -> None:
    await conn.execute(
        """INSERT INTO codec_decodes (request_id, at, subject, role, scope, namespace,
                                      workflow_id, payloads)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)
           ON CONFLICT (request_id) DO NOTHING""",
        entry.request_id, entry.at, entry.subject, entry.role,
        entry.scope.model_dump_json(exclude_none=True), entry.namespace, entry.workflow_id,
        entry.payloads,
    )  # fmt: skip


async def latest(conn: Connection | asyncpg.Pool, limit: int = 50) -> list[CodecDecode]:
    rows = await conn.fetch(
        """SELECT request_id, at, subject, role, scope, namespace, workflow_id, payloads
             FROM codec_decodes ORDER BY at DESC, request_id LIMIT $1""",
        limit,
    )
    return [
        CodecDecode(**{**dict(r), "scope": Scope.model_validate_json(r["scope"])}) for r in rows
    ]
