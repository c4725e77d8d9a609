from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import api  # noqa: F401 - the API stack fixture, for the API tests
from tests.permits.support import PermitHarness, running_permit_harness


@pytest.fixture
async def harness(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[PermitHarness]:
    """Kemnaker's and Imigrasi's workers, each on its own queue, on this test's server."""
    async with running_permit_harness(time_skipping_env) as started:
        yield started
