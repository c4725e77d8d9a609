"""Drafts of the employer's application form (V17): explicit columns, `$n` parameters.

A draft is its NIB's only: every read and write names the NIB, so another employer's draft
id reads as no draft at all. A submitted draft is never written again."""

from __future__ import annotations

import json
from datetime import datetime

import asyncpg
from pydantic import BaseModel

from db.connect import Connection

_COLUMNS = """draft_id, employer_nib, fields, documents, created_by, created_at, updated_at,
    application_id, submitted_at"""


class DraftRecord(BaseModel):
    draft_id: str
    employer_nib: str
    fields: dict[str, str]  # the form's values as typed
    documents: dict[str, str]  # document kind -> document id
    created_by: str
    created_at: datetime
    updated_at: datetime
    application_id: str | None
    submitted_at: datetime | None


def _record(row: asyncpg.Record) -> DraftRecord:
    values = dict(row)
    values["fields"] = json.loads(values["fields"])
    values["documents"] = json.loads(values["documents"])
    return DraftRecord.model_validate(values)


async def save(
    conn: Connection,
    draft_id: str,
    employer_nib: str,
    fields: dict[str, str],
    documents: dict[str, str],
    by: str,
) -> bool:
    """Create or overwrite the draft; False (nothing written) when the id is another NIB's
    or the draft was already submitted."""
    saved = await conn.fetchval(
        """INSERT INTO permit_drafts (draft_id, employer_nib, fields, documents, created_by)
           VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
           ON CONFLICT (draft_id) DO UPDATE
              SET fields = EXCLUDED.fields, documents = EXCLUDED.documents, updated_at = now()
            WHERE permit_drafts.employer_nib = EXCLUDED.employer_nib
              AND permit_drafts.application_id IS NULL
           RETURNING true""",
        draft_id, employer_nib, json.dumps(fields), json.dumps(documents), by,
    )  # fmt: skip
    return bool(saved)


async def get(conn: Connection, draft_id: str, employer_nib: str) -> DraftRecord | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM permit_drafts WHERE draft_id = $1 AND employer_nib = $2",  # noqa: S608
        draft_id, employer_nib,
    )  # fmt: skip
    return _record(row) if row else None


async def lock(conn: Connection, draft_id: str, employer_nib: str) -> DraftRecord | None:
    """The draft, locked until the transaction ends: of two submissions, the second waits
    and then finds it submitted."""
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM permit_drafts
             WHERE draft_id = $1 AND employer_nib = $2 FOR UPDATE""",  # noqa: S608
        draft_id, employer_nib,
    )  # fmt: skip
    return _record(row) if row else None


async def mark_submitted(conn: Connection, draft_id: str, application_id: str) -> None:
    await conn.execute(
        """UPDATE permit_drafts SET application_id = $2, submitted_at = now(), updated_at = now()
            WHERE draft_id = $1 AND application_id IS NULL""",
        draft_id, application_id,
    )  # fmt: skip


async def open_drafts(conn: Connection, employer_nib: str) -> list[DraftRecord]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM permit_drafts
             WHERE employer_nib = $1 AND application_id IS NULL
             ORDER BY updated_at DESC LIMIT 50""",  # noqa: S608
        employer_nib,
    )  # fmt: skip
    return [_record(r) for r in rows]
