"""One JSON access-log line per request (request id, subject, route template, status,
duration; never a name), the id echoed in X-Request-Id and bound into the logs of the workflow
call the request makes."""

from __future__ import annotations

import json
import uuid

import structlog
from structlog.testing import capture_logs

from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api.conftest import ApiStack

BODY = {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA", "reason": "wants to work"}


async def test_a_request_is_logged_once_with_its_id_bound_into_the_workflow_calls_logs(
    api: ApiStack,
) -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        answer = await api.http.post(
            "/enrolments", json=BODY,
            headers={**api.caseworker(), "X-Request-ID": "lb-7f3a9c"},
        )  # fmt: skip
    assert answer.status_code == 201, answer.text
    request_id = answer.headers["X-Request-Id"]
    assert uuid.UUID(request_id)  # the server's own id, not the caller's
    [access] = [e for e in logs if e["event"] == "http_request"]
    assert DEMO_ELIGIBLE not in json.dumps(access)
    assert access["request_id"] == request_id
    assert access["client_request_id"] == "lb-7f3a9c"
    assert (access["route"], access["status"], access["subject"]) == (
        "/enrolments", 201, "cw-LP-CIPINANG")  # fmt: skip
    assert access["roles"] == ["caseworker"]
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] > 0
    # The API's log of the workflow call (the journey's update-with-start) carries the id.
    [requested] = [e for e in logs if e["event"] == "enrolment_requested"]
    assert requested["request_id"] == request_id
    assert requested["workflow_id"].startswith("enrolment-")
    # The access line names the route, not the path with its ids.
    assert answer.json()["enrolment_id"] not in json.dumps(access)


async def test_each_request_gets_its_own_id_and_a_bad_client_id_is_dropped(
    api: ApiStack,
) -> None:
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        first = await api.http.get("/programmes", headers=api.tpp())
        second = await api.http.get(
            "/programmes/NOPE", headers={**api.tpp(), "X-Request-ID": "bad id\nforged: line"}
        )
        anonymous = await api.http.get("/enrolments")
    ids = {first.headers["X-Request-Id"], second.headers["X-Request-Id"]}
    assert len(ids) == 2
    lines = [e for e in logs if e["event"] == "http_request"]
    assert [(e["route"], e["status"]) for e in lines] == [
        ("/programmes", 200), ("/programmes/{code}", 404), ("/enrolments", 401)]  # fmt: skip
    assert "client_request_id" not in lines[1]
    assert lines[2]["subject"] is None
    assert anonymous.headers["X-Request-Id"] == lines[2]["request_id"]
