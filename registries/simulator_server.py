"""SDP, BNSP, SIMPONI and SIMKIM simulators behind their HTTP contract, for the HTTP
clients and the demo.

Run: `python -m registries.simulator_server --host 127.0.0.1 --port 8100`, then set
SINERGI_SDP_MODE=http, SINERGI_BNSP_MODE=http, SINERGI_SIMPONI_MODE=http and
SINERGI_SIMKIM_MODE=http (the default URLs point here).
"""

from __future__ import annotations

import argparse
from typing import Annotated

import uvicorn
from fastapi import FastAPI, Header, HTTPException, Response, status

from config.log import configure_logging
from config.settings import get_settings
from domain.permit import (
    BillingCode,
    BillingRequest,
    ChecksRequest,
    DocumentNumber,
    DocumentRequest,
    ImmigrationChecks,
    KemnakerNotification,
    SimkimReceipt,
)
from domain.registries import (
    CertificateLookup,
    CertificateLookupResult,
    CertificationSubmission,
    InmatePage,
    InmateQuery,
    InmateRecord,
    SubmissionReceipt,
)
from registries.bnsp import IDEMPOTENCY_HEADER, BnspSimulator, submission_ref_for
from registries.errors import RegistryRejected
from registries.sdp import SdpSimulator
from registries.simkim import DOCUMENT_PREFIXES, SimkimSimulator
from registries.simponi import SimponiSimulator


def create_simulator_app(
    sdp: SdpSimulator,
    bnsp: BnspSimulator,
    simponi: SimponiSimulator | None = None,
    simkim: SimkimSimulator | None = None,
) -> FastAPI:
    """One app serving every registry from the given simulators (shared, not copied)."""
    app = FastAPI(title="Sinergi registry simulators (SDP, BNSP, SIMPONI, SIMKIM)")
    _add_permit_systems(app, simponi or SimponiSimulator(), simkim or SimkimSimulator())

    @app.get("/healthz", tags=["health"])
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/sdp/inmates/{sdp_no}", tags=["sdp"])
    async def get_inmate(sdp_no: str) -> InmateRecord:
        record = await sdp.get_inmate(sdp_no)
        if record is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "SDP has no inmate with this number")
        return record

    @app.get("/sdp/upts/{upt_code}/inmates", tags=["sdp"])
    async def list_inmates(
        upt_code: str, sdp_prefix: str = "", limit: int = 50, after: str | None = None
    ) -> InmatePage:
        query = InmateQuery(upt_code=upt_code, sdp_prefix=sdp_prefix, limit=limit, after=after)
        return await sdp.list_inmates(query)

    @app.post("/bnsp/submissions", tags=["bnsp"], status_code=status.HTTP_201_CREATED)
    async def submit(
        submission: CertificationSubmission,
        idempotency_key: Annotated[str, Header(alias=IDEMPOTENCY_HEADER, min_length=1)],
        response: Response,
    ) -> SubmissionReceipt:
        if idempotency_key != submission.idempotency_key:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"the {IDEMPOTENCY_HEADER} header must equal the body's idempotency_key",
            )
        seen = bnsp.submission(submission_ref_for(idempotency_key)) is not None
        try:
            receipt = await bnsp.submit(submission)
        except RegistryRejected as error:
            raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
        if seen:
            response.status_code = status.HTTP_200_OK  # a replay: same receipt, nothing new
        return receipt

    @app.get("/bnsp/submissions/{submission_ref}/certificate", tags=["bnsp"])
    async def lookup(submission_ref: str) -> CertificateLookupResult:
        try:
            return await bnsp.lookup(CertificateLookup(submission_ref=submission_ref))
        except RegistryRejected:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "BNSP has no submission with this reference"
            ) from None

    return app


# Every SIMPONI and SIMKIM write carries one (module level: FastAPI resolves it by name).
Key = Annotated[str, Header(alias="Idempotency-Key", min_length=1)]


def _add_permit_systems(app: FastAPI, simponi: SimponiSimulator, simkim: SimkimSimulator) -> None:
    @app.post("/simponi/billings", tags=["simponi"], status_code=status.HTTP_201_CREATED)
    async def create_billing(
        request: BillingRequest, idempotency_key: Key, response: Response
    ) -> BillingCode:
        if idempotency_key != request.idempotency_key:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                "the Idempotency-Key header must equal the body's idempotency_key",
            )
        seen = len(simponi.bills)
        code = await simponi.create_billing(request)
        if len(simponi.bills) == seen:
            response.status_code = status.HTTP_200_OK  # a replay: same code, nothing new
        return code

    @app.post("/simkim/notifications", tags=["simkim"])
    async def notify(notification: KemnakerNotification, _: Key) -> SimkimReceipt:
        return await simkim.notify(notification)

    @app.post("/simkim/checks", tags=["simkim"])
    async def run_checks(request: ChecksRequest, _: Key) -> ImmigrationChecks:
        try:
            return await simkim.run_checks(request)
        except RegistryRejected:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "SIMKIM has no such reference") from None

    @app.post("/simkim/{kind}", tags=["simkim"])
    async def issue(kind: str, request: DocumentRequest, _: Key) -> DocumentNumber:
        if kind not in DOCUMENT_PREFIXES:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"SIMKIM issues no {kind}")
        try:
            return simkim.issue(kind, request)
        except RegistryRejected:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "SIMKIM has no such reference") from None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8100)
    args = parser.parse_args(argv)
    configure_logging(get_settings().log_json)
    settings = get_settings()
    sdp = SdpSimulator.default(synthetic=settings.sdp_synthetic_inmates)
    app = create_simulator_app(sdp, BnspSimulator())
    # log_config=None keeps uvicorn on the structlog handler configure_logging installed.
    uvicorn.run(app, host=args.host, port=args.port, log_config=None)


if __name__ == "__main__":
    main()
