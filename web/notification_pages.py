"""Notifikasi: a person's in-app notifications as a page, and the bell in the header; and the
operator's dead letters with a retry button. Beside api/notifications.py: the same route
functions as `GET /notifications`, `POST /notifications/{id}/read`,
`GET /deliveries/dead-letters` and `POST /deliveries/dead-letters/{reference}/retry`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api import notifications as notifications_api
from api.deps import PoolDep, acting_as
from domain.identity import Role
from web.navigation import HOME, NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
NOTIFICATIONS = "/notifikasi"
PAGE_SIZE = 50

DEAD_LETTERS = "/operasi/surat-gagal"

NAV.append(NavItem("nav.notifications", NOTIFICATIONS, frozenset(Role)))
NAV.append(NavItem("nav.dead_letters", DEAD_LETTERS, frozenset({Role.OPERATOR})))
HOME.setdefault(Role.OPERATOR, DEAD_LETTERS)  # unless another operator's page came first


@router.get(NOTIFICATIONS, response_class=HTMLResponse)
async def notifications_page(
    request: Request, principal: PagePrincipal, pool: PoolDep
) -> HTMLResponse:
    actor = await acting_as(*Role)(principal)
    page = await notifications_api.my_notifications(
        actor=actor, pool=pool, unread=False, limit=PAGE_SIZE, offset=0
    )
    return render(request, "notifications.html", {"page": page})


@router.get(f"{NOTIFICATIONS}/lonceng", response_class=HTMLResponse)
async def bell(request: Request, principal: PagePrincipal, pool: PoolDep) -> HTMLResponse:
    """The header's bell with the unread count (loaded by htmx; without it, a plain link)."""
    actor = await acting_as(*Role)(principal)
    page = await notifications_api.my_notifications(
        actor=actor, pool=pool, unread=True, limit=1, offset=0
    )
    return render(request, "_bell.html", {"unread": page.unread})


@router.post(f"{NOTIFICATIONS}/{{notification_id}}/dibaca")
async def mark_read(
    notification_id: str,
    principal: PagePrincipal,
    pool: PoolDep,
    _: Annotated[None, Depends(check_csrf)],
) -> RedirectResponse:
    actor = await acting_as(*Role)(principal)
    await notifications_api.mark_read(notification_id=notification_id, actor=actor, pool=pool)
    return RedirectResponse(NOTIFICATIONS, status_code=303)


@router.get(DEAD_LETTERS, response_class=HTMLResponse)
async def dead_letters_page(
    request: Request, principal: PagePrincipal, pool: PoolDep, dikirim: str = ""
) -> HTMLResponse:
    """E-mails given up on, oldest first: kind, attempts, last error (no address, no text)."""
    operator = await acting_as(Role.OPERATOR)(principal)
    page = await notifications_api.dead_letters(operator, pool, limit=PAGE_SIZE, offset=0)
    return render(request, "dead_letters.html", {"page": page, "retried": dikirim})


@router.post(f"{DEAD_LETTERS}/kirim-ulang")
async def retry_dead_letter(
    principal: PagePrincipal,
    pool: PoolDep,
    _: Annotated[None, Depends(check_csrf)],
    ref: Annotated[str, Form()],
) -> RedirectResponse:
    """The page names a dead letter by its reference, as the API does, in the form."""
    operator = await acting_as(Role.OPERATOR)(principal)
    await notifications_api.retry(ref, operator, pool)
    return RedirectResponse(f"{DEAD_LETTERS}?dikirim={ref}", status_code=303)
