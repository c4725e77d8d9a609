"""The audit trail of real cases, driven through the API on the dev server: every change and
decision chained with who, role, why and the workflow run; verified over HTTP; a DBA's edit
is named by both verification endpoints."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from db import audit_trail
from domain.identity import Ministry, Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows, permit_flows
from tests.api.conftest import ApiStack
from tests.db.audit_support import as_dba


async def _certified(api: ApiStack) -> str:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await flows.approve(api, enrolment_id)
    trained = await flows.train(api, enrolment_id)
    await flows.assess(api, enrolment_id, {u: "K" for u in trained["units_due"]})
    assert (await flows.closed(api, enrolment_id))["outcome"] == "certified"
    await api.settled(enrolment_id)
    return enrolment_id


async def test_a_certified_enrolment_leaves_a_chain_of_who_what_why_and_which_run(
    api: ApiStack, dev_env: WorkflowEnvironment
) -> None:
    enrolment_id = await _certified(api)
    workflow_id = await api.pool.fetchval(
        "SELECT workflow_id FROM enrolments WHERE enrolment_id = $1", enrolment_id
    )
    run_id = (await dev_env.client.get_workflow_handle(workflow_id).describe()).run_id
    chain = f"enrolment:{enrolment_id}"
    rows = await api.pool.fetch(
        """SELECT seq, entry_key, kind, actor_subject, actor_role, decision, reason, run_id
             FROM audit_entries WHERE chain_id = $1 ORDER BY seq""",
        chain,
    )
    events = await api.pool.fetchval(
        "SELECT count(*) FROM enrolment_events WHERE enrolment_id = $1", enrolment_id
    )
    # Every projected event is in the chain once, keyed by its event id; task lines too.
    keys = [r["entry_key"] for r in rows if not r["kind"].startswith("task_")]
    assert sorted(keys) == sorted(f"{enrolment_id}:{n}" for n in range(1, events + 1))
    placement = next(r for r in rows if r["kind"] == "placement_decided")
    assert (placement["actor_subject"], placement["actor_role"], placement["decision"],
            placement["reason"], placement["run_id"]) == (
        "tpp-LP-CIPINANG", "tpp_member", "approve", "motivated and eligible", run_id)  # fmt: skip
    decided_tasks = [r for r in rows if r["kind"] == "task_decided"]
    assert {r["actor_role"] for r in decided_tasks} >= {"tpp_member", "lsp_assessor"}
    assert all(r["run_id"] == run_id for r in rows)  # no person acted on a task directly

    answer = await flows.ok(
        await api.http.get(
            f"/audit/cases/enrolment/{enrolment_id}/verification", headers=api.auditor()
        )
    )
    assert answer["ok"] is True and answer["entries_checked"] == len(rows)

    # Anchored, then a DBA rewrites the placement decision's reason: both endpoints name it.
    async with api.pool.acquire() as conn:
        assert await audit_trail.anchor(conn) is not None
    async with as_dba(api.pool) as dba:
        await dba.execute(
            "UPDATE audit_entries SET reason = 'not eligible' WHERE chain_id = $1 AND seq = $2",
            chain,
            placement["seq"],
        )
    one = await flows.ok(
        await api.http.get(
            f"/audit/cases/enrolment/{enrolment_id}/verification", headers=api.auditor()
        )
    )
    assert one["ok"] is False
    broken = one["first_break"]
    assert (broken["chain_id"], broken["seq"], broken["problem"]) == (
        chain, placement["seq"], "content_edited")  # fmt: skip
    every = await flows.ok(await api.http.get("/audit/verification", headers=api.auditor()))
    assert every["first_break"] == broken
    assert every["broken_chains"] == 1
    assert every["chains_checked"] >= 2  # the enrolment's and its inmate journey's


async def test_a_permit_submission_is_chained_and_audited_by_its_ministries(
    api: ApiStack,
) -> None:
    application_id = await permit_flows.submit(api)
    await permit_flows.settled(api, application_id)
    kemnaker = api.headers("aud-k", Role.AUDITOR, ministry=Ministry.KEMNAKER)
    corrections = api.headers("aud-c", Role.AUDITOR, ministry=Ministry.KEMENIMIPAS)
    path = f"/audit/cases/tka_permit/{application_id}/verification"

    answer = await flows.ok(await api.http.get(path, headers=kemnaker))
    refused = await api.http.get(path, headers=corrections)
    theirs = await flows.ok(await api.http.get("/audit/verification", headers=corrections))

    assert answer["ok"] is True and answer["entries_checked"] >= 2  # submitted, task opened
    submitted = await api.pool.fetchrow(
        """SELECT actor_subject, actor_role FROM audit_entries
            WHERE chain_id = $1 AND kind = 'submitted'""",
        f"tka_permit:{application_id}",
    )
    assert submitted is not None and submitted["actor_role"] == "employer"
    assert refused.status_code == 403
    assert theirs["chains_checked"] == 0  # the only chain, a permit's, is not theirs to audit


async def test_verifying_an_unknown_case_or_kind_says_what_is_wrong(api: ApiStack) -> None:
    unknown_case = await api.http.get(
        "/audit/cases/enrolment/ENR-NOPE/verification", headers=api.auditor()
    )
    unknown_kind = await api.http.get("/audit/cases/visa/V-1/verification", headers=api.auditor())
    not_an_auditor = await api.http.get("/audit/verification", headers=api.tpp())

    assert unknown_case.status_code == 404 and "ENR-NOPE" in unknown_case.json()["detail"]
    assert unknown_kind.status_code == 404 and "tka_permit" in unknown_kind.json()["detail"]
    assert not_an_auditor.status_code == 403
