"""Builders for the active permit's steps (annual reports, extensions, changes)."""

from __future__ import annotations

from domain.identity import Actor, Ministry, Role, Scope
from domain.permit_life import (
    AnnualReportSubmission,
    ChangeRequest,
    ExtensionChoice,
    ExtensionDecision,
    ExtensionRequest,
)
from tests.workflows.permit_support import DIRECTOR, EMPLOYER, VERIFIER

KEMNAKER_OFFICER = Actor(
    subject="officer-1", role=Role.KEMNAKER_OFFICER, scope=Scope(ministry=Ministry.KEMNAKER)
)


def annual_report(year: int, actor: Actor = EMPLOYER) -> AnnualReportSubmission:
    return AnnualReportSubmission(
        actor=actor, year=year, reason=f"year {year}: the TKA trained the pendamping"
    )


def extension_request(months: int = 12, actor: Actor = EMPLOYER) -> ExtensionRequest:
    return ExtensionRequest(actor=actor, months=months, reason="the project runs another year")


def extension_decision(
    choice: ExtensionChoice = ExtensionChoice.APPROVE, actor: Actor = VERIFIER
) -> ExtensionDecision:
    return ExtensionDecision(actor=actor, decision=choice, reason="checked the request")


def extension_approval(choice: ExtensionChoice = ExtensionChoice.APPROVE) -> ExtensionDecision:
    return extension_decision(choice, DIRECTOR)


def change(position: str | None = None, location: str | None = None) -> ChangeRequest:
    return ChangeRequest(
        actor=EMPLOYER, position_title=position, work_location=location, reason="moved site"
    )
