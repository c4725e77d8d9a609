-- Auditors (issue 6): the indexes behind the case search (db/audit_search.py) and the reports
-- (db/reports.py), and the log of every request an auditor makes (db/auditor_requests.py).

-- The search pages each kind of case newest first, optionally within one UPT, programme,
-- stage or employer and a date range: one index per filter, ordered by the opening time.
CREATE INDEX enrolments_by_requested_at ON enrolments (requested_at DESC, enrolment_id);
CREATE INDEX enrolments_by_upt_requested_at ON enrolments (upt_code, requested_at DESC);
CREATE INDEX enrolments_by_programme_requested_at
    ON enrolments (programme_code, requested_at DESC);
CREATE INDEX enrolments_by_stage_requested_at ON enrolments (stage, requested_at DESC);
CREATE INDEX journeys_by_started_at ON journeys (started_at DESC, journey_id);
CREATE INDEX journeys_by_upt_started_at ON journeys (upt_code, started_at DESC);
CREATE INDEX journeys_by_status_started_at ON journeys (status, started_at DESC);
CREATE INDEX permit_applications_by_submitted_at
    ON permit_applications (submitted_at DESC, application_id);
CREATE INDEX permit_applications_by_stage_submitted_at
    ON permit_applications (stage, submitted_at DESC);

-- SLA breaches: a task escalated, decided after its due date, or still open past it. The
-- first two never change once true and stay small; the last is read against the clock.
CREATE INDEX tasks_breached_by_case ON tasks (case_kind, case_id)
    WHERE escalated_at IS NOT NULL OR closed_at > due_at;
CREATE INDEX tasks_open_due_by_case ON tasks (case_kind, due_at, case_id)
    WHERE closed_at IS NULL AND due_at IS NOT NULL;

-- Every request a person holding the auditor role made (reads, and refused write attempts):
-- who, in which role and scope, what (method, path and query), the answer's status, when.
-- Append-only: the trigger below refuses UPDATE, DELETE and TRUNCATE for every user, the
-- application's included.
CREATE TABLE auditor_requests (
    request_id      uuid PRIMARY KEY,              -- the X-Request-Id the answer carried
    at              timestamptz NOT NULL,
    subject         text NOT NULL,
    role            text NOT NULL,
    scope_ministry  text,                          -- NULL: an auditor of all ministries
    scope           jsonb NOT NULL,
    method          text NOT NULL,
    path            text NOT NULL,
    query           text NOT NULL DEFAULT '',
    status          integer NOT NULL CHECK (status BETWEEN 100 AND 599)
);
CREATE INDEX auditor_requests_by_at ON auditor_requests (at DESC, request_id);
CREATE INDEX auditor_requests_by_subject ON auditor_requests (subject, at DESC);
CREATE INDEX auditor_requests_by_ministry ON auditor_requests (scope_ministry, at DESC);

CREATE FUNCTION auditor_requests_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'auditor_requests is append-only: % is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER auditor_requests_no_update_or_delete
    BEFORE UPDATE OR DELETE ON auditor_requests
    FOR EACH ROW EXECUTE FUNCTION auditor_requests_append_only();
CREATE TRIGGER auditor_requests_no_truncate
    BEFORE TRUNCATE ON auditor_requests
    FOR EACH STATEMENT EXECUTE FUNCTION auditor_requests_append_only();
