"""Process A, programme enrolment: every rule of domain.md stages 1-6, as pure functions.

The workflow's update validators call the `check_*` functions, so a refused decision never
enters history; the API calls `check_eligibility` before a workflow exists. Each raises a
DomainError whose message says what to fix.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from domain.custody import Hold, HoldReviewInput
from domain.enrolment import (
    AppealDecisionInput,
    AppealFiling,
    AssessmentInput,
    AttendanceInput,
    EnrolmentState,
    ModuleCompletionInput,
    PlacementChoice,
    PlacementDecision,
    Stage,
    TrainingCompletionInput,
    WithdrawalInput,
)
from domain.errors import conflict, forbidden, invalid
from domain.identity import Actor, Ministry, Role
from domain.policy import EnrolmentPolicy
from domain.reference import Offering, Programme
from domain.registries import CustodyStatus, InmateRecord

# ---------------------------------------------------------------- stage 1: eligibility


class Eligibility(BaseModel):
    reasons: list[str]  # empty when eligible
    release_flagged: bool

    @property
    def eligible(self) -> bool:
        return not self.reasons


def check_eligibility(
    inmate: InmateRecord,
    programme: Programme,
    offering: Offering | None,
    policy: EnrolmentPolicy,
) -> Eligibility:
    """Stage 1: who may be enrolled. Lists every failed rule, not just the first. Whether the
    inmate is already enrolled in the programme is `check_no_active_enrolment`'s."""
    reasons: list[str] = []
    if inmate.status is not CustodyStatus.SENTENCED:
        reasons.append(
            f"inmate {inmate.sdp_no} is {inmate.status.value}: only sentenced inmates "
            "(narapidana) may be enrolled"
        )
    if offering is None:
        reasons.append(f"programme {programme.code} is not offered at UPT {inmate.upt_code}")
    if inmate.education < programme.min_education:
        reasons.append(
            f"scheme {programme.scheme_code} requires education {programme.min_education.name} "
            f"or higher; the inmate's is {inmate.education.name}"
        )
    flagged = False
    if offering is not None and inmate.expected_release is not None:
        must_stay_until = offering.planned_end + timedelta(days=policy.assessment_window_days)
        flagged = inmate.expected_release < must_stay_until
    return Eligibility(reasons=reasons, release_flagged=flagged)


def check_no_active_enrolment(
    inmate_sdp_no: str, programme_code: str, active_enrolment_id: str | None
) -> None:
    """Stage 1: one active enrolment per inmate and programme (`active_enrolment_id`: the
    inmate's open enrolment in the programme, if any).

    Every caller asks it: the API and the cohort endpoint with what the read model holds,
    to refuse early; the inmate's journey with its own state, in its `enrol` validator and
    again in the handler under its lock. The journey serialises one inmate's requests, so
    its answer is the one that holds when two arrive at once."""
    if active_enrolment_id is not None:
        raise conflict(
            f"inmate {inmate_sdp_no} already has an active enrolment in {programme_code} "
            f"({active_enrolment_id})"
        )


# ---------------------------------------------------------------- who may act


def require_role(actor: Actor, allowed: set[Role], action: str) -> None:
    if actor.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise forbidden(f"{action} needs the role {names}; you act as {actor.role.value}")


def require_upt(actor: Actor, state: EnrolmentState, action: str) -> None:
    _require_upt(actor, state.upt_code, action)


def _require_upt(actor: Actor, upt_code: str, action: str) -> None:
    if actor.scope.upt != upt_code:
        raise forbidden(
            f"{action} is for staff of UPT {upt_code}; your scope is UPT {actor.scope.upt}"
        )


def require_lsp(actor: Actor, state: EnrolmentState, action: str) -> None:
    _require_lsp(actor, state.lsp_code, action)


def _require_lsp(actor: Actor, lsp_code: str, action: str) -> None:
    if actor.scope.lsp != lsp_code:
        raise forbidden(
            f"{action} is for assessors of LSP {lsp_code}; your scope is LSP {actor.scope.lsp}"
        )


def check_case_scope(actor: Actor, upt_code: str, lsp_code: str) -> None:
    """The part of every decision's rule that needs no workflow state: does the actor's scope
    cover this case at all? Checked before anything about the case is revealed."""
    action = "acting on this enrolment"
    if actor.role in (Role.CASEWORKER, Role.TPP_MEMBER):
        _require_upt(actor, upt_code, action)
    elif actor.role is Role.LSP_ASSESSOR:
        _require_lsp(actor, lsp_code, action)
    elif actor.role is Role.KEMNAKER_INSTRUCTOR:
        require_kemnaker(actor, action)


def require_kemnaker(actor: Actor, action: str) -> None:
    if actor.scope.ministry is not Ministry.KEMNAKER:
        raise forbidden(f"{action} is for Kemnaker staff")


def require_open(state: EnrolmentState) -> None:
    if state.outcome is not None:
        raise conflict(
            f"enrolment {state.enrolment_id} is closed ({state.outcome.value}); "
            "nothing more can be decided on it"
        )


def require_stage(state: EnrolmentState, action: str, *stages: Stage) -> None:
    require_open(state)
    if state.stage not in stages:
        wanted = " or ".join(s.value for s in stages)
        raise conflict(
            f"{action} is possible at stage {wanted}; the enrolment is at {state.stage.value}"
        )


def _authorize_training_record(actor: Actor, state: EnrolmentState, action: str) -> None:
    require_role(actor, {Role.CASEWORKER, Role.KEMNAKER_INSTRUCTOR}, action)
    if actor.role is Role.CASEWORKER:
        require_upt(actor, state, action)
    else:
        require_kemnaker(actor, action)


# ---------------------------------------------------------------- stage 2: placement review


def check_placement(state: EnrolmentState, decision: PlacementDecision, today: date) -> None:
    action = "placement review"
    require_role(decision.actor, {Role.TPP_MEMBER}, action)
    require_upt(decision.actor, state, action)
    require_stage(state, action, Stage.PLACEMENT_REVIEW)
    if decision.decision is PlacementChoice.APPROVE:
        if state.release_flagged and not decision.exception_granted:
            raise invalid(
                "the inmate's expected release falls before the programme's end plus the "
                "assessment window: approving needs exception_granted=true and a reason"
            )
    elif decision.exception_granted:
        raise invalid("exception_granted applies only to an approval")
    if decision.exception_granted and not state.release_flagged:
        raise invalid("this request was not flagged: no TPP exception is needed")
    if decision.decision is PlacementChoice.DEFER:
        if decision.defer_until is None or decision.defer_until <= today:
            raise invalid(
                f"a deferral needs defer_until, a Jakarta date after today ({today} in Jakarta)"
            )
    elif decision.defer_until is not None:
        raise invalid("defer_until applies only to a deferral")


# ---------------------------------------------------------------- stage 3: training


def check_attendance(state: EnrolmentState, programme: Programme, entry: AttendanceInput) -> None:
    action = "recording attendance"
    _authorize_training_record(entry.actor, state, action)
    require_stage(state, action, Stage.TRAINING)
    if entry.session_no > programme.session_count:
        raise invalid(
            f"programme {programme.code} has {programme.session_count} sessions; "
            f"session {entry.session_no} does not exist"
        )
    if any(a.session_no == entry.session_no for a in state.attendance):
        raise conflict(f"attendance for session {entry.session_no} is already recorded")


def check_session_date(session_date: date, offering: Offering | None, today: date) -> None:
    """A session happened: not after today (Jakarta), not before its offering started.

    Checked where a person records attendance (the API and the pages), not by the workflow's
    validator: validators run again on replay, and recorded histories hold sessions dated
    before this rule existed. `offering` is None when the case's UPT no longer offers it."""
    if session_date > today:
        raise invalid(f"session_date: {session_date} is in the future (today is {today})")
    if offering is not None and session_date < offering.planned_start:
        raise invalid(
            f"session_date: {session_date} is before the offering of {offering.programme_code} "
            f"at {offering.upt_code} started ({offering.planned_start})"
        )


def check_module(state: EnrolmentState, programme: Programme, entry: ModuleCompletionInput) -> None:
    action = "completing a module"
    require_role(entry.actor, {Role.KEMNAKER_INSTRUCTOR}, action)
    require_kemnaker(entry.actor, action)
    require_stage(state, action, Stage.TRAINING)
    if entry.module_code not in programme.modules:
        raise invalid(
            f"module {entry.module_code} is not part of {programme.code}; "
            f"its modules are {', '.join(programme.modules)}"
        )
    if entry.module_code in state.modules_completed:
        raise conflict(f"module {entry.module_code} is already completed")


def training_shortfalls(
    state: EnrolmentState, programme: Programme, policy: EnrolmentPolicy
) -> list[str]:
    """What still stands between the inmate and assessment (empty when eligible)."""
    shortfalls: list[str] = []
    ratio = state.attendance_present / programme.session_count
    if ratio < policy.min_attendance_ratio:
        shortfalls.append(
            f"attendance is {state.attendance_present}/{programme.session_count} sessions "
            f"({ratio:.0%}); at least {policy.min_attendance_ratio:.0%} is required"
        )
    missing = [m for m in programme.modules if m not in state.modules_completed]
    if missing:
        shortfalls.append(f"modules not completed: {', '.join(missing)}")
    return shortfalls


def check_training_completion(
    state: EnrolmentState,
    programme: Programme,
    policy: EnrolmentPolicy,
    entry: TrainingCompletionInput,
) -> None:
    action = "completing training"
    require_role(entry.actor, {Role.KEMNAKER_INSTRUCTOR}, action)
    require_kemnaker(entry.actor, action)
    require_stage(state, action, Stage.TRAINING)
    shortfalls = training_shortfalls(state, programme, policy)
    if shortfalls:
        raise conflict("not yet eligible for assessment: " + "; ".join(shortfalls))


# ---------------------------------------------------------------- stage 4: assessment


def check_assessment(state: EnrolmentState, entry: AssessmentInput) -> None:
    action = "recording an assessment"
    require_role(entry.actor, {Role.LSP_ASSESSOR}, action)
    require_lsp(entry.actor, state, action)
    require_stage(state, action, Stage.ASSESSMENT)
    due = set(state.units_due)
    given = set(entry.results)
    missing, unexpected = sorted(due - given), sorted(given - due)
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing results for {', '.join(missing)}")
        if unexpected:
            parts.append(f"units not due in this assessment: {', '.join(unexpected)}")
        raise invalid("; ".join(parts) + f" (due: {', '.join(sorted(due))})")


def check_appeal_filing(state: EnrolmentState, entry: AppealFiling, now: datetime) -> None:
    action = "filing an appeal (banding)"
    require_role(entry.actor, {Role.CASEWORKER}, action)
    require_upt(entry.actor, state, action)
    require_stage(state, action, Stage.REMEDIAL, Stage.AWAITING_APPEAL)
    if state.appeal_open_until is None or now > state.appeal_open_until:
        raise conflict("the appeal window for the last assessment decision has closed")
    last = state.attempts[-1].attempt
    if any(a.against_attempt == last for a in state.appeals):
        raise conflict(f"an appeal against assessment {last} was already filed")


def check_appeal_decision(
    state: EnrolmentState, entry: AppealDecisionInput, policy: EnrolmentPolicy
) -> None:
    action = "deciding an appeal"
    require_role(entry.actor, {Role.LSP_ASSESSOR}, action)
    require_lsp(entry.actor, state, action)
    require_stage(state, action, Stage.APPEAL_REVIEW)
    panel = set(entry.panel)
    if len(panel) != len(entry.panel):
        raise invalid("the panel lists a member twice")
    if len(panel) < policy.appeal_panel_size:
        raise invalid(f"an appeal panel needs at least {policy.appeal_panel_size} members")
    if entry.actor.subject not in panel:
        raise forbidden("only a member of the appeal panel may record its decision")
    contested = state.attempts[-1]
    if contested.assessor in panel:
        raise invalid(
            f"the panel must be independent: {contested.assessor} made the contested decision"
        )


# ---------------------------------------------------------------- any stage


def check_withdrawal(state: EnrolmentState, entry: WithdrawalInput) -> None:
    action = "withdrawing an enrolment"
    require_role(entry.actor, {Role.TPP_MEMBER}, action)
    require_upt(entry.actor, state, action)
    require_open(state)


# ---------------------------------------------------------------- custody holds


def hold_awaiting_review(state: EnrolmentState, now: datetime) -> Hold | None:
    """The hold whose TPP decision is due: a suspension at once, a sanction past the threshold."""
    for hold in state.holds:
        if hold.reviewed_by is None and hold.review_from is not None and hold.review_from <= now:
            return hold
    return None


def check_hold_review(state: EnrolmentState, entry: HoldReviewInput, now: datetime) -> None:
    action = "deciding on a suspended or paused enrolment"
    require_role(entry.actor, {Role.TPP_MEMBER}, action)
    require_upt(entry.actor, state, action)
    require_open(state)
    if hold_awaiting_review(state, now) is None:
        held = ", ".join(h.kind.value for h in state.holds) or "no hold"
        raise conflict(
            f"no hold of enrolment {state.enrolment_id} awaits a TPP decision ({held}; stage "
            f"{state.stage.value})"
        )
