"""The external registries as the rest of the code sees them: one interface each.

Adapters (a local simulator and an HTTP client per registry) live in `registries/`.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from domain.reference import EducationLevel


class CustodyStatus(StrEnum):
    SENTENCED = "sentenced"  # narapidana
    PRETRIAL = "pretrial"  # tahanan: not eligible for programmes
    RELEASED = "released"


class InmateRecord(BaseModel):
    """What SDP tells us about an inmate. No NIK, no name: we do not need them here."""

    model_config = ConfigDict(frozen=True)

    sdp_no: str
    status: CustodyStatus
    upt_code: str
    education: EducationLevel
    expected_release: date | None = None


class InmateQuery(BaseModel):
    """Which inmates of one UPT to list: by SDP number prefix, in SDP number order."""

    model_config = ConfigDict(frozen=True)

    upt_code: str
    sdp_prefix: str = ""
    limit: int = Field(default=50, ge=1, le=200)
    after: str | None = None  # the last SDP number of the previous page (keyset)


class InmatePage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: tuple[InmateRecord, ...]


class SdpRegistry(Protocol):
    """Sistem Database Pemasyarakatan: the corrections database."""

    async def get_inmate(self, sdp_no: str) -> InmateRecord | None: ...

    async def list_inmates(self, query: InmateQuery) -> InmatePage:
        """The inmates SDP holds at `query.upt_code` (released ones are not held anywhere)."""
        ...


class CertificationSubmission(BaseModel):
    """Assessment results submitted to BNSP through the LSP. The key makes resubmits safe."""

    model_config = ConfigDict(frozen=True)

    idempotency_key: str = Field(min_length=1)
    enrolment_id: str
    scheme_code: str
    lsp_code: str
    unit_codes: tuple[str, ...]
    assessed_on: date


class SubmissionReceipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    submission_ref: str


class CertificateLookup(BaseModel):
    model_config = ConfigDict(frozen=True)

    submission_ref: str


class IssuedCertificate(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str
    issued_on: date
    valid_until: date


class CertificateLookupResult(BaseModel):
    """BNSP's answer: a certificate, or None while it is still being processed."""

    model_config = ConfigDict(frozen=True)

    certificate: IssuedCertificate | None = None


class BnspRegistry(Protocol):
    """BNSP: registers and numbers competency certificates."""

    async def submit(self, submission: CertificationSubmission) -> SubmissionReceipt: ...

    async def lookup(self, lookup: CertificateLookup) -> CertificateLookupResult: ...
