"""Cohort enrolment: a row of a cohort, queued in the inmate's journey and settled there.

A cohort row (`POST /cohorts/enrolments`, the workspace's CSV upload) is answered as soon as
its checked request is durably in the inmate's journey: a signal-with-start carrying a
`CohortEnrolment`. The journey applies its queued requests in order, under the lock it applies
custody events with, by the same rule as its `enrol` update (`journey_rules.check_enrolment_
start`): it starts the enrolment or refuses it, and projects the row's outcome with the
journey event that records it (`CohortRowNote`). The cohort-row table (V23) holds every row's
answer and outcome; a row is *settled* once its enrolment's row and placement task are in the
read model.
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

    ACCEPTED = "accepted"  # durably queued in the inmate's journey
    ALREADY_ENROLLED = "already_enrolled"
    REJECTED = "rejected"


class RowOutcome(StrEnum):
    """What the journey did with an accepted row."""

    STARTED = "started"
    REFUSED = "refused"  # refused later, with the reason (e.g. transferred meanwhile)


class RowState(StrEnum):
    """A row as the cohort status shows it."""

    SETTLING = "settling"  # accepted; the enrolment's row or placement task not written yet
    SETTLED = "settled"  # the enrolment's row and its placement task are written
    REFUSED_LATER = "refused_later"  # accepted, then refused by the journey
    ALREADY_ENROLLED = "already_enrolled"
    REJECTED = "rejected"


class CohortRowNote(BaseModel):
    """The row a journey event settles: projected with the event into the cohort-row table."""

    cohort_id: str
    enrolment_id: str
    programme_code: str
    outcome: RowOutcome
    reason: str | None = Field(default=None, description="why it was refused")
