"""The active permit over HTTP (dev server, real Postgres): an extension requested by the
employer, verified through the inbox and approved by the director; what cannot be done
answered with a message (a report not yet due, a change of location, another NIB)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.clock import local_date
from domain.identity import Role
from domain.task_stages import stages_for
from tests.api import permit_flows as flows
from tests.api.conftest import ApiStack
from tests.api.flows import ok
from tests.api.permit_flows import OTHER_NIB, director, employer, verifier
from tests.temporal_support import until as poll


async def test_an_extension_goes_through_the_inbox_and_the_permit_is_extended(
    api: ApiStack,
) -> None:
    application_id = await flows.submit(api)
    active = await flows.to_active(api, application_id)
    until = active["permit"]["valid_until"]
    url = f"/permits/{application_id}"

    other = await api.http.post(f"{url}/extension", json={"months": 12, "reason": "more work"},
                                headers=employer(api, OTHER_NIB))  # fmt: skip
    assert other.status_code == 403, other.text
    requested = await ok(await api.http.post(
        f"{url}/extension", json={"months": 12, "reason": "more work"}, headers=employer(api)
    ))  # fmt: skip
    assert requested["stage"] == "active"
    assert requested["extensions"][0]["step"] == "verification"
    inbox = await ok(await api.http.get("/inbox?kind=extension_verification",
                                        headers=verifier(api)))  # fmt: skip
    [task] = [t for t in inbox["items"] if t["case_id"] == application_id]
    decided = await ok(await api.http.post(
        f"/tasks/{task['task_id']}/decide", json={"decision": "approve", "reason": "in order"},
        headers=verifier(api),
    ))  # fmt: skip
    assert decided["case"]["extensions"][0]["step"] == "approval"
    billed = await ok(await api.http.post(
        f"{url}/extension-approval", json={"decision": "approve", "reason": "approved"},
        headers=director(api),
    ))  # fmt: skip
    # The new period's DKPTKA first: a bill of US$100 x 12 and the employer's payment task;
    # SIMPONI's signed confirmation reaches the case by the new billing code.
    assert billed["extensions"][0]["step"] == "payment"
    assert billed["billing"]["amount_usd"] == 1200
    assert billed["permit"]["valid_until"] == until, "not extended before it is paid"
    stored_bill = await api.pool.fetchrow(
        "SELECT billing_code, payment_id FROM permit_applications WHERE application_id = $1",
        application_id,
    )
    assert stored_bill is not None
    assert tuple(stored_bill) == (billed["billing"]["billing_code"], None)
    payment_tasks = await ok(await api.http.get("/inbox?kind=payment", headers=employer(api)))
    assert [t["case_id"] for t in payment_tasks["items"]].count(application_id) == 1
    (await flows.pay(api, billed, payment_id="SIMPONI-PAY-EXT-1")).raise_for_status()
    await poll(lambda: flows.state(api, application_id),
               lambda s: s["extensions"][0]["step"] == "granted", "the ITAS extended")  # fmt: skip
    granted = await flows.settled(api, application_id)
    extension = granted["extensions"][0]
    assert extension["step"] == "granted"
    assert granted["permit"]["valid_until"] == extension["new_valid_until"] > until
    record = await flows.settled(api, application_id)
    stored = await api.pool.fetchval(
        "SELECT valid_until::text FROM permit_applications WHERE application_id = $1",
        application_id,
    )
    assert stored == record["permit"]["valid_until"], "the read model holds the new expiry"
    log = await ok(await api.http.get(f"{url}/decisions", headers=employer(api)))
    assert [e["decision"] for e in log if (e["decision"] or "").startswith("exten")] == [
        "extension:12",
        "extension_verification:approve",
        "extension_approval:approve",
        "extended",
    ]
    assert [e["decision"] for e in log if e["decision"] == "paid"] == ["paid", "paid"]
    # Each task the permit opened (verification to the extension's payment) is at a stage the
    # inbox's stage filter offers its role.
    opened = await api.pool.fetch(
        "SELECT kind, stage, required_role FROM tasks WHERE case_id = $1", application_id
    )
    assert len(opened) == 9, opened
    assert all(t["stage"] in stages_for({Role(t["required_role"])}) for t in opened), opened

    early = await api.http.post(f"{url}/annual-reports", json={"year": 1, "reason": "so far"},
                                headers=employer(api))  # fmt: skip
    assert early.status_code == 409 and "not due yet" in early.json()["detail"]
    moved = await api.http.post(f"{url}/changes",
                                json={"work_location": "Batam", "reason": "new site"},
                                headers=employer(api))  # fmt: skip
    assert moved.status_code == 409 and "needs a new application" in moved.json()["detail"]
    nothing = await api.http.post(f"{url}/changes", json={"reason": "nothing"},
                                  headers=employer(api))  # fmt: skip
    assert nothing.status_code == 422 and "nothing to change" in nothing.json()["detail"]


async def _approve(api: ApiStack, application_id: str, path: str, headers: dict[str, str],
                   decision: str = "approve") -> None:  # fmt: skip
    body = {"decision": decision, "reason": flows.REASON}
    await flows.decide(api, application_id, path, body, headers)


async def test_an_exempt_employers_extension_is_granted_without_a_bill(api: ApiStack) -> None:
    """A government body pays no DKPTKA (PP 34/2021 art. 39): neither for the permit nor for
    its extension, which SIMKIM grants as soon as the director approves it."""
    application_id = await flows.submit(api, employer_category="government")
    await flows.settled(api, application_id)
    await _approve(api, application_id, "verification", verifier(api))
    await _approve(api, application_id, "feasibility", verifier(api), "feasible")
    # No payment stage: the RPTKA approval comes next.
    await flows.at_stage(api, application_id, "rptka_approval")
    await _approve(api, application_id, "rptka", director(api))
    await flows.at_stage(api, application_id, "visa_decision")
    await _approve(api, application_id, "visa", flows.officer(api))
    await flows.at_stage(api, application_id, "awaiting_arrival")
    arrival = {"arrived_on": str(local_date(datetime.now(UTC))), "port_of_entry": "CGK"}
    await flows.decide(api, application_id, "arrival", arrival, flows.officer(api))
    active = await flows.at_stage(api, application_id, "active")
    assert active["exempt"] and active["billing"] is None
    until = active["permit"]["valid_until"]

    url = f"/permits/{application_id}"
    extension = {"months": 6, "reason": "more work"}
    await ok(await api.http.post(f"{url}/extension", json=extension, headers=employer(api)))
    await _approve(api, application_id, "extension-verification", verifier(api))
    await _approve(api, application_id, "extension-approval", director(api))

    def extended(state: Any) -> bool:
        return bool(state["extensions"][0]["step"] == "granted")

    granted = await poll(lambda: flows.state(api, application_id), extended, "the extension")
    assert granted["billing"] is None, "no bill for the new period"
    assert granted["permit"]["valid_until"] == granted["extensions"][0]["new_valid_until"] > until
    kinds = await api.pool.fetch("SELECT kind FROM tasks WHERE case_id = $1", application_id)
    assert "payment" not in {t["kind"] for t in kinds}
    log = [e["decision"] or "" for e in
           await ok(await api.http.get(f"{url}/decisions", headers=employer(api)))]  # fmt: skip
    assert "paid" not in log
    assert [d for d in log if d.startswith("exten")][-1] == "extended"
