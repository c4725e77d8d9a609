"""In Debian's Chromium, as the auditor persona (all ministries): the case search, a case's
history beside its audit chain with the two verdicts, and the reports as charts whose data
is the CSV's; every page opened is in the auditors' request log."""

from __future__ import annotations

import csv
import html
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.async_api import BrowserContext, Page, expect

from domain.clock import local_date
from domain.custody import ReleaseKind
from domain.permit import Stage
from domain.placement import OutcomeKind
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.db.supervision_data import permit, task
from tests.db.test_placement_reports import _placement as placement
from tests.web.conftest import Workspace, assert_accessible, sign_in_as
from tests.web.test_sign_in import sign_in
from web.i18n import MESSAGES
from web.report_pages import FUNNEL_STAGES, TABLE_ROWS, WORK_STAGES

SECTOR_ID = {key.removeprefix("sector."): words[0] for key, words in MESSAGES.items()
             if key.startswith("sector.")}  # fmt: skip
RELEASE_ID = {kind.value: MESSAGES[f"release.{kind.value}"][0] for kind in ReleaseKind}


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


async def _drawn(page: Page, name: str) -> dict[str, Any]:
    """The chart Chart.js drew for report `name`: its labels and each dataset's data."""
    canvas = f'canvas[data-chart="data-{name}"]'
    await page.wait_for_function(
        f"() => window.Chart && Chart.getChart(document.querySelector('{canvas}'))",
        timeout=15_000,
    )
    drawn: dict[str, Any] = await page.evaluate(
        f"""() => {{ const c = Chart.getChart(document.querySelector('{canvas}'));
                    return {{labels: c.data.labels,
                             datasets: c.data.datasets.map(d => [d.label, d.data])}}; }}"""
    )
    return drawn


def _cells(drawn: dict[str, Any]) -> dict[tuple[str, str], int]:
    """Each bar's value by (label, dataset), zeros left out."""
    return {(label, name): value for name, data in drawn["datasets"]
            for label, value in zip(drawn["labels"], data, strict=True) if value}  # fmt: skip


async def _csv(page: Page, url: str) -> list[dict[str, str]]:
    answer = await page.request.get(url)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(await answer.text())))


async def test_the_tka_supervision_and_work_charts_are_the_csvs_numbers_in_either_language(
    workspace: Workspace, context: BrowserContext
) -> None:
    pool, now = workspace.api.pool, datetime.now(UTC)
    today = local_date(now)
    await permit(pool, "TKA-S1", "72", "B", valid_until=today + timedelta(days=200), now=now)
    await permit(pool, "TKA-S2", "72", "B", valid_until=today + timedelta(days=20), now=now)
    await permit(pool, "TKA-S3", "36", "C", valid_until=today + timedelta(days=75), now=now)
    await permit(pool, "TKA-S4", None, None, valid_until=today + timedelta(days=400), now=now)
    await permit(pool, "TKA-S5", "31", "J", stage=Stage.FEASIBILITY, now=now)
    await task(pool, "TKA-S3", "ext-1", "extension_verification", now + timedelta(days=9))
    await task(pool, "TKA-S1", "annual-report-1", "annual_report", now - timedelta(days=5),
               escalated=True)  # fmt: skip
    await task(pool, "TKA-S4", "annual-report-1", "annual_report", now - timedelta(days=1))
    await placement(pool, 1, certified=("BARISTA",), outcome=OutcomeKind.EMPLOYED)
    await placement(pool, 2, kind=ReleaseKind.FREE, consent=False)

    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    await sign_in_as(page, workspace.url, "audi")
    await page.goto(f"{workspace.url}/laporan")
    base = f"{workspace.url}/laporan"

    active = await _drawn(page, "tka-active-permits")
    rows = await _csv(page, f"{base}/tka-active-permits.csv")
    assert _cells(active) == {(r["province"], f"{r['sector']} · {SECTOR_ID[r['sector']]}"):
                              int(r["active"]) for r in rows}  # fmt: skip
    assert _cells(active) == {("Sulawesi Tengah", "B · Pertambangan dan penggalian"): 2,
                              ("Banten", "C · Industri pengolahan"): 1,
                              ("-", "- · Tidak tercatat"): 1}  # fmt: skip

    expiring = await _drawn(page, "tka-expiring-permits")
    rows = await _csv(page, f"{base}/tka-expiring-permits.csv")
    buckets = {0: "0-30 hari lagi", 1: "31-60 hari lagi", 2: "61-90 hari lagi"}
    review = {"True": "Perpanjangan sedang diproses", "False": "Tanpa perpanjangan diproses"}
    expected: dict[tuple[str, str], int] = {}
    for r in rows:
        cell = (buckets[max(int(r["days_left"]) - 1, 0) // 30], review[r["extension_under_review"]])
        expected[cell] = expected.get(cell, 0) + 1
    assert _cells(expiring) == expected
    assert [r["application_id"] for r in rows] == ["TKA-S2", "TKA-S3"]
    assert expiring["labels"] == list(buckets.values())

    overdue = await _drawn(page, "tka-overdue-annual-reports")
    rows = await _csv(page, f"{base}/tka-overdue-annual-reports.csv")
    escalated = {"True": "Dieskalasi ke Kemnaker", "False": "Belum dieskalasi"}
    assert _cells(overdue) == {(r["province"], escalated[r["escalated"]]): 1 for r in rows}
    assert [(r["application_id"], r["year"]) for r in rows] == [("TKA-S1", "1"), ("TKA-S4", "1")]

    work = await _drawn(page, "placement-funnel")
    rows = await _csv(page, f"{base}/placement-funnel.csv")
    assert work["datasets"] == [
        [f"{r['upt_code']} · {r['programme_code']} · {RELEASE_ID[r['release_kind']]}",
         [int(r[step]) for step in WORK_STAGES]] for r in rows
    ]  # fmt: skip
    assert ["LP-CIPINANG · BARISTA · Pembebasan Bersyarat", [1, 1, 1, 1]] in work["datasets"]
    await assert_accessible(page)

    await page.get_by_role("button", name="EN", exact=True).click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.goto(f"{workspace.url}/laporan")
    active_en = await _drawn(page, "tka-active-permits")
    assert ("Sulawesi Tengah", "B · Mining and quarrying") in _cells(active_en)
    assert [v for v in _cells(active_en).values()] == [v for v in _cells(active).values()]
    assert (await _drawn(page, "tka-expiring-permits"))["labels"][0] == "0-30 days left"
    assert not errors, errors

    read = {r["path"] for r in await pool.fetch(
        "SELECT path FROM auditor_requests WHERE subject = 'audi'")}  # fmt: skip
    assert {
        "/laporan",
        "/laporan/tka-active-permits.csv",
        "/laporan/tka-expiring-permits.csv",
        "/laporan/tka-overdue-annual-reports.csv",
        "/laporan/placement-funnel.csv",
    } <= read


async def test_an_auditor_finds_placement_cases_in_the_case_search(
    workspace: Workspace, context: BrowserContext
) -> None:
    await placement(workspace.api.pool, 7, certified=("BARISTA",))
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "audi")
    await page.select_option("#kind", "placement")
    await page.get_by_role("button", name="Cari").click()
    await page.wait_for_url("**/kasus?kind=placement*")
    row = page.locator('tr[data-case-id="PLC-JRN-7"]')
    assert await row.count() == 1, await page.locator("main").inner_text()
    assert "Penempatan kerja" in await row.inner_text()
    await assert_accessible(page)


async def test_a_long_list_report_shows_its_first_rows_and_counts_them_all(
    workspace: Workspace,
) -> None:
    pool, now = workspace.api.pool, datetime.now(UTC)
    total = TABLE_ROWS + 5
    for n in range(total):
        valid_until = local_date(now) + timedelta(days=1 + n % 90)
        await permit(pool, f"TKA-L{n:03d}", "31", "J", valid_until=valid_until, now=now)
    async with workspace.client() as client:
        await sign_in(client, "audi")
        page = (await client.get("/laporan")).text
        listed = list(csv.DictReader(io.StringIO(
            (await client.get("/laporan/tka-expiring-permits.csv")).text)))  # fmt: skip
    section = page.split('data-report="tka-expiring-permits"')[1].split("</section>")[0]
    assert section.count("<tr><td>TKA-L") == TABLE_ROWS
    assert f"Tabel menampilkan {TABLE_ROWS} dari {total} baris" in section
    chart = json.loads(html.unescape(
        section.split('id="data-tka-expiring-permits">')[1].split("</script>")[0]))  # fmt: skip
    assert sum(sum(d["data"]) for d in chart["datasets"]) == len(listed) == total
