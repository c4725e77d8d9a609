"""How a registry call fails, split by what the caller should do about it.

`RegistryUnavailable` is transient (network error, timeout, 5xx, 429): retry later.
`RegistryRejected` is final (any other 4xx, an unknown reference): retrying cannot help,
so activities turn it into a non-retryable failure for a person to look at.

Messages name the registry, the operation and the HTTP status only. They never quote a
response body, because a registry may echo personal data (names, NIK) back to us, and these
messages end up in workflow history and logs.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base of both failures, for callers that only need to know a registry call failed."""

    def __init__(self, registry: str, message: str, status_code: int | None = None) -> None:
        super().__init__(f"{registry}: {message}")
        self.registry = registry
        self.status_code = status_code


class RegistryUnavailable(RegistryError):
    """The registry could not answer now (network error, timeout, 5xx, 429). Retry later."""


class RegistryRejected(RegistryError):
    """The registry refused the request (4xx other than 429). Retrying the same call won't help."""


class UnknownSubmission(RegistryRejected):
    """BNSP does not know a submission reference. The caller may resubmit under the same
    idempotency key: BNSP registers it once either way."""
