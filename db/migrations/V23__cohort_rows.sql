-- Cohort rows (issue 18): every row of a cohort (`POST /cohorts/enrolments`, a workspace
-- upload) with the API's answer and, for an accepted row, what the inmate's journey did
-- with it later. An accepted row is a request durably queued in the journey (a
-- signal-with-start); the journey's projection writes its outcome, keyed by the row, in the
-- transaction of the journey event that records it (db/cohort_rows.py). A row is settled
-- once its enrolment's row and first inbox task (the placement review) are written.
CREATE TABLE cohorts (
    cohort_id   text PRIMARY KEY,
    upt_code    text NOT NULL,              -- the caseworkers of this UPT see it
    created_by  text NOT NULL,              -- the subject that sent its first rows (no name)
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cohort_rows (
    cohort_id       text NOT NULL,
    inmate_sdp_no   text NOT NULL,
    programme_code  text NOT NULL,
    -- accepted: the enrolment the journey was asked to start; already_enrolled: the one found
    enrolment_id    text,
    answer          text NOT NULL CHECK (answer IN ('accepted', 'already_enrolled', 'rejected')),
    reason          text,                   -- the answer's reason (every answer but accepted)
    answered_at     timestamptz NOT NULL DEFAULT now(),
    outcome         text CHECK (outcome IN ('started', 'refused')),  -- by the journey, later
    outcome_reason  text,                   -- why the journey refused it
    applied_at      timestamptz,            -- when the journey applied it (workflow time)
    PRIMARY KEY (cohort_id, inmate_sdp_no, programme_code),
    CHECK (answer <> 'accepted' OR enrolment_id IS NOT NULL)
);
-- One queued request per inmate and programme across cohorts: a copy sent while the first
-- is queued is answered already enrolled (the API claims its row before it signals).
CREATE UNIQUE INDEX cohort_rows_one_queued
    ON cohort_rows (inmate_sdp_no, programme_code) WHERE answer = 'accepted' AND outcome IS NULL;
-- A batch's look-up of rows still on their way, by inmate and programme (any cohort).
CREATE INDEX cohort_rows_by_pair ON cohort_rows (inmate_sdp_no, programme_code)
    WHERE answer = 'accepted';
