"""Writing a case event once, with its audit row, in one transaction: for every process.

A workflow's projection activity may run twice (a retry after a lost reply), and events of
one case may land out of order. So each process's `apply_event` comes here: the event's own
row is inserted keyed by its deterministic `event_id`; a repeat stops there and changes
nothing. A first delivery projects the event (the process's rows and summary) and appends its
entry to the case's audit chain, last, because the chain's head lock must be the last lock
the transaction takes.

A stored event can be one a workflow task stored and never completed: a local activity
writes before its marker is in history, and a worker that dies then leaves the write behind.
The task's next attempt may carry more input (a decision sent meanwhile, a timer that fired)
and number its events differently, so it can send another change under a stored event's id.
A process that passes `undo` lets such a change through: a stored event with the same id,
an earlier `at` (a later attempt of a workflow task always starts later) and another content
is *superseded*, with every event of that case stored from its seq on by earlier attempts.
Their rows and what they projected go (`undo`, the process's part), the audit trail keeps
them and says they were superseded (an entry each), and the new event is applied as a first
delivery. The same change again (equal content, only its time differs) still changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from db import audit_trail
from db.connect import Connection
from domain.audit_chain import EVENT_SEQ, AuditEntry, ProjectedEvent, timestamp

log = structlog.get_logger(__name__)

Step = Callable[[], Awaitable[None]]

# What makes two writes under one event id the same change: the time aside (a retried
# workflow task records the same change at its own start time), every column but these.
_NOT_THE_CHANGE = frozenset({"event_id", "at", "summary"})
SUPERSEDED = "superseded"  # the audit entry saying a stored event gave way
SUPERSEDED_ENTRY = "superseded_entry"  # its detail: the key of that event's own entry


@dataclass(frozen=True)
class Superseded:
    """A stored event that gives way: written by a workflow task that never completed."""

    event_id: str
    seq: int
    kind: str
    at: datetime


Undo = Callable[[Sequence[Superseded]], Awaitable[None]]


def event_row(
    event: ProjectedEvent, case_column: str, case_id: str, **columns: object
) -> dict[str, object]:
    """The event's row: the columns every event table has, then the process's own."""
    return {
        "event_id": event.event_id,
        case_column: case_id,
        "seq": event.seq,
        "kind": event.kind.value,
        "at": event.at,
        "actor_subject": event.actor.subject if event.actor else None,
        "actor_role": event.actor.role.value if event.actor else None,
        "reason": event.reason,
        **columns,
    }


async def write_once(
    conn: Connection,
    table: str,
    row: Mapping[str, object],
    *,
    project: Step,
    audit: AuditEntry,
    before: Step | None = None,
    undo: tuple[str, Undo] | None = None,
) -> bool:
    """Insert `row` (with its `event_id`) into the event table `table`, then `project` it
    and append `audit`, in one transaction. `before` runs first in the same transaction (the
    case's own row, for an event that may land before it). False: applied before.

    `undo` (the event table's case column, and what takes back the rows projected from
    events that give way): lets a change from a later attempt of a workflow task supersede
    what an earlier attempt stored (the module's notes)."""
    async with conn.transaction():
        if before is not None:
            await before()
        notes: list[AuditEntry] = []
        if not await _insert(conn, table, row):
            if undo is None:
                return False
            case_column, take_back = undo
            stale = await _superseded_by(conn, table, case_column, row)
            if not stale:
                return False
            await take_back(stale)
            await conn.execute(
                f"DELETE FROM {table} WHERE event_id = ANY($1::text[])",  # noqa: S608 - constant
                [s.event_id for s in stale],
            )
            if not await _insert(conn, table, row):
                raise RuntimeError(f"{row['event_id']} is still stored after giving way")
            notes = [
                _superseded_entry(audit, s, await _entry_of(conn, audit.chain_id, s)) for s in stale
            ]
            # The superseded event's entry keeps its key: this one is keyed by its time too.
            audit = audit.model_copy(update={"entry_key": _keyed_bytimestamp(audit)})
            # Ids, seqs and kinds only. Rare (a worker died mid-task): operators may ask why.
            log.warning(
                "case_events_superseded",
                table=table,
                case_id=row[case_column],
                by_seq=row["seq"],
                superseded=[f"{s.seq}:{s.kind}" for s in stale],
            )
        await project()
        # Last: the chain's head lock is the last lock this transaction takes.
        for note in notes:
            await audit_trail.append(conn, note)
        await audit_trail.append(conn, audit)
        return True


async def latest_standing(
    conn: Connection,
    table: str,
    case_column: str,
    case_id: str,
    stale: Sequence[Superseded],
    columns: str,
) -> asyncpg.Record | None:
    """The case's latest event that does not give way (`seq` and `columns`): what an `undo`
    puts the case's summary back to (the stale rows are still there while it runs)."""
    return await conn.fetchrow(
        f"""SELECT seq, {columns} FROM {table}
             WHERE {case_column} = $1 AND event_id <> ALL($2::text[])
             ORDER BY seq DESC LIMIT 1""",  # noqa: S608 - the caller's constant columns
        case_id,
        [s.event_id for s in stale],
    )


async def _insert(conn: Connection, table: str, row: Mapping[str, object]) -> bool:
    columns = ", ".join(row)
    values = ", ".join(f"${n}" for n in range(1, len(row) + 1))
    inserted = await conn.fetchval(
        f"""INSERT INTO {table} ({columns}) VALUES ({values})
            ON CONFLICT (event_id) DO NOTHING
            RETURNING true""",  # noqa: S608 - table and columns are the caller's constants
        *row.values(),
    )
    return bool(inserted)


async def _superseded_by(
    conn: Connection, table: str, case_column: str, row: Mapping[str, object]
) -> list[Superseded]:
    """The stored events `row` supersedes: none when the event stored under its id is the
    same change, or was written by the same or a later attempt (`at` not earlier); else that
    event and every later one of the case an earlier attempt stored (locked, in seq order)."""
    compared = [c for c in row if c not in _NOT_THE_CHANGE]
    same = " AND ".join(f"{c} IS NOT DISTINCT FROM ${n}" for n, c in enumerate(compared, 2))
    stored = await conn.fetchrow(
        f"""SELECT at, ({same}) AS same FROM {table}
             WHERE event_id = $1 FOR UPDATE""",  # noqa: S608 - the caller's constant columns
        row["event_id"],
        *(row[c] for c in compared),
    )
    at = row["at"]
    assert isinstance(at, datetime)
    if stored is None or stored["same"] or stored["at"] >= at:
        return []
    rows = await conn.fetch(
        f"""SELECT event_id, seq, kind, at FROM {table}
             WHERE {case_column} = $1 AND seq >= $2 AND at < $3
             ORDER BY seq FOR UPDATE""",  # noqa: S608 - the caller's constant columns
        row[case_column],
        row["seq"],
        at,
    )
    return [Superseded(r["event_id"], r["seq"], r["kind"], r["at"]) for r in rows]


async def _entry_of(conn: Connection, chain: str, stale: Superseded) -> str | None:
    """The key of `stale`'s own entry in the case's audit trail (not a note about it)."""
    key = await conn.fetchval(
        f"""SELECT entry_key FROM audit_entries
             WHERE chain_id = $1 AND at = $2 AND detail->>'{EVENT_SEQ}' = $3
               AND kind <> '{SUPERSEDED}'""",  # noqa: S608 - constants
        chain,
        stale.at,
        str(stale.seq),
    )
    return key if isinstance(key, str) else None


def _superseded_entry(by: AuditEntry, stale: Superseded, stale_entry: str | None) -> AuditEntry:
    """The audit trail's note that `stale` gave way to the event `by` records (read at the
    stale event's place in the case's order), naming the stale event's own entry."""
    return AuditEntry(
        entry_key=f"{stale.event_id}@{timestamp(stale.at)}:{SUPERSEDED}",
        case_kind=by.case_kind,
        case_id=by.case_id,
        workflow_id=by.workflow_id,
        run_id=by.run_id,
        kind=SUPERSEDED,
        at=by.at,
        stage=by.stage,
        reason=(
            f"event {stale.seq} ({stale.kind}) was stored by a workflow task that never "
            "completed; the task's next attempt recorded the case's history differently"
        ),
        detail={
            EVENT_SEQ: stale.seq,
            "superseded_kind": stale.kind,
            "superseded_at": timestamp(stale.at),
            SUPERSEDED_ENTRY: stale_entry,
        },
    )


def _keyed_bytimestamp(entry: AuditEntry) -> str:
    return f"{entry.entry_key}@{timestamp(entry.at)}"
