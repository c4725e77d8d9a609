"""The log of every request a person holding the auditor role made: who, in which role and
scope, what they asked for, the answer's status, when. Append-only (V7's trigger refuses
UPDATE, DELETE and TRUNCATE); each row is keyed by the request's own id, so recording one
request twice lands once."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel, Field

from db.connect import Connection
from domain.identity import Ministry, Scope


class AuditorRequest(BaseModel):
    request_id: uuid.UUID
    at: datetime
    subject: str
    role: str
    scope: Scope
    method: str
    path: str
    query: str
    status: int


class AuditorRequestFilter(BaseModel):
    # None: requests by auditors of every scope; else those of auditors of this ministry.
    scope_ministry: Ministry | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


async def record(conn: Connection | asyncpg.Pool, entry: AuditorRequest) -> None:
    await conn.execute(
        """INSERT INTO auditor_requests (request_id, at, subject, role, scope_ministry, scope,
                                         method, path, query, status)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)
           ON CONFLICT (request_id) DO NOTHING""",
        entry.request_id, entry.at, entry.subject, entry.role,
        entry.scope.ministry.value if entry.scope.ministry else None,
        entry.scope.model_dump_json(exclude_none=True), entry.method, entry.path, entry.query,
        entry.status,
    )  # fmt: skip


async def list_requests(
    conn: Connection | asyncpg.Pool, where: AuditorRequestFilter
) -> list[AuditorRequest]:
    clauses: list[str] = []
    args: list[Any] = []
    for condition, value in (
        ("scope_ministry = ${}", where.scope_ministry.value if where.scope_ministry else None),
        ("subject = ${}", where.subject),
        ("at >= ${}", where.since),
        ("at < ${}", where.until),
    ):
        if value is not None:
            args.append(value)
            clauses.append(condition.format(len(args)))
    args += [where.limit, where.offset]
    sql = f"""SELECT request_id, at, subject, role, scope, method, path, query, status
                FROM auditor_requests
               {"WHERE " + " AND ".join(clauses) if clauses else ""}
               ORDER BY at DESC, request_id
               LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - placeholders only
    rows = await conn.fetch(sql, *args)
    return [
        AuditorRequest(**{**dict(r), "scope": Scope.model_validate(json.loads(r["scope"]))})
        for r in rows
    ]
