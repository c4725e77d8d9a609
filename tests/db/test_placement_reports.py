"""The funnel to work on a real Postgres: "placed within 6 months" per UPT, programme and
release kind follows from the placement cases projected; the API answers it as JSON and CSV,
to auditors of Process A only."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from api.auth import mint_dev_token
from api.main import create_app
from config.settings import Environment, Settings
from db import placements as placement_db
from db.placement_reports import ReleasePeriod, placement_funnel
from domain.custody import ReleaseKind
from domain.identity import Actor, Ministry, Role, Scope
from domain.journey import CertificateEntry
from domain.placement import (
    CloseReason,
    Outcome,
    OutcomeKind,
    PlacementEvent,
    PlacementEventKind,
    PlacementStart,
    PlacementStatus,
)
from registries.sdp import SdpSimulator

RELEASED = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
OFFICER = Actor(subject="kn-1", role=Role.KEMNAKER_OFFICER, scope=Scope(ministry=Ministry.KEMNAKER))


def _certificate(programme: str) -> CertificateEntry:
    return CertificateEntry(
        programme_code=programme,
        number=f"CERT-{programme}",
        issued_on=date(2026, 1, 1),
        valid_until=date(2029, 1, 1),
    )


async def _placement(
    conn: asyncpg.Pool,
    n: int,
    *,
    upt: str = "LP-CIPINANG",
    programmes: tuple[str, ...] = ("BARISTA",),
    certified: tuple[str, ...] = (),
    kind: ReleaseKind = ReleaseKind.PB,
    consent: bool = True,
    outcome: OutcomeKind | None = None,
    started_after_release: timedelta = timedelta(days=30),
) -> None:
    pid = f"PLC-JRN-{n}"
    start = PlacementStart(
        placement_id=pid, journey_id=f"JRN-{n}", journey_workflow_id=f"journey-S-{n}",
        inmate_sdp_no=f"S-{n}", release_kind=kind, released_at=RELEASED, last_upt=upt,
        programme_codes=list(programmes), certificates=[_certificate(c) for c in certified],
        contact_consent=consent, acknowledged_by=OFFICER, acknowledged_at=RELEASED,
    )  # fmt: skip

    def event(seq: int, what: PlacementEventKind, **fields: object) -> PlacementEvent:
        return PlacementEvent.model_validate(
            {"event_id": f"{pid}:{seq}", "placement_id": pid, "workflow_id": f"placement-{pid}",
             "journey_id": f"JRN-{n}", "inmate_sdp_no": f"S-{n}", "seq": seq, "kind": what,
             "at": RELEASED + timedelta(days=seq), "status": PlacementStatus.FOLLOWING_UP}
            | fields
        )  # fmt: skip

    async with conn.acquire() as c:
        await placement_db.apply_event(c, event(1, PlacementEventKind.STARTED, start=start))
        if not consent:
            await placement_db.apply_event(
                c, event(2, PlacementEventKind.CLOSED, status=PlacementStatus.CLOSED,
                         close_reason=CloseReason.NO_CONSENT))  # fmt: skip
        if outcome is not None:
            first_day = (RELEASED + started_after_release).date()
            extra = (
                {"employer": "PT Kopi", "sector": "F&B", "start_date": first_day}
                if outcome is OutcomeKind.EMPLOYED
                else {}
            )
            at = RELEASED + started_after_release
            recorded = Outcome(actor=OFFICER, at=at, reason="phoned", outcome=outcome, **extra)
            await placement_db.apply_event(
                c, event(3, PlacementEventKind.OUTCOME_RECORDED, outcome=recorded)
            )


async def _fill(pool: asyncpg.Pool) -> None:
    await _placement(pool, 1, certified=("BARISTA",), outcome=OutcomeKind.EMPLOYED)
    await _placement(pool, 2, outcome=OutcomeKind.SELF_EMPLOYED)
    # employed, but seven months after release: not within 6
    await _placement(
        pool, 3, programmes=("BARISTA", "WELDING"), certified=("WELDING",),
        outcome=OutcomeKind.EMPLOYED, started_after_release=timedelta(days=214),
    )  # fmt: skip
    await _placement(pool, 4, outcome=OutcomeKind.NOT_REACHED)
    await _placement(pool, 5, kind=ReleaseKind.FREE, consent=False)
    await _placement(pool, 6, upt="LP-SUKAMISKIN", kind=ReleaseKind.FREE,
                     outcome=OutcomeKind.FURTHER_TRAINING)  # fmt: skip


async def test_placed_within_six_months_per_upt_programme_and_release_kind(
    pool: asyncpg.Pool,
) -> None:
    await _fill(pool)
    rows = {(r.upt_code, r.programme_code, r.release_kind.value): r
            for r in await placement_funnel(pool, ReleasePeriod())}  # fmt: skip
    assert set(rows) == {
        ("LP-CIPINANG", "BARISTA", "pb"),
        ("LP-CIPINANG", "WELDING", "pb"),
        ("LP-CIPINANG", "BARISTA", "free"),
        ("LP-SUKAMISKIN", "BARISTA", "free"),
    }
    pb = rows[("LP-CIPINANG", "BARISTA", "pb")]  # 1, 2, 3, 4
    assert (pb.handed_over, pb.with_certificate, pb.consented) == (4, 1, 4)
    assert pb.placed_within_6_months == 2  # 1 employed in a month, 2 self-employed
    assert (pb.employed, pb.self_employed, pb.not_reached) == (2, 1, 1)
    assert pb.following_up == 4
    welding = rows[("LP-CIPINANG", "WELDING", "pb")]  # 3 only
    assert (welding.handed_over, welding.with_certificate, welding.placed_within_6_months) == (
        1, 1, 0,
    )  # fmt: skip
    free = rows[("LP-CIPINANG", "BARISTA", "free")]  # 5: no consent, closed
    assert (free.handed_over, free.consented, free.following_up) == (1, 0, 0)
    filtered = await placement_funnel(
        pool, ReleasePeriod(), upt="LP-SUKAMISKIN", release_kind=ReleaseKind.FREE
    )
    assert [(r.further_training, r.placed_within_6_months) for r in filtered] == [(1, 0)]
    later = ReleasePeriod(released_from=RELEASED + timedelta(days=1))
    assert await placement_funnel(pool, later) == []


async def test_the_report_over_http_as_json_and_csv(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    await _fill(pool)
    settings = Settings(environment=Environment.TEST)
    app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=SdpSimulator.default())

    def auditor(ministry: Ministry | None = None) -> dict[str, str]:
        token = mint_dev_token(settings, "aud-1", [Role.AUDITOR], Scope(ministry=ministry))
        return {"Authorization": f"Bearer {token}"}

    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        answer = await http.get("/reports/placement-funnel?release_kind=pb", headers=auditor())
        assert answer.status_code == 200, answer.text
        rows = answer.json()["rows"]
        assert {(r["programme_code"], r["placed_within_6_months"]) for r in rows} == {
            ("BARISTA", 2),
            ("WELDING", 0),
        }
        as_csv = await http.get(
            "/reports/placement-funnel",
            headers={**auditor(Ministry.KEMNAKER), "Accept": "text/csv"},
        )
        assert as_csv.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(as_csv.text)))
        assert len(table) == 4 and "placed_within_6_months" in table[0]
        sukamiskin = next(r for r in table if r["upt_code"] == "LP-SUKAMISKIN")
        assert sukamiskin["further_training"] == "1"
        imigrasi = await http.get("/reports/placement-funnel", headers=auditor(Ministry.IMIGRASI))
        assert imigrasi.status_code == 403
