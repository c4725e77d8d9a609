"""SIMPONI's signed payment callback: a bad or stale signature is a 401 that changes
nothing; a confirmation is applied once however often it arrives; a confirmation for an
expired bill is refused and recorded."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config.settings import DEV_SIMPONI_SECRET, Environment
from tests.api import permit_flows as flows
from tests.api.conftest import ApiStack, wire
from tests.api.permit_flows import confirmation, signed
from tests.live_settings import live_settings

CALLBACK = "/payments/simponi/callback"


async def _at_payment(api: ApiStack) -> tuple[str, Any]:
    application_id = await flows.submit(api)
    live = await flows.to_payment(api, application_id)
    assert live["stage"] == "payment"
    return application_id, live


async def _confirmation(pool: asyncpg.Pool) -> dict[str, Any]:
    """The one payment confirmation recorded."""
    rows = await pool.fetch("SELECT * FROM payment_confirmations")
    assert len(rows) == 1, rows
    return dict(rows[0])


async def _stored(api: ApiStack, application_id: str) -> tuple[Any, ...]:
    row = await api.pool.fetchrow(
        "SELECT stage, payment_id FROM permit_applications WHERE application_id = $1",
        application_id,
    )
    confirmations = await api.pool.fetchval("SELECT count(*) FROM payment_confirmations")
    return (dict(row) if row else None, confirmations)


async def test_a_bad_or_stale_signature_is_a_401_and_changes_nothing(api: ApiStack) -> None:
    application_id, live = await _at_payment(api)
    before = await _stored(api, application_id)
    body = confirmation(live)
    secret = api.settings.simponi_secret
    tampered = body.replace(b"SIMPONI-PAY-1", b"SIMPONI-PAY-2")
    stale = int(time.time()) - api.settings.simponi_callback_tolerance_seconds - 5
    far_future = "1" + "0" * 400  # overflows a float: must still be a 401, not a 500
    headers_list: list[tuple[dict[str, Any], bytes]] = [
        ({}, body),  # unsigned
        (signed("not-the-shared-secret", body), body),
        (signed(secret, body), tampered),  # signed one body, sent another
        (signed(secret, body, at=stale), body),  # a replay of an old confirmation
        ({**signed(secret, body), "X-Simponi-Timestamp": "yesterday"}, body),
        ({**signed(secret, body), "X-Simponi-Timestamp": far_future}, body),
        # A signature header with a non-ASCII byte: compared as bytes, refused, no 500.
        ({**signed(secret, body), "X-Simponi-Signature": "\xe9".encode("latin-1")}, body),
    ]
    for headers, content in headers_list:
        response = await api.http.post(CALLBACK, content=content, headers=headers)
        assert response.status_code == 401, response.text
    assert await _stored(api, application_id) == before
    assert (await flows.state(api, application_id))["stage"] == "payment"


async def test_the_same_confirmation_twice_is_applied_once(api: ApiStack) -> None:
    application_id, live = await _at_payment(api)
    first = await flows.pay(api, live)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "payment_id": "SIMPONI-PAY-1",
        "result": "accepted",
        "duplicate": False,
    }
    again = await flows.pay(api, live)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    after = await flows.settled(api, application_id)
    assert after["stage"] == "rptka_approval"
    assert after["payment_id"] == "SIMPONI-PAY-1"
    paid = await api.pool.fetchval(
        "SELECT count(*) FROM permit_events WHERE application_id = $1 AND kind = 'paid'",
        application_id,
    )
    assert paid == 1
    row = await _confirmation(api.pool)
    assert (row["result"], row["deliveries"]) == ("accepted", 2)


async def test_a_changed_body_under_an_accepted_payment_id_is_a_409_not_a_duplicate(
    api: ApiStack,
) -> None:
    application_id, live = await _at_payment(api)
    assert (await flows.pay(api, live)).status_code == 200
    for changes in ({"amount_usd": 1}, {"paid_at": "2026-11-21T10:00:00+07:00"}):
        response = await flows.pay(api, live, **changes)  # same payment id, another body
        assert response.status_code == 409, response.text
        assert "different billing code, amount or payment time" in response.json()["detail"]
    row = await _confirmation(api.pool)
    assert (row["result"], row["amount_usd"], row["deliveries"]) == (
        "accepted",
        live["billing"]["amount_usd"],
        1,
    )
    after = await flows.settled(api, application_id)
    assert after["payment_id"] == "SIMPONI-PAY-1"


async def test_a_refused_payment_id_cannot_be_reused_with_a_corrected_body(
    api: ApiStack,
) -> None:
    """A partial payment is refused; the same payment id with the full amount is not a
    duplicate of it (200 with the old result would hide the change): a 409."""
    application_id, live = await _at_payment(api)
    assert (await flows.pay(api, live, amount_usd=1)).status_code == 422
    corrected = await flows.pay(api, live)
    assert corrected.status_code == 409, corrected.text
    assert (await _confirmation(api.pool))["result"] == "refused_invalid"
    assert (await flows.state(api, application_id))["stage"] == "payment"


async def test_a_wrong_amount_is_refused_and_recorded(api: ApiStack) -> None:
    application_id, live = await _at_payment(api)
    response = await flows.pay(api, live, amount_usd=1)
    assert response.status_code == 422
    assert "paid in full" in response.json()["detail"]
    row = await _confirmation(api.pool)
    assert row["result"] == "refused_invalid"
    assert (await flows.state(api, application_id))["stage"] == "payment"


async def test_a_confirmation_for_an_unknown_bill_is_a_404_and_recorded(api: ApiStack) -> None:
    _, live = await _at_payment(api)
    response = await flows.pay(api, live, billing_code="800000000000000")
    assert response.status_code == 404
    row = await _confirmation(api.pool)
    assert (row["result"], row["application_id"]) == ("refused_unknown", None)


async def test_a_malformed_confirmation_with_a_good_signature_is_a_422(api: ApiStack) -> None:
    body = b'{"payment_id": "X"}'
    response = await api.http.post(
        CALLBACK, content=body, headers=signed(api.settings.simponi_secret, body)
    )
    assert response.status_code == 422
    assert await api.pool.fetchval("SELECT count(*) FROM payment_confirmations") == 0


async def test_a_confirmation_for_an_expired_bill_is_refused_and_recorded(
    pool: asyncpg.Pool, time_skipping_env: WorkflowEnvironment
) -> None:
    """On the time-skipping server: the 7 days pass, the bill expires, then SIMPONI confirms."""
    wired = wire(pool, time_skipping_env.client)
    transport = httpx.ASGITransport(app=wired.app)
    async with (
        wired.kemnaker,
        wired.imigrasi,
        wired.app.router.lifespan_context(wired.app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        api = wired.stack(http, pool)
        application_id, live = await _at_payment(api)
        sleep = SleepRequest()
        sleep.duration.FromTimedelta(timedelta(days=7, minutes=1))
        await time_skipping_env.client.test_service.unlock_time_skipping_with_sleep(
            sleep, timeout=timedelta(minutes=1)
        )
        closed = await flows.settled(api, application_id)
        assert closed["outcome"] == "expired"
        response = await flows.pay(api, live)
        assert response.status_code == 409, response.text
        assert "refunded" in response.json()["detail"]
        row = await _confirmation(pool)
        assert (row["result"], row["application_id"]) == ("refused_expired", application_id)
        again = await flows.pay(api, live)
        assert again.json() == {
            "payment_id": "SIMPONI-PAY-1",
            "result": "refused_expired",
            "duplicate": True,
        }
        [stored] = await pool.fetch("SELECT stage, outcome, payment_id FROM permit_applications")
        assert dict(stored) == {"stage": "closed", "outcome": "expired", "payment_id": None}


async def test_without_a_configured_secret_outside_development_every_confirmation_is_refused(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    settings = live_settings(Environment.PRODUCTION)
    app = create_app(settings, pool=pool, temporal=dev_env.client)
    body = b'{"payment_id": "P-1"}'
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.post(CALLBACK, content=body, headers=signed(DEV_SIMPONI_SECRET, body))
    assert response.status_code == 503
    assert "SINERGI_SIMPONI_CALLBACK_SECRET" in response.json()["detail"]
    assert await pool.fetchval("SELECT count(*) FROM payment_confirmations") == 0
