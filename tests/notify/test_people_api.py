"""The people API: an administrator keeps the directory of their own ministry only; every
person reads their entry and chooses their language."""

from __future__ import annotations

from typing import Any

from domain.identity import Ministry, Role
from tests.api import flows
from tests.api.conftest import ApiStack


def _admin(api: ApiStack, ministry: Ministry = Ministry.KEMNAKER) -> dict[str, str]:
    return api.headers(f"admin-{ministry.value}", Role.ADMINISTRATOR, ministry=ministry)


NEW: dict[str, Any] = {
    "subject": "kn-officer-9",
    "display_name": "Agus Salim",
    "email": "agus@kemnaker.go.id",
    "roles": [{"role": "kemnaker_officer", "scope": {"ministry": "kemnaker"}}],
}


async def test_an_administrator_adds_corrects_and_deactivates_people_of_their_ministry(
    api: ApiStack,
) -> None:
    added = await api.http.post("/people", json=NEW, headers=_admin(api))
    assert added.status_code == 201, added.text
    assert added.json()["registered_by"] == "administrator"
    again = await api.http.post("/people", json=NEW, headers=_admin(api))
    assert again.status_code == 409
    corrected = await flows.ok(await api.http.patch(
        "/people/kn-officer-9", json={"email": "agus.salim@kemnaker.go.id", "language": "en"},
        headers=_admin(api)))  # fmt: skip
    assert (corrected["email"], corrected["language"]) == ("agus.salim@kemnaker.go.id", "en")
    gone = await flows.ok(await api.http.patch(
        "/people/kn-officer-9", json={"active": False}, headers=_admin(api)))  # fmt: skip
    assert gone["active"] is False
    listed = await flows.ok(await api.http.get("/people?active=false", headers=_admin(api)))
    assert [p["subject"] for p in listed["items"]] == ["kn-officer-9"]
    trail = "SELECT kind FROM audit_entries WHERE chain_id = 'person:kn-officer-9' ORDER BY seq"
    kinds = [r["kind"] for r in await api.pool.fetch(trail)]
    assert kinds == ["person_added", "person_corrected", "person_deactivated"]


async def test_an_administrator_cannot_reach_another_ministrys_people(api: ApiStack) -> None:
    await flows.ok(await api.http.post("/people", json=NEW, headers=_admin(api)))
    imigrasi = _admin(api, Ministry.IMIGRASI)
    for method, path, body in (
        ("GET", "/people/kn-officer-9", None),
        ("PATCH", "/people/kn-officer-9", {"active": False}),
        ("POST", "/people", NEW | {"subject": "kn-officer-10"}),
    ):
        answer = await api.http.request(method, path, json=body, headers=imigrasi)
        assert answer.status_code == 403, (method, path, answer.text)
    listed = await flows.ok(await api.http.get("/people", headers=imigrasi))
    assert [p["subject"] for p in listed["items"]] == ["admin-imigrasi"]  # only their own
    # Nor turn one of theirs into someone of another ministry.
    moved = await api.http.patch("/people/kn-officer-9", headers=_admin(api), json={
        "roles": [{"role": "imigrasi_officer", "scope": {"ministry": "imigrasi"}}]})  # fmt: skip
    assert moved.status_code == 422 and "outside your ministry" in moved.json()["detail"]
    person = await api.pool.fetchrow("SELECT active FROM people WHERE subject = 'kn-officer-9'")
    assert person is not None and person["active"] is True  # nothing stored


async def test_bad_input_says_what_to_fix_and_stores_nothing(api: ApiStack) -> None:
    for body, words in (
        (NEW | {"email": "not-an-address"}, "not an e-mail address"),
        (NEW | {"roles": [{"role": "kemnaker_officer", "scope": {}}]}, "give scope.ministry"),
        (NEW | {"roles": []}, "at least 1"),
    ):
        answer = await api.http.post("/people", json=body, headers=_admin(api))
        assert answer.status_code == 422 and words in answer.text, answer.text
    assert (
        await api.pool.fetchval("SELECT count(*) FROM people WHERE subject = 'kn-officer-9'") == 0
    )
    employer = api.headers("emp-1", Role.EMPLOYER, employer_nib="9120001234567")
    assert (await api.http.get("/people", headers=employer)).status_code == 403


async def test_a_person_is_registered_from_their_token_and_chooses_english(api: ApiStack) -> None:
    employer = api.headers("emp-1", Role.EMPLOYER, employer_nib="9120001234567")
    mine = await flows.ok(await api.http.get("/people/me", headers=employer))
    assert (mine["language"], mine["ministry"], mine["registered_by"]) == (
        "id",
        "kemnaker",
        "request",
    )
    assert mine["roles"] == [{"role": "employer", "scope": {
        "upt": None, "lsp": None, "bapas": None, "ministry": None,
        "employer_nib": "9120001234567"}}]  # fmt: skip
    chose = await flows.ok(await api.http.patch("/people/me", json={"language": "en"},
                                                headers=employer))  # fmt: skip
    assert chose["language"] == "en"
    bad = await api.http.patch("/people/me", json={"language": "fr"}, headers=employer)
    assert bad.status_code == 422
