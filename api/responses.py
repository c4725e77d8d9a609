"""The error answers every route documents, with the body they really have: one helper so the
OpenAPI, a generated client and a schema checker agree with what the API sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
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
    503: "Postgres, Temporal or a worker is unavailable: retry after Retry-After seconds (a "
    "change may still be applied: retry it with the same Idempotency-Key)",
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


def document_errors(app: FastAPI) -> None:
    """Every operation of `app` documents the errors it can answer with the real ErrorBody:
    401 and 403 when it takes a token, 404 when it names a thing in its path, 409 when it
    changes something, 422 when it takes input (FastAPI's own 422 schema is not what the API
    sends: api/input_guard.py), and 503 with Retry-After always. A status an operation
    declares itself (`responses=answers(...)`) is kept, but 422 is always ErrorBody."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorBody, ValidationIssue):
            schemas[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
        schemas[ErrorBody.__name__].pop("$defs", None)
        for path, item in spec.get("paths", {}).items():
            for method, operation in item.items():
                _document(path, method, operation)
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def _document(path: str, method: str, operation: dict[str, Any]) -> None:
    statuses = {503}
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses |= {404}
    if method in ("post", "put", "patch", "delete"):
        statuses |= {409}
    if operation.get("parameters") or operation.get("requestBody"):
        statuses |= {422}
    responses = operation.setdefault("responses", {})
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for status in sorted(statuses):
        key = str(status)
        if key in responses and status != 422:
            continue
        entry: dict[str, Any] = {"description": _WHAT[status], "content": body}
        if status == 503:
            entry["headers"] = RETRY_AFTER
        responses[key] = entry
