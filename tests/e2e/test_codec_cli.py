"""The real `temporal` CLI reads a case's history through the API's codec server: with it, an
operator sees the inmate's number in the workflow's input; without it, ciphertext."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from temporalio.testing import WorkflowEnvironment

from domain.enrolment import enrolment_workflow_id
from domain.identity import Role
from registries.sdp_seed import DEMO_ELIGIBLE
from stack.binaries import temporal_cli
from tests.api import flows
from tests.api.conftest import ApiStack


async def _show(dev_env: WorkflowEnvironment, workflow_id: str, *codec: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        temporal_cli(), "workflow", "show", "--workflow-id", workflow_id,
        "--address", dev_env.client.service_client.config.target_host,
        "--namespace", "default", "--output", "json", *codec,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    shown: dict[str, Any] = json.loads(out)
    return shown


def _text(b64: str, errors: str = "strict") -> str:
    return base64.b64decode(b64).decode(errors=errors)


def _started_input(history: dict[str, Any]) -> Any:
    first = history["events"][0]
    return first["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]


async def test_workflow_show_with_the_codec_endpoint_prints_readable_payloads(
    served: ApiStack, dev_env: WorkflowEnvironment
) -> None:
    enrolment_id = await flows.request(served, DEMO_ELIGIBLE)
    workflow_id = enrolment_workflow_id(enrolment_id)
    token = served.headers("ops-cli", Role.OPERATOR)["Authorization"]
    endpoint = f"{str(served.http.base_url).rstrip('/')}/codec/default"

    raw = _started_input(await _show(dev_env, workflow_id))
    assert _text(raw["metadata"]["encoding"]).startswith("binary/encrypted")  # or +zlib
    assert DEMO_ELIGIBLE not in _text(raw["data"], errors="replace")

    decoded = _started_input(
        await _show(dev_env, workflow_id, "--codec-endpoint", endpoint, "--codec-auth", token)
    )
    assert _text(decoded["metadata"]["encoding"]) == "json/plain"
    assert json.loads(_text(decoded["data"]))["inmate_sdp_no"] == DEMO_ELIGIBLE

    row = await served.pool.fetchrow(
        "SELECT subject, role, payloads FROM codec_decodes ORDER BY at DESC LIMIT 1"
    )
    assert row is not None
    assert (row["subject"], row["role"]) == ("ops-cli", "operator")
    assert row["payloads"] >= 1


async def test_workflow_show_with_a_caseworkers_token_is_refused(
    served: ApiStack, dev_env: WorkflowEnvironment
) -> None:
    enrolment_id = await flows.request(served, DEMO_ELIGIBLE)
    endpoint = f"{str(served.http.base_url).rstrip('/')}/codec/default"
    process = await asyncio.create_subprocess_exec(
        temporal_cli(), "workflow", "show", "--workflow-id", enrolment_workflow_id(enrolment_id),
        "--address", dev_env.client.service_client.config.target_host, "--output", "json",
        "--codec-endpoint", endpoint, "--codec-auth", served.caseworker()["Authorization"],
        "--command-timeout", "5s",  # the CLI retries a refused decode until its deadline
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode != 0
    assert DEMO_ELIGIBLE not in out.decode()
    assert await served.pool.fetchval("SELECT count(*) FROM codec_decodes") == 0
