"""The release handover package as a PDF: `GET /handovers/{handover_id}/package.pdf`, for
the same people as `GET /handovers/{handover_id}` (its receiver, auditors of Process A).

Rendered on first request (Indonesian, certificates with a QR code to the public check),
stored encrypted and content-addressed under the state dir, its SHA-256 appended to the
journey's audit chain; later requests serve the stored document, checked against its hash.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from api.deps import PoolDep, SettingsDep, acting_as
from api.handovers import HANDOVER_READERS, _load_handover, _reads_handover
from config.payload_encryption import DEV_KEY_ID
from config.settings import Settings
from db import handover_documents as documents_db
from documents.handover_pdf import ProgrammeFacts, render_handover_package
from documents.package_store import DocumentMissing, LocalDocumentStore
from domain.certificate_check import UnitLine
from domain.errors import conflict, forbidden
from domain.identity import Actor
from domain.journey import HandoverPackage

router = APIRouter(tags=["inmate journey"])


def document_store(settings: Settings) -> LocalDocumentStore:
    return LocalDocumentStore(
        settings.state_dir / "documents",
        settings.payload_key_id or DEV_KEY_ID,
        settings.payload_encryption_keys,
    )


async def _programmes(pool: asyncpg.Pool, codes: list[str]) -> dict[str, ProgrammeFacts]:
    rows = await pool.fetch(
        """SELECT p.code, p.name, p.scheme_code,
                  coalesce(array_agg(u.code ORDER BY u.position)
                           FILTER (WHERE u.code IS NOT NULL), '{}') AS unit_codes,
                  coalesce(array_agg(u.title ORDER BY u.position)
                           FILTER (WHERE u.code IS NOT NULL), '{}') AS unit_titles
             FROM programmes p LEFT JOIN competency_units u ON u.programme_code = p.code
            WHERE p.code = ANY($1::text[])
            GROUP BY p.code""",
        codes,
    )
    return {
        r["code"]: ProgrammeFacts(
            name=r["name"],
            scheme_code=r["scheme_code"],
            units=[
                UnitLine(code=c, title=t)
                for c, t in zip(r["unit_codes"], r["unit_titles"], strict=True)
            ],
        )
        for r in rows
    }


async def _render(pool: asyncpg.Pool, package: HandoverPackage, settings: Settings) -> bytes:
    codes = sorted({r.programme_code for r in package.training_records}
                   | {c.programme_code for c in package.certificates})  # fmt: skip
    programmes = await _programmes(pool, codes)
    return render_handover_package(package, programmes, settings.public_base_url)


@router.get(
    "/handovers/{handover_id}/package.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the package PDF"}},
)
async def handover_package_pdf(
    handover_id: str,
    actor: Annotated[Actor, Depends(acting_as(*HANDOVER_READERS))],
    pool: PoolDep,
    settings: SettingsDep,
) -> Response:
    """The handover package as a PDF in Indonesian: certificates with their units and a QR
    code to the public certificate check, training records, skills profile."""
    handover = await _load_handover(pool, handover_id)
    if not _reads_handover(actor, handover.receiver, handover.bapas_code):
        raise forbidden(f"handover {handover_id} is outside your scope")
    if handover.package is None:
        raise conflict(f"handover {handover_id} has no package yet")
    store = document_store(settings)
    known = await documents_db.package_pdf(pool, handover_id)
    if known is None:
        stored = store.put(await _render(pool, handover.package, settings))
        async with pool.acquire() as conn:
            known = await documents_db.record_package_pdf(
                conn, handover_id, handover.journey_id, stored, datetime.now(UTC)
            )
    try:
        content = store.get(known.sha256, known.key_id)
    except DocumentMissing:
        # Gone from the folder (or altered): the same package renders to the same bytes,
        # so it is rebuilt when the rebuild has the recorded hash; else an operator restores.
        rebuilt = await _render(pool, handover.package, settings)
        if hashlib.sha256(rebuilt).hexdigest() != known.sha256:
            return JSONResponse(
                status_code=503,
                content={"detail": f"the stored package of handover {handover_id} is missing "
                         "from the document store and cannot be rebuilt identically; an "
                         "operator must restore it"},
            )  # fmt: skip
        store.put(rebuilt)
        content = rebuilt
    filename = handover_id.replace(":", "-")
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="serah-terima-{filename}.pdf"',
            "X-Content-SHA256": known.sha256,
            "Cache-Control": "private, no-store",
        },
    )
