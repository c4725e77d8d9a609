"""Choose each registry's adapter from settings: the in-process simulator or the HTTP client."""

from __future__ import annotations

from typing import Protocol

from config.settings import RegistryMode, Settings
from domain.permit_registries import SimkimRegistry, SimponiRegistry
from domain.registries import BnspRegistry, SdpRegistry
from registries.bnsp import BnspHttpClient, BnspSimulator
from registries.sdp import SdpHttpClient, SdpSimulator
from registries.simkim import SimkimHttpClient, SimkimSimulator
from registries.simponi import SimponiHttpClient, SimponiSimulator


class ClosableSdpRegistry(SdpRegistry, Protocol):
    """An SdpRegistry the process owns: close it with `aclose()` at shutdown."""

    async def aclose(self) -> None: ...


class ClosableBnspRegistry(BnspRegistry, Protocol):
    """A BnspRegistry the process owns: close it with `aclose()` at shutdown."""

    async def aclose(self) -> None: ...


def build_sdp(settings: Settings) -> ClosableSdpRegistry:
    if settings.sdp_mode is RegistryMode.HTTP:
        return SdpHttpClient(settings.sdp_url, settings.registry_timeout_seconds)
    return SdpSimulator.default(synthetic=settings.sdp_synthetic_inmates)


def build_bnsp(settings: Settings) -> ClosableBnspRegistry:
    if settings.bnsp_mode is RegistryMode.HTTP:
        return BnspHttpClient(settings.bnsp_url, settings.registry_timeout_seconds)
    # In-process, a BNSP simulator keeps what it registered under the state dir, so a worker
    # restart does not make BNSP forget a submission.
    return BnspSimulator(state_file=settings.state_dir / "bnsp-simulator.json")


def build_simponi(settings: Settings) -> SimponiRegistry:
    if settings.simponi_mode is RegistryMode.HTTP:
        return SimponiHttpClient(settings.simponi_url, settings.registry_timeout_seconds)
    return SimponiSimulator()


def build_simkim(settings: Settings) -> SimkimRegistry:
    if settings.simkim_mode is RegistryMode.HTTP:
        return SimkimHttpClient(settings.simkim_url, settings.registry_timeout_seconds)
    return SimkimSimulator()
