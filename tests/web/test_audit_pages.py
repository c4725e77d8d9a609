"""In Debian's Chromium, as the auditor persona (all ministries): the case search, a case's
history beside its audit chain with the two verdicts, and the reports as charts whose data
is the CSV's; every page opened is in the auditors' request log."""

from __future__ import annotations

import csv
import io

from playwright.async_api import BrowserContext

from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.web.conftest import Workspace, assert_accessible, sign_in_as
from web.report_pages import FUNNEL_STAGES


async def test_an_auditor_searches_reads_a_case_and_its_verdicts_and_the_charts_match_the_csv(
    workspace: Workspace, context: BrowserContext
) -> None:
    api = workspace.api
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    await api.settled(enrolment_id)

    page = await context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await sign_in_as(page, workspace.url, "audi")
    assert page.url.endswith("/kasus")  # an auditor lands on the case search
    assert await page.locator("h1").inner_text() == "Pencarian kasus"
    await page.select_option("#kind", "enrolment")
    await page.get_by_role("button", name="Cari").click()
    await page.wait_for_url("**/kasus?kind=enrolment*")
    row = page.locator(f'tr[data-case-id="{enrolment_id}"]')
    assert await row.count() == 1, await page.locator("main").inner_text()
    await assert_accessible(page)

    await row.get_by_role("link").click()
    await page.wait_for_url(f"**/kasus/enrolment/{enrolment_id}")
    chain = await page.get_by_test_id("chain-verdict").inner_text()
    assert "Terverifikasi" in chain
    consistency = await page.get_by_test_id("consistency-verdict").inner_text()
    # The placement is the one decision a person sent to this workflow (the request went to
    # the inmate's journey, which started it): in the history and in the trail.
    assert "Konsisten: 1 keputusan cocok" in consistency, consistency
    assert "1 keputusan di riwayat Temporal, 1 keputusan di jejak audit" in consistency
    timeline = await page.get_by_test_id("timeline").inner_text()
    assert "tpp-LP-CIPINANG" in timeline and "motivated and eligible" in timeline
    await assert_accessible(page)

    await page.get_by_role("link", name="Laporan").click()
    await page.wait_for_url("**/laporan")
    canvas = 'canvas[data-chart="data-certification-funnel"]'
    try:
        await page.wait_for_function(
            f"() => window.Chart && Chart.getChart(document.querySelector('{canvas}'))",
            timeout=15_000,
        )
    except Exception as error:
        raise AssertionError(f"no chart drawn: {errors}; {await page.content()}") from error
    drawn = await page.evaluate(
        f"() => Chart.getChart(document.querySelector('{canvas}')).data.datasets"
        ".map(d => [d.label, d.data])"
    )
    download = await page.request.get(f"{workspace.url}/laporan/certification-funnel.csv")
    assert download.status == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await download.text())))
    expected = [[f"{r['upt_code']} · {r['programme_code']}", [int(r[s]) for s in FUNNEL_STAGES]]
                for r in rows]  # fmt: skip
    assert drawn == expected
    assert ["LP-CIPINANG · BARISTA", [1, 1, 0, 0, 0, 0, 0]] in drawn
    await assert_accessible(page)
    assert not blocked, blocked  # Chart.js runs under the strict CSP

    read = {r["path"] for r in await api.pool.fetch(
        "SELECT path FROM auditor_requests WHERE subject = 'audi'")}  # fmt: skip
    assert {"/kasus", f"/kasus/enrolment/{enrolment_id}", "/laporan",
            "/laporan/certification-funnel.csv"} <= read  # fmt: skip


async def test_a_caseworker_cannot_open_the_audit_pages(
    workspace: Workspace, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "ani")
    for path in ("/kasus", "/laporan", "/laporan/sla-compliance.csv"):
        answer = await page.goto(f"{workspace.url}{path}")
        assert answer is not None and answer.status == 403, path
