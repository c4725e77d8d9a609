"""`sinergi incidents list` and `sinergi incidents retry ID`: stuck cases from the command
line, against DATABASE_URL or the embedded Postgres (the same rows as GET /incidents)."""

from __future__ import annotations

import asyncio
import getpass
from typing import Annotated

import typer

from config.settings import Settings
from db import incidents as incidents_db
from db.connect import create_pool
from db.incidents import Incident
from stack.postgres import sinergi_database

app = typer.Typer(help="Incidents: cases an activity cannot move, and their repair.")


def _settings() -> Settings:
    from cli.main import load_settings  # the one way every command reads its settings

    return load_settings()


def describe(incident: Incident) -> str:
    state = "resolved" if incident.resolved_at else "OPEN"
    repair = (
        f", repair requested by {incident.repair_requested_by}"
        if incident.repair_requested_by
        else ""
    )
    return (
        f"#{incident.incident_id} {state} {incident.case_kind}:{incident.case_id} "
        f"{incident.activity_type} {incident.error_type} x{incident.attempts} "
        f"(first {incident.first_seen:%Y-%m-%d %H:%M:%S}, last {incident.last_seen:%H:%M:%S})"
        f"{repair}\n    {incident.message}"
    )


async def _list(settings: Settings, every: bool) -> list[Incident]:
    async with sinergi_database(settings) as dsn:
        pool = await create_pool(dsn, max_size=2)
        try:
            items, _ = await incidents_db.list_incidents(
                pool, open_only=not every, limit=200, offset=0
            )
            return items
        finally:
            await pool.close()


async def _retry(settings: Settings, incident_id: int, by: str) -> Incident | None:
    async with sinergi_database(settings) as dsn:
        pool = await create_pool(dsn, max_size=2)
        try:
            return await incidents_db.request_repair(pool, incident_id, by)
        finally:
            await pool.close()


@app.command("list")
def list_command(
    every: Annotated[bool, typer.Option("--all", help="resolved ones too")] = False,
) -> None:
    """The open incidents (newest first); exit 1 when there is any."""
    items = asyncio.run(_list(_settings(), every))
    for incident in items:
        typer.echo(describe(incident))
    if not items:
        typer.echo("no open incidents" if not every else "no incidents")
    raise typer.Exit(1 if any(i.resolved_at is None for i in items) else 0)


@app.command()
def retry(
    incident_id: Annotated[int, typer.Argument(min=1, max=2**63 - 1)],
    by: Annotated[str, typer.Option(help="who asks (recorded)")] = "",
) -> None:
    """Repair and resume: the case's stuck activities run again on repaired input."""
    made = asyncio.run(_retry(_settings(), incident_id, by or f"cli:{getpass.getuser()}"))
    if made is None:
        typer.echo(f"no incident {incident_id}", err=True)
        raise typer.Exit(2)
    typer.echo(describe(made))
