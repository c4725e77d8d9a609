"""Signing in and out over HTTP: the landing page, personas, CSRF, the session cookie, headers,
the role and language switches, expiry. (Browser journeys: test_browser_*.py.)"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.web.conftest import Workspace

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_of(client: httpx.AsyncClient, path: str = "/masuk") -> str:
    page = await client.get(path)
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, persona: str) -> httpx.Response:
    token = await csrf_of(client)
    return await client.post(
        "/masuk/sebagai", data={"csrf_token": token, "subject": persona, "next": ""}
    )


async def test_the_address_of_the_server_lands_on_the_indonesian_sign_in_page(
    workspace: Workspace,
) -> None:
    async with workspace.client() as client:
        landing = await client.get("/", follow_redirects=True)
    assert landing.status_code == 200
    assert str(landing.url).endswith("/masuk")
    assert '<html lang="id">' in landing.text
    assert "<h1>Masuk</h1>" in landing.text
    assert "Masuk sebagai (hanya pengembangan)" in landing.text


async def test_a_persona_signs_in_lands_on_the_inbox_and_the_page_names_role_and_scope(
    workspace: Workspace,
) -> None:
    async with workspace.client() as client:
        signed = await sign_in(client, "budi")
        assert signed.status_code == 303
        assert signed.headers["location"] == "/tugas"
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        inbox = await client.get("/tugas")
    assert inbox.status_code == 200
    assert "<h1>Tugas Saya</h1>" in inbox.text
    assert 'data-testid="subject">budi<' in inbox.text
    assert "Anggota TPP" in inbox.text and "LP-CIPINANG" in inbox.text


async def test_the_session_cookie_carries_codes_only_and_cannot_be_forged(
    workspace: Workspace,
) -> None:
    import base64
    import json

    async with workspace.client() as client:
        await sign_in(client, "ani")
        raw = client.cookies["sinergi_session"]
        payload = json.loads(base64.b64decode(raw.split(".")[0] + "=="))
        assert set(payload) == {"user", "csrf"}
        assert set(payload["user"]) == {"subject", "roles", "scope", "active_role", "expires_at"}
        # Changing the role in the cookie breaks its signature: the person is signed out.
        payload["user"]["roles"] = ["supervisor"]
        forged = base64.b64encode(json.dumps(payload).encode()).decode()
        client.cookies.clear()
        cookie = f"sinergi_session={forged}.{raw.split('.', 1)[1]}"
        answer = await client.get("/tugas", headers={"Cookie": cookie})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/masuk")


async def test_a_form_post_without_this_sessions_csrf_token_is_a_403_page(
    workspace: Workspace,
) -> None:
    async with workspace.client() as client:
        await csrf_of(client)  # a session with a token exists
        refused = await client.post("/masuk/sebagai", data={"subject": "budi"})
        assert refused.status_code == 403
        assert "Formulir ini kedaluwarsa" in refused.text
        wrong = await client.post("/masuk/sebagai", data={"subject": "budi", "csrf_token": "x"})
        assert wrong.status_code == 403
        # Nothing happened: still not signed in.
        assert (await client.get("/tugas")).status_code == 303


async def test_pages_send_a_strict_content_security_policy_and_refuse_framing(
    workspace: Workspace,
) -> None:
    async with workspace.client() as client:
        page = await client.get("/masuk")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " style=" not in page.text


async def test_sign_out_ends_the_session(workspace: Workspace) -> None:
    async with workspace.client() as client:
        await sign_in(client, "budi")
        token = await csrf_of(client, "/tugas")
        out = await client.post("/keluar", data={"csrf_token": token})
        assert out.headers["location"] == "/masuk"
        assert "Anda telah keluar" in (await client.get("/masuk")).text
        assert (await client.get("/tugas")).status_code == 303


async def test_an_expired_session_sends_the_person_to_sign_in_again(
    workspace: Workspace,
) -> None:
    import base64
    import json

    from itsdangerous import TimestampSigner

    settings = workspace.api.settings
    async with workspace.client() as client:
        await sign_in(client, "budi")
        raw = client.cookies["sinergi_session"]
        payload = json.loads(base64.b64decode(raw.split(".")[0] + "=="))
        payload["user"]["expires_at"] = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        data = base64.b64encode(json.dumps(payload).encode())
        signer = TimestampSigner(settings.session_signing_key)
        client.cookies.clear()
        cookie = f"sinergi_session={signer.sign(data).decode()}"
        answer = await client.get("/tugas", headers={"Cookie": cookie})
        assert answer.status_code == 303
        again = await client.get("/masuk")  # the answer's cookie: signed out, with a notice
    assert "Sesi Anda telah berakhir" in again.text


async def test_a_person_with_two_roles_switches_explicitly_and_acts_in_one(
    workspace: Workspace,
) -> None:
    async with workspace.client() as client:
        await sign_in(client, "gita")
        inbox = await client.get("/tugas")
        assert 'id="role-switch"' in inbox.text
        assert 'data-testid="active-role">Anggota TPP<' in inbox.text
        token = CSRF.search(inbox.text).group(1)  # type: ignore[union-attr]
        switched = await client.post(
            "/sesi/peran", data={"csrf_token": token, "role": "caseworker"}
        )
        assert switched.status_code == 303
        inbox = await client.get("/tugas")
        assert 'data-testid="active-role">Petugas pembinaan<' in inbox.text
        # A role not granted is refused, and nothing changes.
        refused = await client.post("/sesi/peran", data={"csrf_token": token, "role": "supervisor"})
        assert refused.status_code == 403
        assert 'data-testid="active-role">Petugas pembinaan<' in (await client.get("/tugas")).text


async def test_the_language_switch_turns_the_page_to_english(workspace: Workspace) -> None:
    async with workspace.client() as client:
        token = await csrf_of(client)
        switched = await client.post(
            "/sesi/bahasa", data={"csrf_token": token, "lang": "en", "next": "/masuk"}
        )
        assert switched.headers["location"] == "/masuk"
        page = await client.get("/masuk")
        assert '<html lang="en">' in page.text and "<h1>Sign in</h1>" in page.text
        # Another host is never a redirect target.
        away = await client.post(
            "/sesi/bahasa", data={"csrf_token": token, "lang": "id", "next": "//evil.example"}
        )
    assert away.headers["location"] == "/"


async def test_docs_and_redoc_load_their_bundles_from_this_server(workspace: Workspace) -> None:
    async with workspace.client() as client:
        for path in ("/docs", "/redoc"):
            page = await client.get(path)
            assert page.status_code == 200
            sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
            assert sources and all(s.startswith("/static/vendor/") or s.startswith("/static/docs/")
                                   for s in sources), sources  # fmt: skip
            for source in sources:
                assert (await client.get(source)).status_code == 200, source
