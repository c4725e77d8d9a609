-- The cohort rows become their own outbox (issue 18): an accepted row is durable in Postgres
-- the moment its batch commits, with the request to signal sealed beside it; the cohort
-- dispatcher (workers/cohort_dispatch.py) signals it to the inmate's journey later, retrying
-- with backoff, and refuses it later with the reason once out of attempts (db/cohort_rows.py).
ALTER TABLE cohort_rows
    -- The CohortEnrolment to signal, a Temporal payload sealed with the payload codec (it
    -- holds the requester and the reason): cleared once signalled or refused.
    ADD COLUMN request          bytea,
    ADD COLUMN signalled_at     timestamptz,   -- handed to the journey (signal-with-start)
    ADD COLUMN attempts         integer NOT NULL DEFAULT 0,
    ADD COLUMN last_error       text,          -- the last attempt's failure (no personal data)
    ADD COLUMN next_attempt_at  timestamptz,   -- due from then (backoff after a failure)
    ADD COLUMN lease_owner      text,          -- the dispatcher sending it now
    ADD COLUMN lease_until      timestamptz;   -- ... until then (a dead one's lease runs out)

-- Rows accepted before the outbox were signalled by the API before it answered.
UPDATE cohort_rows SET signalled_at = answered_at WHERE answer = 'accepted';

-- The dispatcher's pass: the rows still to signal, oldest due first.
CREATE INDEX cohort_rows_to_signal ON cohort_rows (next_attempt_at)
    WHERE request IS NOT NULL AND signalled_at IS NULL AND outcome IS NULL;
