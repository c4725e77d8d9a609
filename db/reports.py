"""The auditors' reports, read from the Postgres read model: the certification funnel per UPT
and programme (Process A), the TKA pipeline per stage (Process B), and SLA compliance per
step and ministry (every reviewer task with a due date)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db.audit_search import CaseKind
from db.connect import Connection
from domain.identity import MINISTRY_OF_ROLE
from domain.permit import Stage as PermitStage


class ReportPeriod(BaseModel):
    """Cases opened in [opened_from, opened_until); None: unbounded."""

    opened_from: datetime | None = None
    opened_until: datetime | None = None


def _period(column: str, period: ReportPeriod, args: list[Any]) -> list[str]:
    clauses = []
    for operator, value in ((">=", period.opened_from), ("<", period.opened_until)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} {operator} ${len(args)}")
    return clauses


def _where(clauses: list[str]) -> str:
    return "WHERE " + " AND ".join(clauses) if clauses else ""


# ---------------------------------------------------------------- certification funnel


class FunnelRow(BaseModel):
    """How far the enrolments of one UPT and programme got. Each count includes the cases
    that went further: every certified case was assessed, trained and placed."""

    upt_code: str
    programme_code: str
    enrolled: int  # requested
    placed: int  # placement approved by the TPP
    trained: int  # training completed
    assessed: int  # at least one assessment recorded
    competent: int  # an assessment with every unit K
    certified: int  # a BNSP certificate issued
    released_with_certificate: int  # certified, and the inmate since released


async def certification_funnel(
    conn: Connection | asyncpg.Pool,
    period: ReportPeriod,
    upt: str | None = None,
    programme: str | None = None,
) -> list[FunnelRow]:
    args: list[Any] = []
    clauses = _period("e.requested_at", period, args)
    for column, value in (("e.upt_code", upt), ("e.programme_code", programme)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")

    def reached(kind: str, decision: str | None = None) -> str:
        decided = f" AND v.decision = '{decision}'" if decision else ""
        return f"""count(*) FILTER (WHERE EXISTS (
                       SELECT 1 FROM enrolment_events v
                        WHERE v.enrolment_id = e.enrolment_id AND v.kind = '{kind}'{decided}))"""  # noqa: S608

    sql = f"""
        SELECT e.upt_code, e.programme_code,
               count(*) AS enrolled,
               {reached("placement_decided", "approve")} AS placed,
               {reached("training_completed")} AS trained,
               {reached("assessment_recorded")} AS assessed,
               {reached("assessment_recorded", "competent")} AS competent,
               count(c.enrolment_id) AS certified,
               count(c.enrolment_id) FILTER (WHERE EXISTS (
                   SELECT 1 FROM journey_enrolments je JOIN journeys j USING (journey_id)
                    WHERE je.enrolment_id = e.enrolment_id AND j.released_at IS NOT NULL))
                   AS released_with_certificate
          FROM enrolments e LEFT JOIN certificates c USING (enrolment_id)
         {_where(clauses)}
         GROUP BY e.upt_code, e.programme_code
         ORDER BY e.upt_code, e.programme_code"""  # noqa: S608 - fixed names, values bound
    return [FunnelRow(**dict(r)) for r in await conn.fetch(sql, *args)]


# ---------------------------------------------------------------- TKA pipeline


class PipelineRow(BaseModel):
    """One stage of the TKA permit process (or, for closed applications, one outcome)."""

    stage: str
    outcome: str | None  # closed applications, by outcome
    entered: int  # applications that ever reached this stage (closed: ended with this outcome)
    current: int  # applications there now
    overdue: int  # of those, waiting on someone past the due date


async def tka_pipeline(
    conn: Connection | asyncpg.Pool,
    period: ReportPeriod,
    now: datetime,
    employer_nib: str | None = None,
) -> list[PipelineRow]:
    args: list[Any] = [now]
    clauses = _period("a.submitted_at", period, args)
    if employer_nib is not None:
        args.append(employer_nib)
        clauses.append(f"a.employer_nib = ${len(args)}")
    apps = f"SELECT * FROM permit_applications a {_where(clauses)}"  # noqa: S608
    rows = await conn.fetch(
        f"""WITH apps AS ({apps}),
                 entered AS (SELECT ev.stage, count(DISTINCT ev.application_id) AS n
                               FROM permit_events ev JOIN apps USING (application_id)
                              GROUP BY ev.stage),
                 now_in AS (SELECT stage, outcome, count(*) AS n,
                                   count(*) FILTER (WHERE outcome IS NULL
                                                      AND awaiting_due < $1) AS overdue
                              FROM apps GROUP BY stage, outcome)
            SELECT 'entered' AS what, stage, NULL AS outcome, n, 0 AS overdue FROM entered
            UNION ALL
            SELECT 'now', stage, outcome, n, overdue FROM now_in""",  # noqa: S608
        *args,
    )
    entered = {r["stage"]: r["n"] for r in rows if r["what"] == "entered"}
    current = {r["stage"]: (r["n"], r["overdue"]) for r in rows if r["what"] == "now"
               and r["outcome"] is None}  # fmt: skip
    report = [
        PipelineRow(
            stage=stage.value,
            outcome=None,
            entered=entered.get(stage.value, 0),
            current=current.get(stage.value, (0, 0))[0],
            overdue=current.get(stage.value, (0, 0))[1],
        )
        for stage in PermitStage
        if stage is not PermitStage.CLOSED
    ]
    closed: dict[str, int] = {}
    for r in rows:
        if r["what"] == "now" and r["outcome"] is not None:
            closed[r["outcome"]] = closed.get(r["outcome"], 0) + r["n"]
    report += [
        PipelineRow(stage=PermitStage.CLOSED.value, outcome=o, entered=n, current=n, overdue=0)
        for o, n in sorted(closed.items())
    ]
    return report


# ---------------------------------------------------------------- SLA compliance


class SlaRow(BaseModel):
    """Every reviewer task of one step with a due date, by how it met it."""

    case_kind: CaseKind
    step: str  # the task's kind: placement_review, document_verification, ...
    required_role: str
    ministry: str | None  # whose staff the step waits on (None: an LSP's, an employer's)
    tasks: int  # with a due date
    decided_on_time: int
    decided_late: int
    open_within_sla: int
    open_overdue: int
    cancelled: int  # the wait ended without a decision (case withdrawn, moved, closed)
    escalated: int
    compliance: float | None  # on time / (on time + late + open overdue); None: nothing due yet


def _ministry_case() -> str:
    whens = " ".join(
        f"WHEN '{role.value}' THEN '{ministry.value}'"
        for role, ministry in MINISTRY_OF_ROLE.items()
        if ministry is not None
    )
    return f"COALESCE(t.scope_ministry, CASE t.required_role {whens} END)"


async def sla_compliance(
    conn: Connection | asyncpg.Pool,
    kinds: frozenset[CaseKind],
    period: ReportPeriod,
    now: datetime,
) -> list[SlaRow]:
    args: list[Any] = [now, sorted(k.value for k in kinds)]
    clauses = ["t.due_at IS NOT NULL", "t.case_kind = ANY($2::text[])"]
    clauses += _period("t.opened_at", period, args)
    sql = f"""
        SELECT case_kind, step, required_role, ministry, count(*) AS tasks,
               count(*) FILTER (WHERE state = 'decided' AND closed_at <= due_at)
                   AS decided_on_time,
               count(*) FILTER (WHERE state = 'decided' AND closed_at > due_at) AS decided_late,
               count(*) FILTER (WHERE closed_at IS NULL AND due_at >= $1) AS open_within_sla,
               count(*) FILTER (WHERE closed_at IS NULL AND due_at < $1) AS open_overdue,
               count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
               count(*) FILTER (WHERE escalated_at IS NOT NULL) AS escalated
          FROM (SELECT t.*, t.kind AS step, {_ministry_case()} AS ministry
                  FROM tasks t {_where(clauses)}) t
         GROUP BY case_kind, step, required_role, ministry
         ORDER BY case_kind, step, required_role"""  # noqa: S608 - fixed names, values bound
    report = []
    for r in await conn.fetch(sql, *args):
        row = dict(r)
        judged = row["decided_on_time"] + row["decided_late"] + row["open_overdue"]
        row["compliance"] = round(row["decided_on_time"] / judged, 4) if judged else None
        report.append(SlaRow(**row))
    return report
