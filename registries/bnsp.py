"""BNSP adapters: an in-memory simulator and an HTTP client.

HTTP contract:
- `POST {base}/bnsp/submissions`, header `Idempotency-Key: <key>`, body a
  CertificationSubmission: 201 with a SubmissionReceipt when registered, 200 with the same
  receipt when the key was seen before. The same key with a different body is a 409.
- `GET {base}/bnsp/submissions/{ref}/certificate`: 200 with a CertificateLookupResult (its
  certificate is null while BNSP is still processing), 404 for an unknown reference.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import httpx
import structlog
from pydantic import BaseModel, TypeAdapter, ValidationError

from domain.clock import jakarta_today
from domain.registries import (
    CertificateLookup,
    CertificateLookupResult,
    CertificationSubmission,
    IssuedCertificate,
    SubmissionReceipt,
)
from registries._http import RegistryHttpClient
from registries.errors import RegistryRejected, UnknownSubmission

log = structlog.get_logger(__name__)

BNSP = "BNSP"
SUBMISSIONS_PATH = "/bnsp/submissions"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_VALIDITY_YEARS = 3


def certificate_path(submission_ref: str) -> str:
    return f"{SUBMISSIONS_PATH}/{quote(submission_ref, safe='')}/certificate"


def submission_ref_for(idempotency_key: str) -> str:
    """The reference BNSP gives a submission: a function of its key, so a resubmit matches."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()
    return f"BNSP-SUB-{digest[:12].upper()}"


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February falls back to 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class _LookupAnswer(BaseModel):
    """A lookup answer as read off the wire. Unlike CertificateLookupResult, `certificate`
    must be present (null while pending), so an unrelated 200 body (a proxy page, an error
    object) is not mistaken for "BNSP is still processing" and polled until the SLA."""

    certificate: IssuedCertificate | None


@dataclass
class _Registered:
    submission: CertificationSubmission
    certificate: IssuedCertificate | None = None


class _Saved(BaseModel):
    submission: CertificationSubmission
    certificate: IssuedCertificate | None = None


class _SavedLine(_Saved):
    """One line of the state file: a submission as it stands after a change."""

    ref: str


_WHOLE_FILE = TypeAdapter(dict[str, _Saved])  # the state file's earlier form: one JSON object


class BnspSimulator:
    """BNSP in memory. Set `answering = False` to play a BNSP that has not decided yet.

    With a `state_file` (the embedded stack's: under the state dir) what it registered and
    issued survives a restart of the worker that runs it, as the real BNSP's would: a worker
    crash does not turn a submission into an unknown one (a resubmission and a day's wait)."""

    def __init__(
        self,
        today: Callable[[], date] = jakarta_today,
        validity_years: int = DEFAULT_VALIDITY_YEARS,
        state_file: Path | None = None,
    ) -> None:
        if validity_years < 1:
            raise ValueError("a certificate is valid for at least one year")
        self._today = today
        self._validity_years = validity_years
        self._registered: dict[str, _Registered] = {}
        self.answering: bool = True
        self._state_file = state_file
        if state_file is not None and state_file.exists():
            self._registered = _load(state_file)

    def _save(self, ref: str) -> None:
        """Append the submission's new state as one line: a change costs the same however
        many were registered before (rewriting the whole file took 100 ms a call at 10,000,
        in the worker's event loop)."""
        if self._state_file is None:
            return
        try:
            self._state_file.parent.mkdir(parents=True, exist_ok=True)
            with self._state_file.open("ab") as state:
                state.write(_line(ref, self._registered[ref]))
        except OSError as error:
            log.error("bnsp_simulator_state_not_saved", error=str(error))

    def submission(self, submission_ref: str) -> CertificationSubmission | None:
        """What was registered under a reference, or None."""
        registered = self._registered.get(submission_ref)
        return None if registered is None else registered.submission

    @property
    def submission_count(self) -> int:
        return len(self._registered)

    async def submit(self, submission: CertificationSubmission) -> SubmissionReceipt:
        ref = submission_ref_for(submission.idempotency_key)
        registered = self._registered.get(ref)
        if registered is None:
            self._registered[ref] = _Registered(submission)
            self._save(ref)
            log.info("bnsp_submission_registered", submission_ref=ref)
        elif registered.submission != submission:
            # Answering with the first receipt would silently drop the new content.
            raise RegistryRejected(
                BNSP, f"idempotency key of submission {ref} was reused for a different submission"
            )
        return SubmissionReceipt(submission_ref=ref)

    async def lookup(self, lookup: CertificateLookup) -> CertificateLookupResult:
        ref = lookup.submission_ref
        registered = self._registered.get(ref)
        if registered is None:
            raise UnknownSubmission(BNSP, f"no submission with reference {ref}", status_code=404)
        if registered.certificate is None and self.answering:
            registered.certificate = self._issue(ref, registered.submission)
            self._save(ref)
            log.info("bnsp_certificate_issued", submission_ref=ref)
        return CertificateLookupResult(certificate=registered.certificate)

    def _issue(self, ref: str, submission: CertificationSubmission) -> IssuedCertificate:
        issued_on = self._today()
        serial = hashlib.sha256(ref.encode()).hexdigest()[:6].upper()
        return IssuedCertificate(
            number=f"BNSP/{submission.scheme_code}/{issued_on.year}/{serial}",
            issued_on=issued_on,
            valid_until=add_years(issued_on, self._validity_years),
        )

    async def aclose(self) -> None:
        """Nothing to release; present so every adapter closes the same way."""


def _line(ref: str, registered: _Registered) -> bytes:
    """A submission as it stands, as one line of the state file."""
    saved = _SavedLine(
        ref=ref, submission=registered.submission, certificate=registered.certificate
    )
    return saved.model_dump_json().encode() + b"\n"


def _load(state_file: Path) -> dict[str, _Registered]:
    """The state file's submissions, a line each, the last line of a reference winning. A
    line that does not read (the last one, cut by a crash mid-write) is skipped and logged,
    and ended, so that the next line appended starts a line of its own. A file in the
    earlier form (one JSON object) is read, then rewritten as lines."""
    content = state_file.read_bytes()
    try:
        whole = _WHOLE_FILE.validate_json(content)
    except ValidationError:
        pass
    else:
        registered = {ref: _Registered(s.submission, s.certificate) for ref, s in whole.items()}
        rewritten = state_file.with_suffix(".tmp")
        rewritten.write_bytes(b"".join(_line(ref, r) for ref, r in registered.items()))
        os.replace(rewritten, state_file)  # a crash leaves the old or the new file
        return registered
    registered = {}
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            saved = _SavedLine.model_validate_json(line)
        except ValidationError:
            log.error("bnsp_simulator_state_line_skipped", file=str(state_file), line=number)
            continue
        registered[saved.ref] = _Registered(saved.submission, saved.certificate)
    if content and not content.endswith(b"\n"):
        with state_file.open("ab") as state:
            state.write(b"\n")
    return registered


class BnspHttpClient(RegistryHttpClient):
    """BNSP over HTTP. Raises RegistryUnavailable (retry) or RegistryRejected (don't)."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(BNSP, base_url, timeout, transport)

    async def submit(self, submission: CertificationSubmission) -> SubmissionReceipt:
        response = await self._send(
            "submit",
            "POST",
            SUBMISSIONS_PATH,
            json=submission.model_dump(mode="json"),
            headers={IDEMPOTENCY_HEADER: submission.idempotency_key},
        )
        return self._parse("submit", response, SubmissionReceipt)

    async def lookup(self, lookup: CertificateLookup) -> CertificateLookupResult:
        # No `not_found_is_answer`: a 404 means an unknown reference, which no retry will fix.
        try:
            response = await self._send("lookup", "GET", certificate_path(lookup.submission_ref))
        except RegistryRejected as error:
            if error.status_code == httpx.codes.NOT_FOUND:
                raise UnknownSubmission(
                    BNSP, f"no submission with reference {lookup.submission_ref}", 404
                ) from None
            raise
        answer = self._parse("lookup", response, _LookupAnswer)
        return CertificateLookupResult(certificate=answer.certificate)
