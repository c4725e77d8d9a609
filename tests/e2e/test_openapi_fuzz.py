"""Schemathesis over the whole OpenAPI: requests generated from the schema the API publishes,
sent over real HTTP to the API served by uvicorn (with its workers, Postgres and the Temporal
dev server), as two people: a caseworker of Lapas Cipinang (Process A) and an employer
(Process B). Every answer must be below 500 and must be what the schema says: a documented
status code, the documented content type and headers, a body that validates against the
documented schema (error bodies included).

Bounded: a few examples per operation and mode (valid data, and data the schema refuses),
drawn derandomized (the same requests every run), with no shrinking; a failure is collected
with the curl line that reproduces it, and the test lists them all at the end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from temporalio.testing import WorkflowEnvironment

from api.auth import mint_dev_token
from domain.identity import Role, Scope
from tests.api.conftest import end_journeys, wire
from tests.e2e.ports import free_port

EXAMPLES = 3  # per operation, mode and person
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PEOPLE: dict[str, tuple[Role, Scope]] = {
    "caseworker": (Role.CASEWORKER, Scope(upt="LP-CIPINANG")),
    "employer": (Role.EMPLOYER, Scope(employer_nib="9120001234567")),
}


@dataclass
class Served:
    base_url: str
    schema: dict[str, Any]
    tokens: dict[str, str]


@pytest.fixture
async def served_api(pool: asyncpg.Pool, dev_env: WorkflowEnvironment) -> AsyncIterator[Served]:
    """The API on a real port with all three workers (enrolment, Kemnaker, Imigrasi)."""
    wired = wire(pool, dev_env.client)
    server = uvicorn.Server(
        uvicorn.Config(wired.app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    try:
        async with wired.worker, wired.kemnaker, wired.imigrasi:
            deadline = time.monotonic() + 30
            while not server.started:  # uvicorn offers no event to wait on
                if serving.done() or time.monotonic() > deadline:
                    raise AssertionError("the API did not start")
                await asyncio.sleep(0.02)
            tokens = {
                name: mint_dev_token(wired.settings, f"fuzz-{name}", [role], scope)
                for name, (role, scope) in PEOPLE.items()
            }
            yield Served(f"http://127.0.0.1:{server.config.port}", wired.app.openapi(), tokens)
            await end_journeys(dev_env.client, pool, wired.settings.enrolment_task_queue)
    finally:
        server.should_exit = True
        await serving


@dataclass
class Findings:
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # first failure per operation


def _fuzz(served: Served) -> Findings:
    """Every operation, as each person, in both modes (blocking: run in a thread)."""
    schema = schemathesis.openapi.from_dict(served.schema)
    found = Findings()
    session = requests.Session()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the API's own schema is valid: every operation
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for person, token in served.tokens.items():
                _operation(operation, mode, person, token, served.base_url, session, found)
    return found


def _operation(
    operation: Any,
    mode: GenerationMode,
    person: str,
    token: str,
    base_url: str,
    session: requests.Session,
    found: Findings,
) -> None:
    auth = {"Authorization": f"Bearer {token}"}

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],  # no shrinking: a failure is recorded, not raised
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: Any) -> None:  # a schemathesis Case
        response = case.call(base_url=base_url, session=session, headers=auth, timeout=120)
        found.requests += 1
        found.statuses[response.status_code] = found.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (Failure, FailureGroup) as failure:
            label = f"{operation.label} ({person}, {mode.value})"
            found.failures.setdefault(
                label, f"{failure}\n{case.as_curl_command(headers={'Authorization': '...'})}"
            )

    try:
        send()
    except Unsatisfiable:
        # Nothing the schema could refuse (no parameters, no body): no negative example exists.
        if mode is not GenerationMode.NEGATIVE:
            raise


async def test_every_operation_answers_as_documented_and_never_5xx(served_api: Served) -> None:
    started = time.monotonic()
    found = await asyncio.to_thread(_fuzz, served_api)
    took = time.monotonic() - started
    report = "\n\n".join(f"{label}:\n{text}" for label, text in sorted(found.failures.items()))
    assert not found.failures, f"{len(found.failures)} operations failed:\n\n{report}"
    assert found.requests > 100, found  # the run really sent requests
    print(f"schemathesis: {found.requests} requests in {took:.1f} s; statuses {found.statuses}")
