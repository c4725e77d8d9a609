"""BNSP simulator: idempotent submissions, certificates once answering, 3-year validity."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.registries import CertificateLookup, CertificationSubmission
from registries.bnsp import BnspSimulator, add_years, submission_ref_for
from registries.errors import RegistryRejected, UnknownSubmission
from tests.registries.support import TODAY, Clock


def submission(
    key: str = "enr-1:bnsp", scheme: str = "SKM-BARISTA-2024"
) -> CertificationSubmission:
    return CertificationSubmission(
        idempotency_key=key,
        enrolment_id=key.split(":")[0],
        scheme_code=scheme,
        lsp_code="LSP-PARIWISATA",
        unit_codes=("I.56BAR00.001.1", "I.56BAR00.002.1"),
        assessed_on=TODAY,
    )


async def test_resubmitting_with_the_same_key_registers_once() -> None:
    bnsp = BnspSimulator(today=Clock(TODAY))
    first = await bnsp.submit(submission())
    again = await bnsp.submit(submission())
    assert first == again
    assert first.submission_ref == submission_ref_for("enr-1:bnsp")
    assert bnsp.submission_count == 1


async def test_different_keys_get_different_references() -> None:
    bnsp = BnspSimulator(today=Clock(TODAY))
    one = await bnsp.submit(submission("enr-1:bnsp"))
    two = await bnsp.submit(submission("enr-2:bnsp"))
    assert one != two and bnsp.submission_count == 2


async def test_reusing_a_key_for_different_content_is_rejected() -> None:
    bnsp = BnspSimulator(today=Clock(TODAY))
    await bnsp.submit(submission(scheme="SKM-BARISTA-2024"))
    with pytest.raises(RegistryRejected, match="different submission"):
        await bnsp.submit(submission(scheme="SKM-LAS-SMAW-3G"))
    kept = bnsp.submission(submission_ref_for("enr-1:bnsp"))
    assert kept is not None and kept.scheme_code == "SKM-BARISTA-2024"


async def test_no_certificate_while_bnsp_is_not_answering() -> None:
    bnsp = BnspSimulator(today=Clock(TODAY))
    bnsp.answering = False
    receipt = await bnsp.submit(submission())
    result = await bnsp.lookup(CertificateLookup(submission_ref=receipt.submission_ref))
    assert result.certificate is None


async def test_certificate_is_dated_at_the_first_answering_lookup_and_stays_put() -> None:
    clock = Clock(TODAY)
    bnsp = BnspSimulator(today=clock)
    bnsp.answering = False
    lookup = CertificateLookup(submission_ref=(await bnsp.submit(submission())).submission_ref)
    await bnsp.lookup(lookup)
    clock.today = TODAY + timedelta(days=31)
    bnsp.answering = True
    first = (await bnsp.lookup(lookup)).certificate
    clock.today = TODAY + timedelta(days=40)
    later = (await bnsp.lookup(lookup)).certificate
    assert first is not None and first.issued_on == TODAY + timedelta(days=31)
    assert later == first


async def test_certificate_is_valid_for_three_years_by_default() -> None:
    bnsp = BnspSimulator(today=Clock(date(2025, 3, 10)))
    ref = (await bnsp.submit(submission())).submission_ref
    certificate = (await bnsp.lookup(CertificateLookup(submission_ref=ref))).certificate
    assert certificate is not None
    assert (certificate.issued_on, certificate.valid_until) == (
        date(2025, 3, 10),
        date(2028, 3, 10),
    )


async def test_validity_years_is_configurable() -> None:
    bnsp = BnspSimulator(today=Clock(date(2025, 3, 10)), validity_years=5)
    ref = (await bnsp.submit(submission())).submission_ref
    certificate = (await bnsp.lookup(CertificateLookup(submission_ref=ref))).certificate
    assert certificate is not None and certificate.valid_until == date(2030, 3, 10)


def test_a_certificate_issued_on_29_february_expires_on_28_february() -> None:
    assert add_years(date(2028, 2, 29), 3) == date(2031, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)


async def test_certificate_number_names_the_scheme_and_is_deterministic() -> None:
    numbers = []
    for _ in range(2):
        bnsp = BnspSimulator(today=Clock(TODAY))
        ref = (await bnsp.submit(submission())).submission_ref
        certificate = (await bnsp.lookup(CertificateLookup(submission_ref=ref))).certificate
        assert certificate is not None
        numbers.append(certificate.number)
    assert numbers[0] == numbers[1]
    assert numbers[0].startswith("BNSP/SKM-BARISTA-2024/2025/")


async def test_lookup_of_an_unknown_reference_is_rejected_as_unknown_submission() -> None:
    bnsp = BnspSimulator(today=Clock(TODAY))
    with pytest.raises(UnknownSubmission):
        await bnsp.lookup(CertificateLookup(submission_ref="BNSP-SUB-000000000000"))


async def test_a_simulator_with_a_state_file_remembers_across_a_restart(tmp_path: Path) -> None:
    """The embedded stack's BNSP outlives the worker running it: after a crash the submission
    is still known (no resubmission, no day's wait) and the certificate is the same."""
    state = tmp_path / "bnsp-simulator.json"
    before = BnspSimulator(today=Clock(TODAY), state_file=state)
    receipt = await before.submit(submission())
    issued = await before.lookup(CertificateLookup(submission_ref=receipt.submission_ref))

    after = BnspSimulator(today=Clock(TODAY + timedelta(days=5)), state_file=state)
    assert after.submission_count == 1
    assert await after.submit(submission()) == receipt
    again = await after.lookup(CertificateLookup(submission_ref=receipt.submission_ref))
    assert again == issued
    forgetful = BnspSimulator(today=Clock(TODAY))
    with pytest.raises(UnknownSubmission):
        await forgetful.lookup(CertificateLookup(submission_ref=receipt.submission_ref))


async def test_each_change_is_one_line_appended_and_a_line_cut_by_a_crash_is_skipped(
    tmp_path: Path,
) -> None:
    state = tmp_path / "bnsp-simulator.json"
    bnsp = BnspSimulator(today=Clock(TODAY), state_file=state)
    first = await bnsp.submit(submission("enr-1:bnsp"))
    second = await bnsp.submit(submission("enr-2:bnsp"))
    await bnsp.lookup(CertificateLookup(submission_ref=first.submission_ref))
    lines = state.read_bytes().splitlines()
    assert len(lines) == 3  # two registrations, one certificate: nothing rewritten
    with state.open("ab") as cut:
        cut.write(lines[-1][:40])  # a third change, cut off mid-write

    after = BnspSimulator(today=Clock(TODAY), state_file=state)
    assert after.submission_count == 2
    issued = await after.lookup(CertificateLookup(submission_ref=first.submission_ref))
    assert issued.certificate is not None  # the later line of a reference wins
    assert after.submission(second.submission_ref) == submission("enr-2:bnsp")
    third = await after.submit(submission("enr-3:bnsp"))  # appended after the cut line
    assert BnspSimulator(state_file=state).submission(third.submission_ref) is not None


async def test_a_state_file_in_the_earlier_form_is_read_and_rewritten_as_lines(
    tmp_path: Path,
) -> None:
    state = tmp_path / "bnsp-simulator.json"
    ref = submission_ref_for("enr-1:bnsp")
    earlier = {ref: {"submission": submission().model_dump(mode="json"), "certificate": None}}
    state.write_text(json.dumps(earlier))

    bnsp = BnspSimulator(today=Clock(TODAY), state_file=state)
    assert bnsp.submission(ref) == submission()
    assert len(state.read_bytes().splitlines()) == 1
    issued = await bnsp.lookup(CertificateLookup(submission_ref=ref))
    again = BnspSimulator(today=Clock(TODAY + timedelta(days=1)), state_file=state)
    assert await again.lookup(CertificateLookup(submission_ref=ref)) == issued
