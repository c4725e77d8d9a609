"""Cohort enrolment (`POST /cohorts/enrolments`): one result per row, bad rows never stop
good ones, and a repeated batch reports, never duplicates."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from domain.clock import jakarta_today
from domain.reference import EducationLevel
from domain.registries import CustodyStatus, InmateRecord
from registries.sdp_seed import DEMO_LOW_EDUCATION
from tests.api.conftest import ApiStack
from tests.temporal_support import SETTLE_SECONDS, until


def new_inmates(api: ApiStack, count: int, **changes: Any) -> list[str]:
    """Inmates SDP knows from now on, sentenced at LP-CIPINANG unless `changes` say not."""
    tag = uuid.uuid4().hex[:6].upper()
    numbers = []
    for n in range(count):
        record = InmateRecord(
            sdp_no=f"COH-{tag}-{n:03d}",
            status=CustodyStatus.SENTENCED,
            upt_code="LP-CIPINANG",
            education=EducationLevel.SMA,
            expected_release=jakarta_today() + timedelta(days=1500),
        )
        api.sdp.add(record.model_copy(update=changes))
        numbers.append(record.sdp_no)
    return numbers


def row(sdp_no: str, programme: str = "BARISTA", reason: str = "cohort of spring") -> Any:
    return {"inmate_sdp_no": sdp_no, "programme_code": programme, "reason": reason}


async def send(api: ApiStack, rows: list[Any], upt: str = "LP-CIPINANG") -> Any:
    response = await api.http.post(
        "/cohorts/enrolments", json={"rows": rows}, headers=api.caseworker(upt)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def projected(api: ApiStack, enrolment_ids: list[str]) -> list[Any]:
    """The read-model rows of these enrolments, once the workflows have written them."""
    return await until(
        lambda: api.pool.fetch(
            "SELECT enrolment_id, stage, upt_code FROM enrolments WHERE enrolment_id = ANY($1)",
            enrolment_ids,
        ),
        lambda rows: len(rows) == len(enrolment_ids),
        "the accepted enrolments in the read model",
        within=SETTLE_SECONDS,
    )


async def test_bad_rows_are_rejected_with_their_reason_and_good_rows_start(api: ApiStack) -> None:
    good = new_inmates(api, 3)
    (pretrial,) = new_inmates(api, 1, status=CustodyStatus.PRETRIAL)
    rows = [
        row(good[0]),
        {"inmate_sdp_no": good[1], "programme_code": "BARISTA"},  # no reason
        row("CPN-1999-99999"),  # SDP does not know them
        row(good[1]),
        row(pretrial),
        row(DEMO_LOW_EDUCATION),  # held at LP-SALEMBA
        row(good[0]),  # the first row again
        row(good[2], programme="ASTRONAUT"),
        row(good[2], programme="CULINARY"),  # not offered at Cipinang
        row(good[2]),
    ]
    answer = await send(api, rows)
    statuses = [(r["row"], r["status"]) for r in answer["results"]]
    assert statuses == [
        (1, "accepted"),
        (2, "rejected"),
        (3, "rejected"),
        (4, "accepted"),
        (5, "rejected"),
        (6, "rejected"),
        (7, "rejected"),
        (8, "rejected"),
        (9, "rejected"),
        (10, "accepted"),
    ]
    reasons = {r["row"]: r["reason"] for r in answer["results"]}
    assert reasons[2] == "malformed row: reason: Field required"
    assert reasons[3] == "inmate CPN-1999-99999 is not registered in SDP"
    assert "pretrial" in reasons[5] and reasons[5].startswith("not eligible: ")
    assert "held at UPT LP-SALEMBA; you are a caseworker of UPT LP-CIPINANG" in reasons[6]
    assert reasons[7] == "repeats row 1 of this batch"
    assert reasons[8] == "programme ASTRONAUT does not exist"
    assert "CULINARY is not offered at UPT LP-CIPINANG" in reasons[9]
    assert (answer["accepted"], answer["already_enrolled"], answer["rejected"]) == (3, 0, 7)
    accepted = [r["enrolment_id"] for r in answer["results"] if r["status"] == "accepted"]
    stored = await projected(api, accepted)
    assert {r["stage"] for r in stored} == {"placement_review"}
    count = await api.pool.fetchval("SELECT count(*) FROM enrolments")
    assert count == 3  # nothing stored for a rejected row


async def test_a_repeated_batch_reports_the_enrolments_and_starts_none(api: ApiStack) -> None:
    inmates = new_inmates(api, 4)
    rows = [row(n) for n in inmates]
    first = await send(api, rows)
    assert first["accepted"] == 4
    # At once, before the projections may have written the rows: the journeys know them.
    again = await send(api, rows)
    assert again["accepted"] == 0
    ids = [r["enrolment_id"] for r in first["results"]]
    assert again["already_enrolled"] == 4, again
    assert [r["enrolment_id"] for r in again["results"]] == ids
    await projected(api, ids)
    later = await send(api, rows)
    assert later["already_enrolled"] == 4
    assert [r["enrolment_id"] for r in later["results"]] == ids
    assert all(
        "already has an active enrolment in BARISTA" in r["reason"] for r in later["results"]
    )
    count = await api.pool.fetchval(
        "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = ANY($1)", inmates
    )
    assert count == 4


async def test_a_row_resent_while_its_first_attempt_settles_is_already_enrolled(
    api: ApiStack,
) -> None:
    """Two copies of a batch at the same moment (a client retrying a request it thinks lost):
    each row is accepted once and reported already enrolled once, never rejected."""
    inmates = new_inmates(api, 3)
    rows = [row(n) for n in inmates]
    answers = await asyncio.gather(send(api, rows), send(api, rows))
    for index in range(len(rows)):
        statuses = sorted(a["results"][index]["status"] for a in answers)
        assert statuses == ["accepted", "already_enrolled"], answers
        assert len({a["results"][index]["enrolment_id"] for a in answers}) == 1


async def test_a_caseworker_of_another_upt_starts_nothing(api: ApiStack) -> None:
    inmates = new_inmates(api, 2)
    answer = await send(api, [row(n) for n in inmates], upt="LP-SALEMBA")
    assert answer["rejected"] == 2
    assert all("held at UPT LP-CIPINANG" in r["reason"] for r in answer["results"])
    assert await api.pool.fetchval("SELECT count(*) FROM enrolments") == 0


async def test_an_empty_or_oversized_batch_is_refused_whole(api: ApiStack) -> None:
    for rows in ([], [row(f"SYN-{n:06d}") for n in range(501)]):
        response = await api.http.post(
            "/cohorts/enrolments", json={"rows": rows}, headers=api.caseworker()
        )
        assert response.status_code == 422, response.text
    refused = await api.http.post(
        "/cohorts/enrolments", json={"rows": [row("X")]}, headers=api.tpp()
    )
    assert refused.status_code == 403
