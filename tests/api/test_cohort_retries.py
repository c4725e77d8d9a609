"""`sinergi cohort enrol` survives lost answers and an API that is restarting: each chunk is
sent again with its Idempotency-Key, and the summary counts every row once, as it really went.

The faults are injected between the CLI's HTTP client and the real API: an answer lost after
the API did the work (the connection dropped on the way back), and connections refused while
the API restarts.
"""

from __future__ import annotations

from collections import Counter

import httpx

from cli.cohort import CohortRow, send_cohort
from tests.api.conftest import ApiStack
from tests.api.test_cohort_enrolment import new_inmates
from tests.temporal_support import until


class Faulty(httpx.AsyncBaseTransport):
    """Chunk 0: the first answer is lost after the work was done. Chunk 1: refused twice
    (the API restarting), then through. Other chunks: through."""

    def __init__(self, real: httpx.AsyncBaseTransport) -> None:
        self.real = real
        self.attempts: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key", "")
        self.attempts[key] += 1
        chunk = key.rsplit("-", 1)[-1]
        if chunk == "1" and self.attempts[key] <= 2:
            raise httpx.ConnectError("connection refused (API restarting)", request=request)
        response = await self.real.handle_async_request(request)
        if chunk == "0" and self.attempts[key] == 1:
            await response.aread()
            raise httpx.RemoteProtocolError("connection dropped", request=request)
        return response


async def test_lost_answers_and_a_restarting_api_are_retried_and_counted_once(
    api: ApiStack,
) -> None:
    assert api.app is not None
    inmates = new_inmates(api, 6)
    rows = [CohortRow(n + 2, sdp, "BARISTA", "cohort of spring") for n, sdp in enumerate(inmates)]
    faulty = Faulty(httpx.ASGITransport(app=api.app))
    async with httpx.AsyncClient(
        transport=faulty, base_url="http://sinergi.test", headers=api.caseworker()
    ) as http:
        report = await send_cohort(http, rows, chunk_size=2, retry_delays=(0.05,) * 4)
    assert (report.accepted, report.already_enrolled, report.rejected) == (6, 0, [])
    assert sorted(faulty.attempts.values()) == [1, 2, 3]
    # Accepted means started durably; each enrolment's read-model row lands moments later.
    stored = await until(
        lambda: api.pool.fetchval(
            "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = ANY($1)", inmates
        ),
        lambda n: n >= 6,
        "the six enrolments' read-model rows",
        within=30.0,
    )
    assert stored == 6


async def test_a_chunk_never_answered_is_reported_as_rows_to_send_again(api: ApiStack) -> None:
    inmates = new_inmates(api, 2)
    rows = [CohortRow(n + 2, sdp, "BARISTA", "cohort of spring") for n, sdp in enumerate(inmates)]

    class Down(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=Down(), base_url="http://sinergi.test") as http:
        report = await send_cohort(http, rows, retry_delays=(0.01, 0.01))
    assert report.accepted == 0
    assert [r.line for r in report.rejected] == [2, 3]
    assert all("send these rows again" in r.reason for r in report.rejected)
