"""After release, the placement follow-up: its rules, as pure functions.

The placement workflow's update validators call the `check_*` functions, so a decision by
the wrong person, on a closed case or with inconsistent content never enters history.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from domain.clock import local_date
from domain.errors import conflict, forbidden, invalid
from domain.identity import Actor, Ministry, Role
from domain.placement import (
    CheckInInput,
    OutcomeInput,
    OutcomeKind,
    PlacementState,
    PlacementStatus,
)


def add_months(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months later (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def add_months_to_date(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def check_officer(state: PlacementState, actor: Actor) -> None:
    """Placement is Kemnaker job placement's work: its officers, on an open case."""
    if actor.role is not Role.KEMNAKER_OFFICER or actor.scope.ministry is not Ministry.KEMNAKER:
        raise forbidden("the placement follow-up is recorded by a Kemnaker officer (job placement)")
    if state.status is PlacementStatus.CLOSED:
        why = state.close_reason.value if state.close_reason else "closed"
        raise conflict(
            f"placement {state.placement_id} is closed ({why}); nothing more is recorded"
        )


def check_outcome(state: PlacementState, outcome: OutcomeInput, now: datetime) -> None:
    check_officer(state, outcome.actor)
    employed = outcome.outcome is OutcomeKind.EMPLOYED
    missing = [
        name
        for name, value in (
            ("employer", outcome.employer),
            ("sector", outcome.sector),
            ("start_date", outcome.start_date),
        )
        if employed and not value
    ]
    if missing:
        raise invalid(f"an 'employed' outcome needs {', '.join(missing)}")
    if not employed:
        extra = [n for n in ("employer", "sector", "start_date") if getattr(outcome, n) is not None]
        if extra:
            raise invalid(f"{', '.join(extra)} apply to an 'employed' outcome only")
    further = outcome.outcome is OutcomeKind.FURTHER_TRAINING
    if further and not outcome.training:
        raise invalid("a 'further_training' outcome needs training (the course and provider)")
    if not further and outcome.training is not None:
        raise invalid("training applies to a 'further_training' outcome only")
    if outcome.start_date is not None:
        if outcome.start_date > local_date(now):
            raise invalid("start_date is in the future: record the job once it has started")
        if outcome.start_date < local_date(state.released_at):
            raise invalid(
                f"start_date is before the release ({local_date(state.released_at).isoformat()})"
            )


def check_check_in(state: PlacementState, check_in: CheckInInput) -> None:
    check_officer(state, check_in.actor)
    current = state.open_check_in()
    if current is None:
        raise conflict("no check-in is open now; the next opens on its month")
    if check_in.month != current.month:
        raise conflict(f"the open check-in is month {current.month}, not {check_in.month}")
    if check_in.job_confirmed:
        if state.outcome is None or state.outcome.outcome is not OutcomeKind.EMPLOYED:
            raise invalid("job_confirmed needs an 'employed' outcome recorded first")
        if not check_in.reached:
            raise invalid("a job is confirmed only with the person (or employer) reached")


def job_held(state: PlacementState, now: datetime, months: int) -> bool:
    """The latest check-in confirmed the recorded job, held at least `months` months."""
    done = [c for c in state.check_ins if c.recorded is not None]
    outcome = state.outcome
    if not done or outcome is None or outcome.outcome is not OutcomeKind.EMPLOYED:
        return False
    last = done[-1].recorded
    assert last is not None and outcome.start_date is not None
    held_since = add_months_to_date(outcome.start_date, months)
    return last.job_confirmed and local_date(now) >= held_since
