"""The auditors' case search: every kind of case (enrolments, inmate journeys, TKA permits,
job placements after release) in one list, filtered by kind, stage, UPT, programme,
employer, opening date and SLA breach, newest first, paginated, on the Postgres read model.

Each kind is read from its own table through the same columns; a filter on a column a kind
does not have (a programme for a permit, an employer for an enrolment) leaves that kind out.
Each branch is limited to `offset + limit` rows in index order before the branches are
merged, so a page reads no more than it shows (V7 adds the indexes; EXPLAIN in
tests/db/test_audit_search.py shows they are used).

An SLA breach is a task of the case (the reviewer inbox, `tasks`) that was escalated, closed
after its due date, or is still open past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from pydantic import BaseModel, Field

from db.connect import Connection
from domain.enrolment import WORKFLOW_KIND as ENROLMENT_KIND
from domain.journey import JOURNEY_KIND
from domain.permit import WORKFLOW_KIND as PERMIT_KIND
from domain.placement import PLACEMENT_KIND


class CaseKind(StrEnum):
    """The kinds of case (each workflow's SinergiKind, and `tasks.case_kind`)."""

    ENROLMENT = ENROLMENT_KIND
    JOURNEY = JOURNEY_KIND
    TKA_PERMIT = PERMIT_KIND
    PLACEMENT = PLACEMENT_KIND


@dataclass(frozen=True)
class _CaseTable:
    """Where one kind of case lives and which of its columns answer to the common ones
    (None: the kind has no such thing)."""

    kind: CaseKind
    table: str
    case_id: str
    stage: str
    outcome: str | None
    upt: str | None
    programme: str | None
    employer_nib: str | None
    inmate_sdp_no: str | None
    opened_at: str


CASE_TABLES: dict[CaseKind, _CaseTable] = {
    CaseKind.ENROLMENT: _CaseTable(
        CaseKind.ENROLMENT, "enrolments", "enrolment_id", "stage", "outcome", "upt_code",
        "programme_code", None, "inmate_sdp_no", "requested_at",
    ),
    CaseKind.JOURNEY: _CaseTable(
        CaseKind.JOURNEY, "journeys", "journey_id", "status", None, "upt_code", None, None,
        "inmate_sdp_no", "started_at",
    ),
    CaseKind.TKA_PERMIT: _CaseTable(
        CaseKind.TKA_PERMIT, "permit_applications", "application_id", "stage", "outcome", None,
        None, "employer_nib", None, "submitted_at",
    ),
    # Its unit is the UPT the person was released from; its programmes are a list (the
    # programme filter leaves placements out); opened when job placement took it over.
    CaseKind.PLACEMENT: _CaseTable(
        CaseKind.PLACEMENT, "placements", "placement_id", "status", "outcome", "last_upt",
        None, None, "inmate_sdp_no", "started_at",
    ),
}  # fmt: skip


class CaseSearch(BaseModel):
    kinds: frozenset[CaseKind]  # the kinds searched: those the auditor audits, narrowed by a filter
    stage: str | None = None
    upt: str | None = None
    programme: str | None = None
    employer_nib: str | None = None
    opened_from: datetime | None = None  # inclusive
    opened_until: datetime | None = None  # exclusive
    sla_breached: bool | None = None  # None: either
    now: datetime  # the caller's clock: "open past its due date" means due_at < now
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)


class AuditCase(BaseModel):
    """One case as the search lists it: ids, where it stands, no personal data."""

    case_kind: CaseKind
    case_id: str
    workflow_id: str
    stage: str
    outcome: str | None
    upt_code: str | None
    programme_code: str | None
    employer_nib: str | None
    inmate_sdp_no: str | None  # the SDP registration number, not the NIK
    opened_at: datetime
    updated_at: datetime
    sla_breached: bool


def _breached(kind: CaseKind, case_id: str, now: str) -> str:
    # Two EXISTS, one per partial index of V7 (their predicates are implied here).
    return f"""(EXISTS (SELECT 1 FROM tasks t
                         WHERE t.case_kind = '{kind.value}' AND t.case_id = {case_id}
                           AND (t.escalated_at IS NOT NULL OR t.closed_at > t.due_at))
             OR EXISTS (SELECT 1 FROM tasks t
                         WHERE t.case_kind = '{kind.value}' AND t.case_id = {case_id}
                           AND t.closed_at IS NULL AND t.due_at IS NOT NULL
                           AND t.due_at < {now}))"""  # noqa: S608 - fixed names, clock bound


def _branch(table: _CaseTable, where: CaseSearch, args: list[Any]) -> str | None:
    """One kind's SELECT, or None when a filter rules the whole kind out."""

    def bind(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    def column(name: str | None) -> str:
        return f"c.{name}" if name is not None else "NULL"

    clauses: list[str] = []
    for wanted, name in (
        (where.upt, table.upt),
        (where.programme, table.programme),
        (where.employer_nib, table.employer_nib),
    ):
        if wanted is not None:
            if name is None:
                return None
            clauses.append(f"c.{name} = {bind(wanted)}")
    if where.stage is not None:
        clauses.append(f"c.{table.stage} = {bind(where.stage)}")
    if where.opened_from is not None:
        clauses.append(f"c.{table.opened_at} >= {bind(where.opened_from)}")
    if where.opened_until is not None:
        clauses.append(f"c.{table.opened_at} < {bind(where.opened_until)}")
    breached = _breached(table.kind, f"c.{table.case_id}", bind(where.now))
    if where.sla_breached is not None:
        clauses.append(breached if where.sla_breached else f"NOT {breached}")
    return f"""(SELECT '{table.kind.value}'::text AS case_kind, c.{table.case_id} AS case_id,
                       c.workflow_id, c.{table.stage} AS stage,
                       {column(table.outcome)}::text AS outcome,
                       {column(table.upt)}::text AS upt_code,
                       {column(table.programme)}::text AS programme_code,
                       {column(table.employer_nib)}::text AS employer_nib,
                       {column(table.inmate_sdp_no)}::text AS inmate_sdp_no,
                       c.{table.opened_at} AS opened_at, c.updated_at, {breached} AS sla_breached
                  FROM {table.table} c
                 {"WHERE " + " AND ".join(clauses) if clauses else ""}
                 ORDER BY c.{table.opened_at} DESC, c.{table.case_id}
                 LIMIT {bind(where.offset + where.limit)})"""  # noqa: S608 - fixed names


def search_sql(where: CaseSearch) -> tuple[str, list[Any]]:
    """The query and its arguments (EXPLAIN in the tests reads the same text)."""
    args: list[Any] = []
    branches = [
        sql
        for kind in CaseKind
        if kind in where.kinds and (sql := _branch(CASE_TABLES[kind], where, args)) is not None
    ]
    if not branches:
        return "SELECT NULL LIMIT 0", []
    args += [where.limit, where.offset]
    sql = f"""SELECT * FROM ({" UNION ALL ".join(branches)}) cases
               ORDER BY opened_at DESC, case_kind, case_id
               LIMIT ${len(args) - 1} OFFSET ${len(args)}"""  # noqa: S608 - placeholders only
    return sql, args


async def search_cases(conn: Connection | asyncpg.Pool, where: CaseSearch) -> list[AuditCase]:
    sql, args = search_sql(where)
    if not args:
        return []
    return [AuditCase(**dict(r)) for r in await conn.fetch(sql, *args)]


async def workflow_of(
    conn: Connection | asyncpg.Pool, case_kind: CaseKind, case_id: str
) -> str | None:
    """The workflow id of a case (a journey's is shared by its inmate's custody spells)."""
    table = CASE_TABLES[case_kind]
    found: str | None = await conn.fetchval(
        f"SELECT workflow_id FROM {table.table} WHERE {table.case_id} = $1",  # noqa: S608
        case_id,
    )
    return found
