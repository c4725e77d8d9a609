"""The audit trail reads in the order things happened to the case, not the order its rows
were appended: after a worker crash a case's rows can be appended out of order (a task's
opening after the decision that closed it). Each row carries the case event it records or
follows; the decision check, the trail route (what the auditor's case page shows) and the
workspace's case page read by it, and verification, which follows the hash links, still
passes."""

from __future__ import annotations

from typing import Any

from db import audit_trail
from db.audit_search import CaseKind
from db.trail_decisions import trail_of
from domain.audit_chain import AuditEntry
from domain.identity import Ministry, Role
from tests.api.conftest import ApiStack
from tests.db.audit_support import append_all, entry

CASE = "ENR-CRASHED"


def _rows() -> list[AuditEntry]:
    """As a crash left them: event 4 and the task lines appended after the events they follow."""
    tpp: dict[str, Any] = {"actor_subject": "tpp-1", "actor_role": "tpp_member"}
    opened: dict[str, Any] = {"entry_key": "task:open", "detail": {"follows_event": 2}}
    decided: dict[str, Any] = {"decision": "approve", "reason": "eligible", **tpp}
    closed: dict[str, Any] = {
        "entry_key": "task:closed",
        "detail": {"follows_event": 3},
        "decision": "approve",
        **tpp,
    }
    claim: dict[str, Any] = {"entry_key": "task-log:9", "detail": {"task_id": "t1"}}
    return [
        entry(CASE, 1, kind="enrolment_requested"),
        entry(CASE, 2, kind="stage_changed"),
        entry(CASE, 4, kind="training_started"),
        entry(CASE, 99, kind="task_opened", **opened),
        entry(CASE, 3, kind="placement_decided", **decided),
        entry(CASE, 98, kind="task_decided", **closed),
        entry(
            CASE, 97, kind="task_claimed", **claim
        ),  # a person's action: follows the latest event the chain holds
    ]


IN_CASE_ORDER = [
    "enrolment_requested",
    "stage_changed",
    "task_opened",
    "placement_decided",
    "task_decided",
    "training_started",
    "task_claimed",
]


async def test_rows_appended_out_of_order_read_in_the_cases_order(api: ApiStack) -> None:
    await append_all(api.pool, *_rows())
    chain = f"enrolment:{CASE}"
    appended = [r["kind"] for r in await api.pool.fetch(
        "SELECT kind FROM audit_entries WHERE chain_id = $1 ORDER BY seq", chain)]  # fmt: skip
    assert appended != IN_CASE_ORDER  # the chain itself holds the crash's order

    assert [e.kind for e in await audit_trail.case_trail(api.pool, chain)] == IN_CASE_ORDER
    decisions = await trail_of(api.pool, CaseKind.ENROLMENT, CASE)
    assert [d.kind for d in decisions] == IN_CASE_ORDER

    answer = await api.http.get(f"/audit/cases/enrolment/{CASE}/trail", headers=api.auditor())
    assert answer.status_code == 200, answer.text
    entries = answer.json()["entries"]
    assert [e["kind"] for e in entries] == IN_CASE_ORDER
    assert [e["seq"] for e in entries] == [1, 2, 4, 5, 6, 3, 7]  # where each stands in the chain
    assert entries[-1]["follows_event"] == 4  # the claim: after the latest event appended
    assert entries[2]["follows_event"] == 2 and entries[2]["event_seq"] is None

    verified = await api.http.get(
        f"/audit/cases/enrolment/{CASE}/verification", headers=api.auditor()
    )
    assert verified.json()["ok"] is True
    outsider = api.headers("aud-imi", Role.AUDITOR, ministry=Ministry.IMIGRASI)
    refused = await api.http.get(f"/audit/cases/enrolment/{CASE}/trail", headers=outsider)
    assert refused.status_code == 403
    missing = await api.http.get("/audit/cases/enrolment/ENR-NONE/trail", headers=api.auditor())
    assert missing.status_code == 404
