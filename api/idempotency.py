"""`Idempotency-Key` on every POST: a retry with the same key and request answers with the
first answer, even while the first is still being applied; the same key with another request
is a 409.

Pure ASGI, around the whole app: the key is claimed by one atomic INSERT (db/idempotency.py),
so of two copies arriving at once exactly one runs; the other waits for its answer and
replays it (`Idempotent-Replayed: true`). Answers below 500 are kept (a refusal is an answer
too); a 5xx or a request that ends without an answer releases the key, and the retry runs
again. A decision carries an update id derived from the key (api/temporal_calls.py), so a
retry after a lost answer is the same Temporal update, never a second decision. Keys are per
person (the token's subject); a key is at most 200 printable ASCII characters.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import structlog
from fastapi import HTTPException
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import principal_from_token
from api.outages import deadline_for, unavailable
from api.temporal_calls import IDEMPOTENCY
from db import idempotency as keys
from db.failures import OUTAGE_ERRORS

log = structlog.get_logger(__name__)

HEADER = b"idempotency-key"
REPLAYED = "Idempotent-Replayed"
_POLL_SECONDS = 0.05


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= 200 and all(" " <= c <= "~" for c in key)


class Idempotency:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        raw_key = headers.get(HEADER)
        if scope["type"] != "http" or scope["method"] != "POST" or raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not _valid_key(key):
            await JSONResponse(
                status_code=422,
                content={"detail": "Idempotency-Key: 1 to 200 printable ASCII characters"},
            )(scope, receive, send)
            return
        subject = await _subject(scope, headers)
        if subject is None:  # no valid token: the route answers 401, nothing to key
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        digest = hashlib.sha256(
            b"\x1f".join(
                [scope["method"].encode(), scope["path"].encode(), scope["query_string"], body]
            )
        ).hexdigest()
        claim = keys.Claim(subject, key, scope["method"], scope["path"], digest)
        pool = scope["app"].state.pool
        try:
            await self._once(scope, receive, send, pool, claim, body)
        except OUTAGE_ERRORS:
            await unavailable(
                "the database is unavailable; a retry with the same Idempotency-Key is safe"
            )(scope, _no_body, send)

    async def _once(
        self, scope: Scope, receive: Receive, send: Send, pool: Any, claim: keys.Claim, body: bytes
    ) -> None:
        # Past twice the request deadline no request can still be running under the key.
        deadline = scope["app"].state.settings.request_deadline_seconds
        stale_after = 2 * deadline_for(str(scope["path"]), deadline)
        while True:
            if await keys.claim(pool, claim, stale_after):
                await self._first(scope, receive, send, pool, claim, body)
                return
            found = await keys.stored(pool, claim.subject, claim.key)
            if found is None:
                continue  # released meanwhile: claim it again
            if found.request_hash != claim.request_hash:
                await JSONResponse(
                    status_code=409,
                    content={
                        "detail": "this Idempotency-Key was used for another request: "
                        "use a new key for a new request"
                    },
                )(scope, _no_body, send)
                return
            if found.done:
                assert found.status is not None
                await Response(
                    content=found.body or b"",
                    status_code=found.status,
                    media_type="application/json",
                    headers={REPLAYED: "true"},
                )(scope, _no_body, send)
                return
            await asyncio.sleep(_POLL_SECONDS)  # the first copy is still being applied

    async def _first(
        self, scope: Scope, receive: Receive, send: Send, pool: Any, claim: keys.Claim, body: bytes
    ) -> None:
        status: int | None = None
        chunks: list[bytes] = []
        given = False

        async def replay_body() -> Message:
            nonlocal given
            if given:
                return await receive()  # after the body: the client's disconnect, if any
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def keep(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        token = IDEMPOTENCY.set((claim.subject, claim.key))
        kept = False
        try:
            await self.app(scope, replay_body, keep)
            if status is not None and status < 500:
                await keys.complete(pool, claim.subject, claim.key, status, b"".join(chunks))
                kept = True
        finally:
            IDEMPOTENCY.reset(token)
            if not kept:
                try:
                    await keys.release(pool, claim.subject, claim.key)
                except OUTAGE_ERRORS:  # the key stays pending: see the README (expiry)
                    log.warning("idempotency_key_not_released")


async def _subject(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    settings = scope["app"].state.settings
    try:
        principal = await asyncio.to_thread(principal_from_token, settings, token.strip())
    except HTTPException:
        return None
    return principal.subject


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
