"""The public certificate check as a page, without login: `GET /cek-sertifikat` (the form;
`?no=` fills the number in, as the QR code on a handover package links to it; `?lang=en`
switches to English) and `POST /cek-sertifikat` (the answer). The same `check_certificate`
as the JSON endpoint, the same counting and rate limit.

Server-rendered (Jinja2, autoescaped), CSP without any script, one stylesheet from this
server; the form carries a CSRF token matched against a cookie (double submit), and the
number and date of birth travel in the POST body only.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError

from api.certificate_check import check_certificate, count_limited, limited
from api.deps import PoolDep, SdpDep
from api.rate_limit import retry_after
from domain.certificate_check import CertificateCheckAnswer, CertificateCheckRequest
from domain.clock import local_date

router = APIRouter(tags=["public certificate check"])

_TEMPLATES = Path(__file__).resolve().parent / "templates" / "public"
_JINJA = Environment(
    loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
)
_CSRF_COOKIE = "sinergi_check_csrf"
_MAX_FORM_BYTES = 4096
# No script at all; styles from this server only; the form posts only here.
_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}  # fmt: skip
TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Cek Sertifikat Kompetensi",
        "lead": "Periksa keabsahan sertifikat kompetensi (BNSP) dengan nomor sertifikat dan "
        "tanggal lahir pemegangnya.",
        "number": "Nomor sertifikat",
        "number_hint": "Seperti tertulis pada sertifikat, misalnya "
        "BNSP/SKM-BARISTA-2024/2026/000001",
        "birth_date": "Tanggal lahir pemegang",
        "birth_date_hint": "Format: tahun-bulan-tanggal, misalnya 1994-03-17",
        "submit": "Periksa",
        "errors": "Ada yang perlu diperbaiki",
        "err_number": "Isi nomor sertifikat (3 sampai 100 karakter)",
        "err_birth_date": "Isi tanggal lahir yang benar, misalnya 1994-03-17",
        "err_form": "Formulir sudah kedaluwarsa. Silakan kirim ulang.",
        "not_found": "Sertifikat tidak ditemukan, atau tanggal lahir tidak cocok.",
        "limited": "Terlalu banyak permintaan dari alamat Anda. Coba lagi dalam {s} detik.",
        "valid": "Sertifikat berlaku",
        "expired": "Sertifikat sudah tidak berlaku",
        "holder": "Pemegang (inisial)",
        "scheme": "Skema sertifikasi",
        "units": "Unit kompetensi",
        "lsp": "Diterbitkan oleh",
        "issued_on": "Tanggal terbit",
        "valid_until": "Berlaku sampai",
        "again": "Periksa sertifikat lain",
        "lang_switch": "English",
        "privacy": "Kami tidak menyimpan nomor, tanggal lahir, maupun alamat Anda; hanya "
        "jumlah pemeriksaan yang dihitung.",
    },
    "en": {
        "title": "Competency Certificate Check",
        "lead": "Check whether a competency certificate (BNSP) is valid, with its number and "
        "its holder's date of birth.",
        "number": "Certificate number",
        "number_hint": "As printed on the certificate, e.g. BNSP/SKM-BARISTA-2024/2026/000001",
        "birth_date": "Holder's date of birth",
        "birth_date_hint": "Format: year-month-day, e.g. 1994-03-17",
        "submit": "Check",
        "errors": "There is a problem",
        "err_number": "Enter the certificate number (3 to 100 characters)",
        "err_birth_date": "Enter a real date of birth, e.g. 1994-03-17",
        "err_form": "The form has expired. Please send it again.",
        "not_found": "No certificate matches this number and date of birth.",
        "limited": "Too many look-ups from your address. Try again in {s} seconds.",
        "valid": "The certificate is valid",
        "expired": "The certificate has expired",
        "holder": "Holder (initials)",
        "scheme": "Certification scheme",
        "units": "Competency units",
        "lsp": "Issued by",
        "issued_on": "Issued on",
        "valid_until": "Valid until",
        "again": "Check another certificate",
        "lang_switch": "Bahasa Indonesia",
        "privacy": "We keep neither the number, the date of birth nor your address; only the "
        "number of checks is counted.",
    },
}


def _lang(value: str | None) -> str:
    return "en" if value == "en" else "id"


def _day(value: date, lang: str) -> str:
    return f"{value.day} {_MONTHS[lang][value.month - 1]} {value.year}"


def _render(status: int, lang: str, token: str, **context: Any) -> HTMLResponse:
    html = _JINJA.get_template("certificate_check.html").render(
        t=TEXT[lang], lang=lang, other="id" if lang == "en" else "en", csrf=token,
        day=lambda d: _day(d, lang), **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status)
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        _CSRF_COOKIE, token, httponly=True, samesite="strict", path="/cek-sertifikat"
    )
    return response


@router.get("/cek-sertifikat", response_class=HTMLResponse)
async def check_page(no: str | None = None, lang: str | None = None) -> HTMLResponse:
    """The form (Indonesian; `?lang=en` for English); `?no=` fills the number in."""
    number = (no or "")[:100]
    return _render(200, _lang(lang), secrets.token_urlsafe(24), number=number, errors={})


@router.post("/cek-sertifikat", response_class=HTMLResponse)
async def check_submit(request: Request, pool: PoolDep, sdp: SdpDep) -> Response:
    """The answer: the certificate's facts, or one message for an unknown number and a
    wrong date of birth alike."""
    raw = await request.body()
    form = {k: v[0] for k, v in parse_qs(raw[:_MAX_FORM_BYTES].decode(errors="replace")).items()}
    lang = _lang(form.get("lang"))
    token = secrets.token_urlsafe(24)
    number = form.get("certificate_number", "")[:100]
    cookie = request.cookies.get(_CSRF_COOKIE, "")
    sent = form.get("csrf_token", "")
    if not cookie or not secrets.compare_digest(cookie.encode(), sent.encode()):
        return _render(400, lang, token, number=number, errors={"form": TEXT[lang]["err_form"]})
    try:
        ask = CertificateCheckRequest(
            certificate_number=number, birth_date=form.get("birth_date", "")
        )
    except ValidationError as error:
        fields = {str(e["loc"][0]) for e in error.errors()}
        errors = {f: TEXT[lang][f"err_{f}"] for f in ("number", "birth_date")
                  if ("certificate_number" if f == "number" else f) in fields}  # fmt: skip
        return _render(422, lang, token, number=number, errors=errors)
    today = local_date(datetime.now(UTC))
    wait = limited(request)
    if wait:
        await count_limited(pool, today)
        page = _render(429, lang, token, number=number, errors={},
                       limited=TEXT[lang]["limited"].format(s=retry_after(wait)))  # fmt: skip
        page.headers["Retry-After"] = retry_after(wait)
        return page
    _, answer = await check_certificate(pool, sdp, ask, today)
    found: CertificateCheckAnswer | None = answer
    return _render(200 if found else 404, lang, token, number="", errors={}, answer=found,
                   not_found=found is None)  # fmt: skip


@router.get("/public/check.css", include_in_schema=False)
async def stylesheet() -> Response:
    css = (_TEMPLATES / "check.css").read_text()
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})
