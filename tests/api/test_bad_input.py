"""Bad input is a 4xx that says what to fix and stores nothing; never a 500.

Each input here was once accepted and froze a case, or answered 500 (issue 20): NUL and other
control characters, unpaired surrogates, line breaks in single-line fields, unknown fields,
strings where numbers and booleans are declared, numbers beyond the column types, control
characters in path ids and query filters, dates far from now.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.clock import jakarta_today
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows, permit_flows
from tests.api.conftest import ApiStack

BAD_DECISIONS = [
    ({"decision": "approve", "reason": "approved\x00 after review"}, "NUL"),
    ({"decision": "approve", "reason": "approved \x1b[31m red"}, "control character"),
    ({"decision": "approve", "reason": "   \n\t  "}, "blank"),
    ({"decision": "approve", "reason": "ok reason", "approved_by": "x"}, "Extra inputs"),
    ({"decision": "approve", "reason": "ok reason", "exception_granted": "yes"}, "boolean"),
    ({"decision": "defer", "reason": "ok reason", "defer_until": "9999-12-31"}, "between"),
    ({"decision": "defer", "reason": "ok reason", "defer_until": "0001-01-01"}, "between"),
]


@pytest.mark.parametrize(("body", "said"), BAD_DECISIONS)
async def test_a_bad_decision_is_a_422_that_changes_nothing(
    api: ApiStack, body: dict[str, object], said: str
) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    answer = await api.http.post(
        f"/enrolments/{enrolment_id}/placement", json=body, headers=api.tpp()
    )
    assert answer.status_code == 422, answer.text
    assert said.lower() in answer.text.lower()
    assert await api.snapshot(enrolment_id) == before


async def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(api: ApiStack) -> None:
    """Schemathesis sent one (tests/e2e/test_openapi_fuzz.py): FastAPI's answer was a bare,
    undocumented 400 "There was an error parsing the body"."""
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    answer = await api.http.post(
        f"/enrolments/{enrolment_id}/placement",
        content=b'{"decision": "approve", "reason": "\x80\x81"}',
        headers={**api.tpp(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body"]
    assert "UTF-8" in answer.json()["detail"][0]["msg"]
    assert await api.snapshot(enrolment_id) == before


async def test_unpaired_surrogates_in_a_json_body_are_a_422(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    raw = b'{"decision": "approve", "reason": "approved \\ud800 here"}'
    answer = await api.http.post(
        f"/enrolments/{enrolment_id}/placement",
        content=raw,
        headers={**api.tpp(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert await api.snapshot(enrolment_id) == before
    # And a request body that is all surrogates in a field the answer echoes (a cohort row).
    rows = b'{"rows": [{"inmate_sdp_no": "\\udc80\\ud800", "programme_code": "BARISTA"}]}'
    cohort = await api.http.post(
        "/cohorts/enrolments",
        content=rows,
        headers={**api.caseworker(), "Content-Type": "application/json"},
    )
    assert cohort.status_code == 200, cohort.text
    assert cohort.json()["rejected"] == 1


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ({"session_no": "3", "session_date": "2026-12-09", "present": True}, "integer"),
        ({"session_no": 3, "session_date": "2026-12-09", "present": "true"}, "boolean"),
        ({"session_no": 2**40, "session_date": "2026-12-09", "present": True}, "less than"),
        ({"session_no": 1, "session_date": "9999-12-31", "present": True}, "between"),
    ],
)
async def test_numbers_and_booleans_are_strict_and_bounded(
    api: ApiStack, entry: dict[str, object], said: str
) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    before = await api.snapshot(enrolment_id)
    answer = await api.http.post(
        f"/enrolments/{enrolment_id}/attendance", json=entry, headers=api.caseworker()
    )
    assert answer.status_code == 422, answer.text
    assert said in answer.text
    assert await api.snapshot(enrolment_id) == before


@pytest.mark.parametrize(
    "path",
    [
        "/enrolments/ENR%00X",
        "/enrolments/ENR%01X/state",
        "/journeys/A%0AB",
        "/permits/TKA%7FX",
        "/enrolments?upt=LP%00X",
        "/inbox?kind=%1B",
        "/enrolments?offset=99999999999999999999",
        "/journeys?offset=9223372036854775808",
        "/permits?offset=2147483648",
        "/inbox?offset=1e30",
    ],
)
async def test_control_characters_and_huge_numbers_in_urls_are_a_422(
    api: ApiStack, path: str
) -> None:
    who = api.caseworker() if path.startswith("/inbox") else api.auditor()
    answer = await api.http.get(path, headers=who)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"tka_name": "Ravi\nKumar"}, "line break"),
        ({"tka_name": "  "}, "blank"),
        ({"position_title": "Engineer\u2028Lead"}, "line separator"),
        ({"nationality": "XX"}, "ISO 3166"),
        ({"nationality": "IND"}, "ISO 3166"),
        ({"duration_months": "12"}, "integer"),
        ({"in_kek": "false"}, "boolean"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
async def test_a_bad_permit_submission_is_a_422_and_nothing_is_stored(
    api: ApiStack, changes: dict[str, object], said: str
) -> None:
    body = json.dumps(permit_flows.submission(**changes))
    answer = await api.http.post(
        "/permits",
        content=body,
        headers={**permit_flows.employer(api), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    assert said.lower() in answer.text.lower()
    assert await api.pool.fetchval("SELECT count(*) FROM permit_applications") == 0


async def test_a_nationality_is_stored_as_its_alpha_2_code(api: ApiStack) -> None:
    application_id = await permit_flows.submit(api, nationality="in")
    live = await permit_flows.state(api, application_id)
    assert live["stage"] != "rejected"
    stored = await api.pool.fetchval(
        "SELECT count(*) FROM permit_applications WHERE application_id = $1", application_id
    )
    assert stored == 1


async def test_a_payment_dated_far_ahead_is_refused_and_the_permit_stays(api: ApiStack) -> None:
    application_id = await permit_flows.submit(api)
    live = await permit_flows.to_payment(api, application_id)
    answer = await permit_flows.pay(api, live, paid_at="9999-12-31T23:59:59+07:00")
    assert answer.status_code == 422, answer.text
    assert (await permit_flows.state(api, application_id))["stage"] == "payment"
    assert await api.pool.fetchval("SELECT count(*) FROM payment_confirmations") == 0


async def test_attendance_in_the_future_or_before_the_offering_started_is_a_422(
    api: ApiStack,
) -> None:
    """A session that has not happened yet, or happened before its cohort existed, is refused
    where it is recorded (the workflow's validator is left as it was: recorded histories)."""
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    offering = await api.pool.fetchrow(
        "SELECT planned_start FROM offerings WHERE upt_code = 'LP-CIPINANG' "
        "AND programme_code = 'BARISTA'"
    )
    assert offering is not None
    today = jakarta_today()
    path = f"/enrolments/{enrolment_id}/attendance"
    for day, said in (
        (today + timedelta(days=1), "in the future"),
        (offering["planned_start"] - timedelta(days=1), "before the offering"),
    ):
        before = await api.snapshot(enrolment_id)
        entry = {"session_no": 1, "session_date": str(day), "present": True}
        answer = await api.http.post(path, json=entry, headers=api.caseworker())
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"].startswith("session_date:"), answer.text
        assert said in answer.json()["detail"]
        assert await api.snapshot(enrolment_id) == before
    for day in (today, offering["planned_start"]):  # the bounds themselves are sessions
        entry = {"session_no": 1 if day == today else 2, "session_date": str(day), "present": True}
        await flows.ok(await api.http.post(path, json=entry, headers=api.caseworker()))
