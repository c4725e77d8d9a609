"""After release over HTTP: job placement's acknowledgement (with the released person's
consent) starts a placement case on Kemnaker's worker; the officer records contacts,
referrals and the outcome; a bad input is a 4xx naming what to fix, and changes nothing."""

from __future__ import annotations

from typing import Any

from domain.clock import jakarta_today
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api import journey_flows as jf
from tests.api.conftest import ApiStack
from tests.temporal_support import SETTLE_SECONDS, until


async def _free_release(api: ApiStack) -> dict[str, Any]:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    await jf.release(api, DEMO_ELIGIBLE, "free", bapas=None)
    await jf.reaches(api, enrolment_id, "closed")
    [handover] = await jf.handovers_of(api, DEMO_ELIGIBLE, 1)
    return dict(handover)


async def _placement(api: ApiStack, placement_id: str, **ready: object) -> Any:
    """The placement case once its read model holds every event its workflow emitted."""

    async def view() -> Any:
        response = await api.http.get(
            f"/placements/{placement_id}", headers=jf.placement_officer(api)
        )
        return response.json() if response.status_code == 200 else None

    def settled(seen: Any) -> bool:
        if seen is None:
            return False
        live = seen["live"]
        caught_up = live is None or len(seen["events"]) == live["event_seq"]
        return caught_up and all(seen["placement"][k] == v for k, v in ready.items())

    return await until(view, settled, f"placement {placement_id}", SETTLE_SECONDS)


async def test_acknowledging_with_consent_starts_a_placement_case(api: ApiStack) -> None:
    handover = await _free_release(api)
    path = f"/handovers/{handover['handover_id']}/acknowledgement"
    officer = jf.placement_officer(api)
    # consent must be stated: a 422 naming the field, and the handover stays open
    missing = await api.http.post(path, json={"reason": "taken over"}, headers=officer)
    assert missing.status_code == 422 and "contact_consent" in missing.json()["detail"]
    assert await api.pool.fetchval("SELECT count(*) FROM placements") == 0
    ended = await flows.ok(
        await api.http.post(
            path, json={"reason": "taken over", "contact_consent": True}, headers=officer
        )
    )
    assert ended["status"] == "ended"
    placement_id = f"PLC-{handover['journey_id']}"
    view = await _placement(api, placement_id, status="following_up")
    record = view["placement"]
    assert record["contact_consent"] is True and record["release_kind"] == "free"
    assert record["last_upt"] == "LP-CIPINANG" and record["programme_codes"] == ["BARISTA"]
    listed = await flows.ok(await api.http.get("/placements", headers=officer))
    assert [p["placement_id"] for p in listed["items"]] == [placement_id]

    base = f"/placements/{placement_id}"
    contact = {"channel": "phone", "reached": True, "reason": "agreed to meet on Monday"}
    await flows.ok(await api.http.post(f"{base}/contacts", json=contact, headers=officer))
    referral = {"kind": "blk_course", "to": "BLK Bekasi, barista lanjutan", "reason": "wants more"}
    await flows.ok(await api.http.post(f"{base}/referrals", json=referral, headers=officer))
    # an employed outcome without its employer, or starting tomorrow, is refused
    employed = {
        "outcome": "employed",
        "sector": "food and beverage",
        "start_date": str(jakarta_today()),
        "reason": "signed a contract",
    }
    before = await _placement(api, placement_id)
    for bad in (employed, employed | {"employer": "PT Kopi", "start_date": "2099-01-01"}):
        refused = await api.http.post(f"{base}/outcome", json=bad, headers=officer)
        assert refused.status_code == 422, refused.text
    assert await _placement(api, placement_id) == before, "a refused outcome changed the case"
    # no check-in before the first month: a 409
    early = {"month": 1, "reached": True, "reason": "called"}
    assert (
        await api.http.post(f"{base}/check-ins", json=early, headers=officer)
    ).status_code == 409
    good = employed | {"employer": "PT Kopi Nusantara"}
    state = await flows.ok(await api.http.post(f"{base}/outcome", json=good, headers=officer))
    assert state["outcome"]["outcome"] == "employed"
    view = await _placement(api, placement_id, outcome="employed")
    assert view["placement"]["placed_on"] == str(jakarta_today())
    kinds = [e["kind"] for e in view["events"]]
    assert kinds == ["started", "contact_recorded", "referral_recorded", "outcome_recorded"]
    assert all(e["actor_role"] == "kemnaker_officer" for e in view["events"][1:])
    chain = await api.pool.fetchval(
        "SELECT count(*) FROM audit_entries WHERE chain_id = $1", f"placement:{placement_id}"
    )
    assert chain == 4
    # auditors verify the case's chain
    verdict = await flows.ok(
        await api.http.get(
            f"/audit/cases/placement/{placement_id}/verification", headers=api.auditor()
        )
    )
    assert verdict["ok"] is True
    # ... find it in their case search, and read its history against its trail
    found = await flows.ok(
        await api.http.get("/audit/cases", params={"kind": "placement"}, headers=api.auditor())
    )
    assert [(c["case_id"], c["upt_code"], c["stage"]) for c in found["items"]] == [
        (placement_id, "LP-CIPINANG", "following_up")
    ]
    checked = await flows.ok(
        await api.http.get(
            f"/audit/cases/placement/{placement_id}/history/consistency", headers=api.auditor()
        )
    )
    assert checked["consistent"] is True and checked["matched"] == 3, checked


async def test_without_consent_the_case_keeps_the_certificates_and_closes(api: ApiStack) -> None:
    handover = await _free_release(api)
    await flows.ok(
        await api.http.post(
            f"/handovers/{handover['handover_id']}/acknowledgement",
            json={"reason": "taken over", "contact_consent": False},
            headers=jf.placement_officer(api),
        )
    )
    placement_id = f"PLC-{handover['journey_id']}"
    view = await _placement(api, placement_id, status="closed")
    assert view["placement"]["close_reason"] == "no_consent"
    contact = {"channel": "phone", "reached": True, "reason": "trying anyway"}
    refused = await api.http.post(
        f"/placements/{placement_id}/contacts", json=contact, headers=jf.placement_officer(api)
    )
    assert refused.status_code == 409 and "no_consent" in refused.json()["detail"]
