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
