"""Where documents are stored, how big they may be, and the keys that encrypt them.
Nested in `Settings.documents`, e.g. SINERGI_DOCUMENTS__BACKEND=s3."""

from __future__ import annotations

import base64
import hashlib
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator

from config.payload_encryption import parse_key

# Development and test only (refused elsewhere by `keys_for`): anyone can derive it.
DEV_DOCUMENT_KEY_ID = "dev-documents-1"
DEV_DOCUMENT_KEY = base64.b64encode(
    hashlib.sha256(b"sinergi-development-document-key").digest()
).decode()


class Backend(StrEnum):
    LOCAL = "local"  # a folder under the state dir: the embedded default
    S3 = "s3"  # an S3-compatible object store


class DocumentSettings(BaseModel):
    backend: Backend = Backend.LOCAL
    folder: Path | None = None  # local backend; default <state_dir>/documents
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    s3_endpoint: str | None = None  # e.g. https://s3.ap-southeast-3.amazonaws.com, or MinIO
    s3_bucket: str = "sinergi-documents"
    s3_region: str = "ap-southeast-3"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # AES-256-GCM keys by name (32 bytes of base64 each), `key_id` the one new documents use.
    key_id: str | None = None
    keys: dict[str, SecretStr] = {}

    @model_validator(mode="after")
    def _check(self) -> DocumentSettings:
        if self.keys:
            if self.key_id not in self.keys:
                raise ValueError(
                    f"SINERGI_DOCUMENTS__KEY_ID must name one of SINERGI_DOCUMENTS__KEYS "
                    f"({sorted(self.keys)}), got {self.key_id!r}"
                )
            for name, key in self.keys.items():
                parse_key(name, key.get_secret_value())
        return self

    def keys_for(self, development: bool) -> tuple[str, dict[str, str]]:
        """(current key id, every key) — the development key only in development and test."""
        if not self.keys:
            if not development:
                raise ValueError(
                    "SINERGI_DOCUMENTS__KEYS and SINERGI_DOCUMENTS__KEY_ID must be set: "
                    "documents are encrypted at rest"
                )
            return DEV_DOCUMENT_KEY_ID, {DEV_DOCUMENT_KEY_ID: DEV_DOCUMENT_KEY}
        keys = {name: key.get_secret_value() for name, key in self.keys.items()}
        if DEV_DOCUMENT_KEY in keys.values() and not development:
            raise ValueError("SINERGI_DOCUMENTS__KEYS holds the development key")
        assert self.key_id is not None
        return self.key_id, keys
