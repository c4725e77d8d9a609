from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.workflows.support import Harness, running_harness


@pytest.fixture
async def harness(time_skipping_env: WorkflowEnvironment) -> AsyncIterator[Harness]:
    """A fresh worker and fakes per test, against the session's time-skipping server."""
    async with running_harness(time_skipping_env) as started:
        yield started
