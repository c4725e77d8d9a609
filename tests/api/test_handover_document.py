"""The handover package as a stored PDF: served to the handover's receiver (scoped like GET
/handovers/{id}); rendered once, stored encrypted and content-addressed under the state dir,
its SHA-256 on the journey's audit chain; its QR code opens the public check, whose page
names no prison."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx
import pypdfium2 as pdfium
import zxingcpp
from temporalio.testing import WorkflowEnvironment

from api.auth import mint_dev_token
from api.main import create_app
from config.settings import Environment, Settings
from db import audit_trail
from db import journeys as journey_db
from domain.audit_chain import chain_id
from domain.custody import ReleaseKind
from domain.enrolment import Outcome, Stage
from domain.identity import Role, Scope
from domain.journey import (
    CertificateEntry,
    Handover,
    HandoverPackage,
    HandoverReceiver,
    JourneyEvent,
    JourneyEventKind,
    JourneyStatus,
    SkillsProfile,
    TrainingRecord,
)
from registries.sdp import SdpSimulator

NUMBER = "BNSP/SKM-BARISTA-2024/2026/000555"
T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
BASE = "https://cek.sinergi.example.go.id"


async def _handover(pool: asyncpg.Pool) -> str:
    record = TrainingRecord(
        enrolment_id="ENR-DOC-1", programme_code="BARISTA", outcome=Outcome.CERTIFIED,
        stage_at_close=Stage.CERTIFICATION, closed_at=T0 - timedelta(days=3),
        attendance_present=20, attendance_recorded=20, modules_completed=["BAR-M1-HYGIENE"],
        competent_units=[],
    )  # fmt: skip
    package = HandoverPackage(
        inmate_sdp_no="CPN-2024-00123",
        release_kind=ReleaseKind.PB,
        released_at=T0,
        last_upt="LP-CIPINANG",
        certificates=[
            CertificateEntry(
                programme_code="BARISTA",
                number=NUMBER,
                issued_on=date(2026, 11, 20),
                valid_until=date(2029, 11, 20),
            )
        ],
        training_records=[record],
        skills_profile=SkillsProfile(
            certified_programmes=["BARISTA"], competent_units=[], unfinished_programmes=[]
        ),
    )
    handover = Handover(
        handover_id="JRN-DOC:bapas", receiver=HandoverReceiver.BAPAS, bapas_code="BP-JAKBAR",
        sent_at=T0, due_at=T0 + timedelta(days=7),
    )  # fmt: skip
    event = JourneyEvent(
        event_id="JRN-DOC:1", journey_id="JRN-DOC", workflow_id="journey-CPN-2024-00123",
        inmate_sdp_no="CPN-2024-00123", seq=1, kind=JourneyEventKind.HANDOVER_SENT, at=T0,
        upt_code="LP-CIPINANG", status=JourneyStatus.HANDOVER, handover=handover,
        package=package,
    )  # fmt: skip
    async with pool.acquire() as conn:
        await journey_db.apply_event(conn, event)
    return handover.handover_id


async def test_the_package_pdf_is_stored_once_chained_and_served_to_its_receiver(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    handover_id = await _handover(pool)
    settings = Settings(environment=Environment.TEST, state_dir=tmp_path, public_base_url=BASE)
    app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=SdpSimulator.default())

    def as_(role: Role, **scope: str) -> dict[str, str]:
        token = mint_dev_token(settings, f"{role.value}-1", [role], Scope.model_validate(scope))
        return {"Authorization": f"Bearer {token}"}

    pk = as_(Role.BAPAS_OFFICER, bapas="BP-JAKBAR")
    path = f"/handovers/{handover_id}/package.pdf"
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        first = await http.get(path, headers=pk)
        again = await http.get(path, headers=pk)
        other_bapas = await http.get(path, headers=as_(Role.BAPAS_OFFICER, bapas="BP-BANDUNG"))
        caseworker = await http.get(path, headers=as_(Role.CASEWORKER, upt="LP-CIPINANG"))
        stored = next((tmp_path / "documents").rglob("*"))
        while stored.is_dir():
            stored = next(stored.iterdir())
        stored.unlink()  # lost from the folder: rebuilt identically
        rebuilt = await http.get(path, headers=pk)
        pdf = first.content
        qr = [
            b.text
            for b in zxingcpp.read_barcodes(pdfium.PdfDocument(pdf)[0].render(scale=4).to_pil())
        ]
        target = urlsplit(qr[0])
        public = await http.get(f"{target.path}?{target.query}")

    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/pdf"
    assert (other_bapas.status_code, caseworker.status_code) == (403, 403)
    assert again.content == pdf == rebuilt.content
    sha = hashlib.sha256(pdf).hexdigest()
    assert first.headers["X-Content-SHA256"] == sha
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert NUMBER in text and "Paket Serah Terima" in text
    assert qr == [f"{BASE}/cek-sertifikat?no=BNSP%2FSKM-BARISTA-2024%2F2026%2F000555"]
    # at rest: encrypted, named by its hash
    assert stored.name == sha
    assert await pool.fetchval("SELECT count(*) FROM rendered_documents") == 1
    rows = await pool.fetch(
        "SELECT kind, detail FROM audit_entries WHERE chain_id = $1 ORDER BY seq",
        chain_id("journey", "JRN-DOC"),
    )
    assert [r["kind"] for r in rows] == ["handover_sent", "handover_document_stored"]
    assert f'"sha256": "{sha}"' in rows[1]["detail"]
    assert (await audit_trail.verify(pool, chain=chain_id("journey", "JRN-DOC"))).ok
    # the QR's page: the form, with the number filled in and nothing of the prison
    assert public.status_code == 200 and 'value="BNSP/SKM-BARISTA-2024/2026/000555"' in public.text
    for upt in await pool.fetch("SELECT code, name FROM upts"):
        assert upt["code"] not in public.text and upt["name"] not in public.text


async def test_the_file_at_rest_is_not_the_pdf(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    handover_id = await _handover(pool)
    settings = Settings(environment=Environment.TEST, state_dir=tmp_path)
    app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=SdpSimulator.default())
    token = mint_dev_token(settings, "aud-1", [Role.AUDITOR], Scope())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        served = await http.get(
            f"/handovers/{handover_id}/package.pdf", headers={"Authorization": f"Bearer {token}"}
        )
    assert served.status_code == 200 and served.content.startswith(b"%PDF")
    [at_rest] = [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    raw = at_rest.read_bytes()
    assert not raw.startswith(b"%PDF") and NUMBER.encode() not in raw
    assert served.content not in raw
