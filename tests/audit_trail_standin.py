"""Until branch `audit-trail` (V6, db/audit_trail.py) is merged, the tests of the decision
check stand the agreed `audit_entries` table up themselves, exactly as the agreed schema
describes it (/tmp/prompts/schema.md). Once V6 has created the table, this does nothing."""

from __future__ import annotations

import asyncpg

AUDIT_ENTRIES = """
CREATE TABLE IF NOT EXISTS audit_entries (
    chain_id       text NOT NULL,
    seq            bigint NOT NULL,
    entry_key      text NOT NULL UNIQUE,
    case_kind      text NOT NULL,
    case_id        text NOT NULL,
    workflow_id    text NOT NULL,
    run_id         text NOT NULL,
    kind           text NOT NULL,
    at             timestamptz NOT NULL,
    stage          text,
    actor_subject  text,
    actor_role     text,
    decision       text,
    reason         text,
    detail         jsonb NOT NULL DEFAULT '{}',
    prev_hash      text NOT NULL,
    hash           text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain_id, seq)
)"""


async def ensure_audit_entries(pool: asyncpg.Pool) -> None:
    await pool.execute(AUDIT_ENTRIES)


async def trail_from_decision_log(pool: asyncpg.Pool, enrolment_id: str, run_id: str) -> None:
    """The enrolment's decision log copied into its trail, as V6's projection would write it
    (unless V6's own writes are there already). Hashes are not what the check reads."""
    await pool.execute(
        """INSERT INTO audit_entries (chain_id, seq, entry_key, case_kind, case_id, workflow_id,
               run_id, kind, at, stage, actor_subject, actor_role, decision, reason, prev_hash,
               hash)
           SELECT 'enrolment:' || e.enrolment_id, v.seq, v.event_id, 'enrolment', e.enrolment_id,
                  e.workflow_id, $2, v.kind, v.at, v.stage, v.actor_subject, v.actor_role,
                  v.decision, v.reason, '', ''
             FROM enrolment_events v JOIN enrolments e USING (enrolment_id)
            WHERE v.enrolment_id = $1
           ON CONFLICT DO NOTHING""",
        enrolment_id, run_id,
    )  # fmt: skip
