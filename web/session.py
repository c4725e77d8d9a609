"""The workspace session: who is signed in, in which role, in which language.

It lives in Starlette's session cookie, signed with `Settings.session_secret` (itsdangerous),
HttpOnly, SameSite=Lax (Lax, not Strict: the identity provider's redirect back to
/masuk/callback is a cross-site navigation that must carry the pending login), Secure outside
development and test. It carries no personal data: the subject identifier, roles and scope
codes, the chosen role and language, a CSRF token and an absolute expiry.

The page dependency `page_principal` turns the session into the same `Principal` the API's
bearer dependency produces, narrowed to the role the person has chosen (a page never mixes
two roles' work), so pages call the same service functions and scope checks as the API.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from config.settings import Settings
from domain.identity import Principal, Role, Scope
from web.i18n import Language, language_of

USER_KEY = "user"
LANGUAGE_KEY = "lang"
CSRF_KEY = "csrf"
LOGIN_KEY = "login"  # a pending OIDC login: state, nonce, PKCE verifier, where to go next
NOTICE_KEY = "notice"  # a one-time message for the sign-in page (signed out, expired)

# Which role a person with several lands in: the one with the most daily work first.
ROLE_PREFERENCE = (
    Role.TPP_MEMBER,
    Role.CASEWORKER,
    Role.KEMNAKER_INSTRUCTOR,
    Role.LSP_ASSESSOR,
    Role.BAPAS_OFFICER,
    Role.KEMNAKER_OFFICER,
    Role.KEMNAKER_VERIFIER,
    Role.KEMNAKER_DIRECTOR,
    Role.IMIGRASI_OFFICER,
    Role.EMPLOYER,
    Role.SUPERVISOR,
    Role.AUDITOR,
    Role.SDP_SYSTEM,
    # Those who run the system (their first role was not found: signing in failed).
    Role.ADMINISTRATOR,
    Role.OPERATOR,
)


class NotSignedIn(Exception):
    """A page was asked for without a live session: the person is sent to sign in."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("not signed in")
        self.expired = expired


class SignedInUser(BaseModel):
    """The session's person. No name, NIK or e-mail: identifiers and codes only."""

    model_config = ConfigDict(frozen=True)

    subject: str
    roles: tuple[Role, ...]  # every role the identity provider granted
    scope: Scope
    active_role: Role
    expires_at: datetime

    @property
    def principal(self) -> Principal:
        """The API's principal, acting in the chosen role only."""
        return Principal(
            subject=self.subject, roles=frozenset({self.active_role}), scope=self.scope
        )


def first_role(roles: frozenset[Role]) -> Role:
    return next(r for r in ROLE_PREFERENCE if r in roles)


def sign_in(request: Request, settings: Settings, principal: Principal) -> SignedInUser:
    """Start a session for `principal` (a fresh CSRF token; the language is kept)."""
    language = request.session.get(LANGUAGE_KEY)
    request.session.clear()
    user = SignedInUser(
        subject=principal.subject,
        roles=tuple(r for r in ROLE_PREFERENCE if r in principal.roles),
        scope=principal.scope,
        active_role=first_role(principal.roles),
        expires_at=datetime.now(UTC) + timedelta(hours=settings.session_hours),
    )
    request.session[USER_KEY] = user.model_dump(mode="json")
    if language:
        request.session[LANGUAGE_KEY] = language
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return user


def sign_out(request: Request, notice: str | None = None) -> None:
    language = request.session.get(LANGUAGE_KEY)
    request.session.clear()
    if language:
        request.session[LANGUAGE_KEY] = language
    if notice:
        request.session[NOTICE_KEY] = notice


def current_user(request: Request) -> SignedInUser | None:
    """The live session's person, or None (an expired session is ended here)."""
    raw: Any = request.session.get(USER_KEY)
    if raw is None:
        return None
    try:
        user = SignedInUser.model_validate(raw)
    except ValidationError:
        sign_out(request)  # a cookie from an older version: sign in again
        return None
    if user.expires_at <= datetime.now(UTC):
        sign_out(request, notice="session.expired")
        raise NotSignedIn(expired=True)
    return user


def switch_role(request: Request, user: SignedInUser, role: Role) -> SignedInUser:
    """Act in another of one's own roles; a role not granted is refused by the caller."""
    switched = user.model_copy(update={"active_role": role})
    request.session[USER_KEY] = switched.model_dump(mode="json")
    return switched


def language(request: Request) -> Language:
    return language_of(request.session.get(LANGUAGE_KEY))


def set_language(request: Request, value: Language) -> None:
    request.session[LANGUAGE_KEY] = value.value


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use (anonymous forms need one too)."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_KEY] = token
    return token


def _signed_in(request: Request) -> SignedInUser:
    user = current_user(request)
    if user is None:
        raise NotSignedIn()
    request.state.principal = user.principal  # who asked, for the auditors' request log
    return user


def _page_principal(user: Annotated[SignedInUser, Depends(_signed_in)]) -> Principal:
    return user.principal


SignedIn = Annotated[SignedInUser, Depends(_signed_in)]
PagePrincipal = Annotated[Principal, Depends(_page_principal)]
