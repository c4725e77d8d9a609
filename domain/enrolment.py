"""Process A, programme enrolment: the vocabulary its workflow, activities and API share.

One model in and one out for the workflow, every update, the query and the projection
activity, so fields can be added backwards-compatibly.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from domain.custody import CustodyEvent, Hold
from domain.dates import PlausibleDate
from domain.identity import Actor, HumanInput, Role, Scope
from domain.policy import EnrolmentPolicy
from domain.reference import Programme
from domain.tasks import DueDateRequest, TaskClosing, TaskOpening
from domain.text import Code, Note, Reason, Subject

WORKFLOW_KIND = "enrolment"
TASK_QUEUE = "sinergi-enrolment"

# Activity names: workflows call activities by name so they never import the I/O code.
RECORD_ENROLMENT_EVENT = "record_enrolment_event"
# One stage change's writes in one local activity (issue 18; see `StageWrite`).
WRITE_ENROLMENT_STAGE = "write_enrolment_stage"
SUBMIT_CERTIFICATION = "submit_certification"
LOOKUP_CERTIFICATE = "lookup_certificate"
# Error type of a lookup BNSP could not match to a submission: the workflow resubmits.
BNSP_UNKNOWN_SUBMISSION = "BnspUnknownSubmission"


def enrolment_workflow_id(enrolment_id: str) -> str:
    return f"enrolment-{enrolment_id}"


class Stage(StrEnum):
    PLACEMENT_REVIEW = "placement_review"
    PLACEMENT_DEFERRED = "placement_deferred"
    TRAINING = "training"
    ASSESSMENT = "assessment"
    REMEDIAL = "remedial"
    AWAITING_APPEAL = "awaiting_appeal"  # final BK: the appeal window is the last chance
    APPEAL_REVIEW = "appeal_review"
    CERTIFICATION = "certification"
    # Custody holds (domain.md, "Custody events"): the clocks of the stage held stop.
    SUSPENDED = "suspended"  # transferred where the programme is not offered
    PAUSED = "paused"  # sanctioned (register F)
    CLOSED = "closed"


class Outcome(StrEnum):
    CERTIFIED = "certified"
    NOT_COMPETENT = "not_competent"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    # Released before the end: the training record is handed over, with a BLK referral.
    UNFINISHED_AT_RELEASE = "unfinished_at_release"


class UnitResult(StrEnum):
    K = "K"  # Kompeten
    BK = "BK"  # Belum Kompeten


class PlacementChoice(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    DEFER = "defer"


class AppealOutcome(StrEnum):
    UPHOLD = "uphold"
    REASSESS = "reassess"


# ---------------------------------------------------------------- workflow input


class EnrolmentRequest(BaseModel):
    """Everything the workflow needs, snapshotted at request time (after eligibility passed)."""

    model_config = ConfigDict(frozen=True)

    enrolment_id: str
    inmate_sdp_no: str
    programme: Programme
    upt_code: str
    lsp_code: str
    planned_start: date
    planned_end: date
    expected_release: date | None
    release_flagged: bool  # release before planned end + assessment window: TPP exception
    requested_by: Actor
    reason: str
    policy: EnrolmentPolicy = EnrolmentPolicy()
    # The inmate's journey, told when this enrolment closes. None for enrolments started
    # before journeys existed.
    journey_workflow_id: str | None = None


# ---------------------------------------------------------------- human inputs (updates)


# Each decision is its fields (what the person sends over HTTP) plus the actor (who they are,
# taken from their token, never from the body).


class PlacementDecisionFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: PlacementChoice
    reason: Reason
    exception_granted: StrictBool = False  # must be explicit when the request was release-flagged
    defer_until: PlausibleDate | None = None


class PlacementDecision(PlacementDecisionFields, HumanInput):
    pass


class AttendanceFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    session_no: StrictInt = Field(ge=1, le=10_000)
    session_date: PlausibleDate
    present: StrictBool
    note: Note = ""


class AttendanceInput(AttendanceFields, HumanInput):
    pass


class ModuleCompletionFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    module_code: Code
    note: Note = ""


class ModuleCompletionInput(ModuleCompletionFields, HumanInput):
    pass


class ReasonFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: Reason


class TrainingCompletionInput(ReasonFields, HumanInput):
    pass


class AssessmentFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tuk_code: Code
    results: dict[Code, UnitResult] = Field(min_length=1, max_length=200)
    reason: Reason


class AssessmentInput(AssessmentFields, HumanInput):
    pass


class AppealFiling(ReasonFields, HumanInput):
    pass


class AppealDecisionFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    panel: tuple[Subject, ...] = Field(max_length=50)
    outcome: AppealOutcome
    reason: Reason


class AppealDecisionInput(AppealDecisionFields, HumanInput):
    pass


class WithdrawalInput(ReasonFields, HumanInput):
    pass


# ---------------------------------------------------------------- state


class AttendanceEntry(BaseModel):
    session_no: int
    session_date: date
    present: bool
    recorded_by: str


class AssessmentAttempt(BaseModel):
    attempt: int
    counted: bool  # False for a reassessment ordered by an appeal panel
    results: dict[str, UnitResult]
    assessor: str
    tuk_code: str
    decided_at: datetime

    @property
    def failed_units(self) -> tuple[str, ...]:
        return tuple(code for code, r in self.results.items() if r is UnitResult.BK)


class Appeal(BaseModel):
    against_attempt: int
    filed_by: str
    filed_at: datetime
    reason: str
    outcome: AppealOutcome | None = None
    panel: tuple[str, ...] = ()
    decided_at: datetime | None = None


class AwaitedWork(BaseModel):
    """Who the case is waiting on right now: the seed of an inbox task."""

    kind: str
    role: Role
    scope: Scope
    since: datetime
    due: datetime | None = None


class Escalation(BaseModel):
    kind: str
    routed_to: Role
    raised_at: datetime
    detail: str


class TransferRecord(BaseModel):
    event_id: str
    from_upt: str
    to_upt: str
    at: datetime
    continued: bool  # the destination offers the programme


class Certificate(BaseModel):
    number: str
    issued_on: date
    valid_until: date


class EnrolmentState(BaseModel):
    """The whole case as the query returns it and the API answers with it."""

    enrolment_id: str
    inmate_sdp_no: str
    programme_code: str
    upt_code: str
    lsp_code: str
    stage: Stage
    outcome: Outcome | None = None
    release_flagged: bool
    exception_granted: StrictBool = False
    planned_end: date
    deferred_until: date | None = None
    attendance: list[AttendanceEntry] = []
    modules_completed: list[str] = []
    training_completed_at: datetime | None = None
    units_due: list[str] = []  # units the next assessment must decide
    attempts: list[AssessmentAttempt] = []
    appeals: list[Appeal] = []
    appeal_open_until: datetime | None = None
    certification_ref: str | None = None
    certificate: Certificate | None = None
    awaiting: AwaitedWork | None = None
    escalations: list[Escalation] = []
    closed_reason: str | None = None
    holds: list[Hold] = []  # active custody holds: the case stands still while any exists
    transfers: list[TransferRecord] = []
    custody_event_ids: list[str] = []  # custody notices applied (a redelivery changes nothing)
    referral: str | None = None  # unfinished at release: where to finish
    # Events the workflow has sent to the read model so far: the read model has caught up
    # once it holds this many for the case.
    event_count: int = 0

    @property
    def attendance_present(self) -> int:
        return sum(1 for a in self.attendance if a.present)

    @property
    def reassessments_used(self) -> int:
        return sum(1 for a in self.attempts[1:] if a.counted)


# ---------------------------------------------------------------- read-model projection


class EventKind(StrEnum):
    REQUESTED = "requested"
    STAGE_CHANGED = "stage_changed"
    PLACEMENT_DECIDED = "placement_decided"
    ATTENDANCE_RECORDED = "attendance_recorded"
    MODULE_COMPLETED = "module_completed"
    TRAINING_COMPLETED = "training_completed"
    ASSESSMENT_RECORDED = "assessment_recorded"
    APPEAL_FILED = "appeal_filed"
    APPEAL_DECIDED = "appeal_decided"
    CERTIFICATION_SUBMITTED = "certification_submitted"
    CERTIFICATE_ISSUED = "certificate_issued"
    ESCALATED = "escalated"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"
    HELD = "held"  # a custody hold began
    HOLD_REVIEWED = "hold_reviewed"  # the TPP decided resume or withdraw
    HOLD_LIFTED = "hold_lifted"
    RELEASED = "released"
    CLOSED = "closed"


class EnrolmentSummary(BaseModel):
    """The scalar columns of the read model's enrolments row after an event."""

    stage: Stage
    outcome: Outcome | None
    attendance_present: int
    attendance_recorded: int
    modules_completed: int
    reassessments_used: int
    exception_granted: bool
    awaiting_kind: str | None
    awaiting_role: Role | None
    awaiting_due: datetime | None
    upt_code: str | None = None  # where the case is now (changes on transfer)


class EnrolmentEvent(BaseModel):
    """One change of one case. event_id is deterministic, so a retried write lands once."""

    event_id: str
    enrolment_id: str
    workflow_id: str
    seq: int
    kind: EventKind
    at: datetime
    summary: EnrolmentSummary
    actor: Actor | None = None
    reason: str | None = None
    decision: str | None = None  # the decision's name where the event is one
    request: EnrolmentRequest | None = None
    attendance: AttendanceEntry | None = None
    module_code: str | None = None
    attempt: AssessmentAttempt | None = None
    appeal: Appeal | None = None
    certificate: Certificate | None = None
    escalation: Escalation | None = None
    custody: CustodyEvent | None = None
    hold: Hold | None = None


class StageWrite(BaseModel):
    """A stage change's writes, in order, as one local activity: the events held for it, the
    closing of the inbox task of the wait that ended, the change itself, then the next wait's
    due date computed and its task opened. Every part is idempotent (keyed ids), so a retry of
    the whole lands once."""

    model_config = ConfigDict(frozen=True)

    # Events recorded since the last write, held for this one (the decision that ended the
    # wait, the request): written first, in seq order.
    earlier: list[EnrolmentEvent] = Field(default_factory=list)
    closing: TaskClosing | None = None
    event: EnrolmentEvent  # the stage change (or the event a plain record writes with `earlier`)
    # The due date to compute first: it goes in the opening and the stage change's summary.
    due: DueDateRequest | None = None
    opening: TaskOpening | None = None


class StageWritten(BaseModel):
    """What a `StageWrite` did: the due date it computed, and what each write did (ids and
    kinds, for the auditor's timeline: the local activity's marker keeps this answer)."""

    model_config = ConfigDict(frozen=True)

    due_at: datetime | None = None
    did: str
