"""The dev server's own Web UI (what `sinergi up` starts), in Debian's Chromium: it has no
login and sends no token, and with SINERGI_CODEC_DEV_UI_OPERATOR it shows a case's input
decoded through the API's codec, the decode recorded as the operator "temporal-dev-ui"."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import asyncpg
import pytest
from playwright.async_api import BrowserContext, expect
from temporalio.testing import WorkflowEnvironment

from domain import search
from domain.enrolment import enrolment_workflow_id
from registries.sdp_seed import DEMO_ELIGIBLE
from stack.binaries import temporal_cli
from tests.api import flows
from tests.e2e.ports import free_port
from tests.temporal_support import CONVERTER, until
from tests.web.conftest import serve_workspace

API_PORT, UI_PORT = free_port(), free_port()
UI = f"http://127.0.0.1:{UI_PORT}"


@pytest.fixture
async def ui_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server of this test's own with its Web UI on, wired to the API's codec as
    `sinergi up` wires it (stack/temporal_server.py)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        search_attributes=search.ALL,
        data_converter=CONVERTER,
        ui=True,
        ui_port=UI_PORT,
        dev_server_extra_args=[
            "--ui-codec-endpoint",
            f"http://127.0.0.1:{API_PORT}/codec",
            "--ui-disable-news-fetch",
        ],
    )
    yield env
    await env.shutdown()


async def _input_ciphertext(env: WorkflowEnvironment, workflow_id: str) -> str:
    """The workflow's input as Temporal stores it (base64 of the encrypted payload)."""
    history = await env.client.get_workflow_handle(workflow_id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    return base64.b64encode(started.input.payloads[0].data).decode()


@pytest.mark.parametrize("flag", [False, True], ids=["token-needed", "dev-ui-operator"])
async def test_the_dev_ui_shows_a_cases_input_decoded_only_with_the_development_flag(
    pool: asyncpg.Pool, ui_env: WorkflowEnvironment, context: BrowserContext, flag: bool
) -> None:
    async with serve_workspace(
        pool, ui_env, port=API_PORT, codec_dev_ui_operator=flag, codec_cors_origins=[UI]
    ) as served:
        enrolment_id = await flows.request(served.api, DEMO_ELIGIBLE)
        await served.api.settled(enrolment_id)
        workflow_id = enrolment_workflow_id(enrolment_id)
        page = await context.new_page()
        await page.goto(f"{UI}/namespaces/default/workflows/{workflow_id}")
        decoded = page.get_by_text(f'"inmate_sdp_no": "{DEMO_ELIGIBLE}"')
        if not flag:
            # The codec answers the UI 401: the input stays the ciphertext Temporal stores.
            stored = await _input_ciphertext(ui_env, workflow_id)
            await expect(page.get_by_text(stored[:60])).to_be_visible(timeout=30_000)
            assert await decoded.count() == 0
            assert await pool.fetchval("SELECT count(*) FROM codec_decodes") == 0
            return
        # The input as the workflow got it: readable only through the codec.
        await expect(decoded).to_be_visible(timeout=30_000)

        async def decoders() -> set[tuple[str, str]]:
            rows = await pool.fetch("SELECT subject, role FROM codec_decodes")
            return {(r["subject"], r["role"]) for r in rows}

        recorded = await until(decoders, bool, "the UI's decodes recorded")
        assert recorded == {("temporal-dev-ui", "operator")}
