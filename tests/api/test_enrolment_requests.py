"""Stage 1 over HTTP: who may request, eligibility, and that a refusal stores nothing."""

from __future__ import annotations

from typing import Any

from registries.sdp_seed import (
    DEMO_ELIGIBLE,
    DEMO_LOW_EDUCATION,
    DEMO_NOT_OFFERED,
    DEMO_PRETRIAL,
    DEMO_RELEASE_SOON,
    DEMO_RELEASED,
)
from tests.api.conftest import ApiStack


def _body(sdp_no: str = DEMO_ELIGIBLE, programme: str = "BARISTA") -> dict[str, Any]:
    return {"inmate_sdp_no": sdp_no, "programme_code": programme, "reason": "wants to work"}


async def _enrolment_count(api: ApiStack) -> int:
    count = await api.pool.fetchval("SELECT count(*) FROM enrolments")
    assert isinstance(count, int)
    return count


async def test_caseworker_enrols_an_eligible_inmate_of_their_upt(api: ApiStack) -> None:
    response = await api.http.post("/enrolments", json=_body(), headers=api.caseworker())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["stage"] == "placement_review"
    assert body["release_flagged"] is False
    assert body["lsp_code"] == "LSP-PARIWISATA"
    listed = await api.http.get("/enrolments", headers=api.tpp())
    assert [e["enrolment_id"] for e in listed.json()["items"]] == [body["enrolment_id"]]


async def test_release_before_programme_end_is_flagged_for_a_tpp_exception(api: ApiStack) -> None:
    response = await api.http.post(
        "/enrolments", json=_body(DEMO_RELEASE_SOON), headers=api.caseworker()
    )
    assert response.status_code == 201, response.text
    assert response.json()["release_flagged"] is True


async def test_no_token_is_401_and_a_forged_token_is_401(api: ApiStack) -> None:
    assert (await api.http.post("/enrolments", json=_body())).status_code == 401
    forged = {"Authorization": "Bearer not.a.jwt"}
    assert (await api.http.post("/enrolments", json=_body(), headers=forged)).status_code == 401
    assert await _enrolment_count(api) == 0


async def test_each_bad_request_gets_a_clear_4xx_and_stores_nothing(api: ApiStack) -> None:
    cases: list[tuple[dict[str, Any], dict[str, str], int, str]] = [
        (_body("CPN-0000-00000"), api.caseworker(), 404, "not registered in SDP"),
        (_body(programme="ASTRONAUT"), api.caseworker(), 404, "programme ASTRONAUT"),
        (_body(DEMO_PRETRIAL), api.caseworker("RT-JAKPUS"), 422, "only sentenced"),
        (_body(DEMO_RELEASED), api.caseworker("LP-TANGERANG"), 422, "released"),
        (_body(DEMO_LOW_EDUCATION), api.caseworker("LP-SALEMBA"), 422, "requires education SMP"),
        (_body(DEMO_NOT_OFFERED), api.caseworker("LP-SUKAMISKIN"), 422, "not offered"),
        (_body(), api.caseworker("LP-SALEMBA"), 403, "held at UPT LP-CIPINANG"),
        (_body(), api.tpp(), 403, "caseworker"),
        ({"inmate_sdp_no": DEMO_ELIGIBLE}, api.caseworker(), 422, "programme_code"),
        ({**_body(), "reason": ""}, api.caseworker(), 422, "reason"),
    ]
    for body, headers, status, message in cases:
        response = await api.http.post("/enrolments", json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        assert message in response.text, (body, response.text)
    assert await _enrolment_count(api) == 0


async def test_a_second_active_enrolment_in_the_same_programme_is_409(api: ApiStack) -> None:
    first = await api.http.post("/enrolments", json=_body(), headers=api.caseworker())
    assert first.status_code == 201
    second = await api.http.post("/enrolments", json=_body(), headers=api.caseworker())
    assert second.status_code == 409
    # One rule (domain/enrolment_rules.check_no_active_enrolment), naming the open case.
    detail = second.json()["detail"]
    assert f"already has an active enrolment in BARISTA ({first.json()['enrolment_id']})" in detail
    assert await _enrolment_count(api) == 1


async def test_case_list_shows_only_the_readers_scope(api: ApiStack) -> None:
    created = await api.http.post("/enrolments", json=_body(), headers=api.caseworker())
    enrolment_id = created.json()["enrolment_id"]
    other_upt = await api.http.get("/enrolments", headers=api.caseworker("LP-SALEMBA"))
    assert other_upt.json()["items"] == []
    assert (
        await api.http.get(f"/enrolments/{enrolment_id}", headers=api.caseworker("LP-SALEMBA"))
    ).status_code == 403
    other_lsp = await api.http.get("/enrolments", headers=api.assessor(lsp="LSP-LOGAM"))
    assert other_lsp.json()["items"] == []
    own_lsp = await api.http.get(f"/enrolments/{enrolment_id}", headers=api.assessor())
    assert own_lsp.status_code == 200
    assert (await api.http.get("/enrolments/ENR-NOPE", headers=api.tpp())).status_code == 404
