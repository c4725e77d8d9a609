"""Documents end to end, on both stores (a folder and a local S3 server): uploaded by the
employer, sealed at rest, their SHA-256 on the case's audit chain through the submission and
the resubmission, replaced on revision with the old version kept, opened by whom the step
needs (each staff and auditor opening recorded, append-only), hidden from another NIB."""

from __future__ import annotations

import hashlib
import json

import asyncpg
import pytest

from tests.api import permit_flows as flows
from tests.api.conftest import ApiStack
from tests.api.flows import ok
from tests.api.permit_flows import OTHER_NIB, auditor, employer, officer, verifier
from tests.documents.conftest import JPEG, PDF, PNG, store_of, upload


async def _chain_documents(api: ApiStack, application_id: str, kind: str) -> list[dict[str, str]]:
    rows = await api.pool.fetch(
        "SELECT detail FROM audit_entries WHERE chain_id = $1 AND kind = $2 ORDER BY seq",
        f"tka_permit:{application_id}",
        kind,
    )
    found: list[dict[str, str]] = []
    for row in rows:
        detail = row["detail"]
        detail = json.loads(detail) if isinstance(detail, str) else detail
        found += detail.get("documents", [])
    return found


async def test_documents_travel_with_the_application_and_open_only_for_who_needs_them(
    docs_api: ApiStack,
) -> None:
    api = docs_api
    passport = await ok(await upload(api, PDF, "passport_scan", "paspor Jane.pdf"))
    cv = await ok(await upload(api, PNG, "cv", "cv.png"))
    plan = await ok(await upload(api, JPEG, "rptka_plan", "rencana.jpg"))
    assert passport["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert (passport["content_type"], cv["content_type"]) == ("application/pdf", "image/png")
    assert passport["document_id"].startswith("DOC-") and "Jane" not in passport["document_id"]
    # Sealed at rest: the store holds ciphertext only.
    sealed = await store_of(api).get(passport["document_id"])
    assert sealed is not None and PDF not in sealed and b"%PDF" not in sealed

    ids = [d["document_id"] for d in (passport, cv, plan)]
    application_id = await flows.submit(api, document_ids=ids)
    await flows.settled(api, application_id)
    on_chain = await _chain_documents(api, application_id, "submitted")
    assert {(d["document_id"], d["sha256"]) for d in on_chain} == {
        (d["document_id"], d["sha256"]) for d in (passport, cv, plan)
    }

    # Another employer may not open it, whatever it asks.
    for path in ("", "/content"):
        theirs = await api.http.get(f"/documents/{ids[0]}{path}",
                                    headers=employer(api, OTHER_NIB))  # fmt: skip
        assert theirs.status_code == 403, theirs.text
    listing = await api.http.get(f"/permits/{application_id}/documents",
                                 headers=employer(api, OTHER_NIB))  # fmt: skip
    assert listing.status_code == 403

    opened = await api.http.get(f"/documents/{ids[0]}/content", headers=verifier(api))
    assert opened.status_code == 200 and opened.content == PDF
    assert opened.headers["content-type"] == "application/pdf"
    assert "inline" in opened.headers["content-disposition"]
    own = await api.http.get(f"/documents/{ids[1]}/content", headers=employer(api))
    assert own.content == PNG
    # Imigrasi's visa step reads the passport and CV, not Kemnaker's RPTKA plan.
    assert (await api.http.get(f"/documents/{ids[0]}/content", headers=officer(api))).is_success
    hidden = await api.http.get(f"/documents/{ids[2]}/content", headers=officer(api))
    assert hidden.status_code == 403
    assert (await api.http.get(f"/documents/{ids[2]}/content", headers=auditor(api))).is_success
    openings = await ok(await api.http.get(f"/documents/{ids[0]}/openings",
                                           headers=auditor(api)))  # fmt: skip
    assert [(o["subject"], o["role"]) for o in openings] == [
        ("verif-1", "kemnaker_verifier"),
        ("imi-1", "imigrasi_officer"),
    ], "the employer's own opening is not an official's; staff openings all are"
    refused = await api.http.get(f"/documents/{ids[0]}/openings", headers=verifier(api))
    assert refused.status_code == 403

    # A revision: the passport is replaced, the old version kept.
    await flows.decide(api, application_id, "verification",
                       {"decision": "request_revision", "reason": "passport scan unreadable"},
                       verifier(api))  # fmt: skip
    await flows.at_stage(api, application_id, "revision")
    rescanned = PDF + b"% rescanned at 600 dpi\n"
    new = await ok(await upload(api, rescanned, "passport_scan", "paspor-2.pdf"))
    await flows.decide(api, application_id, "resubmission",
                       {"documents": ["passport scan"], "reason": "rescanned",
                        "document_ids": [new["document_id"]]}, employer(api))  # fmt: skip
    await flows.settled(api, application_id)
    listed = await ok(await api.http.get(f"/permits/{application_id}/documents",
                                         headers=employer(api)))  # fmt: skip
    versions = {d["document_id"]: d for d in listed if d["kind"] == "passport_scan"}
    assert versions[ids[0]]["superseded_by"] == new["document_id"]
    assert versions[new["document_id"]]["superseded_by"] is None
    [resubmitted] = await _chain_documents(api, application_id, "resubmitted")
    assert resubmitted["sha256"] == hashlib.sha256(rescanned).hexdigest()


async def test_a_document_of_another_employer_cannot_be_attached(folder_api: ApiStack) -> None:
    api = folder_api
    theirs = await ok(await upload(api, PDF, nib=OTHER_NIB))
    response = await api.http.post(
        "/permits",
        json=flows.submission(document_ids=[theirs["document_id"]]),
        headers=employer(api),
    )
    assert response.status_code == 422
    assert theirs["document_id"] in response.json()["detail"]
    assert await api.pool.fetchval("SELECT count(*) FROM permit_applications") == 0


async def test_document_openings_are_append_only(folder_api: ApiStack) -> None:
    api = folder_api
    doc = await ok(await upload(api, PDF))
    application_id = await flows.submit(api, document_ids=[doc["document_id"]])
    await flows.settled(api, application_id)
    opened = await api.http.get(f"/documents/{doc['document_id']}/content", headers=verifier(api))
    assert opened.content == PDF
    assert await api.pool.fetchval("SELECT count(*) FROM document_openings") == 1
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await api.pool.execute("UPDATE document_openings SET subject = 'someone-else'")
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await api.pool.execute("DELETE FROM document_openings")
