"""Bad uploads: each a clear 4xx naming what to fix, nothing stored (no row, no file), nothing
on any audit chain. The size limit holds while the body streams in, not after."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.api.conftest import ApiStack
from tests.api.permit_flows import employer
from tests.documents.conftest import PDF, stored_files, upload

MB = 1024 * 1024


async def _nothing_stored(api: ApiStack) -> None:
    assert await api.pool.fetchval("SELECT count(*) FROM documents") == 0
    # Nothing on any case's chain (the uploader's own entry in the directory of people,
    # registered from their token, is not the document's).
    on_cases = "SELECT count(*) FROM audit_entries WHERE case_kind <> 'person'"
    assert await api.pool.fetchval(on_cases) == 0
    assert stored_files(api) == []


@pytest.mark.parametrize(
    ("content", "name", "status", "says"),
    [
        (b"%PDF-" + bytes(50 * MB), "big.pdf", 413, "larger than the 10 MB limit"),
        (b"MZ\x90\x00" + bytes(4096), "ijazah.pdf", 415, "a Windows executable"),
        (b"\x7fELF\x02\x01\x01" + bytes(64), "cv.pdf", 415, "a Linux executable"),
        (b"", "kosong.pdf", 422, "empty"),
        (PDF, "../../etc/паспорт 護照.pdf", 422, "must not contain '/'"),
        (PDF, "..\\ijazah\\diplôme.pdf", 422, "must not contain '/'"),
        (PDF, "ijazah\x00.pdf", 422, "control characters"),
    ],
    ids=["50MB", "exe-renamed-pdf", "elf-renamed-pdf", "zero-bytes", "slash-unicode",
         "backslash-unicode", "nul"],
)  # fmt: skip
async def test_a_bad_upload_is_refused_and_stores_nothing(
    folder_api: ApiStack, content: bytes, name: str, status: int, says: str
) -> None:
    response = await upload(folder_api, content, name=name)
    assert response.status_code == status, response.text
    assert says in response.json()["detail"]
    await _nothing_stored(folder_api)


async def test_the_size_limit_holds_while_the_body_streams(folder_api: ApiStack) -> None:
    """No Content-Length (chunked): the upload is cut off soon after the limit, not read
    to its end (50 MB)."""
    sent = 0

    async def fifty_megabytes() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b"%PDF-1.7\n"
        for _ in range(50):
            sent += MB
            yield bytes(MB)

    response = await upload(folder_api, fifty_megabytes())
    assert response.status_code == 413, response.text
    assert sent <= 11 * MB, f"read {sent // MB} MB of a 50 MB upload before refusing it"
    await _nothing_stored(folder_api)


async def test_a_unicode_name_is_kept_for_display_and_never_a_path(folder_api: ApiStack) -> None:
    name = "Ijazah Müller 学位 — 2019.pdf"
    response = await upload(folder_api, PDF, "diploma", name)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["file_name"] == name
    assert stored_files(folder_api) == [f"{stored['document_id']}.sealed"]
    opened = await folder_api.http.get(
        f"/documents/{stored['document_id']}/content", headers=employer(folder_api)
    )
    assert opened.content == PDF
    assert "UTF-8''Ijazah%20M%C3%BCller" in opened.headers["content-disposition"]
