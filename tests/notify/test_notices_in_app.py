"""Notices written where the change happens, delivered in-app, read over HTTP: an employer
is told a revision is requested and a payment is due; a person given a task is told; the
bell's unread count follows what they read."""

from __future__ import annotations

from typing import Any

from config.settings import Environment, Settings
from domain.identity import Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows, permit_flows
from tests.api.conftest import ApiStack
from tests.notify.smtp_support import smtp_server
from tests.temporal_support import SETTLE_SECONDS, until
from workers.delivery import DeliveryWorker


async def _deliver(api: ApiStack) -> None:
    """One delivery worker drains the outbox (e-mails go to a real local SMTP server)."""
    with smtp_server() as sink:
        settings = Settings(environment=Environment.TEST, smtp_port=sink.port)
        worker = DeliveryWorker(api.pool, settings, "test-worker")
        while await worker.expand_once():
            pass
        while await worker.send_once():
            pass


async def _mine(api: ApiStack, headers: dict[str, str], **query: Any) -> Any:
    return await flows.ok(await api.http.get("/notifications", params=query, headers=headers))


async def test_an_employer_reads_the_revision_request_and_the_payment_due_in_app(
    api: ApiStack,
) -> None:
    employer = permit_flows.employer(api)
    application_id = await permit_flows.submit(api)
    await permit_flows.settled(api, application_id)
    await permit_flows.decide(api, application_id, "verification",
                              {"decision": "request_revision", "reason": "the CV is unsigned"},
                              permit_flows.verifier(api))  # fmt: skip
    await permit_flows.at_stage(api, application_id, "revision")
    await _deliver(api)
    page = await _mine(api, employer)
    assert page["unread"] == 1
    [notice] = page["items"]
    assert notice["notice_kind"] == "revision_requested"
    assert notice["title"] == f"[Sinergi] Permohonan {application_id} perlu perbaikan"
    assert "paling lambat" in notice["body"] and " WIB" in notice["body"]
    assert notice["link"].endswith(f"/permits/{application_id}")
    # The TKA's name and passport never reach the message.
    row = await api.pool.fetchrow("SELECT tka_name, passport_no FROM permit_applications "
                                  "WHERE application_id = $1", application_id)  # fmt: skip
    assert row is not None
    assert row["tka_name"] not in notice["body"] and row["passport_no"] not in notice["body"]

    # Someone else cannot mark it read; the employer can, once.
    other = api.headers("hrd-other", Role.EMPLOYER, employer_nib="9120007654321")
    path = f"/notifications/{notice['notification_id']}/read"
    assert (await api.http.post(path, headers=other)).status_code == 404
    read = await flows.ok(await api.http.post(path, headers=employer))
    assert read["read_at"] is not None
    assert (await _mine(api, employer))["unread"] == 0
    assert (await _mine(api, employer, unread="true"))["items"] == []

    # Revised and approved through to billing: the payment is due.
    await permit_flows.decide(api, application_id, "resubmission",
                              {"documents": ["cv"], "reason": "signed"}, employer)  # fmt: skip
    await permit_flows.at_stage(api, application_id, "document_verification")
    await permit_flows.to_payment(api, application_id)
    await permit_flows.at_stage(api, application_id, "payment")

    async def payment_notices() -> list[Any]:
        await _deliver(api)
        items = (await _mine(api, employer))["items"]
        return [n for n in items if n["notice_kind"] == "payment_due"]

    [due] = await until(payment_notices, lambda n: len(n) == 1, "the payment notice")
    assert due["title"] == f"[Sinergi] Pembayaran DKPTKA untuk {application_id}"


async def test_the_person_a_task_is_reassigned_to_is_told(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)

    async def tasks() -> list[Any]:
        return list(
            await api.pool.fetch(
                "SELECT task_id FROM tasks WHERE case_id = $1 AND kind = 'placement_review'",
                enrolment_id,
            )
        )

    task_id = (await until(tasks, bool, "the placement task", SETTLE_SECONDS))[0]["task_id"]
    citra = api.headers("citra", Role.TPP_MEMBER, upt="LP-CIPINANG")
    await flows.ok(await api.http.patch("/people/me", json={"language": "en"}, headers=citra))
    supervisor = api.headers("sup-1", Role.SUPERVISOR, upt="LP-CIPINANG")
    body = {"to_subject": "citra"}
    await flows.ok(await api.http.post(f"/tasks/{task_id}/reassign", json=body, headers=supervisor))
    await _deliver(api)
    page = await _mine(api, citra)
    assigned = [n for n in page["items"] if n["notice_kind"] == "task_assigned"]
    assert len(assigned) == 1
    assert assigned[0]["title"] == (
        f"[Sinergi] A task for you: TPP placement review ({enrolment_id})"
    )
    assert assigned[0]["link"].endswith(f"/tasks/{task_id}")
    # Nobody else of the UPT is told of it.
    ani = api.headers("ani", Role.TPP_MEMBER, upt="LP-CIPINANG")
    assert (await _mine(api, ani))["items"] == []
