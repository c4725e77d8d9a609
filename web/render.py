"""Rendering pages, and what a page does when something is refused.

`PageRouter` is the router every page module uses. Its routes are left out of the OpenAPI
schema (they are pages, not API) and turn failures into pages instead of JSON:
- not signed in (or the session expired) -> 303 to the sign-in page;
- a DomainError (403, 404, 409, 422 from the same service function the API calls) -> the
  error page with that status and the service's own message;
- a bad or missing CSRF token -> 403 page; malformed query or form -> 422 page.
A page that wants the message beside its form catches DomainError itself and renders the
form again with `errors` (the GOV.UK error summary in templates/_errors.html).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from config.settings import Settings
from domain.errors import HTTP_STATUS, DomainError
from registries.errors import RegistryUnavailable
from web import session
from web.i18n import (
    Language,
    format_date,
    format_datetime,
    format_number,
    format_time,
    translate,
)
from web.navigation import nav_for
from web.personas import scope_label

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a misspelt variable fails the page's test, not silently
    trim_blocks=True,
    lstrip_blocks=True,
)


class CsrfRefused(Exception):
    """A form post whose CSRF token is missing or not this session's."""


class ServiceUnavailable(Exception):
    """Something the page needs (the identity provider, a registry) does not answer: 503."""


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page `template` in the session's language, with the frame's context."""
    settings: Settings = request.app.state.settings
    language = session.language(request)
    zone = settings.display_time_zone
    try:
        user = session.current_user(request)
    except session.NotSignedIn:
        user = None  # expired: the page (sign-in, an error) is shown signed out

    def _(key: str, **fields: object) -> str:
        return translate(language, key, **fields)

    def date_(value: date | datetime | None, unit_zone: str | None = None) -> str:
        return "" if value is None else format_date(value, language, unit_zone or zone)

    def time_(value: datetime | None, unit_zone: str | None = None) -> str:
        return "" if value is None else format_time(value, language, unit_zone or zone)

    def datetime_(value: datetime | None, unit_zone: str | None = None) -> str:
        return "" if value is None else format_datetime(value, language, unit_zone or zone)

    def number(value: int) -> str:
        return format_number(value, language)

    frame: dict[str, Any] = {
        "request": request,
        "_": _,
        "lang": language.value,
        "languages": list(Language),
        "user": user,
        "csrf_token": session.csrf_token(request),
        "path": request.url.path,
        "date": date_,
        "time": time_,
        "datetime": datetime_,
        "number": number,
        "errors": [],
        "scope_text": scope_label,
        "nav_items": nav_for,
    }
    frame.update(context or {})
    html = _env.get_template(template).render(frame)
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status_code: int, message: str, title_key: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"status": status_code, "message": message, "title_key": title_key},
        status_code=status_code,
    )


def sign_in_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/masuk?next={quote(here, safe='')}"


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class PageRoute(APIRoute):
    """An APIRoute whose failures are pages (see the module's docstring)."""

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except session.NotSignedIn:
                target = sign_in_url(request) if request.method == "GET" else "/masuk"
                return RedirectResponse(target, status_code=303)
            except CsrfRefused:
                message = translate(session.language(request), "error.csrf")
                return error_page(request, 403, message, "error.403")
            except DomainError as error:
                status = HTTP_STATUS[error.refusal]
                return error_page(request, status, error.message, f"error.{status}")
            except RequestValidationError as error:
                details = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in error.errors()
                )
                return error_page(request, 422, details, "error.422")
            except (RegistryUnavailable, ServiceUnavailable) as error:
                return error_page(request, 503, str(error), "error.503")

        return page_handler


class PageRouter(APIRouter):
    """A router of pages: PageRoute routes, none of them in the OpenAPI schema."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(route_class=PageRoute, include_in_schema=False, **kwargs)


async def check_csrf(request: Request) -> None:
    """Dependency of every form post: the token in the form (or the X-CSRF-Token header,
    for htmx) must be this session's."""
    expected = request.session.get(session.CSRF_KEY)
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or sent is None or not hmac.compare_digest(expected, sent):
        raise CsrfRefused()
