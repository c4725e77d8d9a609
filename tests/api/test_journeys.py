"""GET /journeys and /journeys/{inmate_sdp_no}: caseworkers see an inmate's journey, its
enrolments, custody events and handover status; one journey per inmate, started by the
first enrolment request."""

from __future__ import annotations

import asyncio

from domain.identity import Ministry, Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack

SCHOLAR = "CPN-2023-00457"  # Cipinang, S1: eligible for every Cipinang programme


async def test_the_first_enrolment_starts_the_journey_and_later_ones_join_it(
    api: ApiStack,
) -> None:
    barista = await flows.request(api, SCHOLAR, "BARISTA")
    welding = await flows.request(api, SCHOLAR, "WELDING")
    view = await jf.settled(api, SCHOLAR)
    assert view["journey"]["status"] == "in_custody"
    assert view["journey"]["upt_code"] == "LP-CIPINANG"
    assert [e["enrolment_id"] for e in view["enrolments"]] == [barista, welding]
    assert [e["programme_code"] for e in view["live"]["enrolments"]] == ["BARISTA", "WELDING"]
    assert [e["kind"] for e in view["events"]] == [
        "started",
        "enrolment_started",
        "enrolment_started",
    ]
    # Never two journeys for one inmate.
    count = await api.pool.fetchval(
        "SELECT count(*) FROM journeys WHERE inmate_sdp_no = $1", SCHOLAR
    )
    assert count == 1


async def test_requests_at_the_same_moment_start_one_journey_and_one_enrolment_per_programme(
    api: ApiStack,
) -> None:
    def body(programme: str) -> dict[str, str]:
        return {"inmate_sdp_no": SCHOLAR, "programme_code": programme, "reason": "keen"}

    answers = await asyncio.gather(
        *(
            api.http.post("/enrolments", json=body(p), headers=api.caseworker())
            for p in ("BARISTA", "BARISTA", "WELDING", "COMPTECH")
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 201, 201, 409], [a.text for a in answers]
    view = await jf.settled(api, SCHOLAR)
    assert sorted(e["programme_code"] for e in view["enrolments"]) == [
        "BARISTA",
        "COMPTECH",
        "WELDING",
    ]
    journeys = await api.pool.fetchval(
        "SELECT count(*) FROM journeys WHERE inmate_sdp_no = $1", SCHOLAR
    )
    assert journeys == 1
    stored = await api.pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = $1", SCHOLAR
    )
    assert stored == 3


async def test_caseworker_sees_enrolments_custody_events_and_handover_status(
    api: ApiStack,
) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    sanction = jf.event(DEMO_ELIGIBLE, "sanction", sanction_ref="F-2026-010")
    await flows.ok(await jf.report(api, sanction))
    await jf.reaches(api, enrolment_id, "paused")
    response = await api.http.get(f"/journeys/{DEMO_ELIGIBLE}", headers=api.caseworker())
    view = await flows.ok(response)
    (enrolment,) = view["enrolments"]
    assert (enrolment["enrolment_id"], enrolment["stage"]) == (enrolment_id, "paused")
    (custody,) = view["custody_events"]
    assert custody["event_id"] == sanction["event_id"]
    assert custody["payload"]["sanction_ref"] == "F-2026-010"
    assert view["handovers"] == []  # not released
    assert view["live"]["sanctions"] == [{"ref": "F-2026-010", "until": None}]


async def test_who_reads_a_journey(api: ApiStack) -> None:
    await flows.request(api, DEMO_ELIGIBLE)
    await jf.settled(api, DEMO_ELIGIBLE)
    path = f"/journeys/{DEMO_ELIGIBLE}"
    readers = {
        "caseworker of the UPT": api.caseworker(),
        "TPP of the UPT": api.tpp(),
        "Kemnaker officer": jf.placement_officer(api),
        "auditor": api.auditor(),
        "Kemenimipas auditor": api.headers("aud-2", Role.AUDITOR, ministry=Ministry.KEMENIMIPAS),
    }
    for who, headers in readers.items():
        assert (await api.http.get(path, headers=headers)).status_code == 200, who
    others = {
        "caseworker elsewhere": api.caseworker("LP-SALEMBA"),
        "TPP elsewhere": api.tpp("LP-SALEMBA"),
        "Kemnaker officer without Kemnaker scope": api.headers(
            "kn-x", Role.KEMNAKER_OFFICER, ministry=Ministry.KEMENIMIPAS
        ),
        "Imigrasi auditor": api.headers("aud-3", Role.AUDITOR, ministry=Ministry.IMIGRASI),
        "Bapas officer": jf.pk(api),
        "SDP": jf.sdp(api),
        "assessor": api.assessor(),
    }
    for who, headers in others.items():
        assert (await api.http.get(path, headers=headers)).status_code == 403, who
    unknown = await api.http.get("/journeys/CPN-0000-00000", headers=api.auditor())
    assert unknown.status_code == 404


async def test_the_journey_list_is_limited_to_the_readers_scope(api: ApiStack) -> None:
    await flows.request(api, DEMO_ELIGIBLE)
    salemba = await flows.ok(
        await api.http.post(
            "/enrolments",
            json={"inmate_sdp_no": "SLB-2023-00588", "programme_code": "BARISTA", "reason": "keen"},
            headers=api.caseworker("LP-SALEMBA"),
        )
    )
    await jf.settled(api, DEMO_ELIGIBLE)
    await jf.settled(api, salemba["inmate_sdp_no"])

    async def listed(headers: dict[str, str], query: str = "") -> list[str]:
        page = await flows.ok(await api.http.get(f"/journeys{query}", headers=headers))
        return sorted(j["inmate_sdp_no"] for j in page["items"])

    assert await listed(api.caseworker()) == [DEMO_ELIGIBLE]
    assert await listed(api.tpp("LP-SALEMBA")) == ["SLB-2023-00588"]
    assert await listed(api.auditor()) == [DEMO_ELIGIBLE, "SLB-2023-00588"]
    assert await listed(api.auditor(), "?upt=LP-SALEMBA") == ["SLB-2023-00588"]
    assert await listed(api.auditor(), "?status=handover") == []
    assert await listed(api.auditor(), "?limit=1&offset=1") != await listed(
        api.auditor(), "?limit=1"
    )
    imigrasi = api.headers("aud-3", Role.AUDITOR, ministry=Ministry.IMIGRASI)
    assert await listed(imigrasi) == []
    asking_elsewhere = await api.http.get("/journeys?upt=LP-SALEMBA", headers=api.caseworker())
    assert asking_elsewhere.status_code == 403
    bad = await api.http.get("/journeys?status=asleep", headers=api.auditor())
    assert bad.status_code == 422


async def test_an_enrolment_the_journey_refuses_leaves_nothing_stored(api: ApiStack) -> None:
    """Released (SDP has not caught up yet): the journey refuses a new enrolment."""
    first = await flows.request(api, SCHOLAR, "BARISTA")
    await jf.release(api, SCHOLAR, "free", bapas=None)
    await jf.reaches(api, first, "closed")
    await jf.handovers_of(api, SCHOLAR, 1)
    before = await jf.snapshot(api, SCHOLAR)
    body = {"inmate_sdp_no": SCHOLAR, "programme_code": "WELDING", "reason": "one more"}
    refused = await api.http.post("/enrolments", json=body, headers=api.caseworker())
    assert refused.status_code == 409
    assert "was released" in refused.json()["detail"]
    assert await jf.snapshot(api, SCHOLAR) == before
