"""Fixtures: the registry simulators served over real HTTP on 127.0.0.1, one server per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from registries.bnsp import BnspHttpClient, BnspSimulator
from registries.sdp import SdpHttpClient, SdpSimulator
from registries.simulator_server import create_simulator_app
from tests.registries.support import TODAY, Clock, serve


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def sdp_simulator() -> SdpSimulator:
    return SdpSimulator.default(TODAY)


@pytest.fixture
def bnsp_simulator(clock: Clock) -> BnspSimulator:
    return BnspSimulator(today=clock)


@pytest.fixture
async def simulator_url(
    sdp_simulator: SdpSimulator, bnsp_simulator: BnspSimulator
) -> AsyncIterator[str]:
    async with serve(create_simulator_app(sdp_simulator, bnsp_simulator)) as url:
        yield url


@pytest.fixture
async def sdp_client(simulator_url: str) -> AsyncIterator[SdpHttpClient]:
    async with SdpHttpClient(simulator_url, timeout=5) as client:
        yield client


@pytest.fixture
async def bnsp_client(simulator_url: str) -> AsyncIterator[BnspHttpClient]:
    async with BnspHttpClient(simulator_url, timeout=5) as client:
        yield client
