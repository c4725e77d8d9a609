"""The authorization matrix of the pages: every page route x every persona (each role, in and
out of scope), allowed or refused with a 403 page, exactly as the API's own matrix says for
the JSON route the page calls. And no page route without a rule here.

Allowed means the page let the person through: any answer but 403 (a 404, 409 or 422 from a
later rule included); the probes send forms a later rule refuses, so the shared case does
not move (the claim and release probes run last).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.routing import APIRoute

from domain.identity import Role
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.temporal_support import until
from tests.web.conftest import Workspace
from tests.web.test_sign_in import csrf_of, sign_in
from web.personas import PERSONAS, Persona
from web.render import PageRoute

CASE_UPT = "LP-CIPINANG"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    upt_bound: frozenset[Role] = frozenset()  # of these, only people of the case's UPT
    lsp_bound: frozenset[Role] = frozenset()  # of these, only people of the case's LSP

    def allows(self, persona: Persona, role: Role) -> bool:
        if role not in self.roles:
            return False
        if role in self.upt_bound and persona.scope.upt != CASE_UPT:
            return False
        return not (role in self.lsp_bound and persona.scope.lsp != "LSP-PARIWISATA")


def may(*roles: Role, upt: tuple[Role, ...] = (), lsp: tuple[Role, ...] = ()) -> Rule:
    return Rule(frozenset(roles), frozenset(upt), frozenset(lsp))


UPT_STAFF = (Role.CASEWORKER, Role.TPP_MEMBER)
# As api/inbox.TASK_HOLDERS: those who run the system hold no case's task.
HOLDERS = tuple(
    r for r in Role if r not in (Role.AUDITOR, Role.SDP_SYSTEM, Role.ADMINISTRATOR, Role.OPERATOR)
)
CASE_READERS = may(
    *UPT_STAFF, Role.LSP_ASSESSOR, Role.KEMNAKER_INSTRUCTOR, Role.KEMNAKER_OFFICER,
    Role.AUDITOR, upt=UPT_STAFF, lsp=(Role.LSP_ASSESSOR,),
)  # fmt: skip
# The placement task: TPP of the UPT works on it; its UPT's supervisor and auditors read it.
TASK_READERS = may(Role.TPP_MEMBER, Role.SUPERVISOR, Role.AUDITOR,
                   upt=(Role.TPP_MEMBER, Role.SUPERVISOR))  # fmt: skip
JOURNEY_READERS = may(*UPT_STAFF, Role.KEMNAKER_OFFICER, Role.AUDITOR, upt=UPT_STAFF)
TASK_WORKERS = may(Role.TPP_MEMBER, upt=(Role.TPP_MEMBER,))
CASEWORKERS = may(Role.CASEWORKER)
# The TKA permit pages: the API's readers (employers only their own NIB's: 404 past it).
PERMIT_READERS = may(Role.EMPLOYER, Role.KEMNAKER_VERIFIER, Role.KEMNAKER_DIRECTOR,
                     Role.IMIGRASI_OFFICER, Role.AUDITOR)  # fmt: skip
EMPLOYERS = may(Role.EMPLOYER)
EVERYONE = may(*Role)  # each person's own notifications (another's: 404)
AUDITORS = may(Role.AUDITOR)
HANDOVER_READERS = may(Role.BAPAS_OFFICER, Role.KEMNAKER_OFFICER, Role.AUDITOR)
PUBLIC = {
    "/", "/masuk", "/masuk/oidc", "/masuk/callback", "/masuk/sebagai", "/keluar",
    "/sesi/peran", "/sesi/bahasa", "/cek-sertifikat",
}  # fmt: skip
# The uploader's own progress pages: anyone else (any role) is told there is no such upload.
OWNER_ONLY = {"/kohort/{job_id}", "/kohort/{job_id}/kemajuan", "/kohort/{job_id}/ditolak.csv"}

# (method, path template) -> rule; the order is the order of the probes.
EXPECTED: dict[tuple[str, str], Rule] = {
    ("GET", "/tugas"): may(*HOLDERS),
    ("GET", "/tugas/{task_id}"): TASK_READERS,
    ("POST", "/tugas/{task_id}/putuskan"): TASK_WORKERS,  # an empty decision: 422
    ("POST", "/tugas/{task_id}/alihkan"): may(Role.SUPERVISOR, upt=(Role.SUPERVISOR,)),
    ("GET", "/kasus/{enrolment_id}"): CASE_READERS,
    ("GET", "/wbp/{inmate_sdp_no}"): may(
        *UPT_STAFF, Role.KEMNAKER_OFFICER, Role.AUDITOR, upt=UPT_STAFF
    ),
    # A caseworker of the UPT where the inmate is held (an empty form: 422).
    ("POST", "/wbp/{inmate_sdp_no}/peristiwa"): may(Role.CASEWORKER, upt=(Role.CASEWORKER,)),
    ("GET", "/presensi"): may(Role.CASEWORKER, Role.KEMNAKER_INSTRUCTOR),
    ("POST", "/presensi"): may(Role.CASEWORKER, Role.KEMNAKER_INSTRUCTOR),
    ("GET", "/pendaftaran/baru"): CASEWORKERS,  # the inmates of one's own UPT
    # The API's rule for an inmate: a caseworker of the UPT holding them (an empty answer:
    # 422; the confirmation without its check page's key: 422).
    ("POST", "/pendaftaran/baru/periksa"): may(Role.CASEWORKER, upt=(Role.CASEWORKER,)),
    ("POST", "/pendaftaran/baru/ubah"): may(Role.CASEWORKER, upt=(Role.CASEWORKER,)),
    ("POST", "/pendaftaran/baru"): may(Role.CASEWORKER, upt=(Role.CASEWORKER,)),
    ("GET", "/kohort"): CASEWORKERS,
    ("POST", "/kohort"): CASEWORKERS,  # no file: 422
    ("GET", "/permohonan"): PERMIT_READERS,
    ("GET", "/permohonan/{application_id}"): PERMIT_READERS,  # no such application: 404
    # Documents are also read by the Kemnaker officer (the document service's own rule).
    ("GET", "/permohonan/{application_id}/dokumen/{document_id}"): may(
        *PERMIT_READERS.roles, Role.KEMNAKER_OFFICER
    ),
    ("POST", "/permohonan/{application_id}/perbaikan"): EMPLOYERS,  # no such application: 404
    ("POST", "/permohonan/{application_id}/laporan-tahunan"): EMPLOYERS,
    ("POST", "/permohonan/{application_id}/perpanjangan"): EMPLOYERS,
    # The employer or Imigrasi (the EPO is its own); unconfirmed: 404 first.
    ("POST", "/permohonan/{application_id}/pengakhiran"): may(Role.EMPLOYER, Role.IMIGRASI_OFFICER),
    # The application form and its drafts (another NIB's draft, or none: 404).
    ("GET", "/permohonan/baru"): EMPLOYERS,
    ("GET", "/permohonan/draf/{draft_id}"): EMPLOYERS,
    ("POST", "/permohonan/draf/{draft_id}"): EMPLOYERS,
    ("GET", "/notifikasi"): EVERYONE,
    ("GET", "/notifikasi/lonceng"): EVERYONE,
    ("POST", "/notifikasi/{notification_id}/dibaca"): EVERYONE,  # not one's own: 404
    ("GET", "/kasus"): AUDITORS,
    ("GET", "/kasus/{case_kind}/{case_id}"): AUDITORS,
    ("GET", "/laporan"): AUDITORS,
    ("GET", "/laporan/{name}.csv"): AUDITORS,  # no such report: 404
    # Handovers: the API's readers (no such handover: 404); its receivers acknowledge.
    ("GET", "/serah-terima"): HANDOVER_READERS,
    ("GET", "/serah-terima/{handover_id}"): HANDOVER_READERS,
    ("POST", "/serah-terima/{handover_id}/konfirmasi"): may(
        Role.BAPAS_OFFICER, Role.KEMNAKER_OFFICER
    ),
    # A supervisor's escalations; reassigning one of its UPT's tasks (to nobody: 422).
    ("GET", "/eskalasi"): may(Role.SUPERVISOR),
    ("POST", "/eskalasi/{task_id}/alihkan"): may(Role.SUPERVISOR, upt=(Role.SUPERVISOR,)),
    # notify: the administrators' directory (Kemnaker's adi; a person of another ministry
    # would be a 403 from the same route function), the employer's own contact, dead letters.
    ("GET", "/pengguna"): may(Role.ADMINISTRATOR),
    ("GET", "/pengguna/baru"): may(Role.ADMINISTRATOR),
    ("POST", "/pengguna/baru"): may(Role.ADMINISTRATOR),  # no roles given: 422
    ("GET", "/pengguna/{subject}"): may(Role.ADMINISTRATOR),  # not in the directory: 404
    ("POST", "/pengguna/{subject}"): may(Role.ADMINISTRATOR),  # 404
    ("POST", "/pengguna/{subject}/status"): may(Role.ADMINISTRATOR),  # 404
    ("GET", "/kontak-perusahaan"): EMPLOYERS,
    ("POST", "/kontak-perusahaan"): EMPLOYERS,  # not an address: 422
    ("GET", "/operasi/surat-gagal"): may(Role.OPERATOR),
    ("POST", "/operasi/surat-gagal/kirim-ulang"): may(Role.OPERATOR),  # no such delivery: 404
    ("GET", "/insiden"): may(Role.OPERATOR),
    ("POST", "/insiden/{incident_id}/ulang"): may(Role.OPERATOR),  # no such incident: 404
    # Last: a TPP member claims the task and releases it again (a supervisor releases
    # nobody's: 409), so the next person finds it as it was.
    ("POST", "/tugas/{task_id}/ambil"): TASK_WORKERS,
    ("POST", "/tugas/{task_id}/lepaskan"): may(
        Role.TPP_MEMBER, Role.SUPERVISOR, upt=(Role.TPP_MEMBER, Role.SUPERVISOR)
    ),
}


def page_routes(workspace: Workspace) -> set[tuple[str, str]]:
    app = workspace.api.app
    assert app is not None
    found: set[tuple[str, str]] = set()

    def walk(routes: Sequence[object]) -> None:
        for route in routes:
            if isinstance(route, PageRoute):
                found.update((m, route.path) for m in route.methods or ())
            elif isinstance(route, APIRoute):
                continue
            elif hasattr(route, "original_router"):  # an included router (no prefix on pages)
                walk(route.original_router.routes)

    walk(app.routes)
    return found


async def test_every_page_route_has_a_rule(workspace: Workspace) -> None:
    routes = page_routes(workspace)
    assert len(routes) >= 20  # fails loudly if pages stop being discovered
    ruled = set(EXPECTED) | {(m, p) for m, p in routes if p in PUBLIC | OWNER_ONLY}
    assert routes - ruled == set(), "page routes without a rule in the matrix"
    assert set(EXPECTED) - routes == set(), "rules for page routes that do not exist"


async def test_each_page_admits_exactly_the_roles_and_scopes_the_api_admits(
    workspace: Workspace,
) -> None:
    api = workspace.api
    case_id = await flows.request(api, DEMO_ELIGIBLE)
    await api.settled(case_id)

    async def task_of_case() -> list[str]:
        rows = await api.pool.fetch(
            "SELECT task_id FROM tasks WHERE case_id = $1 AND state = 'open'", case_id
        )
        return [r["task_id"] for r in rows]

    task_id = (await until(task_of_case, bool, "the placement task"))[0]
    params = {"task_id": task_id, "enrolment_id": case_id, "inmate_sdp_no": DEMO_ELIGIBLE,
              "job_id": "no-such-upload", "application_id": "no-such-application",
              "document_id": "no-such-document", "draft_id": "DRF-000000000000",
              "notification_id": "no-such-notification",
              "case_kind": "enrolment", "case_id": case_id, "name": "no-such-report",
              "handover_id": "no-such-handover", "subject": "no-such-person",
              "incident_id": "999999"}  # fmt: skip
    forms = {
        "/presensi": {"upt": CASE_UPT, "programme": "BARISTA", "action": "attendance"},
        "/pendaftaran/baru": {"inmate_sdp_no": DEMO_ELIGIBLE, "programme_code": "", "reason": ""},
        "/pendaftaran/baru/periksa": {"inmate_sdp_no": DEMO_ELIGIBLE},
        "/pendaftaran/baru/ubah": {"inmate_sdp_no": DEMO_ELIGIBLE},
        "/tugas/{task_id}/alihkan": {"to_subject": ""},
        "/eskalasi/{task_id}/alihkan": {"to_subject": ""},
        "/permohonan/{application_id}/perbaikan": {"kind": "cv", "reason": "probe"},
        "/permohonan/{application_id}/laporan-tahunan": {"year": "1", "reason": "probe"},
        "/permohonan/{application_id}/perpanjangan": {"months": "1", "reason": "probe"},
        "/permohonan/{application_id}/pengakhiran": {"reason": "probe", "confirm": "ya"},
        # A submission the rules refuse (422): no draft is written by the probe.
        "/permohonan/draf/{draft_id}": {"action": "kirim", "position_title": "probe"},
        "/pengguna/baru": {"subject": "probe", "display_name": "Probe"},
        "/pengguna/{subject}": {"display_name": "Probe"},
        "/pengguna/{subject}/status": {"active": "false"},
        "/kontak-perusahaan": {"email": "not-an-address"},
        "/operasi/surat-gagal/kirim-ulang": {"ref": "no-such-delivery"},
    }
    # A well-formed upload, so the role and scope checks are what answers (not a 422).
    files = {"/permohonan/{application_id}/perbaikan": {
        "file": ("probe.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}}  # fmt: skip
    wrong: list[str] = []
    for persona in PERSONAS:
        role = persona.roles[0] if len(persona.roles) == 1 else Role.TPP_MEMBER  # gita: TPP first
        async with workspace.client() as client:
            await sign_in(client, persona.subject)
            token = await csrf_of(client, "/masuk")
            for (method, template), rule in EXPECTED.items():
                path = re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], template)
                data = {"csrf_token": token, **forms.get(template, {})}
                answer = await (
                    client.get(path)
                    if method == "GET"
                    else client.post(path, data=data, files=files.get(template))
                )
                allowed = rule.allows(persona, role)
                if answer.status_code in (401, 500) or (answer.status_code == 403) == allowed:
                    expected = "allowed" if allowed else "403"
                    wrong.append(f"{persona.subject} ({role.value}) {method} {template}: "
                                 f"{answer.status_code}, expected {expected}")  # fmt: skip
            for template in OWNER_ONLY:
                path = template.replace("{job_id}", "no-such-upload")
                status = (await client.get(path)).status_code
                if status != 404:
                    wrong.append(f"{persona.subject} GET {template}: {status}, expected 404")
    assert not wrong, "\n".join(wrong)
    assert await api.pool.fetchval("SELECT count(*) FROM permit_drafts") == 0
