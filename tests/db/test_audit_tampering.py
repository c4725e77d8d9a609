"""Tampering with the audit trail, each way a DBA could, is found and named precisely:
which chain, which row, what is wrong, expected against found hash."""

from __future__ import annotations

import asyncpg
import pytest

from db import audit_trail
from domain.audit_chain import GENESIS, Problem, entry_hash
from tests.db.audit_support import append_chain, as_dba, entry

CHAIN = "enrolment:ENR-1"


async def _hash(pool: asyncpg.Pool, seq: int, chain: str = CHAIN) -> str:
    found = await pool.fetchval(
        "SELECT hash FROM audit_entries WHERE chain_id = $1 AND seq = $2", chain, seq
    )
    assert isinstance(found, str)
    return found


async def test_an_untouched_trail_verifies(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 5)
    await append_chain(pool, "ENR-2", 3)
    async with pool.acquire() as conn:
        assert await audit_trail.anchor(conn) is not None

    result = await audit_trail.verify(pool, batch_size=1)  # one chain per batch

    assert result.ok, result.first_break
    assert (result.chains_checked, result.entries_checked, result.anchors_checked) == (2, 8, 1)


async def test_the_application_cannot_update_delete_or_truncate(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 3)
    async with pool.acquire() as conn:
        await audit_trail.anchor(conn)
    before = await pool.fetch("SELECT * FROM audit_entries ORDER BY seq")
    refused = (
        "UPDATE audit_entries SET reason = 'forged' WHERE seq = 2",
        "DELETE FROM audit_entries WHERE seq = 3",
        "TRUNCATE audit_entries",
        "UPDATE audit_anchors SET hash = 'x'",
        "DELETE FROM audit_anchor_heads",
        "TRUNCATE audit_anchors CASCADE",
        "DELETE FROM audit_heads",
    )
    for statement in refused:
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await pool.execute(statement)

    assert await pool.fetch("SELECT * FROM audit_entries ORDER BY seq") == before
    assert (await audit_trail.verify(pool)).ok


async def test_an_edited_row_is_named_with_its_expected_hash(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 5)
    stored = await _hash(pool, 3)
    async with as_dba(pool) as dba:
        await dba.execute(
            "UPDATE audit_entries SET reason = 'approved' WHERE chain_id = $1 AND seq = 3", CHAIN
        )

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 3, Problem.CONTENT_EDITED)
    assert broken.found == stored
    assert broken.expected is not None and broken.expected != stored


async def test_a_row_moved_to_another_case_is_caught(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 3)
    async with as_dba(pool) as dba:
        await dba.execute("UPDATE audit_entries SET case_id = 'ENR-9' WHERE seq = 2")

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 2, Problem.CONTENT_EDITED)


async def test_a_deleted_row_in_the_middle_is_named(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 5)
    async with as_dba(pool) as dba:
        await dba.execute("DELETE FROM audit_entries WHERE chain_id = $1 AND seq = 3", CHAIN)

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 3, Problem.ROW_MISSING)
    assert "from 2 to 4" in broken.message


async def test_a_deleted_row_with_the_rest_renumbered_is_named(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 5)
    deleted = await _hash(pool, 3)
    async with as_dba(pool) as dba:
        await dba.execute("DELETE FROM audit_entries WHERE chain_id = $1 AND seq = 3", CHAIN)
        await dba.execute("UPDATE audit_entries SET seq = seq - 1 WHERE chain_id = $1 AND seq > 3",
                          CHAIN)  # fmt: skip
        await dba.execute("UPDATE audit_heads SET seq = 4 WHERE chain_id = $1", CHAIN)

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 3, Problem.ROW_MISSING)
    assert broken.found == deleted  # the row now at 3 still links to the one that is gone


async def test_a_forged_row_inserted_in_the_middle_is_named(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 5)
    row2 = await _hash(pool, 2)
    # The forger knows the algorithm: the forged row links to row 2 with a correct hash.
    forged = entry("ENR-1", 99, kind="placement_decided", decision="approve",
                   actor_subject="mallory", actor_role="tpp_member")  # fmt: skip
    recorded_at = forged.at
    async with as_dba(pool) as dba:
        # Rows 3.. move up one (by way of 103..: the key is checked row by row).
        await dba.execute("UPDATE audit_entries SET seq = seq + 100 WHERE seq >= 3")
        await dba.execute("UPDATE audit_entries SET seq = seq - 99 WHERE seq > 100")
        await dba.execute(
            """INSERT INTO audit_entries (chain_id, seq, entry_key, case_kind, case_id,
                   workflow_id, run_id, kind, at, stage, actor_subject, actor_role, decision,
                   reason, detail, prev_hash, hash, recorded_at)
               VALUES ($1, 3, $2, 'enrolment', 'ENR-1', $3, $4, $5, $6, $7, $8, $9, $10, NULL,
                       $11::jsonb, $12, $13, $14)""",
            CHAIN, forged.entry_key, forged.workflow_id, forged.run_id, forged.kind, forged.at,
            forged.stage, forged.actor_subject, forged.actor_role, forged.decision,
            '{"event_seq": 99}', row2, entry_hash(forged, 3, recorded_at, row2), recorded_at,
        )  # fmt: skip

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 3, Problem.ROW_INSERTED)


async def test_two_swapped_rows_are_named_out_of_order(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 5)
    async with as_dba(pool) as dba:
        for from_seq, to_seq in ((3, 1000), (4, 3), (1000, 4)):  # one key at a time
            await dba.execute(
                "UPDATE audit_entries SET seq = $3 WHERE chain_id = $1 AND seq = $2",
                CHAIN, from_seq, to_seq,
            )  # fmt: skip

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 3, Problem.OUT_OF_ORDER)


async def test_a_tail_cut_after_an_anchor_is_named(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 5)
    async with pool.acquire() as conn:
        await audit_trail.anchor(conn)
    anchored = await _hash(pool, 5)
    row3 = await _hash(pool, 3)
    async with as_dba(pool) as dba:
        await dba.execute("DELETE FROM audit_entries WHERE chain_id = $1 AND seq > 3", CHAIN)
        # A careful tamperer also moves the head row back: the anchor still knows.
        await dba.execute("UPDATE audit_heads SET seq = 3, hash = $2 WHERE chain_id = $1",
                          CHAIN, row3)  # fmt: skip

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 4, Problem.TRUNCATED)
    assert broken.expected == anchored
    assert "anchored at row 5" in broken.message


async def test_a_whole_chain_deleted_after_an_anchor_is_named(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 2)
    await append_chain(pool, "ENR-2", 4)
    async with pool.acquire() as conn:
        await audit_trail.anchor(conn)
    async with as_dba(pool) as dba:
        await dba.execute("DELETE FROM audit_entries WHERE chain_id = 'enrolment:ENR-2'")
        await dba.execute("DELETE FROM audit_heads WHERE chain_id = 'enrolment:ENR-2'")

    result = await audit_trail.verify(pool)

    assert result.first_break is not None
    b = result.first_break
    assert (b.chain_id, b.seq, b.problem) == ("enrolment:ENR-2", 4, Problem.CHAIN_MISSING)
    assert (result.chains_checked, result.broken_chains) == (2, 1)


async def test_a_chain_rewritten_with_fresh_hashes_is_caught_by_its_anchor(
    pool: asyncpg.Pool,
) -> None:
    await append_chain(pool, "ENR-1", 3)
    async with pool.acquire() as conn:
        await audit_trail.anchor(conn)
    # The forger rewrites row 1 and recomputes every hash after it: the chain holds
    # together, but it is not the chain that was anchored.
    rows = await pool.fetch("SELECT seq, recorded_at FROM audit_entries ORDER BY seq")
    prev = GENESIS
    async with as_dba(pool) as dba:
        for r in rows:
            e = entry("ENR-1", r["seq"], reason="forged" if r["seq"] == 1 else None)
            new = entry_hash(e, r["seq"], r["recorded_at"], prev)
            await dba.execute(
                "UPDATE audit_entries SET reason = $2, prev_hash = $3, hash = $4 WHERE seq = $1",
                r["seq"], e.reason, prev, new,
            )  # fmt: skip
            prev = new
        await dba.execute("UPDATE audit_heads SET hash = $1", prev)

    broken = (await audit_trail.verify(pool)).first_break

    assert broken is not None
    assert (broken.chain_id, broken.seq, broken.problem) == (CHAIN, 3, Problem.REWRITTEN)


async def test_an_edited_anchor_breaks_the_anchor_chain(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 2)
    async with pool.acquire() as conn:
        await audit_trail.anchor(conn)
    await append_chain(pool, "ENR-2", 1)
    async with pool.acquire() as conn:
        second = await audit_trail.anchor(conn)
    assert second is not None and second.anchor_no == 2
    async with as_dba(pool) as dba:
        await dba.execute("UPDATE audit_anchor_heads SET seq = 1 WHERE anchor_no = 1")

    result = await audit_trail.verify(pool)

    assert result.first_break is not None
    b = result.first_break
    assert (b.chain_id, b.seq, b.problem) == (audit_trail.ANCHOR_CHAIN, 1, Problem.ANCHOR_BROKEN)


async def test_verifying_one_case_reads_only_that_chain(pool: asyncpg.Pool) -> None:
    await append_chain(pool, "ENR-1", 3)
    await append_chain(pool, "ENR-2", 3)
    async with as_dba(pool) as dba:
        await dba.execute("UPDATE audit_entries SET stage = 'x' WHERE chain_id = 'enrolment:ENR-2'")

    one = await audit_trail.verify(pool, chain=CHAIN)
    other = await audit_trail.verify(pool, chain="enrolment:ENR-2")

    assert one.ok and one.chains_checked == 1 and one.entries_checked == 3
    assert other.first_break is not None and other.first_break.seq == 1
