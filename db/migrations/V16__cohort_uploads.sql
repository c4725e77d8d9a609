-- Cohort uploads of the workspace (web/cohort_pages.py, db/cohort_uploads.py): the job and
-- every row of the file with its result, so progress, per-row results and the rejected rows
-- survive a restart of the API and are the same from every API process.
CREATE TABLE cohort_uploads (
    job_id       text PRIMARY KEY,
    upt_code     text NOT NULL,          -- the caseworkers of this UPT see the job
    uploaded_by  text NOT NULL,          -- the uploader's subject (no name)
    file_name    text NOT NULL,
    total        integer NOT NULL CHECK (total >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    failure      text,                   -- why the run stopped early, if it did
    lease_holder text,                   -- the run sending the rows, until lease_until
    lease_until  timestamptz
);
CREATE INDEX cohort_uploads_finished ON cohort_uploads (finished_at);

CREATE TABLE cohort_upload_rows (
    job_id         text NOT NULL REFERENCES cohort_uploads (job_id) ON DELETE CASCADE,
    line           integer NOT NULL,     -- in the file; the header is line 1
    inmate_sdp_no  text NOT NULL,
    programme_code text NOT NULL,
    reason         text NOT NULL,
    status         text CHECK (status IN ('accepted', 'already_enrolled', 'rejected')),
    result_reason  text,                 -- why, for every status but accepted
    PRIMARY KEY (job_id, line)
);
-- The next rows to send: those without a result, in file order.
CREATE INDEX cohort_upload_rows_pending ON cohort_upload_rows (job_id, line) WHERE status IS NULL;
