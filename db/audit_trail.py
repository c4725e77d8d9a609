"""The audit trail in Postgres: appending a case's entry to its hash chain, anchoring the
chains' heads, and verifying chains and anchors (the rules are domain/audit_chain.py).

An entry is appended inside the transaction of the read-model write it records, keyed by a
deterministic entry_key, so it exists exactly when that write committed, once. Appending
locks only its own chain's head row: two cases never wait on each other, and two writers of
one case are served in turn, each linking to the other's row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime
from typing import Any

import asyncpg
from pydantic import BaseModel

from db import operations
from db.connect import Connection
from domain.audit_chain import (
    EVENT_SEQ,
    FOLLOWS_EVENT,
    GENESIS,
    AnchoredHead,
    AuditEntry,
    Break,
    ChainedEntry,
    Problem,
    anchor_hash,
    entry_hash,
    heads_digest,
    verify_chain,
)

ANCHOR_CHAIN = "anchors"  # the chain_id a Break names for the anchor chain itself
_ANCHOR_LOCK = 0x41554454  # "AUDT": one anchoring at a time (anchors form one chain)
# Every reading of a case's chain in the case's order (domain.audit_chain.reading_key).
READING_ORDER = f"""
    coalesce((detail->>'{EVENT_SEQ}')::bigint, (detail->>'{FOLLOWS_EVENT}')::bigint, 0),
    (detail->>'{EVENT_SEQ}') IS NULL, seq"""
_ENTRY_COLUMNS = """
    chain_id, seq, entry_key, case_kind, case_id, workflow_id, run_id, kind, at, stage,
    actor_subject, actor_role, decision, reason, detail, prev_hash, hash, recorded_at
"""


# ---------------------------------------------------------------- writes


async def append(conn: Connection, entry: AuditEntry) -> bool:
    """Append `entry` to its case's chain, inside the caller's transaction. Returns False
    when an entry with its key is already there (a retried write): nothing changes."""
    if not conn.is_in_transaction():
        raise RuntimeError("an audit entry is appended inside the transaction it records")
    chain = entry.chain_id
    head = await _lock_head(conn, chain)
    if EVENT_SEQ not in entry.detail and FOLLOWS_EVENT not in entry.detail:
        # Not a case event and not told which it follows (a person's claim, a stored
        # document): it follows the latest event the case's chain holds, if it holds any.
        latest = await conn.fetchval(
            f"""SELECT max(coalesce((detail->>'{EVENT_SEQ}')::bigint,
                                    (detail->>'{FOLLOWS_EVENT}')::bigint))
                  FROM audit_entries WHERE chain_id = $1""",  # noqa: S608 - constants
            chain,
        )
        if latest is not None:
            entry = entry.model_copy(update={"detail": entry.detail | {FOLLOWS_EVENT: latest}})
    seq = head["seq"] + 1
    recorded_at = datetime.now(UTC)
    digest = entry_hash(entry, seq, recorded_at, head["hash"])
    appended = await conn.fetchval(
        """WITH appended AS (
               INSERT INTO audit_entries (
                   chain_id, seq, entry_key, case_kind, case_id, workflow_id, run_id, kind, at,
                   stage, actor_subject, actor_role, decision, reason, detail, prev_hash, hash,
                   recorded_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb,
                       $16, $17, $18)
               ON CONFLICT (entry_key) DO NOTHING
               RETURNING seq, hash)
           UPDATE audit_heads h SET seq = a.seq, hash = a.hash
             FROM appended a WHERE h.chain_id = $1
           RETURNING true""",
        chain, seq, entry.entry_key, entry.case_kind, entry.case_id, entry.workflow_id,
        entry.run_id, entry.kind, entry.at, entry.stage, entry.actor_subject, entry.actor_role,
        entry.decision, entry.reason, json.dumps(entry.detail), head["hash"], digest, recorded_at,
    )  # fmt: skip
    return bool(appended)


async def _lock_head(conn: Connection, chain: str) -> asyncpg.Record:
    # The per-case lock: held until the caller's transaction ends. A new chain's head row is
    # created first (two first writers of one case: one inserts, both then lock it).
    lock = "SELECT seq, hash FROM audit_heads WHERE chain_id = $1 FOR UPDATE"
    head = await conn.fetchrow(lock, chain)
    if head is None:
        await conn.execute(
            """INSERT INTO audit_heads (chain_id, seq, hash) VALUES ($1, 0, $2)
               ON CONFLICT (chain_id) DO NOTHING""",
            chain,
            GENESIS,
        )
        head = await conn.fetchrow(lock, chain)
    assert head is not None  # a head row is never deleted (the database refuses it)
    return head


class Anchor(BaseModel):
    anchor_no: int
    at: datetime
    head_count: int
    hash: str


async def anchor(conn: Connection) -> Anchor | None:
    """Record the heads that moved since the last anchor as the next anchor; None when no
    head moved. Appends to those chains wait for this transaction's commit (milliseconds)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _ANCHOR_LOCK)
        last = await conn.fetchrow(
            "SELECT anchor_no, hash FROM audit_anchors ORDER BY anchor_no DESC LIMIT 1"
        )
        rows = await conn.fetch(
            """UPDATE audit_heads SET anchored_seq = seq WHERE seq > anchored_seq
               RETURNING chain_id, seq, hash"""
        )
        if not rows:
            return None
        heads = [AnchoredHead(**dict(r)) for r in rows]
        number = (last["anchor_no"] if last else 0) + 1
        prev_hash = last["hash"] if last else GENESIS
        at = datetime.now(UTC)
        digest = heads_digest(heads)
        chained = anchor_hash(number, at, len(heads), digest, prev_hash)
        await conn.execute(
            """INSERT INTO audit_anchors (anchor_no, at, head_count, heads_digest, prev_hash,
                                          hash)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            number, at, len(heads), digest, prev_hash, chained,
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO audit_anchor_heads (anchor_no, chain_id, seq, hash)
               SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[])""",
            number,
            [h.chain_id for h in heads],
            [h.seq for h in heads],
            [h.hash for h in heads],
        )
        return Anchor(anchor_no=number, at=at, head_count=len(heads), hash=chained)


async def case_trail(conn: Connection | asyncpg.Pool, chain: str) -> list[ChainedEntry]:
    """A case's chain in the case's own order (READING_ORDER), not the order of appending."""
    rows = await conn.fetch(
        f"""SELECT {_ENTRY_COLUMNS} FROM audit_entries WHERE chain_id = $1
             ORDER BY {READING_ORDER}""",  # noqa: S608 - fixed columns and order
        chain,
    )
    return [_entry(r) for r in rows]


# ---------------------------------------------------------------- verification


class Verification(BaseModel):
    """What was checked and the first broken link, if any (None: everything holds)."""

    ok: bool
    chains_checked: int
    entries_checked: int
    broken_chains: int
    anchors_checked: int
    latest_anchor_no: int | None
    latest_anchor_at: datetime | None
    first_break: Break | None


class _Tally(BaseModel):
    chains: int = 0
    entries: int = 0
    broken: int = 0
    first_break: Break | None = None

    def add(self, rows: int, broken: Break | None) -> None:
        self.chains += 1
        self.entries += rows
        if broken is not None:
            self.broken += 1
            self.first_break = self.first_break or broken


async def chain_exists(pool: asyncpg.Pool, chain: str) -> bool:
    """Whether anything (a row, a head or an anchor) knows this chain."""
    return bool(
        await pool.fetchval(
            """SELECT EXISTS (SELECT 1 FROM audit_entries WHERE chain_id = $1)
                   OR EXISTS (SELECT 1 FROM audit_heads WHERE chain_id = $1)
                   OR EXISTS (SELECT 1 FROM audit_anchor_heads WHERE chain_id = $1)""",
            chain,
        )
    )


async def verify(
    pool: asyncpg.Pool,
    *,
    chain: str | None = None,
    case_kinds: Collection[str] | None = None,
    batch_size: int = 500,
) -> Verification:
    """Verify one chain (`chain`), or every chain of `case_kinds` (None: all), and the anchor
    chain. Chains are read in keyset batches of `batch_size`, each batch in one snapshot."""
    anchors, latest, anchor_break = await _verify_anchors(pool, batch_size)
    tally = _Tally()
    async for chain_ids in _chain_batches(pool, chain, case_kinds, batch_size):
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            rows, heads, anchored = await _read_batch(conn, chain_ids)
        for cid in chain_ids:
            tally.add(
                len(rows[cid]), verify_chain(cid, rows[cid], anchored.get(cid), heads.get(cid))
            )
    first = anchor_break or tally.first_break
    if chain is None:  # a sweep, not one case: operators watch its age and verdict
        await operations.record_verification(
            pool, intact=first is None, chains=tally.chains, rows_checked=tally.entries,
            first_break=None if first is None else f"{first.chain_id}#{first.seq}: {first.problem}",
        )  # fmt: skip
    return Verification(
        ok=first is None,
        chains_checked=tally.chains,
        entries_checked=tally.entries,
        broken_chains=tally.broken,
        anchors_checked=anchors,
        latest_anchor_no=latest["anchor_no"] if latest else None,
        latest_anchor_at=latest["at"] if latest else None,
        first_break=first,
    )


async def _chain_batches(
    pool: asyncpg.Pool, chain: str | None, case_kinds: Collection[str] | None, size: int
) -> AsyncIterator[list[str]]:
    if chain is not None:
        yield [chain]
        return
    after = ""
    kinds = list(case_kinds) if case_kinds is not None else None
    while True:
        # Every chain anything knows of: its rows, its head, or an anchor (a chain deleted
        # whole is only known to the anchors).
        ids = [
            r["chain_id"]
            for r in await pool.fetch(
                """SELECT chain_id FROM (
                       (SELECT chain_id FROM audit_heads WHERE chain_id > $1
                         ORDER BY chain_id LIMIT $2)
                       UNION
                       (SELECT DISTINCT chain_id FROM audit_entries WHERE chain_id > $1
                         ORDER BY chain_id LIMIT $2)
                       UNION
                       (SELECT DISTINCT chain_id FROM audit_anchor_heads WHERE chain_id > $1
                         ORDER BY chain_id LIMIT $2)) known
                    ORDER BY chain_id LIMIT $2""",
                after,
                size,
            )
        ]
        if not ids:
            return
        after = ids[-1]
        wanted = [i for i in ids if kinds is None or i.split(":", 1)[0] in kinds]
        if wanted:
            yield wanted


async def _read_batch(
    conn: Connection, chain_ids: list[str]
) -> tuple[dict[str, list[ChainedEntry]], dict[str, AnchoredHead], dict[str, AnchoredHead]]:
    rows: dict[str, list[ChainedEntry]] = defaultdict(list)
    for r in await conn.fetch(
        f"""SELECT {_ENTRY_COLUMNS} FROM audit_entries
             WHERE chain_id = ANY($1::text[]) ORDER BY chain_id, seq""",  # noqa: S608 - fixed
        chain_ids,
    ):
        rows[r["chain_id"]].append(_entry(r))
    heads = {
        r["chain_id"]: AnchoredHead(**dict(r))
        for r in await conn.fetch(
            "SELECT chain_id, seq, hash FROM audit_heads WHERE chain_id = ANY($1::text[])",
            chain_ids,
        )
        if r["seq"] > 0
    }
    anchored = {
        r["chain_id"]: AnchoredHead(**dict(r))
        for r in await conn.fetch(
            """SELECT DISTINCT ON (chain_id) chain_id, seq, hash FROM audit_anchor_heads
                WHERE chain_id = ANY($1::text[]) ORDER BY chain_id, anchor_no DESC""",
            chain_ids,
        )
    }
    return rows, heads, anchored


def _entry(row: asyncpg.Record) -> ChainedEntry:
    data: dict[str, Any] = dict(row)
    data.pop("chain_id")  # derived from case_kind and case_id: verify_chain compares them
    data["detail"] = json.loads(data["detail"])
    return ChainedEntry(**data)


async def _verify_anchors(
    pool: asyncpg.Pool, batch_size: int
) -> tuple[int, asyncpg.Record | None, Break | None]:
    """Walk the anchor chain: numbers follow on, each links to the one before, each hash
    covers its heads. Returns (anchors checked, the latest, the first break)."""
    checked, expected_prev, last = 0, GENESIS, None
    after = 0
    while True:
        async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            batch = await conn.fetch(
                """SELECT anchor_no, at, head_count, heads_digest, prev_hash, hash
                     FROM audit_anchors WHERE anchor_no > $1 ORDER BY anchor_no LIMIT $2""",
                after,
                batch_size,
            )
            heads: dict[int, list[AnchoredHead]] = defaultdict(list)
            for r in await conn.fetch(
                """SELECT anchor_no, chain_id, seq, hash FROM audit_anchor_heads
                    WHERE anchor_no > $1 AND anchor_no <= $2""",
                after,
                batch[-1]["anchor_no"] if batch else after,
            ):
                heads[r["anchor_no"]].append(
                    AnchoredHead(chain_id=r["chain_id"], seq=r["seq"], hash=r["hash"])
                )
        if not batch:
            return checked, last, None
        for a in batch:
            broken = _anchor_break(a, heads[a["anchor_no"]], after + 1, expected_prev)
            if broken is not None:
                return checked, last, broken
            checked, expected_prev, last, after = checked + 1, a["hash"], a, a["anchor_no"]


def _anchor_break(
    a: asyncpg.Record, heads: list[AnchoredHead], expected_no: int, expected_prev: str
) -> Break | None:
    def broken(message: str, expected: str | None, found: str | None) -> Break:
        return Break(
            chain_id=ANCHOR_CHAIN,
            seq=a["anchor_no"],
            problem=Problem.ANCHOR_BROKEN,
            message=message,
            expected=expected,
            found=found,
        )

    number = a["anchor_no"]
    if number != expected_no:
        return broken(f"anchor {expected_no} is missing (next is {number})", None, None)
    if a["prev_hash"] != expected_prev:
        return broken(f"anchor {number} does not link to anchor {number - 1}", expected_prev,
                      a["prev_hash"])  # fmt: skip
    digest = heads_digest(heads)
    if digest != a["heads_digest"] or len(heads) != a["head_count"]:
        return broken(f"the heads recorded by anchor {number} were changed", a["heads_digest"],
                      digest)  # fmt: skip
    actual = anchor_hash(number, a["at"], a["head_count"], a["heads_digest"], a["prev_hash"])
    if actual != a["hash"]:
        return broken(f"anchor {number} was edited", actual, a["hash"])
    return None
