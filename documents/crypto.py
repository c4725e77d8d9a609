"""AES-256-GCM for documents at rest, with named keys (rotation as for Temporal payloads:
`config/payload_encryption.py`'s key format). The document id is the associated data, so a
ciphertext moved under another id does not decrypt."""

from __future__ import annotations

import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from config.payload_encryption import PayloadKeyError, parse_key

_NONCE_BYTES = 12


class DocumentCipher:
    def __init__(self, current_key_id: str, keys: Mapping[str, str]) -> None:
        if current_key_id not in keys:
            raise PayloadKeyError(f"the current document key {current_key_id!r} is not listed")
        self.current_key_id = current_key_id
        self._ciphers = {key_id: AESGCM(parse_key(key_id, k)) for key_id, k in keys.items()}

    def seal(self, document_id: str, content: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        cipher = self._ciphers[self.current_key_id]
        return nonce + cipher.encrypt(nonce, content, document_id.encode())

    def open(self, document_id: str, key_id: str, sealed: bytes) -> bytes:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadKeyError(f"document key {key_id!r} is not configured")
        nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            return cipher.decrypt(nonce, body, document_id.encode())
        except InvalidTag:
            raise PayloadKeyError(f"document {document_id} does not decrypt: altered") from None
