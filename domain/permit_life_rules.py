"""The active permit's rules, pure: who may file a report or ask for an extension, when, and
who decides an extension. The workflow's Update validators run them, so a refused input never
enters history (403 role/scope, 409 stage or timing, 422 content)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.clock import local_date
from domain.errors import conflict, forbidden, invalid
from domain.identity import Actor, Role
from domain.permit import PaymentConfirmation, PermitApplicationFields, PermitState, Stage
from domain.permit_life import (
    OPEN_EXTENSION_STEPS,
    AnnualReport,
    AnnualReportSubmission,
    ChangeRequest,
    ExtensionDecision,
    ExtensionRequest,
    ExtensionRound,
    ExtensionStep,
)
from domain.permit_policy import PermitPolicy
from domain.permit_rules import add_months, check_permit_scope, require_stage


def _as(actor: Actor, action: str, role: Role, employer_nib: str) -> None:
    if actor.role is not role:
        raise forbidden(f"{action} is for a {role.value}; you act as {actor.role.value}")
    check_permit_scope(actor, employer_nib)


def _active_with_steps(state: PermitState, action: str) -> None:
    require_stage(state, action, Stage.ACTIVE)
    if not state.life:
        raise conflict(
            f"application {state.application_id} became active before {action} was part of "
            "Sinergi; file it with Kemnaker directly until the permit is renewed"
        )


def current_extension(state: PermitState) -> ExtensionRound | None:
    """The extension being decided, if any."""
    if state.extensions and state.extensions[-1].step in OPEN_EXTENSION_STEPS:
        return state.extensions[-1]
    return None


def billed_extension(state: PermitState) -> ExtensionRound | None:
    """The extension whose new period's DKPTKA bill is open, if any: a SIMPONI confirmation
    during the active permit is for it."""
    current = current_extension(state)
    if current is not None and current.step is ExtensionStep.PAYMENT and current.billing_code:
        return current
    return None


def check_extension_payment(
    current: ExtensionRound, payment: PaymentConfirmation, now: datetime
) -> None:
    """A confirmation applies to the extension's open bill, in full, before it expired."""
    if payment.billing_code != current.billing_code:
        raise invalid(f"billing code {payment.billing_code} is not this application's bill")
    if current.payment_id is not None:
        raise conflict(f"bill {payment.billing_code} is already settled")
    assert current.payment_due is not None
    if now >= current.payment_due:
        raise conflict(
            f"bill {payment.billing_code} expired at {current.payment_due.isoformat()}; the "
            "payment is refused and must be refunded"
        )
    if payment.amount_usd != current.amount_usd:
        raise invalid(
            f"paid US${payment.amount_usd}, billed US${current.amount_usd}: a bill is paid in full"
        )


def granted_extensions(state: PermitState) -> int:
    return sum(1 for r in state.extensions if r.step is ExtensionStep.GRANTED)


def extension_deadline(state: PermitState) -> date | None:
    """The last day an extension may be filed: 30 working days before expiry."""
    return state.extension_reminder_on


def check_annual_report(state: PermitState, entry: AnnualReportSubmission) -> AnnualReport:
    _as(entry.actor, "filing the annual report", Role.EMPLOYER, state.employer_nib)
    _active_with_steps(state, "filing the annual report")
    report = next((r for r in state.annual_reports if r.year == entry.year), None)
    if report is None:
        due = [r.year for r in state.annual_reports if r.submitted_at is None]
        raise conflict(
            f"the report on year {entry.year} is not due yet: a year's report is asked for on "
            f"the permit's anniversary"
            + (f"; open now: year {', '.join(map(str, due))}" if due else "")
        )
    if report.submitted_at is not None:
        raise conflict(
            f"the report on year {entry.year} was already filed at "
            f"{report.submitted_at.isoformat()}"
        )
    return report


def check_extension_request(
    state: PermitState,
    entry: ExtensionRequest,
    now: datetime,
    fields: PermitApplicationFields,
    policy: PermitPolicy,
) -> None:
    _as(entry.actor, "requesting an extension", Role.EMPLOYER, state.employer_nib)
    _active_with_steps(state, "requesting an extension")
    if current_extension(state) is not None:
        raise conflict("an extension is already being decided for this permit")
    period = granted_extensions(state)
    if any(r.period == period and r.step is ExtensionStep.REFUSED for r in state.extensions):
        raise conflict(
            f"the extension was refused; the permit ends on {state.permit.valid_until}: "
            "submit a new application"
        )
    deadline = extension_deadline(state)
    if deadline is not None and local_date(now) > deadline:
        raise conflict(
            f"too late: an extension must be filed at least "
            f"{policy.extension_reminder_working_days} working days before expiry (by "
            f"{deadline}); the permit ends on {state.permit.valid_until}"
        )
    limit = policy.max_duration_months_kek if fields.in_kek else policy.max_duration_months
    if entry.months > limit:
        where = "in a special economic zone (KEK)" if fields.in_kek else "outside a KEK"
        raise invalid(f"months: an extension of {entry.months} months exceeds the {limit}-month "
                      f"limit {where}")  # fmt: skip


_DECIDERS = {
    ExtensionStep.VERIFICATION: (Role.KEMNAKER_VERIFIER, "verifying the extension"),
    ExtensionStep.APPROVAL: (Role.KEMNAKER_DIRECTOR, "approving the extension"),
}


def check_extension_decision(
    state: PermitState, entry: ExtensionDecision, step: ExtensionStep
) -> ExtensionRound:
    role, action = _DECIDERS[step]
    _as(entry.actor, action, role, state.employer_nib)
    require_stage(state, action, Stage.ACTIVE)
    current = current_extension(state)
    if current is None:
        raise conflict("no extension is being decided for this permit")
    if current.step is not step or current.task_id is None:
        raise conflict(f"{action} is not possible now: the extension is at {current.step.value}")
    return current


def check_change(state: PermitState, entry: ChangeRequest, fields: PermitApplicationFields) -> None:
    """Always refused: a permit is for one position at one location."""
    _as(entry.actor, "changing the permit", Role.EMPLOYER, state.employer_nib)
    if state.outcome is not None:
        raise conflict(f"application {state.application_id} is closed ({state.outcome.value})")
    changes = []
    if entry.position_title is not None and entry.position_title != fields.position_title:
        changes.append(f"position {fields.position_title!r} -> {entry.position_title!r}")
    if entry.work_location is not None and entry.work_location != fields.work_location:
        changes.append(f"work location {fields.work_location!r} -> {entry.work_location!r}")
    if not changes:
        raise invalid(
            "nothing to change: give a new position_title or work_location different from "
            "the permit's"
        )
    raise conflict(
        f"{' and '.join(changes)} needs a new application: a permit (RPTKA and ITAS) is for "
        "one position at one work location; submit a new application for the new one"
    )


def extended_until(valid_until: date, months: int) -> date:
    """The last day of an extension of `months` starting the day after `valid_until`."""
    start = valid_until + timedelta(days=1)
    return add_months(start, months) - timedelta(days=1)
