"""Process B's reviewers decide from their task pages, and the employer ends the permit from
its page (HTTP, as a browser without JavaScript posts the forms): the feasibility, the RPTKA
approval, the visa and the arrival each through the task page's form, which shows the rule
checks and only the documents the reviewer's step needs; termination asks for a
confirmation first (nothing changes without it), then Imigrasi issues the EPO."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from domain.clock import local_date
from tests.api import permit_flows as flows
from tests.api.flows import ok
from tests.api.permit_flows import verifier
from tests.temporal_support import until
from tests.web.conftest import Workspace
from tests.web.test_sign_in import csrf_of, sign_in

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


async def _upload(workspace: Workspace, kind: str) -> str:
    headers = flows.employer(workspace.api) | {"X-File-Name": f"{kind}.pdf"}
    answer = await workspace.api.http.post(f"/documents?kind={kind}", content=PDF + kind.encode(),
                                           headers=headers)  # fmt: skip
    answer.raise_for_status()
    return str(answer.json()["document_id"])


async def _decide_on_page(
    workspace: Workspace, client: httpx.AsyncClient, application_id: str, kind: str,
    form: dict[str, str],
) -> str:  # fmt: skip
    """Open the task of `kind`, claim it and decide it through its form; the page's HTML."""

    async def task() -> str | None:
        return await workspace.api.pool.fetchval(  # type: ignore[no-any-return]
            "SELECT task_id FROM tasks WHERE case_id = $1 AND kind = $2 AND state = 'open'",
            application_id, kind,
        )  # fmt: skip

    task_id = await until(task, bool, f"the {kind} task", 30)
    page = await client.get(f"/tugas/{task_id}")
    assert page.status_code == 200, page.text[:300]
    token = await csrf_of(client, f"/tugas/{task_id}")
    claimed = await client.post(f"/tugas/{task_id}/ambil", data={"csrf_token": token})
    assert claimed.status_code == 303
    decided = await client.post(f"/tugas/{task_id}/putuskan", data={"csrf_token": token, **form})
    assert decided.status_code == 303, decided.text[:500]
    return page.text


async def test_reviewers_decide_from_their_task_pages_and_the_employer_ends_the_permit(
    workspace: Workspace,
) -> None:
    api = workspace.api
    documents = [await _upload(workspace, k) for k in ("passport_scan", "pendamping_statement")]
    application_id = await flows.submit(api, document_ids=documents, duration_months=24)
    await flows.settled(api, application_id)
    await flows.decide(api, application_id, "verification",
                       {"decision": "approve", "reason": "lengkap"}, verifier(api))  # fmt: skip
    async with (
        workspace.client() as vera, workspace.client() as dedi, workspace.client() as rina,
        workspace.client() as employer,
    ):  # fmt: skip
        for client, persona in ((vera, "vera"), (dedi, "dedi"), (rina, "rina"),
                                (employer, "pt-maju")):  # fmt: skip
            await sign_in(client, persona)
        page = await _decide_on_page(workspace, vera, application_id, "feasibility",
                                     {"decision": "feasible", "reason": "layak"})  # fmt: skip
        assert "durasi 24 bulan ≤ 24" in page and "pendamping ditunjuk" in page
        assert f'data-document-id="{documents[1]}"' in page, "Kemnaker reads every kind"
        live = await flows.at_stage(api, application_id, "payment")
        (await flows.pay(api, live)).raise_for_status()

        await _decide_on_page(workspace, dedi, application_id, "rptka_approval",
                              {"decision": "approve", "reason": "disahkan"})  # fmt: skip
        await flows.at_stage(api, application_id, "visa_decision")
        page = await _decide_on_page(workspace, rina, application_id, "visa_decision",
                                     {"decision": "approve", "reason": "visa C312"})  # fmt: skip
        # Imigrasi's step reads the passport, CV and diploma: not the pendamping statement.
        assert f'data-document-id="{documents[0]}"' in page
        assert f'data-document-id="{documents[1]}"' not in page
        await flows.at_stage(api, application_id, "awaiting_arrival")
        arrival = {
            "arrived_on": str(local_date(datetime.now(UTC))),
            "port_of_entry": "CGK",
            "reason": "tiba",
        }
        await _decide_on_page(workspace, rina, application_id, "arrival", arrival)
        await flows.at_stage(api, application_id, "active")

        # Termination: refused without the confirmation (nothing changes), then done.
        url = f"/permohonan/{application_id}"
        token = await csrf_of(employer, url)
        reason = {"csrf_token": token, "reason": "proyek selesai"}
        unconfirmed = await employer.post(f"{url}/pengakhiran", data=reason)
        assert "Centang konfirmasi" in unconfirmed.text
        assert (await flows.state(api, application_id))["stage"] == "active"
        ended = await employer.post(f"{url}/pengakhiran", data={
            "csrf_token": token, "reason": "proyek selesai", "confirm": "ya"})  # fmt: skip
        assert ended.status_code == 303 and ended.headers["location"] == url
    final = await flows.settled(api, application_id)
    assert final["outcome"] == "terminated" and final["permit"]["epo_number"]


async def test_the_extension_carries_its_letter_a_bad_file_is_refused_and_imigrasi_ends_it(
    workspace: Workspace,
) -> None:
    """The active permit's forms take a document (through the documents service, attached
    once the workflow accepts the step): a file that is no PDF, JPEG or PNG is refused beside
    its field before anything is sent. Imigrasi ends the permit early from the same page (the
    API lets it; a Kemnaker verifier gets no such form)."""
    api = workspace.api
    application_id = await flows.submit(api)
    await flows.to_active(api, application_id)
    url = f"/permohonan/{application_id}"
    stored = "SELECT count(*) FROM documents WHERE owner_nib = $1"
    before = await api.pool.fetchval(stored, flows.NIB)
    async with workspace.client() as employer:
        await sign_in(employer, "pt-maju")
        token = await csrf_of(employer, url)
        report = {"csrf_token": token, "year": "1", "reason": "TKA bekerja sesuai rencana"}
        text_file = {"file": ("laporan.txt", b"plain", "text/plain")}
        refused = await employer.post(f"{url}/laporan-tahunan", data=report, files=text_file)
        assert 'href="#report-file"' in refused.text
        assert await api.pool.fetchval(stored, flows.NIB) == before  # nothing kept
        extension = {"csrf_token": token, "months": "12", "reason": "proyek berlanjut"}
        letter_file = {"file": ("surat.pdf", PDF, "application/pdf")}
        asked = await employer.post(f"{url}/perpanjangan", data=extension, files=letter_file)
        assert asked.status_code == 303, asked.text
        page = await employer.get(url)
        assert "Surat permohonan perpanjangan: surat.pdf" in page.text
    live = await flows.state(api, application_id)
    [letter] = live["extensions"][0]["documents"]
    assert letter["kind"] == "extension_request"

    async with workspace.client() as kemnaker:
        await sign_in(kemnaker, "vera")
        assert f'action="{url}/pengakhiran"' not in (await kemnaker.get(url)).text
    async with workspace.client() as imigrasi:
        await sign_in(imigrasi, "rina")
        page = await imigrasi.get(url)
        assert f'action="{url}/pengakhiran"' in page.text
        token = await csrf_of(imigrasi, url)
        reason = {"csrf_token": token, "reason": "izin dicabut"}
        unconfirmed = await imigrasi.post(f"{url}/pengakhiran", data=reason)
        assert "Centang konfirmasi" in unconfirmed.text
        ended = await imigrasi.post(f"{url}/pengakhiran", data=reason | {"confirm": "ya"})
        assert ended.status_code == 303
    final = await flows.settled(api, application_id)
    assert final["outcome"] == "terminated" and final["permit"]["epo_number"]
    decisions = f"/permits/{application_id}/decisions"
    log = await ok(await api.http.get(decisions, headers=flows.auditor(api)))
    [ending] = [e for e in log if e["decision"] == "terminate"]
    assert ending["actor_role"] == "imigrasi_officer"
