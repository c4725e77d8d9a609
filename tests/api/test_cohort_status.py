"""The cohort's status (`GET /cohorts/{cohort_id}`): every row answered is there with its state,
accepted rows settle (enrolment row and placement task written), a row the journey refuses
later shows with the reason, and a row sent again while it settles is never enrolled twice."""

from __future__ import annotations

from typing import Any

from tests.api import flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack
from tests.api.test_cohort_enrolment import new_inmates, row
from tests.temporal_support import SETTLE_SECONDS, until


async def send(api: ApiStack, rows: list[Any], cohort_id: str | None = None) -> Any:
    body: dict[str, Any] = {"rows": rows} | ({"cohort_id": cohort_id} if cohort_id else {})
    return await flows.ok(
        await api.http.post("/cohorts/enrolments", json=body, headers=api.caseworker())
    )


async def status(api: ApiStack, cohort_id: str, **params: Any) -> Any:
    return await flows.ok(
        await api.http.get(f"/cohorts/{cohort_id}", params=params, headers=api.caseworker())
    )


async def settled(api: ApiStack, cohort_id: str) -> Any:
    return await until(
        lambda: status(api, cohort_id),
        lambda s: s["settling"] == 0,
        f"cohort {cohort_id} settled",
        within=SETTLE_SECONDS,
    )


async def test_accepted_rows_settle_with_their_enrolment_and_placement_task(
    api: ApiStack,
) -> None:
    inmates = new_inmates(api, 3)
    rows = [row(n) for n in inmates] + [row("CPN-1999-99999")]  # SDP does not know the last
    answer = await send(api, rows)
    cohort_id = answer["cohort_id"]
    assert (answer["accepted"], answer["rejected"]) == (3, 1)
    final = await settled(api, cohort_id)
    assert {k: final[k] for k in ("total", "accepted", "settled", "refused_later", "rejected")} == {
        "total": 4, "accepted": 3, "settled": 3, "refused_later": 0, "rejected": 1,
    }  # fmt: skip
    by_inmate = {r["inmate_sdp_no"]: r for r in final["rows"]}
    assert by_inmate["CPN-1999-99999"]["state"] == "rejected"
    assert by_inmate["CPN-1999-99999"]["reason"] == "inmate CPN-1999-99999 is not registered in SDP"
    accepted = {r["enrolment_id"]: r for r in answer["results"] if r["status"] == "accepted"}
    for number in inmates:
        seen = by_inmate[number]
        assert seen["state"] == "settled" and seen["enrolment_id"] in accepted
        assert seen["settled_at"] is not None and seen["applied_at"] is not None
    # Settled means what the caseworker and the TPP see: the row and the placement task.
    stage = await api.pool.fetch(
        "SELECT stage FROM enrolments WHERE enrolment_id = ANY($1)", list(accepted)
    )
    assert [r["stage"] for r in stage] == ["placement_review"] * 3
    tasks = await api.pool.fetchval(
        "SELECT count(*) FROM tasks WHERE case_id = ANY($1) AND kind = 'placement_review'",
        list(accepted),
    )
    assert tasks == 3
    only = await status(api, cohort_id, state="rejected")
    assert [r["inmate_sdp_no"] for r in only["rows"]] == ["CPN-1999-99999"]


async def test_a_row_resent_while_it_settles_is_already_enrolled_never_twice(
    api: ApiStack,
) -> None:
    inmates = new_inmates(api, 4)
    rows = [row(n) for n in inmates]
    first = await send(api, rows)
    ids = [r["enrolment_id"] for r in first["results"]]
    assert first["accepted"] == 4
    # At once: the requests are queued in the journeys or just started, not yet projected.
    again = await send(api, rows, cohort_id=first["cohort_id"])
    other = await send(api, rows)  # the same rows as another cohort
    for resent in (again, other):
        assert resent["already_enrolled"] == 4, resent
        assert [r["enrolment_id"] for r in resent["results"]] == ids
    same = await settled(api, first["cohort_id"])
    assert (same["accepted"], same["settled"], same["already_enrolled"]) == (4, 4, 0)
    elsewhere = await status(api, other["cohort_id"])
    assert (elsewhere["already_enrolled"], elsewhere["accepted"]) == (4, 0)
    assert {r["enrolment_id"] for r in elsewhere["rows"]} == set(ids)
    count = await api.pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = ANY($1)", inmates
    )
    assert count == 4


async def test_a_row_the_journey_refuses_later_shows_with_its_reason(api: ApiStack) -> None:
    """SDP's record still says Cipinang when the row is checked, but the inmate's journey has
    applied a transfer to Salemba: the row is accepted, then refused by the journey."""
    (moved,) = new_inmates(api, 1)
    first = await send(api, [row(moved)])
    await settled(api, first["cohort_id"])
    await flows.ok(await jf.report(api, jf.event(moved, "transfer", to_upt="LP-SALEMBA")))
    later = await send(api, [row(moved, programme="WELDING")])
    assert later["accepted"] == 1, later
    final = await settled(api, later["cohort_id"])
    assert (final["accepted"], final["refused_later"], final["settled"]) == (1, 1, 0)
    [refused] = final["rows"]
    assert refused["state"] == "refused_later"
    assert "now held at UPT LP-SALEMBA, not LP-CIPINANG" in refused["reason"]
    started = await api.pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = $1 AND programme_code = 'WELDING'",
        moved,
    )
    assert started == 0
    # The journey's timeline says so too.
    view = await jf.journey(api, moved)
    assert any(e["kind"] == "enrolment_refused" for e in view["events"])


async def test_a_cohort_is_seen_by_the_caseworkers_of_its_upt_only(api: ApiStack) -> None:
    answer = await send(api, [row(n) for n in new_inmates(api, 1)])
    path = f"/cohorts/{answer['cohort_id']}"
    elsewhere = await api.http.get(path, headers=api.caseworker("LP-SALEMBA"))
    assert elsewhere.status_code == 403
    assert "is of UPT LP-CIPINANG" in elsewhere.json()["detail"]
    assert (await api.http.get(path, headers=api.tpp())).status_code == 403
    missing = await api.http.get("/cohorts/COH-NOSUCHCOHORT", headers=api.caseworker())
    assert missing.status_code == 404
    taken = await api.http.post(
        "/cohorts/enrolments",
        json={"rows": [row("SYN-000001")], "cohort_id": answer["cohort_id"]},
        headers=api.caseworker("LP-SALEMBA"),
    )
    assert taken.status_code == 404, taken.text  # another UPT's cohort id adds nothing
    assert (await status(api, answer["cohort_id"]))["total"] == 1
