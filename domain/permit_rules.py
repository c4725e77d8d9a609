"""Process B's rules, pure: what a submission must satisfy, and who may decide what, when.

The API runs `check_submission` before anything is stored; the workflow's Update validators
run the decision rules, so a refused decision never enters history. Each refusal is a
`DomainError` with a message that says what to fix (403 role/scope, 409 stage, 422 content).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from domain.clock import local_date
from domain.country import is_alpha_2
from domain.errors import conflict, forbidden, invalid
from domain.identity import Actor, Ministry, Role, Scope
from domain.permit import (
    ArrivalRecord,
    FeasibilityDecision,
    PaymentConfirmation,
    PermitApplicationFields,
    PermitState,
    PositionKind,
    Resubmission,
    RptkaDecision,
    Stage,
    Termination,
    VerificationDecision,
    VisaChoice,
    VisaDecision,
)
from domain.permit_policy import PermitPolicy

# NIB (Nomor Induk Berusaha, OSS): 13 digits.
NIB_PATTERN = re.compile(r"^\d{13}$")
# A machine-readable passport number (ICAO 9303): up to 9 letters or digits.
PASSPORT_PATTERN = re.compile(r"^[A-Z0-9]{6,9}$")
_NO_PENDAMPING_NEEDED = frozenset({PositionKind.DIRECTOR, PositionKind.COMMISSIONER})


def _normalised(title: str) -> str:
    return " ".join(title.lower().replace("/", " ").replace("-", " ").split())


def check_nib(nib: str | None) -> str:
    if nib is None or not NIB_PATTERN.match(nib):
        raise invalid(
            f"the employer NIB {nib!r} is malformed: an NIB is 13 digits (OSS registration)"
        )
    return nib


@dataclass(frozen=True)
class RuleCheck:
    """One rule of domain.md's step 1 against one submission: the form field it is about,
    its verdict, the catalogue key a page words it with (`rule.<key>.ok` / `.fail`, with
    `params`), and the sentence the API's 422 says when it fails."""

    field: str
    ok: bool
    key: str
    params: dict[str, object]
    problem: str


def submission_checks(
    *,
    position_title: str,
    position_kind: PositionKind,
    duration_months: int,
    in_kek: bool,
    pendamping_named: bool,
    passport_no: str,
    nationality: str,
    policy: PermitPolicy,
) -> list[RuleCheck]:
    """Every rule of step 1 with its verdict: what the API refuses with, what the employer's
    form shows beside each field and what a reviewer's task page lists."""
    closed = _normalised(position_title) in {_normalised(p) for p in policy.closed_positions}
    limit = policy.max_duration_months_kek if in_kek else policy.max_duration_months
    where = "in a special economic zone (KEK)" if in_kek else "outside a KEK"
    exempt = position_kind in _NO_PENDAMPING_NEEDED
    return [
        RuleCheck(
            "position_title", not closed, "closed_position", {"position": position_title},
            f"position {position_title!r} is closed to foreign workers; "
            "personnel and HR positions must be held by Indonesian citizens",
        ),
        RuleCheck(
            "duration_months", duration_months <= limit,
            "duration_kek" if in_kek else "duration",
            {"months": duration_months, "limit": limit},
            f"duration {duration_months} months exceeds the {limit}-month limit {where}",
        ),
        RuleCheck(
            "pendamping_name", pendamping_named or exempt,
            "pendamping_exempt" if exempt else "pendamping", {},
            f"a pendamping (Indonesian companion worker) must be named for a "
            f"{position_kind.value} position; only directors and commissioners are exempt",
        ),
        RuleCheck(
            "passport_no", bool(PASSPORT_PATTERN.match(passport_no)), "passport", {},
            "the passport number is malformed: 6 to 9 capital letters or digits, no spaces",
        ),
        RuleCheck(
            "nationality", is_alpha_2(nationality), "nationality", {"code": nationality},
            f"{nationality!r} is not an ISO 3166-1 alpha-2 country code (e.g. IN, CN, JP, KR)",
        ),
    ]  # fmt: skip


def checks_of(fields: PermitApplicationFields, policy: PermitPolicy) -> list[RuleCheck]:
    return submission_checks(
        position_title=fields.position_title,
        position_kind=fields.position_kind,
        duration_months=fields.duration_months,
        in_kek=fields.in_kek,
        pendamping_named=fields.pendamping is not None,
        passport_no=fields.passport_no,
        nationality=fields.nationality,
        policy=policy,
    )


def submission_problems(fields: PermitApplicationFields, policy: PermitPolicy) -> list[str]:
    """Every rule of domain.md's step 1 the submission breaks, each as a sentence to act on."""
    return [c.problem for c in checks_of(fields, policy) if not c.ok]


def check_submission(fields: PermitApplicationFields, nib: str | None, policy: PermitPolicy) -> str:
    """Raise one 422 naming every problem; returns the employer's NIB."""
    checked = check_nib(nib)
    problems = submission_problems(fields, policy)
    if problems:
        raise invalid("the application cannot be submitted: " + "; ".join(problems))
    return checked


def is_exempt(fields: PermitApplicationFields, policy: PermitPolicy) -> bool:
    return fields.employer_category.value in policy.exempt_employer_categories


def dkptka_amount(fields: PermitApplicationFields, policy: PermitPolicy) -> int:
    return policy.dkptka_usd_per_month * fields.duration_months


# ---------------------------------------------------------------- who may act on a case

_MINISTRY_OF = {
    Role.KEMNAKER_VERIFIER: Ministry.KEMNAKER,
    Role.KEMNAKER_DIRECTOR: Ministry.KEMNAKER,
    Role.IMIGRASI_OFFICER: Ministry.IMIGRASI,
}


def check_permit_scope(actor: Actor, employer_nib: str) -> None:
    """Does the actor's scope cover this application at all? Checked before anything else."""
    if actor.role is Role.EMPLOYER:
        if actor.scope.employer_nib != employer_nib:
            raise forbidden("this application belongs to another employer (NIB)")
        return
    ministry = _MINISTRY_OF.get(actor.role)
    if ministry is not None and actor.scope.ministry is not ministry:
        raise forbidden(f"acting as {actor.role.value} needs {ministry.value} scope")


def _require(actor: Actor, action: str, *roles: Role) -> None:
    if actor.role not in roles:
        names = " or ".join(r.value for r in roles)
        raise forbidden(f"{action} is for a {names}; you act as {actor.role.value}")


def require_stage(state: PermitState, action: str, *stages: Stage) -> None:
    if state.outcome is not None:
        raise conflict(
            f"application {state.application_id} is closed ({state.outcome.value}); "
            "nothing more can be decided on it"
        )
    if state.stage not in stages:
        wanted = " or ".join(s.value for s in stages)
        raise conflict(
            f"{action} is possible at stage {wanted}; the application is at {state.stage.value}"
        )


def _check(state: PermitState, actor: Actor, action: str, roles: tuple[Role, ...]) -> None:
    _require(actor, action, *roles)
    check_permit_scope(actor, state.employer_nib)


def check_verification(state: PermitState, decision: VerificationDecision) -> None:
    _check(state, decision.actor, "document verification", (Role.KEMNAKER_VERIFIER,))
    require_stage(state, "document verification", Stage.DOCUMENT_VERIFICATION)


def check_resubmission(state: PermitState, entry: Resubmission, now: datetime) -> None:
    _check(state, entry.actor, "resubmitting documents", (Role.EMPLOYER,))
    require_stage(state, "resubmitting documents", Stage.REVISION, Stage.VISA_HOLD)
    if state.revision_due is not None and now >= state.revision_due:
        raise conflict(
            f"the resubmission window closed at {state.revision_due.isoformat()}; "
            "the application lapses"
        )


def check_feasibility(state: PermitState, decision: FeasibilityDecision) -> None:
    _check(state, decision.actor, "the feasibility assessment", (Role.KEMNAKER_VERIFIER,))
    require_stage(state, "the feasibility assessment", Stage.FEASIBILITY)


def check_payment(state: PermitState, payment: PaymentConfirmation, now: datetime) -> None:
    """A confirmation applies to the open bill, for its amount, before it expired."""
    bill = state.billing
    if bill is None or bill.billing_code != payment.billing_code:
        raise invalid(f"billing code {payment.billing_code} is not this application's bill")
    if now >= bill.due_at:
        raise conflict(
            f"bill {bill.billing_code} expired at {bill.due_at.isoformat()}; the payment is "
            "refused and must be refunded"
        )
    if state.stage is not Stage.PAYMENT or state.outcome is not None:
        raise conflict(f"bill {bill.billing_code} is already settled")
    if payment.amount_usd != bill.amount_usd:
        raise invalid(
            f"paid US${payment.amount_usd}, billed US${bill.amount_usd}: a bill is paid in full"
        )


def check_rptka(state: PermitState, decision: RptkaDecision) -> None:
    _check(state, decision.actor, "RPTKA approval (pengesahan)", (Role.KEMNAKER_DIRECTOR,))
    require_stage(state, "RPTKA approval", Stage.RPTKA_APPROVAL)


def check_visa(state: PermitState, decision: VisaDecision) -> None:
    _check(state, decision.actor, "the visa decision", (Role.IMIGRASI_OFFICER,))
    require_stage(state, "the visa decision", Stage.VISA_DECISION)
    if decision.decision is VisaChoice.APPROVE and state.checks is not None:
        if state.checks.travel_ban:
            raise invalid("the TKA is on the travel-ban list: the visa cannot be approved")
        if not state.checks.background_clear:
            raise invalid(
                "the background check did not clear: hold for documents or reject the visa"
            )


def check_arrival(state: PermitState, entry: ArrivalRecord, today: date) -> None:
    _check(state, entry.actor, "recording the arrival", (Role.IMIGRASI_OFFICER,))
    require_stage(state, "recording the arrival", Stage.AWAITING_ARRIVAL)
    if entry.arrived_on > today:
        raise invalid(
            f"the arrival date {entry.arrived_on} is in the future: arrival dates are Jakarta "
            f"dates (WIB), and today in Jakarta is {today}"
        )
    # The ITAS runs from the arrival: an arrival before the visa would start (and, far
    # enough back, end) the permit before the TKA could have entered on it.
    issued = local_date(state.awaiting.since) if state.awaiting is not None else None
    if issued is not None and entry.arrived_on < issued:
        raise invalid(
            f"the arrival date {entry.arrived_on} is before the C312 visa was issued "
            f"({issued}, a Jakarta date): the TKA enters on the visa; send the Jakarta date "
            "of the arrival (WIB), not the UTC one"
        )


def check_termination(state: PermitState, entry: Termination) -> None:
    _check(state, entry.actor, "early termination", (Role.EMPLOYER, Role.IMIGRASI_OFFICER))
    require_stage(state, "early termination", Stage.ACTIVE)


# ---------------------------------------------------------------- the active permit's calendar


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has a 28th")


def permit_valid_until(valid_from: date, duration_months: int) -> date:
    """The last day of a permit starting on `valid_from` (the day before the same date
    `duration_months` later)."""
    return date.fromordinal(add_months(valid_from, duration_months).toordinal() - 1)


def annual_report_due_dates(valid_from: date, valid_until: date, every_months: int) -> list[date]:
    """Each anniversary of the permit's start that falls before its last day."""
    dues: list[date] = []
    n = 1
    while (due := add_months(valid_from, every_months * n)) < valid_until:
        dues.append(due)
        n += 1
    return dues


# The ministries that take part in Process B; an auditor of another (Kemenimipas'
# corrections side) audits none of it.
PROCESS_B_MINISTRIES = frozenset({Ministry.KEMNAKER, Ministry.IMIGRASI})


def audits_process_b(scope: Scope) -> bool:
    """An auditor of all ministries (no ministry in scope), or of one that takes part."""
    return scope.ministry is None or scope.ministry in PROCESS_B_MINISTRIES
