-- Auditors and operators, after release (branch auditops).

-- TKA supervision: the province of the work location (Kemendagri code) and the employer's
-- sector (KBLI 2020 section) of each application, from its submission. Applications sent
-- before these existed keep NULL (the reports count them as "not recorded"); nothing of a
-- running workflow changes.
ALTER TABLE permit_applications
    ADD COLUMN province_code text CHECK (province_code ~ '^[0-9]{2}$'),
    ADD COLUMN sector text CHECK (sector ~ '^[A-U]$');
-- The supervision reports read active permits only, by expiry.
CREATE INDEX permit_applications_active_by_expiry
    ON permit_applications (valid_until) WHERE stage = 'active' AND outcome IS NULL;
-- Overdue annual reports: the open annual-report tasks past their due date.
CREATE INDEX tasks_open_annual_reports ON tasks (due_at)
    WHERE kind = 'annual_report' AND closed_at IS NULL;

-- The auditors' case search lists placement cases (newest first, like the other kinds).
CREATE INDEX placements_by_started_at ON placements (started_at DESC, placement_id);
CREATE INDEX placements_by_status_started_at ON placements (status, started_at DESC);

-- The public certificate check's rate limit, shared by every API process: look-ups per
-- client per window. The client is an HMAC of its address and the window under a server
-- secret: no address is stored, and two windows' keys of one client do not match, so the
-- rows say how busy a window was, not who came back. Rows older than the previous window
-- are deleted as new windows start.
CREATE TABLE public_check_windows (
    client_key    bytea NOT NULL,
    window_start  timestamptz NOT NULL,
    lookups       integer NOT NULL DEFAULT 1 CHECK (lookups > 0),
    PRIMARY KEY (client_key, window_start)
);
CREATE INDEX public_check_windows_by_start ON public_check_windows (window_start);
