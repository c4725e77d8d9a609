"""The reads and counts behind the public certificate check: a certificate by its number
with its scheme, units and LSP (never the enrolment's UPT), and the per-day count of
look-ups by outcome (no address, number or date of birth is stored)."""

from __future__ import annotations

import json
from datetime import date

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from domain.certificate_check import CheckOutcome, UnitLine


class CertificateFacts(BaseModel):
    number: str
    holder_sdp_no: str  # to ask SDP for the holder's identity; never answered to the public
    issued_on: date
    valid_until: date
    scheme_code: str
    scheme_name: str
    units: list[UnitLine]
    lsp_code: str
    lsp_name: str


async def certificate(conn: Connection | asyncpg.Pool, number: str) -> CertificateFacts | None:
    """The certificate numbered `number`, in one query whether or not it exists."""
    row = await conn.fetchrow(
        """SELECT c.number, e.inmate_sdp_no AS holder_sdp_no, c.issued_on, c.valid_until,
                  p.scheme_code, p.name AS scheme_name, l.code AS lsp_code, l.name AS lsp_name,
                  coalesce((SELECT jsonb_agg(jsonb_build_object('code', u.code, 'title', u.title)
                                             ORDER BY u.position)
                              FROM competency_units u WHERE u.programme_code = p.code),
                           '[]') AS units
             FROM certificates c
             JOIN enrolments e USING (enrolment_id)
             JOIN programmes p ON p.code = e.programme_code
             JOIN lsps l ON l.code = e.lsp_code
            WHERE c.number = $1""",
        number,
    )
    if row is None:
        return None
    fields = dict(row)
    units = [UnitLine.model_validate(u) for u in json.loads(fields.pop("units"))]
    return CertificateFacts(**fields, units=units)


async def count(conn: Connection | asyncpg.Pool, day: date, outcome: CheckOutcome) -> None:
    await conn.execute(
        """INSERT INTO certificate_check_counts (day, outcome, lookups) VALUES ($1, $2, 1)
           ON CONFLICT (day, outcome)
           DO UPDATE SET lookups = certificate_check_counts.lookups + 1""",
        day,
        outcome.value,
    )


async def counts(conn: Connection | asyncpg.Pool) -> dict[CheckOutcome, int]:
    rows = await conn.fetch(
        "SELECT outcome, sum(lookups) AS n FROM certificate_check_counts GROUP BY outcome"
    )
    return {CheckOutcome(r["outcome"]): int(r["n"]) for r in rows}


class Taken(BaseModel):
    allowed: bool  # a token was taken
    tokens: float  # left in the bucket after the look-up


async def take_token(
    conn: Connection | asyncpg.Pool, client_key: bytes, per_second: float, burst: float
) -> Taken:
    """Refill the client's bucket for the time since its last look-up (up to `burst`) and
    take a token if there is one, in one statement: two API processes taking from one bucket
    at once queue on its row. A bucket's first look-up also deletes the buckets that have
    been idle long enough to be full again (they are the same as no row)."""
    refill = (
        "LEAST($3::float8, b.tokens + extract(epoch FROM now() - b.taken_at)::float8 * $2::float8)"
    )
    row = await conn.fetchrow(
        f"""INSERT INTO public_check_buckets AS b (client_key, tokens, taken_at, allowed)
            VALUES ($1, $3::float8 - 1, now(), true)
            ON CONFLICT (client_key) DO UPDATE
               SET tokens = CASE WHEN {refill} >= 1 THEN {refill} - 1 ELSE {refill} END,
                   allowed = {refill} >= 1,
                   taken_at = now()
            RETURNING allowed, tokens, xmax = 0 AS inserted""",  # noqa: S608 - fixed text
        client_key, per_second, burst,
    )  # fmt: skip
    assert row is not None
    if row["inserted"]:
        await conn.execute(
            """DELETE FROM public_check_buckets
                WHERE taken_at < now() - make_interval(secs => $1::float8)""",
            burst / per_second,
        )
    return Taken(allowed=row["allowed"], tokens=row["tokens"])
