"""In Debian's Chromium: signing in as a persona, the inbox, the language switch, the CSP
(the browser itself refuses anything inline), and axe on the pages of the frame."""

from __future__ import annotations

from playwright.async_api import BrowserContext, expect

from tests.web.conftest import Workspace, assert_accessible, sign_in_as


async def test_sign_in_page_and_inbox_are_accessible_and_switch_language(
    workspace: Workspace, context: BrowserContext
) -> None:
    page = await context.new_page()
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    await page.goto(workspace.url)
    assert await page.locator("h1").inner_text() == "Masuk"
    await assert_accessible(page)

    await sign_in_as(page, workspace.url, "budi")
    assert page.url.endswith("/tugas")
    assert await page.locator("h1").inner_text() == "Tugas Saya"
    assert await page.get_by_test_id("active-role").inner_text() == "Anggota TPP"
    await assert_accessible(page)

    await page.get_by_role("button", name="EN", exact=True).click()
    await page.wait_for_load_state()
    assert await page.locator("h1").inner_text() == "My tasks"
    assert await page.locator("html").get_attribute("lang") == "en"
    await assert_accessible(page)
    assert not violations, violations  # htmx and the pages run under the strict CSP


async def test_the_accessibility_check_catches_a_serious_violation(context: BrowserContext) -> None:
    page = await context.new_page()
    await page.set_content('<html lang="id"><body><main><img src="x.png"></main></body></html>')
    try:
        await assert_accessible(page)
    except AssertionError as error:
        assert "image-alt" in str(error)
    else:
        raise AssertionError("axe did not report an image without alternative text")


async def test_the_api_docs_render_offline_with_nothing_fetched_from_another_host(
    workspace: Workspace, context: BrowserContext
) -> None:
    """/docs and /redoc run third-party bundles: everything they load comes from this server
    (ReDoc's Redocly logo from cdn.redoc.ly is patched out by scripts/vendor-assets.sh), and
    the CSP refuses nothing."""
    page = await context.new_page()
    refused: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on(
        "request",
        lambda r: (
            None if r.url.startswith((workspace.url, "data:", "blob:")) else elsewhere.append(r.url)
        ),
    )
    await page.goto(f"{workspace.url}/redoc")
    # ReDoc has drawn the spec: its side menu lists the operations, its footer link is there.
    # It parses the whole spec first ("Loading ..."): past the 5 s default on a loaded machine.
    drawn = 30_000
    await expect(page.get_by_role("link", name="API docs by Redocly")).to_be_visible(timeout=drawn)
    await expect(page.get_by_role("menuitem").first).to_be_visible(timeout=drawn)
    await page.wait_for_load_state("networkidle")
    await page.goto(f"{workspace.url}/docs")
    await expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=drawn)
    await page.wait_for_load_state("networkidle")
    assert not refused, refused
    assert not elsewhere, elsewhere
