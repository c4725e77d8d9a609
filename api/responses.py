"""The error answers every route documents, with the body they really have: one helper so the
OpenAPI, a generated client and a schema checker agree with what the API sends."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ValidationIssue(BaseModel):
    """One problem with a request, as FastAPI reports it (422)."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer: `detail` says what to fix (a sentence), or, for a request the
    schema refuses, which fields and why (a list)."""

    detail: str | list[ValidationIssue] = Field(description="what to fix")


_WHAT: dict[int, str] = {
    400: "the request is malformed (e.g. control characters in the path or query)",
    401: "no valid bearer token",
    403: "the token's role or scope does not allow this",
    404: "no such thing, or not visible to this token",
    409: "the case's state does not allow this now, or an Idempotency-Key was reused",
    422: "the input breaks a rule or the schema; `detail` says what to fix",
    502: "an external registry refused the request",
    503: "Postgres, Temporal or a worker is unavailable: nothing was changed, retry later",
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "integer"},
    }
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with its meaning and the ErrorBody schema; 503
    (every route can meet an outage) is always among them, with its Retry-After header."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 503}):
        entry: dict[str, Any] = {"model": ErrorBody, "description": _WHAT[status]}
        if status == 503:
            entry["headers"] = RETRY_AFTER
        documented[status] = entry
    return documented
