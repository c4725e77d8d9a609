"""SIMPONI's payment confirmations: `POST /payments/simponi/callback`.

No bearer token: SIMPONI signs each confirmation with the secret we share, HMAC-SHA256 over
`timestamp + "." + raw body` (`registries.simponi.sign_callback`), the timestamp in
`X-Simponi-Timestamp` (Unix seconds) and the hex signature in `X-Simponi-Signature`. A bad
signature, or a timestamp further than the tolerance from now (a replay), is a 401 and
changes nothing. Every confirmation that passes is recorded by its payment id: the first
delivery is applied to the application's workflow as an Update whose id is derived from the
payment id (so even two concurrent deliveries apply once); later deliveries are answered
with the first one's result, unless their body differs from the first (409, not counted).
A confirmation for an expired bill is refused (409) and recorded.
"""

from __future__ import annotations

import time
from typing import Annotated

import structlog
from fastapi import APIRouter, Header, HTTPException, Request, status
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api import final_answers
from api.deps import PoolDep, SettingsDep, TemporalDep
from api.errors import refusal_from_update
from api.first_deliveries import SIMPONI, one_at_a_time, payment_recorded
from api.responses import answers
from db import permits as permit_db
from db.permits import ConfirmationRecord, ConfirmationResult, PermitRecord
from domain.errors import DomainError, Refusal, conflict, invalid, not_found
from domain.permit import Outcome, PaymentConfirmation, payment_update_id
from registries.simponi import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_matches
from workflows.permit import PermitWorkflow

router = APIRouter(prefix="/payments", tags=["payments"])
log = structlog.get_logger(__name__)


class CallbackAnswer(BaseModel):
    payment_id: str
    result: ConfirmationResult
    duplicate: bool  # True: delivered before; this delivery changed nothing


def _unauthorised(why: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, f"{why}; nothing was recorded")


def _verify(secret: str, tolerance: int, timestamp: str | None, signature: str | None,
            body: bytes) -> None:  # fmt: skip
    if not timestamp or not signature:
        raise _unauthorised(f"{TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise _unauthorised(f"{TIMESTAMP_HEADER} must be Unix seconds") from None
    # Integers: a float conversion of a 400-digit timestamp would overflow (a 500).
    if abs(int(time.time()) - sent_at) > tolerance:
        raise _unauthorised(f"the confirmation is older than {tolerance}s (or from the future)")
    if not signature_matches(secret, timestamp, body, signature):
        raise _unauthorised("the signature does not match the body")


@router.post(
    "/simponi/callback",
    response_model=CallbackAnswer,
    # 401: the signature headers are missing, stale or do not match; 404: no such billing code.
    responses=final_answers.pending_responses() | answers(401, 404),
)
async def simponi_callback(
    request: Request,
    settings: SettingsDep,
    pool: PoolDep,
    temporal: TemporalDep,
    timestamp: Annotated[str | None, Header(alias=TIMESTAMP_HEADER)] = None,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> CallbackAnswer:
    """A payment confirmation from SIMPONI (signed, see above). Body: a PaymentConfirmation
    {payment_id, billing_code, amount_usd, paid_at}."""
    body = await request.body()
    secret = settings.simponi_secret
    if secret is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "SINERGI_SIMPONI_CALLBACK_SECRET is not configured; nothing was recorded",
        )
    _verify(
        secret,
        settings.simponi_callback_tolerance_seconds,
        timestamp,
        signature,
        body,
    )
    try:
        payment = PaymentConfirmation.model_validate_json(body)
    except ValidationError as error:
        raise invalid(f"the confirmation is malformed: {error.error_count()} error(s)") from None
    structlog.contextvars.bind_contextvars(payment_id=payment.payment_id)

    async def recorded() -> bool | None:
        return await payment_recorded(pool, payment.payment_id)

    async with one_at_a_time(pool, SIMPONI, payment.payment_id, recorded):
        return await _deliver(pool, temporal, payment)


async def _deliver(
    pool: PoolDep, temporal: TemporalDep, payment: PaymentConfirmation
) -> CallbackAnswer:
    seen = await permit_db.count_delivery(pool, payment)
    if seen is not None:
        if not seen.confirms(payment):
            raise _changed(payment)
        log.info("payment_confirmation_duplicate", result=seen.result.value)
        return CallbackAnswer(payment_id=payment.payment_id, result=seen.result, duplicate=True)
    record = await permit_db.by_billing_code(pool, payment.billing_code)
    if record is None:
        await _record(pool, payment, None, ConfirmationResult.REFUSED_UNKNOWN, "unknown bill")
        raise not_found(f"billing code {payment.billing_code} is not a DKPTKA bill of Sinergi")
    handle = temporal.get_workflow_handle(record.workflow_id)
    try:
        await handle.execute_update(
            PermitWorkflow.confirm_payment, payment, id=payment_update_id(payment.payment_id)
        )
    except WorkflowUpdateFailedError as error:
        refusal = refusal_from_update(error)
        await _refuse(pool, payment, record, refusal)
        raise refusal from None
    except RPCError as error:
        if error.status is not RPCStatusCode.NOT_FOUND:
            raise
        # The workflow has completed (expired, or closed otherwise): nothing can be paid.
        refusal = conflict(
            f"bill {payment.billing_code} can no longer be paid: the application is closed "
            f"({record.outcome.value if record.outcome else 'closed'}); it must be refunded"
        )
        await _refuse(pool, payment, record, refusal)
        raise refusal from None
    stored = await _record(pool, payment, record.application_id, ConfirmationResult.ACCEPTED, None)
    if not stored.confirms(payment):
        # A concurrent first delivery with another body under this id won the race: the
        # workflow applied that one (same update id), not this one.
        raise _changed(payment)
    log.info("payment_confirmation_accepted", application_id=record.application_id)
    # Final: answered once the case waits on the director's RPTKA approval, and shows it.
    await final_answers.permit_decided(
        pool, lambda: handle.query(PermitWorkflow.state), record.application_id
    )
    return CallbackAnswer(
        payment_id=payment.payment_id, result=ConfirmationResult.ACCEPTED, duplicate=False
    )


def _changed(payment: PaymentConfirmation) -> DomainError:
    """The same payment id with another bill, amount or payment time: not a duplicate."""
    log.warning("payment_confirmation_changed_under_same_id")
    return conflict(
        f"payment {payment.payment_id} was already confirmed with a different billing code, "
        "amount or payment time; this delivery changes nothing"
    )


async def _refuse(
    pool: PoolDep, payment: PaymentConfirmation, record: PermitRecord, refusal: DomainError
) -> None:
    expired = refusal.refusal is Refusal.CONFLICT and (
        record.outcome is Outcome.EXPIRED or "expired" in refusal.message
    )
    result = ConfirmationResult.REFUSED_EXPIRED if expired else ConfirmationResult.REFUSED_INVALID
    await _record(pool, payment, record.application_id, result, refusal.message)
    log.warning("payment_confirmation_refused", result=result.value)


async def _record(
    pool: PoolDep,
    payment: PaymentConfirmation,
    application_id: str | None,
    result: ConfirmationResult,
    detail: str | None,
) -> ConfirmationRecord:
    async with pool.acquire() as conn:
        return await permit_db.record_confirmation(conn, payment, application_id, result, detail)
