"""The HTTP clients against the simulators served by a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from domain.registries import CertificateLookup, CertificationSubmission, InmateQuery
from registries.bnsp import IDEMPOTENCY_HEADER, BnspHttpClient, BnspSimulator
from registries.errors import RegistryRejected, UnknownSubmission
from registries.sdp import SdpHttpClient, SdpSimulator
from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_PRETRIAL
from tests.registries.support import TODAY


def submission(key: str = "enr-7:bnsp") -> CertificationSubmission:
    return CertificationSubmission(
        idempotency_key=key,
        enrolment_id="enr-7",
        scheme_code="SKM-LAS-SMAW-3G",
        lsp_code="LSP-LOGAM",
        unit_codes=("C.25LAS00.001.1", "C.25LAS00.012.1"),
        assessed_on=TODAY,
    )


async def test_inmate_over_http_matches_the_registry_record(
    sdp_client: SdpHttpClient, sdp_simulator: SdpSimulator
) -> None:
    for sdp_no in (DEMO_ELIGIBLE, DEMO_PRETRIAL):
        assert await sdp_client.get_inmate(sdp_no) == await sdp_simulator.get_inmate(sdp_no)


async def test_unknown_inmate_over_http_is_none(sdp_client: SdpHttpClient) -> None:
    assert await sdp_client.get_inmate("CPN-1999-99999") is None


async def test_an_sdp_number_cannot_reach_another_path(sdp_client: SdpHttpClient) -> None:
    # Quoted as one path segment: the server sees an unknown number, not /healthz.
    assert await sdp_client.get_inmate("../../healthz") is None


async def test_resubmitting_over_http_registers_once(
    bnsp_client: BnspHttpClient, bnsp_simulator: BnspSimulator
) -> None:
    first = await bnsp_client.submit(submission())
    again = await bnsp_client.submit(submission())
    assert first == again and bnsp_simulator.submission_count == 1


async def test_submit_answers_201_then_200_for_a_replay(simulator_url: str) -> None:
    body = submission().model_dump(mode="json")
    headers = {IDEMPOTENCY_HEADER: submission().idempotency_key}
    async with httpx.AsyncClient(base_url=simulator_url) as raw:
        created = await raw.post("/bnsp/submissions", json=body, headers=headers)
        replayed = await raw.post("/bnsp/submissions", json=body, headers=headers)
    assert (created.status_code, replayed.status_code) == (201, 200)
    assert created.json() == replayed.json()


async def test_submit_without_a_matching_idempotency_header_is_422(simulator_url: str) -> None:
    body = submission().model_dump(mode="json")
    async with httpx.AsyncClient(base_url=simulator_url) as raw:
        missing = await raw.post("/bnsp/submissions", json=body)
        other = await raw.post(
            "/bnsp/submissions", json=body, headers={IDEMPOTENCY_HEADER: "another-key"}
        )
        invalid = await raw.post(
            "/bnsp/submissions", json={"idempotency_key": "k"}, headers={IDEMPOTENCY_HEADER: "k"}
        )
    assert [r.status_code for r in (missing, other, invalid)] == [422, 422, 422]


async def test_key_reused_for_other_content_over_http_is_rejected(
    bnsp_client: BnspHttpClient,
) -> None:
    await bnsp_client.submit(submission())
    changed = submission().model_copy(update={"scheme_code": "SKM-BARISTA-2024"})
    with pytest.raises(RegistryRejected) as raised:
        await bnsp_client.submit(changed)
    assert raised.value.status_code == 409


async def test_certificate_over_http_waits_for_bnsp_then_arrives(
    bnsp_client: BnspHttpClient, bnsp_simulator: BnspSimulator
) -> None:
    bnsp_simulator.answering = False
    lookup = CertificateLookup(
        submission_ref=(await bnsp_client.submit(submission())).submission_ref
    )
    assert (await bnsp_client.lookup(lookup)).certificate is None
    bnsp_simulator.answering = True
    certificate = (await bnsp_client.lookup(lookup)).certificate
    assert certificate is not None
    assert certificate.number.startswith("BNSP/SKM-LAS-SMAW-3G/2025/")
    assert (certificate.issued_on, certificate.valid_until) == (TODAY, TODAY.replace(year=2028))


async def test_lookup_of_an_unknown_reference_over_http_is_an_unknown_submission(
    bnsp_client: BnspHttpClient,
) -> None:
    with pytest.raises(UnknownSubmission) as raised:
        await bnsp_client.lookup(CertificateLookup(submission_ref="BNSP-SUB-000000000000"))
    assert raised.value.status_code == 404


async def test_a_upts_inmates_over_http_match_the_registry(
    sdp_client: SdpHttpClient, sdp_simulator: SdpSimulator
) -> None:
    query = InmateQuery(upt_code="LP-CIPINANG", sdp_prefix="CPN-202", limit=3)
    page = await sdp_client.list_inmates(query)
    assert page == await sdp_simulator.list_inmates(query)
    assert [i.sdp_no for i in page.items] == sorted(i.sdp_no for i in page.items)
    assert len(page.items) == 3 and all(i.upt_code == "LP-CIPINANG" for i in page.items)
    rest = await sdp_client.list_inmates(query.model_copy(update={"after": page.items[-1].sdp_no}))
    assert not {i.sdp_no for i in rest.items} & {i.sdp_no for i in page.items}
    # A UPT code is one quoted path segment: it cannot reach another path of the registry.
    with pytest.raises(RegistryRejected):
        await sdp_client.list_inmates(InmateQuery(upt_code="../../healthz"))


async def test_synthetic_inmates_are_listed_in_number_order_after_the_seeded_ones() -> None:
    sdp = SdpSimulator.default(synthetic=5)
    page = await sdp.list_inmates(InmateQuery(upt_code="LP-CIPINANG", sdp_prefix="SYN-00000"))
    assert [i.sdp_no for i in page.items] == [f"SYN-00000{n}" for n in range(5)]
    first = await sdp.list_inmates(InmateQuery(upt_code="LP-CIPINANG", limit=7))
    assert first.items[-1].sdp_no == "SYN-000000"  # the six seeded CPN- numbers sort first
