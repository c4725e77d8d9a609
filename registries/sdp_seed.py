"""The demo inmates the SDP simulator starts with: each one shows an enrolment rule at work.

Only SDP numbers in the records, never a name or NIK (fictional names and dates of birth are
kept apart, in `_IDENTITIES`, for the public certificate check only). Dates are relative to
the day the simulator is built, so the rules hold whenever the demo runs. The seeded
offerings (db/seed/reference_data.sql) run from seeding day + 7 to + 97 days (BARISTA,
CULINARY, GARMENT) or + 127 days (WELDING, COMPTECH); with the 30-day assessment window, a
release before day 127 (or 157) is flagged.

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
from domain.registries import CustodyStatus, InmateIdentity, InmateRecord

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


# Fictional names and dates of birth (SDP holds the real ones): personal data, kept apart from
# the records above so nothing but the public certificate check ever asks for them.
_IDENTITIES = {
    DEMO_ELIGIBLE: ("Agus Setiawan", date(1994, 3, 17)),
    "CPN-2023-00457": ("Bambang Wijaya", date(1988, 11, 2)),
    "CPN-2022-00031": ("Cahyo Pratama", date(1999, 7, 25)),
    DEMO_RELEASE_SOON: ("Dedi Kurniawan", date(1991, 1, 9)),
    DEMO_LIFE_SENTENCE: ("Eko Saputra", date(1975, 5, 30)),
    DEMO_PAROLE: ("Fajar Nugroho", date(1996, 8, 14)),
    DEMO_LOW_EDUCATION: ("Gilang Ramadhan", date(2001, 12, 1)),
    "SLB-2023-00588": ("Hendra Gunawan", date(1993, 4, 22)),
    DEMO_PRETRIAL: ("Indra Lesmana", date(1990, 6, 6)),
    DEMO_RELEASED: ("Joko Susilo", date(1985, 9, 19)),
    "TNG-2023-00777": ("Kurnia Sari", date(1998, 2, 28)),
    DEMO_NOT_OFFERED: ("Lukman Hakim", date(1982, 10, 10)),
    "SKM-2024-00402": ("Maya Anggraini", date(1997, 3, 3)),
}


def demo_identities() -> list[InmateIdentity]:
    return [
        InmateIdentity(sdp_no=sdp_no, full_name=name, date_of_birth=born)
        for sdp_no, (name, born) in _IDENTITIES.items()
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


def synthetic_identity(sdp_no: str, count: int) -> InmateIdentity | None:
    """A synthetic inmate's made-up name and date of birth (from the number, no memory)."""
    if synthetic_inmate(sdp_no, count, date.today()) is None:
        return None
    index = int(sdp_no.removeprefix(SYNTHETIC_PREFIX))
    born = date(1980, 1, 1) + timedelta(days=index % (20 * _YEAR))
    return InmateIdentity(sdp_no=sdp_no, full_name=f"Warga Sintetis {index}", date_of_birth=born)
