"""The codec server: the Temporal Web UI and CLI send it the encrypted payloads of a history
and get them back readable (Temporal's remote codec protocol: `POST {endpoint}/decode` with
`{"payloads": [{"metadata": {name: base64}, "data": base64}, ...]}`, the same shape back).

`temporal workflow show --codec-endpoint http://<api>/codec/default --codec-auth 'Bearer ..'`
posts to `/codec/default/decode`; the Web UI posts to `/codec/decode` (or with the namespace
in the path) with an `X-Namespace` header. The payloads hold personal data (an inmate's
records, a TKA's passport), so decoding is for operators and for auditors of every ministry,
by bearer token (the UI's "pass access token"); every decode is written to `codec_decodes`
before the answer leaves, and an unrecorded decode is not answered.

The UI runs in the browser on another origin: CORS is answered here for `/codec/` paths
only (the preflight carries no token), for the origins in SINERGI_CODEC_CORS_ORIGINS.

The dev server's UI (`sinergi up`) has no login and so no token: in development only, with
SINERGI_CODEC_DEV_UI_OPERATOR on, a decode without a token from one of those origins is made
as the operator `temporal-dev-ui` (settings refuse the flag in staging and production).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from google.protobuf import json_format
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.api.common.v1 import Payloads

from api.auth import bearer, current_principal
from api.deps import PoolDep, SettingsDep
from config.payload_encryption import PayloadKeyError
from db import codec_decodes
from db.codec_decodes import CodecDecode
from domain.errors import forbidden
from domain.identity import Principal, Role

log = structlog.get_logger(__name__)

PREFIX = "/codec"
_ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace, X-Workflow-Id"
WORKFLOW_HEADER = "X-Workflow-Id"

router = APIRouter(prefix=PREFIX, tags=["operations"])

# Who decodes for the dev server's Web UI in development (SINERGI_CODEC_DEV_UI_OPERATOR).
DEV_UI_OPERATOR = Principal(subject="temporal-dev-ui", roles=frozenset({Role.OPERATOR}))


class CodecRefused(Exception):
    """A body that is not Temporal's payloads JSON, or a payload no listed key opens."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def codec_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The bearer token's person; in development, the dev UI's operator for a request
    without a token from the UI's origin (the browser sets Origin: another page cannot)."""
    settings = request.app.state.settings
    origin = request.headers.get("origin")
    if (
        credentials is None
        and settings.codec_dev_ui_operator
        and origin is not None
        and origin in settings.codec_cors_origins
    ):
        request.state.principal = DEV_UI_OPERATOR
        return DEV_UI_OPERATOR
    return await current_principal(request, credentials)


CodecPrincipal = Annotated[Principal, Depends(codec_principal)]


def decoding_role(principal: Principal) -> Role:
    """The role a decode is made in: an operator, or an auditor of every ministry. A
    ministry's auditor is refused: a history's payloads are whole cases of any ministry."""
    if principal.has_role(Role.OPERATOR):
        return Role.OPERATOR
    if principal.has_role(Role.AUDITOR):
        if principal.scope.ministry is None:
            return Role.AUDITOR
        raise forbidden(
            "decoding Temporal payloads shows every ministry's cases: it is for operators "
            "and auditors of all ministries, not of one"
        )
    raise forbidden("decoding Temporal payloads needs the role operator or auditor")


async def _decode(
    request: Request,
    principal: Principal,
    settings: SettingsDep,
    pool: asyncpg.Pool,
    namespace: str,
    workflow_id: str | None,
) -> Response:
    role = decoding_role(principal)
    if namespace != settings.temporal_namespace:
        return _refusal(404, f"this codec serves namespace {settings.temporal_namespace!r}, "
                             f"not {namespace!r}")  # fmt: skip
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, UnicodeDecodeError) as error:
        return _refusal(422, f'the body must be {{"payloads": [...]}} as Temporal sends it: '
                             f"{error}")  # fmt: skip
    codec = settings.data_converter.payload_codec
    assert codec is not None  # Sinergi's converter always encrypts
    try:
        decoded = await codec.decode(payloads.payloads)
    except PayloadKeyError as error:
        return _refusal(422, str(error))
    request_id = getattr(request.state, "request_id", None) or uuid.uuid4()
    entry = CodecDecode(
        request_id=request_id,
        at=datetime.now(UTC),
        subject=principal.subject,
        role=role.value,
        scope=principal.scope,
        namespace=namespace,
        workflow_id=workflow_id,
        payloads=len(decoded),
    )
    try:
        await codec_decodes.record(pool, entry)
    except (OSError, asyncpg.PostgresError) as error:
        log.error("codec_decode_not_recorded", error=str(error))
        return _refusal(503, "the decode could not be recorded, so it is not answered: "
                             "try again shortly")  # fmt: skip
    log.info("codec_decoded", role=role.value, workflow_id=workflow_id, payloads=len(decoded))
    body = json_format.MessageToJson(Payloads(payloads=decoded))
    return Response(content=body, media_type="application/json")


def _refusal(status: int, message: str) -> Response:
    return Response(
        content=json.dumps({"detail": message}), status_code=status, media_type="application/json"
    )


Namespace = Annotated[str | None, Header(alias="X-Namespace")]
WorkflowId = Annotated[str | None, Header(alias=WORKFLOW_HEADER, max_length=400)]


@router.post("/{namespace}/decode")
async def decode_in_namespace(
    namespace: str,
    request: Request,
    principal: CodecPrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    workflow_id: WorkflowId = None,
) -> Response:
    """Decode Temporal payloads (the CLI's `--codec-endpoint .../codec/{namespace}`)."""
    return await _decode(request, principal, settings, pool, namespace, workflow_id)


@router.post("/decode")
async def decode(
    request: Request,
    principal: CodecPrincipal,
    settings: SettingsDep,
    pool: PoolDep,
    x_namespace: Namespace = None,
    workflow_id: WorkflowId = None,
) -> Response:
    """Decode Temporal payloads (the Web UI sends its namespace in `X-Namespace`)."""
    namespace = x_namespace or settings.temporal_namespace
    return await _decode(request, principal, settings, pool, namespace, workflow_id)


class _CodecCors:
    """Pure ASGI (see api/access_log.py); any other path passes straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(f"{PREFIX}/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        origin = request.headers.get("origin")
        settings = request.app.state.settings
        allowed = origin is not None and origin in settings.codec_cors_origins

        def with_cors(headers: MutableHeaders) -> None:
            if allowed and origin is not None:
                headers["Access-Control-Allow-Origin"] = origin
                headers["Access-Control-Allow-Credentials"] = "true"
            headers["Vary"] = "Origin"

        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            if not allowed:
                refusal = _refusal(403, f"origin {origin!r} may not call the codec server: "
                                        "add it to SINERGI_CODEC_CORS_ORIGINS")  # fmt: skip
                await refusal(scope, receive, send)
                return
            response = Response(status_code=204)
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = _ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
            with_cors(response.headers)
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                with_cors(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_cors)


def install_codec_cors(app: FastAPI) -> None:
    """CORS for the Temporal Web UI on `/codec/` only: answer its preflight (no token on
    it), and let the browser read every codec answer, refusals included."""
    app.add_middleware(_CodecCors)
