"""Reference data reads: programmes with their units, offerings, UPTs."""

from __future__ import annotations

import asyncpg

from db.connect import Connection
from domain.reference import CompetencyUnit, EducationLevel, Offering, Programme, Upt, UptKind


async def get_programme(conn: Connection | asyncpg.Pool, code: str) -> Programme | None:
    row = await conn.fetchrow(
        """SELECT code, name, scheme_code, min_education, session_count, modules
             FROM programmes WHERE code = $1""",
        code,
    )
    if row is None:
        return None
    units = await conn.fetch(
        """SELECT code, title FROM competency_units
            WHERE programme_code = $1 ORDER BY position, code""",
        code,
    )
    return Programme(
        code=row["code"],
        name=row["name"],
        scheme_code=row["scheme_code"],
        min_education=EducationLevel(row["min_education"]),
        session_count=row["session_count"],
        modules=tuple(row["modules"]),
        units=tuple(CompetencyUnit(code=u["code"], title=u["title"]) for u in units),
    )


async def list_programmes(conn: Connection | asyncpg.Pool) -> list[Programme]:
    codes = await conn.fetch("SELECT code FROM programmes ORDER BY code")
    programmes = [await get_programme(conn, r["code"]) for r in codes]
    return [p for p in programmes if p is not None]


async def get_offering(
    conn: Connection | asyncpg.Pool, upt_code: str, programme_code: str
) -> Offering | None:
    row = await conn.fetchrow(
        """SELECT upt_code, programme_code, lsp_code, planned_start, planned_end
             FROM offerings WHERE upt_code = $1 AND programme_code = $2""",
        upt_code,
        programme_code,
    )
    return Offering(**dict(row)) if row is not None else None


async def list_offerings(conn: Connection | asyncpg.Pool, upt_code: str) -> list[Offering]:
    rows = await conn.fetch(
        """SELECT upt_code, programme_code, lsp_code, planned_start, planned_end
             FROM offerings WHERE upt_code = $1 ORDER BY programme_code""",
        upt_code,
    )
    return [Offering(**dict(r)) for r in rows]


async def list_upts(conn: Connection | asyncpg.Pool) -> list[Upt]:
    rows = await conn.fetch("SELECT code, name, kind, city FROM upts ORDER BY code")
    return [
        Upt(code=r["code"], name=r["name"], kind=UptKind(r["kind"]), city=r["city"]) for r in rows
    ]


async def get_upt(conn: Connection | asyncpg.Pool, code: str) -> Upt | None:
    row = await conn.fetchrow("SELECT code, name, kind, city FROM upts WHERE code = $1", code)
    if row is None:
        return None
    return Upt(code=row["code"], name=row["name"], kind=UptKind(row["kind"]), city=row["city"])
