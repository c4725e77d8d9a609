"""Reference data: corrections units, certification schemes and the programmes offered."""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict, Field


class UptKind(StrEnum):
    LAPAS = "lapas"
    RUTAN = "rutan"
    RUTAN_BRANCH = "rutan_branch"
    BAPAS = "bapas"


class EducationLevel(IntEnum):
    """Highest completed education, ordered so a prerequisite is a comparison."""

    NONE = 0
    SD = 1  # primary school
    SMP = 2  # junior secondary
    SMA = 3  # senior secondary / SMK
    D3 = 4  # diploma
    S1 = 5  # bachelor
    S2 = 6
    S3 = 7


class Upt(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    kind: UptKind
    city: str


class CompetencyUnit(BaseModel):
    """An SKKNI competency unit listed by a certification scheme."""

    model_config = ConfigDict(frozen=True)

    code: str
    title: str


class Programme(BaseModel):
    """A vocational programme and the certification scheme it leads to."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    scheme_code: str
    min_education: EducationLevel
    session_count: int = Field(gt=0)
    modules: tuple[str, ...] = Field(min_length=1)
    units: tuple[CompetencyUnit, ...] = Field(min_length=1)

    @property
    def unit_codes(self) -> tuple[str, ...]:
        return tuple(u.code for u in self.units)


class Offering(BaseModel):
    """A programme run at one UPT: the cohort's dates and the LSP that certifies it."""

    model_config = ConfigDict(frozen=True)

    upt_code: str
    programme_code: str
    lsp_code: str
    planned_start: date
    planned_end: date
