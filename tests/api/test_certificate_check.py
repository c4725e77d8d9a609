"""The public certificate check, without login: valid and expired certificates answer with
the holder's initials, scheme, units, LSP and dates; an unknown number and a wrong date of
birth answer exactly alike after the same work; no answer holds a word of the prison (every
UPT name and code of the reference data) or the SDP number; look-ups are counted by outcome,
never by address; a client past its bucket gets a 429 with Retry-After."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from config.settings import Environment, Settings
from domain.registries import InmateIdentity
from registries.sdp import SdpSimulator
from registries.sdp_seed import DEMO_ELIGIBLE, DEMO_PAROLE, demo_identities, demo_inmates

VALID = "BNSP/SKM-BARISTA-2024/2026/000101"
EXPIRED = "BNSP/SKM-BARISTA-2024/2021/000007"
BORN = date(1994, 3, 17)  # DEMO_ELIGIBLE's, in the SDP simulator's seed
PAROLE_BORN = date(1996, 8, 14)


class CountingSdp(SdpSimulator):
    """The SDP simulator, counting identity look-ups (the work an answer costs)."""

    identity_lookups = 0

    async def get_identity(self, sdp_no: str) -> InmateIdentity | None:
        self.identity_lookups += 1
        return await super().get_identity(sdp_no)


async def _certificate(
    pool: asyncpg.Pool, n: int, sdp_no: str, number: str, issued: date, upt: str
) -> None:
    enrolment_id = f"ENR-CHK-{n}"
    at = datetime(2026, 1, 1, tzinfo=UTC)
    await pool.execute(
        """INSERT INTO enrolments (enrolment_id, workflow_id, inmate_sdp_no, programme_code,
               upt_code, lsp_code, planned_end, release_flagged, stage, outcome, requested_by,
               requested_at, updated_at)
           VALUES ($1, 'enrolment-' || $1, $2, 'BARISTA', $3, 'LSP-PARIWISATA',
                   DATE '2026-06-01', false, 'closed', 'certified', 'cw', $4, $4)""",
        enrolment_id, sdp_no, upt, at,
    )  # fmt: skip
    await pool.execute(
        """INSERT INTO enrolment_events (event_id, enrolment_id, seq, kind, at, stage)
           VALUES ($1 || ':9', $1, 9, 'certified', $2, 'closed')""",
        enrolment_id,
        at,
    )
    await pool.execute(
        """INSERT INTO certificates (enrolment_id, number, issued_on, valid_until, event_id)
           VALUES ($1, $2, $3, $4, $1 || ':9')""",
        enrolment_id, number, issued, issued.replace(year=issued.year + 3),
    )  # fmt: skip


@asynccontextmanager
async def public_client(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment, sdp: SdpSimulator, burst: int = 100
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(environment=Environment.TEST, public_check_burst=burst)
    app = create_app(settings, pool=pool, temporal=dev_env.client, sdp=sdp)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://sinergi.test") as http,
    ):
        yield http


async def _seed(pool: asyncpg.Pool) -> None:
    today = date.today()
    await _certificate(pool, 1, DEMO_ELIGIBLE, VALID, today - timedelta(days=30), "LP-CIPINANG")
    await _certificate(pool, 2, DEMO_PAROLE, EXPIRED, date(2021, 2, 1), "LP-SUKAMISKIN")


async def _prison_words(pool: asyncpg.Pool) -> list[str]:
    """Every UPT name and code of the reference data, the words for the kinds of UPT, and
    for the people in them."""
    rows = await pool.fetch("SELECT code, name FROM upts")
    return [w for r in rows for w in (r["code"], r["name"])] + [
        "Lapas", "Rutan", "Bapas", "warga binaan", "narapidana", "pemasyarakatan", "inmate",
        "prison",
    ]  # fmt: skip


def _token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def _check(number: str, born: date) -> dict[str, str]:
    return {"certificate_number": number, "birth_date": born.isoformat()}


async def test_valid_and_expired_certificates_answer_without_a_word_of_the_prison(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    await _seed(pool)
    async with public_client(pool, dev_env, SdpSimulator.default()) as http:
        valid = await http.post("/public/certificate-check", json=_check(VALID, BORN))
        expired = await http.post("/public/certificate-check", json=_check(EXPIRED, PAROLE_BORN))
        form = await http.get(f"/cek-sertifikat?no={VALID}")
        page = await http.post(
            "/cek-sertifikat", data=_check(VALID, BORN) | {"csrf_token": _token(form)}
        )
    assert valid.status_code == 200, valid.text
    answer = valid.json()
    assert answer["valid"] is True and answer["status"] == "valid"
    assert answer["holder_initials"] == "A. S."  # Agus Setiawan
    assert (answer["scheme_code"], answer["scheme_name"]) == ("SKM-BARISTA-2024", "Barista")
    assert answer["lsp_name"] == "LSP Pariwisata dan Kuliner"
    assert len(answer["units"]) > 0 and all(u["code"] and u["title"] for u in answer["units"])
    assert expired.status_code == 200
    assert expired.json()["valid"] is False and expired.json()["status"] == "expired"
    assert page.status_code == 200 and "Sertifikat berlaku" in page.text
    assert "A. S." in page.text and answer["units"][0]["title"] in page.text
    for text in (valid.text, expired.text, page.text):
        for word in await _prison_words(pool):
            assert word.lower() not in text.lower(), f"the answer names {word!r}"
        for sdp_no in (DEMO_ELIGIBLE, DEMO_PAROLE):
            assert sdp_no not in text, "the answer holds the SDP number"
        assert "Agus" not in text and "Setiawan" not in text, "the full name leaked"


async def test_unknown_number_and_wrong_birth_date_answer_alike_after_the_same_work(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    await _seed(pool)
    sdp = CountingSdp(demo_inmates(date.today()))
    for identity in demo_identities():
        sdp.set_identity(identity)
    async with public_client(pool, dev_env, sdp) as http:
        unknown = await http.post(
            "/public/certificate-check", json=_check("BNSP/SKM-NONE/2026/999999", BORN)
        )
        unknown_work = sdp.identity_lookups
        wrong = await http.post(
            "/public/certificate-check", json=_check(VALID, BORN + timedelta(days=1))
        )
        wrong_work = sdp.identity_lookups - unknown_work
        pages = []
        for ask in (_check("NOPE-1", BORN), _check(VALID, date(2000, 1, 1))):
            form = await http.get("/cek-sertifikat")
            pages.append(
                await http.post("/cek-sertifikat", data=ask | {"csrf_token": _token(form)})
            )
    assert unknown.status_code == wrong.status_code == 404
    assert unknown.content == wrong.content
    # the same headers, but for the request's own id
    assert {**unknown.headers, "x-request-id": ""} == {**wrong.headers, "x-request-id": ""}
    assert unknown_work == wrong_work == 1, "an unknown number skips no step"
    assert pages[0].status_code == pages[1].status_code == 404
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", pages[0].text) == strip.sub("", pages[1].text)
    rows = await pool.fetch("SELECT outcome, lookups FROM certificate_check_counts")
    counted = {r["outcome"]: r["lookups"] for r in rows}
    assert counted == {"unknown_number": 2, "birth_date_mismatch": 2}
    columns = await pool.fetch(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'certificate_check_counts'"
    )
    assert {c["column_name"] for c in columns} == {"day", "outcome", "lookups"}, "no address"


async def test_a_client_past_its_bucket_gets_429_with_retry_after(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    await _seed(pool)
    async with public_client(pool, dev_env, SdpSimulator.default(), burst=2) as http:
        answers = [
            await http.post("/public/certificate-check", json=_check(VALID, BORN)) for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    counted = await pool.fetchval(
        "SELECT lookups FROM certificate_check_counts WHERE outcome = 'rate_limited'"
    )
    assert counted == 1


async def test_the_page_is_indonesian_first_csp_safe_and_checks_its_form(
    pool: asyncpg.Pool, dev_env: WorkflowEnvironment
) -> None:
    async with public_client(pool, dev_env, SdpSimulator.default()) as http:
        form = await http.get("/cek-sertifikat?no=BNSP%2FSKM-X%2F2026%2F1")
        forged = await http.post("/cek-sertifikat", data=_check(VALID, BORN) | {"csrf_token": "x"})
        await http.post(
            "/sesi/bahasa",
            data={"lang": "en", "next": "/cek-sertifikat", "csrf_token": _token(form)},
        )
        english = await http.get("/cek-sertifikat")
        bad = await http.post(
            "/cek-sertifikat",
            data={
                "certificate_number": "X",
                "birth_date": "17-03-1994",
                "csrf_token": _token(form),
            },
        )
    assert form.status_code == 200 and 'lang="id"' in form.text
    assert "Cek Sertifikat Kompetensi" in form.text and 'value="BNSP/SKM-X/2026/1"' in form.text
    policy = form.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert re.search(r"<script(?![^>]*\bsrc=)", form.text) is None, "an inline script"
    assert " style=" not in form.text
    assert 'method="post" action="/cek-sertifikat"' in form.text, "the birth date goes in a body"
    assert "Competency Certificate Check" in english.text and 'lang="en"' in english.text
    assert forged.status_code == 403
    # each wrong field is named, in English now, beside its input and in the summary
    assert bad.status_code == 422
    assert bad.text.count("Enter the certificate number") == 2
    assert bad.text.count("Enter a real date of birth") == 2
