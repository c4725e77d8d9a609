"""Tugas Saya, page by page: "Berikutnya" and "Sebelumnya" carry the inbox's cursor and the
filters; the older `?page=` links still answer."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from tests.tasks.support import open_tasks, opening
from tests.web.conftest import Workspace
from tests.web.test_sign_in import sign_in
from web.inbox_pages import PAGE_SIZE

IDS = [f"TG-{n:02d}:1" for n in range(PAGE_SIZE + 5)]  # due an hour apart, in this order
ROW = re.compile(r'data-task-id="([^"]+)"')


def _link(page: httpx.Response, rel: str, label: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)">{label}</a>', page.text)
    return html.unescape(found.group(1)) if found else None


async def test_berikutnya_and_sebelumnya_page_through_the_inbox_by_cursor(
    workspace: Workspace,
) -> None:
    await open_tasks(
        workspace.api.pool,
        *(opening(task_id, due_in=timedelta(hours=n + 1)) for n, task_id in enumerate(IDS)),
    )
    async with workspace.client() as client:
        await sign_in(client, "budi")  # TPP of LP-CIPINANG, the openings' UPT
        first = await client.get("/tugas?unclaimed=true")
        assert ROW.findall(first.text) == IDS[:PAGE_SIZE]
        assert _link(first, "prev", "Sebelumnya") is None
        following = _link(first, "next", "Berikutnya")
        assert following is not None and "after=k1." in following
        assert "unclaimed=True" in following  # the filter goes along
        second = await client.get(following)
        assert ROW.findall(second.text) == IDS[PAGE_SIZE:]
        assert _link(second, "next", "Berikutnya") is None
        back = _link(second, "prev", "Sebelumnya")
        assert back is not None and "before=k1." in back
        assert ROW.findall((await client.get(back)).text) == IDS[:PAGE_SIZE]
        # A link of before this change: the page number still answers.
        assert ROW.findall((await client.get("/tugas?page=2")).text) == IDS[PAGE_SIZE:]
        broken = await client.get("/tugas?after=k1.broken")
        assert broken.status_code == 422
        assert "bukan" in broken.text or "not a cursor" in broken.text
