"""Domain and Temporal failures as HTTP answers a person can act on. A 500 is a bug."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.errors import HTTP_STATUS, DomainError, Refusal
from registries.errors import RegistryRejected, RegistryUnavailable


def refusal_from_update(error: WorkflowUpdateFailedError) -> DomainError:
    """An update refused by its validator (or handler) carries the refusal as its type."""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type in {r.value for r in Refusal}:
        return DomainError(Refusal(str(cause.type)), cause.message)
    raise error  # not a refusal: a bug, let it surface as a 500


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, error: DomainError) -> JSONResponse:
        return JSONResponse(
            status_code=HTTP_STATUS[error.refusal], content={"detail": error.message}
        )

    @app.exception_handler(RegistryUnavailable)
    async def _unavailable(_: Request, error: RegistryUnavailable) -> JSONResponse:
        return JSONResponse(
            status_code=503,
            content={"detail": f"{error} — nothing was changed; try again shortly"},
            headers={"Retry-After": "30"},
        )

    @app.exception_handler(RegistryRejected)
    async def _rejected(_: Request, error: RegistryRejected) -> JSONResponse:
        return JSONResponse(status_code=502, content={"detail": str(error)})
