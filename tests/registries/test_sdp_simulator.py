"""SDP simulator: lookups, updates, and the demo inmates doing what their docstring promises."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.enrolment_rules import check_eligibility
from domain.policy import EnrolmentPolicy
from domain.reference import CompetencyUnit, EducationLevel, Offering, Programme
from domain.registries import CustodyStatus, InmateRecord
from registries.sdp import SdpSimulator
from registries.sdp_seed import (
    DEMO_ELIGIBLE,
    DEMO_LIFE_SENTENCE,
    DEMO_LOW_EDUCATION,
    DEMO_NOT_OFFERED,
    DEMO_PRETRIAL,
    DEMO_RELEASE_SOON,
    DEMO_RELEASED,
)
from tests.registries.support import TODAY

POLICY = EnrolmentPolicy()


def programme(code: str, min_education: EducationLevel) -> Programme:
    return Programme(
        code=code,
        name=code.title(),
        scheme_code=f"SKM-{code}",
        min_education=min_education,
        session_count=20,
        modules=(f"{code}-M1",),
        units=(CompetencyUnit(code=f"{code}.001", title="unit"),),
    )


# As in db/seed/reference_data.sql.
BARISTA = programme("BARISTA", EducationLevel.SMP)
CULINARY = programme("CULINARY", EducationLevel.SD)


def offering(upt_code: str, prog: Programme, days: int = 97) -> Offering:
    return Offering(
        upt_code=upt_code,
        programme_code=prog.code,
        lsp_code="LSP-PARIWISATA",
        planned_start=TODAY + timedelta(days=7),
        planned_end=TODAY + timedelta(days=days),
    )


async def demo(sdp_no: str) -> InmateRecord:
    record = await SdpSimulator.default(TODAY).get_inmate(sdp_no)
    assert record is not None
    return record


async def test_unknown_sdp_number_is_none() -> None:
    assert await SdpSimulator.default(TODAY).get_inmate("CPN-1999-99999") is None


async def test_set_replaces_the_record_as_after_a_release() -> None:
    sdp = SdpSimulator.default(TODAY)
    before = await demo(DEMO_ELIGIBLE)
    sdp.set(before.model_copy(update={"status": CustodyStatus.RELEASED}))
    after = await sdp.get_inmate(DEMO_ELIGIBLE)
    assert after is not None and after.status is CustodyStatus.RELEASED


async def test_add_refuses_an_sdp_number_registered_twice() -> None:
    sdp = SdpSimulator.default(TODAY)
    with pytest.raises(ValueError, match="already registered"):
        sdp.add(await demo(DEMO_ELIGIBLE))


async def test_demo_eligible_inmate_may_enrol_in_barista() -> None:
    result = check_eligibility(
        await demo(DEMO_ELIGIBLE), BARISTA, offering("LP-CIPINANG", BARISTA), POLICY
    )
    assert result.eligible and not result.release_flagged


async def test_demo_pretrial_detainee_is_refused_only_for_being_pretrial() -> None:
    inmate = await demo(DEMO_PRETRIAL)
    result = check_eligibility(inmate, CULINARY, offering("RT-JAKPUS", CULINARY), POLICY)
    assert inmate.upt_code == "RT-JAKPUS"
    assert len(result.reasons) == 1 and "pretrial" in result.reasons[0]


async def test_demo_released_inmate_is_refused() -> None:
    inmate = await demo(DEMO_RELEASED)
    result = check_eligibility(inmate, BARISTA, offering(inmate.upt_code, BARISTA), POLICY)
    assert inmate.status is CustodyStatus.RELEASED and not result.eligible


async def test_demo_low_education_fails_barista_but_not_culinary() -> None:
    inmate = await demo(DEMO_LOW_EDUCATION)
    barista = check_eligibility(inmate, BARISTA, offering("LP-SALEMBA", BARISTA), POLICY)
    culinary = check_eligibility(inmate, CULINARY, offering("LP-SALEMBA", CULINARY), POLICY)
    assert inmate.education is EducationLevel.SD
    assert [r for r in barista.reasons if "education" in r] == barista.reasons != []
    assert culinary.eligible


async def test_demo_release_soon_is_flagged_for_a_97_day_programme() -> None:
    result = check_eligibility(
        await demo(DEMO_RELEASE_SOON), BARISTA, offering("LP-CIPINANG", BARISTA), POLICY
    )
    assert result.eligible and result.release_flagged


async def test_demo_life_sentence_has_no_release_date_and_is_never_flagged() -> None:
    inmate = await demo(DEMO_LIFE_SENTENCE)
    result = check_eligibility(inmate, BARISTA, offering("LP-CIPINANG", BARISTA, days=3650), POLICY)
    assert inmate.expected_release is None and not result.release_flagged


async def test_demo_not_offered_inmate_is_at_a_upt_without_barista() -> None:
    result = check_eligibility(await demo(DEMO_NOT_OFFERED), BARISTA, None, POLICY)
    assert result.reasons == ["programme BARISTA is not offered at UPT LP-SUKAMISKIN"]


async def test_demo_dates_follow_the_day_the_simulator_is_built() -> None:
    later = TODAY + timedelta(days=400)
    record = await SdpSimulator.default(later).get_inmate(DEMO_RELEASE_SOON)
    assert record is not None and record.expected_release == later + timedelta(days=60)


async def test_synthetic_inmates_exist_only_up_to_the_configured_count() -> None:
    sdp = SdpSimulator.default(TODAY, synthetic=1000)
    first, last = await sdp.get_inmate("SYN-000000"), await sdp.get_inmate("SYN-000999")
    assert first is not None and last is not None
    assert first.upt_code == last.upt_code == "LP-CIPINANG"
    assert first.status is CustodyStatus.SENTENCED
    assert await sdp.get_inmate("SYN-001000") is None
    assert await sdp.get_inmate("SYN-12") is None
    assert await SdpSimulator.default(TODAY).get_inmate("SYN-000000") is None


async def test_a_synthetic_inmate_is_eligible_for_barista_at_cipinang() -> None:
    inmate = await SdpSimulator.default(TODAY, synthetic=10).get_inmate("SYN-000007")
    assert inmate is not None
    result = check_eligibility(inmate, BARISTA, offering("LP-CIPINANG", BARISTA), POLICY)
    assert result.eligible, result.reasons


async def test_a_set_record_wins_over_the_synthetic_one() -> None:
    sdp = SdpSimulator.default(TODAY, synthetic=10)
    inmate = await sdp.get_inmate("SYN-000003")
    assert inmate is not None
    sdp.set(inmate.model_copy(update={"status": CustodyStatus.RELEASED}))
    after = await sdp.get_inmate("SYN-000003")
    assert after is not None and after.status is CustodyStatus.RELEASED
