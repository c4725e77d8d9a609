"""Writing a case event once, with its audit row, in one transaction: for every process.

A workflow's projection activity may run twice (a retry after a lost reply), and events of
one case may land out of order. So each process's `apply_event` comes here: the event's own
row is inserted keyed by its deterministic `event_id`; a repeat stops there and changes
nothing. A first delivery projects the event (the process's rows and summary) and appends its
entry to the case's audit chain, last, because the chain's head lock must be the last lock
the transaction takes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from db import audit_trail
from db.connect import Connection
from domain.audit_chain import AuditEntry, ProjectedEvent

Step = Callable[[], Awaitable[None]]


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
) -> bool:
    """Insert `row` (with its `event_id`) into the event table `table`, then `project` it
    and append `audit`, in one transaction. `before` runs first in the same transaction (the
    case's own row, for an event that may land before it). False: applied before."""
    columns = ", ".join(row)
    values = ", ".join(f"${n}" for n in range(1, len(row) + 1))
    async with conn.transaction():
        if before is not None:
            await before()
        inserted = await conn.fetchval(
            f"""INSERT INTO {table} ({columns}) VALUES ({values})
                ON CONFLICT (event_id) DO NOTHING
                RETURNING true""",  # noqa: S608 - table and columns are the caller's constants
            *row.values(),
        )
        if not inserted:
            return False
        await project()
        # Last: the chain's head lock is the last lock this transaction takes.
        await audit_trail.append(conn, audit)
        return True
