"""The public certificate check over HTTP, without login: `POST /public/certificate-check`
(JSON) here, the page `/cek-sertifikat` in `web/certificate_check_pages.py`; both call
`check_certificate`.

The certificate number and the date of birth travel in the request body, never in a URL
(the QR code's link carries the number only, to fill the form in). Every look-up is counted
by outcome (`certificate_check_counts`), never by who asked; each client gets a token bucket
in Postgres under a keyed hash of its address, shared by every API process
(`api/rate_limit.py`; 429 with Retry-After past it). Neither the number, the date of birth
nor the address is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, date, datetime

import asyncpg
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import PoolDep, SdpDep
from api.rate_limit import SharedBuckets, retry_after
from config.settings import Settings
from db import certificate_check as check_db
from domain.certificate_check import (
    NOT_FOUND_EN,
    NOT_FOUND_ID,
    CertificateCheckAnswer,
    CertificateCheckRequest,
    CheckOutcome,
    initials,
    outcome_on,
)
from domain.clock import local_date
from domain.registries import SdpRegistry

router = APIRouter(tags=["public certificate check"])
log = structlog.get_logger(__name__)

# Asked of SDP when the number is unknown, so that an unknown number costs the same work
# (one certificate query, one SDP look-up, one comparison, one count) as a wrong birth date.
_DECOY_SDP_NO = "SDP-DECOY-0000"
PUBLIC_PATHS = ("/public/", "/cek-sertifikat")


def not_found() -> JSONResponse:
    """The one answer for an unknown number and for a wrong date of birth."""
    return JSONResponse(
        status_code=404, content={"detail": NOT_FOUND_ID, "detail_en": NOT_FOUND_EN}
    )


async def check_certificate(
    pool: asyncpg.Pool, sdp: SdpRegistry, ask: CertificateCheckRequest, today: date
) -> tuple[CheckOutcome, CertificateCheckAnswer | None]:
    """Look the certificate up and match the holder's date of birth. The same steps run
    whether the number exists or not; only a found number with a matching date answers."""
    facts = await check_db.certificate(pool, ask.certificate_number.strip())
    identity = await sdp.get_identity(facts.holder_sdp_no if facts else _DECOY_SDP_NO)
    claimed = hashlib.sha256(ask.birth_date.isoformat().encode()).digest()
    known = identity.date_of_birth.isoformat() if identity is not None else "-"
    matches = hmac.compare_digest(claimed, hashlib.sha256(known.encode()).digest())
    if facts is None or identity is None:
        outcome, answer = CheckOutcome.UNKNOWN_NUMBER, None
    elif not matches:
        outcome, answer = CheckOutcome.BIRTH_DATE_MISMATCH, None
    else:
        outcome = outcome_on(facts.valid_until, today)
        answer = CertificateCheckAnswer(
            certificate_number=facts.number,
            valid=outcome is CheckOutcome.VALID,
            status=outcome,
            holder_initials=initials(identity.full_name),
            scheme_code=facts.scheme_code,
            scheme_name=facts.scheme_name,
            units=facts.units,
            lsp_code=facts.lsp_code,
            lsp_name=facts.lsp_name,
            issued_on=facts.issued_on,
            valid_until=facts.valid_until,
        )
    await check_db.count(pool, today, outcome)
    log.info("certificate_checked", outcome=outcome.value)  # the outcome only
    return outcome, answer


async def limited(request: Request, pool: asyncpg.Pool) -> float:
    """Seconds the caller must wait (0.0: go ahead): its bucket in Postgres, shared by every
    API process."""
    buckets: SharedBuckets | None = getattr(request.app.state, "check_buckets", None)
    if buckets is None:
        settings: Settings = request.app.state.settings
        buckets = SharedBuckets(
            settings.public_check_per_minute,
            settings.public_check_burst,
            settings.session_secret.get_secret_value(),
        )
        request.app.state.check_buckets = buckets
    return await buckets.take(pool, request.client.host if request.client else "-")


async def count_limited(pool: asyncpg.Pool, today: date) -> None:
    await check_db.count(pool, today, CheckOutcome.RATE_LIMITED)


@router.post(
    "/public/certificate-check",
    response_model=CertificateCheckAnswer,
    responses={404: {"description": "no certificate with this number and date of birth"},
               429: {"description": "too many look-ups from this address: see Retry-After"}},
)  # fmt: skip
async def certificate_check(
    body: CertificateCheckRequest, request: Request, pool: PoolDep, sdp: SdpDep
) -> JSONResponse:
    """Whether a competency certificate is valid, for its number and its holder's date of
    birth: the holder's initials, scheme and units, LSP, issue and expiry dates. Nothing of
    where it was earned. No login; rate-limited per client."""
    today = local_date(_now())
    wait = await limited(request, pool)
    if wait:
        await count_limited(pool, today)
        return JSONResponse(
            status_code=429,
            content={"detail": "Terlalu banyak permintaan; coba lagi nanti.",
                     "detail_en": "Too many look-ups; try again later."},
            headers={"Retry-After": retry_after(wait)},
        )  # fmt: skip
    _, answer = await check_certificate(pool, sdp, body, today)
    if answer is None:
        return not_found()
    return JSONResponse(answer.model_dump(mode="json"))


def _now() -> datetime:
    return datetime.now(UTC)


class _QuietPublicAccess(logging.Filter):
    """Keeps the public check's requests (client address, the QR's number) out of uvicorn's
    access log: a look-up is counted, never attributed."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        path = str(args[2]) if len(args) > 2 else ""
        return not path.startswith(PUBLIC_PATHS)


def quiet_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _QuietPublicAccess) for f in access.filters):
        access.addFilter(_QuietPublicAccess())
