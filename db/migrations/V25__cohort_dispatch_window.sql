-- The cohort dispatcher's window (issue 18): it counts the rows handed to the journeys and
-- not yet applied by them before it takes more (workers/cohort_dispatch.py); this keeps that
-- count to the window's rows (50 by default) however many are queued behind them.
CREATE INDEX cohort_rows_with_journeys ON cohort_rows (signalled_at)
    WHERE answer = 'accepted' AND outcome IS NULL AND signalled_at IS NOT NULL;
