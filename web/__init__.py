"""The Sinergi workspace: server-rendered pages for the people of Process A, in the API's app.

How it is put together
- `install_workspace(app, settings)` (called by api/main.create_app) adds the session cookie
  (web/session.py), the security headers (web/security.py), /static, /docs, /redoc and every
  page router.
- Pages are Jinja2 templates in web/templates/ (autoescaped, extending `base.html`), with
  htmx and the CSS served from web/static/ (vendored, see scripts/vendor-assets.sh).
- Words come from web/i18n.py (Bahasa Indonesia first, English by the switch).

How to add a page
1. Next to the API router of the same resource (api/foo.py), write web/foo_pages.py with
   `router = PageRouter()` (web/render.py). Its routes are pages: outside the OpenAPI schema,
   failures rendered as pages (403/404/409/422 with the service's own message; not signed
   in -> the sign-in page).
2. Take the person as `principal: PagePrincipal` (web/session.py): the same `Principal` the
   API's bearer dependency gives, acting in the role the person chose. Call the same service
   function as the JSON route (often the route function itself, e.g.
   `api.inbox.my_inbox(principal=..., _=await acting_as(...)(principal), pool=...)`): never
   a copy of a rule or a scope check.
3. Every POST takes `_: Annotated[None, Depends(check_csrf)]` and its form carries
   `<input type="hidden" name="csrf_token" value="{{ csrf_token }}">`. To show a refusal
   beside the form, catch DomainError and render the form again with
   `errors=[FieldError(...)]` (templates/_errors.html draws the GOV.UK error summary).
4. Render with `render(request, "foo.html", {...})`; the template extends "base.html" and
   uses `{{ _("key") }}` for every word: add the key to web/i18n.MESSAGES in both languages.
   No inline <script> or style= (the CSP refuses them): add to web/static/ instead.
5. Import the module in `_PAGE_ROUTERS` below; add a menu link or a role's landing page in
   web/navigation.py; add the routes to tests/web/test_page_matrix.py; add a browser test
   with the axe check (tests/web/).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from config.settings import Settings

STATIC = Path(__file__).parent / "static"


def install_workspace(app: FastAPI, settings: Settings) -> None:
    # Imported here: the page modules import api modules, which import nothing of web/.
    from web import (
        application_pages,
        audit_pages,
        auth_pages,
        certificate_check_pages,
        cohort_pages,
        docs,
        employer_contact_pages,
        enrol_pages,
        enrolment_pages,
        escalation_pages,
        handover_pages,
        inbox_pages,
        incident_pages,
        journey_pages,
        notification_pages,
        people_pages,
        permit_pages,
        report_pages,
        task_pages,
        training_pages,
    )
    from web.security import install_security_headers

    install_security_headers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_signing_key,  # refuses the development key in production
        session_cookie="sinergi_session",
        max_age=int(settings.session_hours * 3600),
        same_site="lax",
        https_only=settings.session_cookie_is_secure,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(docs.router)
    pages = (
        auth_pages,
        inbox_pages,
        task_pages,
        enrolment_pages,
        journey_pages,
        training_pages,
        enrol_pages,
        cohort_pages,
        audit_pages,
        report_pages,
        certificate_check_pages,
        notification_pages,
        application_pages,  # before permit_pages: /permohonan/baru is no application id
        permit_pages,
        handover_pages,
        escalation_pages,
        people_pages,
        employer_contact_pages,
        incident_pages,
    )
    for module in pages:
        app.include_router(module.router)
