"""The cohort rows still to hand to their journeys (V24), as the cohort dispatcher sees them.

An accepted row is queued with its request sealed beside it (`db/cohort_rows.claim`). A
dispatcher *takes* a batch of due rows (FOR UPDATE SKIP LOCKED: replicas never take the same
row, nor wait on each other) by leasing them for a while, and counts the attempt then, so a
row that kills its dispatcher every time still runs out of attempts. While the lease holds,
no other dispatcher takes the row; one that died leaves it leased until the lease runs out.
A row is marked signalled once the journey has it; a failure puts it back with a backoff,
and the last attempt's failure refuses it later, with the reason the cohort status shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from db.connect import Connection

_QUEUED = "r.request IS NOT NULL AND r.signalled_at IS NULL AND r.outcome IS NULL"


@dataclass(frozen=True)
class QueuedRow:
    """A row leased to one dispatcher: what it takes to signal it."""

    cohort_id: str
    enrolment_id: str
    inmate_sdp_no: str
    upt_code: str  # the cohort's UPT: where the inmate was held when the row was checked
    request: bytes  # the sealed CohortEnrolment
    attempts: int  # this one included


async def take_due(
    conn: Connection | asyncpg.Pool, owner: str, limit: int, lease_seconds: float
) -> list[QueuedRow]:
    """Lease up to `limit` due rows to `owner` for `lease_seconds`, oldest due first: rows
    queued and not signalled whose time has come and that nobody holds (or whose holder's
    lease ran out: it died, or it gave up on the row before sending it)."""
    found = await conn.fetch(
        f"""UPDATE cohort_rows r
               SET lease_owner = $1, lease_until = now() + make_interval(secs => $3),
                   attempts = r.attempts + 1
              FROM (SELECT cohort_id, inmate_sdp_no, programme_code FROM cohort_rows r
                     WHERE {_QUEUED} AND r.next_attempt_at <= now()
                       AND (r.lease_until IS NULL OR r.lease_until < now())
                     ORDER BY r.next_attempt_at
                     LIMIT $2
                     FOR UPDATE SKIP LOCKED) due, cohorts c
             WHERE r.cohort_id = due.cohort_id AND r.inmate_sdp_no = due.inmate_sdp_no
               AND r.programme_code = due.programme_code AND c.cohort_id = r.cohort_id
         RETURNING r.cohort_id, r.enrolment_id, r.inmate_sdp_no, c.upt_code, r.request,
                   r.attempts""",  # noqa: S608 - a constant
        owner,
        limit,
        lease_seconds,
    )
    return [QueuedRow(**dict(row)) for row in found]


async def mark_signalled(conn: Connection | asyncpg.Pool, rows: Sequence[QueuedRow]) -> int:
    """The journeys have these rows: they are the journeys' now (their sealed requests are
    dropped). By whichever dispatcher, once: how many were marked."""
    if not rows:
        return 0
    done = await conn.fetch(
        """UPDATE cohort_rows r
              SET signalled_at = now(), request = NULL, lease_owner = NULL, lease_until = NULL,
                  last_error = NULL
             FROM unnest($1::text[], $2::text[]) AS s (cohort_id, enrolment_id)
            WHERE r.cohort_id = s.cohort_id AND r.enrolment_id = s.enrolment_id
              AND r.signalled_at IS NULL
        RETURNING r.enrolment_id""",
        [r.cohort_id for r in rows],
        [r.enrolment_id for r in rows],
    )
    return len(done)


async def mark_failed(
    conn: Connection | asyncpg.Pool,
    row: QueuedRow,
    owner: str,
    error: str,
    refusal: str | None,
    backoff_seconds: float,
) -> bool:
    """An attempt failed: the row is due again after `backoff_seconds`, or, with a `refusal`
    (out of attempts, or a row no attempt can hand over), refused later with it. Only while
    `owner` still holds the row and the journey has not applied it after all (an attempt
    whose answer was lost may have reached it). Whether the row was refused."""
    refused = await conn.fetchval(
        f"""UPDATE cohort_rows r
               SET last_error = left($4, 300), lease_owner = NULL, lease_until = NULL,
                   next_attempt_at = now() + make_interval(secs => $5),
                   outcome = CASE WHEN $6::text IS NULL THEN NULL ELSE 'refused' END,
                   outcome_reason = $6, applied_at = CASE WHEN $6::text IS NULL THEN NULL
                                                          ELSE now() END,
                   request = CASE WHEN $6::text IS NULL THEN r.request END
             WHERE r.cohort_id = $1 AND r.enrolment_id = $2 AND r.lease_owner = $3
               AND {_QUEUED}
         RETURNING r.outcome IS NOT NULL""",  # noqa: S608 - a constant
        row.cohort_id,
        row.enrolment_id,
        owner,
        error,
        backoff_seconds,
        refusal,
    )
    return bool(refused)


async def release(conn: Connection | asyncpg.Pool, owner: str, rows: Sequence[QueuedRow]) -> None:
    """Give back rows `owner` took and did not try (their lease had too little time left):
    due at once for any dispatcher, the attempt not counted."""
    await conn.execute(
        """UPDATE cohort_rows r
              SET lease_owner = NULL, lease_until = NULL, attempts = r.attempts - 1
             FROM unnest($2::text[], $3::text[]) AS s (cohort_id, enrolment_id)
            WHERE r.cohort_id = s.cohort_id AND r.enrolment_id = s.enrolment_id
              AND r.lease_owner = $1 AND r.signalled_at IS NULL""",
        owner,
        [r.cohort_id for r in rows],
        [r.enrolment_id for r in rows],
    )


async def with_journeys(conn: Connection | asyncpg.Pool, within_seconds: float) -> int:
    """Rows handed to their journeys in the last `within_seconds` and not yet applied by them:
    the cohort dispatcher's window. A row older than that (its journey stuck on an incident,
    say) no longer counts, so it cannot hold the window shut."""
    found = await conn.fetchval(
        """SELECT count(*) FROM cohort_rows
            WHERE answer = 'accepted' AND outcome IS NULL AND signalled_at IS NOT NULL
              AND signalled_at > now() - make_interval(secs => $1)""",
        within_seconds,
    )
    return int(found)
