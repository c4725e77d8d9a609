"""Settings choose each registry's adapter: the in-process simulator unless told HTTP."""

from __future__ import annotations

from config.settings import RegistryMode, Settings
from registries.bnsp import BnspHttpClient, BnspSimulator
from registries.factory import build_bnsp, build_sdp
from registries.sdp import SdpHttpClient, SdpSimulator
from registries.sdp_seed import DEMO_ELIGIBLE


async def test_simulators_are_the_embedded_default() -> None:
    settings = Settings(sdp_mode=RegistryMode.SIMULATOR, bnsp_mode=RegistryMode.SIMULATOR)
    sdp, bnsp = build_sdp(settings), build_bnsp(settings)
    assert isinstance(sdp, SdpSimulator) and isinstance(bnsp, BnspSimulator)
    assert await sdp.get_inmate(DEMO_ELIGIBLE) is not None  # seeded with the demo inmates


async def test_http_mode_builds_http_clients_for_the_configured_urls() -> None:
    settings = Settings(
        sdp_mode=RegistryMode.HTTP,
        sdp_url="http://sdp.test:9000",
        bnsp_mode=RegistryMode.HTTP,
        bnsp_url="http://bnsp.test:9001",
    )
    sdp, bnsp = build_sdp(settings), build_bnsp(settings)
    try:
        assert isinstance(sdp, SdpHttpClient) and isinstance(bnsp, BnspHttpClient)
        assert sdp.base_url == "http://sdp.test:9000"
        assert bnsp.base_url == "http://bnsp.test:9001"
    finally:
        await sdp.aclose()
        await bnsp.aclose()


async def test_each_registry_follows_its_own_mode() -> None:
    settings = Settings(sdp_mode=RegistryMode.HTTP, bnsp_mode=RegistryMode.SIMULATOR)
    sdp, bnsp = build_sdp(settings), build_bnsp(settings)
    assert isinstance(sdp, SdpHttpClient) and isinstance(bnsp, BnspSimulator)
    await sdp.aclose()
