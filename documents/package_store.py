"""A content-addressed document store with a local-folder backend (under the state dir).

A document is named by the SHA-256 of its content and encrypted at rest with AES-256-GCM,
with the same named keys as Temporal's payloads (`SINERGI_PAYLOAD_KEYS`): the file is the
nonce followed by the ciphertext, and the hash is the associated data, so a file moved under
another name does not decrypt. Putting the same content twice writes once.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from config.payload_encryption import parse_key

_NONCE_BYTES = 12


class DocumentMissing(Exception):
    """The store has no document with this hash (or it does not decrypt to it)."""


class StoredDocument(BaseModel):
    sha256: str
    size_bytes: int
    key_id: str  # the key it is encrypted with


class LocalDocumentStore:
    def __init__(self, root: Path, current_key_id: str, keys: Mapping[str, str]) -> None:
        self._root = root
        self._current = current_key_id
        self._ciphers = {key_id: AESGCM(parse_key(key_id, k)) for key_id, k in keys.items()}

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise DocumentMissing(f"{sha256!r} is not a SHA-256")
        return self._root / sha256[:2] / sha256

    def put(self, content: bytes) -> StoredDocument:
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            nonce = os.urandom(_NONCE_BYTES)
            sealed = self._ciphers[self._current].encrypt(nonce, content, sha256.encode())
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(nonce + sealed)
            partial.replace(path)  # atomic: a reader never sees half a file
        return StoredDocument(sha256=sha256, size_bytes=len(content), key_id=self._current)

    def get(self, sha256: str, key_id: str) -> bytes:
        path = self._path(sha256)
        cipher = self._ciphers.get(key_id)
        if cipher is None or not path.exists():
            raise DocumentMissing(f"document {sha256} is not in the store")
        data = path.read_bytes()
        try:
            content = cipher.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], sha256.encode())
        except InvalidTag:
            raise DocumentMissing(f"document {sha256} does not decrypt") from None
        if hashlib.sha256(content).hexdigest() != sha256:
            raise DocumentMissing(f"document {sha256} does not match its hash")
        return content
