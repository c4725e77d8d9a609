"""Deciding in the browser (Debian's Chromium): the placement through OIDC, two reviewers on
one task, an assessment with a failed unit, and a person outside the case's scope.
axe-core checks each page type on the way (sign-in, inbox, task, case, error)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlparse

import asyncpg
import httpx
import pytest
from playwright.async_api import BrowserContext, Page, expect
from temporalio.testing import WorkflowEnvironment

from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_LIFE_SENTENCE
from tests.api import flows
from tests.oidc_provider import OidcProvider
from tests.temporal_support import until
from tests.web.conftest import NewContext, Workspace, assert_accessible, serve_workspace, sign_in_as
from tests.web.test_oidc_sign_in import production_like


async def task_row(page: Page, url: str, case_id: str, kind: str) -> str:
    """Open the inbox and the task of `kind` for `case_id` (waiting for it to be opened)."""

    async def listed() -> int:
        await page.goto(f"{url}/tugas")
        return await page.locator(f'tr:has-text("{case_id}")').count()

    await until(listed, lambda n: n > 0, f"the {kind} task of {case_id} in the inbox", 20)
    link = page.locator(f'tr:has-text("{case_id}") a')
    href = await link.get_attribute("href")
    assert href is not None and href.startswith("/tugas/")
    return href


async def placement_decisions(
    api_http: httpx.AsyncClient, case_id: str, auditor: dict[str, str]
) -> list[dict[str, str]]:
    answer = await api_http.get(f"/enrolments/{case_id}/decisions", headers=auditor)
    return [d for d in answer.json() if d["kind"] == "placement_decided"]


# ---------------------------------------------------------------- OIDC, production-like


def id_token(provider: OidcProvider, sub: str, client_id: str = "sinergi-web") -> str:
    """An ID token for `sub` from the provider (the code flow without a browser): the API
    accepts it as a bearer token, its audience being the configured one."""
    redirect = "http://localhost/cb"
    query = urlencode({"response_type": "code", "client_id": client_id, "scope": "openid",
                       "redirect_uri": redirect, "state": "s", "nonce": "n"})  # fmt: skip
    back = provider.sign_in(f"{provider.issuer}/oauth2/authorize?{query}", sub)
    code = parse_qs(urlparse(back).query)["code"][0]
    answer = httpx.post(
        f"{provider.issuer}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
        auth=(client_id, "secret"),
    )
    token: str = answer.json()["id_token"]
    return token


@pytest.fixture
async def production(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, oidc_issuer: OidcProvider
) -> AsyncIterator[Workspace]:
    """Production settings as deployed, Secure session cookie included (Chromium keeps Secure
    cookies for http://localhost)."""
    settings = production_like(oidc_issuer, secure_cookie=True)
    async with serve_workspace(pool, dev_env, **settings) as served:
        yield served


async def test_a_tpp_member_signs_in_through_oidc_claims_and_approves_the_placement(
    production: Workspace, oidc_issuer: OidcProvider, context: BrowserContext
) -> None:
    oidc_issuer.set_user("ani", roles=["caseworker"], upt="LP-CIPINANG")
    oidc_issuer.set_user("budi", roles=["tpp_member"], upt="LP-CIPINANG")
    oidc_issuer.set_user("audi", roles=["auditor"])
    caseworker = {"Authorization": f"Bearer {id_token(oidc_issuer, 'ani')}"}
    body = {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA", "reason": "motivated"}
    created = await production.api.http.post("/enrolments", json=body, headers=caseworker)
    assert created.status_code == 201, created.text
    case_id = created.json()["enrolment_id"]

    page = await context.new_page()
    await page.goto(production.url)  # lands on the sign-in page
    await assert_accessible(page)
    await page.get_by_test_id("oidc-login").click()  # to the identity provider
    await page.locator('input[name="sub"]').fill("budi")
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(re.compile(r".*/tugas$"))
    await expect(page.get_by_test_id("subject")).to_have_text("budi")

    href = await task_row(page, production.url, case_id, "placement_review")
    await assert_accessible(page)
    await page.goto(production.url + href)
    await page.get_by_test_id("claim").click()
    await expect(page.get_by_test_id("holder")).to_contain_text("budi")
    await assert_accessible(page)
    await page.get_by_label("Setujui").check()
    await page.get_by_label("Alasan").fill("memenuhi syarat dan termotivasi")
    await page.get_by_test_id("decide").click()
    await page.wait_for_url(re.compile(rf".*/kasus/{case_id}.*"))
    await expect(page.get_by_test_id("stage")).to_contain_text("Pelatihan")
    await assert_accessible(page)

    auditor = {"Authorization": f"Bearer {id_token(oidc_issuer, 'audi')}"}
    decided = await placement_decisions(production.api.http, case_id, auditor)
    assert [(d["actor_subject"], d["decision"]) for d in decided] == [("budi", "approve")]


# ---------------------------------------------------------------- personas (test environment)


async def test_two_reviewers_decide_one_task_and_exactly_one_wins(
    workspace: Workspace, new_context: NewContext
) -> None:
    case_id = await flows.request(workspace.api, DEMO_ELIGIBLE)
    budi, citra = await (await new_context()).new_page(), await (await new_context()).new_page()
    await sign_in_as(budi, workspace.url, "budi")
    await sign_in_as(citra, workspace.url, "citra")
    href = await task_row(budi, workspace.url, case_id, "placement_review")
    await budi.goto(workspace.url + href)
    await citra.goto(workspace.url + href)  # both see an unclaimed task with its form

    await budi.get_by_test_id("claim").click()
    await expect(budi.get_by_test_id("holder")).to_contain_text("budi")
    # Citra, on the page she loaded before, decides anyway: refused, told who holds it.
    await citra.get_by_label("Tolak").check()
    await citra.get_by_label("Alasan").fill("tidak memenuhi syarat")
    await citra.get_by_test_id("decide").click()
    summary = citra.locator(".error-summary")
    await expect(summary).to_contain_text("claimed by budi")
    await expect(citra.get_by_test_id("holder")).to_contain_text("budi")
    await assert_accessible(citra)

    await budi.get_by_label("Setujui").check()
    await budi.get_by_label("Alasan").fill("memenuhi syarat")
    await budi.get_by_test_id("decide").click()
    await budi.wait_for_url(re.compile(rf".*/kasus/{case_id}.*"))

    decided = await placement_decisions(workspace.api.http, case_id, workspace.api.auditor())
    assert [(d["actor_subject"], d["decision"]) for d in decided] == [("budi", "approve")]


async def test_an_assessor_records_a_failed_unit_and_the_case_shows_remedial(
    workspace: Workspace, context: BrowserContext
) -> None:
    api = workspace.api
    case_id = await flows.request(api, DEMO_LIFE_SENTENCE)
    await flows.approve(api, case_id)
    await flows.train(api, case_id)
    await api.settled(case_id)
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "sari")
    href = await task_row(page, workspace.url, case_id, "assessment")
    await page.goto(workspace.url + href)
    await assert_accessible(page)
    await page.get_by_label("Kode TUK").fill("TUK-LAPAS-CIPINANG")
    units = await page.locator("#results tbody th").all_inner_texts()
    assert len(units) >= 2
    await page.get_by_label(f"{units[0]}: Belum Kompeten (BK)").check()
    for unit in units[1:]:
        await page.get_by_label(f"{unit}: Kompeten (K)").check()
    await page.get_by_label("Alasan").fill("praktik diamati, satu unit belum")
    await page.get_by_test_id("decide").click()
    await page.wait_for_url(re.compile(rf".*/kasus/{case_id}.*"))
    await expect(page.get_by_test_id("stage")).to_contain_text("Pelatihan remedial")
    await expect(page.get_by_test_id("loop")).to_contain_text("Pelatihan remedial")
    await expect(page.get_by_test_id("attempts")).to_contain_text(f"{units[0]}: BK")
    await assert_accessible(page)


async def test_a_person_outside_the_cases_scope_gets_a_403_page(
    workspace: Workspace, context: BrowserContext
) -> None:
    case_id = await flows.request(workspace.api, DEMO_ELIGIBLE)  # LP-CIPINANG
    page = await context.new_page()
    await sign_in_as(page, workspace.url, "eko")  # a caseworker of LP-SALEMBA
    answer = await page.goto(f"{workspace.url}/kasus/{case_id}")
    assert answer is not None and answer.status == 403
    await expect(page.get_by_test_id("error-title")).to_have_text("Anda tidak berwenang")
    await expect(page.get_by_test_id("error-message")).to_contain_text("outside your scope")
    await assert_accessible(page)
