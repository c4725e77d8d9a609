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

-- The public certificate check's rate limit, shared by every API process: a token bucket
-- per client (tokens left, when last taken). The client is an HMAC of its address and the
-- hour under a server secret: no address is stored, one client's key changes every hour, and
-- a row is deleted once its bucket would be full again, so the table says how many clients
-- are being held back now, not who came back. Counted per outcome in certificate_check_counts.
CREATE TABLE public_check_buckets (
    client_key  bytea PRIMARY KEY CHECK (octet_length(client_key) = 32),
    tokens      double precision NOT NULL CHECK (tokens >= 0),
    taken_at    timestamptz NOT NULL,
    allowed     boolean NOT NULL  -- whether the last look-up got a token
);
CREATE INDEX public_check_buckets_by_time ON public_check_buckets (taken_at);
