"""The codec server: the Temporal UI and CLI get readable payloads, only for an operator or an
auditor of every ministry, each decode recorded; CORS lets the UI's origin call it."""

from __future__ import annotations

import base64
from typing import Any

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from config.settings import Environment, Settings
from domain.enrolment import enrolment_workflow_id
from domain.identity import Ministry, Role
from tests.api import flows
from tests.api.conftest import ApiStack, wire
from tests.temporal_support import CONVERTER

UI = "http://127.0.0.1:8233"


async def _encrypted(value: Any) -> dict[str, Any]:
    """A payload as Temporal stores it: the JSON of `value`, encrypted with the test key."""
    [payload] = await CONVERTER.encode([value])
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def _plain(answer: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(p["data"]) for p in answer["payloads"]]


async def test_an_auditor_of_all_ministries_reads_payloads_and_the_decode_is_recorded(
    api: ApiStack,
) -> None:
    body = {
        "payloads": [await _encrypted({"inmate_sdp_no": "CPN-2024-00123"}), await _encrypted(7)]
    }
    assert b"CPN-2024-00123" not in base64.b64decode(body["payloads"][0]["data"])
    answer = await api.http.post(
        "/codec/default/decode",
        json=body,
        headers={**api.auditor(), "X-Workflow-Id": "enrolment-ENR-1"},
    )
    assert answer.status_code == 200, answer.text
    first, second = _plain(answer.json())
    assert b'"inmate_sdp_no":"CPN-2024-00123"' in first.replace(b" ", b"")
    assert second == b"7"
    assert base64.b64decode(answer.json()["payloads"][0]["metadata"]["encoding"]) == b"json/plain"
    row = await api.pool.fetchrow("SELECT * FROM codec_decodes")
    assert row is not None
    assert (row["subject"], row["role"], row["namespace"], row["workflow_id"], row["payloads"]) == (
        "aud-1", "auditor", "default", "enrolment-ENR-1", 2)  # fmt: skip
    assert str(row["request_id"]) == answer.headers["X-Request-Id"]


async def test_an_operator_decodes_through_the_ui_path_with_its_namespace_header(
    api: ApiStack,
) -> None:
    body = {"payloads": [await _encrypted("BARISTA")]}
    answer = await api.http.post(
        "/codec/decode",
        json=body,
        headers={**api.headers("ops-1", Role.OPERATOR), "X-Namespace": "default"},
    )
    assert answer.status_code == 200, answer.text
    assert _plain(answer.json()) == [b'"BARISTA"']
    assert await api.pool.fetchval("SELECT role FROM codec_decodes") == "operator"


async def test_without_a_token_401_and_nothing_is_decoded_or_recorded(api: ApiStack) -> None:
    body = {"payloads": [await _encrypted("secret")]}
    answer = await api.http.post("/codec/default/decode", json=body)
    assert answer.status_code == 401
    assert "secret" not in answer.text
    assert await api.pool.fetchval("SELECT count(*) FROM codec_decodes") == 0


async def test_a_caseworker_or_a_ministrys_auditor_gets_403(api: ApiStack) -> None:
    body = {"payloads": [await _encrypted("secret")]}
    for headers in (
        api.caseworker(),
        api.headers("aud-k", Role.AUDITOR, ministry=Ministry.KEMNAKER),
    ):
        answer = await api.http.post("/codec/default/decode", json=body, headers=headers)
        assert answer.status_code == 403, answer.text
        assert "operator" in answer.json()["detail"]
    assert await api.pool.fetchval("SELECT count(*) FROM codec_decodes") == 0


async def test_bad_bodies_and_foreign_keys_are_422_and_another_namespace_404(
    api: ApiStack,
) -> None:
    ops = api.headers("ops-1", Role.OPERATOR)
    garbage = await api.http.post("/codec/default/decode", content=b"{not json", headers=ops)
    assert garbage.status_code == 422
    assert "payloads" in garbage.json()["detail"]
    other_key = Settings(
        environment=Environment.TEST,
        payload_key_id="other",
        payload_keys={"other": base64.b64encode(b"k" * 32).decode()},
    ).data_converter
    [foreign] = await other_key.encode(["x"])
    body = {"payloads": [{"metadata": {k: base64.b64encode(v).decode() for k, v in
                                       foreign.metadata.items()},
                          "data": base64.b64encode(foreign.data).decode()}]}  # fmt: skip
    refused = await api.http.post("/codec/default/decode", json=body, headers=ops)
    assert refused.status_code == 422
    assert "'other'" in refused.json()["detail"]
    elsewhere = await api.http.post("/codec/payroll/decode", json=body, headers=ops)
    assert elsewhere.status_code == 404
    assert await api.pool.fetchval("SELECT count(*) FROM codec_decodes") == 0


async def test_the_uis_preflight_with_authorization_and_namespace_headers_is_allowed(
    api: ApiStack,
) -> None:
    preflight = await api.http.options(
        "/codec/decode",
        headers={
            "Origin": UI,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == UI
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "x-namespace"} <= {
        h.strip() for h in allowed.split(",")
    }
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    # The refusal itself is readable by the UI (so it can say why), the decode is not made.
    refused = await api.http.post("/codec/decode", json={"payloads": []}, headers={"Origin": UI})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == UI


async def test_another_origin_gets_no_cors_and_other_paths_none_at_all(api: ApiStack) -> None:
    evil = "http://evil.example"
    preflight = await api.http.options(
        "/codec/decode",
        headers={"Origin": evil, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    elsewhere = await api.http.get("/programmes", headers={**api.tpp(), "Origin": UI})
    assert "Access-Control-Allow-Origin" not in elsewhere.headers


async def test_a_real_case_history_decodes(api: ApiStack) -> None:
    """What the UI sends for a real history: the workflow's first input, as stored."""
    enrolment_id = await flows.request(api, "CPN-2024-00123")
    assert api.app is not None
    temporal = api.app.state.temporal
    handle = temporal.get_workflow_handle(enrolment_workflow_id(enrolment_id))
    await api.settled(enrolment_id)
    history = await handle.fetch_history()
    raw = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    body = {"payloads": [{"metadata": {k: base64.b64encode(v).decode() for k, v in
                                       raw.metadata.items()},
                          "data": base64.b64encode(raw.data).decode()}]}  # fmt: skip
    assert b"CPN-2024-00123" not in raw.data
    answer = await api.http.post(
        "/codec/default/decode", json=body, headers=api.headers("ops-1", Role.OPERATOR)
    )
    assert answer.status_code == 200, answer.text
    assert b"CPN-2024-00123" in _plain(answer.json())[0]


async def test_in_development_the_dev_uis_origin_decodes_without_a_token_as_its_operator(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    """`sinergi up`'s Web UI has no login, so no token: with SINERGI_CODEC_DEV_UI_OPERATOR
    (development and test only) its origin decodes as the operator "temporal-dev-ui",
    recorded; without the Origin a browser sets, or from another origin, it is still a 401."""
    body = {"payloads": [await _encrypted("CPN-2024-00123")]}
    wired = wire(pool, dev_env.client, codec_dev_ui_operator=True)
    async with (
        wired.app.router.lifespan_context(wired.app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=wired.app), base_url="http://sinergi.test"
        ) as http,
    ):
        ui = await http.post("/codec/decode", json=body,
                             headers={"Origin": UI, "X-Namespace": "default"})  # fmt: skip
        no_origin = await http.post("/codec/decode", json=body)
        other = await http.post("/codec/decode", json=body,
                                headers={"Origin": "http://evil.example"})  # fmt: skip
    assert ui.status_code == 200, ui.text
    assert _plain(ui.json()) == [b'"CPN-2024-00123"']
    assert ui.headers["Access-Control-Allow-Origin"] == UI
    assert no_origin.status_code == other.status_code == 401
    assert "Access-Control-Allow-Origin" not in other.headers
    rows = await pool.fetch("SELECT subject, role, payloads FROM codec_decodes")
    assert [tuple(r) for r in rows] == [("temporal-dev-ui", "operator", 1)]


async def test_without_the_flag_the_dev_uis_origin_still_needs_a_token(api: ApiStack) -> None:
    body = {"payloads": [await _encrypted("secret")]}
    answer = await api.http.post("/codec/decode", json=body, headers={"Origin": UI})
    assert answer.status_code == 401
    assert await api.pool.fetchval("SELECT count(*) FROM codec_decodes") == 0
