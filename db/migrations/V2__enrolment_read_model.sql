-- Read model of programme enrolments, written only by the workflow's projection activity
-- (and the API's reservation row at request time). Every write is keyed by an event id.
CREATE TABLE enrolments (
    enrolment_id         text PRIMARY KEY,
    workflow_id          text NOT NULL UNIQUE,
    inmate_sdp_no        text NOT NULL,
    programme_code       text NOT NULL REFERENCES programmes (code),
    upt_code             text NOT NULL REFERENCES upts (code),
    lsp_code             text NOT NULL REFERENCES lsps (code),
    planned_end          date NOT NULL,
    release_flagged      boolean NOT NULL,
    exception_granted    boolean NOT NULL DEFAULT false,
    stage                text NOT NULL,
    outcome              text CHECK (outcome IN ('certified', 'not_competent', 'withdrawn', 'rejected')),
    closed_reason        text,
    attendance_present   integer NOT NULL DEFAULT 0,
    attendance_recorded  integer NOT NULL DEFAULT 0,
    modules_completed    integer NOT NULL DEFAULT 0,
    reassessments_used   integer NOT NULL DEFAULT 0,
    awaiting_kind        text,
    awaiting_role        text,
    awaiting_due         timestamptz,
    requested_by         text NOT NULL,
    requested_at         timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    last_event_seq       integer NOT NULL DEFAULT 0
);

-- "No active enrolment in the same programme": enforced by the database, race-free.
CREATE UNIQUE INDEX enrolments_one_active_per_programme
    ON enrolments (inmate_sdp_no, programme_code) WHERE outcome IS NULL;
CREATE INDEX enrolments_by_upt_stage ON enrolments (upt_code, stage);
CREATE INDEX enrolments_by_inmate ON enrolments (inmate_sdp_no);

-- Every change and decision, with who, in which role, when and why.
CREATE TABLE enrolment_events (
    event_id        text PRIMARY KEY,
    enrolment_id    text NOT NULL REFERENCES enrolments (enrolment_id),
    seq             integer NOT NULL,
    kind            text NOT NULL,
    at              timestamptz NOT NULL,
    stage           text NOT NULL,
    actor_subject   text,
    actor_role      text,
    decision        text,
    reason          text,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (enrolment_id, seq)
);

CREATE TABLE attendance (
    enrolment_id  text NOT NULL REFERENCES enrolments (enrolment_id),
    session_no    integer NOT NULL CHECK (session_no > 0),
    session_date  date NOT NULL,
    present       boolean NOT NULL,
    recorded_by   text NOT NULL,
    event_id      text NOT NULL REFERENCES enrolment_events (event_id),
    PRIMARY KEY (enrolment_id, session_no)
);

CREATE TABLE module_completions (
    enrolment_id  text NOT NULL REFERENCES enrolments (enrolment_id),
    module_code   text NOT NULL,
    completed_by  text NOT NULL,
    completed_at  timestamptz NOT NULL,
    event_id      text NOT NULL REFERENCES enrolment_events (event_id),
    PRIMARY KEY (enrolment_id, module_code)
);

CREATE TABLE assessment_results (
    enrolment_id  text NOT NULL REFERENCES enrolments (enrolment_id),
    attempt       integer NOT NULL CHECK (attempt > 0),
    unit_code     text NOT NULL,
    result        text NOT NULL CHECK (result IN ('K', 'BK')),
    counted       boolean NOT NULL,
    assessor      text NOT NULL,
    tuk_code      text NOT NULL,
    decided_at    timestamptz NOT NULL,
    event_id      text NOT NULL REFERENCES enrolment_events (event_id),
    PRIMARY KEY (enrolment_id, attempt, unit_code)
);

CREATE TABLE appeals (
    enrolment_id     text NOT NULL REFERENCES enrolments (enrolment_id),
    against_attempt  integer NOT NULL,
    filed_by         text NOT NULL,
    filed_at         timestamptz NOT NULL,
    reason           text NOT NULL,
    outcome          text CHECK (outcome IN ('uphold', 'reassess')),
    panel            text[] NOT NULL DEFAULT '{}',
    decided_at       timestamptz,
    PRIMARY KEY (enrolment_id, against_attempt)
);

CREATE TABLE certificates (
    enrolment_id  text PRIMARY KEY REFERENCES enrolments (enrolment_id),
    number        text NOT NULL UNIQUE,
    issued_on     date NOT NULL,
    valid_until   date NOT NULL,
    event_id      text NOT NULL REFERENCES enrolment_events (event_id)
);

CREATE TABLE escalations (
    event_id        text PRIMARY KEY REFERENCES enrolment_events (event_id),
    enrolment_id    text NOT NULL REFERENCES enrolments (enrolment_id),
    kind            text NOT NULL,
    routed_to_role  text NOT NULL,
    raised_at       timestamptz NOT NULL,
    detail          text NOT NULL
);
CREATE INDEX escalations_open_by_role ON escalations (routed_to_role, raised_at);
