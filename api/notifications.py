"""Notifications over HTTP: a person's in-app notifications (list with the unread count,
mark read); the operator's view of deliveries (counts, dead letters, retry); and, in
development, the local mail sink's messages."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.deps import PoolDep, SettingsDep, acting_as
from config.settings import Environment
from db import deliveries as deliveries_db
from db.deliveries import DeadLetter, InAppNotification
from domain.errors import conflict, not_found
from domain.identity import Actor, Role

router = APIRouter(tags=["notifications"])

Anyone = Annotated[Actor, Depends(acting_as(*Role))]
Operator = Annotated[Actor, Depends(acting_as(Role.OPERATOR))]


class NotificationPage(BaseModel):
    items: list[InAppNotification]
    unread: int  # of all the person's notifications, for the bell
    limit: int
    offset: int


class DeadLetterPage(BaseModel):
    items: list[DeadLetter]
    limit: int
    offset: int


class DeliverySummary(BaseModel):
    counts: dict[str, int]  # "email.sent", "in_app.sent", "email.dead", "fallback", ...


class Retried(BaseModel):
    reference: str
    state: str


class SinkMessage(BaseModel):
    file: str
    received_at: datetime
    message_id: str | None
    to: str | None
    subject: str | None


class SinkPage(BaseModel):
    items: list[SinkMessage]


@router.get("/notifications", response_model=NotificationPage)
async def my_notifications(
    actor: Anyone,
    pool: PoolDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> NotificationPage:
    """Your notifications, newest first (`unread=true`: only those not read yet)."""
    items, count = await deliveries_db.my_notifications(
        pool, actor.subject, unread_only=unread, limit=limit, offset=offset
    )
    return NotificationPage(items=items, unread=count, limit=limit, offset=offset)


@router.post("/notifications/{notification_id}/read", response_model=InAppNotification)
async def mark_read(notification_id: str, actor: Anyone, pool: PoolDep) -> InAppNotification:
    read = await deliveries_db.mark_read(pool, actor.subject, notification_id)
    if read is None:
        raise not_found(f"you have no notification {notification_id}")
    return read


@router.get("/deliveries/summary", response_model=DeliverySummary)
async def summary(_: Operator, pool: PoolDep) -> DeliverySummary:
    """Deliveries by channel and state, fallbacks used, and outbox rows still waiting."""
    return DeliverySummary(counts=await deliveries_db.counts(pool))


@router.get("/deliveries/dead-letters", response_model=DeadLetterPage)
async def dead_letters(
    _: Operator,
    pool: PoolDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> DeadLetterPage:
    """E-mails given up on, oldest first: a reference, what, how often tried, the last error
    (no address, no text, no id: a fallback's id holds its address)."""
    items = await deliveries_db.dead_letters(pool, limit, offset)
    return DeadLetterPage(items=items, limit=limit, offset=offset)


@router.post("/deliveries/dead-letters/{reference}/retry", response_model=Retried)
async def retry(reference: str, _: Operator, pool: PoolDep) -> Retried:
    """Send a dead letter again, from its first attempt. A dead letter is named by the
    `reference` the list gives, never by its id: a fallback's id holds an address, which
    belongs in no URL and no log."""
    delivery_id = await deliveries_db.dead_letter_of(pool, reference)
    if delivery_id is None:
        raise not_found(
            f"there is no dead letter {reference}: take a reference from GET "
            "/deliveries/dead-letters (one sent again is no longer listed)"
        )
    state = await deliveries_db.retry_dead(pool, delivery_id)
    if state != "revived":  # another operator sent it again in between
        raise conflict(f"dead letter {reference} is {state} now, not a dead letter")
    return Retried(reference=reference, state="pending")


@router.get("/dev/mail", response_model=SinkPage)
async def sink_messages(
    _: Operator, settings: SettingsDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> SinkPage:
    """Development only: the newest messages the local mail sink (`sinergi up`) received."""
    if settings.environment not in (Environment.DEVELOPMENT, Environment.TEST):
        raise not_found("the local mail sink exists in development only")
    folder = settings.mail_dir
    files = sorted(folder.glob("*.eml"), reverse=True)[:limit] if folder.is_dir() else []
    items = []
    parser = BytesParser(policy=policy.default)
    for path in files:
        with path.open("rb") as handle:
            headers = parser.parse(handle, headersonly=True)
        items.append(
            SinkMessage(
                file=path.name,
                received_at=datetime.fromtimestamp(path.stat().st_mtime, UTC),
                message_id=headers.get("Message-ID"),
                to=headers.get("To"),
                subject=headers.get("Subject"),
            )
        )
    return SinkPage(items=items)
