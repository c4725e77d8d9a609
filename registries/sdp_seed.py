"""The demo inmates the SDP simulator starts with: each one shows an enrolment rule at work.

Only SDP numbers, never a name or NIK. Dates are relative to the day the simulator is built,
so the rules hold whenever the demo runs. The seeded offerings (db/seed/reference_data.sql)
run from seeding day + 7 to + 97 days (BARISTA, CULINARY, GARMENT) or + 127 days (WELDING,
COMPTECH); with the 30-day assessment window, a release before day 127 (or 157) is flagged.

Which inmate demonstrates which rule (UPT, education, expected release from today):

- DEMO_ELIGIBLE (LP-CIPINANG, SMA, +5 years): eligible for BARISTA, WELDING and COMPTECH.
- CPN-2023-00457 (LP-CIPINANG, S1, +8 years): eligible for every Cipinang programme.
- CPN-2022-00031 (LP-CIPINANG, SMP, +4 years): BARISTA, WELDING yes; COMPTECH needs SMA.
- DEMO_RELEASE_SOON (LP-CIPINANG, SMA, +60 days): a BARISTA request is release-flagged and
  needs an explicit TPP exception.
- DEMO_LIFE_SENTENCE (LP-CIPINANG, SMP, no release date): never release-flagged.
- DEMO_PAROLE (LP-CIPINANG, SMA, +400 days): the demo job's inmate. Certified in BARISTA,
  then released on parole (PB) under Bapas BP-JAKBAR, with the release handover.
- DEMO_LOW_EDUCATION (LP-SALEMBA, SD, +3 years): BARISTA refused (needs SMP); CULINARY
  (needs SD) allowed.
- SLB-2023-00588 (LP-SALEMBA, SMA, +3 years): eligible for BARISTA and CULINARY.
- DEMO_PRETRIAL (RT-JAKPUS, pretrial, SMA): refused, only sentenced inmates may enrol,
  although CULINARY is offered there and the education suffices.
- DEMO_RELEASED (LP-TANGERANG, released 30 days ago, SMP): refused, no longer in custody.
- TNG-2023-00777 (LP-TANGERANG, SD, +2 years): eligible for GARMENT and HYDROPONIC.
- DEMO_NOT_OFFERED (LP-SUKAMISKIN, S1, +6 years): COMPTECH yes; BARISTA is not offered at
  Sukamiskin.
- SKM-2024-00402 (LP-SUKAMISKIN, D3, +4 years): eligible for COMPTECH.

BP-JAKBAR is a Bapas: it supervises released clients and holds no inmates, so none is seeded
there; it appears as the receiving office of a release handover instead.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.reference import EducationLevel
from domain.registries import CustodyStatus, InmateRecord

DEMO_ELIGIBLE = "CPN-2024-00123"
DEMO_RELEASE_SOON = "CPN-2024-00871"
DEMO_LIFE_SENTENCE = "CPN-2019-00012"
DEMO_LOW_EDUCATION = "SLB-2024-00219"
DEMO_PRETRIAL = "JKP-2025-00042"
DEMO_RELEASED = "TNG-2021-00310"
DEMO_NOT_OFFERED = "SKM-2022-00150"
DEMO_PAROLE = "CPN-2021-00544"

RELEASE_SOON_DAYS = 60  # inside a 97-day programme plus the 30-day assessment window

_YEAR = 365


def demo_inmates(today: date) -> list[InmateRecord]:
    """The seeded inmates, with dates counted from `today` (see the module's table)."""

    def inmate(
        sdp_no: str,
        upt_code: str,
        education: EducationLevel,
        release_in_days: int | None,
        status: CustodyStatus = CustodyStatus.SENTENCED,
    ) -> InmateRecord:
        release = None if release_in_days is None else today + timedelta(days=release_in_days)
        return InmateRecord(
            sdp_no=sdp_no,
            status=status,
            upt_code=upt_code,
            education=education,
            expected_release=release,
        )

    edu = EducationLevel
    return [
        inmate(DEMO_ELIGIBLE, "LP-CIPINANG", edu.SMA, 5 * _YEAR),
        inmate("CPN-2023-00457", "LP-CIPINANG", edu.S1, 8 * _YEAR),
        inmate("CPN-2022-00031", "LP-CIPINANG", edu.SMP, 4 * _YEAR),
        inmate(DEMO_RELEASE_SOON, "LP-CIPINANG", edu.SMA, RELEASE_SOON_DAYS),
        inmate(DEMO_LIFE_SENTENCE, "LP-CIPINANG", edu.SMP, None),
        inmate(DEMO_PAROLE, "LP-CIPINANG", edu.SMA, 400),
        inmate(DEMO_LOW_EDUCATION, "LP-SALEMBA", edu.SD, 3 * _YEAR),
        inmate("SLB-2023-00588", "LP-SALEMBA", edu.SMA, 3 * _YEAR),
        inmate(DEMO_PRETRIAL, "RT-JAKPUS", edu.SMA, None, CustodyStatus.PRETRIAL),
        inmate(DEMO_RELEASED, "LP-TANGERANG", edu.SMP, -30, CustodyStatus.RELEASED),
        inmate("TNG-2023-00777", "LP-TANGERANG", edu.SD, 2 * _YEAR),
        inmate(DEMO_NOT_OFFERED, "LP-SUKAMISKIN", edu.S1, 6 * _YEAR),
        inmate("SKM-2024-00402", "LP-SUKAMISKIN", edu.D3, 4 * _YEAR),
    ]


# ---------------------------------------------------------------- synthetic cohort

# Synthetic inmates for cohorts and benchmarks: SYN-000000 .. SYN-{count-1}, all sentenced at
# LP-CIPINANG with senior secondary education and release five years out, so each is
# eligible for BARISTA, WELDING and COMPTECH there. They are generated from the number on
# demand (nothing held in memory), so a simulator can know 100,000 of them for free.
SYNTHETIC_PREFIX = "SYN-"
SYNTHETIC_UPT = "LP-CIPINANG"


def synthetic_sdp_no(index: int) -> str:
    return f"{SYNTHETIC_PREFIX}{index:06d}"


def synthetic_inmate(sdp_no: str, count: int, today: date) -> InmateRecord | None:
    """The synthetic inmate with this number, or None when it is not one of the first `count`."""
    digits = sdp_no.removeprefix(SYNTHETIC_PREFIX)
    if digits == sdp_no or len(digits) != 6 or not digits.isdigit() or int(digits) >= count:
        return None
    return InmateRecord(
        sdp_no=sdp_no,
        status=CustodyStatus.SENTENCED,
        upt_code=SYNTHETIC_UPT,
        education=EducationLevel.SMA,
        expected_release=today + timedelta(days=5 * _YEAR),
    )
