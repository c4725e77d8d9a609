"""The employer's DKPTKA payment: what to pay, by when, with which SIMPONI billing code.

The "pay DKPTKA" inbox task (kind `payment`, role employer, scope its NIB) is opened by the
workflow when the bill is made and closed by SIMPONI's signed confirmation
(`POST /payments/simponi/callback`), or cancelled when the bill expires."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.auth import CurrentPrincipal
from api.deps import PoolDep, acting_as
from api.permits import READERS, get_application
from db import inbox as inbox_db
from domain.identity import Actor
from domain.money import usd
from domain.permit_life import PAYMENT_TASK

router = APIRouter(prefix="/permits", tags=["TKA permits"])


class DkptkaPayment(BaseModel):
    application_id: str
    exempt: bool
    billing_code: str | None
    amount_usd: int | None
    amount: str | None  # as written on the pages: "US$ 1.200"
    due_at: datetime | None
    paid: bool
    payment_id: str | None
    task_id: str | None  # the open "pay DKPTKA" task, while it is open


@router.get("/{application_id}/payment", response_model=DkptkaPayment)
async def dkptka_payment(
    application_id: str,
    principal: CurrentPrincipal,
    actor: Annotated[Actor, Depends(acting_as(*READERS))],
    pool: PoolDep,
) -> DkptkaPayment:
    """The bill: billing code, amount and deadline; paid once SIMPONI confirmed it."""
    record = await get_application(application_id, principal, actor, pool)
    tasks = await inbox_db.open_tasks_of_case(pool, application_id)
    task = next((t for t in tasks if t.kind == PAYMENT_TASK), None)
    return DkptkaPayment(
        application_id=application_id,
        exempt=record.exempt,
        billing_code=record.billing_code,
        amount_usd=record.amount_usd,
        amount=usd(record.amount_usd) if record.amount_usd is not None else None,
        due_at=record.payment_due,
        paid=record.payment_id is not None,
        payment_id=record.payment_id,
        task_id=task.task_id if task else None,
    )
