"""Tugas Saya's stage filter offers the stages of the person's role: the permit's to a
Kemnaker verifier (and filters by them), Process A's to a TPP member."""

from __future__ import annotations

import re

from domain.identity import Ministry, Role, Scope
from tests.tasks.support import open_tasks, opening
from tests.web.conftest import Workspace
from tests.web.test_sign_in import sign_in

KEMNAKER = Scope(ministry=Ministry.KEMNAKER)
ROW = re.compile(r'data-task-id="([^"]+)"')


def _offered(html: str) -> list[str]:
    select = re.search(r'<select id="stage" name="stage">(.*?)</select>', html, re.S)
    assert select is not None, "the stage filter"
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(1)) if v]


async def test_a_permit_verifier_is_offered_and_filters_by_the_permits_stages(
    workspace: Workspace,
) -> None:
    await open_tasks(
        workspace.api.pool,
        opening("TKA-SF1:1", kind="document_verification", stage="document_verification",
                role=Role.KEMNAKER_VERIFIER, scope=KEMNAKER),
        opening("TKA-SF2:1", kind="feasibility", stage="feasibility",
                role=Role.KEMNAKER_VERIFIER, scope=KEMNAKER),
    )  # fmt: skip
    async with workspace.client() as client:
        await sign_in(client, "vera")  # Kemnaker verifier
        page = await client.get("/tugas")
        assert _offered(page.text) == ["document_verification", "feasibility", "active"]
        assert ">Verifikasi dokumen</option>" in page.text
        filtered = await client.get("/tugas?stage=feasibility")
        assert ROW.findall(filtered.text) == ["TKA-SF2:1"]
        assert 'value="feasibility" selected' in filtered.text

    async with workspace.client() as client:
        await sign_in(client, "budi")  # TPP member
        offered = _offered((await client.get("/tugas")).text)
        assert "placement_review" in offered and "document_verification" not in offered
