"""A production-like run without Docker: the API and the three workers as separate processes
in the `production` environment (production secrets, payload keys, no development tokens),
against the embedded Postgres (DATABASE_URL) and the dev server (TEMPORAL_ADDRESS), people
signing in through a real local OpenID Connect provider (tests/oidc_provider.py). One
enrolment goes through a few steps over HTTP; the API's and a worker's metrics are scraped.

It proves the settings path that the in-process tests (environment `test`) never take.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.auth import mint_dev_token
from config.settings import PROJECT_ROOT, Settings
from domain.clock import jakarta_today
from domain.enrolment import enrolment_workflow_id
from domain.identity import Role, Scope
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api.conftest import end_journeys
from tests.e2e.ports import free_port
from tests.oidc_provider import OidcProvider, running_provider
from tests.temporal_support import until

pytestmark = pytest.mark.production_like

CLIENT_ID = "sinergi-api"  # the audience of the ID tokens the provider signs for Sinergi
REDIRECT = "http://localhost/signed-in"
PROCESSES = {
    "api": "api.main",
    "worker": "workers.main",
    "kemnaker-worker": "workers.kemnaker",
    "imigrasi-worker": "workers.imigrasi",
}


@dataclass
class Deployment:
    api: str  # base URL
    metrics_token: str
    worker_metrics: str  # the enrolment worker's metrics address
    enrolment_queue: str
    logs: Path
    jwt_secret: str


@pytest.fixture
def oidc() -> Iterator[OidcProvider]:
    with running_provider() as provider:
        yield provider


def production_env(database_url: str, temporal: str, oidc: OidcProvider) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:8]
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINERGI_")}
    env.update(
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=temporal,
        SINERGI_ENVIRONMENT="production",
        SINERGI_LOG_JSON="true",
        SINERGI_JWT_SECRET=secrets.token_urlsafe(32),
        SINERGI_SIMPONI_CALLBACK_SECRET=secrets.token_urlsafe(32),
        SINERGI_METRICS_TOKEN=secrets.token_urlsafe(32),
        SINERGI_SESSION_SECRET=secrets.token_urlsafe(32),
        SINERGI_PAYLOAD_KEY_ID="prod-1",
        SINERGI_PAYLOAD_KEYS=json.dumps({"prod-1": key}),
        SINERGI_OIDC_ISSUER=oidc.issuer,
        SINERGI_OIDC_AUDIENCE=CLIENT_ID,
        SINERGI_OIDC_JWKS_URL=oidc.jwks_url,
        # Queues of this run's own: the dev server is shared with the other tests.
        SINERGI_ENROLMENT_TASK_QUEUE=f"prod-enrolment-{suffix}",
        SINERGI_KEMNAKER_TASK_QUEUE=f"prod-kemnaker-{suffix}",
        SINERGI_IMIGRASI_TASK_QUEUE=f"prod-imigrasi-{suffix}",
        PYTHONUNBUFFERED="1",
    )
    return env


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return  # already gone
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=10)
    except TimeoutError:
        process.kill()
        await process.wait()


@pytest.fixture
async def deployment(
    database_dsn: str, dev_env: WorkflowEnvironment, oidc: OidcProvider, tmp_path: Path
) -> AsyncIterator[Deployment]:
    env = production_env(database_dsn, dev_env.client.service_client.config.target_host, oidc)
    port, metrics_ports = free_port(), {name: free_port() for name in PROCESSES if name != "api"}
    started: dict[str, asyncio.subprocess.Process] = {}
    try:
        for name, module in PROCESSES.items():
            own = dict(env)
            if name == "api":
                own.update(SINERGI_API_HOST="127.0.0.1", SINERGI_API_PORT=str(port))
            else:
                own["SINERGI_METRICS_BIND_ADDRESS"] = f"127.0.0.1:{metrics_ports[name]}"
            with (tmp_path / f"{name}.log").open("wb") as log:
                started[name] = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", module, env=own, cwd=PROJECT_ROOT,
                    stdout=log, stderr=asyncio.subprocess.STDOUT,
                )  # fmt: skip
        api = f"http://127.0.0.1:{port}"

        async def ready() -> int:
            dead = {n: p.returncode for n, p in started.items() if p.returncode is not None}
            assert not dead, f"exited: {dead}; " + _tails(tmp_path)
            try:
                async with httpx.AsyncClient(timeout=2) as http:
                    return (await http.get(f"{api}/ready")).status_code
            except httpx.HTTPError:
                return 0

        await until(ready, lambda status: status == 200, "the API ready", within=120)
        yield Deployment(
            api=api,
            metrics_token=env["SINERGI_METRICS_TOKEN"],
            worker_metrics=f"127.0.0.1:{metrics_ports['worker']}",
            enrolment_queue=env["SINERGI_ENROLMENT_TASK_QUEUE"],
            logs=tmp_path,
            jwt_secret=env["SINERGI_JWT_SECRET"],
        )
    finally:
        await asyncio.gather(*(_stop(p) for p in started.values()))


def _tails(logs: Path) -> str:
    return "\n".join(
        f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:])
        for path in sorted(logs.glob("*.log"))
    )


async def sign_in(oidc: OidcProvider, sub: str, **claims: object) -> dict[str, str]:
    """The authorization-code flow, driven as a browser would: the provider's sign-in form,
    the redirect back with a code, the code exchanged for a signed ID token."""
    oidc.set_user(sub, **claims)
    async with httpx.AsyncClient(timeout=10) as http:
        discovery = (await http.get(f"{oidc.issuer}/.well-known/openid-configuration")).json()
        query = urlencode({
            "client_id": CLIENT_ID, "redirect_uri": REDIRECT, "response_type": "code",
            "scope": "openid", "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
        })  # fmt: skip
        form = await http.post(f"{discovery['authorization_endpoint']}?{query}", data={"sub": sub})
        assert form.status_code == 302, form.text
        [code] = parse_qs(urlparse(form.headers["location"]).query)["code"]
        tokens = await http.post(discovery["token_endpoint"], data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": CLIENT_ID, "client_secret": "sinergi-api-secret",
        })  # fmt: skip
        assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['id_token']}"}


async def test_production_processes_sign_in_run_a_case_and_export_metrics(
    deployment: Deployment,
    oidc: OidcProvider,
    dev_env: WorkflowEnvironment,
    pool: asyncpg.Pool,
) -> None:
    ani = await sign_in(oidc, "ani", roles=["caseworker"], upt="LP-CIPINANG")
    budi = await sign_in(oidc, "budi", roles=["tpp_member"], upt="LP-CIPINANG")
    ops = await sign_in(oidc, "ops-1", roles=["operator"])
    async with httpx.AsyncClient(base_url=deployment.api, timeout=30) as http:
        try:
            # Development tokens are refused in production, even signed with its own secret.
            dev = mint_dev_token(
                Settings(jwt_secret=deployment.jwt_secret),
                "ani", [Role.CASEWORKER], Scope(upt="LP-CIPINANG"),
            )  # fmt: skip
            refused = await http.get("/enrolments", headers={"Authorization": f"Bearer {dev}"})
            assert refused.status_code == 401
            assert "not accepted in production" in refused.json()["detail"]

            body = {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "BARISTA",
                    "reason": "wants to work"}  # fmt: skip
            created = await http.post("/enrolments", json=body, headers=ani)
            assert created.status_code == 201, created.text
            enrolment_id = created.json()["enrolment_id"]
            placed = await http.post(
                f"/enrolments/{enrolment_id}/placement",
                json={"decision": "approve", "reason": "motivated and eligible"},
                headers=budi,
            )
            assert placed.status_code == 200, placed.text
            assert placed.json()["stage"] == "training"
            attended = await http.post(
                f"/enrolments/{enrolment_id}/attendance",
                json={"session_no": 1, "session_date": str(jakarta_today()), "present": True},
                headers=ani,
            )
            assert attended.status_code == 200, attended.text
            decisions = await http.get(f"/enrolments/{enrolment_id}/decisions", headers=budi)
            assert {"ani", "budi"} <= {d["actor_subject"] for d in decisions.json()}, decisions.text

            # The history holds ciphertext under the production key; the codec reads it.
            handle = dev_env.client.get_workflow_handle(enrolment_workflow_id(enrolment_id))
            history = await handle.fetch_history()
            raw = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
            assert DEMO_ELIGIBLE.encode() not in raw.data
            payload = {"metadata": {k: base64.b64encode(v).decode() for k, v in
                                    raw.metadata.items()},
                       "data": base64.b64encode(raw.data).decode()}  # fmt: skip
            decoded = await http.post(
                "/codec/default/decode", json={"payloads": [payload]}, headers=ops
            )
            assert decoded.status_code == 200, decoded.text
            plain = base64.b64decode(decoded.json()["payloads"][0]["data"])
            assert json.loads(plain)["inmate_sdp_no"] == DEMO_ELIGIBLE

            # Metrics: the operator's token and the scrape token; a caseworker's is refused.
            assert (await http.get("/metrics", headers=ani)).status_code == 403
            scrape = {"Authorization": f"Bearer {deployment.metrics_token}"}
            for headers in (ops, scrape):
                metrics = await http.get("/metrics", headers=headers)
                assert metrics.status_code == 200, metrics.text
            text = metrics.text
            assert ('sinergi_http_requests_total{method="POST",route="/enrolments",'
                    'status="201"} 1.0') in text  # fmt: skip
            assert 'sinergi_open_cases{kind="enrolment",stage="training"} 1.0' in text
            async with httpx.AsyncClient(timeout=5) as scraper:
                worker = await scraper.get(f"http://{deployment.worker_metrics}/metrics")
            assert worker.status_code == 200
            assert f'task_queue="{deployment.enrolment_queue}"' in worker.text
            assert "temporal_local_activity_execution_latency" in worker.text
        except AssertionError as failure:
            raise AssertionError(f"{failure}\n{_tails(deployment.logs)}") from None
        finally:
            await end_journeys(dev_env.client, pool, deployment.enrolment_queue)

    # The API's log is JSON, one access line per request, naming the subject, not a name.
    lines = [json.loads(line) for line in (deployment.logs / "api.log").read_text().splitlines()
             if line.startswith("{")]  # fmt: skip
    access = [e for e in lines if e.get("event") == "http_request" and e["route"] == "/enrolments"
              and e["method"] == "POST"]  # fmt: skip
    assert [(e["status"], e["subject"]) for e in access] == [(201, "ani")]
    assert access[0]["request_id"] == created.headers["X-Request-Id"]
