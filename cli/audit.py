"""`sinergi audit verify` and `sinergi audit anchor`: the audit trail from the command line,
against DATABASE_URL or the embedded Postgres."""

from __future__ import annotations

import asyncio
from typing import Annotated

import asyncpg
import typer

from config.settings import Settings
from db import audit_trail
from db.audit_trail import Anchor, Verification
from db.connect import create_pool
from domain.audit_chain import Break
from stack.postgres import sinergi_database

app = typer.Typer(help="The audit trail: verify its hash chains, anchor their heads.")

CASE_HELP = "One case, as KIND:ID (e.g. enrolment:ENR-1, journey:J-1, tka_permit:TKA-1)."


def _settings() -> Settings:
    from cli.main import load_settings  # the one way every command reads its settings

    return load_settings()


def describe_break(broken: Break) -> str:
    where = f"{broken.chain_id} row {broken.seq}" if broken.seq is not None else broken.chain_id
    lines = [f"BROKEN at {where}: {broken.problem.value}", f"  {broken.message}"]
    if broken.expected is not None:
        lines.append(f"  expected hash {broken.expected}")
    if broken.found is not None:
        lines.append(f"  found    hash {broken.found}")
    return "\n".join(lines)


def describe(result: Verification) -> str:
    anchor = (
        f"latest anchor {result.latest_anchor_no} at {result.latest_anchor_at:%Y-%m-%d %H:%M:%S%z}"
        if result.latest_anchor_at is not None
        else "no anchor yet"
    )
    summary = (
        f"{result.chains_checked} chains, {result.entries_checked} entries, "
        f"{result.anchors_checked} anchors checked; {anchor}"
    )
    if result.first_break is None:
        return f"audit trail intact: {summary}"
    return f"{describe_break(result.first_break)}\n{result.broken_chains} broken chains; {summary}"


async def _verify(settings: Settings, case: str | None) -> Verification | None:
    """None: `case` has no audit trail at all."""
    async with sinergi_database(settings) as dsn:
        pool = await create_pool(dsn, max_size=2)
        try:
            if case is not None and not await audit_trail.chain_exists(pool, case):
                return None
            return await audit_trail.verify(pool, chain=case)
        finally:
            await pool.close()


async def _anchor(settings: Settings) -> Anchor | None:
    async with sinergi_database(settings) as dsn:
        conn = await asyncpg.connect(dsn)
        try:
            return await audit_trail.anchor(conn)
        finally:
            await conn.close()


@app.command()
def verify(
    case: Annotated[str | None, typer.Option("--case", help=CASE_HELP)] = None,
) -> None:
    """Verify every chain (or one case's) and the anchors; exit 1 naming the first break."""
    if case is not None and ":" not in case:
        typer.echo(f"--case takes KIND:ID, e.g. enrolment:ENR-1 (got {case!r})", err=True)
        raise typer.Exit(2)
    try:
        result = asyncio.run(_verify(_settings(), case))
    except asyncpg.UndefinedTableError:
        typer.echo("the database has no audit trail yet: run `sinergi migrate`", err=True)
        raise typer.Exit(2) from None
    if result is None:
        typer.echo(f"no audit trail for {case}", err=True)
        raise typer.Exit(2)
    typer.echo(describe(result), err=not result.ok)
    raise typer.Exit(0 if result.ok else 1)


@app.command()
def anchor() -> None:
    """Anchor now the heads of the chains that moved since the last anchor."""
    try:
        made = asyncio.run(_anchor(_settings()))
    except asyncpg.UndefinedTableError:
        typer.echo("the database has no audit trail yet: run `sinergi migrate`", err=True)
        raise typer.Exit(2) from None
    if made is None:
        typer.echo("nothing to anchor: no chain moved since the last anchor")
    else:
        typer.echo(f"anchor {made.anchor_no}: {made.head_count} chain heads, hash {made.hash}")
