"""Staff search of TKA applications: the filters, and whose step each stage is.

Each ministry's officers search the applications at their own ministry's steps (and closed
ones); the body is POSTed, so a passport number or a name never sits in a URL or a log."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.identity import Ministry
from domain.permit import Stage

STAGE_MINISTRY: dict[Stage, Ministry | None] = {
    Stage.DOCUMENT_VERIFICATION: Ministry.KEMNAKER,
    Stage.REVISION: Ministry.KEMNAKER,
    Stage.FEASIBILITY: Ministry.KEMNAKER,
    Stage.PAYMENT: Ministry.KEMNAKER,
    Stage.RPTKA_APPROVAL: Ministry.KEMNAKER,
    Stage.ACTIVE: Ministry.KEMNAKER,  # annual reports, extensions
    Stage.IMMIGRATION_CHECKS: Ministry.IMIGRASI,
    Stage.VISA_DECISION: Ministry.IMIGRASI,
    Stage.VISA_HOLD: Ministry.IMIGRASI,
    Stage.AWAITING_ARRIVAL: Ministry.IMIGRASI,
    Stage.CLOSED: None,  # no one's step any more: either ministry's officers find it
}


def stages_of(ministry: Ministry) -> list[Stage]:
    return [s for s, m in STAGE_MINISTRY.items() if m in (ministry, None)]


class PermitSearch(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    employer_nib: str | None = Field(default=None, pattern=r"^\d{13}$")
    stage: Stage | None = None
    nationality: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    position: str | None = Field(default=None, min_length=2, max_length=200)  # words of it
    submitted_from: date | None = None
    submitted_until: date | None = None
    passport_no: str | None = Field(default=None, pattern=r"^[A-Z0-9]{6,9}$")  # exact
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _dates_in_order(self) -> PermitSearch:
        if self.submitted_from and self.submitted_until:
            if self.submitted_from > self.submitted_until:
                raise ValueError("submitted_from is after submitted_until")
        return self
