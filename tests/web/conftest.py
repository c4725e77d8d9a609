"""The workspace served by uvicorn on a real port (the API tests' wiring: a real Postgres, the
Temporal dev server, real workers), and Debian's Chromium driven by Playwright.

The browser is /usr/bin/chromium (Debian's `chromium` package; `make test` installs it when
missing): Playwright never downloads one. Every page a browser test opens can be checked with
`assert_accessible(page)` (axe-core, vendored in tests/web/vendor/).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import ApiStack, end_journeys, wire
from tests.e2e.ports import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Run as an expression that installs window.axe (axe.min.js is a UMD bundle).
AXE_SOURCE = f"(() => {{ {AXE.read_text()}\n; window.axe = axe; }})()"
HOST = "localhost"  # a secure context for Chromium even over http (Secure cookies work)


@dataclass
class Workspace:
    """The served app: `url`, `api` (the API tests' helpers over the same server) and
    `client()` for a fresh cookie jar (a new person)."""

    url: str
    api: ApiStack

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)


@asynccontextmanager
async def serve_workspace(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, port: int | None = None, **settings: Any
) -> AsyncIterator[Workspace]:
    """The app with `settings` overrides, served on `port` (default: a free one) with its
    workers."""
    wired = wire(pool, dev_env.client, **settings)
    port = port or free_port()
    config = uvicorn.Config(wired.app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    url = f"http://{HOST}:{port}"
    try:
        while not server.started:
            if serving.done():
                serving.result()  # start-up failed: say why
            await asyncio.sleep(0.02)
        async with (
            wired.worker,
            wired.kemnaker,
            wired.imigrasi,
            wired.dispatching(),
            httpx.AsyncClient(base_url=url, timeout=30) as http,
        ):
            yield Workspace(url, wired.stack(http, pool))
            await end_journeys(dev_env.client, pool, wired.settings.enrolment_task_queue)
    finally:
        server.should_exit = True
        await serving


@pytest.fixture
async def workspace(pool: asyncpg.Pool, dev_env: WorkflowEnvironment) -> AsyncIterator[Workspace]:
    """The workspace in the test environment ("Masuk sebagai" offered)."""
    async with serve_workspace(pool, dev_env) as served:
        yield served


def _chromium_installed() -> bool:
    return CHROMIUM.exists()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not _chromium_installed():
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it) or "
                    "`apt-get install chromium`")  # fmt: skip
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield launched
        await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (own cookies): one person."""
    ctx = await browser.new_context(locale="id-ID")
    yield ctx
    await ctx.close()


NewContext = Callable[[], Coroutine[Any, Any, BrowserContext]]


@pytest.fixture
async def new_context(browser: Browser) -> AsyncIterator[NewContext]:
    """More people at once: each call opens another browser profile."""
    opened: list[BrowserContext] = []

    async def make() -> BrowserContext:
        ctx = await browser.new_context(locale="id-ID")
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        await ctx.close()


# ---------------------------------------------------------------- steps a person takes


async def sign_in_as(page: Page, url: str, persona: str) -> None:
    """ "Masuk sebagai" a seeded persona (development and test only)."""
    await page.goto(f"{url}/masuk")
    await page.locator(f'button[data-persona="{persona}"]').click()
    await page.wait_for_url(re.compile(r".*/(?!masuk).*"))


async def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Through DevTools, not a <script> tag: the page's CSP (rightly) refuses inline ones.
        await page.evaluate(AXE_SOURCE)
    result = await page.evaluate("async () => await axe.run(document)")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}: " + "; ".join(bad)
