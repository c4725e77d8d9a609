"""A notice's text in the person's language, from the Jinja2 templates in
notices/templates/{language}/{kind}.txt (first line: the subject; the rest: the body).

Dates are Jakarta dates written as the ministries write them ("2 Desember 2026", "2 December
2026"), times with the zone ("14.30 WIB"). Templates see only the notice (references, kinds,
dates) and the link: they cannot print an inmate's NIK, passport or name because none is
given to them.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import BaseModel, ConfigDict

from domain.clock import WIB
from domain.people import Language
from notices.kinds import Notice

MONTHS = {
    Language.INDONESIAN: ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
                          "Agustus", "September", "Oktober", "November", "Desember"),
    Language.ENGLISH: ("January", "February", "March", "April", "May", "June", "July",
                       "August", "September", "October", "November", "December"),
}  # fmt: skip

# What is awaited, in words (task kinds and case kinds).
LABELS: dict[Language, dict[str, str]] = {
    Language.INDONESIAN: {
        "placement_review": "Sidang TPP penempatan",
        "training_completion": "Penutupan pelatihan",
        "assessment": "Uji kompetensi",
        "appeal_review": "Banding",
        "hold_review": "Tinjauan penangguhan",
        "handover_acknowledgement": "Konfirmasi penerimaan serah terima",
        "document_verification": "Verifikasi dokumen",
        "feasibility": "Penilaian kelayakan",
        "rptka_approval": "Pengesahan RPTKA",
        "visa_decision": "Keputusan visa kerja (C312)",
        "resubmission": "Perbaikan permohonan",
        "arrival": "Kedatangan dan ITAS",
        "enrolment": "Pendaftaran program",
        "tka_permit": "Permohonan TKA",
        "journey": "Warga Binaan",
    },
    Language.ENGLISH: {
        "placement_review": "TPP placement review",
        "training_completion": "Closing the training",
        "assessment": "Competency assessment",
        "appeal_review": "Appeal",
        "hold_review": "Hold review",
        "handover_acknowledgement": "Acknowledging a release handover",
        "document_verification": "Document verification",
        "feasibility": "Feasibility assessment",
        "rptka_approval": "RPTKA approval",
        "visa_decision": "Work visa (C312) decision",
        "resubmission": "Revising the application",
        "arrival": "Arrival and ITAS",
        "enrolment": "Programme enrolment",
        "tka_permit": "TKA permit application",
        "journey": "Inmate journey",
    },
}


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    body: str
    link: str


def format_date(value: date | datetime | None, language: Language) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        value = value.astimezone(WIB).date()
    return f"{value.day} {MONTHS[language][value.month - 1]} {value.year}"


def format_time(value: datetime | None) -> str:
    if value is None:
        return "-"
    local = value.astimezone(WIB)
    return f"{local.hour:02d}.{local.minute:02d} WIB"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Plain text e-mails and in-app lines: nothing is HTML here (the workspace escapes what
    # it shows), so no autoescape; StrictUndefined makes a template naming an unknown field
    # fail in tests rather than send a blank.
    env = Environment(  # noqa: S701 - text templates, see above
        loader=PackageLoader("notices", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(notice: Notice, language: Language, base_url: str) -> Message:
    labels = LABELS[language]

    def label(key: str | None) -> str:
        return labels.get(key or "", (key or "-").replace("_", " "))

    link = base_url.rstrip("/") + notice.link_path
    text = (
        _environment()
        .get_template(f"{language.value}/{notice.kind.value}.txt")
        .render(
            n=notice,
            link=link,
            label=label,
            tanggal=lambda v: format_date(v, language),
            jam=format_time,
        )
    )
    title, _, body = text.partition("\n")
    return Message(title=title.strip(), body=body.strip() + "\n", link=link)
