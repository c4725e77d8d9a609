"""The public certificate check: anyone holding a competency certificate number and its
holder's date of birth learns whether it is valid, and nothing of where it was earned.

domain.md: "A BNSP certificate says nothing of where it was earned". The answer names the
holder by initials only, the scheme and its units, the issuing LSP and the dates; never the
prison, the UPT, the sentence or the SDP number. An unknown number and a wrong date of birth
answer alike (the same status and body), so the check cannot be used to learn which
numbers exist.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# What an unknown number and a wrong date of birth both answer (Indonesian first).
NOT_FOUND_ID = "Sertifikat tidak ditemukan, atau tanggal lahir tidak cocok."
NOT_FOUND_EN = "No certificate matches this number and date of birth."


class CheckOutcome(StrEnum):
    """How a look-up ended, as counted (never who asked)."""

    VALID = "valid"
    EXPIRED = "expired"
    UNKNOWN_NUMBER = "unknown_number"
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"
    RATE_LIMITED = "rate_limited"


class CertificateCheckRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    certificate_number: str = Field(
        min_length=3,
        max_length=100,
        description="as printed, e.g. BNSP/SKM-BARISTA-2024/2026/000001",
    )
    birth_date: date = Field(description="the holder's date of birth, YYYY-MM-DD")


class UnitLine(BaseModel):
    code: str
    title: str


class CertificateCheckAnswer(BaseModel):
    """A certificate found, for a matching date of birth."""

    certificate_number: str
    valid: bool  # issued and not yet expired today
    status: CheckOutcome  # VALID or EXPIRED
    holder_initials: str
    scheme_code: str
    scheme_name: str
    units: list[UnitLine]
    lsp_code: str
    lsp_name: str
    issued_on: date
    valid_until: date


def initials(full_name: str) -> str:
    """'Agus Setiawan' -> 'A. S.': enough to match a person in front of you, no more."""
    return " ".join(f"{part[0].upper()}." for part in full_name.split() if part[:1].isalpha())


def outcome_on(valid_until: date, today: date) -> CheckOutcome:
    return CheckOutcome.VALID if today <= valid_until else CheckOutcome.EXPIRED
