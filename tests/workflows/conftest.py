from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.workflows.permit_support import PermitHarness, running_permit_harness
from tests.workflows.support import Harness, running_harness


@pytest.fixture
async def harness(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    """A fresh worker and fakes per test, against the session's time-skipping server."""
    async with running_harness(time_skipping_env) as started:
        yield started


@pytest.fixture
async def permit_harness(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[PermitHarness]:
    """Kemnaker's and Imigrasi's workers, each on its own queue, on this test's server."""
    async with running_permit_harness(time_skipping_env) as started:
        yield started
