-- The audit trail: every state change and decision of every case, appended once (keyed by
-- entry_key) in the same transaction as the read-model write it records, and hash-chained
-- per case so that editing, deleting, inserting or reordering a row is detected.
--
-- One chain per case ("{case_kind}:{case_id}"): appending locks only that case's head row,
-- so cases never wait on one another. A second, global chain (audit_anchors) periodically
-- records the heads that moved since the previous anchor, so that cutting the tail off a
-- chain, or deleting a whole chain, is detected too. Hashes are computed by db/audit_trail.py:
--   hash = sha256(prev_hash || canonical JSON of the row's content), prev_hash of seq 1 = 64 zeros.
CREATE TABLE audit_entries (
    chain_id       text NOT NULL,
    seq            bigint NOT NULL CHECK (seq > 0),
    entry_key      text NOT NULL UNIQUE,        -- deterministic: the projection's event_id, ...
    case_kind      text NOT NULL,               -- enrolment, journey, tka_permit
    case_id        text NOT NULL,
    workflow_id    text NOT NULL,
    run_id         text,                        -- the workflow run; NULL for people's API actions
    kind           text NOT NULL,               -- what happened
    at             timestamptz NOT NULL,        -- when (workflow time)
    stage          text NOT NULL,
    actor_subject  text,
    actor_role     text,
    decision       text,
    reason         text,
    detail         jsonb NOT NULL DEFAULT '{}', -- extra ids and codes; no personal data
    prev_hash      text NOT NULL,
    hash           text NOT NULL,
    recorded_at    timestamptz NOT NULL,
    PRIMARY KEY (chain_id, seq)
);
CREATE INDEX audit_entries_by_case ON audit_entries (case_kind, case_id);
CREATE INDEX audit_entries_by_at ON audit_entries (at);

-- The head of each chain: the row an append locks (SELECT ... FOR UPDATE), and what an
-- anchor reads. Not evidence itself (it moves with every append): the chain and the anchors
-- are. anchored_seq is how far the latest anchor took this chain.
CREATE TABLE audit_heads (
    chain_id      text PRIMARY KEY,
    seq           bigint NOT NULL,
    hash          text NOT NULL,
    anchored_seq  bigint NOT NULL DEFAULT 0
);
-- Anchoring finds the heads that moved without scanning the chains that did not.
CREATE INDEX audit_heads_unanchored ON audit_heads (chain_id) WHERE seq > anchored_seq;

-- The global anchor chain: anchor n records (chain_id, seq, hash) of every head that moved
-- since anchor n-1 (audit_anchor_heads); its hash covers a digest of those heads.
CREATE TABLE audit_anchors (
    anchor_no     bigint PRIMARY KEY CHECK (anchor_no > 0),
    at            timestamptz NOT NULL,
    head_count    integer NOT NULL,
    heads_digest  text NOT NULL,
    prev_hash     text NOT NULL,
    hash          text NOT NULL
);

CREATE TABLE audit_anchor_heads (
    anchor_no  bigint NOT NULL REFERENCES audit_anchors (anchor_no),
    chain_id   text NOT NULL,
    seq        bigint NOT NULL,
    hash       text NOT NULL,
    PRIMARY KEY (anchor_no, chain_id)
);
-- "The latest anchored head of this chain", and the chains anchors know of.
CREATE INDEX audit_anchor_heads_by_chain ON audit_anchor_heads (chain_id, anchor_no DESC);

-- Append-only, enforced by the database for every role, owner and superuser included:
-- only a DBA who disables the triggers (session_replication_role = replica, or ALTER TABLE
-- ... DISABLE TRIGGER as owner) can change a row, and verification then finds it.
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchors_append_only BEFORE UPDATE OR DELETE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchors_no_truncate BEFORE TRUNCATE ON audit_anchors
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchor_heads_append_only BEFORE UPDATE OR DELETE ON audit_anchor_heads
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchor_heads_no_truncate BEFORE TRUNCATE ON audit_anchor_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
-- A head moves forward, never away.
CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_heads_no_truncate BEFORE TRUNCATE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Privileges too, for deployments where the application connects as a role of its own.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries, audit_anchors, audit_anchor_heads FROM PUBLIC;
REVOKE DELETE, TRUNCATE ON audit_heads FROM PUBLIC;
