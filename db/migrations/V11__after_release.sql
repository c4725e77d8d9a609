-- After release: Kemnaker job placement's follow-up (one placement case per journey), the
-- public certificate check's lookup counts, and the handover package documents.

-- The placement case's read model, written only by its projection activity, keyed by event
-- ids ("{placement_id}:{seq}"), so a retried write lands once. SDP numbers only: no names.
CREATE TABLE placements (
    placement_id         text PRIMARY KEY,             -- "PLC-{journey_id}"
    workflow_id          text NOT NULL,
    journey_id           text NOT NULL UNIQUE,
    inmate_sdp_no        text NOT NULL,
    last_upt             text NOT NULL,                -- where the inmate was released from
    release_kind         text NOT NULL CHECK (release_kind IN ('free', 'pb', 'cb', 'cmb')),
    released_at          timestamptz NOT NULL,
    programme_codes      text[] NOT NULL DEFAULT '{}',
    certificates         jsonb NOT NULL DEFAULT '[]',
    contact_consent      boolean NOT NULL,
    status               text NOT NULL CHECK (status IN ('following_up', 'closed')),
    started_at           timestamptz NOT NULL,
    outcome              text CHECK (outcome IN
                             ('employed', 'self_employed', 'further_training', 'not_reached')),
    outcome_detail       jsonb,                         -- employer, sector, start date, training
    outcome_recorded_at  timestamptz,
    placed_on            date,                          -- first day employed or self-employed
    closed_at            timestamptz,
    close_reason         text CHECK (close_reason IN ('no_consent', 'follow_up_ended', 'job_held')),
    last_event_seq       integer NOT NULL DEFAULT 0,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX placements_by_status ON placements (status, started_at DESC);
CREATE INDEX placements_by_upt ON placements (last_upt, released_at);

-- Every change of a placement case: who, in which role, when, why, and what was recorded.
CREATE TABLE placement_events (
    event_id       text PRIMARY KEY,
    placement_id   text NOT NULL REFERENCES placements (placement_id),
    seq            integer NOT NULL,
    kind           text NOT NULL,
    at             timestamptz NOT NULL,
    actor_subject  text,
    actor_role     text,
    reason         text,
    detail         jsonb NOT NULL DEFAULT '{}',        -- ids and codes (as the audit trail)
    record         jsonb,                              -- the contact, referral, outcome, check-in
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (placement_id, seq)
);

-- The public certificate check: how many lookups ended how, per day. Counted, never
-- attributed: no address, no number, no date of birth is stored.
CREATE TABLE certificate_check_counts (
    day      date NOT NULL,
    outcome  text NOT NULL CHECK (outcome IN
                 ('valid', 'expired', 'unknown_number', 'birth_date_mismatch', 'rate_limited')),
    lookups  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, outcome)
);

-- Documents Sinergi renders (the handover package PDF), content-addressed: the file under the state dir is
-- named by its SHA-256 and encrypted at rest; this row says what it is.
CREATE TABLE rendered_documents (
    sha256       text PRIMARY KEY,                     -- of the plaintext
    media_type   text NOT NULL,
    size_bytes   bigint NOT NULL,
    key_id       text NOT NULL,                        -- the AES-GCM key it is encrypted with
    stored_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE handover_documents (
    handover_id  text NOT NULL,
    journey_id   text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('package_pdf')),
    sha256       text NOT NULL REFERENCES rendered_documents (sha256),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (handover_id, kind)
);
