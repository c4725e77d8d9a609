"""Keeps the directory of people up to date from the bearer tokens the API sees.

The login (the workspace's OIDC callback) registers a person with their name and e-mail from
the ID token (`db.people.upsert_from_claims`). A person who only ever calls the API with a
bearer token (a development token, a system client) is still registered here, with the roles
and scope the token carries, so notices addressed to their role reach them in-app.

Cheap: a person is written at most once per `REFRESH_SECONDS` per API process, unless the
token's roles or scope changed; the write is one small upsert, bounded by a timeout, and its
failure never fails the request (it is logged without the subject).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import asyncpg
import structlog
from fastapi import Request

from db import people as people_db
from domain.identity import Principal
from domain.people import Registration

log = structlog.get_logger(__name__)

REFRESH_SECONDS = 600.0
WRITE_TIMEOUT_SECONDS = 2.0
_MAX_REMEMBERED = 10_000


async def register_from_request(request: Request, principal: Principal) -> None:
    state = request.app.state
    pool: asyncpg.Pool | None = getattr(state, "pool", None)
    if pool is None:
        return
    seen: dict[str, tuple[str, float]] | None = getattr(state, "directory_seen", None)
    if seen is None or len(seen) > _MAX_REMEMBERED:
        seen = state.directory_seen = {}
    fingerprint = principal.model_dump_json()
    now = time.monotonic()
    last = seen.get(principal.subject)
    if last is not None and last[0] == fingerprint and now - last[1] < REFRESH_SECONDS:
        return
    try:
        async with asyncio.timeout(WRITE_TIMEOUT_SECONDS), pool.acquire() as conn:
            await people_db.upsert_from_claims(
                conn, principal, {}, registration=Registration.REQUEST
            )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        log.warning("directory_registration_failed", error_type=type(error).__name__)
        return
    seen[principal.subject] = (fingerprint, now)


async def register_at_login(
    request: Request, principal: Principal, claims: Mapping[str, Any]
) -> None:
    """The workspace's sign-in (OIDC callback, or a development persona): the person as the
    verified claims describe them. Like the request path, a failure is logged and never
    refuses the sign-in (the person is registered at their next request)."""
    pool: asyncpg.Pool | None = getattr(request.app.state, "pool", None)
    if pool is None:
        return
    try:
        async with asyncio.timeout(WRITE_TIMEOUT_SECONDS), pool.acquire() as conn:
            await people_db.upsert_from_claims(conn, principal, claims)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        log.warning("directory_login_registration_failed", error_type=type(error).__name__)
