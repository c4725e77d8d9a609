"""The handover package as a PDF: it renders, in Indonesian, with every certificate number;
each certificate's QR code decodes to the public check's URL for that number; the same
package renders to the same bytes (its hash names it); the certificate part names no UPT."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pypdfium2 as pdfium
import zxingcpp

from documents.handover_pdf import ProgrammeFacts, check_url, render_handover_package
from domain.certificate_check import UnitLine
from domain.custody import ReleaseKind
from domain.enrolment import Outcome, Stage
from domain.journey import CertificateEntry, HandoverPackage, SkillsProfile, TrainingRecord

BASE = "https://sinergi.example.go.id"
NUMBER = "BNSP/SKM-BARISTA-2024/2026/000101"
UNITS = [
    UnitLine(code="I.56BAR00.001.1", title="Menyiapkan peralatan kopi"),
    UnitLine(code="I.56BAR00.002.1", title="Membuat espresso"),
]
PROGRAMMES = {
    "BARISTA": ProgrammeFacts(name="Barista", scheme_code="SKM-BARISTA-2024", units=UNITS)
}


def package() -> HandoverPackage:
    closed = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    record = TrainingRecord(
        enrolment_id="ENR-1", programme_code="BARISTA", outcome=Outcome.CERTIFIED,
        stage_at_close=Stage.CERTIFICATION, closed_at=closed, attendance_present=19,
        attendance_recorded=20, modules_completed=["BAR-M1", "BAR-M2"],
        competent_units=[u.code for u in UNITS],
        certificate=None,
    )  # fmt: skip
    return HandoverPackage(
        inmate_sdp_no="CPN-2024-00123",
        release_kind=ReleaseKind.PB,
        released_at=datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
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
            certified_programmes=["BARISTA"],
            competent_units=[u.code for u in UNITS],
            unfinished_programmes=[],
        ),
    )


def test_the_pdf_renders_with_the_number_and_a_qr_code_to_the_check() -> None:
    pdf = render_handover_package(package(), PROGRAMMES, BASE)
    assert pdf.startswith(b"%PDF")
    document = pdfium.PdfDocument(pdf)
    page = document[0]
    text = page.get_textpage().get_text_range()
    assert NUMBER in text
    for words in ("Paket Serah Terima", "Sertifikat Kompetensi", "Pembebasan Bersyarat",
                  "20 November 2026", "Membuat espresso", "Catatan Pelatihan"):  # fmt: skip
        assert words in text, words
    assert "LP-CIPINANG" not in text and "Lapas" not in text and "Cipinang" not in text
    image = page.render(scale=4).to_pil()
    decoded = [b.text for b in zxingcpp.read_barcodes(image)]
    assert decoded == [check_url(BASE, NUMBER)]
    assert decoded[0] == f"{BASE}/cek-sertifikat?no=BNSP%2FSKM-BARISTA-2024%2F2026%2F000101"


def test_the_same_package_renders_to_the_same_bytes() -> None:
    assert render_handover_package(package(), PROGRAMMES, BASE) == render_handover_package(
        package(), PROGRAMMES, BASE
    )
