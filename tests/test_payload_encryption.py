"""Temporal payloads are encrypted: the codec itself, the settings that hold its keys, and a
workflow on the dev server whose history, read without the key (as an operator's
`temporal workflow show` reads it), holds no trace of the personal data it carries."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from datetime import timedelta

import pytest
from pydantic import BaseModel, SecretStr, ValidationError
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from config.payload_encryption import DEV_KEY, ENCODING, PayloadEncryption, PayloadKeyError
from config.settings import Environment, Settings
from stack.binaries import temporal_cli
from tests.temporal_support import CONVERTER
from workers.temporal_client import connect_temporal

PASSPORT = "X" + uuid.uuid4().hex[:8].upper()  # unique, so finding it anywhere means a leak
NAME = "Siti Rahmawati " + uuid.uuid4().hex[:6]


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def plain(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


# ---------------------------------------------------------------- the codec


async def test_a_payload_round_trips_and_its_bytes_hold_no_plaintext() -> None:
    codec = PayloadEncryption("k1", {"k1": new_key()})
    [sealed] = await codec.encode([plain(PASSPORT)])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata["encryption-key-id"] == b"k1"
    assert PASSPORT.encode() not in sealed.SerializeToString()
    assert await codec.decode([sealed]) == [plain(PASSPORT)]


async def test_a_rotated_key_still_reads_what_the_old_key_wrote() -> None:
    old, new = new_key(), new_key()
    [sealed] = await PayloadEncryption("2026-01", {"2026-01": old}).encode([plain(NAME)])
    rotated = PayloadEncryption("2026-11", {"2026-11": new, "2026-01": old})
    assert await rotated.decode([sealed]) == [plain(NAME)]
    [resealed] = await rotated.encode([plain(NAME)])
    assert resealed.metadata["encryption-key-id"] == b"2026-11"


async def test_a_payload_from_before_encryption_is_read_as_it_is() -> None:
    codec = PayloadEncryption("k1", {"k1": new_key()})
    assert await codec.decode([plain("recorded before")]) == [plain("recorded before")]


async def test_a_dropped_key_or_a_tampered_payload_is_refused_with_its_key_named() -> None:
    [sealed] = await PayloadEncryption("old", {"old": new_key()}).encode([plain(PASSPORT)])
    with pytest.raises(PayloadKeyError, match="'old', which is not listed"):
        await PayloadEncryption("new", {"new": new_key()}).decode([sealed])
    key = new_key()
    codec = PayloadEncryption("k1", {"k1": key})
    [sealed] = await codec.encode([plain(PASSPORT)])
    forged = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(PayloadKeyError, match="does not decrypt with key 'k1'"):
        await codec.decode([forged])


async def test_a_large_payload_is_compressed_before_it_is_sealed_and_reads_back_whole() -> None:
    codec = PayloadEncryption("k1", {"k1": new_key()})
    # A case's state repeats its field names: what each update of a case answers with.
    state = plain(
        "["
        + ",".join(f'{{"session_no":{n},"present":true,"recorded_by":"{NAME}"}}' for n in range(20))
        + "]"
    )
    [sealed] = await codec.encode([state])
    assert sealed.metadata["encoding"] == b"binary/encrypted+zlib"
    assert len(sealed.data) < len(state.SerializeToString()) / 2
    assert NAME.encode() not in sealed.SerializeToString()
    assert await codec.decode([sealed]) == [state]
    # A small one is only sealed: nothing to gain.
    [small] = await codec.encode([plain("{}")])
    assert small.metadata["encoding"] == ENCODING
    assert await codec.decode([small]) == [plain("{}")]


async def test_the_compressed_encoding_cannot_be_removed_or_added_unnoticed() -> None:
    codec = PayloadEncryption("k1", {"k1": new_key()})
    [sealed] = await codec.encode([plain(PASSPORT * 40)])
    stripped = Payload(data=sealed.data)
    stripped.metadata.update({**sealed.metadata, "encoding": ENCODING})
    with pytest.raises(PayloadKeyError, match="does not decrypt with key 'k1'"):
        await codec.decode([stripped])
    [small] = await codec.encode([plain(PASSPORT)])
    flagged = Payload(data=small.data)
    flagged.metadata.update({**small.metadata, "encoding": b"binary/encrypted+zlib"})
    with pytest.raises(PayloadKeyError, match="does not decrypt with key 'k1'"):
        await codec.decode([flagged])


# ---------------------------------------------------------------- the settings


def live(key_id: str | None = None, keys: dict[str, str] | None = None) -> Settings:
    """Production settings, every other secret set."""
    return Settings(
        environment=Environment.PRODUCTION,
        jwt_secret="a-real-secret",
        session_secret="a-real-session-secret",
        simponi_callback_secret="another-real-secret",
        payload_key_id=key_id,
        payload_keys={name: SecretStr(key) for name, key in (keys or {}).items()},
    )


def test_production_refuses_to_start_without_keys_or_with_the_development_key() -> None:
    with pytest.raises(
        ValidationError, match="SINERGI_PAYLOAD_KEYS and SINERGI_PAYLOAD_KEY_ID must"
    ):
        live()  # refused as the settings load, before any worker or API starts
    with pytest.raises(ValidationError, match="holds the development key"):
        live("k1", {"k1": DEV_KEY})
    assert isinstance(live("k1", {"k1": new_key()}).data_converter.payload_codec, PayloadEncryption)


def test_a_key_id_that_is_not_listed_or_a_short_key_is_refused_with_what_to_fix() -> None:
    with pytest.raises(ValidationError, match="SINERGI_PAYLOAD_KEY_ID must name one of"):
        live("k2", {"k1": new_key()})
    with pytest.raises(ValidationError, match="must be 32 bytes"):
        live("k1", {"k1": base64.b64encode(os.urandom(16)).decode()})
    key = new_key()
    assert key not in repr(live("k1", {"k1": key}))  # never printed with the settings


# ---------------------------------------------------------------- on the dev server


class Applicant(BaseModel):
    passport_no: str
    full_name: str


@activity.defn(name="payload_encryption_check")
async def greet(applicant: Applicant) -> str:
    return f"noted {applicant.full_name}"


@workflow.defn(name="PayloadEncryptionCheck", sandboxed=False)
class CarriesPersonalData:
    @workflow.run
    async def run(self, applicant: Applicant) -> str:
        return await workflow.execute_activity(
            greet, applicant, start_to_close_timeout=timedelta(seconds=30)
        )


async def test_an_operator_reading_history_without_the_key_sees_no_personal_data(
    dev_env: WorkflowEnvironment,
) -> None:
    address = dev_env.client.service_client.config.target_host
    settings = Settings(environment=Environment.TEST, temporal_address=address)
    client = await connect_temporal(settings)  # how the API and the workers connect
    queue = f"encryption-{uuid.uuid4().hex[:8]}"
    workflow_id = f"encryption-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client, task_queue=queue, workflows=[CarriesPersonalData], activities=[greet]
    ):
        result = await client.execute_workflow(
            CarriesPersonalData.run,
            Applicant(passport_no=PASSPORT, full_name=NAME),
            id=workflow_id,
            task_queue=queue,
        )
    assert result == f"noted {NAME}"

    history = await client.get_workflow_handle(workflow_id).fetch_history()
    stored = b"".join(event.SerializeToString() for event in history.events)
    assert b"payload_encryption_check" in stored  # the activity's name is not a payload
    assert PASSPORT.encode() not in stored and NAME.encode() not in stored

    shown = await asyncio.create_subprocess_exec(
        temporal_cli(), "workflow", "show", "--workflow-id", workflow_id,
        "--address", address, "--output", "json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(shown.communicate(), timeout=60)
    assert shown.returncode == 0, err.decode()
    assert workflow_id.encode() in out or b"WorkflowExecutionStarted" in out
    assert PASSPORT.encode() not in out and NAME.encode() not in out

    # The encrypted history replays with the key, as an auditor's download would.
    replay = await Replayer(
        workflows=[CarriesPersonalData], data_converter=CONVERTER
    ).replay_workflow(history)
    assert replay.replay_failure is None
