-- Reliability (issue 20): incidents of activities that cannot succeed as they are, and the
-- idempotency keys of decisions and starts.

-- One row per activity (workflow run x activity id) that failed for a reason a retry cannot
-- cure (Postgres refused its data). The activity keeps being retried, slowly, so nothing in
-- the running case changes; the row makes the stuck case visible to operators, who repair
-- and resume it (`POST /incidents/{id}/retry`, `sinergi incidents retry`). The message holds
-- no case content (db/incidents.py redacts quoted values).
CREATE TABLE incidents (
    incident_id          bigserial PRIMARY KEY,
    case_kind            text        NOT NULL,
    case_id              text        NOT NULL,
    workflow_id          text        NOT NULL,
    run_id               text        NOT NULL,
    activity_id          text        NOT NULL,
    activity_type        text        NOT NULL,
    error_type           text        NOT NULL,
    message              text        NOT NULL,
    attempts             integer     NOT NULL DEFAULT 1,
    first_seen           timestamptz NOT NULL DEFAULT now(),
    last_seen            timestamptz NOT NULL DEFAULT now(),
    repair_requested_by  text,
    repair_requested_at  timestamptz,
    resolved_at          timestamptz,
    resolution           text,
    UNIQUE (workflow_id, run_id, activity_id)
);
CREATE INDEX incidents_open ON incidents (last_seen DESC) WHERE resolved_at IS NULL;

-- A client that lost an answer retries with the same Idempotency-Key: the first request's
-- row (claimed by INSERT ... ON CONFLICT DO NOTHING) holds its answer, replayed to the retry.
CREATE TABLE idempotency_keys (
    subject          text        NOT NULL,
    idempotency_key  text        NOT NULL,
    method           text        NOT NULL,
    path             text        NOT NULL,
    request_hash     text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('pending', 'done')),
    response_status  integer,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    PRIMARY KEY (subject, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The first copy of a delivery that may arrive more than once (a SIMPONI payment callback, an
-- SDP custody event): claimed by one INSERT ... ON CONFLICT DO NOTHING, so of two copies
-- arriving at the same moment exactly one is the first and the other says `duplicate`.
CREATE TABLE first_deliveries (
    source       text        NOT NULL,
    delivery_id  text        NOT NULL,
    claimed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, delivery_id)
);
