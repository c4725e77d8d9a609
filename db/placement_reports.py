"""The funnel to work, from the placement read model: per UPT the person left, programme
and release kind, how many released inmates job placement took over, how many consented to
be followed up, and how many were placed (employed or self-employed) within 6 months of
release. It continues the certification funnel (`db/reports.py`) past the prison gate; the
release kind splits people, not enrolments, so it is a report of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db.connect import Connection
from domain.custody import ReleaseKind


class ReleasePeriod(BaseModel):
    """People released in [released_from, released_until); None: unbounded."""

    released_from: datetime | None = None
    released_until: datetime | None = None


class PlacementFunnelRow(BaseModel):
    """One UPT, programme and release kind. A person with two programmes counts under each."""

    upt_code: str
    programme_code: str
    release_kind: ReleaseKind
    handed_over: int  # job placement acknowledged the handover (a placement case exists)
    with_certificate: int  # of those, certified in this programme
    consented: int  # agreed to be contacted: followed up
    placed_within_6_months: int  # employed or self-employed, starting within 6 months
    employed: int  # the latest outcome, for each outcome
    self_employed: int
    further_training: int
    not_reached: int
    following_up: int  # the follow-up is still open


async def placement_funnel(
    conn: Connection | asyncpg.Pool,
    period: ReleasePeriod,
    upt: str | None = None,
    programme: str | None = None,
    release_kind: ReleaseKind | None = None,
) -> list[PlacementFunnelRow]:
    args: list[Any] = []
    clauses: list[str] = []
    for column, value in (
        ("p.released_at >=", period.released_from),
        ("p.released_at <", period.released_until),
        ("p.last_upt =", upt),
        ("x.programme_code =", programme),
        ("p.release_kind =", release_kind.value if release_kind else None),
    ):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} ${len(args)}")
    where = "WHERE " + " AND ".join(clauses) if clauses else ""
    # "Within 6 months": the first day of work no later than the release date (Jakarta) plus
    # six calendar months.
    sql = f"""
        SELECT p.last_upt AS upt_code, x.programme_code, p.release_kind,
               count(*) AS handed_over,
               count(*) FILTER (WHERE p.certificates @> jsonb_build_array(
                   jsonb_build_object('programme_code', x.programme_code)))
                   AS with_certificate,
               count(*) FILTER (WHERE p.contact_consent) AS consented,
               count(*) FILTER (WHERE p.placed_on IS NOT NULL AND p.placed_on <=
                   ((p.released_at AT TIME ZONE 'Asia/Jakarta')::date + interval '6 months'))
                   AS placed_within_6_months,
               count(*) FILTER (WHERE p.outcome = 'employed') AS employed,
               count(*) FILTER (WHERE p.outcome = 'self_employed') AS self_employed,
               count(*) FILTER (WHERE p.outcome = 'further_training') AS further_training,
               count(*) FILTER (WHERE p.outcome = 'not_reached') AS not_reached,
               count(*) FILTER (WHERE p.status = 'following_up') AS following_up
          FROM placements p CROSS JOIN LATERAL unnest(p.programme_codes) AS x(programme_code)
         {where}
         GROUP BY p.last_upt, x.programme_code, p.release_kind
         ORDER BY p.last_upt, x.programme_code, p.release_kind"""  # noqa: S608 - fixed names
    return [PlacementFunnelRow(**dict(r)) for r in await conn.fetch(sql, *args)]
