"""The release handover package as a PDF, in Indonesian: the certificates (each with its
units and a QR code linking to the public certificate check), the training records and the
skills profile. Rendered server-side with reportlab (pure pip), deterministically
(`invariant`): the same package renders to the same bytes, so its hash names it.

The certificate part says nothing of where it was earned (domain.md, "After release"): no
UPT, no sentence; its QR code carries the certificate number only.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from urllib.parse import quote

from pydantic import BaseModel
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from domain.certificate_check import UnitLine
from domain.enrolment import Outcome
from domain.journey import HandoverPackage

_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember")  # fmt: skip
_RELEASE = {"free": "Bebas murni", "pb": "Pembebasan Bersyarat", "cb": "Cuti Bersyarat",
            "cmb": "Cuti Menjelang Bebas"}  # fmt: skip
_OUTCOME = {
    Outcome.CERTIFIED: "Bersertifikat",
    Outcome.NOT_COMPETENT: "Belum kompeten",
    Outcome.WITHDRAWN: "Mengundurkan diri",
    Outcome.REJECTED: "Tidak diterima",
    Outcome.UNFINISHED_AT_RELEASE: "Belum selesai saat bebas",
}
_QR_SIZE = 34 * mm


class ProgrammeFacts(BaseModel):
    """What the reference data says of a programme: its name, scheme and units."""

    name: str
    scheme_code: str
    units: list[UnitLine]


def check_url(public_base_url: str, certificate_number: str) -> str:
    """The public check's page for one certificate: the number only, nothing else."""
    return f"{public_base_url.rstrip('/')}/cek-sertifikat?no={quote(certificate_number, safe='')}"


def tanggal(day: date) -> str:
    """'2 Desember 2026'."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _qr(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(_QR_SIZE, _QR_SIZE, transform=[_QR_SIZE / (x1 - x0), 0, 0,
                                                     _QR_SIZE / (y1 - y0), 0, 0])  # fmt: skip
    drawing.add(widget)
    return drawing


def render_handover_package(
    package: HandoverPackage,
    programmes: Mapping[str, ProgrammeFacts],
    public_base_url: str,
) -> bytes:
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8.5, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title="Paket Serah Terima", author="Sinergi", invariant=1,
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
    )  # fmt: skip
    story: list[Flowable] = [
        Paragraph("Paket Serah Terima Pembebasan", styles["Title"]),
        Paragraph(
            f"Jenis pembebasan: {_RELEASE[package.release_kind.value]} &middot; "
            f"tanggal {tanggal(package.released_at.date())}",
            styles["BodyText"],
        ),
        Spacer(1, 6 * mm),
        Paragraph("Sertifikat Kompetensi (BNSP)", styles["Heading2"]),
    ]
    if not package.certificates:
        story.append(Paragraph("Belum ada sertifikat kompetensi.", styles["BodyText"]))
    for cert in package.certificates:
        facts = programmes.get(cert.programme_code)
        name = facts.name if facts else cert.programme_code
        lines = [
            Paragraph(f"<b>{name}</b>", styles["BodyText"]),
            Paragraph(f"Nomor sertifikat: <b>{cert.number}</b>", styles["BodyText"]),
            Paragraph(f"Skema: {facts.scheme_code if facts else '-'}", small),
            Paragraph(
                f"Terbit {tanggal(cert.issued_on)}, berlaku sampai {tanggal(cert.valid_until)}",
                small,
            ),
            Paragraph("Unit kompetensi:", small),
            *[
                Paragraph(f"&bull; {u.code} {u.title}", small)
                for u in (facts.units if facts else [])
            ],
            Paragraph("Pindai kode QR untuk memeriksa keabsahan sertifikat.", small),
        ]
        row = Table([[lines, _qr(check_url(public_base_url, cert.number))]],
                    colWidths=[doc.width - _QR_SIZE - 6 * mm, _QR_SIZE + 6 * mm])  # fmt: skip
        row.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("BOX", (0, 0), (-1, -1), 0.6, colors.grey)]))  # fmt: skip
        story += [row, Spacer(1, 4 * mm)]
    story.append(Paragraph("Catatan Pelatihan", styles["Heading2"]))
    rows: list[list[object]] = [["Program", "Hasil", "Kehadiran", "Modul selesai", "Rujukan"]]
    for record in package.training_records:
        facts = programmes.get(record.programme_code)
        rows.append([
            Paragraph(facts.name if facts else record.programme_code, small),
            Paragraph(_OUTCOME[record.outcome], small),
            f"{record.attendance_present}/{record.attendance_recorded}",
            str(len(record.modules_completed)),
            Paragraph(record.referral or "-", small),
        ])  # fmt: skip
    table = Table(rows, repeatRows=1, colWidths=[45 * mm, 35 * mm, 22 * mm, 25 * mm, None])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # fmt: skip
    profile = package.skills_profile
    story += [
        table,
        Spacer(1, 4 * mm),
        Paragraph("Profil Keterampilan", styles["Heading2"]),
        Paragraph(f"Unit kompeten: {', '.join(profile.competent_units) or '-'}", small),
        Paragraph(
            f"Program belum selesai: {', '.join(profile.unfinished_programmes) or '-'}", small
        ),
    ]
    doc.build(story)
    return out.getvalue()
