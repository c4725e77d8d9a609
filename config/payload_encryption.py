"""Every Temporal payload Sinergi writes is encrypted before it leaves the process.

Workflow inputs, Update arguments and activity inputs carry personal data: an inmate's
records, a foreign worker's passport number and name. Temporal stores them in its history,
which operators read with `temporal workflow show` and the Web UI. This codec encrypts each
payload with AES-256-GCM, so the history holds ciphertext; only a process holding the key
(the workers, the API, and through it an auditor in scope) reads the values.

Keys are named, so they can rotate: new payloads use the current key, and every key still
listed decrypts what it once encrypted. Payloads written before encryption (no encryption
metadata) are read as they are, so old histories still replay. Search attributes are not
payloads and stay readable; they carry no personal data.

A payload worth it is compressed (zlib) before it is sealed (ciphertext does not compress):
a case's state, answered by each of its updates, is JSON that repeats its field names, and
shrinks to about a third; history is storage and replay time (issue 18). Its encoding says
so (`binary/encrypted+zlib`) and is also the cipher's associated data, so it cannot be
changed unnoticed.
Payloads sealed without it read as before. Every process must run this codec before any of
them writes a compressed payload (they share this module, and are deployed together).
Compression before encryption lets the sealed size depend on how well the content repeats
itself; someone who can both put text into a case and read the stored sizes (an operator)
could use that to guess at other text of the same payload, one guess per write: weighed
against the size of history, and noted for the lead.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
import zlib
from collections.abc import Iterable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

from config.recorded_payloads import recorded_data_converter

ENCODING = b"binary/encrypted"
# Compressed, then sealed: said by the encoding itself (no extra metadata entry, whose bytes
# would repeat in every payload of history), and bound to the ciphertext as associated data.
ENCODING_ZLIB = b"binary/encrypted+zlib"
KEY_ID = "encryption-key-id"
_NONCE_BYTES = 12
# Smaller payloads (a None, an id) gain nothing worth a look.
_COMPRESS_FROM_BYTES = 256

# Development and test only (Settings refuses it elsewhere): anyone can derive it.
DEV_KEY_ID = "dev-1"
DEV_KEY = base64.b64encode(hashlib.sha256(b"sinergi-development-payload-key").digest()).decode()


class PayloadKeyError(ValueError):
    """A key that is not 32 bytes of base64, or a payload whose key is not configured."""


def parse_key(key_id: str, encoded: str) -> bytes:
    try:
        key = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise PayloadKeyError(f"payload key {key_id!r} is not valid base64") from None
    if len(key) != 32:
        raise PayloadKeyError(
            f"payload key {key_id!r} must be 32 bytes (AES-256), got {len(key)}; "
            "make one with: openssl rand -base64 32"
        )
    return key


class PayloadEncryption(PayloadCodec):
    """AES-256-GCM over each serialized payload; the key's name travels in the metadata."""

    def __init__(self, current_key_id: str, keys: Mapping[str, str]) -> None:
        if current_key_id not in keys:
            raise PayloadKeyError(f"the current payload key {current_key_id!r} is not listed")
        self._current = current_key_id
        self._ciphers = {key_id: AESGCM(parse_key(key_id, k)) for key_id, k in keys.items()}

    async def encode(self, payloads: Iterable[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._current]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(_NONCE_BYTES)
            plain = payload.SerializeToString()
            encoding, associated = ENCODING, None
            if len(plain) >= _COMPRESS_FROM_BYTES:
                packed = zlib.compress(plain, 6)
                if len(packed) < len(plain):
                    plain, encoding = packed, ENCODING_ZLIB
                    associated = ENCODING_ZLIB
            sealed = cipher.encrypt(nonce, plain, associated)
            metadata = {"encoding": encoding, KEY_ID: self._current.encode()}
            encoded.append(Payload(metadata=metadata, data=nonce + sealed))
        return encoded

    async def decode(self, payloads: Iterable[Payload]) -> list[Payload]:
        return [self._decrypt(payload) for payload in payloads]

    def _decrypt(self, payload: Payload) -> Payload:
        encoding = payload.metadata.get("encoding")
        if encoding not in (ENCODING, ENCODING_ZLIB):
            return payload  # written before encryption: read as it is
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadKeyError(f"payload encrypted with key {key_id!r}, which is not listed")
        nonce, sealed = payload.data[:_NONCE_BYTES], payload.data[_NONCE_BYTES:]
        compressed = encoding == ENCODING_ZLIB
        try:
            plain = cipher.decrypt(nonce, sealed, ENCODING_ZLIB if compressed else None)
        except InvalidTag:
            raise PayloadKeyError(f"payload does not decrypt with key {key_id!r}") from None
        return Payload.FromString(zlib.decompress(plain) if compressed else plain)


def encrypting_converter(current_key_id: str, keys: Mapping[str, str]) -> DataConverter:
    """The pydantic converter every Sinergi client and worker uses, with encryption."""
    return dataclasses.replace(
        recorded_data_converter, payload_codec=PayloadEncryption(current_key_id, keys)
    )
