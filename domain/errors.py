"""Typed refusals shared by workflows and the API, so each maps to one clear HTTP answer."""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    """Why an input was refused; the value is the Temporal ApplicationError type too."""

    FORBIDDEN = "Forbidden"  # wrong role or out of scope -> 403
    NOT_FOUND = "NotFound"  # unknown id -> 404
    CONFLICT = "Conflict"  # wrong stage, duplicate, finished case -> 409
    INVALID = "Invalid"  # malformed or inconsistent content -> 422


# The error type of an activity whose data Postgres refused (a NUL, text it cannot encode):
# no retry cures it, the worker makes it an incident (workers/incidents.py), and a local
# projection hands its write on to a regular activity (workflows/case_events.py).
POISONED_INPUT = "PoisonedInput"


HTTP_STATUS: dict[Refusal, int] = {
    Refusal.FORBIDDEN: 403,
    Refusal.NOT_FOUND: 404,
    Refusal.CONFLICT: 409,
    Refusal.INVALID: 422,
}


class DomainError(Exception):
    """A rule refused an input. The message says what to fix."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message


def forbidden(message: str) -> DomainError:
    return DomainError(Refusal.FORBIDDEN, message)


def not_found(message: str) -> DomainError:
    return DomainError(Refusal.NOT_FOUND, message)


def conflict(message: str) -> DomainError:
    return DomainError(Refusal.CONFLICT, message)


def invalid(message: str) -> DomainError:
    return DomainError(Refusal.INVALID, message)
