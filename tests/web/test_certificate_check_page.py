"""In Debian's Chromium, without signing in: Cek Sertifikat answers a valid and an expired
certificate with its facts, an unknown number and a wrong date of birth with the same page,
each page passes axe, and none holds a word of the prison (every UPT name and code)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.async_api import BrowserContext, Page

from tests.api.test_certificate_check import (
    BORN,
    EXPIRED,
    PAROLE_BORN,
    VALID,
    _prison_words,
    _seed,
)
from tests.web.conftest import Workspace, assert_accessible

CSRF = re.compile(r'name="csrf_token" value="[^"]+"')


async def _ask(page: Page, url: str, number: str, born: date) -> tuple[int, str]:
    """Fill the form in as a person would; the answer's status and its main text."""
    await page.goto(f"{url}/cek-sertifikat")
    await page.get_by_label("Nomor sertifikat").fill(number)
    await page.get_by_label("Tanggal lahir pemegang").fill(born.isoformat())
    async with page.expect_response(
        lambda r: r.url.endswith("/cek-sertifikat") and r.request.method == "POST"
    ) as answered:
        await page.get_by_role("button", name="Periksa").click()
    answer = await answered.value
    await page.wait_for_load_state()
    await assert_accessible(page)
    return answer.status, CSRF.sub("", await page.content())


async def test_the_public_check_answers_four_ways_and_never_names_the_prison(
    workspace: Workspace, context: BrowserContext
) -> None:
    await _seed(workspace.api.pool)
    page = await context.new_page()
    url = workspace.url

    status, valid = await _ask(page, url, VALID, BORN)
    assert status == 200
    result = await page.get_by_test_id("check-result").inner_text()
    assert "Sertifikat berlaku" in result and "A. S." in result and "Barista" in result

    status, expired = await _ask(page, url, EXPIRED, PAROLE_BORN)
    assert status == 200
    result = await page.get_by_test_id("check-result").inner_text()
    assert "Sertifikat sudah tidak berlaku" in result

    unknown_status, unknown = await _ask(page, url, "BNSP/SKM-NONE/2026/999999", BORN)
    wrong_status, wrong = await _ask(page, url, VALID, BORN + timedelta(days=1))
    assert unknown_status == wrong_status == 404
    assert unknown == wrong, "an unknown number and a wrong birth date must read the same"
    assert await page.get_by_test_id("check-result").count() == 0

    words = await _prison_words(workspace.api.pool)
    for text in (valid, expired, unknown):
        visible = text.lower()
        for word in words:
            assert word.lower() not in visible, f"the page names {word!r}"
