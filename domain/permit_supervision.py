"""Where a TKA works and in which sector: the two facts the TKA supervision reports group by
(the seeds: "meningkatkan pengawasan terhadap keberadaan TKA di Indonesia").

- The province of the work location, by its Kemendagri area code (kode wilayah, two digits,
  the 38 provinces since the 2022 Papua split). Province names are proper names: the same in
  both languages.
- The employer's business sector, by its KBLI 2020 section (A..U), the letter an NIB's
  business lines start from. The sections' names are in the catalogue (`sector.A`, ...).

Both are optional on an application: applications submitted before they existed (and
running workflows started from them) have neither, and the reports count them as "not
recorded" rather than guess from the free-text work location.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import MaxLen
from pydantic import AfterValidator, ValidationInfo

from domain.text import RECORDED

PROVINCES: dict[str, str] = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau",
    "15": "Jambi", "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung",
    "19": "Kepulauan Bangka Belitung", "21": "Kepulauan Riau", "31": "DKI Jakarta",
    "32": "Jawa Barat", "33": "Jawa Tengah", "34": "DI Yogyakarta", "35": "Jawa Timur",
    "36": "Banten", "51": "Bali", "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat", "62": "Kalimantan Tengah", "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur", "65": "Kalimantan Utara", "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah", "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara",
    "75": "Gorontalo", "76": "Sulawesi Barat", "81": "Maluku", "82": "Maluku Utara",
    "91": "Papua", "92": "Papua Barat", "93": "Papua Selatan", "94": "Papua Tengah",
    "95": "Papua Pegunungan", "96": "Papua Barat Daya",
}  # fmt: skip

# KBLI 2020 sections (Peraturan BPS 2/2020).
SECTORS = tuple("ABCDEFGHIJKLMNOPQRSTU")

# The reports' bucket for applications without a province or a sector.
NOT_RECORDED = "-"


def _province(value: str, info: ValidationInfo) -> str:
    if info.context and info.context.get(RECORDED):
        return value
    code = value.strip()
    if code not in PROVINCES:
        raise ValueError(
            f"{value!r} is not a province's Kemendagri code (two digits, e.g. 31 for DKI "
            "Jakarta, 36 for Banten, 72 for Sulawesi Tengah)"
        )
    return code


def _sector(value: str, info: ValidationInfo) -> str:
    if info.context and info.context.get(RECORDED):
        return value
    code = value.strip().upper()
    if code not in SECTORS:
        raise ValueError(
            f"{value!r} is not a KBLI 2020 section (one letter A..U, e.g. C for "
            "manufacturing, B for mining)"
        )
    return code


# A bound on what is read at all; the validators say what a right value looks like.
ProvinceCode = Annotated[str, MaxLen(40), AfterValidator(_province)]
KbliSection = Annotated[str, MaxLen(40), AfterValidator(_sector)]


def province_name(code: str | None) -> str:
    return PROVINCES.get(code or "", NOT_RECORDED)
