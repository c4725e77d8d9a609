"""`sinergi cohort enrol FILE.csv`: enrol a cohort through `POST /cohorts/enrolments`.

The CSV needs the header `inmate_sdp_no,programme_code,reason` (other columns are
ignored). Rows the file itself gets wrong (a missing value, too many fields) are rejected
here with their line number; the rest go to the API in chunks, a few chunks at a time, and
every row the API rejects is reported with the API's reason. Rejected rows are written to a
CSV (`line,inmate_sdp_no,programme_code,reason`) to fix and send again: a repeated row that
was enrolled is reported as already enrolled, never enrolled twice.
"""

from __future__ import annotations

import asyncio
import csv
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx
import structlog

COLUMNS = ("inmate_sdp_no", "programme_code", "reason")
log = structlog.get_logger(__name__)

DEFAULT_CHUNK = 200
DEFAULT_CONCURRENCY = 4


class CohortFileError(Exception):
    """The file cannot be read as a cohort at all (missing, no header, wrong columns)."""


@dataclass(frozen=True)
class CohortRow:
    line: int  # in the file, from 1 (the header is line 1)
    inmate_sdp_no: str
    programme_code: str
    reason: str

    def body(self) -> dict[str, str]:
        return {
            "inmate_sdp_no": self.inmate_sdp_no,
            "programme_code": self.programme_code,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Rejected:
    line: int
    inmate_sdp_no: str
    programme_code: str
    reason: str


@dataclass
class CohortReport:
    rows: int = 0
    accepted: int = 0
    already_enrolled: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    cohort_id: str = ""  # its rows settle under GET /cohorts/{cohort_id}


def read_cohort(path: Path) -> tuple[list[CohortRow], list[Rejected]]:
    """The rows to send, and the rows the file already gets wrong (with their line)."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CohortFileError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        return parse_cohort(handle, str(path))


def parse_cohort(lines: Iterable[str], path: str) -> tuple[list[CohortRow], list[Rejected]]:
    """`read_cohort` on text already read (the workspace's upload); `path` names it."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise CohortFileError(f"{path} is empty: the first line must be {','.join(COLUMNS)}")
    names = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise CohortFileError(
            f"{path} line 1: the header lacks {', '.join(missing)}; it must name "
            f"{','.join(COLUMNS)}"
        )
    where = {c: names.index(c) for c in COLUMNS}
    rows: list[CohortRow] = []
    bad: list[Rejected] = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # a blank line
        values = {c: fields[i].strip() if i < len(fields) else "" for c, i in where.items()}
        problem = None
        if len(fields) > len(names):
            problem = f"{len(fields)} fields where the header names {len(names)}"
        elif empty := [c for c in COLUMNS if not values[c]]:
            problem = f"no value for {', '.join(empty)}"
        if problem is not None:
            bad.append(Rejected(line, values["inmate_sdp_no"], values["programme_code"], problem))
        else:
            rows.append(CohortRow(line, **values))
    return rows, bad


def chunks(rows: list[CohortRow], size: int) -> Iterable[list[CohortRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# A chunk whose answer is lost (connection dropped, API restarting, 503) is sent again with
# the same Idempotency-Key: the API answers with the first attempt's answer when it has one,
# and rows the first attempt started are reported as already enrolled otherwise.
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0)
_RETRIED_STATUSES = frozenset({502, 503, 504})


async def _post_chunk(
    http: httpx.AsyncClient, body: dict[str, Any], key: str, delays: tuple[float, ...]
) -> httpx.Response | str:
    """The API's answer, or why there was none after every retry."""
    why = ""
    for delay in (*delays, None):
        try:
            response = await http.post(
                "/cohorts/enrolments", json=body, headers={"Idempotency-Key": key}
            )
        except httpx.TransportError as error:
            why = f"no answer from the API ({type(error).__name__})"
        else:
            if response.status_code not in _RETRIED_STATUSES:
                return response
            why = _detail(response)
            hinted = response.headers.get("Retry-After", "")
            if delay is not None and hinted.isdigit():
                delay = min(max(delay, float(hinted)), 30.0)
        if delay is None:
            break
        log.warning("cohort_chunk_retry", delay=delay, why=why)
        await asyncio.sleep(delay)
    return f"{why}; sent {len(delays) + 1} times: send these rows again"


async def send_cohort(
    http: httpx.AsyncClient,
    rows: list[CohortRow],
    *,
    chunk_size: int = DEFAULT_CHUNK,
    concurrency: int = DEFAULT_CONCURRENCY,
    advance: Callable[[int], None] = lambda _: None,
    retry_delays: tuple[float, ...] = RETRY_DELAYS,
    cohort_id: str | None = None,
) -> CohortReport:
    """Send the rows in chunks, `concurrency` chunks at a time; `advance(n)` after each. The
    chunks are one cohort (`cohort_id`, a new one per run unless given)."""
    run = uuid.uuid4().hex[:12]  # this run's keys: a new run is a new request
    report = CohortReport(rows=len(rows), cohort_id=cohort_id or f"COH-{run.upper()}")
    gate = asyncio.Semaphore(concurrency)

    async def one(index: int, chunk: list[CohortRow]) -> None:
        body = {"rows": [r.body() for r in chunk], "cohort_id": report.cohort_id}
        async with gate:
            response = await _post_chunk(http, body, f"cohort-{run}-{index}", retry_delays)
        if isinstance(response, str):
            for r in chunk:
                report.rejected.append(
                    Rejected(r.line, r.inmate_sdp_no, r.programme_code, response)
                )
        elif response.status_code != 200:
            # The whole chunk was refused (e.g. an expired token): every row says why.
            why = _detail(response)
            for r in chunk:
                report.rejected.append(Rejected(r.line, r.inmate_sdp_no, r.programme_code, why))
        else:
            for r, result in zip(chunk, response.json()["results"], strict=True):
                if result["status"] == "accepted":
                    report.accepted += 1
                elif result["status"] == "already_enrolled":
                    report.already_enrolled += 1
                else:
                    report.rejected.append(
                        Rejected(r.line, r.inmate_sdp_no, r.programme_code, result["reason"])
                    )
        advance(len(chunk))

    await asyncio.gather(*(one(i, c) for i, c in enumerate(chunks(rows, chunk_size))))
    report.rejected.sort(key=lambda r: r.line)
    return report


def _detail(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else body
    return f"HTTP {response.status_code}: {detail}"


def write_rejected(path: Path, rejected: list[Rejected]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_rejected_rows(handle, rejected)


def write_rejected_rows(handle: TextIO, rejected: list[Rejected]) -> None:
    """The rejected rows as CSV: line, inmate_sdp_no, programme_code, reason."""
    writer = csv.writer(handle)
    writer.writerow(("line", *COLUMNS[:2], "reason"))
    for r in rejected:
        writer.writerow((r.line, r.inmate_sdp_no, r.programme_code, r.reason))
