"""Request dependencies: the process-wide clients, and who is acting in which role."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from temporalio.client import Client

from api.auth import CurrentPrincipal
from config.settings import Settings
from domain.errors import forbidden
from domain.identity import Actor, Principal, Role
from domain.registries import SdpRegistry


# `async def`, though none of them waits: FastAPI runs a plain `def` dependency in its thread
# pool, a thread hop per dependency on every request (issue 18: a decision's latency).
async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def _temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


async def _sdp(request: Request) -> SdpRegistry:
    sdp: SdpRegistry = request.app.state.sdp
    return sdp


SettingsDep = Annotated[Settings, Depends(_settings)]
PoolDep = Annotated[asyncpg.Pool, Depends(_pool)]
TemporalDep = Annotated[Client, Depends(_temporal)]
SdpDep = Annotated[SdpRegistry, Depends(_sdp)]


ActorDependency = Callable[[Principal], Coroutine[Any, Any, Actor]]


def acting_as(*roles: Role) -> ActorDependency:
    """Route permission: the caller must hold one of `roles`; yields the Actor to record."""
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Actor:
        for role in roles:  # declaration order decides when a person holds several
            if principal.has_role(role):
                return principal.acting_as(role)
        names = ", ".join(sorted(r.value for r in allowed))
        raise forbidden(f"this action needs one of the roles: {names}")

    return dependency
