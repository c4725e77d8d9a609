"""`sinergi cohort enrol FILE.csv`: the file's own errors by line, then the API's per row,
over a real HTTP server; a second run of the same file enrols no one twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.cohort import CohortFileError, read_cohort, send_cohort, write_rejected
from cli.main import app
from tests.api.conftest import ApiStack
from tests.api.test_cohort_enrolment import new_inmates
from tests.temporal_support import SETTLE_SECONDS, until


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_without_the_header_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    bad = write(tmp_path / "c.csv", "sdp,programme\nSYN-000001,BARISTA\n")
    with pytest.raises(CohortFileError, match="line 1: the header lacks inmate_sdp_no"):
        read_cohort(bad)
    with pytest.raises(CohortFileError, match="is empty"):
        read_cohort(write(tmp_path / "e.csv", ""))
    result = CliRunner().invoke(app, ["cohort", "enrol", str(bad), "--token", "x"])
    assert result.exit_code == 2
    assert "the header lacks" in result.output


def test_rows_the_file_gets_wrong_are_named_by_line(tmp_path: Path) -> None:
    rows, bad = read_cohort(
        write(
            tmp_path / "c.csv",
            "inmate_sdp_no,programme_code,reason\n"
            "SYN-000001,BARISTA,wants to work\n"
            "\n"
            "SYN-000002,,wants to work\n"
            "SYN-000003,BARISTA,ok,extra\n"
            '"SYN-000004","WELDING","a reason, with a comma"\n',
        )
    )
    assert [(r.line, r.inmate_sdp_no, r.programme_code) for r in rows] == [
        (2, "SYN-000001", "BARISTA"),
        (6, "SYN-000004", "WELDING"),
    ]
    assert rows[1].reason == "a reason, with a comma"
    assert [(b.line, b.reason) for b in bad] == [
        (4, "no value for programme_code"),
        (5, "4 fields where the header names 3"),
    ]


async def test_the_cli_enrols_a_cohort_and_reports_every_rejected_row(
    served: ApiStack, tmp_path: Path
) -> None:
    inmates = new_inmates(served, 5)
    lines = ["inmate_sdp_no,programme_code,reason"]
    lines += [f"{n},BARISTA,spring cohort" for n in inmates]
    lines += ["CPN-1999-99999,BARISTA,unknown", "SLB-2024-00219,BARISTA,other upt", ",BARISTA,x"]
    rows, bad = read_cohort(write(tmp_path / "cohort.csv", "\n".join(lines) + "\n"))
    served.http.headers.update(served.caseworker())
    seen: list[int] = []
    # Chunks of 2, two at a time: the rows of every chunk come back in their own order.
    report = await send_cohort(served.http, rows, chunk_size=2, concurrency=2, advance=seen.append)
    assert sum(seen) == len(rows) == 7
    assert report.accepted == 5
    assert [(r.line, r.reason) for r in report.rejected] == [
        (7, "inmate CPN-1999-99999 is not registered in SDP"),
        (
            8,
            "inmate SLB-2024-00219 is held at UPT LP-SALEMBA; you are a caseworker of UPT "
            "LP-CIPINANG",
        ),
    ]
    assert [(b.line, b.reason) for b in bad] == [(9, "no value for inmate_sdp_no")]
    out = tmp_path / "rejected.csv"
    write_rejected(out, bad + report.rejected)
    assert out.read_text().splitlines()[0] == "line,inmate_sdp_no,programme_code,reason"

    # The accepted enrolments reach the read model through their workflows' projection.

    async def projected() -> int:
        count: int = await served.pool.fetchval(
            "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = ANY($1)", inmates
        )
        return count

    await until(projected, lambda n: n == 5, "5 enrolments projected", SETTLE_SECONDS)
    again = await send_cohort(served.http, rows, chunk_size=3)
    assert (again.accepted, again.already_enrolled) == (0, 5)
    assert (
        await served.pool.fetchval(
            "SELECT count(*) FROM enrolments WHERE inmate_sdp_no = ANY($1)", inmates
        )
        == 5
    )
