"""Signing in and out, the role switch and the language switch.

- `GET /` sends a visitor to the sign-in page (or a signed-in person to their home page).
- `GET /masuk`: the sign-in page, Indonesian by default: the ministry account (OIDC) and, in
  development and test only, "Masuk sebagai" with the seeded personas (web/personas.py).
- `GET /masuk/oidc` -> the issuer; `GET /masuk/callback` <- the issuer (web/oidc_login.py).
- `POST /masuk/sebagai`, `POST /keluar`, `POST /sesi/peran`, `POST /sesi/bahasa`: forms,
  each with its CSRF token.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SettingsDep
from domain.errors import forbidden, not_found
from domain.identity import Role
from web import oidc_login, session
from web.i18n import Language
from web.navigation import home_for
from web.personas import BY_SUBJECT, PERSONAS
from web.render import PageRouter, check_csrf, render

log = structlog.get_logger(__name__)

router = PageRouter()
Csrf = Annotated[None, Depends(check_csrf)]


def safe_next(value: str | None, default: str) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return default


def _to(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/")
async def root(request: Request) -> RedirectResponse:
    user = session.current_user(request)
    return _to(home_for(user.active_role) if user else "/masuk")


@router.get("/masuk", response_class=HTMLResponse)
async def sign_in_page(
    request: Request, settings: SettingsDep, next: str | None = None
) -> HTMLResponse:
    notice = request.session.pop(session.NOTICE_KEY, None)
    context = {
        "next": safe_next(next, ""),
        "notice": notice,
        "oidc": settings.oidc_login_configured,
        "personas": PERSONAS if settings.personas_accepted else (),
    }
    return render(request, "signin.html", context)


@router.get("/masuk/oidc")
async def oidc_start(
    request: Request, settings: SettingsDep, next: str | None = None
) -> RedirectResponse:
    if not settings.oidc_login_configured:
        raise not_found("no identity provider is configured (SINERGI_OIDC_ISSUER)")
    url = await oidc_login.begin(request, settings, safe_next(next, ""))
    return RedirectResponse(url, status_code=303)


@router.get("/masuk/callback", name="oidc_callback")
async def oidc_callback(
    request: Request,
    settings: SettingsDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    if not settings.oidc_login_configured:
        raise not_found("no identity provider is configured (SINERGI_OIDC_ISSUER)")
    if error is not None or code is None or state is None:
        request.session.pop(session.LOGIN_KEY, None)
        raise forbidden(f"the identity provider did not sign you in ({error or 'no code'})")
    pending = await oidc_login.finish(request, settings, code, state)
    user = session.current_user(request)
    assert user is not None
    return _to(safe_next(pending.next, home_for(user.active_role)))


@router.post("/masuk/sebagai")
async def sign_in_as(
    request: Request,
    settings: SettingsDep,
    _: Csrf,
    subject: Annotated[str, Form()],
    next: Annotated[str, Form()] = "",
) -> RedirectResponse:
    if not settings.personas_accepted:
        raise not_found("signing in as a sample person is for development and tests only")
    persona = BY_SUBJECT.get(subject)
    if persona is None:
        raise not_found(f"there is no sample person {subject!r}")
    user = session.sign_in(request, settings, persona.principal)
    log.info("signed_in", method="persona", roles=[r.value for r in user.roles])
    return _to(safe_next(next, home_for(user.active_role)))


@router.post("/keluar")
async def sign_out(request: Request, _: Csrf) -> RedirectResponse:
    session.sign_out(request, notice="session.signed_out")
    return _to("/masuk")


@router.post("/sesi/peran")
async def switch_role(
    request: Request, user: session.SignedIn, _: Csrf, role: Annotated[Role, Form()]
) -> RedirectResponse:
    if role not in user.roles:
        raise forbidden(f"you do not hold the role {role.value}")
    switched = session.switch_role(request, user, role)
    return _to(home_for(switched.active_role))


@router.post("/sesi/bahasa")
async def switch_language(
    request: Request,
    _: Csrf,
    lang: Annotated[Language, Form()],
    next: Annotated[str, Form()] = "/",
) -> RedirectResponse:
    session.set_language(request, lang)
    return _to(safe_next(next, "/"))
