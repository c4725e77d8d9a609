"""TKA permits over HTTP against the dev server and a real Postgres: submission rules as
422s, an employer seeing only its own applications, decisions through the inbox."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import permit_flows as flows
from tests.api.conftest import ApiStack
from tests.api.flows import ok
from tests.api.permit_flows import NIB, OTHER_NIB, employer, officer, submission, verifier
from tests.temporal_support import until


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"position_title": "HR Manager"}, "closed to foreign workers"),
        ({"duration_months": 25}, "24-month limit outside a KEK"),
        ({"duration_months": 61, "in_kek": True}, "60-month limit in a special economic zone"),
        ({"pendamping": None}, "a pendamping"),
        ({"passport_no": "e 123"}, "passport number is malformed"),
        ({"province": "Banten"}, "Kemendagri code"),
        ({"sector": "manufacturing"}, "KBLI 2020 section"),
    ],
)
async def test_a_submission_breaking_a_rule_is_a_clear_422_and_stores_nothing(
    api: ApiStack, changes: dict[str, object], says: str
) -> None:
    response = await api.http.post("/permits", json=submission(**changes), headers=employer(api))
    assert response.status_code == 422, response.text
    assert says in str(response.json()["detail"])  # a rule's sentence, or a field's errors
    assert await api.pool.fetchval("SELECT count(*) FROM permit_applications") == 0


async def test_a_kek_permit_of_5_years_and_a_director_without_pendamping_are_accepted(
    api: ApiStack,
) -> None:
    kek = await flows.submit(api, duration_months=60, in_kek=True)
    director = await flows.submit(
        api, position_title="President director", position_kind="director", pendamping=None,
        province=None, sector=None,
    )  # fmt: skip
    assert kek != director
    # Province and sector reach the read model the supervision reports group by; an
    # application without them (as every one sent before they existed) is still accepted.
    where = await api.pool.fetch(
        "SELECT application_id, province_code, sector FROM permit_applications"
    )
    assert {(r["application_id"], r["province_code"], r["sector"]) for r in where} == {
        (kek, "72", "B"), (director, None, None)
    }  # fmt: skip


async def test_a_malformed_nib_in_the_token_is_a_422(api: ApiStack) -> None:
    response = await api.http.post(
        "/permits", json=submission(), headers=employer(api, nib="12-34")
    )
    assert response.status_code == 422
    assert "NIB" in response.json()["detail"]


async def test_an_employer_sees_and_acts_only_on_its_own_applications(api: ApiStack) -> None:
    mine = await flows.submit(api, NIB)
    theirs = await flows.submit(api, OTHER_NIB)
    listed = await ok(await api.http.get("/permits", headers=employer(api, NIB)))
    assert [item["application_id"] for item in listed["items"]] == [mine]
    assert listed["items"][0]["passport_no"] == "E1234567"  # the employer's own data
    for path in ("", "/state", "/decisions"):
        response = await api.http.get(f"/permits/{theirs}{path}", headers=employer(api, NIB))
        assert response.status_code == 403, path
    await flows.settled(api, theirs)
    await flows.decide(api, theirs, "verification",
                       {"decision": "request_revision", "reason": "diploma missing"},
                       verifier(api))  # fmt: skip
    response = await api.http.post(
        f"/permits/{theirs}/resubmission",
        json={"documents": ["diploma"], "reason": "here it is"},
        headers=employer(api, NIB),
    )
    assert response.status_code == 403
    staff = await ok(await api.http.get("/permits", headers=verifier(api)))
    assert {i["application_id"] for i in staff["items"]} == {mine, theirs}


async def test_reviewers_see_only_their_ministrys_tasks_and_decide_through_the_inbox(
    api: ApiStack,
) -> None:
    application_id = await flows.submit(api)
    await flows.settled(api, application_id)

    async def kemnaker_inbox() -> list[dict[str, Any]]:
        inbox = await ok(await api.http.get("/inbox", headers=verifier(api)))
        return [t for t in inbox["items"] if t["case_id"] == application_id]

    # The workflow opens the task (an activity) just after it projects the stage it waits in.
    [task] = await until(kemnaker_inbox, bool, "the verification task", called="inbox")
    assert task["kind"] == "document_verification"
    imigrasi = await ok(await api.http.get("/inbox", headers=officer(api)))
    assert not [t for t in imigrasi["items"] if t["case_id"] == application_id]
    decided = await ok(
        await api.http.post(
            f"/tasks/{task['task_id']}/decide",
            json={"decision": "approve", "reason": "complete file"},
            headers=verifier(api),
        )
    )
    assert decided["case"]["stage"] == "feasibility"
    log = await ok(
        await api.http.get(f"/permits/{application_id}/decisions", headers=employer(api))
    )
    [approval] = [e for e in log if e["decision"] == "approve"]
    assert (approval["actor_subject"], approval["actor_role"]) == ("verif-1", "kemnaker_verifier")
    assert approval["reason"] == "complete file"
