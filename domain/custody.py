"""Process A, custody events: what corrections (SDP) reports about an inmate, any time.

A custody event reaches the inmate's journey as an Update (so an impossible one is refused
before it enters history) and the journey passes it down to every active enrolment as a
notice. Transfers, sanctions and release change what an enrolment may do: the holds and the
release stop defined here are what the enrolment workflow acts on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.dates import PlausibleDate, PlausibleDatetime
from domain.identity import Actor, HumanInput
from domain.text import Code, Note, Reason

# The source system's event id: what makes a redelivered event recognisable.
EVENT_ID_PATTERN = r"^[A-Za-z0-9._:-]+$"


class CustodyEventKind(StrEnum):
    TRANSFER = "transfer"  # moved to another UPT
    SANCTION = "sanction"  # entered in register F
    SANCTION_LIFTED = "sanction_lifted"  # an open-ended sanction ends
    RELEASE = "release"


class ReleaseKind(StrEnum):
    FREE = "free"  # sentence served: no supervision
    PB = "pb"  # pembebasan bersyarat, conditional release
    CB = "cb"  # cuti bersyarat, conditional leave
    CMB = "cmb"  # cuti menjelang bebas, leave before release


# Early releases supervised by a Bapas: the inmate registers there as a Klien.
SUPERVISED_RELEASES = frozenset({ReleaseKind.PB, ReleaseKind.CB, ReleaseKind.CMB})


class CustodyEventFields(BaseModel):
    """One event as corrections reports it. Fields beyond `kind`'s own are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(min_length=1, max_length=128, pattern=EVENT_ID_PATTERN)
    inmate_sdp_no: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9./-]+$")
    kind: CustodyEventKind
    occurred_at: PlausibleDatetime
    to_upt: Code | None = None  # transfer
    sanction_ref: Code | None = None  # register F
    sanction_until: PlausibleDate | None = None  # None: open-ended, until a sanction_lifted event
    release_kind: ReleaseKind | None = None
    bapas_code: Code | None = None  # the Klien's
    note: Note = ""

    @model_validator(mode="after")
    def _fields_of_kind(self) -> CustodyEventFields:
        needed: dict[CustodyEventKind, tuple[str, ...]] = {
            CustodyEventKind.TRANSFER: ("to_upt",),
            CustodyEventKind.SANCTION: ("sanction_ref",),
            CustodyEventKind.SANCTION_LIFTED: ("sanction_ref",),
            CustodyEventKind.RELEASE: ("release_kind",),
        }
        allowed: dict[CustodyEventKind, set[str]] = {
            CustodyEventKind.TRANSFER: {"to_upt"},
            CustodyEventKind.SANCTION: {"sanction_ref", "sanction_until"},
            CustodyEventKind.SANCTION_LIFTED: {"sanction_ref"},
            CustodyEventKind.RELEASE: {"release_kind", "bapas_code"},
        }
        optional = ("to_upt", "sanction_ref", "sanction_until", "release_kind", "bapas_code")
        missing = [f for f in needed[self.kind] if getattr(self, f) is None]
        if missing:
            raise ValueError(f"a {self.kind.value} event needs {', '.join(missing)}")
        given = [f for f in optional if getattr(self, f) is not None]
        extra = [f for f in given if f not in allowed[self.kind]]
        if extra:
            raise ValueError(f"a {self.kind.value} event does not take {', '.join(extra)}")
        if self.kind is CustodyEventKind.RELEASE:
            supervised = self.release_kind in SUPERVISED_RELEASES
            if supervised and self.bapas_code is None:
                raise ValueError(
                    f"a {self.release_kind} release is supervised: name the Bapas (bapas_code) "
                    "of the inmate's address"
                )
            if not supervised and self.bapas_code is not None:
                raise ValueError("a free release has no supervising Bapas: drop bapas_code")
        return self

    def fingerprint(self) -> str:
        """The event's content: what a redelivery must match (the note and reporter aside)."""
        content = set(CustodyEventFields.model_fields) - {"note"}
        return self.model_dump_json(include=content)

    def same_as(self, other: CustodyEventFields) -> bool:
        """A redelivery: the same event id with the same content."""
        return self.fingerprint() == other.fingerprint()


class CustodyEvent(CustodyEventFields, HumanInput):
    """The event with who reported it: the SDP integration or a caseworker of the UPT."""


class EnrolmentEffect(StrEnum):
    CONTINUES = "continues"  # transferred where the programme is offered
    SUSPENDED = "suspended"  # transferred where it is not: the destination TPP decides
    PAUSED = "paused"  # sanctioned
    RESUMED = "resumed"  # the sanction ended
    STOPPED = "stopped"  # released


class EnrolmentAffected(BaseModel):
    enrolment_id: str
    programme_code: str
    effect: EnrolmentEffect


class CustodyEventOutcome(BaseModel):
    """The journey's answer to one event."""

    event_id: str
    duplicate: bool  # already applied: nothing changed this time
    summary: str
    enrolments: list[EnrolmentAffected] = []


class CustodyNotice(BaseModel):
    """A custody event as the journey passes it down to one active enrolment (a signal)."""

    model_config = ConfigDict(frozen=True)

    event: CustodyEvent
    # Transfers: whether the destination offers the enrolment's programme.
    offered_at_destination: bool | None = None


# ---------------------------------------------------------------- holds on an enrolment


class HoldKind(StrEnum):
    TRANSFER = "transfer"  # the destination does not offer the programme
    SANCTION = "sanction"


class Hold(BaseModel):
    """Why an enrolment stands still. Its clocks stop while it holds."""

    kind: HoldKind
    event_id: str
    since: datetime
    until: datetime | None = None  # a sanction with an end date lifts itself then
    ref: str  # the destination UPT, or the register F entry
    # Transfer: always. Sanction: once it lasts (or is declared to last) past the threshold.
    review_from: datetime | None = None
    reviewed_by: Actor | None = None  # the TPP member who decided to continue
    review_reason: str | None = None


class HoldChoice(StrEnum):
    RESUME = "resume"  # continue: at the destination, or after the sanction ends
    WITHDRAW = "withdraw"


class HoldReviewFields(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: HoldChoice
    reason: Reason


class HoldReviewInput(HoldReviewFields, HumanInput):
    pass
