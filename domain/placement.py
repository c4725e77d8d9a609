"""After release: Kemnaker job placement's follow-up of a released person.

When job placement acknowledges a release handover, a placement case starts (one per
journey, `placement-PLC-{journey_id}`, on Kemnaker's worker): a placement officer records
contacts, referrals (to a vacancy or a BLK course) and the outcome; check-ins at 1, 3 and 6
months are inbox tasks; the case closes at the last check-in, or early on a job confirmed
held 3 months. Without the released person's consent to be contacted (recorded by job
placement when it acknowledges the handover), the case keeps the certificates and closes at
once. The rules are `domain/placement_rules.py`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.custody import ReleaseKind
from domain.identity import Actor, HumanInput
from domain.journey import CertificateEntry
from domain.policy import PlacementPolicy

PLACEMENT_KIND = "placement"
CHECK_IN_TASK = "placement_check_in"

# Activity names (Kemnaker's worker registers them).
RECORD_PLACEMENT_EVENT = "record_placement_event"


def placement_id_for(journey_id: str) -> str:
    """One placement case per journey, whatever retries or redeliveries start it."""
    return f"PLC-{journey_id}"


def placement_workflow_id(placement_id: str) -> str:
    return f"placement-{placement_id}"


class PlacementStatus(StrEnum):
    FOLLOWING_UP = "following_up"
    CLOSED = "closed"


class CloseReason(StrEnum):
    NO_CONSENT = "no_consent"  # closed at once: the person may not be contacted
    FOLLOW_UP_ENDED = "follow_up_ended"  # the last check-in (6 months)
    JOB_HELD = "job_held"  # a job confirmed held for `job_held_months`


class OutcomeKind(StrEnum):
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self_employed"
    FURTHER_TRAINING = "further_training"
    NOT_REACHED = "not_reached"


PLACED = frozenset({OutcomeKind.EMPLOYED, OutcomeKind.SELF_EMPLOYED})


class ContactChannel(StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    MESSAGE = "message"
    OFFICE = "office"  # the person came to the job-placement office


class ReferralKind(StrEnum):
    VACANCY = "vacancy"
    BLK_COURSE = "blk_course"


# ---------------------------------------------------------------- workflow input


class PlacementStart(BaseModel):
    """What the journey hands the placement case: ids and certificates, no personal data
    beyond the SDP number (the officer reaches the person through SDP/Bapas records)."""

    model_config = ConfigDict(frozen=True)

    placement_id: str
    journey_id: str
    journey_workflow_id: str
    inmate_sdp_no: str
    release_kind: ReleaseKind
    released_at: datetime
    last_upt: str
    programme_codes: list[str]  # every programme the inmate took, finished or not
    certificates: list[CertificateEntry]
    contact_consent: bool
    acknowledged_by: Actor  # the job-placement officer who took the handover
    acknowledged_at: datetime
    policy: PlacementPolicy = PlacementPolicy()


# ---------------------------------------------------------------- human inputs


class _Reasoned(BaseModel):
    model_config = ConfigDict(frozen=True)

    reason: str = Field(min_length=3, max_length=2000, description="why, or what was said")


class ContactFields(_Reasoned):
    channel: ContactChannel
    reached: bool = Field(description="whether the person was reached")


class ContactInput(ContactFields, HumanInput):
    pass


class ReferralFields(_Reasoned):
    kind: ReferralKind
    to: str = Field(
        min_length=2, max_length=200, description="the vacancy (employer, post) or BLK course"
    )


class ReferralInput(ReferralFields, HumanInput):
    pass


class OutcomeFields(_Reasoned):
    outcome: OutcomeKind
    employer: str | None = Field(default=None, max_length=200, description="employed only")
    sector: str | None = Field(default=None, max_length=100, description="employed only")
    start_date: date | None = Field(default=None, description="employed only: first day")
    training: str | None = Field(
        default=None, max_length=200, description="further_training only: course and provider"
    )


class OutcomeInput(OutcomeFields, HumanInput):
    pass


class CheckInFields(_Reasoned):
    month: int = Field(ge=1, le=24, description="which check-in: 1, 3 or 6 (months)")
    reached: bool
    job_confirmed: bool = Field(
        default=False, description="the recorded job is still held (employed only)"
    )


class CheckInInput(CheckInFields, HumanInput):
    pass


# ---------------------------------------------------------------- state


class Recorded(BaseModel):
    actor: Actor
    at: datetime
    reason: str


class Contact(Recorded):
    channel: ContactChannel
    reached: bool


class Referral(Recorded):
    kind: ReferralKind
    to: str


class Outcome(Recorded):
    outcome: OutcomeKind
    employer: str | None = None
    sector: str | None = None
    start_date: date | None = None
    training: str | None = None


class CheckInRecord(Recorded):
    reached: bool
    job_confirmed: bool


class CheckIn(BaseModel):
    month: int
    opened_at: datetime
    task_id: str
    due_at: datetime | None = None
    escalated_at: datetime | None = None
    recorded: CheckInRecord | None = None
    missed_at: datetime | None = None  # closed unrecorded (the next one replaced it)

    @property
    def open(self) -> bool:
        return self.recorded is None and self.missed_at is None


class PlacementState(BaseModel):
    placement_id: str
    journey_id: str
    inmate_sdp_no: str
    release_kind: ReleaseKind
    released_at: datetime
    last_upt: str
    programme_codes: list[str]
    certificates: list[CertificateEntry]
    contact_consent: bool
    started_at: datetime
    status: PlacementStatus = PlacementStatus.FOLLOWING_UP
    contacts: list[Contact] = []
    referrals: list[Referral] = []
    outcome: Outcome | None = None  # the latest recorded
    check_ins: list[CheckIn] = []
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    event_seq: int = 0

    def open_check_in(self) -> CheckIn | None:
        return next((c for c in self.check_ins if c.open), None)


# ---------------------------------------------------------------- read-model projection


class PlacementEventKind(StrEnum):
    STARTED = "started"
    CONTACT_RECORDED = "contact_recorded"
    REFERRAL_RECORDED = "referral_recorded"
    OUTCOME_RECORDED = "outcome_recorded"
    CHECK_IN_OPENED = "check_in_opened"
    CHECK_IN_ESCALATED = "check_in_escalated"
    CHECK_IN_RECORDED = "check_in_recorded"
    CHECK_IN_MISSED = "check_in_missed"
    CLOSED = "closed"


class PlacementEvent(BaseModel):
    """One change of one placement case; event_id "{placement_id}:{seq}": retries write once."""

    event_id: str
    placement_id: str
    workflow_id: str
    journey_id: str
    inmate_sdp_no: str
    seq: int
    kind: PlacementEventKind
    at: datetime
    status: PlacementStatus
    actor: Actor | None = None
    reason: str | None = None
    start: PlacementStart | None = None  # STARTED only
    contact: Contact | None = None
    referral: Referral | None = None
    outcome: Outcome | None = None
    check_in: CheckIn | None = None
    close_reason: CloseReason | None = None
