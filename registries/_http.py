"""What both HTTP clients share: one AsyncClient and one mapping of failures to errors."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import structlog
from pydantic import BaseModel, ValidationError

from registries.errors import RegistryRejected, RegistryUnavailable

log = structlog.get_logger(__name__)

ModelT = TypeVar("ModelT", bound=BaseModel)

# Failures on the way (no answer, or a garbled one): the registry may answer on a retry.
# Others (an invalid URL, an unsupported scheme) are configuration bugs and propagate as is.
_TRANSIENT_TRANSPORT_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


def is_transient_status(status_code: int) -> bool:
    """5xx and 429 (rate limited) are worth retrying; other 4xx are refusals."""
    return status_code >= 500 or status_code == httpx.codes.TOO_MANY_REQUESTS


class RegistryHttpClient:
    """An httpx.AsyncClient for one registry. Close it with `aclose()` or `async with`."""

    def __init__(
        self,
        registry: str,
        base_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._registry = registry
        self._client = httpx.AsyncClient(
            base_url=base_url, timeout=httpx.Timeout(timeout), transport=transport
        )

    @property
    def base_url(self) -> str:
        return str(self._client.base_url)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _send(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
        not_found_is_answer: bool = False,
    ) -> httpx.Response:
        """Send one request; raise RegistryUnavailable/RegistryRejected for a failed answer.

        With `not_found_is_answer`, a 404 is returned for the caller to read as "no such
        thing"; otherwise it is a refusal like any other 4xx.
        """
        try:
            response = await self._client.request(method, path, json=json, headers=headers)
        except _TRANSIENT_TRANSPORT_ERRORS as error:
            log.warning(
                "registry_unreachable",
                registry=self._registry,
                operation=operation,
                error=type(error).__name__,
            )
            raise RegistryUnavailable(
                self._registry, f"{operation} failed: {type(error).__name__}"
            ) from error
        status = response.status_code
        if status < 400 or (not_found_is_answer and status == httpx.codes.NOT_FOUND):
            return response
        log.warning(
            "registry_refused_call", registry=self._registry, operation=operation, status=status
        )
        if is_transient_status(status):
            raise RegistryUnavailable(
                self._registry, f"{operation} answered HTTP {status}", status_code=status
            )
        raise RegistryRejected(
            self._registry, f"{operation} refused with HTTP {status}", status_code=status
        )

    def _parse(self, operation: str, response: httpx.Response, model: type[ModelT]) -> ModelT:
        """Read the body as `model`. A body outside the contract counts as unavailable:
        it is the registry misbehaving (e.g. a bad deploy), which its operators can fix
        while our calls keep retrying, rather than a refusal of our request."""
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            log.error(
                "registry_answer_outside_contract",
                registry=self._registry,
                operation=operation,
                status=response.status_code,
                errors=error.error_count(),
            )
            raise RegistryUnavailable(
                self._registry,
                f"{operation} answered HTTP {response.status_code} with a body outside the "
                "contract",
                status_code=response.status_code,
            ) from None
