"""The API with its document store: a folder (the embedded default) or a real local S3 server
(moto's server mode on a free port), and helpers to upload as an employer."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from documents.settings import Backend, DocumentSettings
from tests.api.conftest import ApiStack, running_api
from tests.api.permit_flows import employer

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 as a real HTTP server on 127.0.0.1, for the session."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_settings(endpoint: str) -> DocumentSettings:
    bucket = f"sinergi-docs-{uuid.uuid4().hex[:8]}"
    settings = DocumentSettings(
        backend=Backend.S3,
        s3_endpoint=endpoint,
        s3_bucket=bucket,
        s3_region="us-east-1",
        s3_access_key_id=SecretStr("test-access-key"),
        s3_secret_access_key=SecretStr("test-secret-key"),
    )
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-access-key",
        aws_secret_access_key="test-secret-key",
    ).create_bucket(Bucket=bucket)
    return settings


@pytest.fixture(params=["folder", "s3"])
async def docs_api(
    request: pytest.FixtureRequest,
    pool: asyncpg.Pool,
    dev_env: WorkflowEnvironment,
    tmp_path: Path,
) -> AsyncIterator[ApiStack]:
    """The API stack with its documents in a folder of this test's, or in a local S3."""
    if request.param == "s3":
        settings = s3_settings(request.getfixturevalue("s3_endpoint"))
    else:
        settings = DocumentSettings(folder=tmp_path / "documents")
    async with running_api(pool, dev_env.client, settings) as stack:
        yield stack


@pytest.fixture
async def folder_api(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[ApiStack]:
    async with running_api(
        pool, dev_env.client, DocumentSettings(folder=tmp_path / "documents")
    ) as stack:
        yield stack


async def upload(
    api: ApiStack,
    content: Any,
    kind: str = "passport_scan",
    name: str = "paspor.pdf",
    nib: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = (employer(api, nib) if nib else employer(api)) | {"X-File-Name": quote(name)}
    return await api.http.post(
        f"/documents?kind={kind}", content=content, headers=sent | (headers or {})
    )


def store_of(api: ApiStack) -> Any:
    assert api.app is not None
    return api.app.state.documents.store


def stored_files(api: ApiStack) -> list[str]:
    """The files in the folder store (none when it was never written to)."""
    folder: Path = store_of(api).root
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
