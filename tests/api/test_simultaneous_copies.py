"""Two copies of one delivery arriving at the same moment: exactly one says
`duplicate: false` (the flag comes from one atomic claim, not a read then a write)."""

from __future__ import annotations

import asyncio

from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows, permit_flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack

COPIES = 4


async def test_simultaneous_custody_event_copies_are_one_first_and_the_rest_duplicates(
    api: ApiStack,
) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await api.settled(enrolment_id)
    body = jf.event(DEMO_ELIGIBLE, "sanction", sanction_ref="F-2026-77")
    answers = await asyncio.gather(*[jf.report(api, body) for _ in range(COPIES)])
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
    flags = sorted(a.json()["duplicate"] for a in answers)
    assert flags == [False] + [True] * (COPIES - 1)
    stored = await api.pool.fetchval(
        "SELECT count(*) FROM custody_events WHERE event_id = $1", body["event_id"]
    )
    assert stored == 1


async def test_simultaneous_payment_callbacks_are_one_first_and_the_rest_duplicates(
    api: ApiStack,
) -> None:
    application_id = await permit_flows.submit(api)
    live = await permit_flows.to_payment(api, application_id)
    answers = await asyncio.gather(*[permit_flows.pay(api, live) for _ in range(COPIES)])
    assert {a.status_code for a in answers} == {200}, [a.text for a in answers]
    assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * (COPIES - 1)
    assert {a.json()["result"] for a in answers} == {"accepted"}
    deliveries = await api.pool.fetchval(
        "SELECT deliveries FROM payment_confirmations WHERE payment_id = 'SIMPONI-PAY-1'"
    )
    assert deliveries == COPIES
