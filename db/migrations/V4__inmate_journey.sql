-- Read model of inmate journeys (one per inmate per custody spell), the custody events
-- corrections reported, and the release handovers to the Bapas and Kemnaker job placement.
-- Written only by the journey's projection activity, keyed by event ids, so a retried write
-- lands once. SDP numbers only: no NIK, no names.

-- An enrolment left unfinished by a release is closed with its own outcome.
ALTER TABLE enrolments DROP CONSTRAINT enrolments_outcome_check;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_outcome_check CHECK (
    outcome IN ('certified', 'not_competent', 'withdrawn', 'rejected', 'unfinished_at_release'));

CREATE TABLE journeys (
    journey_id      text PRIMARY KEY,              -- "JRN-...": one per custody spell
    workflow_id     text NOT NULL,                 -- "journey-{sdp_no}": reused across spells
    inmate_sdp_no   text NOT NULL,
    upt_code        text NOT NULL,                 -- as the workflow holds it
    status          text NOT NULL
                    CHECK (status IN ('in_custody', 'releasing', 'handover', 'ended')),
    started_at      timestamptz NOT NULL,
    released_at     timestamptz,
    release_kind    text CHECK (release_kind IN ('free', 'pb', 'cb', 'cmb')),
    bapas_code      text,                          -- the supervising Bapas (PB, CB, CMB)
    ended_at        timestamptz,
    last_event_seq  integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL
);
-- "Never two journeys for one inmate": at most one that has not ended.
CREATE UNIQUE INDEX journeys_one_open_per_inmate
    ON journeys (inmate_sdp_no) WHERE status <> 'ended';
CREATE INDEX journeys_by_inmate ON journeys (inmate_sdp_no, started_at DESC);
CREATE INDEX journeys_by_upt_status ON journeys (upt_code, status);

-- Every change of a journey, with who, in which role, when and why.
CREATE TABLE journey_events (
    event_id       text PRIMARY KEY,               -- "{journey_id}:{seq}"
    journey_id     text NOT NULL REFERENCES journeys (journey_id),
    seq            integer NOT NULL,
    kind           text NOT NULL,
    at             timestamptz NOT NULL,
    actor_subject  text,
    actor_role     text,
    reason         text,
    detail         jsonb NOT NULL DEFAULT '{}',    -- ids, codes and status: no personal data
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (journey_id, seq)
);

-- The enrolments a journey started, and what each left behind when it closed.
CREATE TABLE journey_enrolments (
    enrolment_id     text PRIMARY KEY,
    journey_id       text NOT NULL REFERENCES journeys (journey_id),
    workflow_id      text NOT NULL,
    programme_code   text NOT NULL,
    started_at       timestamptz NOT NULL,
    closed_at        timestamptz,
    outcome          text,
    training_record  jsonb
);
CREATE INDEX journey_enrolments_by_journey ON journey_enrolments (journey_id, started_at);

-- Custody events as applied to a journey, keyed by the source's own event id: the API looks
-- a redelivery up here before calling the workflow.
CREATE TABLE custody_events (
    event_id       text PRIMARY KEY,
    journey_id     text NOT NULL REFERENCES journeys (journey_id),
    inmate_sdp_no  text NOT NULL,
    kind           text NOT NULL
                   CHECK (kind IN ('transfer', 'sanction', 'sanction_lifted', 'release')),
    occurred_at    timestamptz NOT NULL,
    recorded_at    timestamptz NOT NULL,
    reported_by    text NOT NULL,
    reported_role  text NOT NULL,
    payload        jsonb NOT NULL                  -- the event's fields as reported
);
CREATE INDEX custody_events_by_journey ON custody_events (journey_id, occurred_at);

-- One row per receiver of a release handover: the package, when it is due, whether it was
-- escalated, and who acknowledged it, in which role, when and why.
CREATE TABLE handovers (
    handover_id        text PRIMARY KEY,
    journey_id         text NOT NULL REFERENCES journeys (journey_id),
    inmate_sdp_no      text NOT NULL,
    receiver           text NOT NULL CHECK (receiver IN ('bapas', 'job_placement')),
    bapas_code         text,
    package            jsonb,                      -- NULL only until handover_sent lands
    sent_at            timestamptz NOT NULL,
    due_at             timestamptz NOT NULL,
    escalated_at       timestamptz,
    acknowledged_by    text,
    acknowledged_role  text,
    acknowledged_at    timestamptz,
    ack_reason         text,
    task_id            text,
    CONSTRAINT handovers_bapas_has_code CHECK ((receiver = 'bapas') = (bapas_code IS NOT NULL)),
    CONSTRAINT handovers_ack_is_complete CHECK (
        (acknowledged_at IS NULL) = (acknowledged_by IS NULL)
        AND (acknowledged_at IS NULL) = (acknowledged_role IS NULL)),
    UNIQUE (journey_id, receiver)
);
-- A Bapas officer's handovers, Kemnaker job placement's, and the overdue ones.
CREATE INDEX handovers_by_bapas ON handovers (bapas_code, due_at) WHERE receiver = 'bapas';
CREATE INDEX handovers_by_receiver ON handovers (receiver, due_at);
CREATE INDEX handovers_open_by_due ON handovers (due_at) WHERE acknowledged_at IS NULL;
