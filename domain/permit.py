"""Process B, TKA permits: the vocabulary its workflow, activities, workers and API share.

One application per foreign worker (TKA), from the employer's submission to an active permit
and its end. The workflow runs on Kemnaker's task queue; Imigrasi's steps (the SIMKIM
notification, the travel-ban and background checks, visa, ITAS and EPO numbers) run as
activities on Imigrasi's queue, so only Imigrasi's worker calls Imigrasi's systems.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from domain.country import CountryCode
from domain.dates import HappenedAt, PlausibleDate
from domain.enrolment import AwaitedWork, Escalation
from domain.identity import Actor, HumanInput, Role
from domain.permit_life import AnnualReport, DocumentRef, ExtensionRound
from domain.permit_policy import PermitPolicy
from domain.permit_supervision import KbliSection, ProvinceCode
from domain.text import Code, Name, Reason

WORKFLOW_KIND = "tka_permit"
KEMNAKER_TASK_QUEUE = "sinergi-kemnaker"
IMIGRASI_TASK_QUEUE = "sinergi-imigrasi"

# Activity names: the workflow calls activities by name so it never imports the I/O code.
# Kemnaker's side (Kemnaker's queue): the read model, SIMPONI billing, reminders, dates.
RECORD_PERMIT_EVENT = "record_permit_event"
CREATE_BILLING = "simponi_create_billing"
WRITE_PERMIT_REMINDER = "write_permit_reminder"
COMPUTE_WORKING_DAYS_BEFORE = "compute_working_days_before"
# Imigrasi's side (Imigrasi's queue only): SIMKIM.
NOTIFY_SIMKIM = "simkim_notify"
RUN_IMMIGRATION_CHECKS = "simkim_run_checks"
ISSUE_VISA = "simkim_issue_visa"
ISSUE_ITAS = "simkim_issue_itas"
ISSUE_EPO = "simkim_issue_epo"
# The failure type of a SIMKIM call for a reference SIMKIM does not know (it lost the
# notification): the workflow notifies again under the same key and asks once more.
SIMKIM_UNKNOWN_REFERENCE = "SimkimUnknownReference"


def permit_workflow_id(application_id: str) -> str:
    return f"permit-{application_id}"


def payment_update_id(payment_id: str) -> str:
    """One payment confirmation is one Update, however often SIMPONI delivers it."""
    return f"payment-{payment_id}"


class Stage(StrEnum):
    DOCUMENT_VERIFICATION = "document_verification"
    REVISION = "revision"  # the employer resubmits within the revision window
    FEASIBILITY = "feasibility"
    PAYMENT = "payment"
    RPTKA_APPROVAL = "rptka_approval"
    IMMIGRATION_CHECKS = "immigration_checks"  # the hand-off: Imigrasi's worker runs these
    VISA_DECISION = "visa_decision"
    VISA_HOLD = "visa_hold"  # documents missing: the employer resubmits
    AWAITING_ARRIVAL = "awaiting_arrival"
    ACTIVE = "active"
    CLOSED = "closed"


class Outcome(StrEnum):
    ENDED = "ended"  # the permit ran to its expiry
    TERMINATED = "terminated"  # ended early: exit permit only (EPO)
    REJECTED = "rejected"  # by Kemnaker: verification, feasibility or RPTKA
    VISA_REJECTED = "visa_rejected"
    LAPSED = "lapsed"  # no resubmission within the window, or no arrival on the visa
    EXPIRED = "expired"  # DKPTKA unpaid by the deadline


class PositionKind(StrEnum):
    DIRECTOR = "director"
    COMMISSIONER = "commissioner"
    MANAGER = "manager"
    PROFESSIONAL = "professional"
    TECHNICIAN = "technician"
    EDUCATOR = "educator"


# Who the employer is, for the DKPTKA exemption (PP 34/2021 art. 39).
class EmployerCategory(StrEnum):
    COMPANY = "company"
    GOVERNMENT = "government"
    FOREIGN_MISSION = "foreign_mission"
    INTERNATIONAL_BODY = "international_body"
    SOCIAL_RELIGIOUS = "social_religious"
    EDUCATION = "education"


# ---------------------------------------------------------------- the application


class Pendamping(BaseModel):
    """The Indonesian companion worker trained for the TKA's job."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    position: Name


class PermitApplicationFields(BaseModel):
    """What the employer sends. The NIB is the employer's, taken from its token."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    position_title: Name
    position_kind: PositionKind
    tka_name: Name
    passport_no: Code = Field(max_length=32)  # checked by the submission rule
    nationality: CountryCode = Field(description="ISO 3166-1 alpha-2 code, e.g. IN")
    duration_months: StrictInt = Field(ge=1, le=120)  # bounded by the submission rule
    work_location: Name
    # For the TKA supervision reports (domain/permit_supervision.py); optional, because
    # applications sent before they existed have neither.
    province: ProvinceCode | None = Field(
        default=None, description="the work location's province: Kemendagri code, e.g. 36"
    )
    sector: KbliSection | None = Field(
        default=None, description="the employer's business sector: KBLI 2020 section, e.g. C"
    )
    in_kek: StrictBool = False  # special economic zone: a longer permit is allowed
    pendamping: Pendamping | None = None
    employer_category: EmployerCategory = EmployerCategory.COMPANY
    # Uploaded first (POST /documents): passport scan, CV, diploma, pendamping statement,
    # RPTKA plan. The workflow gets their references (id, kind, SHA-256), never the bytes.
    document_ids: list[Code] = Field(default=[], max_length=20)


class PermitApplication(PermitApplicationFields):
    """Everything the workflow needs, snapshotted at submission (after the rules passed)."""

    application_id: str
    employer_nib: str
    submitted_by: Actor
    policy: PermitPolicy = PermitPolicy()
    # Where Imigrasi's activities are scheduled: configuration, snapshotted like the policy.
    imigrasi_task_queue: str = IMIGRASI_TASK_QUEUE
    documents: list[DocumentRef] = []


# ---------------------------------------------------------------- human inputs (updates)


class VerificationChoice(StrEnum):
    APPROVE = "approve"
    REQUEST_REVISION = "request_revision"
    REJECT = "reject"


class VerificationFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: VerificationChoice
    reason: Reason


class VerificationDecision(VerificationFields, HumanInput):
    pass


class ResubmissionFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    documents: list[Code] = Field(min_length=1, max_length=50)  # what was added or corrected
    reason: Reason
    # New versions of documents (uploaded first); each replaces the one of its kind.
    document_ids: list[Code] = Field(default=[], max_length=20)


class Resubmission(ResubmissionFields, HumanInput):
    document_refs: list[DocumentRef] = []


class FeasibilityChoice(StrEnum):
    FEASIBLE = "feasible"
    NOT_FEASIBLE = "not_feasible"


class FeasibilityFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: FeasibilityChoice
    reason: Reason


class FeasibilityDecision(FeasibilityFields, HumanInput):
    pass


class ApprovalChoice(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RptkaFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: ApprovalChoice
    reason: Reason


class RptkaDecision(RptkaFields, HumanInput):
    pass


class VisaChoice(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HOLD = "hold"  # documents missing: the employer resubmits


class VisaFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: VisaChoice
    reason: Reason


class VisaDecision(VisaFields, HumanInput):
    pass


class ArrivalFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    arrived_on: PlausibleDate
    port_of_entry: Code
    reason: Reason = "arrival checked at the port"


class ArrivalRecord(ArrivalFields, HumanInput):
    pass


class TerminationFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: Reason


class Termination(TerminationFields, HumanInput):
    pass


class PaymentConfirmation(BaseModel):
    """SIMPONI's confirmation, delivered by the payments callback (not a person)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    payment_id: Code
    billing_code: Code
    amount_usd: StrictInt = Field(ge=0, le=10_000_000)
    paid_at: HappenedAt


# ---------------------------------------------------------------- state


class Billing(BaseModel):
    billing_code: str
    amount_usd: int
    due_at: datetime


class ImmigrationChecks(BaseModel):
    """What Imigrasi's systems said about the TKA; the officer decides on it."""

    model_config = ConfigDict(frozen=True)

    simkim_ref: str
    travel_ban: bool
    background_clear: bool
    detail: str = ""


class Permit(BaseModel):
    visa_number: str | None = None
    itas_number: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    epo_number: str | None = None


class PermitState(BaseModel):
    """The whole case as the query returns it and the API answers with it."""

    application_id: str
    employer_nib: str
    stage: Stage
    outcome: Outcome | None = None
    revision_rounds: int = 0
    revision_due: datetime | None = None
    exempt: bool = False
    billing: Billing | None = None
    payment_id: str | None = None
    rptka_number: str | None = None
    checks: ImmigrationChecks | None = None
    visa_holds: int = 0
    permit: Permit = Permit()
    reminders_sent: list[str] = []
    awaiting: AwaitedWork | None = None
    escalations: list[Escalation] = []
    closed_reason: str | None = None
    # Events sent to the read model so far: it has caught up once it holds this many.
    event_count: int = 0
    extension_reminder_on: date | None = None  # 30 working days before expiry
    continued: int = 0  # how many times the workflow continued as new
    # The active permit's steps (`domain/permit_life.py`); False on runs that reached the
    # active stage before them (those only send reminders).
    life: bool = False
    annual_reports: list[AnnualReport] = []
    extensions: list[ExtensionRound] = []


class PermitRun(BaseModel):
    """The workflow's one argument: the application, and the state to resume from when the
    workflow continued as new (a permit runs for years)."""

    model_config = ConfigDict(frozen=True)

    application: PermitApplication
    resume: PermitState | None = None


# ---------------------------------------------------------------- activities' models


class BillingRequest(BaseModel):
    """A DKPTKA bill; the key makes a retried request return the same billing code."""

    model_config = ConfigDict(frozen=True)

    idempotency_key: str = Field(min_length=1)
    application_id: str
    employer_nib: str
    amount_usd: int = Field(ge=1)
    expires_at: datetime


class BillingCode(BaseModel):
    model_config = ConfigDict(frozen=True)

    billing_code: str


class KemnakerNotification(BaseModel):
    """The approved RPTKA, sent to SIMKIM: what Imigrasi needs to process the visa."""

    model_config = ConfigDict(frozen=True)

    idempotency_key: str
    application_id: str
    rptka_number: str
    employer_nib: str
    passport_no: str
    nationality: str
    position_title: str
    duration_months: int


class SimkimReceipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    simkim_ref: str


class ChecksRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    simkim_ref: str
    passport_no: str
    nationality: str


class DocumentRequest(BaseModel):
    """Ask SIMKIM for a numbered document (visa, ITAS, EPO); the key makes it once."""

    model_config = ConfigDict(frozen=True)

    idempotency_key: str
    simkim_ref: str
    valid_from: date | None = None
    valid_until: date | None = None


class DocumentNumber(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: str


class ReminderKind(StrEnum):
    ANNUAL_REPORT = "annual_report"
    EXTENSION = "extension"


class PermitReminder(BaseModel):
    """A reminder to the employer, written to the outbox once (message_id is deterministic)."""

    model_config = ConfigDict(frozen=True)

    message_id: str
    application_id: str
    employer_nib: str
    kind: ReminderKind
    due_on: date
    at: datetime


class WorkingDaysBefore(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date
    working_days: int = Field(ge=0)


class CalendarDay(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: date


# ---------------------------------------------------------------- read-model projection


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    STAGE_CHANGED = "stage_changed"
    DECIDED = "decided"
    RESUBMITTED = "resubmitted"
    BILLED = "billed"
    PAID = "paid"
    HANDED_OVER = "handed_over"  # notified to SIMKIM
    CHECKED = "checked"
    VISA_ISSUED = "visa_issued"
    ITAS_ISSUED = "itas_issued"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    TERMINATED = "terminated"
    CLOSED = "closed"
    ANNUAL_REPORT_FILED = "annual_report_filed"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENDED = "extended"  # SIMKIM extended the ITAS for the new period


class PermitSummary(BaseModel):
    """The scalar columns of the read model's row after an event."""

    stage: Stage
    outcome: Outcome | None
    revision_rounds: int
    exempt: bool
    billing_code: str | None
    amount_usd: int | None
    payment_due: datetime | None
    payment_id: str | None
    rptka_number: str | None
    travel_ban: bool | None
    background_clear: bool | None
    visa_number: str | None
    itas_number: str | None
    valid_from: date | None
    valid_until: date | None
    epo_number: str | None
    awaiting_kind: str | None
    awaiting_role: Role | None
    awaiting_due: datetime | None
    closed_reason: str | None


class PermitEvent(BaseModel):
    """One change of one application. event_id is deterministic: a retry writes once."""

    event_id: str
    application_id: str
    workflow_id: str
    seq: int
    kind: EventKind
    at: datetime
    summary: PermitSummary
    actor: Actor | None = None
    reason: str | None = None
    decision: str | None = None
    application: PermitApplication | None = None  # on SUBMITTED only
    escalation: Escalation | None = None
    documents: list[DocumentRef] = []  # documents this event brought (ids and hashes)
