"""Cohort enrolment: a row of a cohort, queued, handed to the inmate's journey and settled there.

A cohort row (`POST /cohorts/enrolments`, the workspace's CSV upload) is answered as soon as
its checked request is durably queued in Postgres: the cohort-row table (V23, V24) holds it,
sealed, with the answer. The cohort dispatcher hands it to the inmate's journey with a
signal-with-start carrying a `CohortEnrolment` (or refuses it later, with the reason, when it
cannot). The journey applies its queued requests in order, under the lock it applies custody
events with, by the same rule as its `enrol` update (`journey_rules.check_enrolment_start`):
it starts the enrolment or refuses it, and projects the row's outcome with the journey event
that records it (`CohortRowNote`). A row is *settled* once its enrolment's row and placement
task are in the read model.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.enrolment import EnrolmentRequest

# The journey's signal that queues a checked cohort row (sent with start).
COHORT_ENROLMENT_SIGNAL = "cohort_enrolment"

COHORT_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class CohortEnrolment(BaseModel):
    """One checked cohort row, queued in the inmate's journey."""

    model_config = ConfigDict(frozen=True)

    cohort_id: str
    request: EnrolmentRequest


class RowAnswer(StrEnum):
    """What the API answered a row."""

    ACCEPTED = "accepted"  # durably queued in Postgres, for the inmate's journey
    ALREADY_ENROLLED = "already_enrolled"
    REJECTED = "rejected"


class RowOutcome(StrEnum):
    """What the journey did with an accepted row."""

    STARTED = "started"
    # refused later, with the reason (e.g. transferred meanwhile; or by the dispatcher)
    REFUSED = "refused"


class RowState(StrEnum):
    """A row as the cohort status shows it."""

    # accepted: queued, or handed to the journey, its enrolment's row or placement task not
    # written yet
    SETTLING = "settling"
    SETTLED = "settled"  # the enrolment's row and its placement task are written
    # accepted, then refused by the journey (or never handed to it: the dispatcher's reason)
    REFUSED_LATER = "refused_later"
    ALREADY_ENROLLED = "already_enrolled"
    REJECTED = "rejected"


class CohortRowNote(BaseModel):
    """The row a journey event settles: projected with the event into the cohort-row table."""

    cohort_id: str
    enrolment_id: str
    programme_code: str
    outcome: RowOutcome
    reason: str | None = Field(default=None, description="why it was refused")
