"""The stages a case can be at when a role's inbox task opens: the inbox's stage filter
offers a person the stages of their role (a TPP member Process A's, a Kemnaker verifier or an
Imigrasi officer the permit's), and the API accepts only stages a task can be at.

A task carries the stage its case was at when the workflow started waiting (`TaskOpening.
stage`): an enrolment's stage, the journey's `handover`, the placement follow-up's
`following_up`, or a permit application's stage (`active` for the active permit's annual
reports and extension rounds).
"""

from __future__ import annotations

from domain import enrolment, journey, permit, placement
from domain.identity import Role

# Process A: the enrolment's stages (no task opens at a closed case).
ENROLMENT = tuple(s.value for s in enrolment.Stage if s is not enrolment.Stage.CLOSED)
HANDOVER = (journey.JourneyStatus.HANDOVER.value,)
FOLLOW_UP = (placement.PlacementStatus.FOLLOWING_UP.value,)
P = permit.Stage

# Process B, by who is awaited (domain.md "Process B"; workflows/permit*.py open the tasks).
_PERMIT_BY_ROLE: dict[Role, tuple[permit.Stage, ...]] = {
    # Verification, feasibility; the extension's verification (stage `active`).
    Role.KEMNAKER_VERIFIER: (P.DOCUMENT_VERIFICATION, P.FEASIBILITY, P.ACTIVE),
    # Pengesahan RPTKA; the extension's approval.
    Role.KEMNAKER_DIRECTOR: (P.RPTKA_APPROVAL, P.ACTIVE),
    # The visa decision, arrival and ITAS; early termination of an active permit (EPO).
    Role.IMIGRASI_OFFICER: (P.VISA_DECISION, P.AWAITING_ARRIVAL, P.ACTIVE),
    # Revisions, DKPTKA payment, documents on a visa hold; annual reports, extension payment.
    Role.EMPLOYER: (P.REVISION, P.PAYMENT, P.VISA_HOLD, P.ACTIVE),
}
PERMIT = tuple(s.value for s in P if s is not P.CLOSED)

_BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.CASEWORKER: ENROLMENT,
    Role.TPP_MEMBER: ENROLMENT,
    Role.KEMNAKER_INSTRUCTOR: ENROLMENT,
    Role.LSP_ASSESSOR: ENROLMENT,
    # Process A's escalations (training overrun, BNSP late), job-placement handovers and the
    # placement follow-up.
    Role.KEMNAKER_OFFICER: ENROLMENT + HANDOVER + FOLLOW_UP,
    Role.BAPAS_OFFICER: HANDOVER,
    **{role: tuple(s.value for s in stages) for role, stages in _PERMIT_BY_ROLE.items()},
}

# Every stage a task can be at, each once, in the order a case meets them.
ALL = tuple(dict.fromkeys(ENROLMENT + HANDOVER + FOLLOW_UP + PERMIT))


def stages_for(roles: frozenset[Role] | set[Role]) -> tuple[str, ...]:
    """The stage filter's choices for someone acting in `roles`: their roles' stages in the
    order of `ALL`; a supervisor (escalations of any process in its scope) sees them all."""
    if Role.SUPERVISOR in roles:
        return ALL
    theirs = {stage for role in roles for stage in _BY_ROLE.get(role, ())}
    return tuple(s for s in ALL if s in theirs)
