"""Property: whatever text, numbers and dates a client puts in a request model, the API
answers below 500, and an answer in the 4xx stores nothing.

Generated with Hypothesis (derandomized: the same examples every run) over the request
models of decisions, enrolments, custody events and permit submissions: every string field
gets arbitrary Unicode (NUL, control characters, unpaired surrogates, line separators, very
long text), every number field gets integers beyond any column, floats, strings and
booleans, every date field gets dates from year 1 to 9999 and junk. The examples are drawn
first, then sent one by one to the real API, worker, Postgres and Temporal.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows, permit_flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack

EXAMPLES = 25

NASTY = st.sampled_from(
    ["\x00", "\ud800", "\udfff", "a\x00b", "\n", "\r\n", "\u2028", "\x1b[2J", "\u0085", " ", ""]
)
TEXT = st.one_of(
    NASTY,
    st.text(st.characters(codec=None, categories=None), max_size=60),
    st.text(max_size=5000, alphabet=st.sampled_from("ab \n")),
)
NUMBER = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    TEXT,
    st.none(),
)
DATE = st.one_of(
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat() + "+07:00"),
    TEXT,
    NUMBER,
)
ANY = st.one_of(TEXT, NUMBER, DATE, st.lists(TEXT, max_size=3))


def _draw(strategy: st.SearchStrategy[dict[str, Any]]) -> list[dict[str, Any]]:
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(strategy)
    def collect(example: dict[str, Any]) -> None:
        drawn.append(example)

    collect()
    return drawn


def _bodies(fields: dict[str, st.SearchStrategy[Any]]) -> list[dict[str, Any]]:
    """Each field present or not, with any value of its kind; sometimes an unknown field."""
    optional = {name: st.one_of(strategy, ANY) for name, strategy in fields.items()}
    return _draw(st.fixed_dictionaries({}, optional=optional | {"unexpected": ANY}))


def _raw(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()  # ASCII escapes: unpaired surrogates travel as \\udXXX


async def _post(api: ApiStack, path: str, body: dict[str, Any], headers: dict[str, str]) -> int:
    answer = await api.http.post(
        path, content=_raw(body), headers={**headers, "Content-Type": "application/json"}
    )
    assert answer.status_code < 500, f"{path} {body!r}: {answer.status_code} {answer.text}"
    return answer.status_code


async def test_decisions_never_5xx_and_refusals_store_nothing(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    placement = _bodies(
        {
            "decision": st.sampled_from(["approve", "reject", "defer"]),
            "reason": TEXT,
            "exception_granted": NUMBER,
            "defer_until": DATE,
        }
    )
    for body in placement:
        before = await api.snapshot(enrolment_id)
        status = await _post(api, f"/enrolments/{enrolment_id}/placement", body, api.tpp())
        if status >= 400:
            assert await api.snapshot(enrolment_id) == before, body


async def test_starts_and_custody_events_never_5xx(api: ApiStack) -> None:
    for body in _bodies({"inmate_sdp_no": TEXT, "programme_code": TEXT, "reason": TEXT}):
        before = await api.pool.fetchval("SELECT count(*) FROM enrolments")
        status = await _post(api, "/enrolments", body, api.caseworker())
        if status >= 400:
            assert await api.pool.fetchval("SELECT count(*) FROM enrolments") == before
    events = _bodies(
        {
            "event_id": TEXT,
            "inmate_sdp_no": st.just(DEMO_ELIGIBLE),
            "kind": st.sampled_from(["transfer", "sanction", "release"]),
            "occurred_at": DATE,
            "to_upt": TEXT,
            "sanction_ref": TEXT,
            "sanction_until": DATE,
            "release_kind": TEXT,
            "note": TEXT,
        }
    )
    for body in events:
        before = await api.pool.fetchval("SELECT count(*) FROM custody_events")
        status = await _post(api, "/custody-events", body, jf.sdp(api))
        if status >= 400:
            assert await api.pool.fetchval("SELECT count(*) FROM custody_events") == before


async def test_permit_submissions_never_5xx_and_refusals_store_nothing(api: ApiStack) -> None:
    valid = permit_flows.submission()
    bodies = _bodies(
        {
            "position_title": TEXT,
            "tka_name": TEXT,
            "passport_no": TEXT,
            "nationality": TEXT,
            "duration_months": NUMBER,
            "work_location": TEXT,
            "in_kek": NUMBER,
        }
    )
    for changes in bodies:
        before = await api.pool.fetchval("SELECT count(*) FROM permit_applications")
        status = await _post(api, "/permits", {**valid, **changes}, permit_flows.employer(api))
        if status >= 400:
            after = await api.pool.fetchval("SELECT count(*) FROM permit_applications")
            assert after == before, changes
