"""The employer's application form over HTTP (the pages as a browser without JavaScript
sends them): the rules beside the fields they refuse with nothing stored, a draft saved with
a document and resumed, a file refused by its content, the draft submitted twice at once
starting one application through the API's start, and another NIB's draft not found."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from documents.settings import DocumentSettings
from tests.api import permit_flows as flows
from tests.web.conftest import Workspace, serve_workspace
from tests.web.test_sign_in import csrf_of, sign_in

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
DRAFT = re.compile(r'action="/permohonan/draf/(DRF-[0-9A-F]{12})"')
GOOD = {
    "position_title": "Mining engineer", "position_kind": "professional",
    "work_location": "Morowali, Sulawesi Tengah", "duration_months": "24",
    "employer_category": "company", "tka_name": "Jane Doe", "passport_no": "E1234567",
    "nationality": "AU", "pendamping_name": "Budi Santoso",
    "pendamping_position": "Junior mining engineer", "province": "72", "sector": "B",
}  # fmt: skip


async def _counts(workspace: Workspace, nib: str = flows.NIB) -> tuple[int, int, int]:
    pool = workspace.api.pool
    docs = await pool.fetchval("SELECT count(*) FROM documents WHERE owner_nib = $1", nib)
    drafts = await pool.fetchval("SELECT count(*) FROM permit_drafts WHERE employer_nib = $1", nib)
    applications = await pool.fetchval(
        "SELECT count(*) FROM permit_applications WHERE employer_nib = $1", nib
    )
    return docs, drafts, applications


def _error(page: str, field: str) -> str:
    found = re.search(rf'data-testid="error-{field}">([^<]*)<', page)
    assert found, f"no error beside {field}"
    return found.group(1)


async def _post(
    client: httpx.AsyncClient, draft_id: str, token: str, action: str, fields: dict[str, str],
    files: dict[str, Any] | None = None,
) -> httpx.Response:  # fmt: skip
    data = {"csrf_token": token, "action": action, **fields}
    return await client.post(f"/permohonan/draf/{draft_id}", data=data, files=files)


async def test_the_form_refuses_beside_each_field_saves_a_draft_and_submits_it_once(
    workspace: Workspace,
) -> None:
    async with workspace.client() as client, workspace.client() as stranger:
        await sign_in(client, "pt-maju")
        form = await client.get("/permohonan/baru")
        assert form.status_code == 200
        # The rules where they apply: the closed positions, the limits with KEK, ISO codes.
        assert "hr manager" in form.text and "24 bulan" in form.text and "60 bulan" in form.text
        assert "ISO 3166 alpha-2" in form.text and "direktur atau komisaris" in form.text
        draft_id = DRAFT.search(form.text).group(1)  # type: ignore[union-attr]
        token = await csrf_of(client, "/permohonan/baru")
        before = await _counts(workspace)

        # Every rule broken at once: each refusal beside its field, nothing stored.
        broken = GOOD | {"position_title": "HR Manager", "duration_months": "30",
                         "pendamping_name": "", "pendamping_position": "",
                         "passport_no": "E 12", "nationality": "XX",
                         "province": "99"}  # fmt: skip
        scan = {"doc_passport_scan": ("paspor.pdf", PDF, "application/pdf")}
        refused = await _post(client, draft_id, token, "kirim", broken, scan)
        assert refused.status_code == 422
        assert "jabatan tertutup" not in _error(refused.text, "position_title")
        assert "tertutup bagi TKA" in _error(refused.text, "position_title")
        assert "melebihi batas 24 bulan" in _error(refused.text, "duration_months")
        assert "pendamping wajib" in _error(refused.text, "pendamping_name")
        assert "6 sampai 9" in _error(refused.text, "passport_no")
        assert "XX bukan kode negara ISO 3166" in _error(refused.text, "nationality")
        assert "Kemendagri code" in _error(refused.text, "province")
        # A field left empty or not a number: said beside it in the catalogue's words.
        empty = await _post(client, draft_id, token, "kirim",
                            GOOD | {"tka_name": "", "duration_months": "dua"})  # fmt: skip
        assert "wajib diisi" in _error(empty.text, "tka_name")
        assert "jumlah bulan" in _error(empty.text, "duration_months")
        # In a KEK, 30 months is within the limit: that refusal goes, the others stay.
        kek = await _post(client, draft_id, token, "kirim", broken | {"in_kek": "ya"})
        assert 'data-testid="error-duration_months"' not in kek.text
        assert await _counts(workspace) == before, "a refused submission stored something"

        # A draft with the passport scan; an executable named .pdf refused, nothing stored.
        partial = {"position_title": "Mining engineer"}
        bad = await _post(client, draft_id, token, "simpan", partial,
                          {"doc_cv": ("cv.pdf", ELF, "application/pdf")})  # fmt: skip
        assert bad.status_code == 422 and "PDF, JPEG or PNG" in _error(bad.text, "doc_cv")
        assert await _counts(workspace) == before
        saved = await _post(client, draft_id, token, "simpan", partial, scan)
        assert saved.status_code == 303
        resumed = await client.get(saved.headers["location"])
        assert 'data-testid="saved"' in resumed.text and 'value="Mining engineer"' in resumed.text
        assert "Sudah diunggah: paspor.pdf" in resumed.text
        listed = await client.get("/permohonan")
        assert f"/permohonan/draf/{draft_id}" in listed.text

        # Another employer: no such draft, to read or to write.
        await sign_in(stranger, "pt-lain")
        assert (await stranger.get(f"/permohonan/draf/{draft_id}")).status_code == 404
        other_token = await csrf_of(stranger, "/permohonan/baru")
        taken = await _post(stranger, draft_id, other_token, "simpan", GOOD)
        assert taken.status_code == 404

        # Submitted twice at once (a double click): one application, through the API's start.
        first, second = await asyncio.gather(
            _post(client, draft_id, token, "kirim", GOOD),
            _post(client, draft_id, token, "kirim", GOOD),
        )
        assert first.status_code == second.status_code == 303, (first.text, second.text)
        where = first.headers["location"]
        assert where == second.headers["location"] == f"/permohonan/TKA-{draft_id[4:]}"
    application_id = where.rsplit("/", 1)[1]
    docs, drafts, applications = await _counts(workspace)
    assert (docs, drafts, applications) == (before[0] + 1, before[1] + 1, before[2] + 1)
    attached = await workspace.api.pool.fetchval(
        "SELECT count(*) FROM documents WHERE application_id = $1 AND kind = 'passport_scan'",
        application_id,
    )
    assert attached == 1
    live = await flows.settled(workspace.api, application_id)
    assert live["stage"] == "document_verification"
    # Where and in which sector, for the TKA supervision reports.
    stored = await workspace.api.pool.fetchrow(
        "SELECT province_code, sector FROM permit_applications WHERE application_id = $1",
        application_id,
    )
    assert stored is not None
    assert (stored["province_code"], stored["sector"]) == ("72", "B")


async def test_a_file_over_the_limit_is_refused_beside_its_field_and_a_form_too_large_unread(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """With a 1,000-byte limit: a 2,000-byte scan is refused beside its field; a form that
    cannot fit (five documents at the limit and the fields) is refused before it is read.
    Neither stores anything."""
    documents = DocumentSettings(folder=tmp_path / "documents", max_bytes=1000)
    async with serve_workspace(pool, dev_env, documents=documents) as workspace:
        async with workspace.client() as client:
            await sign_in(client, "pt-maju")
            form = await client.get("/permohonan/baru")
            draft_id = DRAFT.search(form.text).group(1)  # type: ignore[union-attr]
            token = await csrf_of(client, "/permohonan/baru")
            big = {"doc_cv": ("cv.pdf", PDF + b"0" * 2000, "application/pdf")}
            refused = await _post(client, draft_id, token, "simpan", GOOD, big)
            assert refused.status_code == 422
            assert "limit" in _error(refused.text, "doc_cv")
            huge = {"doc_cv": ("cv.pdf", PDF + b"0" * 200_000, "application/pdf")}
            unread = await _post(client, draft_id, token, "simpan", GOOD, huge)
            assert unread.status_code == 422 and "nothing was read or stored" in unread.text
        assert await _counts(workspace) == (0, 0, 0)
        assert not list((tmp_path / "documents").glob("**/*.sealed"))
