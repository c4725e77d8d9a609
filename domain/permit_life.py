"""The active TKA permit's life after the ITAS: annual reports, extensions, and the changes
that need a new application. Vocabulary shared by the workflow, its validators and the API.

domain.md: an annual report on the use of the TKA is due each year of the permit; an
extension filed at least 30 working days before expiry goes through verification and
approval again (the permit continues meanwhile; refused or undecided, it ends at expiry);
early termination ends the ITAS with an EPO; a change of position or work location needs a
new application.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.identity import Actor, HumanInput

# Running permits that reached the active stage before this existed keep the reminder-only
# loop (their histories replay); new and continued-as-new runs take the steps below.
LIFE_PATCH = "permit-life-v1"

# The employer's "pay DKPTKA" inbox task (before it, the payment had no task).
PAYMENT_TASK_PATCH = "permit-payment-task-v1"
PAYMENT_TASK = "payment"

# DKPTKA for an approved extension's new period: a bill and a "pay DKPTKA" task before SIMKIM
# extends the ITAS (before it, an approved extension was granted at once, unbilled).
EXTENSION_BILLING_PATCH = "permit-extension-billing-v1"

# Inbox task kinds of the active permit.
ANNUAL_REPORT_TASK = "annual_report"
EXTENSION_VERIFICATION_TASK = "extension_verification"
EXTENSION_APPROVAL_TASK = "extension_approval"

# A document reference: the workflow carries ids and hashes, never the bytes.
DOCUMENT_ID_PATTERN = r"^DOC-[0-9A-F]{20}$"


class DocumentRef(BaseModel):
    """A stored document as a workflow knows it: its opaque id, kind and SHA-256."""

    model_config = ConfigDict(frozen=True)

    document_id: str = Field(pattern=DOCUMENT_ID_PATTERN)
    kind: str = Field(min_length=2, max_length=40)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


# ---------------------------------------------------------------- human inputs (updates)


class AnnualReportFields(BaseModel):
    model_config = ConfigDict(frozen=True)

    year: int = Field(ge=1, le=20, description="which year of the permit the report covers")
    reason: str = Field(
        min_length=3, max_length=4000, description="the report: the TKA's work, the pendamping"
    )
    document_ids: list[str] = Field(default=[], max_length=10)


class AnnualReportSubmission(AnnualReportFields, HumanInput):
    documents: list[DocumentRef] = []  # resolved by the API from document_ids


class ExtensionRequestFields(BaseModel):
    model_config = ConfigDict(frozen=True)

    months: int = Field(ge=1, le=120, description="the new period, from the day after expiry")
    reason: str = Field(min_length=3, max_length=2000)
    document_ids: list[str] = Field(default=[], max_length=10)


class ExtensionRequest(ExtensionRequestFields, HumanInput):
    documents: list[DocumentRef] = []


class ExtensionChoice(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ExtensionDecisionFields(BaseModel):
    model_config = ConfigDict(frozen=True)

    decision: ExtensionChoice
    reason: str = Field(min_length=3, max_length=2000)


class ExtensionDecision(ExtensionDecisionFields, HumanInput):
    pass


class ChangeRequestFields(BaseModel):
    """A change of the permit's position or work location (always refused: a new
    application is needed)."""

    model_config = ConfigDict(frozen=True)

    position_title: str | None = Field(default=None, min_length=2, max_length=200)
    work_location: str | None = Field(default=None, min_length=2, max_length=200)
    reason: str = Field(min_length=3, max_length=2000)


class ChangeRequest(ChangeRequestFields, HumanInput):
    pass


# ---------------------------------------------------------------- state


class AnnualReport(BaseModel):
    """The report on year `year`, asked for on the permit's anniversary `period_end`."""

    year: int
    period_end: date
    due_at: datetime
    task_id: str | None = None
    task_open: bool = False
    escalated: bool = False
    submitted_at: datetime | None = None
    submitted_by: Actor | None = None
    summary: str | None = None
    documents: list[DocumentRef] = []


class ExtensionStep(StrEnum):
    VERIFICATION = "verification"  # Kemnaker verifier
    APPROVAL = "approval"  # Kemnaker director
    PAYMENT = "payment"  # DKPTKA for the new period (since EXTENSION_BILLING_PATCH)
    GRANTING = "granting"  # SIMKIM extends the ITAS
    GRANTED = "granted"
    REFUSED = "refused"
    LAPSED = "lapsed"  # not decided before the permit ended


OPEN_EXTENSION_STEPS = frozenset(
    {
        ExtensionStep.VERIFICATION,
        ExtensionStep.APPROVAL,
        ExtensionStep.PAYMENT,
        ExtensionStep.GRANTING,
    }
)


class ExtensionRound(BaseModel):
    number: int  # 1, 2, ...
    period: int  # how many extensions had been granted when it was requested
    months: int
    requested_at: datetime
    requested_by: Actor
    reason: str
    documents: list[DocumentRef] = []
    step: ExtensionStep = ExtensionStep.VERIFICATION
    task_id: str | None = None
    task_due: datetime | None = None
    escalated: bool = False
    decided_reason: str | None = None
    new_valid_until: date | None = None
    # The new period's DKPTKA bill (also the case's current `billing`) and its payment.
    billing_code: str | None = None
    amount_usd: int | None = None
    payment_due: datetime | None = None
    payment_id: str | None = None
