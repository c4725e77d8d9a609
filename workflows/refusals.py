"""Refusing an Update: a broken domain rule, as the failure the API maps to an HTTP answer.

Every workflow's validators use these, so a refused input never enters history. They issue
no workflow command: using them leaves recorded histories replaying as they did.
"""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import DomainError


def refuse(error: DomainError) -> ApplicationError:
    # The type carries the refusal kind to the API, which maps it to 403/404/409/422.
    return ApplicationError(error.message, type=error.refusal.value, non_retryable=True)


def check(rule: Callable[[], None]) -> None:
    """Run a rule; a `DomainError` it raises refuses the Update."""
    try:
        rule()
    except DomainError as error:
        raise refuse(error) from None
