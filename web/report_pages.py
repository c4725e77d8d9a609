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
from web.i18n import translate
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
    "tka-pipeline": reports_api.tka_pipeline,
    "sla-compliance": reports_api.sla_compliance,
}
FUNNEL_STAGES = ("enrolled", "placed", "trained", "assessed", "competent", "certified",
                 "released_with_certificate")  # fmt: skip


async def _rows(
    name: str, request: Request, principal: Principal, actor: Actor, pool: PoolDep,
    report_format: reports_api.ReportFormat,
) -> Response:  # fmt: skip
    return await ROUTES[name](
        request=request, principal=principal, _=actor, pool=pool, report_format=report_format
    )


def chart_of(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The chart's labels and datasets; the words are translated by the template's keys."""
    if name == "certification-funnel":
        return {
            "type": "bar",
            "labels": [f"report.funnel.{stage}" for stage in FUNNEL_STAGES],
            "datasets": [
                {"label": f"{r['upt_code']} · {r['programme_code']}",
                 "data": [r[stage] for stage in FUNNEL_STAGES]}
                for r in rows
            ],
        }  # fmt: skip
    if name == "tka-pipeline":
        stages = [r for r in rows if r["outcome"] is None]
        return {
            "type": "bar",
            "labels": [r["stage"] for r in stages],
            "datasets": [
                {"label": f"report.pipeline.{column}", "data": [r[column] for r in stages]}
                for column in ("entered", "current", "overdue")
            ],
        }
    return {
        "type": "bar",
        "labels": [f"{r['step']} ({r['ministry'] or '-'})" for r in rows],
        "datasets": [{
            "label": "report.sla.compliance",
            "data": [None if r["compliance"] is None else round(r["compliance"] * 100, 1)
                     for r in rows],
        }],
    }  # fmt: skip


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
        chart = chart_of(name, rows)

        def words(text: str) -> str:
            return translate(language, text) if text.startswith("report.") else text

        chart["labels"] = [words(label) for label in chart["labels"]]
        for dataset in chart["datasets"]:
            dataset["label"] = words(dataset["label"])
        sections.append({"name": name, "refused": None, "rows": rows, "chart": chart})
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
