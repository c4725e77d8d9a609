"""Cek Sertifikat: the public certificate check as a page, beside api/certificate_check.py.

No sign-in. `GET /cek-sertifikat` is the form (`?no=` fills the number in: the QR code on a
handover package links here with the number only); `POST /cek-sertifikat` answers with the
same `check_certificate` as `POST /public/certificate-check`, the same per-client bucket
(in Postgres) and the same counting. The number and the date of birth travel in the form's
body, never in a URL; an unknown number and a wrong date of birth render the same page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from api.certificate_check import check_certificate, count_limited, limited
from api.deps import PoolDep, SdpDep
from api.rate_limit import retry_after
from domain.certificate_check import CertificateCheckRequest
from domain.clock import local_date
from web.i18n import translate
from web.render import PageRouter, check_csrf, render
from web.session import language

router = PageRouter()
PAGE = "/cek-sertifikat"


@dataclass(frozen=True)
class FieldError:
    field: str | None  # the input's id, for the error summary's link
    message: str


def _page(request: Request, status_code: int = 200, **context: object) -> HTMLResponse:
    shown: dict[str, object] = {
        "number": "",
        "errors": [],
        "limited": None,
        "not_found": False,
        "answer": None,
    }
    return render(request, "certificate_check.html", shown | context, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
async def check_page(request: Request, no: str | None = None) -> HTMLResponse:
    """The form, the number filled in from the QR code's link."""
    return _page(request, number=(no or "")[:100])


@router.post(PAGE, response_class=HTMLResponse)
async def check_submit(
    request: Request,
    _: Annotated[None, Depends(check_csrf)],
    pool: PoolDep,
    sdp: SdpDep,
    certificate_number: Annotated[str, Form()] = "",
    birth_date: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The certificate's facts, or one message for an unknown number and a wrong birth date."""
    lang = language(request)
    number = certificate_number[:100]
    try:
        ask = CertificateCheckRequest(certificate_number=number, birth_date=birth_date)
    except ValidationError as error:
        wrong = {str(e["loc"][0]) for e in error.errors()}
        errors = [
            FieldError(field, translate(lang, f"check.err_{field}"))
            for field in ("certificate_number", "birth_date")
            if field in wrong
        ]
        return _page(request, 422, number=number, errors=errors)
    today = local_date(datetime.now(UTC))
    wait = await limited(request, pool)
    if wait:
        await count_limited(pool, today)
        page = _page(request, 429, number=number, limited=retry_after(wait))
        page.headers["Retry-After"] = retry_after(wait)
        return page
    _outcome, answer = await check_certificate(pool, sdp, ask, today)
    if answer is None:
        return _page(request, 404, not_found=True)
    return _page(request, answer=answer)
