"""Notifikasi: a person's in-app notifications as a page, and the bell in the header, beside
api/notifications.py (the same service functions as `GET /notifications` and
`POST /notifications/{id}/read`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api import notifications as notifications_api
from api.deps import PoolDep, acting_as
from domain.identity import Role
from web.navigation import NAV, NavItem
from web.render import PageRouter, check_csrf, render
from web.session import PagePrincipal

router = PageRouter()
NOTIFICATIONS = "/notifikasi"
PAGE_SIZE = 50

NAV.append(NavItem("nav.notifications", NOTIFICATIONS, frozenset(Role)))


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
