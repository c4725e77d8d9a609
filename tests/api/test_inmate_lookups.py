"""Look-ups an integrator needs, each scoped by role: an inmate by SDP number with the
programmes they may be enrolled in (the one rule `POST /enrolments` applies), the inmates of
a UPT by SDP number prefix, a release's handovers newest first, and one employer's permits."""

from __future__ import annotations

from typing import Any

from domain.identity import Ministry, Role
from registries.sdp_seed import (
    DEMO_ELIGIBLE,
    DEMO_LIFE_SENTENCE,
    DEMO_PAROLE,
    DEMO_RELEASE_SOON,
    DEMO_RELEASED,
)
from tests.api import flows, permit_flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack

SMP_INMATE = "CPN-2022-00031"  # LP-CIPINANG, SMP: BARISTA and WELDING yes, COMPTECH needs SMA


def _by_code(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["programme_code"]: p for p in view["programmes"]}


async def test_an_inmate_is_found_with_what_they_may_be_enrolled_in_and_why_not(
    api: ApiStack,
) -> None:
    view = await flows.ok(await api.http.get(f"/inmates/{SMP_INMATE}", headers=api.caseworker()))
    assert (view["upt_code"], view["status"]) == ("LP-CIPINANG", "sentenced")
    programmes = _by_code(view)
    assert programmes["BARISTA"]["eligible"] and programmes["BARISTA"]["reasons"] == []
    assert not programmes["COMPTECH"]["eligible"]
    assert any("requires education SMA" in r for r in programmes["COMPTECH"]["reasons"])
    # A programme the UPT does not run is named as such, not silently left out.
    assert not programmes["CULINARY"]["offered_here"]
    assert any("not offered at UPT LP-CIPINANG" in r for r in programmes["CULINARY"]["reasons"])

    # The answer is the rule POST /enrolments applies: what it calls ineligible is refused...
    refused = await api.http.post(
        "/enrolments",
        json={"inmate_sdp_no": SMP_INMATE, "programme_code": "COMPTECH", "reason": "try"},
        headers=api.caseworker(),
    )
    assert refused.status_code == 422
    assert programmes["COMPTECH"]["reasons"][0] in refused.json()["detail"]
    # ...and once enrolled, the programme reads as taken, with the case to open.
    enrolment_id = await flows.request(api, SMP_INMATE, "BARISTA")
    again = _by_code(await flows.ok(
        await api.http.get(f"/inmates/{SMP_INMATE}", headers=api.tpp())))  # fmt: skip
    assert again["BARISTA"]["active_enrolment_id"] == enrolment_id
    assert not again["BARISTA"]["eligible"]
    assert any("already has an active enrolment" in r for r in again["BARISTA"]["reasons"])


async def test_a_request_that_would_need_a_tpp_exception_says_so(api: ApiStack) -> None:
    soon = _by_code(await flows.ok(
        await api.http.get(f"/inmates/{DEMO_RELEASE_SOON}", headers=api.caseworker())))  # fmt: skip
    assert soon["BARISTA"]["eligible"] and soon["BARISTA"]["release_flagged"]
    life_sentence = f"/inmates/{DEMO_LIFE_SENTENCE}"
    life = _by_code(await flows.ok(await api.http.get(life_sentence, headers=api.caseworker())))
    assert not life["BARISTA"]["release_flagged"]


async def test_an_inmate_of_another_upt_or_unknown_to_sdp_is_refused(api: ApiStack) -> None:
    elsewhere = await api.http.get(
        f"/inmates/{DEMO_ELIGIBLE}", headers=api.caseworker("LP-SALEMBA")
    )
    assert elsewhere.status_code == 403
    assert "LP-CIPINANG" in elsewhere.json()["detail"]
    unknown = await api.http.get("/inmates/CPN-1999-99999", headers=api.caseworker())
    assert unknown.status_code == 404
    employer = await api.http.get(f"/inmates/{DEMO_ELIGIBLE}", headers=permit_flows.employer(api))
    assert employer.status_code == 403
    # An auditor of Process A reads; an Imigrasi auditor does not.
    assert (
        await api.http.get(f"/inmates/{DEMO_ELIGIBLE}", headers=api.auditor())
    ).status_code == 200
    imigrasi = api.headers("aud-imi", Role.AUDITOR, ministry=Ministry.IMIGRASI)
    assert (await api.http.get(f"/inmates/{DEMO_ELIGIBLE}", headers=imigrasi)).status_code == 403


async def test_a_upts_inmates_are_listed_by_sdp_number_prefix_and_paged(api: ApiStack) -> None:
    page = await flows.ok(await api.http.get(
        "/upts/LP-CIPINANG/inmates", params={"sdp_prefix": "CPN-2024"},
        headers=api.caseworker()))  # fmt: skip
    assert [i["sdp_no"] for i in page["items"]] == [DEMO_ELIGIBLE, DEMO_RELEASE_SOON]
    assert page["next_after"] is None

    every: list[str] = []
    after: str | None = None
    while True:
        params = {"limit": 2} | ({"after": after} if after else {})
        page = await flows.ok(await api.http.get(
            "/upts/LP-CIPINANG/inmates", params=params, headers=api.tpp()))  # fmt: skip
        every += [i["sdp_no"] for i in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert every == sorted(every) and len(every) == 6 and DEMO_PAROLE in every
    assert all(i["upt_code"] == "LP-CIPINANG" for i in page["items"])

    # Released inmates are held nowhere; another UPT's staff are refused.
    tangerang = await flows.ok(await api.http.get(
        "/upts/LP-TANGERANG/inmates", headers=api.caseworker("LP-TANGERANG")))  # fmt: skip
    assert DEMO_RELEASED not in [i["sdp_no"] for i in tangerang["items"]]
    other = await api.http.get("/upts/LP-CIPINANG/inmates", headers=api.caseworker("LP-SALEMBA"))
    assert other.status_code == 403
    bad = await api.http.get(
        "/upts/LP-CIPINANG/inmates", params={"sdp_prefix": "x' OR 1=1"}, headers=api.caseworker()
    )
    assert bad.status_code == 422


async def test_handovers_are_found_by_inmate_or_journey_newest_first(api: ApiStack) -> None:
    first = await flows.request(api, DEMO_RELEASE_SOON)
    second = await flows.request(api, DEMO_LIFE_SENTENCE)
    await jf.release(api, DEMO_RELEASE_SOON, "free", bapas=None)
    await jf.reaches(api, first, "closed")
    await jf.handovers_of(api, DEMO_RELEASE_SOON, 1)
    await jf.release(api, DEMO_LIFE_SENTENCE, "pb")
    await jf.reaches(api, second, "closed")
    await jf.handovers_of(api, DEMO_LIFE_SENTENCE, 2)

    everything = await flows.ok(await api.http.get("/handovers", headers=api.auditor()))
    sent = [h["sent_at"] for h in everything["items"]]
    assert sent == sorted(sent, reverse=True)  # the newest release on the first page
    assert everything["items"][0]["inmate_sdp_no"] == DEMO_LIFE_SENTENCE

    of_inmate = {"inmate_sdp_no": DEMO_RELEASE_SOON}
    one = await flows.ok(await api.http.get("/handovers", params=of_inmate, headers=api.auditor()))
    assert [(h["inmate_sdp_no"], h["receiver"]) for h in one["items"]] == [
        (DEMO_RELEASE_SOON, "job_placement")
    ]
    journey_id = one["items"][0]["journey_id"]
    officer = jf.placement_officer(api)
    by_journey = await flows.ok(
        await api.http.get("/handovers", params={"journey_id": journey_id}, headers=officer)
    )
    assert [h["journey_id"] for h in by_journey["items"]] == [journey_id]
    # The filter narrows the caller's scope, never widens it: the PK sees no job placement.
    pk = await flows.ok(await api.http.get(
        "/handovers", params={"inmate_sdp_no": DEMO_RELEASE_SOON}, headers=jf.pk(api)))  # fmt: skip
    assert pk["items"] == []
    due = await flows.ok(await api.http.get(
        "/handovers", params={"sort": "due"}, headers=api.auditor()))  # fmt: skip
    assert [h["due_at"] for h in due["items"]] == sorted(h["due_at"] for h in due["items"])


async def test_staff_find_one_employers_permits_and_employers_only_their_own(api: ApiStack) -> None:
    mine = await permit_flows.submit(api, "9120001234567")
    theirs = await permit_flows.submit(api, "9120007654321")
    listed = await flows.ok(await api.http.get(
        "/permits", params={"employer_nib": "9120001234567"},
        headers=permit_flows.verifier(api)))  # fmt: skip
    ids = [p["application_id"] for p in listed["items"]]
    assert mine in ids and theirs not in ids
    assert {p["employer_nib"] for p in listed["items"]} == {"9120001234567"}
    other = await api.http.get(
        "/permits",
        params={"employer_nib": "9120007654321"},
        headers=permit_flows.employer(api, "9120001234567"),
    )
    assert other.status_code == 403
    malformed = await api.http.get(
        "/permits", params={"employer_nib": "91200"}, headers=permit_flows.verifier(api)
    )
    assert malformed.status_code == 422
