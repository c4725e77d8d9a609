"""The operator's dead letters over HTTP name each one by an opaque reference: a fallback
delivery's id holds the fallback address, which belongs in no answer, no URL and no log."""

from __future__ import annotations

from urllib.parse import quote

from config.settings import Environment, Settings
from db import notices as notices_db
from db.deliveries import reference
from domain.identity import Role, Scope
from notices.kinds import TASK_ESCALATED
from tests.api.conftest import ApiStack
from tests.notify.smtp_support import Sink, smtp_server
from workers.delivery import DeliveryWorker

FALLBACK = "notifikasi@kemenimipas.go.id"  # the test settings' fallback for Kemenimipas


async def test_a_dead_fallback_letter_is_listed_and_retried_by_reference_never_its_id(
    api: ApiStack,
) -> None:
    # An escalation nobody holds goes to the fallback address, which the server refuses.
    await notices_db.write(
        api.pool, "escalation:ENR-DEAD:1", TASK_ESCALATED, Role.SUPERVISOR, Scope(upt="LP-X"),
        {"task_id": "ENR-DEAD:1", "case_kind": "enrolment", "case_id": "ENR-DEAD",
         "kind": "placement_review", "due_at": None})  # fmt: skip
    with smtp_server(Sink(refuse_with="550 5.1.1 mailbox unavailable")) as sink:
        settings = Settings(environment=Environment.TEST, smtp_port=sink.port)
        worker = DeliveryWorker(api.pool, settings, "w1")
        await worker.expand_once()
        await worker.send_once()
    delivery_id = await api.pool.fetchval("SELECT delivery_id FROM deliveries WHERE state = 'dead'")
    assert FALLBACK in delivery_id  # why the id is never shown

    operator = api.headers("ops-1", Role.OPERATOR)
    listed = await api.http.get("/deliveries/dead-letters", headers=operator)
    assert listed.status_code == 200
    assert FALLBACK not in listed.text and "@" not in listed.text and delivery_id not in listed.text
    [dead] = listed.json()["items"]
    assert dead["reference"] == reference(delivery_id) and "delivery_id" not in dead

    # The id itself (as a URL would carry it) names nothing; the reference does, once.
    by_id = await api.http.post(
        f"/deliveries/dead-letters/{quote(delivery_id, safe='')}/retry", headers=operator
    )
    assert by_id.status_code == 404
    path = f"/deliveries/dead-letters/{dead['reference']}/retry"
    retried = await api.http.post(path, headers=operator)
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"reference": dead["reference"], "state": "pending"}
    again = await api.http.post(path, headers=operator)
    assert again.status_code == 404 and "GET /deliveries/dead-letters" in again.json()["detail"]
    state = await api.pool.fetchval(
        "SELECT state FROM deliveries WHERE delivery_id = $1", delivery_id
    )
    assert state == "pending"
