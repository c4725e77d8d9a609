"""Auditors over HTTP, on a real Postgres and the Temporal dev server: a case's history as a
timeline and as raw JSON that replays and matches the `temporal` CLI, the case search and
the search attributes operators use, the reports, and every auditor request recorded."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import subprocess
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.identity import Ministry, Role
from registries.sdp_seed import DEMO_ELIGIBLE
from stack.binaries import temporal_cli
from tests.api import flows, permit_flows
from tests.api.conftest import ApiStack
from tests.temporal_support import CONVERTER, SETTLE_SECONDS, until
from workflows.enrolment import EnrolmentWorkflow
from workflows.permit import PermitWorkflow


def auditor(
    api: ApiStack, ministry: Ministry | None = None, subject: str = "aud-1"
) -> dict[str, str]:
    scope = {"ministry": ministry} if ministry is not None else {}
    return api.headers(subject, Role.AUDITOR, **scope)


async def _placed(api: ApiStack) -> str:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    await api.settled(enrolment_id)
    return enrolment_id


def _cli_events(env: WorkflowEnvironment, workflow_id: str, run_id: str) -> list[tuple[int, str]]:
    """(event id, event type) as `temporal workflow show --output json` prints them."""
    shown = subprocess.run(
        [temporal_cli(), "workflow", "show", "--workflow-id", workflow_id, "--run-id", run_id,
         "--output", "json", "--address", env.client.service_client.config.target_host,
         "--namespace", env.client.namespace],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    return [(int(e["eventId"]), _type_name(e["eventType"])) for e in json.loads(shown)["events"]]


def _type_name(value: str) -> str:
    """EVENT_TYPE_WORKFLOW_TASK_STARTED and WorkflowTaskStarted alike -> WORKFLOW_TASK_STARTED."""
    if value.startswith("EVENT_TYPE_"):
        return value.removeprefix("EVENT_TYPE_")
    return re.sub(r"(?<!^)(?=[A-Z])", "_", value).upper()


async def test_a_case_history_reads_as_a_timeline_of_who_decided_what_and_why(
    api: ApiStack,
) -> None:
    enrolment_id = await _placed(api)
    history = await flows.ok(
        await api.http.get(f"/audit/cases/enrolment/{enrolment_id}/history", headers=auditor(api))
    )
    events = history["events"]
    assert history["workflow_id"] == f"enrolment-{enrolment_id}"
    assert len(history["runs"]) == 1 and history["runs"][0]["ended_by"] is None  # running
    [started] = [e for e in events if e["event"] == "workflow_started"]
    assert (started["name"], started["actor_subject"], started["actor_role"]) == (
        "EnrolmentWorkflow", "cw-LP-CIPINANG", "caseworker")  # fmt: skip
    assert started["reason"] == "wants to work"
    [accepted] = [e for e in events if e["event"] == "update_accepted"]
    assert accepted | {"at": None, "event_id": None, "run_id": None, "update_id": None} == {
        "at": None, "event_id": None, "run_id": None, "update_id": None,
        "event": "update_accepted", "name": "decide_placement",
        "actor_subject": "tpp-LP-CIPINANG", "actor_role": "tpp_member",
        "decision": "approve", "reason": "motivated and eligible", "detail": None,
    }  # fmt: skip
    [completed] = [
        e for e in events if e["update_id"] == accepted["update_id"] and e is not accepted
    ]
    assert completed["event"] == "update_completed" and completed["at"] >= accepted["at"]
    # What each write did; a stage change's writes share one local activity (one entry).
    did = [part for e in events if e["event"] == "activity_completed" and e["detail"]
           for part in e["detail"].split("; ")]  # fmt: skip
    assert "recorded event #1 'requested' at stage placement_review" in did
    assert any(d and d.startswith("opened task") and "placement_review" in d for d in did)
    assert any(d and d.startswith("closed task") and d.endswith("decided: approve") for d in did)
    assert any(e["event"] == "search_attributes" and "SinergiStage=training" in e["detail"]
               for e in events)  # fmt: skip
    ids = [e["event_id"] for e in events]  # history order (event times may interleave)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


async def test_the_raw_history_replays_and_is_what_the_cli_shows(
    api: ApiStack, dev_env: WorkflowEnvironment
) -> None:
    enrolment_id = await _placed(api)
    answer = await api.http.get(
        f"/audit/cases/enrolment/{enrolment_id}/history/raw", headers=auditor(api)
    )
    assert answer.status_code == 200, answer.text
    workflow_id, run_id = answer.headers["X-Workflow-Id"], answer.headers["X-Run-Id"]
    history = WorkflowHistory.from_json(workflow_id, answer.text)
    assert history.run_id == run_id
    replayer = Replayer(workflows=[EnrolmentWorkflow], data_converter=CONVERTER)
    assert (await replayer.replay_workflow(history)).replay_failure is None

    ours = [(e.event_id, EventType.Name(e.event_type).removeprefix("EVENT_TYPE_"))
            for e in history.events]  # fmt: skip
    shown = await asyncio.to_thread(_cli_events, dev_env, workflow_id, run_id)
    assert shown[: len(ours)] == ours  # the case waits on a person: nothing came after
    assert ours[0][1] == "WORKFLOW_EXECUTION_STARTED" and len(ours) > 10

    unknown = await api.http.get(
        f"/audit/cases/enrolment/{enrolment_id}/history/raw?run_id=not-a-run",
        headers=auditor(api),
    )
    assert unknown.status_code == 404 and "not a run" in unknown.json()["detail"]


async def test_a_permit_history_replays_with_the_permit_workflow(api: ApiStack) -> None:
    application_id = await permit_flows.submit(api)
    await permit_flows.settled(api, application_id)
    answer = await api.http.get(
        f"/audit/cases/tka_permit/{application_id}/history/raw",
        headers=auditor(api, Ministry.IMIGRASI),
    )
    assert answer.status_code == 200, answer.text
    history = WorkflowHistory.from_json(answer.headers["X-Workflow-Id"], answer.text)
    replayer = Replayer(workflows=[PermitWorkflow], data_converter=CONVERTER)
    assert (await replayer.replay_workflow(history)).replay_failure is None
    timeline = await flows.ok(await api.http.get(
        f"/audit/cases/tka_permit/{application_id}/history", headers=auditor(api)))  # fmt: skip
    [started] = [e for e in timeline["events"] if e["event"] == "workflow_started"]
    assert started["actor_role"] == "employer"
    # The timeline names who and why; the input's personal data stays in the raw history.
    assert "E1234567" not in json.dumps(timeline) and "Jane Doe" not in json.dumps(timeline)
    # As Temporal stores it: the input encrypted; who holds the payload key reads the passport.
    [stored] = history.events[0].workflow_execution_started_event_attributes.input.payloads
    assert stored.metadata["encoding"].startswith(b"binary/encrypted")  # +zlib: compressed
    assert b"E1234567" not in stored.data
    [submitted] = await CONVERTER.decode([stored])
    assert submitted["application"]["passport_no"] == "E1234567"


async def test_auditors_read_only_the_cases_their_scope_audits(api: ApiStack) -> None:
    enrolment_id = await _placed(api)
    application_id = await permit_flows.submit(api)

    async def ids(headers: dict[str, str], query: str = "") -> set[str]:
        page = await flows.ok(await api.http.get(f"/audit/cases?{query}", headers=headers))
        return {item["case_id"] for item in page["items"]}

    assert {enrolment_id, application_id} <= await ids(auditor(api))
    corrections = auditor(api, Ministry.KEMENIMIPAS)
    assert enrolment_id in await ids(corrections) and application_id not in await ids(corrections)
    immigration = auditor(api, Ministry.IMIGRASI)
    assert application_id in await ids(immigration) and enrolment_id not in await ids(immigration)
    refused = await api.http.get("/audit/cases?kind=enrolment", headers=immigration)
    assert refused.status_code == 403 and "outside your scope" in refused.json()["detail"]
    for path in (f"/audit/cases/enrolment/{enrolment_id}/history",
                 f"/audit/cases/enrolment/{enrolment_id}/history/raw"):  # fmt: skip
        assert (await api.http.get(path, headers=immigration)).status_code == 403
    assert (await api.http.get(
        f"/audit/cases/tka_permit/{application_id}/history", headers=corrections)
    ).status_code == 403  # fmt: skip
    assert (await api.http.get("/audit/cases", headers=api.tpp())).status_code == 403
    missing = await api.http.get("/audit/cases/enrolment/ENR-NOPE/history", headers=auditor(api))
    assert missing.status_code == 404

    # Filters: kind, UPT, programme, stage; a programme leaves permits out.
    assert await ids(auditor(api), "kind=enrolment&upt=LP-CIPINANG&programme=BARISTA"
                     "&stage=training") == {enrolment_id}  # fmt: skip
    assert await ids(auditor(api), "upt=LP-SALEMBA") == set()
    assert application_id not in await ids(auditor(api), "programme=BARISTA")
    assert await ids(auditor(api), f"employer_nib={permit_flows.NIB}") == {application_id}
    assert await ids(auditor(api), "sla_breached=true") == set()  # nothing is overdue yet


async def test_operators_find_cases_with_temporal_list_queries(
    api: ApiStack, dev_env: WorkflowEnvironment
) -> None:
    """The queries README gives for `temporal workflow list --query`, through the client."""
    enrolment_id = await _placed(api)
    application_id = await permit_flows.submit(api)
    client: Client = dev_env.client
    for query, workflow_id in (
        ("SinergiKind='enrolment' AND SinergiUpt='LP-CIPINANG' AND SinergiProgramme='BARISTA'"
         " AND SinergiStage='training'", f"enrolment-{enrolment_id}"),
        (f"SinergiKind='tka_permit' AND SinergiEmployerNib='{permit_flows.NIB}'",
         f"permit-{application_id}"),
    ):  # fmt: skip

        async def listed(query: str = query) -> set[str]:
            return {w.id async for w in client.list_workflows(query)}

        def holds(ids: set[str], wanted: str = workflow_id) -> bool:
            return wanted in ids

        # Visibility follows the history within moments.
        await until(listed, holds, query, SETTLE_SECONDS)
    stale = {w.id async for w in client.list_workflows(
        "SinergiKind='enrolment' AND SinergiStage='placement_review'")}  # fmt: skip
    assert f"enrolment-{enrolment_id}" not in stale


async def test_auditor_requests_are_recorded_and_their_writes_refused(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    before = await api.snapshot(enrolment_id)
    reader = auditor(api, Ministry.KEMENIMIPAS, subject="aud-read")
    read = await api.http.get("/enrolments?stage=placement_review&limit=5", headers=reader)
    assert read.status_code == 200
    write = await api.http.post(
        f"/enrolments/{enrolment_id}/placement",
        json={"decision": "approve", "reason": "an auditor must not decide"},
        headers=reader,
    )
    assert write.status_code == 403
    assert await api.snapshot(enrolment_id) == before
    await api.http.get(f"/enrolments/{enrolment_id}", headers=api.tpp())  # not an auditor

    rows = await api.pool.fetch(
        "SELECT request_id, subject, role, scope_ministry, method, path, query, status "
        "FROM auditor_requests WHERE subject = 'aud-read' ORDER BY at"
    )
    recorded = {r["subject"] for r in await api.pool.fetch("SELECT subject FROM auditor_requests")}
    assert "tpp-LP-CIPINANG" not in recorded  # only auditors' requests are recorded
    assert [dict(r) | {"request_id": None} for r in rows] == [
        {"request_id": None, "subject": "aud-read", "role": "auditor",
         "scope_ministry": "kemenimipas", "method": "GET", "path": "/enrolments",
         "query": "stage=placement_review&limit=5", "status": 200},
        {"request_id": None, "subject": "aud-read", "role": "auditor",
         "scope_ministry": "kemenimipas", "method": "POST",
         "path": f"/enrolments/{enrolment_id}/placement", "query": "", "status": 403},
    ]  # fmt: skip
    assert str(rows[0]["request_id"]) == read.headers["X-Request-Id"]

    log = await flows.ok(await api.http.get("/audit/reads?subject=aud-read", headers=reader))
    assert [(i["method"], i["status"]) for i in log["items"]] == [("POST", 403), ("GET", 200)]
    others = await flows.ok(await api.http.get(
        "/audit/reads", headers=auditor(api, Ministry.IMIGRASI, subject="aud-imi")))  # fmt: skip
    assert all(i["subject"] != "aud-read" for i in others["items"])  # another ministry's


async def test_reports_answer_in_json_and_csv_within_the_auditors_scope(api: ApiStack) -> None:
    await _placed(api)
    await permit_flows.settled(api, await permit_flows.submit(api))  # its events projected
    funnel = await flows.ok(await api.http.get("/reports/certification-funnel",
                                               headers=auditor(api)))  # fmt: skip
    [row] = [r for r in funnel["rows"] if r["upt_code"] == "LP-CIPINANG"]
    assert (row["programme_code"], row["enrolled"], row["placed"], row["trained"]) == (
        "BARISTA", 1, 1, 0)  # fmt: skip
    as_csv = await api.http.get(
        "/reports/certification-funnel", headers={**auditor(api), "Accept": "text/csv"}
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert parsed == [{k: str(v) for k, v in r.items()} for r in funnel["rows"]]

    pipeline = await flows.ok(await api.http.get("/reports/tka-pipeline?format=json",
                                                 headers=auditor(api)))  # fmt: skip
    at_verification = next(r for r in pipeline["rows"] if r["stage"] == "document_verification")
    assert (at_verification["current"], at_verification["entered"]) == (1, 1)
    sla = await api.http.get("/reports/sla-compliance?format=csv", headers=auditor(api))
    lines = list(csv.DictReader(io.StringIO(sla.text)))
    steps: dict[tuple[str, str], Any] = {(r["case_kind"], r["step"]): r for r in lines}
    assert steps[("enrolment", "placement_review")]["decided_on_time"] == "1"
    # Document verification has no SLA (domain.md sets none): no due date, not counted.
    assert ("tka_permit", "document_verification") not in steps
    immigration = await api.http.get("/reports/sla-compliance", headers=auditor(
        api, Ministry.IMIGRASI))  # fmt: skip
    assert {r["case_kind"] for r in immigration.json()["rows"]} <= {"tka_permit"}

    assert (
        await api.http.get("/reports/certification-funnel", headers=auditor(api, Ministry.IMIGRASI))
    ).status_code == 403
    assert (
        await api.http.get("/reports/tka-pipeline", headers=auditor(api, Ministry.KEMENIMIPAS))
    ).status_code == 403
    assert (await api.http.get("/reports/tka-pipeline", headers=api.tpp())).status_code == 403
