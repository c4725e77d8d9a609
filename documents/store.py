"""Where sealed documents live: a folder (the embedded default) or an S3-compatible store.

Both are addressed by the document's opaque id only; a file name never becomes a path or a
key. Writes are idempotent (the same id, the same bytes)."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from documents.settings import Backend, DocumentSettings
from domain.permit_life import DOCUMENT_ID_PATTERN

_ID = re.compile(DOCUMENT_ID_PATTERN)


def _checked(document_id: str) -> str:
    # Defence in depth: whatever reaches a store is an id we minted, never a name.
    if not _ID.match(document_id):
        raise ValueError(f"not a document id: {document_id!r}")
    return document_id


class BlobStore(Protocol):
    async def put(self, document_id: str, sealed: bytes) -> None: ...

    async def get(self, document_id: str) -> bytes | None: ...


class FolderStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, document_id: str) -> Path:
        return self.root / f"{_checked(document_id)}.sealed"

    async def put(self, document_id: str, sealed: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(document_id), sealed)

    def _write(self, path: Path, sealed: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_suffix(".partial")
        with partial.open("wb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(path)  # atomic: a reader never sees half a document

    async def get(self, document_id: str) -> bytes | None:
        path = self._path(document_id)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.exists() else None)


class S3Store:
    """boto3 (synchronous) in a thread: a document is at most a few MB, one call each."""

    def __init__(self, settings: DocumentSettings) -> None:
        self.bucket = settings.s3_bucket
        access, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        self._client: Any = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint,
            region_name=settings.s3_region,
            aws_access_key_id=access.get_secret_value() if access else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )

    def _key(self, document_id: str) -> str:
        return f"documents/{_checked(document_id)}"

    async def put(self, document_id: str, sealed: bytes) -> None:
        await asyncio.to_thread(
            self._client.put_object, Bucket=self.bucket, Key=self._key(document_id), Body=sealed
        )

    async def get(self, document_id: str) -> bytes | None:
        def fetch() -> bytes | None:
            try:
                answer = self._client.get_object(Bucket=self.bucket, Key=self._key(document_id))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            body: bytes = answer["Body"].read()
            return body

        return await asyncio.to_thread(fetch)


def build_store(settings: DocumentSettings, state_dir: Path) -> BlobStore:
    if settings.backend is Backend.S3:
        return S3Store(settings)
    return FolderStore(settings.folder or state_dir / "documents")
