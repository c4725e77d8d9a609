"""BNSP certification: submit assessment results through the LSP and fetch the certificate."""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.enrolment import BNSP_UNKNOWN_SUBMISSION, LOOKUP_CERTIFICATE, SUBMIT_CERTIFICATION
from domain.registries import (
    BnspRegistry,
    CertificateLookup,
    CertificateLookupResult,
    CertificationSubmission,
    SubmissionReceipt,
)
from registries.errors import RegistryRejected, UnknownSubmission

log = structlog.get_logger(__name__)


class CertificationActivities:
    def __init__(self, bnsp: BnspRegistry) -> None:
        self._bnsp = bnsp

    @activity.defn(name=SUBMIT_CERTIFICATION)
    async def submit(self, submission: CertificationSubmission) -> SubmissionReceipt:
        # The idempotency key travels to BNSP, so a retried submit registers once.
        try:
            receipt = await self._bnsp.submit(submission)
        except RegistryRejected as error:
            # Retrying a refused submission cannot succeed: fail it for a person to look at.
            raise ApplicationError(str(error), type="BnspRejected", non_retryable=True) from None
        log.info(
            "bnsp_submitted",
            enrolment_id=submission.enrolment_id,
            submission_ref=receipt.submission_ref,
        )
        return receipt

    @activity.defn(name=LOOKUP_CERTIFICATE)
    async def lookup(self, lookup: CertificateLookup) -> CertificateLookupResult:
        try:
            return await self._bnsp.lookup(lookup)
        except UnknownSubmission as error:
            # The workflow answers this one by resubmitting under the same key.
            raise ApplicationError(
                str(error), type=BNSP_UNKNOWN_SUBMISSION, non_retryable=True
            ) from None
        except RegistryRejected as error:
            raise ApplicationError(str(error), type="BnspRejected", non_retryable=True) from None
