"""Process A, the inmate journey: one per inmate while in custody.

It owns the inmate's UPT and custody status, starts the programme enrolments, passes custody
events down to the active ones, and at release hands the inmate's certificates and training
records over to the receiving Bapas (supervised releases) and to Kemnaker job placement.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.cohort import CohortRowNote
from domain.custody import CustodyEvent, CustodyEventKind, ReleaseKind
from domain.enrolment import Certificate, Outcome, Stage
from domain.identity import Actor, HumanInput
from domain.policy import JourneyPolicy
from domain.text import Reason

JOURNEY_KIND = "journey"

# Activity names (the journey runs on the enrolment task queue, with its worker).
RECORD_JOURNEY_EVENT = "record_journey_event"
PROGRAMMES_OFFERED = "programmes_offered"

# Signals between a journey and its enrolments (signals: workflows cannot send updates).
CUSTODY_NOTICE_SIGNAL = "custody_notice"
ENROLMENT_CLOSED_SIGNAL = "enrolment_closed"


def journey_workflow_id(inmate_sdp_no: str) -> str:
    """One running journey per inmate: the id is the SDP number (not PII, unlike the NIK)."""
    return f"journey-{inmate_sdp_no}"


class JourneyStatus(StrEnum):
    IN_CUSTODY = "in_custody"
    RELEASING = "releasing"  # released: waiting for the active enrolments to stop
    HANDOVER = "handover"  # the handover is out: waiting for every receiver's acknowledgement
    ENDED = "ended"


class HandoverReceiver(StrEnum):
    BAPAS = "bapas"  # supervised releases: the inmate registers as a Klien
    JOB_PLACEMENT = "job_placement"  # Kemnaker job placement, in every case


# ---------------------------------------------------------------- workflow input


class JourneyStart(BaseModel):
    """Starts a journey; `carried` is the state a continued-as-new run picks up."""

    model_config = ConfigDict(frozen=True)

    journey_id: str  # unique per custody spell (an inmate may come back years later)
    inmate_sdp_no: str
    upt_code: str
    policy: JourneyPolicy = JourneyPolicy()
    carried: JourneyState | None = None


class EnrolmentStarted(BaseModel):
    """The journey's answer to an enrolment it started."""

    enrolment_id: str
    workflow_id: str
    journey_id: str


class HandoverAckFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: Reason = Field(description="e.g. registered as Klien")
    # Job placement records, when it takes the handover over, whether the released person
    # consented to be contacted for the placement follow-up (required for job placement,
    # not given for a Bapas handover): job placement is whom the consent is given to.
    contact_consent: bool | None = Field(
        default=None,
        description="job placement only: the released person agreed to be contacted",
    )


class HandoverAcknowledgement(HandoverAckFields, HumanInput):
    receiver: HandoverReceiver


# ---------------------------------------------------------------- what an enrolment leaves


class TrainingRecord(BaseModel):
    """What one enrolment leaves behind, reported to the journey when it closes."""

    enrolment_id: str
    programme_code: str
    outcome: Outcome
    stage_at_close: Stage  # the last stage it worked in before closing
    closed_at: datetime
    attendance_present: int
    attendance_recorded: int
    modules_completed: list[str]
    competent_units: list[str]  # units assessed K in the latest assessment
    certificate: Certificate | None = None
    certification_ref: str | None = None  # submitted to BNSP when release came
    referral: str | None = None  # where to finish an unfinished programme (a BLK)


class CertificateEntry(BaseModel):
    programme_code: str
    number: str
    issued_on: date
    valid_until: date


class SkillsProfile(BaseModel):
    certified_programmes: list[str]
    competent_units: list[str]  # every unit assessed K, across programmes
    unfinished_programmes: list[str]


class HandoverPackage(BaseModel):
    """What each receiver gets: certificates, training records and a skills profile."""

    inmate_sdp_no: str
    release_kind: ReleaseKind
    released_at: datetime
    last_upt: str
    certificates: list[CertificateEntry]
    training_records: list[TrainingRecord]
    skills_profile: SkillsProfile


class Acknowledgement(BaseModel):
    actor: Actor
    at: datetime
    reason: str
    contact_consent: bool | None = None  # job placement's acknowledgement only


class Handover(BaseModel):
    handover_id: str
    receiver: HandoverReceiver
    bapas_code: str | None = None  # the receiving Bapas (BAPAS receiver only)
    sent_at: datetime
    due_at: datetime
    task_id: str | None = None
    escalated_at: datetime | None = None
    acknowledged: Acknowledgement | None = None


# ---------------------------------------------------------------- state


class EnrolmentLink(BaseModel):
    enrolment_id: str
    workflow_id: str
    programme_code: str
    started_at: datetime
    record: TrainingRecord | None = None  # set when the enrolment reported its close

    @property
    def active(self) -> bool:
        return self.record is None


class CustodyEntry(BaseModel):
    """One applied custody event, as the journey keeps it (the detail is in the read model)."""

    event_id: str
    kind: CustodyEventKind
    occurred_at: datetime
    applied_at: datetime
    fingerprint: str  # the event's content: a redelivery must match it


class Sanction(BaseModel):
    ref: str  # the register F entry
    until: date | None = None  # None: until a sanction_lifted event


class Release(BaseModel):
    event_id: str
    kind: ReleaseKind
    at: datetime
    bapas_code: str | None = None


class JourneyState(BaseModel):
    journey_id: str
    inmate_sdp_no: str
    upt_code: str
    status: JourneyStatus = JourneyStatus.IN_CUSTODY
    started_at: datetime
    enrolments: list[EnrolmentLink] = []
    custody_events: list[CustodyEntry] = []
    sanctions: list[Sanction] = []  # in force
    release: Release | None = None
    package: HandoverPackage | None = None
    handovers: list[Handover] = []
    # Carried across continue-as-new so ids stay unique and the read model stays ordered.
    event_seq: int = 0
    task_seq: int = 0
    runs: int = 1  # runs of this journey so far (continue-as-new starts the next)
    # The enrolment ids of the last cohort rows it refused (`REFUSED_ROWS_KEPT`): a row
    # handed over again (the dispatcher died before it marked the row) is skipped.
    refused_rows: list[str] = []

    def active_enrolments(self) -> list[EnrolmentLink]:
        return [e for e in self.enrolments if e.active]


# ---------------------------------------------------------------- read-model projection


class JourneyEventKind(StrEnum):
    STARTED = "started"
    ENROLMENT_STARTED = "enrolment_started"
    ENROLMENT_REFUSED = "enrolment_refused"  # a queued cohort row the journey could not start
    CUSTODY_EVENT = "custody_event"
    ENROLMENT_CLOSED = "enrolment_closed"
    HANDOVER_SENT = "handover_sent"
    HANDOVER_ESCALATED = "handover_escalated"
    HANDOVER_ACKNOWLEDGED = "handover_acknowledged"
    PLACEMENT_STARTED = "placement_started"  # job placement's follow-up case (its own workflow)
    CONTINUED_AS_NEW = "continued_as_new"
    ENDED = "ended"


class JourneyEvent(BaseModel):
    """One change of one journey; event_id is "{journey_id}:{seq}", so retries write once."""

    event_id: str
    journey_id: str
    workflow_id: str
    inmate_sdp_no: str
    seq: int
    kind: JourneyEventKind
    at: datetime
    upt_code: str
    status: JourneyStatus
    actor: Actor | None = None
    reason: str | None = None
    custody: CustodyEvent | None = None
    enrolment: EnrolmentLink | None = None
    handover: Handover | None = None
    package: HandoverPackage | None = None
    cohort_row: CohortRowNote | None = None  # the cohort row this event settles


class ProgrammesOfferedQuery(BaseModel):
    model_config = ConfigDict(frozen=True)

    upt_code: str
    programme_codes: list[str]


class ProgrammesOffered(BaseModel):
    upt_known: bool
    offered: list[str]


JourneyStart.model_rebuild()  # `carried` names JourneyState, defined after it
