"""A line of a case's decision log, the same for every process."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class DecisionRecord(BaseModel):
    """One line of a case's log: what happened, who did it, in which role, and why."""

    seq: int
    kind: str
    at: datetime
    stage: str
    actor_subject: str | None
    actor_role: str | None
    decision: str | None
    reason: str | None
