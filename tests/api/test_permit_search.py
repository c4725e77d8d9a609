"""Staff search of applications: by NIB, stage, nationality, position words, dates and
passport number, POSTed (no value in a URL or a log), and only at the searcher's ministry's
steps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from structlog.testing import capture_logs

from domain.clock import jakarta_today
from tests.api import permit_flows as flows
from tests.api.conftest import ApiStack
from tests.api.flows import ok
from tests.api.permit_flows import NIB, OTHER_NIB, auditor, employer, officer, verifier


async def _found(api: ApiStack, headers: dict[str, str], **body: Any) -> set[str]:
    answer = await ok(await api.http.post("/permits/search", json=body, headers=headers))
    return {item["application_id"] for item in answer["items"]}


async def test_officers_search_their_ministrys_applications_by_post(api: ApiStack) -> None:
    engineer = await flows.submit(api, NIB)
    chef = await flows.submit(api, NIB, position_title="Head chef", nationality="JP",
                              passport_no="TZ1234567")  # fmt: skip
    other = await flows.submit(api, OTHER_NIB, position_title="Senior mining engineer")
    for application_id in (engineer, chef, other):
        await flows.settled(api, application_id)
    kemnaker = verifier(api)

    assert await _found(api, kemnaker, employer_nib=NIB) == {engineer, chef}
    assert await _found(api, kemnaker, nationality="JP") == {chef}
    assert await _found(api, kemnaker, position="mining engineer") == {engineer, other}
    assert await _found(api, kemnaker, passport_no="TZ1234567") == {chef}
    today = jakarta_today()
    assert await _found(api, kemnaker, submitted_from=str(today - timedelta(days=1)),
                        submitted_until=str(today)) == {engineer, chef, other}  # fmt: skip
    assert await _found(api, kemnaker, submitted_until=str(today - timedelta(days=1))) == set()
    assert await _found(api, kemnaker, stage="document_verification", nationality="AU") == {
        engineer,
        other,
    }
    # At Kemnaker's step: not Imigrasi's to find; nor may it ask for Kemnaker's stages.
    assert await _found(api, officer(api), employer_nib=NIB) == set()
    refused = await api.http.post("/permits/search", json={"stage": "feasibility"},
                                  headers=officer(api))  # fmt: skip
    assert refused.status_code == 403
    for who in (employer(api), auditor(api)):
        response = await api.http.post("/permits/search", json={}, headers=who)
        assert response.status_code == 403
    bad = await api.http.post("/permits/search", json={"nationality": "Australia"},
                              headers=kemnaker)  # fmt: skip
    assert bad.status_code == 422
    assert (await api.http.get("/permits/search?passport_no=TZ1234567",
                               headers=kemnaker)).status_code in (403, 404, 405)  # fmt: skip

    with capture_logs() as logs:
        await _found(api, kemnaker, passport_no="TZ1234567")
    [line] = [entry for entry in logs if entry["event"] == "permit_search"]
    assert line["filters"] == ["passport_no"]
    assert "TZ1234567" not in repr(logs)
