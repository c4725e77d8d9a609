"""Cohort rows (V23, V24): every row of a cohort with the API's answer and, for an accepted
row, what became of it later; read back as the cohort's status.

An accepted row is *claimed* with its sealed request in the transaction that answers its
batch (`claim`): from then on it is durable, queued for the cohort dispatcher
(`db/cohort_outbox.py`, `workers/cohort_dispatch.py`), which signals it to the inmate's
journey. The partial unique index `cohort_rows_one_queued` lets one queued request per
inmate and programme exist, so a copy sent at the same moment is answered already enrolled,
never enrolled twice. The journey's projection writes the outcome (`record_outcome`, in the
transaction of its journey event, so a retried write lands once); a row the dispatcher could
not hand over is refused later by it, with the reason. A row is settled once its enrolment's
row and first inbox task are written; that is read, not stored (`counts`, `rows`).

A row is replaced by a later answer for the same inmate and programme in the same cohort
only when it did not take (rejected, already enrolled, or refused later): a row still
queued or started keeps its answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from domain.cohort import CohortRowNote, RowAnswer, RowState

Pair = tuple[str, str]  # (inmate_sdp_no, programme_code)

# A row that did not take: a later answer for its inmate and programme may replace it.
_NOT_TAKEN = "(cohort_rows.answer <> 'accepted' OR cohort_rows.outcome = 'refused')"
# The channel the API notifies when it has queued rows (the dispatchers listen on it).
QUEUED_CHANNEL = "cohort_rows_queued"


class CohortRowRecord(BaseModel):
    inmate_sdp_no: str
    programme_code: str
    state: RowState
    enrolment_id: str | None
    reason: str | None  # the answer's, or why the journey refused the row
    answered_at: datetime
    signalled_at: datetime | None  # when the dispatcher handed it to the journey
    applied_at: datetime | None  # when the journey started or refused it (or the dispatcher)
    settled_at: datetime | None  # when its placement task was opened


class CohortCounts(BaseModel):
    total: int
    accepted: int  # answered accepted, whatever happened later
    settling: int
    queued: int  # of the settling rows, those not yet handed to the journey
    settled: int
    refused_later: int
    already_enrolled: int
    rejected: int


async def open_cohort(conn: Connection | asyncpg.Pool, cohort_id: str, upt: str, by: str) -> bool:
    """Create the cohort for `upt`, or find it; False when it belongs to another UPT."""
    await conn.execute(
        """INSERT INTO cohorts (cohort_id, upt_code, created_by) VALUES ($1, $2, $3)
           ON CONFLICT (cohort_id) DO NOTHING""",
        cohort_id,
        upt,
        by,
    )
    return bool(await conn.fetchval("SELECT upt_code = $2 FROM cohorts WHERE cohort_id = $1",
                                     cohort_id, upt))  # fmt: skip


async def cohort_upt(conn: Connection | asyncpg.Pool, cohort_id: str) -> str | None:
    found: str | None = await conn.fetchval(
        "SELECT upt_code FROM cohorts WHERE cohort_id = $1", cohort_id
    )
    return found


async def in_flight(conn: Connection | asyncpg.Pool, pairs: Sequence[Pair]) -> dict[Pair, str]:
    """The accepted rows (any cohort) whose enrolment is not in the read model yet and was not
    refused: queued in the journey, or started and not projected. Their enrolment id by pair."""
    if not pairs:
        return {}
    found = await conn.fetch(
        """SELECT r.inmate_sdp_no, r.programme_code, r.enrolment_id
             FROM cohort_rows r
             JOIN unnest($1::text[], $2::text[]) AS p (inmate_sdp_no, programme_code)
               ON p.inmate_sdp_no = r.inmate_sdp_no AND p.programme_code = r.programme_code
            WHERE r.answer = 'accepted'
              AND (r.outcome IS NULL
                   OR (r.outcome = 'started' AND NOT EXISTS
                         (SELECT 1 FROM enrolments e WHERE e.enrolment_id = r.enrolment_id)))""",
        [p[0] for p in pairs],
        [p[1] for p in pairs],
    )
    return {(r["inmate_sdp_no"], r["programme_code"]): r["enrolment_id"] for r in found}


async def claim(
    conn: Connection, cohort_id: str, rows: Sequence[tuple[str, str, str, bytes]]
) -> set[Pair]:
    """Claim (inmate, programme, enrolment_id, sealed request) rows as accepted and queued
    for the dispatcher, in the caller's transaction: the pairs claimed. A pair not claimed
    has a queued request already (in this cohort or another): its row is answered already
    enrolled. Rows are written in one order (by pair), so two batches that share pairs wait
    on each other rather than deadlock."""
    if not rows:
        return set()
    ordered = sorted(rows)
    await conn.execute(
        f"""DELETE FROM cohort_rows
             WHERE cohort_id = $1 AND {_NOT_TAKEN}
               AND (inmate_sdp_no, programme_code) IN
                   (SELECT * FROM unnest($2::text[], $3::text[]))""",  # noqa: S608 - constant
        cohort_id,
        [r[0] for r in ordered],
        [r[1] for r in ordered],
    )
    found = await conn.fetch(
        """INSERT INTO cohort_rows (cohort_id, inmate_sdp_no, programme_code, enrolment_id,
                                    answer, request, next_attempt_at)
           SELECT $1, i, p, e, 'accepted', q, now()
             FROM unnest($2::text[], $3::text[], $4::text[], $5::bytea[]) AS r (i, p, e, q)
           ON CONFLICT DO NOTHING
           RETURNING inmate_sdp_no, programme_code""",
        cohort_id,
        [r[0] for r in ordered],
        [r[1] for r in ordered],
        [r[2] for r in ordered],
        [r[3] for r in ordered],
    )
    return {(r["inmate_sdp_no"], r["programme_code"]) for r in found}


async def wake_dispatchers(conn: Connection) -> None:
    """Tell the cohort dispatchers rows are queued; delivered when the transaction commits."""
    await conn.execute("SELECT pg_notify($1, '')", QUEUED_CHANNEL)


async def record_answers(
    conn: Connection | asyncpg.Pool,
    cohort_id: str,
    rows: Sequence[tuple[str, str, str | None, RowAnswer, str | None]],
) -> None:
    """(inmate, programme, enrolment_id, answer, reason) of rows answered without a request
    to the journey (already enrolled, rejected); a row that took keeps its answer."""
    await conn.executemany(
        f"""INSERT INTO cohort_rows (cohort_id, inmate_sdp_no, programme_code, enrolment_id,
                                     answer, reason)
            VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (cohort_id, inmate_sdp_no, programme_code) DO UPDATE
               SET enrolment_id = EXCLUDED.enrolment_id, answer = EXCLUDED.answer,
                   reason = EXCLUDED.reason, answered_at = now(), outcome = NULL,
                   outcome_reason = NULL, applied_at = NULL, request = NULL,
                   signalled_at = NULL, attempts = 0, last_error = NULL,
                   next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL
             WHERE {_NOT_TAKEN}""",  # noqa: S608 - a constant
        [(cohort_id, i, p, e, a.value, r) for i, p, e, a, r in rows],
    )


async def record_outcome(
    conn: Connection, note: CohortRowNote, inmate_sdp_no: str, at: datetime
) -> None:
    """The journey started or refused the row (its projection, keyed by the row): a row
    claimed for another request that took is left as it is. The journey has the row, so it
    is not the dispatcher's any more (its sealed request is dropped)."""
    await conn.execute(
        f"""INSERT INTO cohort_rows (cohort_id, inmate_sdp_no, programme_code, enrolment_id,
                                     answer, answered_at, outcome, outcome_reason, applied_at)
            VALUES ($1, $2, $3, $4, 'accepted', $7, $5, $6, $7)
            ON CONFLICT (cohort_id, inmate_sdp_no, programme_code) DO UPDATE
               SET enrolment_id = EXCLUDED.enrolment_id, answer = 'accepted', reason = NULL,
                   outcome = EXCLUDED.outcome, outcome_reason = EXCLUDED.outcome_reason,
                   applied_at = EXCLUDED.applied_at, request = NULL, lease_owner = NULL,
                   lease_until = NULL
             WHERE cohort_rows.enrolment_id = EXCLUDED.enrolment_id OR {_NOT_TAKEN}""",  # noqa: S608
        note.cohort_id,
        inmate_sdp_no,
        note.programme_code,
        note.enrolment_id,
        note.outcome.value,
        note.reason,
        at,
    )


_ROWS = """
    SELECT r.inmate_sdp_no, r.programme_code, r.enrolment_id, r.answered_at, r.applied_at,
           r.signalled_at,
           t.opened_at AS settled_at, COALESCE(r.outcome_reason, r.reason) AS reason,
           CASE WHEN r.answer = 'rejected' THEN 'rejected'
                WHEN r.answer = 'already_enrolled' THEN 'already_enrolled'
                WHEN r.outcome = 'refused' THEN 'refused_later'
                WHEN r.outcome = 'started' AND t.opened_at IS NOT NULL
                     AND EXISTS (SELECT 1 FROM enrolments e WHERE e.enrolment_id = r.enrolment_id)
                     THEN 'settled'
                ELSE 'settling' END AS state
      FROM cohort_rows r
      LEFT JOIN LATERAL (SELECT min(opened_at) AS opened_at FROM tasks
                          WHERE case_id = r.enrolment_id AND r.outcome = 'started') t ON true
     WHERE r.cohort_id = $1
"""


async def counts(conn: Connection | asyncpg.Pool, cohort_id: str) -> CohortCounts:
    row = await conn.fetchrow(
        f"""SELECT count(*) AS total,
                   count(*) FILTER (WHERE state IN ('settling', 'settled', 'refused_later'))
                       AS accepted,
                   count(*) FILTER (WHERE state = 'settling') AS settling,
                   count(*) FILTER (WHERE state = 'settling' AND signalled_at IS NULL
                                      AND applied_at IS NULL) AS queued,
                   count(*) FILTER (WHERE state = 'settled') AS settled,
                   count(*) FILTER (WHERE state = 'refused_later') AS refused_later,
                   count(*) FILTER (WHERE state = 'already_enrolled') AS already_enrolled,
                   count(*) FILTER (WHERE state = 'rejected') AS rejected
              FROM ({_ROWS}) s""",  # noqa: S608 - a constant
        cohort_id,
    )
    assert row is not None  # an aggregate always answers one row
    return CohortCounts.model_validate(dict(row))


async def rows(
    conn: Connection | asyncpg.Pool,
    cohort_id: str,
    state: RowState | None,
    limit: int,
    offset: int,
) -> list[CohortRowRecord]:
    found = await conn.fetch(
        f"""SELECT * FROM ({_ROWS}) s WHERE $2::text IS NULL OR state = $2
             ORDER BY answered_at, inmate_sdp_no, programme_code LIMIT $3 OFFSET $4""",  # noqa: S608
        cohort_id,
        state.value if state else None,
        limit,
        offset,
    )
    return [CohortRowRecord.model_validate(dict(r)) for r in found]
