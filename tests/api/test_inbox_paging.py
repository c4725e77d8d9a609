"""The inbox over HTTP, page by page: `next` and `previous` links carry an opaque cursor and
the filters; a cursor the API did not give is a 422 saying what to do; `offset` still works.
And the supervisor's escalations as JSON (`GET /inbox/escalations`)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from db import inbox as inbox_db
from db import tasks as task_db
from domain.identity import Actor, Role, Scope
from tests.api import flows
from tests.api.conftest import ApiStack
from tests.tasks.support import escalation, open_tasks, opening

UPT = "LP-PAGING"  # a UPT of its own: the tasks of other tests never show here
SCOPE = Scope(upt=UPT, lsp="LSP-PARIWISATA")
IDS = [f"PG-{n:02d}:1" for n in range(7)]  # in the inbox's order: due one day apart


@pytest.fixture
async def seven(api: ApiStack) -> ApiStack:
    await open_tasks(
        api.pool,
        *(opening(task_id, scope=SCOPE, due_in=timedelta(days=n + 1))
          for n, task_id in enumerate(IDS)),
    )  # fmt: skip
    return api


def _tpp(api: ApiStack) -> dict[str, str]:
    return api.headers("tpp-paging", Role.TPP_MEMBER, upt=UPT)


async def _pages(api: ApiStack, first: str, link: str) -> list[dict[str, Any]]:
    """The answers from `first` on, following `link` ("next" or "previous") to its end."""
    answers, url = [], first
    while url is not None:
        answer = await flows.ok(await api.http.get(url, headers=_tpp(api)))
        answers.append(answer)
        url = answer[link]
    return answers


def _forged(opened_at: str, task_id: str) -> str:
    """A cursor of the right format whose key Postgres could not take as sent."""
    key = json.dumps({"due_at": None, "opened_at": opened_at, "task_id": task_id})
    return "k1." + base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _ids(answer: dict[str, Any]) -> list[str]:
    return [t["task_id"] for t in answer["items"]]


async def test_next_links_walk_the_inbox_once_in_order_and_previous_walks_back(
    seven: ApiStack,
) -> None:
    forward = await _pages(seven, "/inbox?limit=3", "next")
    assert [_ids(a) for a in forward] == [IDS[:3], IDS[3:6], IDS[6:]]
    assert forward[0]["previous"] is None  # the first page
    assert forward[-1]["next"] is None  # the last page
    assert all("after=k1." in a["next"] for a in forward[:-1])
    back = await _pages(seven, forward[-1]["previous"], "previous")
    assert [_ids(a) for a in back] == [IDS[3:6], IDS[:3]]


async def test_the_links_keep_the_filters(seven: ApiStack) -> None:
    async with seven.pool.acquire() as conn:
        holder = Actor(subject="tpp-paging", role=Role.TPP_MEMBER, scope=Scope(upt=UPT))
        for task_id in IDS[1::2]:
            await inbox_db.claim(conn, task_id, holder)
    unclaimed = await _pages(seven, "/inbox?limit=2&unclaimed=true", "next")
    assert [_ids(a) for a in unclaimed] == [IDS[0:3:2], IDS[4:7:2]]
    assert "unclaimed=true" in unclaimed[0]["next"]
    mine = await _pages(seven, "/inbox?limit=2&assigned_to_me=true&kind=placement_review", "next")
    assert [_ids(a) for a in mine] == [IDS[1:4:2], IDS[5:6]]


async def test_offset_paging_still_answers_as_before(seven: ApiStack) -> None:
    answer = await flows.ok(await seven.http.get("/inbox?limit=3&offset=3", headers=_tpp(seven)))
    assert _ids(answer) == IDS[3:6] and answer["offset"] == 3
    # Its links lead on by cursor, from where it is.
    following = await flows.ok(await seven.http.get(answer["next"], headers=_tpp(seven)))
    assert _ids(following) == IDS[6:]
    preceding = await flows.ok(await seven.http.get(answer["previous"], headers=_tpp(seven)))
    assert _ids(preceding) == IDS[:3]


@pytest.mark.parametrize(
    ("query", "fix"),
    [
        ("after=not-a-cursor", "`after` is not a cursor this API gave"),
        ("after=k1.bm90IGpzb24", "`after` is not a cursor this API gave"),  # "not json"
        ("before=k1.eyJ0YXNrX2lkIjogMX0", "`before` is not a cursor this API gave"),
        ("after=k1.%25%25%25", "`after` is not a cursor this API gave"),
        ("after=" + _forged("0001-01-01T00:00:00+14:00", "X:1"), "`after` is not a cursor"),
        ("after=" + _forged("2026-12-01T00:00:00Z", "X\u0000"), "`after` is not a cursor"),
        ("after=k1.eyJ0YXNrX2lkIjogMX0&before=k1.eyJ0YXNrX2lkIjogMX0", "not both"),
        ("offset=3&after=k1.eyJ0YXNrX2lkIjogMX0", "by `offset` or by a cursor"),
    ],
    ids=[
        "no prefix",
        "not json",
        "wrong shape",
        "not base64",
        "year 0 in UTC",
        "NUL in the id",
        "both ways",
        "with offset",
    ],
)
async def test_a_cursor_the_api_did_not_give_is_a_422_saying_what_to_do(
    seven: ApiStack, query: str, fix: str
) -> None:
    answer = await seven.http.get(f"/inbox?{query}", headers=_tpp(seven))
    assert answer.status_code == 422, answer.text
    assert fix in answer.json()["detail"]


async def test_a_cursor_names_a_place_not_a_permission(seven: ApiStack) -> None:
    """A cursor from one UPT's inbox, used by another UPT's TPP: their own tasks after that
    place (none here), never the first UPT's."""
    first = await flows.ok(await seven.http.get("/inbox?limit=2", headers=_tpp(seven)))
    other = seven.headers("tpp-other", Role.TPP_MEMBER, upt="LP-SALEMBA")
    answer = await flows.ok(await seven.http.get(first["next"], headers=other))
    assert not any(t["task_id"] in IDS for t in answer["items"])


async def test_a_supervisor_reads_its_escalations_as_json(api: ApiStack) -> None:
    """Escalated first, then past due and not yet escalated; nothing on time, nothing of
    another UPT; a supervisor's only."""
    now = datetime.now(UTC)
    await open_tasks(
        api.pool,
        opening("ESC-ESCALATED:1", scope=SCOPE, opened_at=now, due_in=timedelta(days=9)),
        opening("ESC-OVERDUE:1", scope=SCOPE, opened_at=now - timedelta(days=5),
                due_in=timedelta(days=3)),
        opening("ESC-ON-TIME:1", scope=SCOPE, opened_at=now, due_in=timedelta(days=3)),
    )  # fmt: skip
    async with api.pool.acquire() as conn:
        await task_db.escalate_task(conn, escalation("ESC-ESCALATED:1"))
    supervisor = api.headers("spv-paging", Role.SUPERVISOR, upt=UPT)
    answer = await flows.ok(await api.http.get("/inbox/escalations", headers=supervisor))
    assert _ids(answer) == ["ESC-ESCALATED:1", "ESC-OVERDUE:1"]
    assert answer["next"] is None and answer["previous"] is None
    first = await flows.ok(await api.http.get("/inbox/escalations?limit=1", headers=supervisor))
    assert _ids(first) == ["ESC-ESCALATED:1"]
    assert first["next"] == "/inbox/escalations?limit=1&offset=1"
    second = await flows.ok(await api.http.get(first["next"], headers=supervisor))
    assert _ids(second) == ["ESC-OVERDUE:1"] and second["next"] is None
    assert second["previous"] == "/inbox/escalations?limit=1"
    elsewhere = api.headers("spv-other", Role.SUPERVISOR, upt="LP-SALEMBA")
    theirs = await flows.ok(await api.http.get("/inbox/escalations", headers=elsewhere))
    assert not {t for t in _ids(theirs) if t.startswith("ESC-")}
    refused = await api.http.get("/inbox/escalations", headers=_tpp(api))
    assert refused.status_code == 403
