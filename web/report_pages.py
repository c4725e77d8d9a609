"""Laporan (reports) for auditors, beside api/reports.py: each report as a chart drawn with
the vendored Chart.js (web/static/charts.js), its numbers as a table, and its CSV.

The page and the CSV call the JSON routes' own functions (the same role and scope checks,
the same rows): the chart is drawn from exactly the rows the CSV holds. A report on a
process the auditor does not audit shows that refusal in its place.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse

from api import reports as reports_api
from api.deps import PoolDep, acting_as
from domain.errors import DomainError, not_found
from domain.identity import Actor, Principal, Role
from web import session
from web.i18n import Language, translate
from web.navigation import NAV, NavItem
from web.render import PageRouter, render
from web.session import PagePrincipal

REPORTS = "/laporan"
router = PageRouter()
NAV.append(NavItem("nav.reports", REPORTS, frozenset({Role.AUDITOR})))

Report = Callable[..., Awaitable[Response]]
# name -> the JSON route's function; its rows are what the chart, the table and the CSV show.
ROUTES: dict[str, Report] = {
    "certification-funnel": reports_api.certification_funnel,
    "placement-funnel": reports_api.placement_funnel,
    "tka-pipeline": reports_api.tka_pipeline,
    "sla-compliance": reports_api.sla_compliance,
    "tka-active-permits": reports_api.tka_active_permits,
    "tka-expiring-permits": reports_api.tka_expiring_permits,
    "tka-overdue-annual-reports": reports_api.tka_overdue_annual_reports,
}
FUNNEL_STAGES = ("enrolled", "placed", "trained", "assessed", "competent", "certified",
                 "released_with_certificate")  # fmt: skip
# The funnel to work: the steps after release, each counting people who reached it.
WORK_STAGES = ("handed_over", "with_certificate", "consented", "placed_within_6_months")
# A list report (expiring permits, overdue reports) can run to thousands of rows: the page's
# table shows the first ones, the chart counts them all, the CSV holds them all.
TABLE_ROWS = 50
EXPIRY_BUCKET_DAYS = 30  # the expiring permits' chart: one bar per 30 days left

Say = Callable[..., str]  # a catalogue key (and its fields) in the page's language


async def _rows(
    name: str, request: Request, principal: Principal, actor: Actor, pool: PoolDep,
    report_format: reports_api.ReportFormat,
) -> Response:  # fmt: skip
    return await ROUTES[name](
        request=request, principal=principal, _=actor, pool=pool, report_format=report_format
    )


def _funnel(rows: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [say(f"report.funnel.{stage}") for stage in FUNNEL_STAGES],
        "datasets": [
            {"label": f"{r['upt_code']} · {r['programme_code']}",
             "data": [r[stage] for stage in FUNNEL_STAGES]}
            for r in rows
        ],
    }  # fmt: skip


def _work(rows: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [say(f"report.work.{stage}") for stage in WORK_STAGES],
        "datasets": [
            {"label": f"{r['upt_code']} · {r['programme_code']} · "
                      f"{say('release.' + r['release_kind'])}",
             "data": [r[stage] for stage in WORK_STAGES]}
            for r in rows
        ],
    }  # fmt: skip


def _pipeline(rows: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    stages = [r for r in rows if r["outcome"] is None]
    return {
        "type": "bar",
        "labels": [say(f"stage.{r['stage']}") for r in stages],
        "datasets": [
            {"label": say(f"report.pipeline.{column}"), "data": [r[column] for r in stages]}
            for column in ("entered", "current", "overdue")
        ],
    }


def _sla(rows: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [f"{r['step']} ({r['ministry'] or '-'})" for r in rows],
        "datasets": [{
            "label": say("report.sla.compliance"),
            "data": [None if r["compliance"] is None else round(r["compliance"] * 100, 1)
                     for r in rows],
        }],
    }  # fmt: skip


def _sector(code: str, say: Say) -> str:
    return f"{code} · {say('sector.' + code)}"


def _active(rows: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    """Stacked: one bar per province, one colour per sector."""
    provinces = sorted({(r["province_code"], r["province"]) for r in rows})
    sectors = sorted({r["sector"] for r in rows})
    count = {(r["province_code"], r["sector"]): r["active"] for r in rows}
    return {
        "type": "bar",
        "stacked": True,
        "labels": [name for _, name in provinces],
        "datasets": [
            {"label": _sector(sector, say),
             "data": [count.get((code, sector), 0) for code, _ in provinces]}
            for sector in sectors
        ],
    }  # fmt: skip


def _expiring(rows: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    """Stacked: permits per 30 days left, with and without an extension under review."""
    within = max([90, *(r["days_left"] for r in rows)])
    buckets = -(-within // EXPIRY_BUCKET_DAYS)
    labels = [say("report.expiring.days", low=0 if b == 0 else b * EXPIRY_BUCKET_DAYS + 1,
                  high=(b + 1) * EXPIRY_BUCKET_DAYS) for b in range(buckets)]  # fmt: skip

    def counts(under_review: bool) -> list[int]:
        data = [0] * buckets
        for r in rows:
            if r["extension_under_review"] is under_review:
                data[max(r["days_left"] - 1, 0) // EXPIRY_BUCKET_DAYS] += 1
        return data

    return {
        "type": "bar",
        "stacked": True,
        "labels": labels,
        "datasets": [
            {"label": say("report.expiring.extension"), "data": counts(True)},
            {"label": say("report.expiring.no_extension"), "data": counts(False)},
        ],
    }


def _overdue(rows: list[dict[str, Any]], say: Say) -> dict[str, Any]:
    """Stacked: overdue annual reports per province, escalated or not yet."""
    provinces = sorted({(r["province_code"], r["province"]) for r in rows})

    def counts(escalated: bool) -> list[int]:
        return [sum(1 for r in rows if r["province_code"] == code and r["escalated"] is escalated)
                for code, _ in provinces]  # fmt: skip

    return {
        "type": "bar",
        "stacked": True,
        "labels": [name for _, name in provinces],
        "datasets": [
            {"label": say("report.overdue.escalated"), "data": counts(True)},
            {"label": say("report.overdue.not_escalated"), "data": counts(False)},
        ],
    }


CHARTS: dict[str, Callable[[list[dict[str, Any]], Say], dict[str, Any]]] = {
    "certification-funnel": _funnel,
    "placement-funnel": _work,
    "tka-pipeline": _pipeline,
    "sla-compliance": _sla,
    "tka-active-permits": _active,
    "tka-expiring-permits": _expiring,
    "tka-overdue-annual-reports": _overdue,
}


def chart_of(name: str, rows: list[dict[str, Any]], language: Language) -> dict[str, Any]:
    """The chart's type, labels and datasets, in the page's language, from the CSV's rows."""

    def say(key: str, **fields: object) -> str:
        return translate(language, key, **fields)

    return CHARTS[name](rows, say)


@router.get(REPORTS, response_class=HTMLResponse)
async def reports_page(request: Request, principal: PagePrincipal, pool: PoolDep) -> HTMLResponse:
    actor = await acting_as(Role.AUDITOR)(principal)
    language = session.language(request)
    sections: list[dict[str, Any]] = []
    for name in ROUTES:
        try:
            answer = await _rows(name, request, principal, actor, pool,
                                 reports_api.ReportFormat.JSON)  # fmt: skip
        except DomainError as refused:
            sections.append({"name": name, "refused": refused.message, "rows": [], "chart": None})
            continue
        rows = json.loads(bytes(answer.body))["rows"]
        chart = chart_of(name, rows, language)
        sections.append({"name": name, "refused": None, "rows": rows[:TABLE_ROWS],
                         "total": len(rows), "chart": chart})  # fmt: skip
    return render(request, "reports.html", {"sections": sections, "stages": FUNNEL_STAGES})


@router.get(REPORTS + "/{name}.csv")
async def report_csv(
    name: str, request: Request, principal: PagePrincipal, pool: PoolDep
) -> Response:
    """The report's CSV: the JSON route's own answer in CSV, for the signed-in auditor."""
    actor = await acting_as(Role.AUDITOR)(principal)  # the role first: no names to others
    if name not in ROUTES:
        raise not_found(f"there is no report {name!r}: one of {', '.join(ROUTES)}")
    return await _rows(name, request, principal, actor, pool, reports_api.ReportFormat.CSV)
